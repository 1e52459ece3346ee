"""The county's letter templates: the demo loads; mistakes a county editor could make are named."""

from __future__ import annotations

import copy

import pytest
import yaml

from printouts.errors import SerialSchemeError, TemplateError
from printouts.serials import MemoryCounter, SerialSession, format_serial, next_serial
from printouts.templates import DEMO_PATH, load_templates, parse_templates
from printouts.textformat import fill


@pytest.fixture
def raw():
    return yaml.safe_load(DEMO_PATH.read_text(encoding="utf-8"))


def test_demo_templates_load_with_every_letter_kind():
    t = load_templates()
    assert set(t.letters) == {"visit_result", "review", "referral", "change"}
    assert t.letters["change"].appeal and not t.letters["visit_result"].appeal
    assert "互联网金融资产" in t.consent["sources"] and len(t.consent["sources"]) == 12
    assert t.label.startswith("演示数据")


def test_serial_scheme_per_township_and_year():
    t = load_templates()
    assert format_serial(t, "letter", "990101001", 2026, 7) == "演镇民救告〔2026〕007号"
    assert format_serial(t, "letter", "990101002", 2027, 12) == "演乡民告〔2027〕012号"  # township override
    assert format_serial(t, "consent", "990101002", 2026, 3) == "演乡核授〔2026〕0003号"  # county default
    assert format_serial(t, "letter", "990101099", 2026, 1) == "演示民救告〔2026〕001号"  # unknown: default office
    counter = MemoryCounter()
    session = SerialSession(counter)
    assert [next_serial(t, session, "letter", "990101001", 2026) for _ in range(2)] == [
        "演镇民救告〔2026〕001号", "演镇民救告〔2026〕002号"]
    assert next_serial(t, session, "letter", "990101001", 2027) == "演镇民救告〔2027〕001号"
    assert counter.last_seq("letter", "990101001", 2026) == 0  # nothing committed yet
    session.commit()
    assert counter.last_seq("letter", "990101001", 2026) == 2
    assert next_serial(t, SerialSession(counter), "letter", "990101001", 2026) == "演镇民救告〔2026〕003号"
    with pytest.raises(SerialSchemeError):
        format_serial(t, "letter", "990101001", 2026, 0)


@pytest.mark.parametrize("text", ["{head_name.__class__}", "{head_name[0]}", "{nobody}", "{head_name!r}"])
def test_placeholders_other_than_known_names_are_refused(raw, text):
    raw["letters"]["review"]["body"] = [text]
    with pytest.raises(TemplateError) as err:
        parse_templates(raw)
    assert "letters.review.body" in str(err.value)


def test_a_scheme_without_a_sequence_number_is_refused(raw):
    raw["serial_schemes"]["letter"] = "{township_short}民救告〔{year}〕号"
    with pytest.raises(TemplateError):
        parse_templates(raw)


def test_a_missing_letter_kind_is_named(raw):
    del raw["letters"]["referral"]
    with pytest.raises(TemplateError) as err:
        parse_templates(raw)
    assert "referral" in str(err.value)
    assert "告知书模板配置有误" in err.value.message_zh


def test_not_a_template_document(raw):
    bad = copy.deepcopy(raw)
    bad["document"] = "something.else"
    with pytest.raises(TemplateError):
        parse_templates(bad)


def test_unreadable_yaml_is_a_template_error(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("letters: [unclosed", encoding="utf-8")
    with pytest.raises(TemplateError):
        load_templates(path)


def test_fill_applies_format_specs():
    assert fill("{a}-{n:03d}", {"a": "x", "n": 5}) == "x-005"


def test_unless_must_be_a_list_of_category_codes(raw):
    raw["household_items"]["dibao_candidate"]["unless"] = "dibao_a"
    with pytest.raises(TemplateError) as err:
        parse_templates(raw)
    assert "household_items.dibao_candidate.unless" in str(err.value)
