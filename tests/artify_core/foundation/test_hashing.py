"""Digests for cache keys follow content, not paths; the core never imports Prefect."""

import sys

from artify_core.foundation.hashing import combine, file_digest, params_digest


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


def test_core_never_imports_prefect():
    # In a fresh interpreter: re-importing artify_core here would give later tests other classes
    # (an InputError that ``pytest.raises(InputError)`` no longer catches).
    import subprocess

    code = ("import sys, artify_core.video, artify_core.pipeline.stylize, artify_core.storage; "
            "print('prefect' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
