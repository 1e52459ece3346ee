"""Reference data: the demo set, effective dates, annual ÷ 12, and every problem of a bad file."""

import datetime as dt
import json

import pytest

import forms
from forms.errors import MissingStandardError, ReferenceDataError, ReferenceFileNotFoundError
from forms.reference import DEMO_PATH, load_reference, reference_from_dict

GOOD = {
    "reference_id": "test", "hotline": "12349", "temp_assistance_multiplier": 3,
    "county_approval_limit_fen": 2000000, "savings_threshold_fen": 1, "utility_threshold_fen": 1,
    "dibao_standards": [
        {"county_code": "990101", "area_type": "urban", "effective_from": "2024-01-01", "monthly_fen": 70000},
        {"county_code": "990101", "area_type": "urban", "effective_from": "2025-01-01", "monthly_fen": 75000},
        {"county_code": "990101", "area_type": "rural", "effective_from": "2025-01-01", "annual_fen": 700006},
    ],
}


def test_demo_set_is_labelled_and_complete():
    ref = load_reference()
    assert ref.demo and "演示数据" in ref.label_zh
    assert ref.hotline == "12349"
    assert ref.temp_assistance_multiplier == 3
    assert ref.county("990101").office == "演示县民政局"
    assert ref.township("990101002").name == "演示乡"
    assert [v.code for v in ref.villages()][:2] == ["990101001001", "990101001002"]
    assert ref.village("990101002201").area_type == "rural"
    assert load_reference(None) is load_reference(DEMO_PATH)  # cached


@pytest.mark.parametrize(
    "area, day, monthly",
    [("urban", "2024-01-01", 70000), ("urban", "2024-12-31", 70000), ("urban", "2025-01-01", 75000),
     ("urban", "2030-06-01", 75000), ("rural", "2025-03-03", 58334)],  # 7,000.06 / 12 = 583.338… → 583.34
)
def test_the_standard_in_force_is_picked(area, day, monthly):
    ref = reference_from_dict(GOOD)
    assert ref.standard("990101", area, dt.date.fromisoformat(day)).monthly_fen == monthly


@pytest.mark.parametrize("county, area, day", [("990101", "urban", "2023-12-31"), ("990101", "rural", "2024-06-01"),
                                                ("110105", "urban", "2025-06-01")])
def test_missing_standard_is_a_specific_error(county, area, day):
    with pytest.raises(MissingStandardError) as caught:
        reference_from_dict(GOOD).standard(county, area, dt.date.fromisoformat(day))
    assert county in caught.value.message_zh and day in caught.value.message_zh


def test_every_problem_of_a_bad_document_is_listed():
    bad = json.loads(json.dumps(GOOD))
    bad["hotline"] = ""
    bad["temp_assistance_multiplier"] = 0
    bad["dibao_standards"] += [
        {"county_code": "9901", "area_type": "urban", "effective_from": "2025-01-01", "monthly_fen": 1},
        {"county_code": "990101", "area_type": "town", "effective_from": "2025-01-01", "monthly_fen": 1},
        {"county_code": "990101", "area_type": "urban", "effective_from": "someday", "monthly_fen": 1},
        {"county_code": "990101", "area_type": "urban", "effective_from": "2026-01-01", "monthly_fen": 1, "annual_fen": 12},
        {"county_code": "990101", "area_type": "urban", "effective_from": "2027-01-01", "monthly_fen": "760.00"},
        {"county_code": "990101", "area_type": "urban", "effective_from": "2025-01-01", "monthly_fen": 76000},
    ]
    bad["areas"] = [{"code": "990101", "townships": [{"code": "990102001", "villages": []}]}]
    with pytest.raises(ReferenceDataError) as caught:
        reference_from_dict(bad, "county.yaml")
    found = "\n".join(caught.value.problems)
    for fragment in ["hotline: missing", "temp_assistance_multiplier: missing or not an integer ≥ 1",
                     "dibao_standards[3].county_code: must be 6 digits", "dibao_standards[4].area_type",
                     "dibao_standards[5].effective_from", "dibao_standards[6]: give exactly one of",
                     "dibao_standards[7]: the amount must be a positive integer number of fen",
                     "dibao_standards[8]: two standards for 990101 urban from 2025-01-01",
                     "areas[0].townships[0].code"]:
        assert fragment in found, fragment
    assert caught.value.message_zh.startswith("参考数据 county.yaml 格式有误")


def test_files_yaml_json_and_missing(tmp_path):
    path = tmp_path / "county.json"
    path.write_text(json.dumps(GOOD), encoding="utf-8")
    assert load_reference(path).standard("990101", "urban", dt.date(2025, 5, 1)).monthly_fen == 75000
    with pytest.raises(ReferenceFileNotFoundError):
        load_reference(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("dibao_standards: [\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError):
        load_reference(broken)


def test_a_changed_file_is_reloaded(tmp_path):
    path = tmp_path / "county.json"
    path.write_text(json.dumps(GOOD), encoding="utf-8")
    assert load_reference(path).hotline == "12349"
    changed = dict(GOOD, hotline="12345")
    path.write_text(json.dumps(changed) + " ", encoding="utf-8")  # size changes too
    assert load_reference(path).hotline == "12345"


def test_assess_uses_the_reference_it_is_given():
    from tests.forms.visits import visit

    result = forms.assess(visit(), reference_from_dict(GOOD))
    assert result.standard_fen == 75000
    assert not result.demo_reference
    assert "演示数据" not in result.by_rule("R2")[0].message_zh


def test_the_campaign_is_optional_and_checked():
    assert reference_from_dict(GOOD).campaign is None
    ok = dict(GOOD, campaign={"name": {"zh": "专项行动", "en": "Campaign"}, "start": "2026-04-01"})
    campaign = reference_from_dict(ok).campaign
    assert (campaign.name_zh, campaign.start, campaign.end) == ("专项行动", dt.date(2026, 4, 1), None)
    for bad, expected in [({"start": "April"}, "campaign.start: must be a date YYYY-MM-DD"),
                          ({"start": "2026-04-01", "end": "2026-03-01"}, "campaign.end: before campaign.start"),
                          ("2026", "campaign: must be a mapping with name, start and end")]:
        with pytest.raises(ReferenceDataError) as err:
            reference_from_dict(dict(GOOD, campaign=bad))
        assert expected in str(err.value)


def test_letters_only_for_approved_visits_is_an_explicit_yes_or_no():
    assert reference_from_dict(GOOD).letters_require_approval is False           # not set: letters print as before
    assert reference_from_dict({**GOOD, "letters_require_approval": True}).letters_require_approval is True
    with pytest.raises(ReferenceDataError) as err:
        reference_from_dict({**GOOD, "letters_require_approval": "yes"})
    assert any("letters_require_approval" in p for p in err.value.problems)
