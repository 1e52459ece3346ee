"""审核超期 on the coverage page: visits awaiting review (待审核) longer than the county's review deadline
(``review_deadline_days`` in its published reference data), at county, township and village level."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from forms.expressions import local_today

from sync.server.storage import Scope
from tests.console.seed import TOWN_A, TOWN_B, VILLAGE_A1, VILLAGE_A2, VILLAGE_B1, member, pid, push_household

pytest.importorskip("sync.server.roster_import", reason="the roster functions of issue 14")
pytest.importorskip("sync.server.review", reason="the review functions of issue 15")

SEEDED_VISIT = dt.date(2026, 5, 12)   # the visit date of every household of tests/console/seed.py


def publish_reference(storage, deadline_days: int | None) -> None:
    from sync.server.console.reference_form import skeleton

    doc = skeleton(storage.list_areas())
    doc.update(reference_id="江宁区2026", hotline="025-12349", savings_threshold_fen=5000000, utility_threshold_fen=60000,
               dibao_standards=[{"county_code": "320115", "area_type": a, "effective_from": "2025-07-01",
                                 "monthly_fen": 106000} for a in ("urban", "rural")])
    if deadline_days is not None:
        doc["review_deadline_days"] = deadline_days
    storage.publish_document("reference", "reference", doc, "2026-05-01T00:00:00+00:00")


def overdue_cells(html: str) -> dict[str, str]:
    """Area code → the 审核超期 cell of its row in the coverage table."""
    out = {}
    for code, cells in re.findall(r'<tr><td><a href="/console/coverage\?area=(\d+)[^"]*">.*?</a></td>(.*?)</tr>', html, re.S):
        out[code] = re.search(r'<td class="num overdue">([^<]*)</td>', cells).group(1)
    return out


def total_overdue(html: str) -> str:
    return re.search(r"<dt>审核超期</dt><dd>(.*?)</dd>", html, re.S).group(1)


def test_overdue_reviews_at_every_level_follow_the_deadline_and_the_reviews(county, client_as):
    from tests.console.test_campaign import roster_csv, upload

    storage, ids = county
    admin = client_as("county-admin")
    token = re.search(r'name="token" value="([^"]+)"', upload(admin, roster_csv()).text).group(1)
    assert admin.post("/console/roster/confirm", {"token": token}).status_code == 303
    assert "县参考数据未设定审核期限" in total_overdue(admin.get("/console/coverage").text)   # no deadline: none counted

    today = local_today()
    deadline = max(1, (today - SEEDED_VISIT).days - 1)      # every seeded visit is past it
    publish_reference(storage, deadline)
    push_household(storage, VILLAGE_A1, "东山街道竹山路 40 号", [member("孙立新", pid("32011519770101006"))],
                   visit_date=today.isoformat())            # finished today: awaiting review, not overdue
    a = client_as("reviewer-a")
    visit_ids = re.findall(r'name="visit_ids\[\]" value="([^"]+)"', a.get("/console/review").text)
    assert len(visit_ids) == 3
    a1_visit = next(r["entity_id"] for r in storage.records(Scope("admin", ""))
                    if r["entity"] == "visit" and r["household_id"] == ids["a1"])
    assert a1_visit in visit_ids
    assert a.post("/console/review/approve", {"visit_ids[]": [a1_visit]}).status_code == 303   # 张桂英's: approved

    county_page = admin.get("/console/coverage").text
    assert f"<strong>3</strong>（待审核超过 {deadline} 天）" in total_overdue(county_page)   # a2, b1 and the hostile one
    assert overdue_cells(county_page) == {TOWN_A: "1", TOWN_B: "2"}
    assert overdue_cells(admin.get("/console/coverage", params={"area": TOWN_A}).text) == {VILLAGE_A1: "0", VILLAGE_A2: "1"}
    village = admin.get("/console/coverage", params={"area": VILLAGE_A1}).text
    assert overdue_cells(village) == {VILLAGE_A1: "0"} and "<strong>0</strong>" in total_overdue(village)
    b = client_as("reviewer-b")   # a township reviewer sees its own township's figure only
    own = b.get("/console/coverage").text
    assert overdue_cells(own) == {VILLAGE_B1: "2"} and "<strong>2</strong>" in total_overdue(own)


def test_the_rule_in_forms():
    from forms.coverage import review_deadline_days, review_overdue
    from forms.reference import ReferenceDataError, reference_from_dict

    today = dt.date(2026, 6, 30)
    assert review_overdue("submitted", "2026-06-15", today, 14) and not review_overdue("submitted", "2026-06-16", today, 14)
    assert not review_overdue("approved", "2026-01-01", today, 14) and not review_overdue("returned", "2026-01-01", today, 14)
    assert not review_overdue("submitted", "2026-01-01", today, None) and not review_overdue("submitted", "", today, 14)
    assert review_deadline_days({"review_deadline_days": 10}) == 10
    assert review_deadline_days({}) is None and review_deadline_days(None) is None
    assert review_deadline_days({"review_deadline_days": True}) is None
    with pytest.raises(ReferenceDataError) as caught:
        reference_from_dict({"review_deadline_days": 0})
    assert any("review_deadline_days" in p for p in caught.value.problems)


def test_the_review_deadline_is_edited_on_the_reference_form_and_the_overdue_counts_follow_it(county, client_as):
    """审核期限 on the 参考数据 form: checked, previewed, published as a new version; 审核超期 follows it."""
    from forms.expressions import local_today
    from sync.server.console.store import ConsoleStore
    from tests.console.test_campaign import roster_csv, upload
    from tests.console.test_pages import STANDARDS, THRESHOLDS, publish_reference as publish_by_form

    storage, _ = county
    admin = client_as("county-admin")
    token = re.search(r'name="token" value="([^"]+)"', upload(admin, roster_csv()).text).group(1)
    assert admin.post("/console/roster/confirm", {"token": token}).status_code == 303
    recent = (local_today() - dt.timedelta(days=20)).isoformat()
    push_household(storage, VILLAGE_A1, "东山街道竹山路 41 号", [member("孙立群", pid("32011519770101007"))],
                   visit_date=recent)                       # awaiting review for 20 days
    assert 'name="review_deadline_days" value=""' in admin.get("/console/reference").text

    for typed in ("0", "366", "abc", "1.5", "-3"):
        refused = admin.post("/console/reference/preview", {**STANDARDS, **THRESHOLDS, "review_deadline_days": typed})
        assert refused.status_code == 400, typed
        assert "审核期限（天）" in refused.text and "应为 1 至 365 之间的整数天数" in refused.text
        assert f'name="review_deadline_days" value="{typed}"' in refused.text   # what was typed stays
    assert not storage.list_documents()

    first = publish_by_form(admin, review_deadline_days="30")
    assert "审核期限 30 天" in first["preview"].text and first["answer"].status_code == 303
    long_deadline = admin.get("/console/coverage").text
    assert "（待审核超过 30 天）" in total_overdue(long_deadline)
    assert overdue_cells(long_deadline) == {TOWN_A: "2", TOWN_B: "2"}    # the seeded visits of May, not the recent one

    shorter = publish_by_form(admin, review_deadline_days="１０")          # full-width digits from an IME
    assert "review_deadline_days" in shorter["preview"].text and "审核期限 10 天" in shorter["preview"].text
    short_deadline = admin.get("/console/coverage").text
    assert "<strong>5</strong>（待审核超过 10 天）" in total_overdue(short_deadline)
    assert overdue_cells(short_deadline) == {TOWN_A: "3", TOWN_B: "2"}
    assert overdue_cells(admin.get("/console/coverage", params={"area": TOWN_A}).text) == {VILLAGE_A1: "2",
                                                                                             VILLAGE_A2: "1"}
    store = ConsoleStore(storage)
    assert store.latest_document("reference")["content"]["review_deadline_days"] == 10
    assert [d["version"] for d in storage.list_documents() if d["kind"] == "reference"] == [1, 2]   # the old one stays
    assert store.document_version("reference", "reference", 1)["content"]["review_deadline_days"] == 30
    assert 'name="review_deadline_days" value="10"' in admin.get("/console/reference").text

    publish_by_form(admin, review_deadline_days="")                       # left blank: no deadline any more
    assert "review_deadline_days" not in store.latest_document("reference")["content"]
    assert "县参考数据未设定审核期限" in total_overdue(admin.get("/console/coverage").text)
