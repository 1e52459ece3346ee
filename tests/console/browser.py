"""Real Chromium (Debian's package) driven by Python Playwright, and the real server on 127.0.0.1.

Never a Playwright browser download: the browser is /usr/bin/chromium. Screenshots are 1366×768.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("FIELDAPP_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]
# The screenshots are taken on every run (a page that cannot render fails the test); they replace the
# ones in docs/screenshots only with FIELDAPP_WRITE_SCREENSHOTS=1, so a test run leaves the checkout clean.
SCREENSHOTS = (Path(__file__).resolve().parents[2] / "docs" / "screenshots"
               if os.environ.get("FIELDAPP_WRITE_SCREENSHOTS") == "1"
               else Path(tempfile.gettempdir()) / f"fieldapp-console-screenshots-{os.getpid()}")
VIEWPORT = {"width": 1366, "height": 768}


def chromium_or_skip():
    """The Playwright module and the browser path, or a skip (a failure in CI)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:   # pragma: no cover
        _missing(f"playwright not installed: {exc}")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        _missing(f"{CHROMIUM} not found (apt-get install chromium)")
    return sync_playwright


def _missing(reason: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)


def shot(page, name: str) -> Path:
    """Save console-NAME.png of the viewport (in docs/screenshots with FIELDAPP_WRITE_SCREENSHOTS=1)."""
    from playwright.sync_api import Error as PlaywrightError

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"console-{name}.png"
    page.wait_for_load_state("load")
    try:
        page.screenshot(path=str(path))
    except PlaywrightError as exc:   # Chromium cannot capture a page while it is being replaced by the next one
        if "Unable to capture screenshot" not in str(exc):
            raise
        page.wait_for_load_state("load")
        page.screenshot(path=str(path))
    return path
