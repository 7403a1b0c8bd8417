"""Errors that name the cause: the file system that filled up, a directory that refuses files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from artify_core.errors import OutOfSpaceError, OutputError
from artify_core.foundation.filesystem import check_can_create, human_size, mount_point, out_of_space
from artify_core.storage import LocalStore


@pytest.fixture
def tiny_tmpfs(small_tmpfs):
    """A 64 KiB tmpfs."""
    return small_tmpfs("64k")


def test_a_full_store_names_its_file_system_and_the_bytes_needed(tiny_tmpfs):
    store = LocalStore(tiny_tmpfs / "store")
    with pytest.raises(OutOfSpaceError) as caught:
        store.put_bytes("chunks/a.mp4", os.urandom(200_000))
    message = str(caught.value)
    assert message.startswith(f"{tiny_tmpfs}/store/chunks/a.mp4: out of space on the file system mounted at "
                              f"{tiny_tmpfs} (tmpfs): 195.3 KiB needed, ")
    assert "KiB free" in message and "\n" not in message
    assert list(store.list()) == [] and not any(".part" in p.name for p in tiny_tmpfs.rglob("*"))


def test_out_of_space_without_a_size(tmp_path):
    message = str(out_of_space(tmp_path / "missing" / "out.mp4"))
    assert f"out of space on the file system mounted at {mount_point(tmp_path)}" in message and "free" in message


def test_a_directory_that_refuses_files_is_found_by_trying(tmp_path):
    check_can_create(tmp_path / "out.mp4")
    assert list(tmp_path.iterdir()) == []  # the probe leaves nothing
    if Path("/sys").is_dir() and os.access("/sys", os.W_OK):  # root passes os.access, sysfs refuses the file
        with pytest.raises(OutputError, match=r"^/sys/out.mp4: cannot write the output in /sys \("):
            check_can_create(Path("/sys/out.mp4"))
    with pytest.raises(OutputError, match="No such file or directory"):
        check_can_create(tmp_path / "absent" / "out.mp4")


def test_sizes_read_as_people_write_them():
    assert [human_size(n) for n in (0, 1023, 1536, 5 << 20, 3 << 40)] == \
        ["0 bytes", "1023 bytes", "1.5 KiB", "5.0 MiB", "3.0 TiB"]
