"""覆盖情况 of one village: its 户列表 in pages (``COVERAGE_PAGE`` households each) with 上一页/下一页 links that
keep the village and the campaign, the total count, a stable order, and no page of another township's village."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import quote

import pytest

from sync.server.console import pages_campaign
from sync.server.console.store import ConsoleStore
from tests.console.seed import TOWN_A, VILLAGE_A1, VILLAGE_A2, pid

pytest.importorskip("sync.server.roster_import", reason="the roster functions of issue 14")

CAMPAIGN = "2026年四个摸清专项行动"
HEADERS = ["户主姓名", "户主身份证号", "成员姓名", "与户主关系", "成员身份证号", "村（社区）代码", "村（社区）",
           "救助类别", "家庭人口", "保障金额", "家庭住址", "联系电话"]
NAMES = [f"{surname}{given}" for surname in "周吴郑王" for given in "甲乙丙丁戊己庚辛壬癸"][:23]
LIST_ROW = re.compile(r'<tr><td><a href="/console/households/([0-9a-f-]{36})">([^<]*)</a></td><td>([^<]*)</td>\s*<td>([^<]*)</td>')


def roster(names: list[str]) -> bytes:
    rows = [HEADERS]
    for i, name in enumerate(names):
        head = pid(f"32011519610203{i:03d}")
        rows.append([name, head, name, "户主", head, VILLAGE_A1, "东山社区", "城市低保A类", 1, "900.00",
                     f"东山街道竹山路 {100 + i} 号", ""])
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode("utf-8")


def imported(admin, names: list[str]) -> None:
    checked = admin.http.post("/console/roster/check", data={"csrf": admin.csrf("/console/roster"), "campaign": CAMPAIGN,
                                                            "start": "2026-04-01"},
                              files={"file": ("东山社区花名册.csv", roster(names), "text/csv")})
    assert checked.status_code == 200, checked.text[:1000]
    token = re.search(r'name="token" value="([^"]+)"', checked.text).group(1)
    assert admin.post("/console/roster/confirm", {"token": token}).status_code == 303


def listed(html: str) -> list[tuple[str, str, str, str]]:
    """(household id, head, address, state) of each row of the page's 户列表."""
    return LIST_ROW.findall(html.split('<h2 id="households">户列表</h2>', 1)[1]) if "户列表" in html else []


def link(html: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}">', html)
    return found.group(1).replace("&amp;", "&") if found else None


@pytest.mark.parametrize("county", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_a_village_lists_its_households_page_by_page_with_links_that_keep_the_village_and_campaign(
        county, client_as, monkeypatch):
    storage, ids = county
    monkeypatch.setattr(pages_campaign, "COVERAGE_PAGE", 10)
    admin = client_as("county-admin")
    imported(admin, NAMES)   # 23 target households, not visited; the seeded 张桂英 was visited off the roster (主动发现)
    first = admin.get("/console/coverage", params={"area": VILLAGE_A1})
    assert first.status_code == 200
    assert "共 24 户，第 1 / 3 页（每页 10 户）" in first.text
    assert link(first.text, "prev") is None
    seen, page, html = [], 1, first.text
    while True:
        rows = listed(html)
        assert len(rows) == (10 if page < 3 else 4), (page, rows)
        seen += rows
        following = link(html, "next")
        if page == 3:
            assert following is None and link(html, "prev") == (
                f"/console/coverage?area={VILLAGE_A1}&campaign={quote(CAMPAIGN, safe='')}&page=2#households")
            break
        assert following == f"/console/coverage?area={VILLAGE_A1}&campaign={quote(CAMPAIGN, safe='')}&page={page + 1}#households"
        page += 1
        answer = admin.get(following.split("#")[0])
        assert answer.status_code == 200 and f"第 {page} / 3 页" in answer.text
        html = answer.text
    assert len({r[0] for r in seen}) == 24                                   # every household once, none twice
    assert {r[1] for r in seen} == set(NAMES) | {"张桂英"}
    assert next(r for r in seen if r[1] == "张桂英")[2] == "东山街道竹山路 12 号"    # the address column stays
    assert {r[3] for r in seen} == {"未走访", "主动发现"}
    states = [r[3] for r in seen]
    assert states == sorted(states)                                           # grouped by state across the pages
    again = [r for n in (1, 2, 3) for r in listed(admin.get("/console/coverage", params={"area": VILLAGE_A1, "page": n}).text)]
    assert again == seen                                                      # the same order on every request
    assert listed(admin.get("/console/coverage", params={"area": VILLAGE_A1, "page": "99"}).text) == seen[20:]
    assert listed(admin.get("/console/coverage", params={"area": VILLAGE_A1, "page": "二"}).text) == seen[:10]
    assert listed(admin.get("/console/coverage", params={"area": VILLAGE_A1, "page": "²"}).text) == seen[:10]
    views = [e for e in ConsoleStore(storage).audit_log(actor="county-admin", action="coverage_view")
             if e["target"] == VILLAGE_A1]
    assert sorted(views[-1]["households"]) == sorted(r[0] for r in seen[:10])   # the oldest entry: page 1's ten
    other = admin.get("/console/coverage", params={"area": VILLAGE_A2})
    assert "共 1 户" in other.text and link(other.text, "next") is None and "第 1 / 1 页" not in other.text


@pytest.mark.parametrize("county", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_a_township_reviewer_pages_its_own_village_but_never_another_townships(county, client_as, monkeypatch):
    storage, _ = county
    monkeypatch.setattr(pages_campaign, "COVERAGE_PAGE", 10)
    imported(client_as("county-admin"), NAMES)
    a = client_as("reviewer-a")
    own = a.get("/console/coverage", params={"area": VILLAGE_A1, "campaign": CAMPAIGN, "page": "2"})
    assert own.status_code == 200 and len(listed(own.text)) == 10 and "第 2 / 3 页" in own.text
    b = client_as("reviewer-b")
    for params in ({"area": VILLAGE_A1, "campaign": CAMPAIGN, "page": "2"}, {"area": VILLAGE_A1, "page": "3"},
                   {"area": TOWN_A, "page": "2"}):
        answer = b.get("/console/coverage", params=params)
        assert answer.status_code == 404, params
        assert not any(name in answer.text for name in NAMES) and "竹山路" not in answer.text
    refused = [e for e in ConsoleStore(storage).audit_log(actor="reviewer-b", action="coverage_view") if e["outcome"] == "refused"]
    assert [e["target"] for e in refused] == [TOWN_A, VILLAGE_A1, VILLAGE_A1] and all(not e["households"] for e in refused)
