"""The console's login throttle, the enrollment-code throttle and roster staging live in the database
(migration 0013): a server restart (a real ``fieldapp-server serve`` process, stopped and started again)
forgets none of them, and a staged roster
that has expired is refused with a Chinese message and removed."""

from __future__ import annotations

import re

import httpx
import pytest

from sync.server.console.state import RosterStaging, StoredFailures
from sync.server.storage import open_storage
from tests.console.conftest import CSRF
from tests.console.seed import PASSPHRASE, seed_county
from tests.console.test_campaign import roster_csv, upload
from tests.field.loadkit import ServerProcess

pytest.importorskip("sync.server.roster_import", reason="the roster functions of issue 14")


class ProcessClient:
    """A browser of the console served by a separate process over plain HTTP on 127.0.0.1: the Secure
    session cookie is sent by hand (a browser sends it over HTTPS only)."""

    def __init__(self, url: str, token: str | None = None):
        self.url, self.token = url, token

    def _http(self):
        headers = {"Cookie": f"fieldapp_console={self.token}"} if self.token else {}
        return httpx.Client(base_url=self.url, headers=headers, follow_redirects=False, timeout=60)

    def login(self, name: str, passphrase: str) -> httpx.Response:
        with self._http() as http:
            answer = http.post("/console/login", data={"name": name, "passphrase": passphrase, "next": "/console/roster"})
        if answer.status_code == 303:
            self.token = re.search(r"fieldapp_console=([^;]+)", answer.headers["set-cookie"]).group(1)
        return answer

    def get(self, path: str) -> httpx.Response:
        with self._http() as http:
            return http.get(path)

    def post(self, path: str, data: dict, files=None) -> httpx.Response:
        csrf = CSRF.search(self.get("/console/roster").text).group(1)
        with self._http() as http:
            return http.post(path, data={"csrf": csrf, **data}, files=files)


@pytest.fixture
def database(tmp_path):
    url = f"sqlite:///{tmp_path}/server.db"
    storage = open_storage(url)
    storage.migrate()
    seed_county(storage)
    yield url, storage
    storage.close()


def test_the_login_throttle_survives_a_server_restart(database):
    url, storage = database
    server = ServerProcess(url)
    try:
        browser = ProcessClient(server.url)
        for _ in range(5):
            assert browser.login("county-admin", "not the passphrase").status_code == 401
        throttled = browser.login("county-admin", PASSPHRASE)
        assert throttled.status_code == 429 and "登录失败次数过多" in throttled.text
    finally:
        server.stop()
    server = ServerProcess(url)       # a new process: nothing of the old one's memory
    try:
        again = ProcessClient(server.url).login("county-admin", PASSPHRASE)
        assert again.status_code == 429 and "登录失败次数过多，请 15 分钟后再试。" in again.text
        assert ProcessClient(server.url).login("county-viewer", PASSPHRASE).status_code == 303   # another account
    finally:
        server.stop()
    with storage._tx(write=False) as tx:
        kinds = {r["kind"] for r in tx.q("SELECT kind FROM console_login_failures WHERE subject IN (%s, %s)",
                                         ("county-admin", "127.0.0.1"))}
    assert kinds == {"account", "address"}


def test_the_enrollment_code_throttle_survives_a_server_restart(database):
    from sync import errors
    from sync.client import enroll
    from sync.memstore import MemoryStore
    from sync.server.admin import issue_enrollment_code
    from tests.console.seed import TOWN_A

    url, storage = database
    good = issue_enrollment_code(storage, "office", TOWN_A, [], 1.0)[0]
    server = ServerProcess(url)
    try:
        for i in range(20):
            with pytest.raises(errors.EnrollmentCodeInvalid):
                enroll(MemoryStore(), server.url, f"WRNG-{i:04d}-CODE")
        with pytest.raises(errors.EnrollmentThrottled):
            enroll(MemoryStore(), server.url, good)
    finally:
        server.stop()
    server = ServerProcess(url)
    try:
        with pytest.raises(errors.EnrollmentThrottled) as again:
            enroll(MemoryStore(), server.url, good)
        assert "10 分钟" in again.value.message_zh
    finally:
        server.stop()
    assert storage.list_devices() == []


