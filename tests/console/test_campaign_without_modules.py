"""On a server without the roster and review modules the campaign pages show what the records say, read only."""

from __future__ import annotations

import pytest

from sync.server.console import pages_campaign
from tests.console.seed import TOWN_A, TOWN_B


@pytest.fixture
def without_modules(monkeypatch):
    monkeypatch.setattr(pages_campaign, "optional", lambda module: None)


def test_coverage_counts_the_server_households_and_their_final_visits(county, client_as, without_modules):
    admin = client_as("county-admin")
    page = admin.get("/console/coverage")
    assert page.status_code == 200 and "尚未导入目标户花名册" in page.text and "<svg" in page.text
    assert f"area={TOWN_A}" in page.text and f"area={TOWN_B}" in page.text
    b = client_as("reviewer-b")
    own = b.get("/console/coverage").text
    assert f"area={TOWN_A}" not in own and "秣陵社区" in own
    assert b.get("/console/coverage", params={"area": TOWN_A}).status_code == 404


def test_review_lists_finished_visits_read_only_and_roster_says_it_is_missing(county, client_as, without_modules):
    a = client_as("reviewer-a")
    queue = a.get("/console/review").text
    assert "尚未安装审核模块" in queue and "张桂英" in queue and "陈秀兰" not in queue and "审核通过选中的记录" not in queue
    assert a.post("/console/review/approve", {"visit_ids[]": ["x"]}).status_code == 404
    admin = client_as("county-admin")
    assert "尚未安装花名册模块" in admin.get("/console/roster").text
    assert admin.get("/console/roster/template").status_code == 404
