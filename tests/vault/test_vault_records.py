"""Saving visits, the household projection, drafts and search."""

from __future__ import annotations

import pytest

from fieldapp.vault import HOUSEHOLD_ROW_COLUMNS, InvalidRecord, RecordNotFound
from vaultkit import make_visit


def row_dict(row):
    return dict(zip(HOUSEHOLD_ROW_COLUMNS, row))


def test_saved_visit_reads_back_and_updates_household(vault):
    visit = make_visit(names=("李建国", "李小红"), ids=("11010519491231002X", "110105201001010021"),
                       needs=[{"need_id": "n1", "category": "medical", "disposition": "pending"},
                              {"need_id": "n2", "category": "housing", "disposition": "resolved"}])
    result = vault.save_visit(visit, review_due="2026-11-12")
    assert result["created"] is True
    got = vault.get_visit(visit["visit_id"])
    assert got["answers"] == visit["answers"] and got["meta"]["created_by"] == "visitor1"
    hh = vault.get_household(visit["household_id"])
    assert hh["fields"]["members"][1]["name"] == "李小红"
    assert "visit_date" not in hh["fields"] and "visitors" not in hh["fields"]  # visit-scoped answers stay on the visit
    row = row_dict(vault.household_rows()[0])
    assert row["head_name"] == "李建国"
    assert row["head_id_masked"] == "110105********002X"
    assert row["open_needs"] == 1 and row["visit_status"] == "final" and row["review_due"] == "2026-11-12"
    assert row["categories"] == "dibao_a"


def test_resaving_unchanged_visit_writes_no_change(vault):
    visit = make_visit()
    vault.save_visit(visit)
    before = vault.pending_count()
    again = vault.save_visit(visit)
    assert again["visit_fields"] == [] and again["household_fields"] == []
    assert vault.pending_count() == before


def test_second_visit_changes_only_changed_household_fields(vault):
    first = make_visit(status="final")
    vault.save_visit(first)
    second = make_visit(first["household_id"], status="draft", address="西山村一组3号")
    second["answers"]["members"] = first["answers"]["members"]
    second["answers"]["visit_date"] = "2026-06-01"
    result = vault.save_visit(second)
    assert result["household_fields"] == ["address"]
    row = row_dict(vault.household_rows()[0])
    assert row["address"] == "西山村一组3号" and row["visit_status"] == "draft"
    assert [v["visit_date"] for v in vault.get_household(first["household_id"])["visits"]] == ["2026-06-01", "2026-05-12"]


def test_child_protection_flag_and_caller_flags(vault):
    visit = make_visit(names=("赵大", "赵小"))
    visit["answers"]["members"][1]["child_flags"] = ["dropout"]
    vault.save_visit(visit, flags=["verify"])
    assert row_dict(vault.household_rows()[0])["flags"] == "child_protection,verify"
    assert len(vault.search_households(flag="child_protection")) == 1


def test_derived_values_are_stored_as_given(vault):
    from fieldapp.vault import Derived

    vault.save_visit(make_visit(), Derived("2027-05-12", ("filing",)))
    assert row_dict(vault.household_rows()[0])["review_due"] == "2027-05-12"
    assert row_dict(vault.household_rows()[0])["flags"] == "filing"
    assert vault.pending_derivations() == []


def test_a_write_without_derived_values_keeps_them_and_waits_for_them(vault):
    from fieldapp.vault import Derived

    result = vault.save_visit(make_visit(needs=[{"need_id": "n1", "category": "medical", "disposition": "pending"}]),
                              Derived("2027-05-12", ("filing", "verify")))
    hid = result["household_id"]
    vault.amend_household(hid, {"needs/n1/disposition": "resolved"})
    row = row_dict(vault.household_rows()[0])
    assert (row["review_due"], row["flags"]) == ("2027-05-12", "filing,verify")   # kept until derived again
    pending = vault.pending_derivations()
    assert [p[0] for p in pending] == [hid]
    assert pending[0][1]["needs"][0]["disposition"] == "resolved"    # the fields to derive from
    assert pending[0][2] == "2026-05-12"                              # as of the last visit
    assert vault.store_derived({hid: Derived(None, ("watch",))}) == 1
    row = row_dict(vault.household_rows()[0])
    assert (row["review_due"], row["flags"]) == ("2027-05-12", "watch")
    assert vault.search_households(flag="filing") == [] and len(vault.search_households(flag="watch")) == 1
    assert vault.pending_derivations() == []


@pytest.mark.parametrize("broken", [
    {"visit_id": "v"}, {"status": "maybe"}, {"answers": []}, {"form_version": "1"},
])
def test_malformed_visit_is_rejected_without_writing(vault, broken):
    visit = make_visit()
    visit.update(broken)
    if broken == {"visit_id": "v"}:
        del visit["household_id"]
    with pytest.raises(InvalidRecord):
        vault.save_visit(visit)
    assert vault.household_rows() == [] and vault.pending_count() == 0


