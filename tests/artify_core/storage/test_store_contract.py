"""The ArtifactStore contract, run against every backend: a directory and an S3 bucket."""

from __future__ import annotations

import pytest

from artify_core.storage import ArtifactStore, LocalStore, S3Store


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path) -> ArtifactStore:
    if request.param == "local":
        return LocalStore(tmp_path / "store")
    bucket = request.getfixturevalue("bucket")
    # A page size of 2 makes listing five keys take three pages.
    return S3Store(f"s3://{bucket}/runs/a", list_page_size=2)


def test_is_an_artifact_store(store):
    assert isinstance(store, ArtifactStore)


def test_put_get_exists_fetch_delete(store, tmp_path):
    source = tmp_path / "segment.mp4"
    source.write_bytes(b"\x00segment\xff")
    assert store.put_file("chunks/a.mp4", source) == "chunks/a.mp4"
    store.put_bytes("meta/x.json", b"{}")

    assert store.exists("chunks/a.mp4") and not store.exists("chunks/b.mp4")
    assert store.get_bytes("meta/x.json") == b"{}"
    copy = store.fetch("chunks/a.mp4", tmp_path / "copy.mp4")
    assert copy.read_bytes() == b"\x00segment\xff"
    assert [p.name for p in tmp_path.iterdir() if ".part" in p.name] == []

    store.delete("chunks/a.mp4")
    store.delete("chunks/a.mp4")  # deleting twice is not an error
    assert not store.exists("chunks/a.mp4")


def test_missing_object_raises_file_not_found(store, tmp_path):
    with pytest.raises(FileNotFoundError):
        store.get_bytes("chunks/none.mp4")
    with pytest.raises(FileNotFoundError):
        store.stat("chunks/none.mp4")
    with pytest.raises(FileNotFoundError):
        store.fetch("chunks/none.mp4", tmp_path / "none.mp4")
    assert not (tmp_path / "none.mp4").exists()
    assert [p.name for p in tmp_path.iterdir() if ".part" in p.name] == []


def test_list_returns_every_key_under_a_prefix(store):
    keys = [f"chunks/{i}.mp4" for i in range(5)]
    for key in keys:
        store.put_bytes(key, b"x")
    store.put_bytes("chunksextra/0.mp4", b"x")
    store.put_bytes("reports/r.json", b"x")
    assert sorted(store.list("chunks/")) == keys
    assert len(list(store.list())) == 7


def test_stat_changes_when_an_object_is_replaced(store):
    store.put_bytes("k.bin", b"first")
    first = store.stat("k.bin")
    store.put_bytes("k.bin", b"second!")
    second = store.stat("k.bin")
    assert (first.size, second.size) == (5, 7)
    assert first.etag != second.etag


@pytest.mark.parametrize("key", ["../escape", "/abs/path", "a//b", "a/./b", "", "a\\..\\b", "a/..", "x\x00y"],
                         ids=["dotdot", "absolute", "empty-part", "dot", "empty", "backslash", "trailing-dotdot",
                              "nul"])
def test_keys_cannot_escape_the_root(store, key):
    with pytest.raises(ValueError):
        store.put_bytes(key, b"x")
    with pytest.raises(ValueError):
        store.exists(key)
    assert list(store.list()) == []
