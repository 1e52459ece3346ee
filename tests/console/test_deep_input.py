"""The console's JSON and YAML inputs nested 1,000 deep (issue 19): a Chinese message on the page, no 500."""

from __future__ import annotations

DEEP_JSON = "[" * 1000 + "]" * 1000
DEEP_YAML = "letters:\n" + "".join("  " * i + "- \n" for i in range(1, 1001))


def test_publishing_a_document_nested_1000_deep_is_refused_with_a_chinese_message(county, client_as):
    storage, _ = county
    admin = client_as("county-admin")
    for kind in ("reference", "templates"):
        answer = admin.post("/console/reference/publish", {"kind": kind, "document": DEEP_JSON})
        assert answer.status_code == 400 and "不是有效的 JSON" in answer.text, answer.text[:800]
    answer = admin.post("/console/reference/templates/preview", {"templates": DEEP_YAML})
    assert answer.status_code == 400 and "不是有效的 YAML" in answer.text, answer.text[:800]
    assert not storage.list_documents()
