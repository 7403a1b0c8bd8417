"""Every option of ``stylize`` and ``batch`` is checked before any work starts: a bad value is one
line naming the flag, the value and what is allowed, exit code 2, and nothing is written."""

from __future__ import annotations

import pytest

from artify_cli.main import main
from artify_cli.options import _describe
from artify_core.settings import FolderRequest, VideoRequest, leaves


def _bad_values(leaf) -> list[str]:
    """Values the option's definition refuses: beyond each bound, outside the choices, not a number."""
    kind, _, choices = _describe(leaf.field.annotation)
    bounds = {type(m).__name__: m for m in leaf.field.metadata}
    values = []
    if "Ge" in bounds:
        values.append(str(bounds["Ge"].ge - (1 if kind is int else 0.5)))
    if "Le" in bounds:
        values.append(str(bounds["Le"].le + 1))
    if choices:
        values.append("nope")
    if kind in (int, float):
        values.append("abc")
    if "Pattern" in str(leaf.field.metadata) or any(getattr(m, "pattern", None) for m in leaf.field.metadata):
        values.append("not-an-address")
    return values


def _cases(model: type) -> list[tuple[str, str]]:
    return [(leaf.flag, value) for leaf in leaves(model) if leaf.flag for value in _bad_values(leaf)]


def _run(args: list[str], capsys) -> tuple[int, str]:
    import signal

    handlers = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    try:
        try:
            code = main(args)
        except SystemExit as exit_:  # argparse's own refusals
            code = exit_.code
    finally:
        signal.signal(signal.SIGINT, handlers[0])
        signal.signal(signal.SIGTERM, handlers[1])
    return code, capsys.readouterr().err


@pytest.mark.parametrize("flag,value", _cases(VideoRequest), ids=lambda v: str(v))
def test_stylize_refuses_each_bad_value_in_one_line(flag, value, tmp_path, capsys):
    code, err = _run(["stylize", str(tmp_path / "in.mp4"), "--style", "s.jpg", flag, value], capsys)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, err
    assert lines[0].startswith("artify: error: ") and flag in lines[0] and value in lines[0], lines[0]
    assert list(tmp_path.iterdir()) == []  # nothing written


@pytest.mark.parametrize("flag,value", _cases(FolderRequest), ids=lambda v: str(v))
def test_batch_refuses_each_bad_value_in_one_line(flag, value, tmp_path, capsys):
    code, err = _run(["batch", str(tmp_path), str(tmp_path / "out"), "--style", "s.jpg", flag, value], capsys)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and flag in lines[0] and value in lines[0], err


def test_every_number_has_both_bounds():
    for leaf in leaves(VideoRequest):
        kind, many, _ = _describe(leaf.field.annotation)
        if kind in (int, float) and not many:
            assert {"Ge", "Le"} <= {type(m).__name__ for m in leaf.field.metadata}, leaf.path


@pytest.mark.parametrize("args,fragment", [
    (["--iterations", "5"], "--iterations belongs to --model gatys, not arbitrary"),
    (["--model", "gatys", "--feature-smoothing", "0.5"], "--feature-smoothing belongs to --model arbitrary, not gatys"),
    (["--fg-style", "none"], "--fg-style needs --model segmented"),
    (["--style-weight", "1", "--style-weight", "2"], "--style-weight: give one non-negative weight per --style (1)"),
    (["--workers", "2", "--dask-address", "tcp://h:8786"], "choose --workers or --dask-address, not both"),
    (["--model", "segmented", "--mask", "file:"], "--mask file:"),
])
def test_rules_across_options_name_the_flags(args, fragment, tmp_path, capsys):
    code, err = _run(["stylize", str(tmp_path / "in.mp4"), "--style", "s.jpg", *args], capsys)
    assert code == 2 and fragment in err and len(err.strip().splitlines()) == 1, err


def test_a_missing_style_names_the_option(tmp_path, capsys):
    code, err = _run(["stylize", str(tmp_path / "in.mp4")], capsys)
    assert code == 2 and "--style: give a style" in err, err
