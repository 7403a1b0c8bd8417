"""The one registry helper: names, lazy builders, options from signatures."""

from __future__ import annotations

import sys

import pytest

from artify_core.errors import InputError
from artify_core.foundation.registry import Registry


def build_circle(*, radius: float = 1.0, colour: str = "red") -> tuple[str, float, str]:
    return "circle", radius, colour


def test_names_options_and_build():
    shapes: Registry[tuple] = Registry("shape")
    shapes.register("circle", build_circle, summary="round", sides=0)
    assert shapes.names() == ("circle",) and "circle" in shapes and list(shapes) == ["circle"]
    assert list(shapes.options("circle")) == ["radius", "colour"]
    assert shapes.build("circle", radius=2.0) == ("circle", 2.0, "red")
    assert shapes.extra("circle", "sides") == 0
    with pytest.raises(InputError, match=r"shape 'circle' takes no option 'sides'; its options: radius, colour"):
        shapes.build("circle", sides=3)
    with pytest.raises(InputError, match=r"unknown shape 'square'; choose from circle"):
        shapes.build("square")
    with pytest.raises(ValueError, match="registered twice"):
        shapes.register("circle", build_circle)


def test_a_builder_named_by_path_is_imported_on_first_use(tmp_path, monkeypatch):
    (tmp_path / "heavy_shapes.py").write_text("def square(*, side: int = 1):\n    return ('square', side)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    shapes: Registry[tuple] = Registry("shape")
    shapes.register("square", "heavy_shapes:square")
    assert shapes.names() == ("square",) and "heavy_shapes" not in sys.modules  # listing imports nothing
    assert shapes.build("square", side=3) == ("square", 3) and "heavy_shapes" in sys.modules
    monkeypatch.delitem(sys.modules, "heavy_shapes")
