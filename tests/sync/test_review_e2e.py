"""Review end to end: a real server on 127.0.0.1, a visitor laptop and an office laptop (real SQLCipher
vaults through the app's Services), a non-demo county; online and through USB bundle round trips."""

from __future__ import annotations

import json
import uuid

import pytest

from fieldapp import syncing
from fieldapp.services import Services
from fieldapp.services_review import LetterNeedsApproval
from fieldapp.vault import FAST_KDF
from forms.reference import reference_from_dict
from sync.server import review
from sync.server.admin import add_area, issue_enrollment_code
from sync.server.bundles import import_directory
from tests.sync.conftest import RunningServer

PASS = "river-stone-tea-42"
COUNTY, TOWNSHIP, VILLAGE = "510522", "510522101", "510522101201"
REFERENCE = {
    "reference_id": "hejiang-2026", "label": {"zh": "合江县 2026 年标准", "en": "Hejiang 2026"},
    "dibao_standards": [{"county_code": COUNTY, "area_type": "rural", "effective_from": "2025-07-01",
                         "annual_fen": 620000},
                        {"county_code": COUNTY, "area_type": "urban", "effective_from": "2025-07-01",
                         "monthly_fen": 74000}],
    "temp_assistance_multiplier": 3, "county_approval_limit_fen": 2000000, "savings_threshold_fen": 4000000,
    "utility_threshold_fen": 50000, "hotline": "12349", "letters_require_approval": True,
    "areas": [{"code": COUNTY, "name": "合江县", "office": "合江县民政局",
               "townships": [{"code": TOWNSHIP, "name": "福宝镇", "office": "福宝镇人民政府",
                              "villages": [{"code": VILLAGE, "name": "福宝村", "area_type": "rural"}]}]}],
}


@pytest.fixture
def county(storage):
    add_area(storage, COUNTY, "合江县")
    add_area(storage, TOWNSHIP, "福宝镇")
    add_area(storage, VILLAGE, "福宝村", "rural")
    storage.publish_document("reference", "hejiang", REFERENCE, "2026-05-01T00:00:00+00:00")
    # the county's letter templates (the laptops print with what they pulled: a non-demo county has no built-in set)
    from tests.publishkit import DEMO_TEMPLATES, as_json
    storage.publish_document("templates", "letters", as_json(DEMO_TEMPLATES), "2026-05-01T00:00:00+00:00")
    running = RunningServer(storage).start()
    yield running
    running.stop()


@pytest.fixture
def laptops(county, tmp_path):
    made = []

    def make(name: str, user: str, role: str = "visitor", online: bool = True) -> Services:
        code = issue_enrollment_code(county.storage, role, TOWNSHIP, [VILLAGE] if role == "visitor" else [], 1)[0]
        svc = Services(tmp_path / name, kdf=FAST_KDF)
        svc.create_vault(user, PASS, server_url=county.url if online else "", enrollment_code=code if online else "")
        svc.unlock(user, PASS)
        if not online:   # a USB-only laptop: enrolled once at the office, then never online again
            syncing.enroll(svc.vault, county.url, code)
        # the county's published reference data (issue 13 loads it from the pulled document)
        svc._reference = reference_from_dict(REFERENCE, "hejiang")
        made.append(svc)
        return svc

    yield make
    for svc in made:
        if svc.is_unlocked():
            svc.lock()


def final_visit(svc: Services, household_id: str | None = None, wages_fen: int = 80000,
                visit_date: str = "2026-05-12") -> dict:
    form = svc.form()
    answers = dict(form.new_answers())
    answers.update({
        "visit_date": visit_date, "visit_time": "09:30", "visitors": ["李明", "赵红"], "representative": "王芳",
        "village_code": VILLAGE, "area_type": "rural", "address": "福宝村三组12号", "hukou_type": "agricultural",
        "phone": "13800000000", "categories": ["dibao_a"], "registered_poverty": "no", "housing_type": "owned",
        "assets_meet_rules": "yes", "last_verified": visit_date,
        "members": [{"member_id": str(uuid.uuid4()), "name": "王芳", "id_number": "11010519491231002X",
                     "relation": "head", "ethnicity": "汉族", "marital_status": "widowed", "health": "chronic",
                     "labour_capacity": "none", "employment": "unable", "schooling": "not_in_school",
                     "self_care": "full", "has_income_source": "yes", "staff_relative": "no",
                     "disability_category": "none"}],
        "incomes": [{"source": "wages", "amount_fen": wages_fen}]})
    visit = svc._envelope(household_id or str(uuid.uuid4()), str(uuid.uuid4()), "draft", answers)
    svc.save_visit(visit, final=True)
    return svc.get_visit(visit["visit_id"])


