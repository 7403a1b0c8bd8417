"""Arbitrary style transfer (Ghiasi et al. 2017) with Magenta's weights."""

from artify_core.models.arbitrary.model import ArbitraryStylizer, ArbitraryWeights, arbitrary

__all__ = ["ArbitraryStylizer", "ArbitraryWeights", "arbitrary"]
