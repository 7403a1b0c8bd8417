"""Store entries are verified on read, on a directory and on an S3 bucket (SeaweedFS): bytes cut
short, altered or written without a digest are reported once, removed and computed again."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from artify_core.storage import LocalStore, S3Store
from artify_core.storage.base import DamagedEntryError
from artify_core.storage.local import DIGESTS
from artify_core.storage.memo import checked_local, json_codec, lookup, remembered, remembered_folder
from artify_core.storage.uri import materialize

PAYLOAD = bytes(range(256)) * 40  # 10 kB
DAMAGES = ["cut-to-a-third", "bytes-flipped", "no-digest"]


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    if request.param == "local":
        return LocalStore(tmp_path / "store")
    return S3Store(f"s3://{request.getfixturevalue('bucket')}/store")


def damage(store, key: str, how: str) -> None:
    """What a full disk, a killed copy tool, bit rot or another tool leaves at ``key``."""
    data = store.get_bytes(key)
    third = len(data) // 3
    altered = {"cut-to-a-third": data[:third], "no-digest": data,
               "bytes-flipped": data[:third] + bytes(b ^ 0xFF for b in data[third:2 * third]) + data[2 * third:]}[how]
    if isinstance(store, LocalStore):
        store.local_path(key).write_bytes(altered)
        if how == "no-digest":  # as the previous code wrote it
            (store.root / DIGESTS / f"{key}.sha256").unlink()
        return
    name = store.object_key(key)
    metadata = store.client.head_object(Bucket=store.bucket, Key=name)["Metadata"]
    # Other bytes under the recorded digest (a copy that kept the metadata), or bytes without one.
    store.client.put_object(Bucket=store.bucket, Key=name, Body=altered,
                            Metadata={} if how == "no-digest" else metadata)


def warnings_of(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and r.name.startswith("artify_core")]


def test_whole_entries_are_verified(store, tmp_path):
    store.put_bytes("chunks/a.mp4", PAYLOAD)
    store.verify("chunks/a.mp4")
    assert store.get_bytes("chunks/a.mp4") == PAYLOAD
    assert store.fetch("chunks/a.mp4", tmp_path / "copy").read_bytes() == PAYLOAD
    assert lookup(store, "chunks/a.mp4") and not lookup(store, "chunks/absent.mp4")
    assert list(store.list()) == ["chunks/a.mp4"]  # digests are not entries


@pytest.mark.parametrize("how", DAMAGES)
def test_a_damaged_entry_is_refused_on_every_read(store, tmp_path, how):
    store.put_bytes("chunks/a.mp4", PAYLOAD)
    damage(store, "chunks/a.mp4", how)
    reason = {"cut-to-a-third": "were written \\(cut short\\)", "bytes-flipped": "bytes differ from those written",
              "no-digest": "no digest was recorded"}[how]
    for read in (lambda: store.get_bytes("chunks/a.mp4"), lambda: store.verify("chunks/a.mp4"),
                 lambda: store.fetch("chunks/a.mp4", tmp_path / "copy.mp4")):
        with pytest.raises(DamagedEntryError, match=f"chunks/a.mp4: damaged store entry: .*{reason}"):
            read()
    assert not (tmp_path / "copy.mp4").exists() and not [p for p in tmp_path.iterdir() if ".part" in p.name]


@pytest.mark.parametrize("how", DAMAGES)
def test_lookup_reports_a_damaged_entry_once_and_removes_it(store, how, caplog):
    store.put_bytes("chunks/a.mp4", PAYLOAD)
    damage(store, "chunks/a.mp4", how)
    with caplog.at_level(logging.WARNING):
        assert not lookup(store, "chunks/a.mp4")
        assert not lookup(store, "chunks/a.mp4")
    [warning] = warnings_of(caplog)
    assert "chunks/a.mp4: damaged store entry" in warning and warning.endswith("removed, computing it again")
    assert not store.exists("chunks/a.mp4")


@pytest.mark.parametrize("how", DAMAGES)
def test_a_damaged_value_is_computed_again(store, how, caplog):
    calls = []

    def compute():
        calls.append(1)
        return [30, 76]

    remembered(store, "cuts/a.json", compute, json_codec())
    damage(store, "cuts/a.json", how)
    with caplog.at_level(logging.WARNING):
        memo = remembered(store, "cuts/a.json", compute, json_codec())
    assert (memo.value, memo.cached, len(calls)) == ([30, 76], False, 2)
    assert len(warnings_of(caplog)) == 1
    assert remembered(store, "cuts/a.json", compute, json_codec()).cached  # healed: found whole


@pytest.mark.parametrize("garbage", [b"{not json", b'{"a": 1}'], ids=["not-json", "not-cuts"])
def test_garbage_with_a_valid_digest_is_computed_again(store, garbage, caplog):
    def frame_numbers(value):
        if not isinstance(value, list):
            raise ValueError("expected a list")
        return value

    store.put_bytes("cuts/a.json", garbage)  # recorded like any entry: only decoding can refuse it
    with caplog.at_level(logging.WARNING):
        memo = remembered(store, "cuts/a.json", lambda: [5], json_codec(frame_numbers))
    assert (memo.value, memo.cached) == ([5], False)
    [warning] = warnings_of(caplog)
    assert "cuts/a.json: not a value Artify can read" in warning


def _write_set(folder: Path) -> str:
    folder.mkdir(parents=True)
    (folder / "style_000.png").write_bytes(PAYLOAD)
    (folder / "set.json").write_text('{"styles": 1}')
    return "computed"


def _read_set(folder: Path) -> str:
    assert (folder / "style_000.png").read_bytes() == PAYLOAD
    return (folder / "set.json").read_text()


@pytest.mark.parametrize("how", DAMAGES)
def test_a_set_with_a_damaged_file_is_computed_again_whole(store, tmp_path, how, caplog):
    first = remembered_folder(store, "keyframes/k", "set.json", tmp_path / "a", _write_set, _read_set)
    again = remembered_folder(store, "keyframes/k", "set.json", tmp_path / "b", _write_set, _read_set)
    assert (first.value, first.cached, again.value, again.cached) == ("computed", False, '{"styles": 1}', True)
    damage(store, "keyframes/k/style_000.png", how)
    with caplog.at_level(logging.WARNING):
        healed = remembered_folder(store, "keyframes/k", "set.json", tmp_path / "c", _write_set, _read_set)
    assert (healed.value, healed.cached) == ("computed", False)
    assert "keyframes/k/style_000.png: damaged store entry" in warnings_of(caplog)[0]
    assert remembered_folder(store, "keyframes/k", "set.json", tmp_path / "d", _write_set, _read_set).cached


def test_checked_local_refuses_and_removes_a_damaged_entry(store, tmp_path, caplog):
    store.put_bytes("chunks/a.mp4", PAYLOAD)
    assert checked_local(store, "chunks/a.mp4", tmp_path / "a.mp4").read_bytes() == PAYLOAD
    damage(store, "chunks/a.mp4", "bytes-flipped")
    with caplog.at_level(logging.WARNING), pytest.raises(DamagedEntryError):
        checked_local(store, "chunks/a.mp4", tmp_path / "b.mp4")
    assert not store.exists("chunks/a.mp4") and len(warnings_of(caplog)) == 1


@pytest.mark.parametrize("how", ["cut-to-a-third", "bytes-flipped"])
def test_a_damaged_download_is_fetched_again(bucket, s3_client, tmp_path, how, caplog):
    uri = f"s3://{bucket}/in/clip.mp4"
    s3_client.put_object(Bucket=bucket, Key="in/clip.mp4", Body=PAYLOAD)
    copy = materialize(uri, tmp_path)
    data = copy.read_bytes()
    copy.write_bytes(data[: len(data) // 3] if how == "cut-to-a-third" else data[::-1])
    with caplog.at_level(logging.WARNING):
        again = materialize(uri, tmp_path)
    assert again == copy and again.read_bytes() == PAYLOAD
    [warning] = warnings_of(caplog)
    assert "clip.mp4: damaged store entry" in warning
    assert materialize(uri, tmp_path).read_bytes() == PAYLOAD and len(warnings_of(caplog)) == 1
