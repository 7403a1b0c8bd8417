"""Video I/O in-process on PyAV (FFmpeg's libraries): probing, decoding to RGB batches, encoding
from them, joining segments with the audio. No ffmpeg binary is run."""

from artify_core.video.join import concat_segments, segment_duration
from artify_core.video.probe import VideoInfo, ensure_complete, probe_video
from artify_core.video.reader import iter_frames, output_size, read_frames
from artify_core.video.writer import VideoWriter, check_writable

__all__ = [
    "VideoInfo", "VideoWriter", "check_writable", "concat_segments", "ensure_complete", "iter_frames",
    "output_size", "probe_video", "read_frames", "segment_duration",
]
