"""Video I/O: probing, decoding to RGB batches, encoding from them (ffmpeg pipes)."""

from artify_core.video.binary import ffmpeg_exe
from artify_core.video.probe import VideoInfo, ensure_complete, probe_video
from artify_core.video.reader import iter_frames, output_size, read_frames
from artify_core.video.writer import VideoWriter, check_writable, concat_segments

__all__ = [
    "VideoInfo", "VideoWriter", "check_writable", "concat_segments", "ensure_complete", "ffmpeg_exe",
    "iter_frames", "output_size", "probe_video", "read_frames",
]
