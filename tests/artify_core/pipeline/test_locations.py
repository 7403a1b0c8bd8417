"""Locations: URL schemes Artify does not read are refused; deployment runs stay under their roots."""

from __future__ import annotations

import os
import re

import pytest

from artify_core.errors import InputError
from artify_core.pipeline.locations import check_confined, check_schemes, location_regex, locations
from artify_core.settings import FolderRequest, VideoRequest


def video(**fields) -> VideoRequest:
    return VideoRequest.model_validate({"content": "/data/in/a.mp4", "style": ["s3://b/styles/s.jpg"], **fields})


def test_every_location_of_a_request_is_named():
    request = video(output="/data/out/a.mp4", report="/data/out/r", model="segmented",
                    segmented={"fg_style": ["/data/s/fg.jpg"], "bg_style": ["none"], "mask": "file:/data/m"},
                    execution={"store": "s3://b/store"})
    assert sorted(locations(request)) == sorted([
        ("content", "/data/in/a.mp4"), ("output", "/data/out/a.mp4"), ("report", "/data/out/r"),
        ("style", "s3://b/styles/s.jpg"), ("segmented.fg_style", "/data/s/fg.jpg"),
        ("execution.store", "s3://b/store"), ("segmented.mask", "/data/m")])
    folder = FolderRequest(source="s3://b/in/", destination="/data/out", style=["/data/s.jpg"])
    assert [field for field, _ in locations(folder)] == ["style", "source", "destination"]


@pytest.mark.parametrize("fields, message", [
    ({"style": ["http://example.com/x.jpg"]}, "style http://example.com/x.jpg: http(s) URLs are not read; give a "
                                              "local path on the worker or an s3://BUCKET/KEY URI"),
    ({"content": "https://example.com/a.mp4"}, "content https://example.com/a.mp4: http(s) URLs are not read"),
    ({"output": "gs://b/out.mp4"}, "output gs://b/out.mp4: unsupported URI scheme gs://"),
    ({"model": "segmented", "segmented": {"mask": "file:s3://b/masks"}},
     "mask s3://b/masks: unsupported URI scheme s3://; give a local path on the worker"),
])
def test_other_schemes_are_refused_with_what_is_accepted(fields, message):
    with pytest.raises(InputError, match=re.escape(message)):
        check_schemes(video(**fields))


def test_local_paths_and_s3_pass_the_scheme_check():
    check_schemes(video(output="s3://b/out.mp4", execution={"store": "relative/store"}))


@pytest.fixture
def roots(tmp_path):
    allowed = tmp_path / "allowed"
    (allowed / "in").mkdir(parents=True)
    (tmp_path / "secret").mkdir()
    os.symlink(tmp_path / "secret", allowed / "escape")
    return allowed


def test_deployment_runs_stay_under_their_roots(roots, tmp_path):
    check_confined(video(content=f"{roots}/in/a.mp4", output=f"{roots}/out.mp4"), [roots])
    outside = [
        {"output": f"{tmp_path}/secret/out.mp4"},
        {"output": f"{roots}/../secret/out.mp4"},  # '..' is refused as written, even where it resolves inside
        {"output": f"{roots}/escape/out.mp4"},  # a symbolic link out of the root
        {"content": "in/a.mp4"},  # relative: the worker's working directory
        {"style": ["/etc/passwd.jpg"]},
        {"execution": {"store": "/var/tmp/store"}},
    ]
    for fields in outside:
        with pytest.raises(InputError, match="runs from a deployment may use s3:// URIs and local paths under"):
            check_confined(video(**{"content": f"{roots}/in/a.mp4", **fields}), [roots])


def test_without_roots_deployment_runs_may_use_object_storage_only(roots):
    check_confined(video(content="s3://b/in/a.mp4", output="s3://b/out/a.mp4"), [])
    with pytest.raises(InputError, match="local paths nowhere \\(ARTIFY_ALLOWED_ROOTS is empty\\)"):
        check_confined(video(content=f"{roots}/in/a.mp4"), [])


@pytest.mark.parametrize("value, admitted", [
    ("/data/in/a.mp4", True), ("/data/in", True), ("/data/in/.hidden/x", True), ("/data/in/..x", True),
    ("s3://bucket/key.mp4", True), ("/data/in/../../etc/passwd", False), ("/data/in/./a", False),
    ("/data/in//a", False), ("/data/inbox/a", False), ("/etc/passwd", False), ("data/in/a", False),
    ("http://example.com/a", False), ("", False),
])
def test_the_schema_pattern_admits_what_check_confined_does(value, admitted):
    assert bool(re.fullmatch(location_regex(["/data/in"]), value)) is admitted


def test_a_pattern_without_roots_or_s3_admits_nothing():
    assert not re.fullmatch(location_regex([], s3=False), "/data/in/a.mp4")
    assert not re.fullmatch(location_regex([], s3=False), "")
