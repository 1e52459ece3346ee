"""覆盖情况, 审核 and 花名册 in the console, over the roster/coverage (issue 14) and review (issue 15) server functions."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from sync.server.console.store import ConsoleStore
from tests.console.seed import HOSTILE_NAME, TOWN_A, TOWN_B, VILLAGE_A1, VILLAGE_B1, pid

pytest.importorskip("sync.server.roster_import", reason="the roster functions of issue 14")
pytest.importorskip("sync.server.review", reason="the review functions of issue 15")

HEADERS = ["户主姓名", "户主身份证号", "成员姓名", "与户主关系", "成员身份证号", "村（社区）代码", "村（社区）",
           "救助类别", "家庭人口", "保障金额", "家庭住址", "联系电话"]
HEAD = pid("32011519580808003")
SPOUSE = pid("32011519600101004")
BAD = pid("32011519710101007")[:17] + ("1" if not pid("32011519710101007").endswith("1") else "2")
HOSTILE_HEAD = pid("32011519700202005")


def roster_csv() -> bytes:
    rows = [HEADERS,
            ["周建华", HEAD, "周建华", "户主", HEAD, VILLAGE_A1, "东山社区", "城市低保A类", 2, "1,800.00", "东山街道竹山路 30 号", ""],
            ["周建华", HEAD, "吴秀梅", "配偶", SPOUSE, VILLAGE_A1, "东山社区", "", "", "", "", ""],
            ["钱不对", BAD, "钱不对", "户主", BAD, VILLAGE_A1, "东山社区", "城市低保B类", 1, "900", "东山街道 1 号", ""],
            [HOSTILE_NAME, HOSTILE_HEAD, HOSTILE_NAME, "户主", HOSTILE_HEAD, VILLAGE_B1, "秣陵社区", "特困（分散供养）", 1, "1200",
             "秣陵街道<b>粗体</b>路 2 号", ""]]
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode("gb18030")


def upload(admin, content: bytes, name: str = "江宁区花名册.csv"):
    return admin.http.post("/console/roster/check", data={"csrf": admin.csrf("/console/roster"),
                                                          "campaign": "2026年四个摸清专项行动", "start": "2026-04-01"},
                           files={"file": (name, content, "text/csv")})


def test_a_roster_is_checked_with_rejected_rows_shown_then_confirmed_and_coverage_follows(county, client_as):
    storage, ids = county
    admin = client_as("county-admin")
    template = admin.get("/console/roster/template")
    assert template.status_code == 200 and load_workbook(io.BytesIO(template.content)).active.max_row >= 1
    assert "尚未导入" in admin.get("/console/roster").text
    checked = upload(admin, roster_csv())
    assert checked.status_code == 200, checked.text[:1500]
    text = checked.text
    assert "试导入结果" in text and "拒收 1 行" in text and "尚未写入" in text
    assert re.search(r'<td class="num">4</td>', text)          # the bad ID number's row, by its row number
    assert HOSTILE_NAME not in text
    assert not storage.roster_campaigns()                       # a dry run writes nothing
    token = re.search(r'name="token" value="([^"]+)"', text).group(1)
    assert admin.post("/console/roster/confirm", {"token": token}).status_code == 303
    assert admin.post("/console/roster/confirm", {"token": token}).status_code == 400   # a token is used once

    county_page = admin.get("/console/coverage")
    assert county_page.status_code == 200 and "<svg" in county_page.text
    assert f"/console/coverage?area={TOWN_A}" in county_page.text and f"/console/coverage?area={TOWN_B}" in county_page.text
    town = admin.get("/console/coverage", params={"area": TOWN_A})
    assert f"/console/coverage?area={VILLAGE_A1}" in town.text
    village = admin.get("/console/coverage", params={"area": VILLAGE_A1})
    assert "周建华" in village.text and "未走访" in village.text and "主动发现" in village.text
    b_village = admin.get("/console/coverage", params={"area": VILLAGE_B1})
    assert HOSTILE_NAME not in b_village.text and "&lt;script&gt;" in b_village.text
    actions = {e["action"] for e in ConsoleStore(storage).audit_log(actor="county-admin")}
    assert {"roster_check", "roster_import", "coverage_view", "roster_template"} <= actions


def test_coverage_of_another_township_is_refused_to_a_township_reviewer(county, client_as):
    storage, _ = county
    admin = client_as("county-admin")
    token = re.search(r'name="token" value="([^"]+)"', upload(admin, roster_csv()).text).group(1)
    admin.post("/console/roster/confirm", {"token": token})
    b = client_as("reviewer-b")
    own = b.get("/console/coverage")
    assert own.status_code == 200 and f"area={VILLAGE_B1}" in own.text and TOWN_A not in own.text
    for area in (TOWN_A, VILLAGE_A1, "320115"):
        answer = b.get("/console/coverage", params={"area": area})
        assert answer.status_code == 404 and "周建华" not in answer.text
    assert b.get("/console/roster").status_code == 403
    assert b.get("/console/roster/template").status_code == 403
    assert upload_as_reviewer_refused(b)
    refused = [e["target"] for e in ConsoleStore(storage).audit_log(actor="reviewer-b", action="coverage_view")
               if e["outcome"] == "refused"]
    assert set(refused) == {TOWN_A, VILLAGE_A1, "320115"}


def upload_as_reviewer_refused(client) -> bool:
    answer = client.http.post("/console/roster/check", data={"csrf": client.csrf()},
                              files={"file": ("x.csv", roster_csv(), "text/csv")})
    return answer.status_code == 403


def test_the_review_queue_approves_in_bulk_and_returns_with_a_comment(county, client_as):
    storage, ids = county
    a = client_as("reviewer-a")
    queue = a.get("/console/review").text
    visit_ids = re.findall(r'name="visit_ids\[\]" value="([^"]+)"', queue)
    assert len(visit_ids) == 2 and "张桂英" in queue and "刘德明" in queue and "陈秀兰" not in queue
    b = client_as("reviewer-b")
    assert b.post("/console/review/approve", {"visit_ids[]": visit_ids}).status_code == 404   # not its township
    assert b.post(f"/console/review/{visit_ids[0]}/return", {"comment": "请核实"}).status_code == 404
    empty = a.post(f"/console/review/{visit_ids[1]}/return", {"comment": " "})
    assert empty.status_code == 400
    assert a.post(f"/console/review/{visit_ids[1]}/return", {"comment": "家庭收入填写有误，请核实养老金"}).status_code == 303
    assert a.post("/console/review/approve", {"visit_ids[]": [visit_ids[0]]}).status_code == 303
    assert "没有待审核的走访记录" in a.get("/console/review").text
    viewer = client_as("county-viewer")
    assert viewer.post("/console/review/approve", {"visit_ids[]": visit_ids}).status_code == 403
    entries = ConsoleStore(storage).audit_log(actor="reviewer-a")
    assert {e["action"] for e in entries} >= {"review_queue_view", "review_approve", "review_return"}
    assert [e["outcome"] for e in ConsoleStore(storage).audit_log(actor="reviewer-b", action="review_approve")] == ["refused"]


def test_the_review_queue_is_paged_oldest_first_and_the_next_page_follows_on(county, client_as, monkeypatch):
    from sync.server.console import pages_campaign

    monkeypatch.setattr(pages_campaign, "REVIEW_PAGE", 1)   # 50 a page in use; 1 here, with the two visits of town A
    a = client_as("reviewer-a")
    first = a.get("/console/review").text
    shown = re.findall(r'name="visit_ids\[\]" value="([^"]+)"', first)
    link = re.search(r'href="(/console/review\?village=&amp;after=\d+)" rel="next">下一页', first)
    assert len(shown) == 1 and link and "回到第一页" not in first
    second = a.get(link.group(1).replace("&amp;", "&")).text
    shown_next = re.findall(r'name="visit_ids\[\]" value="([^"]+)"', second)
    assert len(shown_next) == 1 and shown_next != shown and "下一页" not in second and "回到第一页" in second
    assert "张桂英" in first + second and "刘德明" in first + second
    assert a.post("/console/review/approve", {"visit_ids[]": shown}).status_code == 303
    assert re.findall(r'name="visit_ids\[\]" value="([^"]+)"', a.get("/console/review").text) == shown_next
    assert "没有待审核的走访记录" in a.get("/console/review", params={"after": "999999999"}).text
