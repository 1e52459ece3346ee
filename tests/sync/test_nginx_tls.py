"""The county server as it is deployed: real nginx with TLS (packaging/server/nginx-fieldapp.conf) in front
of ``fieldapp-server serve --workers 3`` on PostgreSQL, all on loopback with a test certificate.
Laptops enroll and sync through it with the county CA pinned; ``doctor`` checks that setup."""

from __future__ import annotations

import json
import os
import shutil
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from sync.keys import KeyPair

from sync.appversion import APP_VERSION_HEADER
from sync.client import SyncClient, enroll
from sync.memstore import MemoryStore
from sync.protocol import PROTOCOL_HEADER
from sync.server.admin import add_area, issue_enrollment_code
from sync.server.cli import main as server_cli_main
from sync.server.storage import Scope, open_storage
from tests.sync.conftest import free_port
from tests.sync.test_server_cli_tls import make_ca_and_server_cert

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
TOWNSHIP, VILLAGE = "360124103", "360124103201"   # a township and village of 进贤县 (Jiangxi)

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(not Path(NGINX).exists() and os.environ.get("CI") != "true",
                                 reason="nginx is not installed (apt-get install nginx; scripts/_setup.sh does)")]


def _nginx_conf(folder: Path, listen: int, upstream: int, cert: Path, key: Path) -> Path:
    site = (ROOT / "packaging" / "server" / "nginx-fieldapp.conf").read_text(encoding="utf-8")
    site = (site.replace("listen 443 ssl;", f"listen 127.0.0.1:{listen} ssl;")
                .replace("server 127.0.0.1:8700;", f"server 127.0.0.1:{upstream};")
                .replace("/etc/fieldapp-server/tls/server.pem", str(cert))
                .replace("/etc/fieldapp-server/tls/server.key", str(key)))
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = folder / "nginx.conf"
    conf.write_text(f"""{user}worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {folder}/access.log;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
{site}
}}
""", encoding="utf-8")
    return conf


def _unit_option(name: str) -> str:
    """The value of *name* in the shipped systemd unit's ``serve`` command (the deployment as installed)."""
    unit = (ROOT / "packaging" / "server" / "fieldapp-server.service").read_text(encoding="utf-8")
    (start,) = [line for line in unit.splitlines() if line.startswith("ExecStart=")]
    words = start.split()
    assert name in words, f"the unit does not start the server with {name}: {start}"
    return words[words.index(name) + 1]


