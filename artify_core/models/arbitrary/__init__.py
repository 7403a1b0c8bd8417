"""Arbitrary style transfer (Ghiasi et al. 2017) with Magenta's weights."""

from __future__ import annotations

from typing import Any

__all__ = ["ArbitraryStylizer", "ArbitraryWeights", "arbitrary"]


def __getattr__(name: str) -> Any:
    # Imported on first use: ``backends`` (read by the settings) must not import torch with the package.
    if name in __all__:
        from artify_core.models.arbitrary import model

        return getattr(model, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
