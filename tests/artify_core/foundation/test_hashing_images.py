import sys

import numpy as np
import pytest
from PIL import Image

from artify_core.errors import ImageError
from artify_core.foundation.hashing import combine, file_digest, params_digest
from artify_core.images import load_image


def test_digest_follows_content_not_path(tmp_path):
    a, b = tmp_path / "a.bin", tmp_path / "b.bin"
    a.write_bytes(b"same")
    b.write_bytes(b"same")
    assert file_digest(a) == file_digest(b)
    b.write_bytes(b"other")
    assert file_digest(a) != file_digest(b)


def test_params_digest_is_order_independent():
    assert params_digest({"a": 1, "b": 2.5}) == params_digest({"b": 2.5, "a": 1})
    assert params_digest({"a": 1}) != params_digest({"a": 2})
    assert combine("x", "y") != combine("y", "x")


def test_load_image_and_errors(tmp_path):
    path = tmp_path / "rgba.png"
    Image.fromarray(np.zeros((10, 12, 4), np.uint8)).save(path)
    assert load_image(path).shape == (10, 12, 3)
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff garbage")
    with pytest.raises(ImageError, match="not a readable image"):
        load_image(broken)
    with pytest.raises(ImageError, match="no such file"):
        load_image(tmp_path / "missing.jpg")


def test_core_never_imports_prefect():
    import importlib

    for name in [m for m in list(sys.modules) if m.startswith("artify_core")]:
        del sys.modules[name]
    before = "prefect" in sys.modules
    importlib.import_module("artify_core.video")
    importlib.import_module("artify_core.pipeline.stylize")
    importlib.import_module("artify_core.storage")
    if not before:
        assert "prefect" not in sys.modules
