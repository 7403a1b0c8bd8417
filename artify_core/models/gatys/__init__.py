"""Optimization-based style transfer (Gatys et al. 2016), with Ruder et al.'s temporal loss for video.

Modules: ``functional`` (the losses, pure), ``backbones`` (VGG19 and the
arbitrary model's MobileNet-v2 as feature extractors), ``weights`` (VGG19's
weight set and where it is found), ``optimize`` (one frame's L-BFGS or Adam
optimisation, coarse-to-fine), ``model`` (the Artify model and its builder), ``spec``
(the backbones by name, torch-free).

Speed, the temporal loss's effect and how MobileNet features stylize, measured by
``bench/bench_gatys.py``: docs/models.md.
"""

from __future__ import annotations

from typing import Any

__all__ = ["GatysSequence", "GatysStyle", "GatysStylizer", "gatys"]


def __getattr__(name: str) -> Any:
    # Imported on first use: ``spec`` (read by the settings) must not import torch with the package.
    if name in __all__:
        from artify_core.models.gatys import model

        return getattr(model, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
