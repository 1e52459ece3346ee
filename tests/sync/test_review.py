"""Review (审核) on the real server, both backends: states, events kept, who may review, pull, CLI."""

from __future__ import annotations

import json
import uuid

import pytest

from sync import errors
from sync.review import review_state
from sync.server import review
from sync.server.cli import main as server_main
from sync.server.storage import Scope
from tests.sync.conftest import OTHER_TOWNSHIP, OTHER_VILLAGE, TOWNSHIP, VILLAGE_A, VILLAGE_B

ANSWERS = {"visit_date": "2026-05-12", "village_code": VILLAGE_A, "address": "东村1号", "visitors": ["李明", "赵红"],
           "members": [{"member_id": "m-1", "name": "王芳", "relation": "head", "id_number": None}]}


def push_visit(laptop, status="final", village=VILLAGE_A, household_id=None, **extra) -> str:
    """A visit record pushed by *laptop* (its own push, as a real laptop would); returns the visit id."""
    hid, vid = household_id or str(uuid.uuid4()), str(uuid.uuid4())
    fields = {"household_id": hid, "form_id": "four_clarifications", "form_version": 1, "status": status,
              "answers": {**ANSWERS, "village_code": village}, **extra}
    laptop.store.edit("visit", vid, hid, village, fields)
    laptop.client.push()
    return vid


def office_of(server, township=TOWNSHIP):
    return server.laptop(role="office", township=township)


def test_return_then_amend_then_approve_keeps_every_step(server):
    visitor, office = server.laptop(), office_of(server)
    vid = push_visit(visitor)
    assert [q["visit_id"] for q in office.client.review_queue()] == [vid]
    returned = office.client.return_visit(vid, "家庭收入填写有误，请核实工资收入", {"incomes": "工资收入应为税后金额"}, "王主任")
    assert (returned["action"], returned["reviewer_name"], returned["township_code"]) == ("returned", "王主任", TOWNSHIP)
    assert office.client.review_queue() == []                                 # returned: no longer waiting
    # the visitor's laptop receives the return on its next sync
    report = visitor.client.sync()
    assert [e["action"] for e in report.reviews] == ["returned"]
    assert visitor.store.reviews[returned["event_id"]]["field_comments"] == {"incomes": "工资收入应为税后金额"}
    amendment = push_visit(visitor, household_id=visitor.store.records[("visit", vid)]["household_id"], amends=vid)
    queue = office.client.review_queue()
    assert [(q["visit_id"], q["amends"]) for q in queue] == [(amendment, vid)]
    approved = office.client.approve([amendment], "王主任")
    assert [e["visit_id"] for e in approved["approved"]] == [amendment] and approved["skipped"] == []
    old, new = office.client.review_history(vid), visitor.client.review_history(amendment)
    assert (old["state_zh"], old["amended_by"]) == ("已退回", [amendment])
    assert old["submitted"][0]["device_id"] == visitor.store.get_sync_state("device_id")   # who submitted, when
    assert old["submitted"][0]["at"]
    assert (new["state"], new["amends"], [e["action"] for e in new["events"]]) == ("approved", vid, ["approved"])
    # nothing was overwritten: both events are still on the server, in order
    events = server.storage.reviews.events_of([vid, amendment])
    assert [(e["visit_id"], e["action"]) for e in events] == [(vid, "returned"), (amendment, "approved")]
    assert review_state(events[:1]) == "returned"


def test_bulk_approval_skips_visits_no_longer_waiting(server):
    visitor, office = server.laptop(villages=(VILLAGE_A, VILLAGE_B)), office_of(server)
    a, b = push_visit(visitor), push_visit(visitor, village=VILLAGE_B)
    draft = push_visit(visitor, status="draft")
    office.client.approve([a])
    result = office.client.approve([a, b, draft])
    assert [e["visit_id"] for e in result["approved"]] == [b]
    assert {s["visit_id"] for s in result["skipped"]} == {a, draft}
    assert {s["code"] for s in result["skipped"]} == {"REVIEW_NOT_PENDING"}
    with pytest.raises(errors.ReviewNotPending):          # a single approval of a reviewed visit is an error
        office.client.approve([a])


def test_queue_filters_by_village_and_shows_suggestions_and_problems(server):
    visitor, office = server.laptop(villages=(VILLAGE_A, VILLAGE_B)), office_of(server)
    push_visit(visitor)
    b = push_visit(visitor, village=VILLAGE_B)
    queue = office.client.review_queue(VILLAGE_B)
    assert [q["visit_id"] for q in queue] == [b]
    item = queue[0]
    assert item["head_name"] == "王芳" and item["visitors"] == ["李明", "赵红"]
    # no reference data published by the county yet: said plainly instead of empty suggestions
    assert item["suggestions"] == [] and "尚未发布参考数据" in item["suggestions_note"]
    # the form check's findings about the visit itself (this one lacks 城乡类别), not about its envelope
    paths = {p["path"] for p in item["problems"]}
    assert "area_type" in paths and not paths & {"format", "format_version"}
    assert any(p["message_zh"] == "“城乡类别”必须填写" for p in item["problems"])


def test_return_needs_a_comment(server):
    visitor, office = server.laptop(), office_of(server)
    vid = push_visit(visitor)
    for comment, fields in (("", {}), ("   ", {}), ("请核实", {"incomes": " "})):
        with pytest.raises(errors.ReviewCommentRequired) as err:
            office.client.return_visit(vid, comment, fields)
        assert "退回意见" in err.value.message_zh
    assert server.storage.reviews.events_of([vid]) == []


