"""Form versions: additions allowed, type changes refused, renames mapped, old answers readable."""

import shutil

import pytest
import yaml

import forms
import forms.loader
from forms.errors import IncompatibleVersionError, UnknownFormVersionError
from forms.loader import DEFINITIONS_DIR
from forms.versioning import open_visit, upgrade_answers
from tests.forms.visits import visit

V1 = DEFINITIONS_DIR / "four_clarifications.v1.yaml"


def _questions(doc, section):
    return next(s for s in doc["sections"] if s["id"] == section)["questions"]


def _find(questions, qid):
    return next(q for q in questions if q["id"] == qid)


@pytest.fixture
def folder(tmp_path):
    shutil.copy(V1, tmp_path / V1.name)
    return tmp_path


def write_v2(folder, mutate):
    doc = yaml.safe_load(V1.read_text(encoding="utf-8"))
    doc["version"] = 2
    mutate(doc)
    (folder / "four_clarifications.v2.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")


def test_a_new_version_may_add_questions_and_options(folder):
    def mutate(doc):
        _questions(doc, "basics").append({"id": "water_source", "type": "text", "scope": "household",
                                          "label": {"zh": "饮水来源", "en": "Drinking water source"}})
        doc["option_lists"]["hardship_causes"].append({"code": "accident", "zh": "意外", "en": "Accident"})

    write_v2(folder, mutate)
    v2 = forms.load_form("four_clarifications", definitions_dir=folder)
    assert v2.version == 2
    assert "water_source" in v2.questions
    assert "accident" in v2.question("hardship_causes").codes
    assert forms.load_form("four_clarifications", 1, definitions_dir=folder).version == 1


def test_old_answers_stay_readable_and_show_their_version(folder):
    write_v2(folder, lambda doc: None)
    recorded = open_visit(visit(), definitions_dir=folder)
    assert recorded.form.version == 1
    assert recorded.version_label_zh == "按《四个摸清入户走访调查表（第1版）》记录"
    assert forms.validate(visit(), form=recorded.form) == []


def test_changing_a_type_is_refused(folder):
    write_v2(folder, lambda doc: _find(_questions(doc, "economy"), "land_mu").update(type="integer"))
    with pytest.raises(IncompatibleVersionError) as caught:
        forms.load_form("four_clarifications", 2, definitions_dir=folder)
    assert caught.value.problems == ["land_mu: type changed from decimal to integer — refused; add a new question instead"]


def test_removing_a_question_or_an_option_is_refused(folder):
    def mutate(doc):
        questions = _questions(doc, "economy")
        questions.remove(_find(questions, "overseas_travel"))
        doc["option_lists"]["housing_type"] = doc["option_lists"]["housing_type"][:-1]

    write_v2(folder, mutate)
    with pytest.raises(IncompatibleVersionError) as caught:
        forms.load_form("four_clarifications", 2, definitions_dir=folder)
    found = "\n".join(caught.value.problems)
    assert "overseas_travel: question of v1 is missing in v2" in found
    assert "housing_type: option(s) ['makeshift'] removed" in found


def test_renames_are_mapped_for_old_answers(folder):
    def mutate(doc):
        _find(_questions(doc, "economy"), "savings_fen")["id"] = "deposits_fen"
        members = _find(_questions(doc, "basics"), "members")["questions"]
        _find(members, "staff_relative")["id"] = "staff_or_relative"
        doc["renames"] = {"savings_fen": "deposits_fen", "members.staff_relative": "members.staff_or_relative"}

    write_v2(folder, mutate)
    v1 = forms.load_form("four_clarifications", 1, definitions_dir=folder)
    v2 = forms.load_form("four_clarifications", 2, definitions_dir=folder)
    old = visit({"savings_fen": 500000})["answers"]
    old["members"][0]["staff_relative"] = "yes"
    upgraded = upgrade_answers(old, [v1, v2])
    assert upgraded["deposits_fen"] == 500000 and "savings_fen" not in upgraded
    assert upgraded["members"][0]["staff_or_relative"] == "yes"
    assert "staff_relative" not in upgraded["members"][0]
    doc = visit(form_version=2)
    doc["answers"] = upgraded
    assert forms.validate(doc, form=v2) == []


def test_a_rename_to_nowhere_is_a_definition_error(folder):
    from forms.errors import DefinitionError

    write_v2(folder, lambda doc: doc.update(renames={"savings_fen": "no_such_question"}))
    with pytest.raises(DefinitionError) as caught:
        forms.load_form("four_clarifications", 2, definitions_dir=folder)
    assert "renamed to unknown question 'no_such_question'" in caught.value.problems[0]


def test_unknown_version_of_a_visit():
    with pytest.raises(UnknownFormVersionError) as caught:
        open_visit(visit(form_version=5))
    assert "v5" in caught.value.message_zh


def test_editing_a_published_version_is_refused(folder):
    from forms.errors import PublishedVersionChangedError

    shutil.copy(DEFINITIONS_DIR / "published.yaml", folder / "published.yaml")
    assert forms.load_form("four_clarifications", 1, definitions_dir=folder).version == 1
    forms.loader.clear_cache()
    doc = yaml.safe_load(V1.read_text(encoding="utf-8"))
    doc["option_lists"]["sex"][0]["zh"] = "男性"
    (folder / V1.name).write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(PublishedVersionChangedError) as caught:
        forms.load_form("four_clarifications", 1, definitions_dir=folder)
    assert "put changes in a new version" in caught.value.problems[0]


def test_the_shipped_v1_matches_its_published_hash():
    published = yaml.safe_load((DEFINITIONS_DIR / "published.yaml").read_text(encoding="utf-8"))
    assert forms.load_form("four_clarifications", 1).content_hash == published["four_clarifications"][1]
