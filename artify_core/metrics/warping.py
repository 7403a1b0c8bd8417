"""Warping error (Lai et al. 2018, "Learning Blind Video Temporal Consistency").

For each pair of consecutive frames, the output frame t-1 is warped onto frame
t by the optical flow of the *content* frames (the flow a perfectly stable
stylization would follow), and the squared difference to output frame t is
averaged over the pixels where that flow passes the forward–backward check:

    E_t = Σ M_t · ‖O_t − warp(O_{t-1})‖² / (3 · Σ M_t)        (pixels in [0, 1])

i.e. the masked mean over pixels *and* channels (Lai et al.'s script divides
by the pixel count only, three times larger; ratios are unaffected). The
content video gets the same measure with the same flows and masks; the ratio
output / content is 1.0 for an output as stable as its source, and is the
number to compare across videos: absolute values depend on resolution,
compression and the flow estimator.

Across a hard cut no flow links the frames and the content's own error
jumps by two to three orders of magnitude; on a video with cuts those few
pairs dominate the content mean (bikes.mp4, per-frame stylization: ratio
9.1 with all pairs, 59.8 with its 5 cut pairs left out). Pass the cuts when
they are known.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np

from artify_core.errors import InputError
from artify_core.temporal.flow import FlowEstimator
from artify_core.temporal.functional import consistency_mask, linked_frames, previous_frames, warp


def warping_error(current: np.ndarray, previous: np.ndarray, flow: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Masked mean squared difference between frames t and warped frames t-1.

    Args:
        current: RGB uint8 (n, H, W, 3), frames t.
        previous: RGB uint8 (n, H, W, 3), frames t-1.
        flow: float32 (n, H, W, 2), flow from t to t-1.
        mask: float32 (n, H, W) in [0, 1], where the flow is trusted.

    Returns:
        float64 (n,), on the 0–1 pixel scale (0..1); NaN where the mask is empty.
    """
    carried = warp(previous, flow)
    squared = ((current.astype(np.float32) - carried) / 255.0) ** 2
    weight = mask.sum(axis=(1, 2), dtype=np.float64) * current.shape[-1]
    total = np.einsum("nhwc,nhw->n", squared, mask, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(weight > 0, total / np.maximum(weight, 1), np.nan)


@dataclass(frozen=True)
class WarpingErrors:
    """Per-frame warping errors of an output video and of its content video.

    ``output[t]`` and ``content[t]`` measure the pair (t-1, t), float64 (N,);
    NaN at frame 0, at excluded cuts and where no pixel has a reliable flow.
    Means skip NaN.
    """

    output: np.ndarray
    content: np.ndarray

    @property
    def mean(self) -> float:
        return _nanmean(self.output)

    @property
    def content_mean(self) -> float:
        return _nanmean(self.content)

    @property
    def ratio(self) -> float:
        """mean / content_mean: 1.0 is as stable as the source."""
        return self.mean / self.content_mean if self.content_mean > 0 else float("nan")


class WarpingErrorMeter:
    """Accumulates warping errors over (content, output) batches given in frame order.

    Memory: the previous content and output frames and one float per frame.

    Args:
        flow: estimator for the content flow (the same one for every video
            compared, since the figures depend on it).
        cuts: frames that start a new shot; pairs across a cut are left out
            (NaN), since no flow links them.
    """

    def __init__(self, flow: FlowEstimator, *, cuts: Iterable[int] = ()):
        self.flow = flow
        self.cuts = frozenset(int(c) for c in cuts)
        self._frame = 0
        self._previous: tuple[np.ndarray, np.ndarray] | None = None
        self._output: list[np.ndarray] = []
        self._content: list[np.ndarray] = []

    def update(self, content: np.ndarray, output: np.ndarray) -> None:
        """Adds the next batch: RGB uint8 (n, H, W, 3) each, same shape."""
        if content.shape != output.shape or content.dtype != np.uint8 or output.dtype != np.uint8:
            raise InputError(f"content and output batches must be RGB uint8 of one shape; got "
                             f"{content.dtype} {content.shape} and {output.dtype} {output.shape}")
        if len(content) == 0:
            return
        errors_out, errors_content = np.full(len(content), np.nan), np.full(len(content), np.nan)
        carried = self._previous or (None, None)
        content_prev, output_prev = previous_frames(content, carried[0]), previous_frames(output, carried[1])
        linked = linked_frames(len(content), self._frame, has_previous=self._previous is not None, cuts=self.cuts)
        if linked:
            flow = self.flow.estimate(content[linked], content_prev[linked])
            mask = consistency_mask(flow, self.flow.estimate(content_prev[linked], content[linked]))
            errors_out[linked] = warping_error(output[linked], output_prev[linked], flow, mask)
            errors_content[linked] = warping_error(content[linked], content_prev[linked], flow, mask)
        self._output.append(errors_out)
        self._content.append(errors_content)
        self._previous = (content[-1].copy(), output[-1].copy())
        self._frame += len(content)

    def result(self) -> WarpingErrors:
        """Errors for every frame seen so far."""
        if not self._output:
            return WarpingErrors(np.zeros(0), np.zeros(0))
        return WarpingErrors(np.concatenate(self._output), np.concatenate(self._content))


def _nanmean(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if finite.size else float("nan")
