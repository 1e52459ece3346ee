"""Coverage is per campaign: a household whose final visit predates the campaign counts as not visited."""

import copy

from fieldapp.demo import generate

from tests.publishkit import receive_demo
from tests.ui.helpers import PASSPHRASE


def _final_visit(visit_date: str) -> dict:
    visit = copy.deepcopy(next(v for v in generate(30, seed=5) if v["status"] == "final"))
    visit["answers"]["visit_date"] = visit_date
    return visit


def test_a_visit_before_the_campaign_start_is_not_counted_as_done(services_factory):
    svc = services_factory(households=0)
    svc.unlock("张三", PASSPHRASE)
    receive_demo(svc)  # the demo county's reference data, as if published
    start = svc.reference().campaign.start.isoformat()
    assert start == "2026-04-01"  # the demo reference data's campaign

    last_year = _final_visit("2025-11-20")
    svc.vault.save_visit(last_year)
    row = svc.household_row(last_year["household_id"])
    assert row.visit_status == "not_visited"
    assert [r.visit_status for r in svc.household_rows()] == ["not_visited"]
    assert svc.coverage().villages[0].visited == 0

    # Visited again in this campaign: now it is done, in the list and in the coverage figures.
    this_year = copy.deepcopy(last_year)
    this_year["visit_id"] = "c0ffee00-0000-4000-8000-000000000001"
    this_year["answers"]["visit_date"] = "2026-05-06"
    svc.vault.save_visit(this_year)
    assert svc.household_row(last_year["household_id"]).visit_status == "done"
    assert [r.visit_status for r in svc.household_rows()] == ["done"]
    assert svc.coverage().villages[0].visited == 1
