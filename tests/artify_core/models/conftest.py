"""Fixtures for the model tests: shared media and the installed Magenta weights."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np
import pytest

from artify_core.errors import WeightsUnavailableError
from artify_core.images import load_image

MEDIA = Path(__file__).resolve().parents[3] / ".." / "shared" / "media"


@pytest.fixture(scope="session")
def media_pixels() -> Callable[[str], np.ndarray]:
    """Loads a shared image as RGB uint8 (H, W, 3), e.g. ``media_pixels("style/wave.jpg")``; skips when absent."""

    def load(relative: str) -> np.ndarray:
        path = MEDIA / relative
        if not path.exists():
            pytest.skip(f"shared test media not found: {path.resolve()}")
        return load_image(path)

    return load


@pytest.fixture(scope="session")
def weights_dir() -> Path:
    """Directory with the two Magenta ONNX files, hash-checked; skips when not installed."""
    from artify_core.models.arbitrary.model import ArbitraryWeights

    try:
        return ArbitraryWeights.DEFAULT.path(verify=True)
    except WeightsUnavailableError as exc:
        pytest.skip(f"arbitrary-style weights unavailable: {exc}")


@pytest.fixture(scope="session")
def stylizer(weights_dir):
    """The arbitrary stylizer on CPU in float32 on torch (the reference precision and backend)."""
    from artify_core.models.arbitrary.model import arbitrary

    return arbitrary(device="cpu", precision="fp32", batch_size=4, backend="torch")
