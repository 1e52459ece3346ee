"""The county and township web console, served by the county server under ``/console/``.

Server-rendered pages (Jinja2) over the same storage functions the CLI and the sync API use.
Mounted on the server's app by :func:`.mount.mount_console`; accounts and roles: :mod:`.accounts`;
sessions, CSRF, throttling, headers: :mod:`.web`.

This package's own import pulls in nothing: ``fieldapp-server``'s parser imports :mod:`.cli` for the
``console-user`` command, and importing the web stack (FastAPI, Starlette, Jinja2: about 0.5 s of CPU) for
it made every command, ``--help`` included, pay for a web server it does not start.
"""
