"""Wrap the PyInstaller folder (build/package/dist/fieldapp) as a Debian package with dpkg-deb.

    python packaging/build_deb.py --bundle build/package/dist/fieldapp --version 0.1.0 --out build/package

Layout: the app under /opt/fieldapp (nothing of it elsewhere but the /usr/bin/fieldapp link, the desktop
entry 四个摸清入户走访 and its icon). User data stays in each user's data folder
(~/.local/share/fieldapp): an upgrade replaces /opt/fieldapp only, a removal (even --purge) never
touches it. Prints the path of the .deb.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
# System libraries the bundled Qt loads but PyInstaller leaves to the system (the GL/EGL drivers must
# match the machine), found by the clean-root test (tests/packaging/test_clean_root_install.py).
DEPENDS = ("libc6 (>= 2.36)", "libgl1", "libegl1", "libfontconfig1", "libfreetype6", "libxkbcommon-x11-0",
           "libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1", "libxcb-shape0", "libxcb-image0",
           "libxcb-render-util0", "libxcb-randr0", "libxcb-xinerama0", "libdbus-1-3")
CONTROL = """Package: fieldapp
Version: {version}
Architecture: {arch}
Maintainer: fieldapp project <fieldapp@localhost>
Installed-Size: {size_kb}
Depends: {depends}
Section: misc
Priority: optional
Homepage: https://localhost/fieldapp
Description: 四个摸清入户走访 (fieldapp): offline household visits for social assistance
 The desktop app of the 四个摸清 household-visit campaign: records visits offline in an
 encrypted vault, checks them against the assistance rules, prints consent forms and letters,
 and syncs with the county server. Self-contained: Python, Qt, SQLCipher and fonts are bundled
 under /opt/fieldapp. User data stays in each user's data folder (~/.local/share/fieldapp)
 and is kept on upgrade and removal.
"""


def _tree_size_kb(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink()) // 1024 + 1


def _icon_png(svg: Path, png: Path, size: int = 256) -> bool:
    """Render the SVG icon to PNG with Qt (bundled with the app's build environment); False if unavailable."""
    code = ("import sys\nfrom PySide6.QtGui import QGuiApplication, QImage, QPainter\n"
            "from PySide6.QtSvg import QSvgRenderer\nfrom PySide6.QtCore import Qt\n"
            "app = QGuiApplication(['x'])\nimg = QImage(int(sys.argv[3]), int(sys.argv[3]), QImage.Format_ARGB32)\n"
            "img.fill(Qt.transparent)\np = QPainter(img)\nQSvgRenderer(sys.argv[1]).render(p)\np.end()\n"
            "sys.exit(0 if img.save(sys.argv[2]) else 1)\n")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-c", code, str(svg), str(png), str(size)], env=env, capture_output=True)
    return out.returncode == 0 and png.is_file()


def build(bundle: Path, version: str, arch: str, out_dir: Path, compression: str = "xz") -> Path:
    """Assemble the package tree and run dpkg-deb; returns the .deb path."""
    if not (bundle / "fieldapp").is_file():
        raise SystemExit(f"{bundle}/fieldapp not found: run pyinstaller packaging/fieldapp.spec first")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="fieldapp-deb-") as tmp:
        root = Path(tmp) / "root"
        shutil.copytree(bundle, root / "opt" / "fieldapp", symlinks=True)
        (root / "usr" / "bin").mkdir(parents=True)
        os.symlink("../../opt/fieldapp/fieldapp", root / "usr" / "bin" / "fieldapp")
        apps = root / "usr" / "share" / "applications"
        apps.mkdir(parents=True)
        shutil.copy(HERE / "fieldapp.desktop", apps / "fieldapp.desktop")
        icons = root / "usr" / "share" / "icons" / "hicolor"
        (icons / "scalable" / "apps").mkdir(parents=True)
        shutil.copy(HERE / "icons" / "fieldapp.svg", icons / "scalable" / "apps" / "fieldapp.svg")
        (icons / "256x256" / "apps").mkdir(parents=True)
        if not _icon_png(HERE / "icons" / "fieldapp.svg", icons / "256x256" / "apps" / "fieldapp.png"):
            shutil.rmtree(icons / "256x256")
        doc = root / "usr" / "share" / "doc" / "fieldapp"
        doc.mkdir(parents=True)
        (doc / "copyright").write_text("fieldapp — Apache-2.0. Bundled: Python (PSF), Qt/PySide6 (LGPL-3.0), "
                                       "SQLCipher (BSD), WenQuanYi Micro Hei (Apache-2.0/GPL-3.0 with font "
                                       "exception), Hanazono (OFL/Hanazono), and the Python packages listed in "
                                       "/opt/fieldapp/_internal/*.dist-info.\n", encoding="utf-8")
        for path in root.rglob("*"):   # dpkg wants 0755 folders and no group/world write bits
            if path.is_symlink():
                continue
            mode = path.stat().st_mode
            path.chmod(0o755 if path.is_dir() or mode & 0o111 else 0o644)
        debian = root / "DEBIAN"
        debian.mkdir()
        (debian / "control").write_text(CONTROL.format(version=version, arch=arch, size_kb=_tree_size_kb(root),
                                                       depends=", ".join(DEPENDS)), encoding="utf-8")
        target = out_dir / f"fieldapp_{version}_{arch}.deb"
        subprocess.run(["dpkg-deb", "--root-owner-group", f"-Z{compression}", "--build", str(root), str(target)],
                       check=True, stdout=subprocess.DEVNULL)
    return target


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="wrap the PyInstaller folder as a .deb")
    p.add_argument("--bundle", default="build/package/dist/fieldapp")
    p.add_argument("--version", required=True)
    p.add_argument("--arch", default="amd64", choices=["amd64", "arm64"])
    p.add_argument("--out", default="build/package")
    p.add_argument("--compression", default="xz", choices=["xz", "gzip", "zstd", "none"],
                   help="xz (default) installs on every dpkg; zstd needs dpkg 1.21.18 or newer")
    args = p.parse_args(argv)
    print(build(Path(args.bundle), args.version, args.arch, Path(args.out), args.compression))
    return 0


if __name__ == "__main__":
    sys.exit(main())
