"""Entry point of the bundled (PyInstaller) app: ``fieldapp`` with its subcommands.

The demo mode starts its embedded county server as ``sys.executable -m fieldapp.services_demo``;
in a bundle ``sys.executable`` is this program, so that one module invocation is dispatched here.
"""

import os
import sys
from pathlib import Path


def _use_bundled_fonts() -> None:
    # the package carries its CJK fonts: Qt and the PDFs use them unless the user configured others
    fonts = Path(getattr(sys, "_MEIPASS", Path(__file__).parent)) / "fonts"
    main = fonts / "wqy-microhei.ttc"
    if main.is_file():
        os.environ.setdefault("FIELDAPP_CJK_FONT", f"{main}#0")
    rare = [str(p) for p in (fonts / "HanaMinA.ttf", fonts / "HanaMinB.ttf") if p.is_file()]
    if rare:
        os.environ.setdefault("FIELDAPP_CJK_FALLBACK_FONTS", os.pathsep.join(rare))


def _main() -> int:
    if getattr(sys, "frozen", False):
        _use_bundled_fonts()
    if sys.argv[1:3] == ["-m", "fieldapp.services_demo"]:
        from fieldapp.services_demo import _serve_child

        return _serve_child(sys.argv[3], int(sys.argv[4]))
    from fieldapp.cli import main

    return main()


if __name__ == "__main__":
    sys.exit(_main())
