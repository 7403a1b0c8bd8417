"""Every ARTIFY_* variable is read through one settings model."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from artify_core.foundation.environment import ArtifyEnvironment, WatchEnvironment, environment, variable
from artify_core.foundation.paths import default_store_uri, scratch_dir

REPO = Path(__file__).resolve().parents[3]


def test_variables_are_named_after_their_fields():
    assert variable("vgg19_weights") == "ARTIFY_VGG19_WEIGHTS"
    assert variable("s3_public_endpoint_url") == "ARTIFY_S3_PUBLIC_ENDPOINT_URL"
    assert variable("timezone", WatchEnvironment) == "ARTIFY_WATCH_TIMEZONE"
    with pytest.raises(KeyError):
        variable("no_such_setting")


def test_empty_variables_count_as_unset_and_locations_follow_the_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("ARTIFY_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("ARTIFY_STORE", "")
    monkeypatch.delenv("ARTIFY_SCRATCH", raising=False)
    monkeypatch.setenv("ARTIFY_WEIGHTS_DIR", "")
    assert environment().weights_dir is None
    assert default_store_uri() == str(tmp_path / "cache" / "store")
    assert scratch_dir() == tmp_path / "cache" / "scratch"
    monkeypatch.setenv("ARTIFY_STORE", "s3://bucket/prefix")
    assert default_store_uri() == "s3://bucket/prefix"


def test_the_watch_styles_are_comma_separated(monkeypatch):
    monkeypatch.setenv("ARTIFY_WATCH_STYLE", " s3://b/a.jpg, ,s3://b/c.jpg ")
    assert WatchEnvironment().styles == ["s3://b/a.jpg", "s3://b/c.jpg"]


def test_no_module_reads_an_artify_variable_by_itself():
    """Only the environment model names ARTIFY_* variables when reading the environment."""
    reads = re.compile(r"(os\.environ(\.get)?\s*[\[(]|os\.getenv\()\s*[\"']ARTIFY_")
    offenders = [str(path.relative_to(REPO)) for folder in ("artify_core", "artify_cli", "flows", "tasks", "deployments")
                 for path in (REPO / folder).rglob("*.py") if reads.search(path.read_text())]
    assert offenders == []
    assert set(ArtifyEnvironment.model_fields) >= {"cache", "store", "scratch"}
