"""Foreground/background segmentation for layered stylization.

``masks``: pluggable mask sources (motion, deeplab, file:PATH) and their
registry; ``stabilize``: temporal filtering of masks along optical flow;
``composite``: the five ways of merging two stylized layers (pure functions),
whose names users type are in ``modes``; ``inpaint``: filling a layer's hole
(classical, or from the shot's background plate); ``crops``: the ``resize``
mode's boxes, steady along a shot.

Nothing is imported here: listing the modes and mask sources must not load OpenCV.
"""
