"""Reading visit documents: JSON errors with position, schema shape, unknown form versions."""

import json

import pytest

from forms import interchange
from forms.errors import MalformedJsonError, UnknownFormVersionError, VisitFileError, VisitShapeError
from tests.forms.visits import visit


def test_round_trip_of_a_valid_visit():
    doc = visit()
    assert interchange.read_visit(interchange.dump_visit(doc)) == doc
    assert interchange.read_visit(interchange.dump_visit(doc).encode("utf-8")) == doc


def test_meta_is_optional_but_checked():
    doc = visit(meta={"created_at": "2026-05-12T06:30:00+00:00", "created_by": "甲", "revision": 3})
    interchange.check_shape(doc)
    doc["meta"]["created_at"] = "yesterday"
    with pytest.raises(VisitShapeError) as caught:
        interchange.check_shape(doc)
    assert caught.value.problems[0].startswith("meta.created_at:")


def test_malformed_json_reports_line_and_column():
    with pytest.raises(MalformedJsonError) as caught:
        interchange.read_visit('{\n  "format": "fieldapp.visit",\n  oops\n}', source="v.json")
    assert (caught.value.line, caught.value.column) == (3, 3)
    assert caught.value.message_zh == "v.json 不是有效的 JSON 文件（第 3 行第 3 列）"


def test_not_utf8():
    with pytest.raises(MalformedJsonError):
        interchange.read_visit(json.dumps(visit(), ensure_ascii=False).encode("gbk"))


def test_shape_problems_are_all_listed_with_paths():
    doc = visit()
    del doc["visit_id"]
    doc["status"] = "done"
    doc["answers"]["members"][0]["age"] = "forty"
    with pytest.raises(VisitShapeError) as caught:
        interchange.check_shape(doc)
    found = "\n".join(caught.value.problems)
    assert "'visit_id' is a required property" in found
    assert "status: 'done' is not one of" in found
    assert "answers.members[0].age: 'forty' is not of type" in found


def test_unknown_form_version():
    with pytest.raises(UnknownFormVersionError) as caught:
        interchange.read_visit(json.dumps(visit(form_version=3)))
    assert caught.value.version == 3


def test_missing_file(tmp_path):
    with pytest.raises(VisitFileError):
        interchange.read_visit_file(tmp_path / "nope.json")
