"""Optimization-based style transfer (Gatys et al. 2016), with Ruder et al.'s temporal loss for video.

Modules: ``functional`` (the losses, pure), ``backbones`` (VGG19 and the
arbitrary model's MobileNet-v2 as feature extractors), ``weights`` (VGG19's
weight set and where it is found), ``optimize`` (one frame's L-BFGS or Adam
optimisation, coarse-to-fine), ``model`` (the Artify model and its builder).

Speed, the temporal loss's effect and how MobileNet features stylize, measured by
``bench/bench_gatys.py``: docs/models.md.
"""

from artify_core.models.gatys.model import GatysSequence, GatysStyle, GatysStylizer, gatys

__all__ = ["GatysSequence", "GatysStyle", "GatysStylizer", "gatys"]