def review_story(visitor: Services, office: Services, county, tmp_path, carry) -> None:
    """The whole story; *carry(svc)* moves the visitor's data to the server and back (sync or USB)."""
    first = final_visit(visitor)
    hid, vid = first["household_id"], first["visit_id"]
    carry(visitor)
    office.sync()
    queued = office.reviews.queue()
    assert [q["visit_id"] for q in queued] == [vid]
    assert queued[0]["suggestions"] and queued[0]["head_name"] == "王芳"     # the rules' suggestions beside it

    # the county prints letters only after approval: refused with the reason, nothing printed
    with pytest.raises(LetterNeedsApproval) as refused:
        office.print_household("visit_result", hid, tmp_path / "early.pdf")
    assert "审核通过" in refused.value.message_zh and not (tmp_path / "early.pdf").exists()

    office.reviews.return_visit(vid, "工资收入应填税后金额，请核实后修改", {"incomes": "核实工资：应为税后每月金额"})
    carry(visitor)
    back = visitor.reviews.returned()
    assert [(r.visit_id, r.comment) for r in back] == [(vid, "工资收入应填税后金额，请核实后修改")]
    assert back[0].comments_for("incomes") == ["核实工资：应为税后每月金额"]
    assert visitor.reviews.state(visitor.get_visit(vid)) == "returned"

    # the amendment is a new visit linked to the returned one; 完成走访 sends it back for review
    amendment = visitor.reviews.amend(visitor.get_visit(vid))
    assert visitor.reviews.return_of(amendment["visit_id"]).visit_id == vid     # the editor shows the comment
    amendment["answers"]["incomes"] = [{"source": "wages", "amount_fen": 65000}]
    visitor.save_visit(amendment, final=True)
    assert visitor.reviews.returned() == []            # fixed: off the top of the list
    carry(visitor)
    office.sync()
    queued = office.reviews.queue()
    assert [(q["visit_id"], q["amends"]) for q in queued] == [(amendment["visit_id"], vid)]
    result = office.reviews.approve([q["visit_id"] for q in queued])
    assert [e["visit_id"] for e in result["approved"]] == [amendment["visit_id"]]

    printed = office.print_household("visit_result", hid, tmp_path / "letter.pdf")
    assert printed.pages >= 1 and (tmp_path / "letter.pdf").read_bytes().startswith(b"%PDF")
    carry(visitor)

    # the histories on both laptops and the server agree
    def summary(svc):
        return [(h["visit"]["visit_id"], h["review_state"], h["amends"], h["amended_by"],
                 [e["event_id"] for e in h["review_events"]]) for h in svc.reviews.history(hid)]

    on_visitor, on_office = summary(visitor), summary(office)
    assert on_visitor == on_office
    assert {v: s for v, s, *_ in on_visitor} == {vid: "returned", amendment["visit_id"]: "approved"}
    county_view = review.county_reviewer(COUNTY)
    server_side = {v: review.history(county.storage, county_view, v) for v in (vid, amendment["visit_id"])}
    assert server_side[vid]["amended_by"] == [amendment["visit_id"]] and server_side[vid]["state"] == "returned"
    assert {v: [e["event_id"] for e in h["events"]] for v, h in server_side.items()} == \
        {v: events for v, _, _, _, events in on_visitor}
    # every review action is in the laptops' audit logs
    for svc in (visitor, office):
        actions = [e["action"] for e in svc.vault.audit_entries(limit=500)]
        assert "review_returned" in actions and "review_approved" in actions


def test_return_amend_approve_print_online(laptops, county, tmp_path):
    visitor, office = laptops("visitor", "李明"), laptops("office", "周主任", role="office")
    review_story(visitor, office, county, tmp_path, lambda svc: svc.sync())


def test_return_amend_approve_through_usb_bundles(laptops, county, tmp_path):
    visitor, office = laptops("visitor", "李明", online=False), laptops("office", "周主任", role="office")
    stick = tmp_path / "usb"

    def usb_round_trip(svc):
        bundle, _ = syncing.export_bundle(svc.vault, stick / "out")
        results = import_directory(county.storage, county.keys, stick / "out", stick / "receipts")
        assert {r["status"] for r in results} <= {"imported", "duplicate"}
        receipt = next(p for p in (stick / "receipts").iterdir() if bundle.stem.split("-")[-1] in p.name)
        syncing.import_receipt(svc.vault, receipt)
        for path in (stick / "out").iterdir():
            path.unlink()
        for path in (stick / "receipts").iterdir():
            path.unlink()

    review_story(visitor, office, county, tmp_path, usb_round_trip)


