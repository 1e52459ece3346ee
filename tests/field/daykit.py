"""The field day's components: the places it can play in, devices, the county server in a thread, a proxy
that cuts a connection mid-sync, and small helpers (:mod:`tests.field.fieldday` plays the day with them)."""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path


ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Place:
    """The county the day is played in: its codes, names and published files."""

    county: str
    township: str
    township_name: str
    east: str            # an urban community
    west: str            # a second urban community
    peach: str           # a rural village (letters are printed for it)
    names: dict          # village code -> short name
    reference: Path
    templates: Path
    areas_csv: Path | None  # the 统计用区划代码 table (None: areas added one by one, demo)
    demo: bool = False


SONGLIN = Place("510123", "510123001", "城关镇", "510123001001", "510123001002", "510123001201",
                {"510123001001": "东街社区", "510123001002": "西街社区", "510123001201": "柏树村"},
                ROOT / "tests/county/reference.yaml", ROOT / "tests/county/letters.yaml", ROOT / "tests/county/areas.csv")
DEMO = Place("990101", "990101001", "演示镇", "990101001001", "990101001002", "990101001201",
             {"990101001001": "东街社区", "990101001002": "西街社区", "990101001201": "桃园村"},
             ROOT / "forms/reference/demo.yaml", ROOT / "printouts/templates/letters.demo.yaml", None, demo=True)
PASSPHRASE = "field-day-demo-2026"
OFFICE_USER = "镇经办员"


class FieldDayFailed(AssertionError):
    """A final check of the field day did not hold (the message says which)."""


@dataclass
class Device:
    """One enrolled device: its folder, vault, app services and local users."""

    name: str
    role: str
    data_dir: Path
    users: list[str]
    services: object = None
    typed: dict = field(default_factory=dict)        # visit_id -> answers as saved on this device

    @property
    def vault(self):
        """The unlocked vault behind the app services."""
        return self.services.vault


class CountyServer:
    """The county sync server: storage + uvicorn on a free 127.0.0.1 port in a thread."""

    def __init__(self, database_url: str):
        import uvicorn

        from sync.server.app import create_app
        from sync.server.storage import open_storage

        self.database_url = database_url
        self.storage = open_storage(database_url)
        self.storage.migrate()
        self.app = create_app(self.storage)
        self.keys = self.app.state.keys
        config = uvicorn.Config(self.app, host="127.0.0.1", port=0, log_level="warning", timeout_keep_alive=5)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = ""

    def start(self) -> "CountyServer":
        """Start serving and learn the port the OS gave."""
        self.thread.start()
        deadline = time.time() + 30
        while not self.server.started:
            if time.time() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    def stop(self) -> None:
        """Stop uvicorn and close the storage."""
        self.server.should_exit = True
        self.thread.join(timeout=20)
        self.storage.close()


class CuttingProxy:
    """A TCP proxy on 127.0.0.1 in front of the server that cuts the cable once: the first push reaches the
    server (which stores it), then the connection dies before the answer gets back to the laptop."""

    def __init__(self, upstream_port: int):
        self.upstream_port = upstream_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.cuts = 0
        self._armed = True
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        """Stop accepting connections."""
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=30)
        except OSError:
            client.close()
            return
        cut_answer = threading.Event()

        def to_server() -> None:
            try:
                while data := client.recv(65536):
                    if self._armed and data.startswith(b"POST /v1/push "):
                        self._armed = False
                        cut_answer.set()
                    upstream.sendall(data)
            except OSError:
                pass
            _shut(upstream)

        def to_laptop() -> None:
            try:
                while data := upstream.recv(65536):
                    if cut_answer.is_set():           # the server answered the push: the cable breaks now
                        self.cuts += 1
                        break
                    client.sendall(data)
            except OSError:
                pass
            _shut(client)
            _shut(upstream)

        threading.Thread(target=to_server, daemon=True).start()
        threading.Thread(target=to_laptop, daemon=True).start()


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _document(path: Path) -> dict:
    """A YAML/JSON document as JSON-able data (dates as ISO text), as the admin CLI publishes it."""
    import yaml

    return json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), ensure_ascii=False,
                                 default=lambda v: v.isoformat() if hasattr(v, "isoformat") else str(v)))


def relocate(visit: dict, place: Place) -> dict:
    """A generated (fake) household moved into *place*: its village codes, place names and members' ID numbers."""
    if place.demo:
        return visit
    from forms.idnumber import check_char

    text = json.dumps(visit, ensure_ascii=False).replace("演示镇", place.township_name)
    moved = json.loads(text.replace('"990101', '"' + place.county))
    for m in moved["answers"].get("members") or []:
        number = m.get("id_number")
        if isinstance(number, str) and len(number) == 18:
            body = place.county + number[6:17]
            m["id_number"] = body + check_char(body)
    return moved


def client_conflicts_all(vault) -> list[dict]:
    """Every conflict record (open, merged and resolved) the office device can see."""
    from sync.client import SyncClient

    with SyncClient(vault) as client:
        return client.conflicts()
