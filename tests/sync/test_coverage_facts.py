"""Coverage from the grouped coverage facts (migration 0012) equals the rule applied to every household record,
on both backends, on a generated county, after visits, 无法入户, reviews and a roster import's changes."""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid

import pytest

from forms.coverage import REASONS, facts_from_fields, summarise
from sync.server.roster_import import coverage
from sync.server.storage import Scope
from tests.sync.conftest import make_storage

COUNTY = "320115"
VILLAGES = [f"{COUNTY}{t:03d}{v:03d}" for t in (1, 2) for v in (1, 2, 3)]
CAMPAIGN, SINCE, NOW = "2026年四个摸清专项行动", "2026-04-01", "2026-05-12T06:30:00+00:00"
ADMIN = Scope("admin", "")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def storage(request, tmp_path):
    from sync.server.admin import add_area

    storage = make_storage(request.param, tmp_path, request)
    add_area(storage, COUNTY, "江宁区")
    for t in (1, 2):
        add_area(storage, f"{COUNTY}{t:03d}", f"第{t}街道")
    for v in VILLAGES:
        add_area(storage, v, f"社区{v[-4:]}", "urban")
    with storage._tx() as tx:
        tx.exec("INSERT INTO roster_campaigns (name, start_date, created_at) VALUES (%s, %s, %s)", (CAMPAIGN, SINCE, NOW))
    yield storage
    storage.close()


def change(entity, entity_id, hid, village, fields, base=0):
    return {"change_id": str(uuid.uuid4()), "entity": entity, "entity_id": entity_id, "household_id": hid,
            "village_code": village, "base_revision": base, "author": "王协理", "at": NOW, "fields": fields}


def generate(storage, rng, n):
    visits = []
    for i in range(n):
        village, hid = rng.choice(VILLAGES), str(uuid.uuid4())
        fields = {"village_code": village, "address": f"第{i}号", "members": []}
        if rng.random() < 0.85:
            fields["roster"] = {"campaign": rng.choice((CAMPAIGN, CAMPAIGN, "2025年排查")), "since": SINCE, "key": str(i),
                                **({"closed": True} if rng.random() < 0.05 else {})}
        if rng.random() < 0.15:
            fields["target_status"] = {"campaign": CAMPAIGN, "state": "unreachable", "reason": rng.choice(REASONS + ("x",)),
                                       "note": "无人", "visitors": ["王协理"], "by": "王协理", "at": NOW}
        changes = [change("household", hid, hid, village, fields)]
        for _ in range(rng.choice((0, 1, 1, 2))):
            vid = str(uuid.uuid4())
            date = (dt.date(2026, 3, 1) + dt.timedelta(days=rng.randrange(120))).isoformat()
            changes.append(change("visit", vid, hid, village, {"household_id": hid, "form_id": "four_clarifications",
                                                               "form_version": 1, "status": rng.choice(("final", "final", "draft")),
                                                               "answers": {"visit_date": date}}))
            if changes[-1]["fields"]["status"] == "final":
                visits.append(vid)
        storage.push(ADMIN, "laptop", changes, NOW)
    return visits


def by_the_records(storage, area, today, deadline):
    """The rule over every household record, as coverage() computed it before the facts table."""
    def obj(text):
        value = json.loads(text) if text else None
        return value if isinstance(value, dict) else None

    households, last_final = storage.coverage_rows(area)
    facts = (facts_from_fields(h["village_code"], {"roster": obj(h["roster"]), "target_status": obj(h["target_status"])},
                               last_final.get(h["household_id"])) for h in households)
    reviews = storage.reviews.counts_by_village(ADMIN, today, deadline)
    return summarise(facts, CAMPAIGN, SINCE, reviews).as_dict()