def test_a_roster_checked_before_a_restart_is_confirmed_after_it(database):
    url, storage = database
    server = ServerProcess(url)
    try:
        admin = ProcessClient(server.url)
        assert admin.login("county-admin", PASSPHRASE).status_code == 303
        checked = admin.post("/console/roster/check", {"campaign": "2026年四个摸清专项行动", "start": "2026-04-01"},
                             files={"file": ("江宁区花名册.csv", roster_csv(), "text/csv")})
        assert checked.status_code == 200 and "试导入结果" in checked.text, checked.text[:800]
        token = re.search(r'name="token" value="([^"]+)"', checked.text).group(1)
    finally:
        server.stop()
    assert not storage.roster_campaigns()
    server = ServerProcess(url)
    try:
        admin = ProcessClient(server.url, admin.token)     # the session is in the database too
        confirmed = admin.post("/console/roster/confirm", {"token": token})
        assert confirmed.status_code == 303, confirmed.text[:800]
        assert admin.post("/console/roster/confirm", {"token": token}).status_code == 400   # used once
    finally:
        server.stop()
    assert [c["name"] for c in storage.roster_campaigns()] == ["2026年四个摸清专项行动"]
    with storage._tx(write=False) as tx:
        assert tx.one("SELECT COUNT(*) AS n FROM roster_staging")["n"] == 0


@pytest.mark.parametrize("county", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_an_expired_roster_check_is_refused_in_chinese_and_removed(county, client_as):
    storage, _ = county
    admin = client_as("county-admin")
    checked = upload(admin, roster_csv())
    token = re.search(r'name="token" value="([^"]+)"', checked.text).group(1)
    with storage._tx() as tx:       # an hour and a bit later
        tx.exec("UPDATE roster_staging SET expires_at = expires_at - 3700")
    refused = admin.post("/console/roster/confirm", {"token": token})
    assert refused.status_code == 400
    assert re.search(r"这次试导入已于 \d{4}-\d\d-\d\d \d\d:\d\d（UTC）过期（试导入结果保留 60 分钟），请重新上传花名册。",
                     refused.text), refused.text[-1500:]
    assert not storage.roster_campaigns()
    with storage._tx(write=False) as tx:
        assert tx.one("SELECT COUNT(*) AS n FROM roster_staging")["n"] == 0
    again = admin.post("/console/roster/confirm", {"token": token})
    assert again.status_code == 400 and "没有找到这次试导入" in again.text
    other = admin.post("/console/roster/confirm", {"token": "made-up"})
    assert other.status_code == 400 and "请重新上传花名册" in other.text


@pytest.mark.parametrize("county", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_failures_and_staged_files_age_out_and_are_cleaned_up(county):
    storage, _ = county
    now = [1_000_000.0]
    failures = StoredFailures(storage, "account", 2, 900, clock=lambda: now[0])
    failures.record("u")
    failures.record("u")
    assert failures.blocked("u") and not failures.blocked("v")
    now[0] += 901
    assert not failures.blocked("u")
    failures.record("v")           # recording removes the rows that have aged out
    with storage._tx(write=False) as tx:
        assert [r["subject"] for r in tx.q("SELECT subject FROM console_login_failures")] == ["v"]

    staging = RosterStaging(storage, 3600, clock=lambda: now[0])
    staging.stage("h1", "county-admin", "a.csv", ".csv", b"\x00\xffbytes", None, None, "2026-05-12T00:00:00+00:00")
    now[0] += 3601
    staging.stage("h2", "county-admin", "b.csv", ".csv", b"x", None, None, "2026-05-12T01:00:00+00:00")
    with storage._tx(write=False) as tx:
        assert [r["token_hash"] for r in tx.q("SELECT token_hash FROM roster_staging")] == ["h2"]
    assert staging.take("h2", "county-admin")["content"] == b"x"
    staging.stage("h3", "county-admin", "c.csv", ".csv", b"\x00\xff", None, None, "2026-05-12T01:00:00+00:00")
    with pytest.raises(Exception) as other_user:
        staging.take("h3", "county-viewer")
    assert "没有找到这次试导入" in other_user.value.message_zh
    assert staging.take("h3", "county-admin")["content"] == b"\x00\xff"
