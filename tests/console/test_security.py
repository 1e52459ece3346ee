"""Console security: area scoping on every route, disabled accounts, expired sessions, CSRF, hostile names,
login throttling, cookie and header attributes; each refusal that matters is in the server audit log."""

from __future__ import annotations

import re

import pytest

from sync.server.console.store import ConsoleStore
from sync.server.storage import Scope
from tests.console.conftest import ConsoleClient
from tests.console.seed import HOSTILE_NAME, TOWN_A, TOWN_B, pid

# Every console route: (method, path template). A new route must be added here and to the
# reviewer-of-another-township test, or test_every_route_is_covered fails.
ROUTES = {
    ("GET", "/console/login"), ("POST", "/console/login"), ("POST", "/console/logout"), ("GET", "/console/"),
    ("GET", "/console/households"), ("GET", "/console/households/{household_id}"),
    ("POST", "/console/households/{household_id}/show-id"),
    ("GET", "/console/devices"), ("POST", "/console/devices/code"), ("GET", "/console/devices/{device_id}/revoke"),
    ("POST", "/console/devices/{device_id}/revoke"), ("GET", "/console/logs"), ("GET", "/console/logs/reads"),
    ("GET", "/console/conflicts"), ("GET", "/console/conflicts/{conflict_id}"), ("POST", "/console/conflicts/{conflict_id}/resolve"),
    ("GET", "/console/reference"), ("POST", "/console/reference/preview"), ("POST", "/console/reference/publish"),
    ("POST", "/console/reference/templates/preview"), ("GET", "/console/reference/templates"),
    ("POST", "/console/reference/templates/sample"), ("GET", "/console/reference/documents/{kind}/{name}/{version}"),
    ("GET", "/console/ledger"), ("POST", "/console/ledger/download"),
    ("GET", "/console/coverage"), ("GET", "/console/review"), ("POST", "/console/review/approve"),
    ("POST", "/console/review/{visit_id}/return"), ("GET", "/console/roster"), ("GET", "/console/roster/template"),
    ("POST", "/console/roster/check"), ("POST", "/console/roster/confirm"),
}


def audit(storage, **filters):
    return ConsoleStore(storage).audit_log(**filters)


def open_conflict(storage):
    return storage.list_conflicts(Scope("admin", ""), "open")[0]


def test_every_route_is_covered(app):
    served = {(m, r.path) for r in app.state.console_router.routes for m in r.methods if m != "HEAD"}
    assert served == ROUTES, f"untested routes: {served - ROUTES}; gone: {ROUTES - served}"


