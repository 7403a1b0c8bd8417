"""The record that lets the same command again answer "up to date" without a run."""

from __future__ import annotations

import logging

import pytest

from artify_core.pipeline.model_spec import spec_for
from artify_core.pipeline.published import (
    current_publication,
    record_object,
    record_publication,
    run_key,
    style_identities,
    up_to_date,
)
from artify_core.settings import VideoRequest


@pytest.fixture()
def published(tmp_path, starrynight):
    content, output, store = tmp_path / "in.mp4", tmp_path / "out.mp4", str(tmp_path / "store")
    content.write_bytes(b"content bytes")
    output.write_bytes(b"stylized bytes")
    request = VideoRequest(content=str(content), style=[str(starrynight)], output=str(output))
    key = run_key(request, "content-id", style_identities(request), spec_for(request))
    record_publication(store, str(output), key, frames=12)
    return request, key, store


def test_a_recorded_output_is_current_until_its_bytes_change(published):
    request, key, store = published
    found = current_publication(store, request.output, key)
    assert found is not None and found.frames == 12
    with open(request.output, "ab") as handle:
        handle.write(b"!")
    assert current_publication(store, request.output, key) is None


@pytest.mark.parametrize("change", [{"strength": 0.5}, {"height": 128}, {"start": "1"}, {"duration": "2"},
                                    {"model_options": {}}, {"evaluate": True}])
def test_any_setting_gives_another_key(published, change):
    request, key, _ = published
    if "model_options" in change:
        change = {"arbitrary": request.arbitrary.model_copy(update={"backend": "torch"})}
    other = request.model_copy(update=change)
    assert run_key(other, "content-id", style_identities(other), spec_for(other)) != key
    assert run_key(request, "other-content", style_identities(request), spec_for(request)) != key


def test_locations_do_not_change_the_key(published, tmp_path):
    request, key, _ = published
    moved = request.model_copy(update={"content": str(tmp_path / "elsewhere.mp4"), "output": "x.mp4"})
    assert run_key(moved, "content-id", style_identities(moved), spec_for(moved)) == key


def test_a_damaged_or_foreign_record_means_a_run(published, caplog):
    request, key, store = published
    assert current_publication(store, request.output, "another key") is None
    record = tmp_store_path(store, request.output)
    record.write_text("{not json")
    with caplog.at_level(logging.WARNING, logger="artify_core"):
        assert current_publication(store, request.output, key) is None
    assert "unreadable" in caplog.text


def test_no_record_for_a_remote_output_or_an_evaluation(published):
    request, _, store = published
    assert record_publication(store, "s3://bucket/out.mp4", "k", 1) is None
    assert up_to_date(request, store, "content-id") is not None
    assert up_to_date(request.model_copy(update={"evaluate": True}), store, "content-id") is None
    assert up_to_date(request, store, "other-content") is None


def test_a_content_is_seen_once_its_cuts_are_stored(tmp_path):
    from artify_core.pipeline import keys
    from artify_core.pipeline.published import seen_before
    from artify_core.storage import open_store

    store = str(tmp_path / "store")
    assert not seen_before(store, "content-id")
    open_store(store).put_bytes(keys.cuts_object(keys.cuts_key("content-id")), b"[]")
    assert seen_before(store, "content-id") and not seen_before(store, "other")


def tmp_store_path(store: str, output: str):
    from pathlib import Path

    return Path(store) / record_object(output)