def test_coverage_counts_and_ledger_states_follow_the_review(laptops, county, tmp_path, capsys):
    import csv

    from sync.server import cli as server_cli
    from sync.server.roster_import import coverage, import_roster
    from tests.sync import roster_files as rf

    roster = tmp_path / "花名册.csv"    # one roster household: the campaign exists, the two visited ones are 主动发现
    with roster.open("w", encoding="gb18030", newline="") as fh:
        number = rf.make_id("19520101", 201)
        csv.writer(fh).writerows([["户主姓名", "户主身份证号", "成员姓名", "与户主关系", "成员身份证号", "村（社区）代码"],
                                  ["马德福", number, "马德福", "户主", number, VILLAGE]])
    import_roster(county.storage, roster, campaign="2026年走访", start="2026-04-01")
    visitor, office = laptops("visitor", "李明"), laptops("office", "周主任", role="office")
    a, b = final_visit(visitor), final_visit(visitor)
    visitor.sync()
    office.sync()
    office.reviews.approve([a["visit_id"]])
    office.reviews.return_visit(b["visit_id"], "缺少户主签名")
    visitor.sync()
    office.sync()
    for svc in (visitor, office):
        assert svc.reviews.counts_by_village() == {VILLAGE: {"submitted": 0, "approved": 1, "returned": 1}}
        assert svc.reviews.ledger_states() == {a["visit_id"]: "approved", b["visit_id"]: "returned"}
    # coverage shows the review state at every level, the same figures on the server and on both laptops
    served = coverage(county.storage)
    want = {"submitted": 0, "returned": 1, "approved": 1}
    for level in ("villages", "townships", "counties"):
        assert [c["reviews"] for c in served[level]] == [want]
    for svc in (visitor, office):
        mine = svc.target_coverage().as_dict()
        assert [c["reviews"] for c in mine["villages"]] == [c["reviews"] for c in served["villages"]]
        assert [c["reviews"] for c in mine["townships"]] == [c["reviews"] for c in served["townships"]]
        village = next(v for v in svc.coverage().villages if v.village_code == VILLAGE)
        assert (village.submitted, village.returned, village.approved) == (0, 1, 1)
    assert [c["reviews"] for c in coverage(county.storage, area=VILLAGE)["villages"]] == [want]
    # a batch of letters leaves out (and counts) the household whose visit is not approved
    batch = office.print_batch("visit_result", [a["household_id"], b["household_id"]], None)
    assert batch.not_approved == 1 and [d.household_id for d in batch.render.documents] == [a["household_id"]]
    with pytest.raises(LetterNeedsApproval):
        office.print_batch("referral", [b["household_id"]], None)
    final_visit(visitor, household_id=a["household_id"])     # a later visit of the same household: 待审核 again
    assert visitor.reviews.counts_by_village()[VILLAGE] == {"submitted": 1, "approved": 0, "returned": 1}
    # a new visit (not started as an amendment) of the returned household also clears the return
    fresh = visitor.reviews.link_if_returned(visitor.new_visit(visitor.vault.get_household(b["household_id"])))
    assert fresh["amends"] == b["visit_id"]
    fresh["answers"].update({k: v for k, v in b["answers"].items() if k in ("visit_date", "visitors", "members")})
    visitor.save_visit(fresh, final=True)
    assert visitor.reviews.returned() == []


def test_fieldapp_review_commands_on_both_laptops(laptops, county, tmp_path, monkeypatch, capsys):
    from fieldapp.cli import main

    visitor, office = laptops("visitor", "李明"), laptops("office", "周主任", role="office")
    visit = final_visit(visitor)
    visitor.sync()
    visitor.lock()
    office.sync()
    office.lock()
    monkeypatch.setenv("FIELDAPP_PASSPHRASE", PASS)
    as_office = ["--data-dir", str(tmp_path / "office")]
    as_visitor = ["--data-dir", str(tmp_path / "visitor")]
    assert main(as_office[:2] + ["review", "queue", "--user", "周主任"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["visit_id"] == visit["visit_id"]
    assert main(as_office[:2] + ["review", "return", visit["visit_id"], "--comment", "缺少户主签名",
                                  "--field", "members=请补户主签名", "--user", "周主任"]) == 0
    capsys.readouterr()
    assert main(as_visitor + ["review", "approve", visit["visit_id"], "--user", "李明"]) == 2   # a visitor may not
    assert "REVIEW_NOT_ALLOWED" in capsys.readouterr().err
    assert main(as_visitor + ["sync", "--user", "李明"]) == 0
    capsys.readouterr()
    assert main(as_visitor + ["review", "returned", "--user", "李明"]) == 0
    out = capsys.readouterr().out
    assert visit["visit_id"] in out and "缺少户主签名" in out and "请补户主签名" in out