@pytest.mark.parametrize("county", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_a_township_reviewer_sees_nothing_of_another_township_through_any_route(county, client_as):
    storage, ids = county
    other = ids["a1"]   # a household of 东山街道; the reviewer is of 秣陵街道
    conflict = open_conflict(storage)
    b = client_as("reviewer-b")
    a_names = ("张桂英", "张小军", "刘德明", "竹山路", "佘村")

    def shows_nothing_of_a(answer, typed=""):
        text = answer.text.replace(f'value="{typed}"', "") if typed else answer.text   # the search box shows what was typed
        assert not any(n in text for n in a_names), text[:800]

    for q in ("张桂英", pid("32011519540312002"), "竹山路", "东山", "%", "_"):
        page = b.get("/console/households", params={"q": q})
        assert page.status_code == 200
        shows_nothing_of_a(page, q)
        assert "找到 0 户" in page.text
    assert "陈秀兰" in b.get("/console/households", params={"q": "陈秀兰"}).text   # its own township is found
    for answer in (b.get(f"/console/households/{other}"),
                   b.post(f"/console/households/{other}/show-id", {"member_id": "x"}),
                   b.get(f"/console/conflicts/{conflict['conflict_id']}"),
                   b.post(f"/console/conflicts/{conflict['conflict_id']}/resolve", {f"take_address": "device"}),
                   b.post("/console/ledger/download", {"area": TOWN_A, "format": "xlsx"}),
                   b.post("/console/ledger/download", {"area": "320115", "format": "xlsx"})):
        assert answer.status_code == 404, answer.text[:300]
        shows_nothing_of_a(answer)
    conflicts = b.get("/console/conflicts")
    assert conflicts.status_code == 200 and conflict["conflict_id"] not in conflicts.text
    ledger = b.get("/console/ledger")
    assert TOWN_A not in ledger.text and "全县" not in ledger.text
    for path in ("/console/logs", "/console/logs/reads"):
        assert b.get(path).status_code == 403
    devices = b.get("/console/devices")
    assert devices.status_code == 200 and "签发登记码" not in devices.text and TOWN_A not in devices.text
    assert b.post("/console/devices/code", {"role": "office", "township": TOWN_A}).status_code == 403
    assert b.get("/console/devices/x/revoke").status_code == 403
    assert b.post("/console/devices/x/revoke", {"confirm": "yes"}).status_code == 403
    for path in ("/console/reference/preview", "/console/reference/publish", "/console/reference/templates/preview",
                 "/console/reference/templates/sample"):
        assert b.post(path, {"hotline": "1"}).status_code == 403
    shows_nothing_of_a(b.get("/console/reference"))
    shows_nothing_of_a(b.get("/console/reference/templates"))
    assert b.get("/console/reference/documents/templates/letters/1").status_code == 404
    assert open_conflict(storage)["status"] == "open"   # nothing was changed

    refused = {(e["action"], e["target"]) for e in audit(storage, actor="reviewer-b") if e["outcome"] == "refused"}
    assert {("household_view", other), ("conflict_view", conflict["conflict_id"]), ("ledger_export", TOWN_A),
            ("ledger_export", "320115")} <= refused
    searches = [e for e in audit(storage, actor="reviewer-b", action="household_search")]
    assert searches and all(other not in e["households"] for e in searches)


def test_the_full_id_number_is_shown_only_on_an_audited_request(county, client_as):
    storage, ids = county
    a = client_as("reviewer-a")
    full = pid("32011519540312002")
    page = a.get(f"/console/households/{ids['a1']}")
    assert page.status_code == 200 and full not in page.text and "320115********002" in page.text
    member_id = re.search(r'name="member_id" value="([^"]+)"', page.text).group(1)
    shown = a.post(f"/console/households/{ids['a1']}/show-id", {"member_id": member_id})
    assert shown.status_code == 200 and full in shown.text
    entry = audit(storage, actor="reviewer-a", action="show_id_number")[0]
    assert entry["households"] == [ids["a1"]] and entry["detail"] == {"member_id": member_id}


def test_a_disabled_account_cannot_sign_in_and_disabling_ends_open_sessions(county, app, client_as):
    storage, _ = county
    refused = ConsoleClient(app).login("former-staff")
    assert refused.status_code == 401 and "账号或口令不正确，或账号已停用" in refused.text
    assert "fieldapp_console" not in refused.headers.get("set-cookie", "")
    viewer = client_as("county-viewer")
    assert viewer.get("/console/households").status_code == 200
    ConsoleStore(storage).disable_user("county-viewer", "2026-05-13T00:00:00+00:00")
    after = viewer.get("/console/households")
    assert after.status_code == 303 and after.headers["location"].startswith("/console/login")
    assert viewer.post("/console/devices/code", {"role": "office"}, csrf=False).status_code == 401
    reasons = {(e["actor"], e["action"], e["detail"].get("reason")) for e in audit(storage) if e["outcome"] == "refused"}
    assert ("former-staff", "login", "disabled") in reasons and ("county-viewer", "session", "disabled") in reasons


def test_an_expired_session_is_refused(county, client_as):
    storage, _ = county
    admin = client_as("county-admin")
    with storage._tx() as tx:   # the session's 8 hours have passed
        tx.exec("UPDATE console_sessions SET expires_at = %s", ("2026-01-01T00:00:00+00:00",))
    answer = admin.get("/console/devices")
    assert answer.status_code == 303 and answer.headers["location"] == "/console/login?next=/console/devices"
    assert [e["detail"]["reason"] for e in audit(storage, actor="county-admin", action="session")] == ["expired"]


def test_logout_ends_the_session_on_the_server(county, app, client_as):
    admin = client_as("county-admin")
    cookie = admin.http.cookies.get("fieldapp_console")
    assert admin.post("/console/logout").status_code == 303
    replay = ConsoleClient(app)
    replay.http.cookies.set("fieldapp_console", cookie, domain="testserver.local", path="/console")
    replay.http.headers["Cookie"] = f"fieldapp_console={cookie}"
    assert replay.get("/console/households").status_code == 303


def test_every_form_post_without_the_csrf_token_is_refused_and_changes_nothing(county, client_as):
    storage, ids = county
    admin = client_as("county-admin")
    device_count = len(storage.list_devices())
    conflict = open_conflict(storage)
    posts = [("/console/devices/code", {"role": "office", "township": TOWN_A}),
             ("/console/devices/none/revoke", {"confirm": "yes"}),
             (f"/console/conflicts/{conflict['conflict_id']}/resolve", {"take_address": "device"}),
             ("/console/reference/publish", {"kind": "reference", "document": "{}"}),
             ("/console/reference/preview", {"hotline": "12349"}),
             ("/console/reference/templates/preview", {"templates": "{}"}),
             ("/console/reference/templates/sample", {"document": "{}"}),
             ("/console/ledger/download", {"area": TOWN_A}),
             (f"/console/households/{ids['a1']}/show-id", {"member_id": "x"}),
             ("/console/logout", {})]
    for path, data in posts:
        for token in (None, "forged-token"):
            body = dict(data, **({"csrf": token} if token else {}))
            answer = admin.post(path, body, csrf=False)
            assert answer.status_code == 403, (path, answer.status_code)
            assert "页面已过期或来源不明" in answer.text
    assert open_conflict(storage)["status"] == "open" and len(storage.list_devices()) == device_count
    assert not storage.list_documents()
    assert admin.get("/console/households").status_code == 200    # the forged logout did not end the session
    assert len([e for e in audit(storage, actor="county-admin", action="csrf") if e["outcome"] == "refused"]) == 2 * len(posts)


def test_hostile_names_from_the_roster_are_shown_as_text(county, client_as):
    storage, ids = county
    b = client_as("reviewer-b")
    for page in (b.get("/console/households", params={"q": "秣陵"}), b.get(f"/console/households/{ids['hostile']}")):
        assert page.status_code == 200
        assert HOSTILE_NAME not in page.text and "<img src=x" not in page.text and "<b>粗体</b>" not in page.text
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text
        assert page.text.count("<script") == 1   # only the console's own script tag


def test_login_is_throttled_after_repeated_failures(county, app):
    storage, _ = county
    client = ConsoleClient(app)
    for _ in range(5):
        assert client.login("county-admin", "wrong passphrase!").status_code == 401
    blocked = client.login("county-admin")   # even the right passphrase, for a while
    assert blocked.status_code == 429 and "登录失败次数过多" in blocked.text
    reasons = [e["detail"]["reason"] for e in audit(storage, actor="county-admin", action="login")]
    assert reasons == ["throttled"] + ["wrong_passphrase"] * 5


def test_session_cookie_and_page_headers(county, app):
    answer = ConsoleClient(app).login("county-admin")
    cookie = answer.headers["set-cookie"]
    for attribute in ("HttpOnly", "Secure", "SameSite=strict", "Path=/console", "Max-Age=28800"):
        assert attribute in cookie
    page = ConsoleClient(app).get("/console/login")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY" and page.headers["cache-control"] == "no-store"


def test_sign_in_never_redirects_to_another_site(county, app):
    client = ConsoleClient(app)
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example", "/console/../v1/pull"):
        answer = client.http.post("/console/login", data={"name": "county-admin", "passphrase": "x" * 12, "next": target})
        assert "evil" not in answer.text
    ok = client.http.post("/console/login", data={"name": "county-viewer", "passphrase": "江宁 console passphrase 1",
                                                  "next": "https://evil.example/"})
    assert ok.status_code == 303 and ok.headers["location"] == "/console/"


def test_a_county_viewer_only_looks(county, client_as):
    storage, _ = county
    viewer = client_as("county-viewer")
    conflict = open_conflict(storage)
    assert viewer.post(f"/console/conflicts/{conflict['conflict_id']}/resolve", {"take_address": "device"}).status_code == 403
    assert viewer.post("/console/devices/code", {"role": "office", "township": TOWN_B}).status_code == 403
    assert viewer.get("/console/logs").status_code == 200
