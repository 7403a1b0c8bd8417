"""Which encoder writes the output: NVENC on a GPU where it opens, x264 elsewhere, never "auto" in a key."""

from __future__ import annotations

import pytest

import artify_core.video.encoders as encoders
from artify_core.errors import InputError
from artify_core.video.writer import _encoder_options


def test_auto_is_nvenc_only_on_cuda_with_a_working_encoder(monkeypatch):
    monkeypatch.setattr(encoders, "nvenc_available", lambda: True)
    assert encoders.resolve_encoder("auto", "cuda") == "h264_nvenc"
    assert encoders.resolve_encoder("auto", "cuda:1") == "h264_nvenc"
    assert encoders.resolve_encoder("auto", "cpu") == "libx264"  # a CPU run's encoder is x264
    monkeypatch.setattr(encoders, "nvenc_available", lambda: False)
    assert encoders.resolve_encoder("auto", "cuda") == "libx264"


def test_nvenc_asked_for_where_it_cannot_open_is_one_clear_error(monkeypatch):
    monkeypatch.setattr(encoders, "nvenc_available", lambda: False)
    with pytest.raises(InputError, match="h264_nvenc.*NVIDIA GPU"):
        encoders.resolve_encoder("h264_nvenc", "cpu")
    with pytest.raises(InputError, match="unknown encoder"):
        encoders.resolve_encoder("libx265", "cpu")


def test_x264_quality_and_presets_map_onto_nvenc():
    assert _encoder_options("h264_nvenc", 1280, 720, 18, "medium") == {"preset": "p5", "rc": "vbr", "cq": "18",
                                                                       "b": "0"}
    assert _encoder_options("h264_nvenc", 1280, 720, 23, "ultrafast")["preset"] == "p1"
    assert _encoder_options("libx264", 1280, 720, 18, "medium") == {"crf": "18", "preset": "medium"}
    assert "x264-params" in _encoder_options("libx264", 3840, 2160, 18, "medium")  # a shorter lookahead at 4K


def test_this_machine_has_no_nvenc_unless_a_gpu_is_there():
    import shutil

    if shutil.which("nvidia-smi") is None:
        assert not encoders.nvenc_available()
