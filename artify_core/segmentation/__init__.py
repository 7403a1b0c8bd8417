"""Foreground/background segmentation for layered stylization.

``masks``: pluggable mask sources (motion, deeplab, file:PATH) and their
registry; ``stabilize``: temporal filtering of masks along optical flow;
``composite``: the five ways of merging two stylized layers (pure functions)
and their registry ``COMPOSITE_MODES``; ``inpaint``: filling a layer's hole
(classical, or from the shot's background plate); ``crops``: the ``resize``
mode's boxes, steady along a shot.
"""

from artify_core.segmentation.composite import COMPOSITE_MODE_HELP, COMPOSITE_MODES, composite
from artify_core.segmentation.masks import MASK_SOURCES, MaskSource, load_mask_source

__all__ = ["COMPOSITE_MODES", "COMPOSITE_MODE_HELP", "MASK_SOURCES", "MaskSource", "composite", "load_mask_source"]
