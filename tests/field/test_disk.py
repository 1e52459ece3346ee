"""Disk full and a read-only data folder: saving fails cleanly, nothing acknowledged is lost, work resumes.

Disk full is produced two ways: a real ENOSPC on a 2 MiB tmpfs (root only: CI runs as root) and,
unprivileged, RLIMIT_FSIZE in a forked child (the write fails with EFBIG). The read-only folder is
a chmod'ed folder opened by an unprivileged user (as root the child drops to ``nobody``).

The first test of each pair shows that nothing is lost or damaged and work resumes; the second that
the user is told why, by a specific vault error with a Chinese message (DiskFull, DiskWriteFailed,
ReadOnlyVault — added to the vault after these tests pinned the gap).
"""

from __future__ import annotations

import json
import os
import pwd
import resource
import shutil
import signal
import subprocess

import pytest

from fieldapp.vault import FAST_KDF, Vault, VaultError
from tests.field.killkit import PASSPHRASE, make_visit

USER = "visitor1"
VILLAGE = "110105001001"
IS_ROOT = os.geteuid() == 0


def new_vault(path) -> None:
    Vault.create(path, USER, PASSPHRASE, None, kdf=FAST_KDF).lock()


def describe(exc: BaseException) -> dict:
    """What a user would be shown for this failure."""
    return {"type": type(exc).__name__, "vault_error": isinstance(exc, VaultError),
            "message_zh": getattr(exc, "message_zh", "") or "", "text": str(exc)[:200]}


def fill_until_error(vault, limit: int = 400) -> tuple[list[str], dict | None]:
    """Save visits until one fails; return the acknowledged ids and the failure."""
    acked = []
    for n in range(limit):
        visit = make_visit(VILLAGE, version=n, remarks="磁盘测试" * 200)
        try:
            vault.save_visit(visit)
        except Exception as exc:  # noqa: BLE001 - the test records whatever reaches the caller
            return acked, describe(exc)
        acked.append(visit["visit_id"])
    return acked, None


def check_and_resume(path, acked: list[str]) -> None:
    """After the failure: integrity, every acknowledged save present, and saving works again."""
    vault = Vault.open(path)
    vault.unlock(USER, PASSPHRASE)
    try:
        vault.check_integrity()
        vault.verify_audit()
        stored = {r[0] for r in vault._db().execute("SELECT id FROM visits")}
        assert set(acked) <= stored, "an acknowledged save was lost"
        visit = make_visit(VILLAGE, version=999)
        vault.save_visit(visit)
        assert vault.get_visit(visit["visit_id"], audit_view=False)["answers"]["version"] == 999
        vault.check_integrity()
    finally:
        vault.lock()


# ------------------------------------------------------------------ disk full: real ENOSPC on a tmpfs
@pytest.fixture
def tiny_disk(tmp_path):
    """A 2 MiB tmpfs (root only), grown to 64 MiB by calling the returned function."""
    if not IS_ROOT or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root (the RLIMIT_FSIZE variant covers unprivileged runs)")
    where = tmp_path / "disk"
    where.mkdir()
    out = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(where)], capture_output=True, text=True)
    if out.returncode != 0:
        pytest.skip(f"tmpfs mount refused: {out.stderr.strip()}")

    def grow():
        subprocess.run(["mount", "-o", "remount,size=64m", str(where)], check=True)

    yield where, grow
    subprocess.run(["umount", "-l", str(where)], check=False)


def disk_full_on_tmpfs(tiny_disk) -> dict:
    where, grow = tiny_disk
    path = where / "data"
    new_vault(path)
    vault = Vault.open(path)
    vault.unlock(USER, PASSPHRASE)
    try:
        acked, failure = fill_until_error(vault)
    finally:
        vault.lock()
    assert failure is not None and acked, "the disk never filled up"
    grow()                                          # space returns
    check_and_resume(path, acked)
    return failure


def test_disk_full_on_a_real_filesystem_loses_nothing_and_resumes(tiny_disk):
    failure = disk_full_on_tmpfs(tiny_disk)
    assert "full" in failure["text"].lower() or failure["vault_error"]


def test_disk_full_is_reported_as_a_vault_error_in_chinese(tiny_disk):
    failure = disk_full_on_tmpfs(tiny_disk)
    assert failure["type"] == "DiskFull" and "空间" in failure["message_zh"], failure


