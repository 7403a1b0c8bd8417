"""Optimization-based style transfer (Gatys et al. 2016), with Ruder et al.'s temporal loss for video.

Modules: ``functional`` (the losses, pure), ``backbones`` (VGG19 and the
arbitrary model's MobileNet-v2 as feature extractors), ``weights`` (VGG19's
weight set and where it is found), ``optimize`` (one frame's L-BFGS or Adam
optimisation, coarse-to-fine), ``model`` (the Artify model and its builder).

Measured with ``bench/bench_gatys.py`` (MobileNet backbone, starrynight.jpg,
frames 100–119 of bigbuckbunny_720p.mp4 at 456x256, 50 L-BFGS iterations per
frame and 100 for a shot's first frame, 2 CPU cores): 8.8 s per frame for a
sequence with the temporal loss. Warping error (ratio to the content's): each
frame on its own 5.06e-3 (59.1); sequence from the warped previous result
without the temporal loss 1.96e-4 (2.29); with it 3.98e-5 (0.47).
MobileNet features do stylize: strokes, outlines and part of the palette
transfer (docs/images/gatys_mobilenet_*.jpg). They also leave a faint
2-pixel grid in flat areas (likely the stride-2 stem's gradient pattern) and
a thin line near the borders. VGG19 could not be compared by eye here (no
weights offline).
"""

from artify_core.models.gatys.model import GatysSequence, GatysStyle, GatysStylizer, gatys

__all__ = ["GatysSequence", "GatysStyle", "GatysStylizer", "gatys"]
