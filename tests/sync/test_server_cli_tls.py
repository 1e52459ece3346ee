"""``fieldapp-server`` as the county admin uses it, and HTTPS with a county CA pinned at enrollment."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import ipaddress
import json
import os
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from sync import errors
from sync.bundle import export_bundle, import_receipt
from sync.client import SyncClient, enroll
from sync.memstore import MemoryStore
from sync.server.cli import main as server_main
from tests.sync.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


def run(db: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sync.server.cli", "--database", db, *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def ok(db: str, *args: str):
    out = run(db, *args)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout) if out.stdout.strip().startswith(("{", "[")) else out.stdout


def make_ca_and_server_cert(folder: Path) -> tuple[Path, Path, Path]:
    """A county CA and a server certificate for 127.0.0.1 signed by it (PEM files)."""
    now = dt.datetime.now(dt.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Demo County CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
          .not_valid_after(now + dt.timedelta(days=30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    ca_path, cert_path, key_path = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return ca_path, cert_path, key_path


@pytest.fixture
def county_db(backend, tmp_path, request):
    if backend == "sqlite":
        db = f"sqlite:///{tmp_path}/county.db"
    else:
        db = request.getfixturevalue("postgres").create_database()
    # The set-up commands run in this process through the same entry point (sync.server.cli.main): four
    # interpreter starts per test cost ~6 s of CPU; the tests' own commands below stay real processes.
    for args in (["init"], ["area-add", "110105", "演示县"], ["area-add", "110105001", "演示镇"],
                 ["area-add", "110105001001", "东村", "--type", "rural"]):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            assert server_main(["--database", db, *args]) == 0, err.getvalue()
    return db


def test_admin_cli_end_to_end_over_https(county_db, tmp_path):
    db = county_db
    ca, cert, key = make_ca_and_server_cert(tmp_path)
    port = free_port()
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "sync.server.cli", "--database", db, "serve", "--port", str(port),
                             "--certfile", str(cert), "--keyfile", str(key), "--log-level", "warning"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    url = f"https://127.0.0.1:{port}"
    try:
        deadline = time.time() + 30
        while True:
            try:
                httpx.get(f"{url}/v1/hello", verify=ssl.create_default_context(cafile=str(ca)), timeout=1)
                break
            except httpx.TransportError:
                if time.time() > deadline or proc.poll() is not None:
                    raise AssertionError(proc.stderr.read().decode() if proc.poll() is not None else "server did not start")
                time.sleep(0.2)

        issued = ok(db, "code-issue", "--role", "visitor", "--township", "110105001", "--villages", "110105001001")
        # without the county CA the laptop refuses the server's certificate
        with pytest.raises(errors.TlsVerifyFailed):
            enroll(MemoryStore(), url, issued["code"])
        laptop = MemoryStore()
        answer = enroll(laptop, url, issued["code"], ca_cert_pem=ca.read_text())
        assert answer["villages"] == ["110105001001"]
        published = ok(db, "publish", "reference", str(ROOT / "forms" / "reference" / "demo.yaml"))
        assert published["name"] == "demo" and published["version"] == 1
        refused = run(db, "publish", "reference", str(_write(tmp_path / "bad.json", {"office": "演示镇民政办"})))
        assert refused.returncode == 2 and "INVALID_DOCUMENT" in refused.stderr
        hid = "6f1c2d7e-0000-4000-8000-000000000001"
        laptop.edit("household", hid, hid, "110105001001", {"address": "东村1号"})
        with SyncClient(laptop) as client:
            report = client.sync()
        assert report.pushed == 1 and report.documents == 1

        devices = ok(db, "device-list")
        assert [d["device_id"] for d in devices] == [answer["device_id"]]
        exported = ok(db, "export", "110105001")
        assert [r["fields"] for r in exported["records"]] == [{"address": "东村1号"}]

        # a USB bundle imported by the admin, receipt back to the laptop
        laptop.edit("household", hid, hid, "110105001001", {"phone": "13800000000"})
        export_bundle(laptop, tmp_path / "stick")
        results = ok(db, "import-bundles", str(tmp_path / "stick"))
        assert [r["status"] for r in results] == ["imported"]
        summary = import_receipt(laptop, Path(results[0]["receipt"]).read_bytes())
        assert summary.acknowledged == 1 and laptop.outbox == []

        ok(db, "device-revoke", answer["device_id"])
        with SyncClient(laptop) as client, pytest.raises(errors.DeviceRevoked):
            client.sync()
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_admin_cli_refuses_bad_input_with_chinese_messages(county_db):
    out = run(county_db, "code-issue", "--role", "visitor", "--township", "110105009")
    assert out.returncode == 2 and "区划代码不存在" in out.stderr
    out = run(county_db, "device-revoke", "no-such-device")
    assert out.returncode == 2 and "UNKNOWN_DEVICE" in out.stderr
    out = run(county_db, "area-add", "12345", "bad")
    assert out.returncode == 2
    assert ok(county_db, "migrate")["applied"] == []


def _write(path: Path, content) -> Path:
    path.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    return path


def test_admin_publishes_forms_and_resolves_conflicts(county_db, tmp_path):
    import uuid

    import yaml

    from sync.server.storage import Scope, open_storage

    form_v1 = ROOT / "forms" / "definitions" / "four_clarifications.v1.yaml"
    published = ok(county_db, "publish", "form", str(form_v1))
    assert (published["kind"], published["name"], published["version"]) == ("form", "four_clarifications", 1)
    broken = yaml.safe_load(form_v1.read_text(encoding="utf-8"))
    broken["version"] = 2
    broken["sections"] = broken["sections"][:1]           # v2 may not drop v1's questions
    refused = run(county_db, "publish", "form", str(_write(tmp_path / "four_clarifications.v2.json", broken)))
    assert refused.returncode == 2 and "INVALID_DOCUMENT" in refused.stderr
    assert [d["name"] for d in ok(county_db, "documents")] == ["four_clarifications"]

    storage = open_storage(county_db)
    scope = Scope("visitor", "110105001", ("110105001001",))
    hid = str(uuid.uuid4())

    def change(base, value, device):
        return {"change_id": str(uuid.uuid4()), "entity": "household", "entity_id": hid, "household_id": hid,
                "village_code": "110105001001", "base_revision": base, "fields": {"address": value},
                "author": device, "at": "2026-05-12T00:00:00+00:00"}

    storage.push(scope, "a", [change(0, "旧", "a")], "2026-05-12T00:00:00+00:00")
    storage.push(scope, "a", [change(1, "甲", "a")], "2026-05-12T00:00:00+00:00")
    storage.push(scope, "b", [change(1, "乙", "b")], "2026-05-12T00:00:00+00:00")
    storage.close()
    (conflict,) = ok(county_db, "conflicts", "--status", "open", "--json")
    assert both_values(conflict["fields"]) == {"address": {"server": "甲", "device": "乙"}}
    resolved = ok(county_db, "resolve", conflict["conflict_id"], "--take", "device")
    assert resolved["status"] == "resolved" and resolved["resolution"] == {"address": "乙"}
    assert ok(county_db, "conflicts", "--status", "open", "--json") == []
    assert ok(county_db, "export", "110105001")["records"][0]["fields"] == {"address": "乙"}


def both_values(fields: dict) -> dict:
    """A hard conflict's two values per path (without who/when)."""
    return {path: {"server": v["server"], "device": v["device"]} for path, v in fields.items()}