def _wait(url: str, verify, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if httpx.get(url, verify=verify, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} did not answer")


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


@pytest.fixture(scope="module")
def deployment(postgres, tmp_path_factory):
    """nginx with TLS in front of ``serve --workers 3`` on a migrated PostgreSQL database, shared by this module's
    tests (the sync test adds households; the doctor test only reads the database and loosens its own key file's mode
    after nginx has loaded it)."""
    tmp_path = tmp_path_factory.mktemp("deployment")
    url = postgres.create_migrated_database()
    storage = open_storage(url)
    storage.migrate()
    add_area(storage, "360124", "进贤县")
    add_area(storage, TOWNSHIP, "李渡镇")
    add_area(storage, VILLAGE, "桥东村", "rural")
    ca, cert, key = make_ca_and_server_cert(tmp_path)
    key.chmod(0o600)
    upstream, listen = free_port(), free_port()
    server = subprocess.Popen([sys.executable, "-m", "sync.server.cli", "--database", url, "serve", "--host", "127.0.0.1",
                               "--port", str(upstream), "--workers", "3", "--log-level", "warning",
                               "--trusted-proxy", _unit_option("--trusted-proxy")],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    nginx = subprocess.Popen([NGINX, "-c", str(_nginx_conf(tmp_path, listen, upstream, cert, key)), "-g", "daemon off;"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait(f"http://127.0.0.1:{upstream}/v1/hello", True)
        _wait(f"https://127.0.0.1:{listen}/v1/hello", ssl.create_default_context(cafile=str(ca)))
        yield {"url": f"https://127.0.0.1:{listen}", "db": url, "storage": storage, "ca": ca, "cert": cert, "key": key,
               "server": server}
    finally:
        nginx.terminate()
        server.terminate()
        for proc in (nginx, server):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        storage.close()


def test_laptops_sync_through_nginx_tls_to_several_workers(deployment):
    storage = deployment["storage"]
    assert len(_children(deployment["server"].pid)) >= 3   # uvicorn's worker processes
    laptops = []
    for n in range(4):
        store = MemoryStore()
        code = issue_enrollment_code(storage, "visitor", TOWNSHIP, [VILLAGE], 1)[0]
        enroll(store, deployment["url"], code, ca_cert_pem=deployment["ca"].read_text())
        laptops.append(store)
    big = "桥东村" + "东" * 400_000     # a push of well over 1 MB passes nginx's body limit
    for n, store in enumerate(laptops):
        for i in range(30):
            store.edit("household", f"00000000-0000-4000-8000-{n:06d}{i:06d}", f"00000000-0000-4000-8000-{n:06d}{i:06d}",
                       VILLAGE, {"address": f"桥东村{n}组{i}号", "remarks": big if i == 0 else ""})
    for _ in range(2):
        for store in laptops:
            with SyncClient(store) as client:
                client.sync()
    households = [r for r in storage.records(Scope("admin", TOWNSHIP)) if r["entity"] == "household"]
    assert len(households) == 120
    for store in laptops:
        assert store.pending_changes(5) == [] and len(store.records) == 120

    refused = httpx.post(f"{deployment['url']}/v1/push", verify=ssl.create_default_context(cafile=str(deployment["ca"])),
                         headers={PROTOCOL_HEADER: "1", APP_VERSION_HEADER: "0.0.1"}, content=b"{}")
    assert refused.status_code in (400, 401)    # coded answers pass through nginx unchanged
    assert refused.json()["code"] in ("MALFORMED_REQUEST", "AUTH_MISSING")
    plain = httpx.get(deployment["url"].replace("https", "http") + "/v1/hello", timeout=5)
    assert plain.status_code == 400 and "server_signing_key" not in plain.text   # no sync answer without TLS


def test_doctor_checks_the_deployment_and_says_what_is_wrong(deployment, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)

    def doctor(*extra, database=deployment["db"]):
        """``fieldapp-server doctor`` run in this process (its exit code and what it prints), as the command runs it."""
        capsys.readouterr()
        code = server_cli_main(["--database", database, "doctor", *extra])
        out = capsys.readouterr()
        return subprocess.CompletedProcess(["fieldapp-server", "doctor", *extra], code, out.out, out.err)

    # the command as the administrator starts it, once; the other cases run its main() in this process
    good = subprocess.run([sys.executable, "-m", "sync.server.cli", "--database", deployment["db"], "doctor",
                           "--certfile", str(deployment["cert"]), "--keyfile", str(deployment["key"])],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "[正常] 数据库" in good.stdout and "[正常] TLS 私钥: 与证书匹配" in good.stdout
    assert "[注意] TLS 证书: 证书将于" in good.stdout and "过期（剩 29 天）" in good.stdout   # the test certificate: 30 days
    assert "[注意] 备份: 还没有做过备份" in good.stdout

    deployment["key"].chmod(0o644)
    (tmp_path / "other").mkdir()
    other_key = make_ca_and_server_cert(tmp_path / "other")[2]
    other_key.chmod(0o600)
    bad = doctor("--certfile", str(deployment["cert"]), "--keyfile", str(other_key))
    assert bad.returncode == 1
    assert "私钥与证书不匹配" in bad.stdout
    wrong_mode = doctor("--certfile", str(deployment["cert"]), "--keyfile", str(deployment["key"]))
    deployment["key"].chmod(0o600)   # the module's deployment as it was
    assert wrong_mode.returncode == 1 and "其他用户也能读取" in wrong_mode.stdout

    unreachable = doctor(database=f"postgresql://nobody@127.0.0.1:{free_port()}/none")
    assert unreachable.returncode == 1 and "无法打开数据库" in unreachable.stdout


def test_behind_nginx_the_enrollment_throttle_counts_each_laptops_own_address(deployment):
    """The shipped unit trusts nginx's X-Forwarded-For: one address guessing codes is throttled, another laptop
    is not, and a header the guesser sends itself changes nothing (nginx replaces it with the real address)."""
    context = ssl.create_default_context(cafile=str(deployment["ca"]))

    def wrong_code(source: str, i: int, forged: str | None = None) -> str:
        keys = KeyPair.generate()
        body = json.dumps({"code": f"WRONG{i:04d}", "signing_public_key": keys.signing_public,
                           "sealing_public_key": keys.sealing_public}).encode()
        headers = {PROTOCOL_HEADER: "1", "Content-Type": "application/json"}
        if forged:
            headers["X-Forwarded-For"] = forged
        with httpx.Client(transport=httpx.HTTPTransport(local_address=source, verify=context), timeout=30) as client:
            return client.post(deployment["url"] + "/v1/enroll", content=body, headers=headers).json()["code"]

    codes = [wrong_code("127.0.0.2", i, forged=f"10.9.{i}.1") for i in range(22)]
    assert codes[0] == "ENROLLMENT_CODE_INVALID" and codes[-1] == "ENROLLMENT_THROTTLED", codes
    assert wrong_code("127.0.0.3", 99) == "ENROLLMENT_CODE_INVALID"     # another laptop still gets a plain answer
