# Shared set-up for ./scripts/start and ./scripts/test: system packages, .venv, the project.
# Sourced, not run. Idempotent: a second run only checks.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# Debian packages the app and its tests need: Qt's xcb/EGL libraries, Xvfb for screenshots,
# a TrueType CJK font (Qt and PDFs) and one with the rare characters of CJK Extensions A/B
# (生僻字 in names, printed in that font), poppler-utils (pdffonts/pdftoppm), PostgreSQL binaries
# (sync tests start their own server), LibreOffice Calc (ledger conversion check), nginx (the TLS
# proxy in front of several server workers, tested on loopback), debootstrap and strace (the
# clean-root install test of the .deb), Chromium (browser tests of the web console, driven by
# Python Playwright; never a Playwright browser download), python3-venv (.venv on the system's own
# Python, see pick_python below).
SYSTEM_PACKAGES=(
  libegl1 libgl1 libfontconfig1 libdbus-1-3 libxkbcommon-x11-0
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-xinerama0 libxcb-randr0
  libxcb-render-util0 libxcb-shape0 libxcb-image0
  python3-venv
  xvfb fonts-wqy-microhei fonts-hanazono poppler-utils postgresql libreoffice-calc-nogui
  nginx debootstrap strace chromium
)

missing_packages() {
  command -v dpkg-query >/dev/null 2>&1 || return 0
  local p
  for p in "${SYSTEM_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
}

install_system_packages() {
  command -v apt-get >/dev/null 2>&1 || { echo "note: not a Debian/Ubuntu system; install Qt xcb libs, a CJK TrueType font, poppler-utils and PostgreSQL yourself." >&2; return 0; }
  local missing
  missing="$(missing_packages | tr '\n' ' ')"
  [ -z "${missing// }" ] && return 0
  if [ "$(id -u)" = "0" ]; then
    echo "==> installing system packages: $missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $missing >/dev/null
  else
    echo "==> missing system packages (ask an administrator to run):" >&2
    echo "    sudo apt-get install $missing" >&2
  fi
}

# The interpreter of .venv: $PYTHON if set; else the system's own /usr/bin/python3 when it is 3.11 or newer
# and has venv (Debian builds it with profile-guided and link-time optimisation: the sync, forms and vault
# tests, 821 of them, ran in 8-9 % less time and 10-11 % less user CPU on Debian's 3.11.2 than on a 3.11.7
# built by pyenv without them, two pairs back to back); else the python3 on PATH. An existing .venv is kept.
pick_python() {
  if [ -n "${PYTHON:-}" ]; then
    echo "$PYTHON"
  elif [ -x /usr/bin/python3 ] && /usr/bin/python3 -c \
      'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo /usr/bin/python3
  else
    echo python3
  fi
}

setup_venv() {
  if [ ! -x .venv/bin/python ]; then
    local py
    py="$(pick_python)"
    echo "==> creating .venv with $py ($("$py" --version 2>&1))"
    "$py" -m venv .venv
    .venv/bin/python -m pip install -q --upgrade pip
  fi
  local stamp=.venv/.fieldapp-installed hash
  hash="$(sha256sum pyproject.toml | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$hash" ]; then
    echo "==> installing fieldapp and its dependencies into .venv"
    .venv/bin/python -m pip install -q -e ".[dev]"
    echo "$hash" > "$stamp"
  fi
}

install_system_packages
setup_venv