def test_unknown_ids_raise_record_not_found(vault):
    with pytest.raises(RecordNotFound):
        vault.get_household("missing")
    with pytest.raises(RecordNotFound):
        vault.get_visit("missing")


def test_draft_autosave_survives_reopen_and_is_cleared_by_save(vault):
    from fieldapp.vault import Vault
    from vaultkit import PASSPHRASE

    visit = make_visit(status="draft")
    vault.save_draft(visit)
    vault.lock()
    v = Vault.open(vault.data_dir)
    v.unlock("visitor1", PASSPHRASE)
    assert [d["visit_id"] for d in v.list_drafts()] == [visit["visit_id"]]
    assert v.get_draft(visit["visit_id"])["answers"] == visit["answers"]
    assert v.pending_count() == 0  # drafts are local only
    v.save_visit(visit)
    assert v.get_draft(visit["visit_id"]) is None
    v.lock()


@pytest.fixture
def village_vault(vault):
    people = [
        (("王芳", "王小明"), ("11010519491231002X", "110105201501010012"), "东山村三组12号", ("dibao_a",), "110105001001"),
        (("王芳芳",), ("110105198001010016",), "东山村一组2号", ("low_income",), "110105001001"),
        (("李四",), ("110105197001010034",), "西河村五组7号", ("tekun_home",), "110105001002"),
        (("欧阳娜娜", "张芳"), ("110105196501010058",), "南坡村8号", ("dibao_b", "orphan"), "110105001002"),
    ]
    for names, ids, address, cats, village in people:
        vault.save_visit(make_visit(names=names, ids=ids, address=address, categories=cats, village=village))
    return vault


def heads(rows):
    return sorted(r[1] for r in rows)


@pytest.mark.parametrize("query, expected", [
    ("王芳", ["王芳", "王芳芳"]),          # two characters: the per-character index
    ("芳", ["欧阳娜娜", "王芳", "王芳芳"]),  # one character (张芳 is a member of 欧阳娜娜's household)
    ("王芳芳", ["王芳芳"]),                # three characters: trigram
    ("阳娜娜", ["欧阳娜娜"]),
    ("西河", ["李四"]),                    # address
    ("三组12", ["王芳"]),
    ("1101051970", ["李四"]),              # ID number substring
    ("11010519491231002x", ["王芳"]),       # full ID, lower-case x
    ("小明", ["王芳"]),                     # a member other than the head
    ("赵", []),
    ('"', []),                              # query syntax is never interpreted
])
def test_search_finds_chinese_substrings_of_any_length(village_vault, query, expected):
    assert heads(village_vault.search_households(query)) == expected


def test_search_filters_combine(village_vault):
    assert heads(village_vault.search_households(village="110105001002")) == ["李四", "欧阳娜娜"]
    assert heads(village_vault.search_households(category="orphan")) == ["欧阳娜娜"]
    assert heads(village_vault.search_households("芳", village="110105001001")) == ["王芳", "王芳芳"]
    assert heads(village_vault.search_households(status="draft")) == []
    assert len(village_vault.search_households(status="final", limit=2)) == 2
    assert len(village_vault.household_rows(village="110105001001")) == 2


def test_review_due_and_open_needs_filters(vault):
    vault.save_visit(make_visit(names=("甲一",), needs=[{"need_id": "n", "category": "living", "disposition": "referred"}]),
                     review_due="2026-06-30")
    vault.save_visit(make_visit(names=("乙二",)), review_due="2026-12-31")
    assert heads(vault.search_households(review_due="2026-07-01")) == ["甲一"]
    assert heads(vault.search_households(open_needs=True)) == ["甲一"]
    assert heads(vault.search_households(open_needs=False)) == ["乙二"]


def test_views_and_saves_are_audited(vault):
    visit = make_visit()
    vault.save_visit(visit)
    vault.get_household(visit["household_id"])
    actions = [(e["action"], e["entity_id"]) for e in vault.audit_entries(limit=5)]
    assert actions[:2] == [("view", visit["household_id"]), ("create", visit["visit_id"])]


def test_needs_by_disposition_counts_every_need(vault):
    vault.save_visit(make_visit(needs=[{"need_id": "a", "category": "medical", "disposition": "referred"},
                                       {"need_id": "b", "category": "housing"}]))
    vault.save_visit(make_visit(village="110105001009",
                                needs=[{"need_id": "c", "category": "living", "disposition": "resolved"}]))
    assert vault.needs_by_disposition() == {"referred": 1, "pending": 1, "resolved": 1}
    assert vault.needs_by_disposition(village="110105001009") == {"resolved": 1}
