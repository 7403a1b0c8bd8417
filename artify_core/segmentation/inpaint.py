"""Filling one layer's hole, so that each layer is a whole picture before it is stylized.

A layer cut out of a frame leaves a hole where the other layer was; stylized
as it is (the other layer still there, or blurred), the network paints
strokes that bend around that patch, and the two layers disagree at the seam.
``composite.composite_inpaint`` fills the hole first, in one of two ways:

* classical (``inpaint_frames``): OpenCV's Telea (fast marching, Telea 2004)
  or Navier–Stokes (Bertalmío et al. 2001) inpainting, run at
  ``WORK_HEIGHT`` rows and upsampled into the hole: a smooth continuation of
  the surrounding colours. Inpainting is only seen by the stylizer (and in the
  feathered band at the seam), so a low-resolution fill costs little: at 720p
  a subject-sized hole took 24 ms at 180 rows against 340 ms at full size.
* temporal (``BackgroundPlate``): in a static or slowly moving shot the
  background hidden by the subject now was usually visible in another frame.
  The plate keeps the last colour seen at every background pixel of the shot
  (outside the subject's hole, and standing still since the frame before, so
  that a part of the subject the mask missed is not learned as background),
  carried along the camera's motion (a similarity fitted to the background's
  optical flow; none at all when the camera stands still, so a static plate
  is never resampled), and fills the hole from it; what it has never seen is
  filled classically. The plate carries state across batches and, through a
  sequence's warm-up context, across chunks; it restarts at cuts.
"""

from __future__ import annotations


import cv2
import numpy as np

from artify_core.errors import InputError
from artify_core.segmentation.modes import INPAINT_METHODS, InpaintMethod

_FLAGS = {"telea": cv2.INPAINT_TELEA, "ns": cv2.INPAINT_NS}
# Rows at which classical inpainting and the camera-motion flow run.
WORK_HEIGHT = 180
# Neighbourhood radius, in working-resolution pixels, of OpenCV's inpainting.
INPAINT_RADIUS = 3
# The plate is carried along the camera once it has moved this much (full-resolution pixels at the
# frame's corners) since the plate's reference frame: resampling a plate every frame would blur it.
STILL_PIXELS = 0.5
# Fewer background flow vectors than this agreeing on one similarity: the background is not
# rigid (or the flow failed) and the plate is forgotten rather than smeared.
MIN_INLIER_SHARE = 0.5
# Working-size pixels around the subject left out of the camera's motion fit.
SUBJECT_MARGIN = 8
# A pixel enters the plate only when it stood still since the last frame (blurred grey levels at the
# working size, after the camera's motion): compression noise of a static background stays within a
# few levels, while a part of the subject that the mask missed moves, and is kept out.
STILL_LEVELS = 8


def inpaint_frames(frames: np.ndarray, holes: np.ndarray, *, method: InpaintMethod = "telea",
                   work_height: int = WORK_HEIGHT) -> np.ndarray:
    """Frames with their holes filled from the pixels around them; outside the holes, unchanged.

    Args:
        frames: RGB uint8 (N, H, W, 3).
        holes: bool (N, H, W), True where the frame's pixels are to be replaced.
        method: "telea" or "ns" (OpenCV's two inpainting algorithms).
        work_height: rows at which the fill is computed (frames no taller are filled at full size).

    Returns:
        RGB uint8 (N, H, W, 3). A frame whose hole is empty, or covers the
        whole frame (nothing to fill from), is returned unchanged.
    """
    flag = _flag(method)
    out = frames.copy()
    for i, (frame, hole) in enumerate(zip(frames, holes)):
        if hole.any() and not hole.all():
            fill = _inpaint(frame, hole, flag, work_height)
            cv2.copyTo(fill, hole.view(np.uint8), out[i])
    return out


def _inpaint(frame: np.ndarray, hole: np.ndarray, flag: int, work_height: int) -> np.ndarray:
    """The whole frame inpainted at ``work_height`` rows and upsampled: RGB uint8 (H, W, 3)."""
    height, width = hole.shape
    if height <= work_height:
        return cv2.inpaint(np.ascontiguousarray(frame), hole.view(np.uint8), INPAINT_RADIUS, flag)
    size = (max(1, round(width * work_height / height)), work_height)
    small = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
    # Any working pixel touching the hole is part of it, so no hidden colour leaks into the fill.
    small_hole = (cv2.resize(hole.view(np.uint8), size, interpolation=cv2.INTER_AREA) > 0).view(np.uint8)
    if small_hole.all():
        return frame
    filled = cv2.inpaint(small, small_hole, INPAINT_RADIUS, flag)
    return cv2.resize(filled, (width, height), interpolation=cv2.INTER_LINEAR)


