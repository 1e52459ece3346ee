"""疑似重复户 on the console: households that share a member's ID number, flagged at sync and never merged,
shown to the township office (its own households by name, another township's by its village only)."""

from __future__ import annotations

from forms.idnumber import mask
from tests.console.seed import VILLAGE_A2, VILLAGE_B1, member, pid, push_household


def test_the_township_sees_households_sharing_an_id_number_with_the_id_masked_and_nothing_merged(county, client_as):
    storage, ids = county
    shared = pid("32011519800101001")                  # 张小军, a member of household a1 in 东山街道
    again = push_household(storage, VILLAGE_A2, "佘村 9 组 1 号", [member("张大军", pid("32011519780505003")),
                                                              member("张小军", shared, "sibling")])
    elsewhere = push_household(storage, VILLAGE_B1, "秣陵街道 2 号", [member("张小军", shared)])
    page = client_as("reviewer-a").get("/console/conflicts").text
    section = page.split('id="duplicates"', 1)[1]
    assert mask(shared) in section
    assert shared not in page                            # the full ID number is never on the page
    assert f'/console/households/{ids["a1"]}">张桂英</a>（东山社区）' in section
    assert f'/console/households/{again}">张大军</a>（佘村社区）' in section
    assert "其他辖区的一户（秣陵社区）" in section and elsewhere not in page   # another township: its village only
    # nothing was merged: the three households are still there, each with its own members
    assert {r["entity_id"] for r in storage.records(storage_scope()) if r["entity"] == "household"} >= {ids["a1"], again,
                                                                                                        elsewhere}
    # the other township's office sees the same flag from its side
    other = client_as("reviewer-b").get("/console/conflicts").text.split('id="duplicates"', 1)[1]
    assert f'/console/households/{elsewhere}">张小军</a>（秣陵社区）' in other
    assert "其他辖区的一户（东山社区）" in other and ids["a1"] not in other and again not in other
    assert "没有发现身份证号相同的家庭" not in other


def test_without_shared_id_numbers_the_section_says_so(county, client_as):
    page = client_as("reviewer-a").get("/console/conflicts").text.split('id="duplicates"', 1)[1]
    assert "没有发现身份证号相同的家庭" in page


def storage_scope():
    from sync.server.storage import Scope

    return Scope("admin", "")