def test_coverage_from_the_facts_is_the_rule_over_every_record(storage):
    rng = random.Random(1614)
    visits = generate(storage, rng, 150)
    today = dt.date(2026, 7, 1)
    rng.shuffle(visits)
    storage.reviews.record(ADMIN, [{"visit_id": v, "action": "approved"} for v in visits[:30]], "r", "county", "审核员", NOW,
                           skip_not_pending=True)
    storage.reviews.record(ADMIN, [{"visit_id": v, "action": "returned", "comment": "请核实"} for v in visits[30:40]],
                           "r", "county", "审核员", NOW, skip_not_pending=True)
    for deadline in (None, 30, 60):
        doc = {"review_deadline_days": deadline} if deadline else {}
        storage.publish_document("reference", "reference", doc, NOW)
        for area in ("", f"{COUNTY}001", VILLAGES[0], VILLAGES[4]):
            got = coverage(storage, CAMPAIGN, area, today)
            want = by_the_records(storage, area, today, deadline)
            assert {k: got[k] for k in want} == want, (deadline, area)
    assert got["counties"][0]["review_overdue"] > 0 and got["counties"][0]["unreachable_total"] > 0
    # later changes and reviews are followed: a household moved out of its roster, one more visit approved
    hid = next(r for r in storage.records(ADMIN) if r["entity"] == "household" and "roster" in r["fields"])
    storage.push(ADMIN, "laptop", [change("household", hid["entity_id"], hid["entity_id"], hid["village_code"],
                                          {"roster": dict(hid["fields"]["roster"], closed=True)}, hid["revision"])], NOW)
    storage.reviews.record(ADMIN, [{"visit_id": v, "action": "approved"} for v in visits[40:45]], "r", "county", "审核员",
                           NOW, skip_not_pending=True)
    assert coverage(storage, CAMPAIGN, "", today)["counties"] == by_the_records(storage, "", today, 60)["counties"]


def test_migration_12_builds_the_facts_of_households_already_stored(storage):
    from sync.server.storage.upgrade import DATA_STEPS

    generate(storage, random.Random(3), 20)
    with storage._tx() as tx:   # as schema 11 left it
        tx.exec("DELETE FROM coverage_facts")
        tx.exec("UPDATE coverage_facts_state SET seq = 0, review_seq = 0 WHERE id = 1")
    with storage._tx() as tx:
        DATA_STEPS[12](tx)
    with storage._tx(write=False) as tx:
        count = tx.one("SELECT COUNT(*) AS n FROM coverage_facts")["n"]
        seq = tx.one("SELECT seq FROM coverage_facts_state WHERE id = 1")["seq"]
    assert count == 20 and seq == storage.last_seq()
    from sync.server.storage import coverage_facts

    assert coverage_facts.refresh(storage) == 0


def test_the_remembered_groups_follow_each_change_and_each_review_event(storage):
    rng = random.Random(1617)
    visits = generate(storage, rng, 60)
    today = dt.date(2026, 7, 1)
    storage.publish_document("reference", "reference", {"review_deadline_days": 30}, NOW)
    first = coverage(storage, CAMPAIGN, "", today)["counties"]
    assert coverage(storage, CAMPAIGN, "", today)["counties"] == first == by_the_records(storage, "", today, 30)["counties"]
    storage.reviews.record(ADMIN, [{"visit_id": visits[0], "action": "approved"}], "r", "county", "审核员", NOW,
                           skip_not_pending=True)   # a review event alone
    after_review = coverage(storage, CAMPAIGN, "", today)["counties"]
    assert after_review == by_the_records(storage, "", today, 30)["counties"] and after_review != first
    hid = min((r for r in storage.records(ADMIN) if r["entity"] == "household" and "roster" in r["fields"]
               and r["fields"]["roster"].get("campaign") == CAMPAIGN and not r["fields"]["roster"].get("closed")),
              key=lambda r: r["entity_id"])   # on this campaign's roster: closing it changes the county's figures
    storage.push(ADMIN, "laptop", [change("household", hid["entity_id"], hid["entity_id"], hid["village_code"],
                                          {"roster": dict(hid["fields"]["roster"], closed=True)}, hid["revision"])], NOW)
    after_push = coverage(storage, CAMPAIGN, "", today)["counties"]   # a change alone
    assert after_push == by_the_records(storage, "", today, 30)["counties"] and after_push != after_review