def test_who_may_not_review_is_refused_with_coded_errors_and_nothing_changes(server):
    visitor, office, other_office = server.laptop(), office_of(server), office_of(server, OTHER_TOWNSHIP)
    revoked = office_of(server)
    vid = push_visit(visitor)
    server.storage.revoke_device(revoked.store.get_sync_state("device_id"), "2026-05-12T08:00:00+00:00")
    refusals = [
        (visitor, lambda c: c.approve([vid]), errors.ReviewNotAllowed),
        (visitor, lambda c: c.return_visit(vid, "请补签名"), errors.ReviewNotAllowed),
        (visitor, lambda c: c.review_queue(), errors.ReviewNotAllowed),
        (other_office, lambda c: c.approve([vid]), errors.OutsideArea),
        (other_office, lambda c: c.return_visit(vid, "请补签名"), errors.OutsideArea),
        (other_office, lambda c: c.review_history(vid), errors.OutsideArea),
        (revoked, lambda c: c.approve([vid]), errors.DeviceRevoked),
        (revoked, lambda c: c.return_visit(vid, "请补签名"), errors.DeviceRevoked),
        (office, lambda c: c.approve([str(uuid.uuid4())]), errors.VisitNotFound),
    ]
    for laptop, call, expected in refusals:
        with pytest.raises(expected) as err:
            call(laptop.client)
        assert err.value.code == expected.code and err.value.message_zh
    assert server.storage.reviews.events_of([vid]) == []
    assert [q["visit_id"] for q in office.client.review_queue()] == [vid]      # still waiting
    # a bulk approval with one visit outside the area stores nothing at all
    outside = push_visit(server.laptop(villages=(OTHER_VILLAGE,), township=OTHER_TOWNSHIP), village=OTHER_VILLAGE)
    with pytest.raises(errors.OutsideArea):
        office.client.approve([vid, outside])
    assert server.storage.reviews.events_of([vid, outside]) == []
    # the other township's office sees neither the queue nor the events of this township
    assert other_office.client.review_queue() == [] or all(q["village_code"] == OTHER_VILLAGE
                                                           for q in other_office.client.review_queue())
    office.client.approve([vid])
    other_office.client.pull_reviews()
    assert other_office.store.reviews == {}


def test_visitors_pull_only_the_events_of_their_villages(server):
    a_visitor, b_visitor = server.laptop(villages=(VILLAGE_A,)), server.laptop(villages=(VILLAGE_B,))
    office = office_of(server)
    va, vb = push_visit(a_visitor), push_visit(b_visitor, village=VILLAGE_B)
    office.client.approve([va, vb])
    a_visitor.client.pull_reviews()
    assert [e["visit_id"] for e in a_visitor.store.reviews.values()] == [va]
    assert int(a_visitor.store.get_sync_state("review_cursor")) == 2


def test_the_county_reviews_any_township_from_the_cli(server, capsys):
    visitor = server.laptop(villages=(OTHER_VILLAGE,), township=OTHER_TOWNSHIP)
    vid = push_visit(visitor, village=OTHER_VILLAGE)
    url = _database_url(server.storage)
    assert server_main(["--database", url, "review", "queue", "--area", OTHER_TOWNSHIP]) == 0
    assert json.loads(capsys.readouterr().out)[0]["visit_id"] == vid
    assert server_main(["--database", url, "review", "return", vid, "--comment", "缺少户主签名",
                        "--field", "members=请补户主签名"]) == 0
    assert json.loads(capsys.readouterr().out)["reviewer_role"] == "county"
    assert server_main(["--database", url, "review", "approve", vid]) == 2      # returned: refused, coded
    assert "REVIEW_NOT_PENDING" in capsys.readouterr().err
    assert server_main(["--database", url, "review", "history", vid]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["state_zh"] == "已退回" and shown["events"][0]["field_comments"] == {"members": "请补户主签名"}
    amendment = push_visit(visitor, village=OTHER_VILLAGE, amends=vid)
    assert server_main(["--database", url, "review", "approve", "--all", "--area", OTHER_TOWNSHIP]) == 0
    assert [e["visit_id"] for e in json.loads(capsys.readouterr().out)["approved"]] == [amendment]


def test_review_functions_refuse_a_visitor_device(storage):
    with pytest.raises(errors.ReviewNotAllowed):
        review.reviewer_for_device({"role": "visitor", "device_id": "d", "township_code": TOWNSHIP})
    reviewer = review.county_reviewer("")
    assert reviewer.scope == Scope("admin", "") and review.queue(storage, reviewer) == []


def _database_url(storage) -> str:
    if hasattr(storage, "path"):
        return f"sqlite:///{storage.path}"
    return storage.url


def test_a_laptop_skips_review_events_it_does_not_understand(tmp_path):
    """A newer server's action must not block the laptop's sync: skipped, the cursor still moves."""
    from fieldapp.vault import FAST_KDF, Vault

    vault = Vault.create(tmp_path / "v", "李明", "river-stone-42", None, kdf=FAST_KDF)
    event = {"event_id": "e1", "review_seq": 1, "visit_id": "v1", "household_id": "h1", "action": "escalated",
             "comment": "", "field_comments": {}, "reviewer": "d", "reviewer_role": "office", "reviewer_name": "",
             "at": "2026-05-12T08:00:00+00:00"}
    good = dict(event, event_id="e2", review_seq=2, action="returned", comment="请补签名")
    vault.record_reviews([event, good, good], 2)
    assert vault.get_sync_state("review_cursor") == "2"
    assert [e["event_id"] for e in vault.review_events("v1")] == ["e2"]
    assert vault.review_states() == {"v1": "returned"}
    vault.lock()
