"""The console's pages as an office worker uses them: each backed by the server's own functions."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from sync.server.admin import hash_code
from sync.server.cli import main as server_main
from sync.server.console.store import ConsoleStore
from sync.server.storage import Scope
from tests.console.seed import COUNTY, NOW, TOWN_A, TOWN_B, VILLAGE_A1, pid

STANDARDS = {"county_code[]": [COUNTY, COUNTY, ""], "area_type[]": ["urban", "rural", "urban"],
             "effective_from[]": ["2025-07-01", "2025-07-01", ""], "period[]": ["monthly", "annual", "monthly"],
             "amount[]": ["1,060.50", "10800", ""]}
THRESHOLDS = {"reference_id": "江宁区2025", "label_zh": "江宁区2025年7月起标准", "hotline": "025-12349",
              "temp_assistance_multiplier": "3", "county_approval_limit_fen": "20000", "savings_threshold_fen": "50000",
              "utility_threshold_fen": "600", "campaign_name": "2026年四个摸清专项行动", "campaign_start": "2026-04-01",
              "campaign_end": "2026-12-31"}


def publish_reference(admin, **changes) -> dict:
    preview = admin.post("/console/reference/preview", {**STANDARDS, **THRESHOLDS, **changes})
    assert preview.status_code == 200, preview.text[:1500]
    document = re.search(r'name="document" value="([^"]+)"', preview.text).group(1)
    import html
    return {"preview": preview, "answer": admin.post("/console/reference/publish",
                                                      {"kind": "reference", "document": html.unescape(document)})}


def test_reference_data_is_edited_checked_previewed_and_published_as_new_versions(county, client_as):
    storage, _ = county
    admin = client_as("county-admin")
    assert "本县尚未发布参考数据" in admin.get("/console/reference").text
    bad = admin.post("/console/reference/preview", {**STANDARDS, **THRESHOLDS, "amount[]": ["abc", "", ""]})
    assert bad.status_code == 400 and "不是金额" in bad.text
    missing = admin.post("/console/reference/preview", {**THRESHOLDS, **{k: [""] for k in STANDARDS}})
    assert missing.status_code == 400 and "请至少填写一条低保标准" in missing.text and not storage.list_documents()
    wrong = admin.post("/console/reference/preview", {**THRESHOLDS, "county_code[]": [COUNTY, "999999", COUNTY],
                                                       "area_type[]": ["urban", "urban", "urban"],
                                                       "effective_from[]": ["2025-07-01", "2025-07-01", "2025-07-01"],
                                                       "period[]": ["monthly"] * 3, "amount[]": ["1060", "900", "0"]})
    assert wrong.status_code == 400 and not storage.list_documents()
    assert "低保标准第 2 行：县代码“999999”不是本县（应为 320115）" in wrong.text
    assert "低保标准第 3 行与第 1 行重复" in wrong.text and "低保标准第 3 行：请填写大于 0 的金额" in wrong.text
    assert "江宁区有农村村（社区），请填写农村低保标准" in wrong.text
    assert 'value="999999"' in wrong.text                 # what was typed stays in the form
    first = publish_reference(admin)
    assert "每人每月 1060.5 元" in first["preview"].text and "每人每年 10800 元" in first["preview"].text
    assert first["answer"].status_code == 303
    doc = ConsoleStore(storage).latest_document("reference")
    assert doc["version"] == 1 and doc["content"]["dibao_standards"] == [
        {"county_code": COUNTY, "area_type": "urban", "effective_from": "2025-07-01", "monthly_fen": 106050},
        {"county_code": COUNTY, "area_type": "rural", "effective_from": "2025-07-01", "annual_fen": 1080000}]
    assert doc["content"]["savings_threshold_fen"] == 5000000 and "demo" not in doc["content"]
    offices = {t["code"]: t["office"] for c in doc["content"]["areas"] for t in c["townships"]}
    assert offices == {TOWN_A: "东山街道人民政府", TOWN_B: "秣陵街道人民政府"}
    page = admin.get("/console/reference")
    assert 'value="1060.5"' in page.text and "当前发布：第 1 版" in page.text
    publish_reference(admin, hotline="025-52880000")
    versions = [(d["kind"], d["version"]) for d in storage.list_documents()]
    assert versions == [("reference", 1), ("reference", 2)]   # the old version stays
    actions = [e["action"] for e in ConsoleStore(storage).audit_log(actor="county-admin")]
    assert actions.count("document_publish") == 2 and actions.count("reference_preview") == 2


def test_an_enrollment_sheet_enrolls_a_laptop_and_revoking_needs_a_confirmation(county, client_as):
    storage, _ = county
    admin = client_as("county-admin")
    sheet = admin.post("/console/devices/code", {"role": "visitor", "township": TOWN_A, "villages[]": [VILLAGE_A1],
                                                 "label": "东山社区-01", "hours": "48"})
    assert sheet.status_code == 200
    code = re.search(r'class="mono code">([A-Z0-9-]+)<', sheet.text).group(1)
    assert "<svg" in sheet.text and "东山社区-01" in sheet.text and "https://testserver" in sheet.text
    assert re.search(r"([0-9A-F]{4} ){7}[0-9A-F]{4}", sheet.text)   # the server key fingerprint
    registered = storage.redeem_enrollment_code(hash_code(code), {"device_id": "dev-1", "label": "东山社区-01",
                                                                  "signing_key": "k", "sealing_key": "k"}, NOW)
    assert registered["villages"] == [VILLAGE_A1]
    storage.log_read("dev-1", "pull", 0, 5, [{"household_id": "h"}], "2026-05-12T08:00:00+00:00")
    devices = admin.get("/console/devices").text
    assert "东山社区-01" in devices and "2026-05-12 08:00:00" in devices
    assert "确认吊销" in admin.get("/console/devices/dev-1/revoke").text
    assert admin.post("/console/devices/dev-1/revoke", {}).status_code == 400   # not confirmed
    assert storage.get_device("dev-1")["revoked_at"] is None
    assert admin.post("/console/devices/dev-1/revoke", {"confirm": "yes"}).status_code == 303
    assert storage.get_device("dev-1")["revoked_at"] and "已吊销" in admin.get("/console/devices").text
    bad = admin.post("/console/devices/code", {"role": "visitor", "township": TOWN_A, "hours": "48"})
    assert bad.status_code == 400 and "走访电脑必须选择至少一个村（社区）" in bad.text
    actions = {e["action"] for e in ConsoleStore(storage).audit_log(actor="county-admin")}
    assert {"enrollment_code_issue", "device_revoke"} <= actions


def test_a_hard_conflict_is_resolved_field_by_field(county, client_as):
    storage, ids = county
    reviewer = client_as("reviewer-a")
    listing = reviewer.get("/console/conflicts").text
    conflict = storage.list_conflicts(Scope("admin", ""), "open")[0]
    assert conflict["conflict_id"] in listing and "家庭住址" in listing
    page = reviewer.get(f"/console/conflicts/{conflict['conflict_id']}").text
    assert "东山街道上坊路 1 号" in page and "东山街道上坊路 101 号" in page
    assert reviewer.post(f"/console/conflicts/{conflict['conflict_id']}/resolve", {}).status_code == 400
    done = reviewer.post(f"/console/conflicts/{conflict['conflict_id']}/resolve", {"take_address": "device"})
    assert done.status_code == 303
    record = next(r for r in storage.records(Scope("admin", "")) if r["entity_id"] == ids["a2"])
    assert record["fields"]["address"] == "东山街道上坊路 101 号"
    assert storage.list_conflicts(Scope("admin", ""), "open") == []
    history = reviewer.get(f"/console/households/{ids['a2']}").text
    assert "冲突处理" in history and "reviewer-a" in history
    entry = ConsoleStore(storage).audit_log(action="conflict_resolve")[0]
    assert entry["households"] == [ids["a2"]] and entry["detail"]["taken"] == {"address": "device"}


def test_the_ledger_downloads_as_xlsx_and_pdf_for_a_township_and_the_county(county, client_as):
    storage, ids = county
    admin = client_as("county-admin")
    refused = admin.post("/console/ledger/download", {"area": TOWN_A, "format": "xlsx"})
    assert refused.status_code == 400 and "请先在“参考数据”页发布" in refused.text
    publish_reference(admin)
    reviewer = client_as("reviewer-a")
    town = reviewer.post("/console/ledger/download", {"area": TOWN_A, "format": "xlsx"})
    assert town.status_code == 200 and town.headers["content-disposition"].endswith(f'ledger-{TOWN_A}.xlsx"')
    book = load_workbook(io.BytesIO(town.content))
    cells = [str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert "张桂英" in cells and "刘德明" in cells and "陈秀兰" not in cells
    assert pid("32011519540312002") not in cells and "320115********002" + pid("32011519540312002")[-1] in cells
    whole = admin.post("/console/ledger/download", {"area": COUNTY, "format": "pdf"})
    assert whole.status_code == 200 and whole.content.startswith(b"%PDF")
    entries = ConsoleStore(storage).audit_log(action="ledger_export")
    assert entries[0]["target"] == COUNTY and set(entries[0]["households"]) == set(ids.values())
    assert entries[1]["actor"] == "reviewer-a" and set(entries[1]["households"]) == {ids["a1"], ids["a2"]}


def test_logs_show_the_audit_log_and_the_read_log_filtered(county, client_as):
    storage, ids = county
    reviewer = client_as("reviewer-a")
    reviewer.get(f"/console/households/{ids['a1']}")
    storage.log_read("laptop-x", "pull", 0, 9, [{"household_id": ids["a1"]}], NOW)
    admin = client_as("county-admin")
    page = admin.get("/console/logs", params={"household": ids["a1"]}).text
    assert "reviewer-a" in page and "household_view" in page and "login" not in page.split("<tbody>")[1]
    reads = admin.get("/console/logs/reads", params={"household": ids["a1"]}).text
    assert "laptop-x" in reads and "同步下载" in reads
    assert "laptop-x" not in admin.get("/console/logs/reads", params={"household": ids["b1"]}).text


def test_console_user_commands(county, monkeypatch, capsys, tmp_path):
    storage, _ = county
    url = f"sqlite:///{storage.path}"
    monkeypatch.setenv("FIELDAPP_CONSOLE_PASSPHRASE", "short")
    assert server_main(["--database", url, "console-user", "add", "new-reviewer", "--role", "township_reviewer",
                        "--township", TOWN_A]) == 2
    assert "口令至少 12 个字符" in capsys.readouterr().err
    monkeypatch.setenv("FIELDAPP_CONSOLE_PASSPHRASE", "a long enough passphrase")
    assert server_main(["--database", url, "console-user", "add", "x", "--role", "township_reviewer"]) == 2
    assert "必须指定一个已登记的 9 位乡镇代码" in capsys.readouterr().err
    assert server_main(["--database", url, "console-user", "add", "new-reviewer", "--role", "township_reviewer",
                        "--township", TOWN_A]) == 0
    assert server_main(["--database", url, "console-user", "passwd", "new-reviewer"]) == 0
    assert server_main(["--database", url, "console-user", "disable", "new-reviewer"]) == 0
    assert server_main(["--database", url, "console-user", "disable", "nobody"]) == 2
    row = ConsoleStore(storage).get_user("new-reviewer")
    assert row["disabled_at"] and row["password_hash"].startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    actions = [e["action"] for e in ConsoleStore(storage).audit_log() if e["target"] == "new-reviewer"]
    assert actions == ["console_user_disable", "console_user_passwd", "console_user_add"]


def test_household_search_by_full_name_id_number_part_of_a_name_or_address_follows_new_changes(county, client_as):
    storage, ids = county
    admin = client_as("county-admin")

    def found(q):
        page = admin.get("/console/households", params={"q": q}).text
        return set(re.findall(r'href="/console/households/([0-9a-f-]{36})"', page))

    assert found("张桂英") == {ids["a1"]}
    assert found(pid("32011519540312002")) == {ids["a1"]}
    assert found("桂英") == {ids["a1"]} and found("竹山路") == {ids["a1"]}
    assert found("张") == {ids["a1"]} and found("秣陵") == {ids["b1"], ids["hostile"]}
    from tests.console.seed import push_household, member, VILLAGE_B1
    new = push_household(storage, VILLAGE_B1, "秣陵街道新建路 1 号", [member("周建国", pid("32011519660606001"))])
    assert found("周建国") == {new}   # pushed after the first search: the index caught up
    entry = ConsoleStore(storage).audit_log(action="household_search")[0]
    assert entry["target"] == "周建国" and entry["households"] == [new]
