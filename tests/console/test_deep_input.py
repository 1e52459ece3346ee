"""The console's JSON and YAML inputs nested 1,000 deep (issue 19): a Chinese message on the page, no 500."""

from __future__ import annotations

DEEP_JSON = "[" * 1000 + "]" * 1000


def test_publishing_a_document_nested_1000_deep_is_refused_with_a_chinese_message(county, client_as):
    storage, _ = county
    admin = client_as("county-admin")
    for kind in ("reference", "templates"):
        answer = admin.post("/console/reference/publish", {"kind": kind, "document": DEEP_JSON})
        assert answer.status_code == 400 and "不是有效的 JSON" in answer.text, answer.text[:800]
    answer = admin.post("/console/reference/templates/sample", {"document": DEEP_JSON})
    assert answer.status_code == 400 and "不是有效的 JSON" in answer.text, answer.text[:800]
    assert not storage.list_documents()


def test_the_conflicts_page_lists_changes_a_laptop_set_aside_for_its_township_only(county, client_as):
    import uuid

    from tests.console.seed import TOWN_A

    storage, ids = county
    change_id = str(uuid.uuid4())
    storage.set_aside.replace({"device_id": "laptop-x", "township_code": TOWN_A},
                              [{"change_id": change_id, "entity": "household", "household_id": ids["a1"],
                                "visit_id": None, "village_code": "999999999999", "code": "OUTSIDE_AREA",
                                "message": "village 999999999999 is outside this device's area",
                                "set_aside_at": "2026-05-12T06:30:00+00:00"}], "2026-05-12T06:31:00+00:00")
    page = client_as("reviewer-a").get("/console/conflicts").text
    assert "被拒收、待修改的记录" in page and "OUTSIDE_AREA" in page and ids["a1"][:8] in page and "laptop-x" in page
    other = client_as("reviewer-b").get("/console/conflicts").text
    assert "OUTSIDE_AREA" not in other and "没有被拒收的记录" in other
    storage.set_aside.replace({"device_id": "laptop-x", "township_code": TOWN_A}, [], "2026-05-12T07:00:00+00:00")
    assert "没有被拒收的记录" in client_as("reviewer-a").get("/console/conflicts").text