def _flag(method: str) -> int:
    if method not in _FLAGS:
        raise InputError(f"unknown inpainting method {method!r}; use one of: {', '.join(INPAINT_METHODS)}")
    return _FLAGS[method]


class BackgroundPlate:
    """The shot's background as seen so far: fills a frame's holes with what other frames showed there.

    Feed every frame of a shot in order (``learn`` for context frames,
    ``fill`` for frames to stylize); ``reset`` at a cut.

    Args:
        method: classical inpainting for hole pixels the plate has never seen.
        follow_camera: carry the plate along the camera's motion (a similarity
            fitted to the background's optical flow at ``work_height`` rows);
            False assumes a static camera.
        work_height: rows of the classical fill and of the motion flow.
    """

    def __init__(self, *, method: InpaintMethod = "telea", follow_camera: bool = True,
                 work_height: int = WORK_HEIGHT):
        _flag(method)
        self.method, self.follow_camera, self.work_height = method, follow_camera, work_height
        self._flow = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_FAST)
        self.reset()

    def reset(self) -> None:
        """Forgets the shot: nothing seen yet."""
        self._plate: np.ndarray | None = None  # RGB uint8 (H, W, 3), the last colour seen per pixel
        self._seen: np.ndarray | None = None  # uint8 (H, W) {0, 1}
        self._reference: np.ndarray | None = None  # uint8 (h, w): the frame whose grid the plate is on
        self._previous: np.ndarray | None = None  # uint8 (h, w): the last frame
        self._previous_to_reference = np.eye(3)  # working-size pixels of the last frame → the reference's
        self.moves = 0  # times the plate was carried along the camera in this shot

    @property
    def seen(self) -> np.ndarray | None:
        """bool (H, W): pixels of the current frame's grid the plate has a colour for; None before any frame."""
        return None if self._seen is None else self._seen.astype(bool)

    def learn(self, frames: np.ndarray, holes: np.ndarray) -> None:
        """Takes in the visible background (outside ``holes``, bool (N, H, W)) of RGB uint8 (N, H, W, 3)."""
        for frame, hole in zip(frames, holes):
            self._learn(frame, hole)

    def fill(self, frames: np.ndarray, holes: np.ndarray) -> np.ndarray:
        """``learn``, then each hole filled from the plate where seen, classically elsewhere: RGB uint8 (N, H, W, 3)."""
        out = frames.copy()
        unseen = np.zeros(holes.shape, bool)
        for i, (frame, hole) in enumerate(zip(frames, holes)):
            self._learn(frame, hole)
            known = hole & self.seen
            cv2.copyTo(self._plate, known.view(np.uint8), out[i])
            unseen[i] = hole & ~known
        return inpaint_frames(out, unseen, method=self.method, work_height=self.work_height)

    def _learn(self, frame: np.ndarray, hole: np.ndarray) -> None:
        """Follows the camera, then copies in the pixels outside ``hole`` that stood still since the last frame."""
        grey = self._small_grey(frame)
        if self._plate is None:  # a shot's first frame: nothing is known to stand still yet
            self._plate, self._seen = np.zeros_like(frame), np.zeros(hole.shape, np.uint8)
            self._reference = self._previous = grey
            return
        to_previous = self._follow(grey, hole) if self.follow_camera else np.eye(3)
        previous = self._previous
        if to_previous is None:
            previous = None
        elif _corner_shift(to_previous, grey.shape) > 0.05:
            previous = cv2.warpAffine(previous, to_previous[:2], grey.shape[::-1],
                                      flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE)
        self._previous = grey
        if previous is None:
            return
        moving = (cv2.absdiff(grey, previous) > STILL_LEVELS).view(np.uint8)
        still = cv2.resize(moving, hole.shape[::-1], interpolation=cv2.INTER_NEAREST) == 0
        visible = (~hole & still).view(np.uint8)
        cv2.copyTo(frame, visible, self._plate)
        self._seen |= visible

    def _follow(self, grey: np.ndarray, hole: np.ndarray) -> np.ndarray | None:
        """Carries the plate onto this frame's grid once the camera has moved ``STILL_PIXELS`` since
        the plate's reference frame; returns the motion from this frame to the last one (3×3,
        working-size pixels), None when the background moved as no rigid whole (the plate is forgotten).

        Motion is measured against the reference frame, not summed frame to frame, so the flow's
        noise does not add up into a drift that would move a static plate.
        """
        to_reference = self._camera_motion(grey, self._reference, hole)
        if to_reference is None:
            self._seen[:] = 0
            self._reference, self._previous_to_reference = grey, np.eye(3)
            return None
        to_previous = np.linalg.inv(self._previous_to_reference) @ to_reference
        height, width = hole.shape
        if _corner_shift(to_reference, grey.shape) * height / grey.shape[0] >= STILL_PIXELS:
            scale = np.diag([width / grey.shape[1], height / grey.shape[0], 1.0])
            matrix = (scale @ to_reference @ np.linalg.inv(scale))[:2]
            # WARP_INVERSE_MAP: plate_t(x) = plate_ref(M x), M taking this frame's pixels to the reference's.
            self._plate = cv2.warpAffine(self._plate, matrix, (width, height),
                                         flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                         borderMode=cv2.BORDER_REPLICATE)
            self._seen = cv2.warpAffine(self._seen, matrix, (width, height),
                                        flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP,
                                        borderMode=cv2.BORDER_CONSTANT, borderValue=0)
            self._reference, to_reference = grey, np.eye(3)
            self.moves += 1
        self._previous_to_reference = to_reference
        return to_previous

    def _camera_motion(self, grey: np.ndarray, target: np.ndarray, hole: np.ndarray) -> np.ndarray | None:
        """3×3 similarity taking this frame's working-size pixels to ``target``'s; None when the
        background's flow agrees on none."""
        flow = self._flow.calc(grey, target, None)
        small_h, small_w = grey.shape
        near = cv2.resize(hole.view(np.uint8), (small_w, small_h), interpolation=cv2.INTER_AREA) > 0
        # The flow is smooth across a moving subject's outline: vectors next to it carry its motion.
        away = cv2.dilate(near.view(np.uint8), np.ones((2 * SUBJECT_MARGIN + 1,) * 2, np.uint8)) == 0
        ys, xs = np.mgrid[2:small_h - 2:4, 2:small_w - 2:4]
        keep = away[ys, xs]
        if keep.sum() < 16:
            return np.eye(3)  # no background to judge by: assume the camera held still
        source = np.stack([xs[keep], ys[keep]], -1).astype(np.float32)
        landed = source + flow[ys[keep], xs[keep]]
        # Least median of squares: the vectors of a static background agree to a few hundredths of a pixel,
        # and RANSAC's pixel-wide tolerance let a slight zoom through that moved a static plate.
        matrix, inliers = cv2.estimateAffinePartial2D(source, landed, method=cv2.LMEDS)
        if matrix is None or inliers.mean() < MIN_INLIER_SHARE:
            return None
        return np.vstack([matrix, [0.0, 0.0, 1.0]])

    def _small_grey(self, frame: np.ndarray) -> np.ndarray:
        """Blurred grey frame at ``work_height`` rows, uint8 (h, w)."""
        height, width = frame.shape[:2]
        grey = cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_RGB2GRAY)
        if height > self.work_height:
            grey = cv2.resize(grey, (max(1, round(width * self.work_height / height)), self.work_height),
                              interpolation=cv2.INTER_AREA)
        return cv2.GaussianBlur(grey, (5, 5), 0)


def _corner_shift(matrix: np.ndarray, shape: tuple[int, int]) -> float:
    """Largest displacement, in pixels, that ``matrix`` (3×3) gives a corner of a frame of ``shape``."""
    height, width = shape
    corners = np.array([[0, 0, 1], [width - 1, 0, 1], [0, height - 1, 1], [width - 1, height - 1, 1]], np.float64)
    moved = corners @ matrix.T
    return float(np.abs(moved[:, :2] - corners[:, :2]).max())
