import pytest

from artify_core.storage import LocalStore, open_store


def test_put_get_list_delete(tmp_path):
    store = LocalStore(tmp_path / "store")
    source = tmp_path / "blob.bin"
    source.write_bytes(b"abc")
    store.put_file("chunks/a.mp4", source)
    store.put_bytes("meta/x.json", b"{}")
    assert store.exists("chunks/a.mp4") and not store.exists("chunks/b.mp4")
    assert store.get_bytes("meta/x.json") == b"{}"
    assert list(store.list("chunks/")) == ["chunks/a.mp4"]
    assert store.fetch("chunks/a.mp4", tmp_path / "copy").read_bytes() == b"abc"
    store.delete("chunks/a.mp4")
    assert not store.exists("chunks/a.mp4")


@pytest.mark.parametrize("key", ["../escape", "/abs/path", "a//b", "a/./b", ""])
def test_keys_cannot_escape_root(tmp_path, key):
    with pytest.raises(ValueError):
        LocalStore(tmp_path).put_bytes(key, b"x")


def test_open_store_by_uri(tmp_path):
    assert isinstance(open_store(str(tmp_path)), LocalStore)
