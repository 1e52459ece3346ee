"""审核超期 on the laptop by the console's rule: the same households on a real server (its coverage function and
the console's 覆盖情况 page) and on real vaults (a visitor and an office laptop, their coverage page figures and
``fieldapp coverage``) give the same count, and both follow a shorter deadline published by the county."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re

import pytest

from fieldapp.services import Services
from fieldapp.vault import FAST_KDF
from forms.expressions import local_today
from sync.server.admin import add_area, issue_enrollment_code
from sync.server.roster_import import coverage, import_roster
from tests.sync import roster_files as rf
from tests.sync.conftest import RunningServer, make_storage
from tests.sync.test_review_e2e import COUNTY, REFERENCE, TOWNSHIP, VILLAGE, final_visit

PASS = "river-stone-tea-42"
NOW = "2026-05-01T00:00:00+00:00"


@pytest.fixture
def hejiang(backend, tmp_path, request):
    """合江县's server with its reference data giving townships 30 days to review a visit."""
    storage = make_storage(backend, tmp_path, request)
    add_area(storage, COUNTY, "合江县")
    add_area(storage, TOWNSHIP, "福宝镇")
    add_area(storage, VILLAGE, "福宝村", "rural")
    storage.publish_document("reference", "hejiang", dict(REFERENCE, review_deadline_days=30), NOW)
    roster = tmp_path / "花名册.csv"   # one roster household: the campaign exists; the visited ones are 主动发现
    with roster.open("w", encoding="gb18030", newline="") as fh:
        number = rf.make_id("19520101", 201)
        csv.writer(fh).writerows([["户主姓名", "户主身份证号", "成员姓名", "与户主关系", "成员身份证号", "村（社区）代码"],
                                  ["马德福", number, "马德福", "户主", number, VILLAGE]])
    import_roster(storage, roster, campaign="2026年走访", start="2026-01-01")
    running = RunningServer(storage).start()
    yield running
    running.stop()
    storage.close()


def laptop(server, tmp_path, name: str, user: str, role: str) -> Services:
    code = issue_enrollment_code(server.storage, role, TOWNSHIP, [VILLAGE] if role == "visitor" else [], 1)[0]
    svc = Services(tmp_path / name, kdf=FAST_KDF)
    svc.create_vault(user, PASS, server_url=server.url, enrollment_code=code)
    svc.unlock(user, PASS)
    svc.sync()          # the county's reference data (with its review deadline) comes with the first pull
    return svc


def village_of(report: dict) -> dict:
    return next(v for v in report["villages"] if v["code"] == VILLAGE)


def console_total(storage) -> str:
    """The 审核超期 figure of the console's county 覆盖情况 page."""
    from sync.server.app import create_app
    from sync.server.console.store import ConsoleStore
    from tests.console.conftest import ConsoleClient
    from tests.console.seed import NOW as SEED_NOW, PASSPHRASE, passphrase_hash

    store = ConsoleStore(storage)
    if store.get_user("hejiang-admin") is None:
        store.add_user("hejiang-admin", "county_admin", None, passphrase_hash(), SEED_NOW)
    admin = ConsoleClient(create_app(storage))
    assert admin.login("hejiang-admin", PASSPHRASE).status_code == 303
    page = admin.get("/console/coverage").text
    return re.sub(r"<[^>]+>", "", re.search(r"<dt>审核超期</dt><dd>(.*?)</dd>", page, re.S).group(1))


def test_the_laptop_and_the_console_count_the_same_overdue_reviews(hejiang, tmp_path, monkeypatch, capsys):
    today = local_today()
    visitor = laptop(hejiang, tmp_path, "visitor", "李明", "visitor")
    office = laptop(hejiang, tmp_path, "office", "周主任", "office")
    assert visitor.catalog.reference().review_deadline_days == 30

    def days_ago(n: int) -> dict:
        return final_visit(visitor, visit_date=(today - dt.timedelta(days=n)).isoformat())

    approved_60, returned_45 = days_ago(60), days_ago(45)
    for n in (60, 40, 12, 3):                  # awaiting review for 60, 40, 12 and 3 days
        days_ago(n)
    visitor.sync()
    office.sync()
    office.reviews.approve([approved_60["visit_id"]])
    office.reviews.return_visit(returned_45["visit_id"], "缺少户主签名")   # returned: not awaiting review
    visitor.sync()
    office.sync()

    # by hand: awaiting review for more than 30 days are the visits of 60 and 40 days ago
    served = village_of(coverage(hejiang.storage))
    assert (served["review_overdue"], served["reviews"]) == (2, {"submitted": 4, "returned": 1, "approved": 1})
    assert console_total(hejiang.storage) == "2（待审核超过 30 天）"
    for svc in (visitor, office):
        assert village_of(svc.target_coverage().as_dict()) == served          # every figure, the same rule
        page = next(v for v in svc.coverage().villages if v.village_code == VILLAGE)
        assert (page.review_overdue, page.submitted) == (2, 4)
        assert svc.coverage().review_deadline_days == 30

    # the county shortens the deadline to 10 days: the visit of 12 days ago is overdue too, everywhere
    hejiang.storage.publish_document("reference", "hejiang", dict(REFERENCE, review_deadline_days=10),
                                     "2026-06-01T00:00:00+00:00")
    for svc in (visitor, office):
        svc.sync()
    served = village_of(coverage(hejiang.storage))
    assert served["review_overdue"] == 3 and console_total(hejiang.storage) == "3（待审核超过 10 天）"
    for svc in (visitor, office):
        assert village_of(svc.target_coverage().as_dict()) == served
        assert next(v for v in svc.coverage().villages if v.village_code == VILLAGE).review_overdue == 3
        svc.lock()

    from fieldapp.cli import main as fieldapp_main

    monkeypatch.setenv("FIELDAPP_PASSPHRASE", PASS)
    capsys.readouterr()
    assert fieldapp_main(["--data-dir", str(tmp_path / "office"), "coverage", "--user", "周主任"]) == 0
    printed = capsys.readouterr().out
    assert "审核期限 10 天（待审核超过 10 天计为审核超期）" in printed
    assert f"村 {VILLAGE}：" in printed and "，待审核 4，已退回 1，已审核通过 1，审核超期 3" in printed
    assert fieldapp_main(["--data-dir", str(tmp_path / "visitor"), "coverage", "--json", "--user", "李明"]) == 0
    assert village_of(json.loads(capsys.readouterr().out))["review_overdue"] == 3
