"""Foreground/background segmentation for layered stylization.

``masks``: pluggable mask sources (motion, deeplab, file:PATH) and their
registry; ``stabilize``: temporal filtering of masks along optical flow;
``composite``: the four ways of merging two stylized layers (pure functions).
"""

from artify_core.segmentation.composite import COMPOSITE_MODES, composite
from artify_core.segmentation.masks import MASK_SOURCES, MaskSource, load_mask_source

__all__ = ["COMPOSITE_MODES", "MASK_SOURCES", "MaskSource", "composite", "load_mask_source"]
