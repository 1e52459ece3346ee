"""The .deb installed like a user installs it: into a clean Debian root, started from the installed files only.

Opt-in (root, debootstrap, the Debian package mirror, ~3-5 minutes): ``FIELDAPP_CLEANROOT_TEST=1``.
``FIELDAPP_DEB`` names a built package (else ``./scripts/package --fast`` builds one). The minimal
Debian root made by ``debootstrap --variant=minbase`` is kept in ``$FIELDAPP_CLEANROOT_CACHE``
(default /var/tmp/fieldapp-cleanroot/base) and copied fresh for every run.

In that root, which has no Python and no Qt: ``apt-get install ./fieldapp_*.deb`` (its Depends
come from the mirror), then, as an ordinary user, ``fieldapp selftest`` under Xvfb (the X server
runs outside, the app reaches it through the abstract socket): the first-run screen appears, a
demo vault is created and the household list fills. ``strace`` records every file the app opened:
each is in the package, in the user's home, a kernel file, or belongs to a Debian package of the
root (minbase or the .deb's Depends); it wrote nowhere but the home folder and /tmp. Then an
upgrade keeps the vault and ``dpkg --purge`` keeps the user's data.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("FIELDAPP_CLEANROOT_CACHE", "/var/tmp/fieldapp-cleanroot/base"))
MIRROR = os.environ.get("FIELDAPP_DEBIAN_MIRROR", "http://deb.debian.org/debian")
SUITE = "bookworm"
USER_HOME = "/home/visitor"
DATA = f"{USER_HOME}/.local/share/fieldapp"
SCREENSHOTS = ROOT / "docs" / "screenshots"

pytestmark = pytest.mark.skipif(
    os.environ.get("FIELDAPP_CLEANROOT_TEST") != "1" or os.geteuid() != 0
    or not shutil.which("debootstrap") or not shutil.which("strace") or not shutil.which("Xvfb"),
    reason="opt-in: FIELDAPP_CLEANROOT_TEST=1, as root, with debootstrap, strace and Xvfb (3-5 minutes)")


def _run(*argv, timeout=900, check=True, **kw) -> subprocess.CompletedProcess:
    out = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=timeout, **kw)
    if check and out.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, argv))} failed ({out.returncode}):\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
    return out


def _base_root() -> Path:
    if not (CACHE / "usr" / "bin" / "apt-get").exists():
        shutil.rmtree(CACHE, ignore_errors=True)
        CACHE.parent.mkdir(parents=True, exist_ok=True)
        _run("debootstrap", "--variant=minbase", SUITE, CACHE, MIRROR, timeout=1800)
    return CACHE


def _package() -> Path:
    given = os.environ.get("FIELDAPP_DEB")
    if given:
        return Path(given)
    _run(ROOT / "scripts" / "package", "--fast", cwd=ROOT, timeout=1800)
    return max((ROOT / "build" / "package").glob("fieldapp_*.deb"), key=lambda p: p.stat().st_mtime)


def _chroot(root: Path, *argv, user: str | None = None, env: dict | None = None, **kw):
    base = {"PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", "LANG": "C.UTF-8", "DEBIAN_FRONTEND": "noninteractive"}
    if user:
        base.update(HOME=USER_HOME, USER=user)
    prefix = ["chroot"] + ([f"--userspec={user}:{user}"] if user else []) + [str(root), "/usr/bin/env", "-i"]
    return _run(*prefix, *[f"{k}={v}" for k, v in {**base, **(env or {})}.items()], *argv, **kw)


@pytest.fixture
def clean_root(tmp_path_factory):
    root = Path(tmp_path_factory.mktemp("cleanroot")) / "root"
    _run("cp", "-a", _base_root(), root)
    shutil.copy("/etc/resolv.conf", root / "etc" / "resolv.conf")
    _run("mount", "-t", "proc", "proc", root / "proc")
    try:
        yield root
    finally:
        _run("umount", "-l", root / "proc", check=False)
        shutil.rmtree(root, ignore_errors=True)


def _opened_files(trace: Path) -> tuple[set[str], set[str]]:
    """(paths opened successfully, paths opened for writing) from an strace -f log."""
    opened, written = set(), set()
    pattern = re.compile(r'open(?:at)?\((?:AT_FDCWD|\d+), "([^"]+)", ([A-Z_|]+)(?:, \d+)?\) = (\d+)')
    for line in trace.read_text(errors="replace").splitlines():
        match = pattern.search(line)
        if not match:
            continue
        path, flags = match.group(1), match.group(2)
        opened.add(path)
        if any(f in flags for f in ("O_WRONLY", "O_RDWR", "O_CREAT")):
            written.add(path)
    return opened, written


def _owned_by_a_package(root: Path, paths: list[str]) -> set[str]:
    """The paths some installed Debian package of *root* ships (dpkg's file lists)."""
    listed = set()
    for lst in (root / "var" / "lib" / "dpkg" / "info").glob("*.list"):
        listed.update(lst.read_text(errors="replace").splitlines())
    resolved = set()
    for path in paths:
        real = os.path.realpath(root / path.lstrip("/"))
        inside = "/" + os.path.relpath(real, root)
        if path in listed or inside in listed or path.replace("/usr/lib/", "/lib/", 1) in listed \
                or inside.replace("/usr/lib/", "/lib/", 1) in listed:
            resolved.add(path)
    return resolved


def _repack(deb: Path, folder: Path, version: str) -> Path:
    """The same package under a newer version number (what an upgrade installs)."""
    tree = folder / "repack"
    _run("dpkg-deb", "-R", deb, tree)
    control = tree / "DEBIAN" / "control"
    control.write_text(re.sub(r"^Version: .*$", f"Version: {version}", control.read_text(encoding="utf-8"), flags=re.M),
                       encoding="utf-8")
    target = folder / f"fieldapp_{version}_amd64.deb"
    _run("dpkg-deb", "--root-owner-group", "-Zgzip", "--build", tree, target)
    return target


GENERATED = ("/etc/ld.so.cache", "/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/localtime",
             "/etc/machine-id", "/etc/resolv.conf", "/etc/hosts", "/etc/host.conf", "/etc/gai.conf")
VIRTUAL = ("/proc/", "/sys/", "/dev/", "/tmp/", "/run/")


@pytest.mark.timeout(3600)   # 8 minutes on a quiet machine, over 10 under load (apt, unpacking 335 MB twice)
def test_deb_installs_into_a_clean_root_and_runs_from_its_own_files(clean_root, tmp_path):
    deb = _package()
    root = clean_root
    assert _chroot(root, "sh", "-c", "command -v python3 || echo none").stdout.strip() == "none"
    shutil.copy(deb, root / "tmp" / deb.name)
    _chroot(root, "apt-get", "update", "-q", timeout=600)
    _chroot(root, "apt-get", "install", "-y", "-q", "--no-install-recommends", f"/tmp/{deb.name}", timeout=1200)
    assert _chroot(root, "sh", "-c", "command -v python3 || echo none").stdout.strip() == "none"
    desktop = (root / "usr/share/applications/fieldapp.desktop").read_text(encoding="utf-8")
    assert "Name=四个摸清入户走访" in desktop and "Exec=/opt/fieldapp/fieldapp" in desktop
    _chroot(root, "useradd", "--create-home", "--home-dir", USER_HOME, "visitor")
    version = _run("dpkg-deb", "--field", deb, "Version").stdout.strip()
    # the version the app sends to the county server comes from the bundled package metadata
    assert _chroot(root, "/usr/bin/fieldapp", "--version", user="visitor").stdout.strip() == f"fieldapp {version}"

    display = f":{os.getpid() % 400 + 100}"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(2)
        trace = tmp_path / "trace.log"
        started = time.perf_counter()
        out = _run("strace", "-f", "-qq", "-e", "trace=open,openat", "-o", trace, "chroot", "--userspec=visitor:visitor",
                   root, "/usr/bin/env", "-i", f"HOME={USER_HOME}", "USER=visitor", f"DISPLAY={display}",
                   "PATH=/usr/bin:/bin", "LANG=C.UTF-8", "/usr/bin/fieldapp", "selftest", "--screenshots",
                   f"{USER_HOME}/shots", timeout=600, check=False)
        seconds = time.perf_counter() - started
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=10)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert '"first_run_shown": true' in out.stdout and '"platform": "xcb"' in out.stdout, out.stdout
    assert (root / DATA.lstrip("/")).is_dir()                         # the vault is in the user's data folder
    shots = root / USER_HOME.lstrip("/") / "shots"
    assert (shots / "firstrun.png").stat().st_size > 10_000 and (shots / "main.png").stat().st_size > 10_000
    if os.environ.get("FIELDAPP_SAVE_SCREENSHOTS") == "1":
        shutil.copy(shots / "firstrun.png", SCREENSHOTS / "package-firstrun.png")
        shutil.copy(shots / "main.png", SCREENSHOTS / "package-main.png")
    print(f"CLEANROOT selftest_s={seconds:.1f}")

    opened, written = _opened_files(trace)
    files = [p for p in opened if not p.startswith(VIRTUAL) and (root / p.lstrip("/")).is_file()]
    outside = [p for p in files if not p.startswith(("/opt/fieldapp/", USER_HOME + "/")) and p not in GENERATED]
    from_packages = _owned_by_a_package(root, outside)
    unaccounted = sorted(p for p in outside if p not in from_packages and not p.startswith("/var/cache/fontconfig/"))
    assert not unaccounted, f"opened files neither in the package, the home folder nor a Debian package: {unaccounted}"
    assert not [p for p in files if "python3" in p and not p.startswith("/opt/fieldapp/")]
    assert not [p for p in files if "libQt6" in p and not p.startswith("/opt/fieldapp/")]
    print(f"CLEANROOT opened_files={len(files)} in_package={sum(p.startswith('/opt/fieldapp/') for p in files)} "
          f"in_home={sum(p.startswith(USER_HOME + '/') for p in files)} from_debian_packages={len(from_packages)} "
          f"generated={len([p for p in files if p in GENERATED or p.startswith('/var/cache/fontconfig/')])}")
    assert len(files) > 100 and sum(p.startswith("/opt/fieldapp/") for p in files) > 50   # the trace was read
    wrote_elsewhere = sorted(p for p in written if not p.startswith((USER_HOME + "/", "/tmp/", "/dev/", "/proc/")))
    assert not wrote_elsewhere, wrote_elsewhere

    # upgrade: a newer package replaces /opt/fieldapp and keeps the vault
    newer = _repack(deb, tmp_path, f"{version}.1")
    shutil.copy(newer, root / "tmp" / newer.name)
    _chroot(root, "apt-get", "install", "-y", "-q", f"/tmp/{newer.name}", timeout=600)
    assert _chroot(root, "dpkg-query", "-W", "-f=${Version}", "fieldapp").stdout == f"{version}.1"
    users = _chroot(root, "/usr/bin/fieldapp", "user", "list", user="visitor")
    assert "自检用户" in users.stdout
    _chroot(root, "dpkg", "--purge", "fieldapp")
    assert not (root / "opt" / "fieldapp").exists()
    assert any((root / DATA.lstrip("/")).rglob("*")), "removing the package must keep the user's data"
