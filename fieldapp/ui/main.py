"""Starting the desktop app: ``run(data_dir, demo)`` is what ``fieldapp`` and ``fieldapp demo`` call."""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

_T0 = time.perf_counter()

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtGui import QFont, QFontDatabase  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from fieldapp.ui.errors import install_excepthook  # noqa: E402

log = logging.getLogger(__name__)

CJK_FONT_FILES = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
WINDOW_SIZE = (1366, 768)


def make_app(argv: list[str] | None = None) -> QApplication:
    """The QApplication with a font that has Chinese glyphs."""
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("fieldapp")
    app.setOrganizationName("fieldapp")
    families = set(QFontDatabase.families())
    if not any(f in families for f in ("WenQuanYi Micro Hei", "Microsoft YaHei", "Noto Sans CJK SC", "PingFang SC")):
        configured = os.environ.get("FIELDAPP_CJK_FONT", "").rpartition("#")[0] or os.environ.get("FIELDAPP_CJK_FONT")
        for path in ([configured] if configured else []) + list(CJK_FONT_FILES):  # fontconfig may not know it: load it ourselves
            if os.path.exists(path):
                QFontDatabase.addApplicationFont(path)
                break
    font = QFont(app.font())
    font.setFamilies(["Microsoft YaHei", "WenQuanYi Micro Hei", "Noto Sans CJK SC", "PingFang SC", font.family()])
    font.setPointSize(10)
    app.setFont(font)
    return app


def build_window(data_dir: str | Path | None = None, demo: bool = False, kdf=None):
    """Create the services, language and main window (not shown); demo mode also starts the local sync server."""
    from fieldapp.services import Services
    from fieldapp.ui.i18n import LanguageSwitcher
    from fieldapp.ui.main_window import MainWindow

    app = make_app()
    services = Services(data_dir, kdf=kdf)
    if demo:
        start_demo_server(services)
    languages = LanguageSwitcher(app)
    languages.set_language(services.load_settings().get("language", "zh"))
    window = MainWindow(services, languages, demo=demo)
    window.resize(*WINDOW_SIZE)
    return window


def start_demo_server(services):
    """Demo mode: the embedded county server on 127.0.0.1 (a child process started from a background thread)."""
    from fieldapp.services_demo import DemoServer

    services.demo_server = DemoServer(services.data_dir).start()
    app = QApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(services.demo_server.stop)
    return services.demo_server


def start_first_run(window) -> None:
    """Show the first-run wizard if this laptop has no vault yet."""
    from fieldapp.ui.first_run_flow import run_first_run

    if not window.services.has_vault():
        run_first_run(window)


def run(data_dir: str | Path | None = None, demo: bool = False) -> int:
    """Start the desktop app and return its exit code."""
    logging.basicConfig(level=os.environ.get("FIELDAPP_LOG", "WARNING"))
    if demo and data_dir is None:  # demo data never mixes with a real vault
        from fieldapp.services import default_data_dir

        data_dir = default_data_dir() / "demo"
    app = make_app()
    window = build_window(data_dir, demo)
    install_excepthook(window)   # a bug in a slot reaches the error dialog and the log, not only stderr
    window.show()
    if os.environ.get("FIELDAPP_REPORT_STARTUP"):
        QTimer.singleShot(0, lambda: print(f"STARTUP shown_s={time.perf_counter() - _T0:.3f}", flush=True))
    QTimer.singleShot(0, lambda: start_first_run(window))
    return app.exec()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run(sys.argv[1] if len(sys.argv) > 1 else None, demo="--demo" in sys.argv))