# ------------------------------------------------------------------ disk full: RLIMIT_FSIZE, unprivileged
def limited_child(path, extra_bytes: int) -> tuple[list[str], dict | None]:
    """Fork a child whose files may not grow past their size + *extra_bytes*; it saves until a write fails."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            os.close(read_fd)
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)        # the write fails with EFBIG instead of killing
            biggest = max(p.stat().st_size for p in path.iterdir())
            resource.setrlimit(resource.RLIMIT_FSIZE, (biggest + extra_bytes, biggest + extra_bytes))
            vault = Vault.open(path)
            vault.unlock(USER, PASSPHRASE)
            acked, failure = fill_until_error(vault)
            os.write(write_fd, json.dumps({"acked": acked, "failure": failure}).encode())
        except BaseException as exc:  # noqa: BLE001
            os.write(write_fd, json.dumps({"acked": [], "failure": None, "child": describe(exc)}).encode())
            code = 3
        finally:
            os._exit(code)
    os.close(write_fd)
    data = b""
    while chunk := os.read(read_fd, 65536):
        data += chunk
    os.close(read_fd)
    os.waitpid(pid, 0)
    result = json.loads(data)
    assert "child" not in result, result
    return result["acked"], result["failure"]


def test_file_size_limit_loses_nothing_and_resumes(tmp_path):
    path = tmp_path / "data"
    new_vault(path)
    acked, failure = limited_child(path, 256 * 1024)
    assert failure is not None and acked, "the limit was never reached"
    check_and_resume(path, acked)


def test_file_size_limit_is_reported_as_a_vault_error_in_chinese(tmp_path):
    path = tmp_path / "data"
    new_vault(path)
    _, failure = limited_child(path, 256 * 1024)
    assert failure["type"] in ("DiskWriteFailed", "DiskFull") and "空间" in failure["message_zh"], failure


# ------------------------------------------------------------------ read-only data folder
def readonly_child(path) -> dict:
    """As an unprivileged user, open the vault in a read-only folder and try to save; return the failure."""
    nobody = pwd.getpwnam("nobody")
    if IS_ROOT:
        for p in [path, *path.iterdir()]:
            os.chown(p, nobody.pw_uid, nobody.pw_gid)
    for p in path.iterdir():
        p.chmod(0o444)
    path.chmod(0o555)
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read_fd)
            if IS_ROOT:
                os.setgid(nobody.pw_gid)
                os.setuid(nobody.pw_uid)
            try:
                vault = Vault.open(path)
                vault.unlock(USER, PASSPHRASE)
                vault.save_visit(make_visit(VILLAGE))
                result = None
            except Exception as exc:  # noqa: BLE001
                result = describe(exc)
            os.write(write_fd, json.dumps(result).encode())
        finally:
            os._exit(0)
    os.close(write_fd)
    data = b""
    while chunk := os.read(read_fd, 65536):
        data += chunk
    os.close(read_fd)
    os.waitpid(pid, 0)
    path.chmod(0o700)
    for p in path.iterdir():
        p.chmod(0o600)
    if IS_ROOT:
        for p in [path, *path.iterdir()]:
            os.chown(p, 0, 0)
    return json.loads(data)


@pytest.fixture
def shared_dir(tmp_path):
    """A folder an unprivileged user can reach (pytest's own temp folders are root-only when run as root)."""
    where = tmp_path / "ro"
    where.mkdir()
    for p in (where, *where.parents):
        if str(p) in ("/", "/tmp"):
            break
        p.chmod(p.stat().st_mode | 0o011)
    return where


def test_read_only_folder_refuses_saving_without_damage(shared_dir):
    path = shared_dir / "data"
    new_vault(path)
    vault = Vault.open(path)
    vault.unlock(USER, PASSPHRASE)
    first = make_visit(VILLAGE)
    vault.save_visit(first)
    vault.lock()
    failure = readonly_child(path)
    assert failure is not None, "saving into a read-only folder claimed success"
    check_and_resume(path, [first["visit_id"]])


def test_read_only_folder_is_reported_as_such_in_chinese(shared_dir):
    path = shared_dir / "data"
    new_vault(path)
    failure = readonly_child(path)
    assert failure["type"] == "ReadOnlyVault" and "只读" in failure["message_zh"], failure
