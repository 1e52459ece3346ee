"""Entry point of the bundled (PyInstaller) app: ``fieldapp`` with its subcommands.

The demo mode starts its embedded county server as ``sys.executable -m fieldapp.services_demo``;
in a bundle ``sys.executable`` is this program, so that one module invocation is dispatched here.
"""

import sys


def _main() -> int:
    if sys.argv[1:3] == ["-m", "fieldapp.services_demo"]:
        from fieldapp.services_demo import _serve_child

        return _serve_child(sys.argv[3], int(sys.argv[4]))
    from fieldapp.cli import main

    return main()


if __name__ == "__main__":
    sys.exit(_main())
