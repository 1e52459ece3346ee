"""Bundle and receipt files reach the stick whole: synced before they get their final name."""

import os

import pytest

from sync.files import write_durably


def test_the_data_is_fsynced_before_the_file_gets_its_name(tmp_path, monkeypatch):
    target = tmp_path / "stick" / "fieldapp-1.bundle"
    target.parent.mkdir()
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(os, "replace", lambda a, b: (events.append("rename"), real_replace(a, b))[1])

    write_durably(target, b"sealed bytes")

    assert target.read_bytes() == b"sealed bytes"
    assert events[:2] == ["fsync", "rename"]          # file data synced, then renamed
    assert events[2:] == ["fsync"]                     # then the folder entry synced
    assert [p.name for p in target.parent.iterdir()] == [target.name]


def test_a_failed_write_leaves_neither_a_partial_nor_a_final_file(tmp_path, monkeypatch):
    target = tmp_path / "fieldapp-2.bundle"

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError):
        write_durably(target, b"x" * 1000)
    assert list(tmp_path.iterdir()) == []


def test_an_existing_file_is_replaced_whole(tmp_path):
    target = tmp_path / "receipt.receipt"
    target.write_bytes(b"old")
    write_durably(target, b"new receipt")
    assert target.read_bytes() == b"new receipt"
