"""The target roster on the county server: real .xlsx (openpyxl and LibreOffice), a GB18030 CSV, each with traps."""

from __future__ import annotations

import json
import uuid

import pytest

from sync import errors
from sync.server import cli
from sync.server.roster_import import coverage, import_roster, write_template
from sync.server.storage import open_storage
from sync.server.storage.base import ADMIN
from tests.sync import roster_files as rf

CAMPAIGN = "2026年困难群众走访排查专项行动"


@pytest.fixture
def county(tmp_path):
    storage = open_storage(f"sqlite:///{tmp_path}/server.db")
    storage.migrate()
    rf.seed_county(storage)
    _seed_other_household(storage)
    yield storage
    storage.close()


def _seed_other_household(storage) -> str:
    """A household a laptop already recorded, holding the person the roster lists again."""
    hid = str(uuid.uuid4())
    storage.push(ADMIN, "laptop-1", [{
        "change_id": str(uuid.uuid4()), "entity": "household", "entity_id": hid, "household_id": hid,
        "village_code": rf.VILLAGE_A2, "base_revision": 0, "author": "协理员",
        "at": "2026-04-01T08:00:00+00:00",
        "fields": {"village_code": rf.VILLAGE_A2, "members": [
            {"member_id": str(uuid.uuid4()), "name": "褚芳", "id_number": rf.OTHER_PERSON, "relation": "head"}]}}],
        "2026-04-01T08:00:00+00:00")
    return hid


def _row_of(what: str) -> int:
    return rf.FIRST_DATA_ROW + [w for w, _ in rf.rows()].index(what)


def _assert_traps_named(report: dict) -> None:
    by_row = {}
    for p in report["problems"]:
        by_row.setdefault(p["row"], []).append(p)
    for what, code in rf.EXPECTED_CODES.items():
        row = _row_of(what)
        assert row in report["rejected_rows"], (what, row, by_row.get(row))
        assert code in [p["code"] for p in by_row[row] if p["severity"] == "error"], (what, by_row.get(row))
    excel = next(p for p in by_row[_row_of("id_excel_number")] if p["code"] == "id_excel_number")
    assert "Excel" in excel["message_zh"] and "丢失" in excel["message_zh"]
    assert not any(p["code"] == "id_checksum" for p in by_row[_row_of("id_excel_number")])
    converted = by_row[_row_of("h3 head 15-digit, village by name")]
    assert [p["code"] for p in converted] == ["id_converted_15"] and converted[0]["severity"] == "warning"
    accepted = [_row_of(w) for w in ("h1 head", "h1 spouse", "h1 child", "h2 head lower x", "h2 member full-width",
                                     "h3 head 15-digit, village by name", "h4 head")]
    assert not set(accepted) & set(report["rejected_rows"])
    assert report["households"] == {"new": 4, "updated": 0, "unchanged": 0, "closed": 0}
    assert report["members"] == 7


def _households(storage) -> dict[str, dict]:
    out = {}
    for r in storage.records(ADMIN):
        if r["entity"] == "household" and "roster" in r["fields"]:
            head = next(m for m in r["fields"]["members"] if m["relation"] == "head")
            out[head["id_number"]] = r["fields"]
    return out


def test_openpyxl_sheet_every_trap_named_with_its_row_and_the_rest_imported(county, tmp_path):
    path = rf.write_xlsx(tmp_path / "花名册.xlsx")

    report = import_roster(county, path, campaign=CAMPAIGN, start="2026-04-01")

    assert report["header_row"] == 3 and report["layout"] == "per_member"
    _assert_traps_named(report)
    hh = _households(county)
    assert set(hh) == {rf.HEAD1, rf.HEAD2, rf.HEAD3, rf.HEADS_OK["o"]}
    one = hh[rf.HEAD1]
    assert [m["name"] for m in one["members"]] == ["张建国", "李秀英", "张伟"]
    assert one["categories"] == ["dibao_a"] and one["village_code"] == rf.VILLAGE_A1 and one["address"] == "东关村三组12号"
    # every repeat row carries its stable id (row-level merge), derived from the household
    assert [{k: v for k, v in b.items() if k != "benefit_id"} for b in one["benefits"]] == \
        [{"type": "dibao", "amount_fen": 180000, "period": "monthly"}]
    assert all(b.get("benefit_id") for b in one["benefits"])
    assert one["roster"]["campaign"] == CAMPAIGN and one["roster"]["since"] == "2026-04-01"
    two = hh[rf.HEAD2]
    assert two["categories"] == ["tekun_home"] and two["members"][1]["id_number"] == rf.MEMBER2
    assert two["benefits"][0]["amount_fen"] == 120000
    assert hh[rf.HEAD3]["village_code"] == rf.VILLAGE_A2            # found by its name
    assert hh[rf.HEADS_OK["o"]]["categories"] == ["dibao_b", "disabled_hardship"]
    assert hh[rf.HEADS_OK["o"]]["area_type"] == "urban"


def test_libreoffice_converted_sheet_gives_the_same_report(county, tmp_path):
    source = rf.write_xlsx(tmp_path / "src" / "花名册.xlsx") if (tmp_path / "src").mkdir() is None else None
    converted = rf.convert_with_libreoffice(source, tmp_path / "lo")
    assert converted.read_bytes() != source.read_bytes()

    first = import_roster(county, source, campaign=CAMPAIGN, start="2026-04-01", dry_run=True)
    second = import_roster(county, converted, campaign=CAMPAIGN, start="2026-04-01", dry_run=True)

    _assert_traps_named(second)
    assert [(p["row"], p["code"]) for p in second["problems"]] == [(p["row"], p["code"]) for p in first["problems"]]
    assert second["rejected_rows"] == first["rejected_rows"]


def test_gb18030_csv_with_scientific_notation_ids(county, tmp_path):
    path = rf.write_csv_gb18030(tmp_path / "花名册.csv")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")

    report = import_roster(county, path, campaign=CAMPAIGN, start="2026-04-01")

    _assert_traps_named(report)
    assert set(_households(county)) == {rf.HEAD1, rf.HEAD2, rf.HEAD3, rf.HEADS_OK["o"]}


def test_dry_run_writes_nothing(county, tmp_path):
    before = county.change_log(ADMIN)
    report = import_roster(county, rf.write_xlsx(tmp_path / "r.xlsx"), campaign=CAMPAIGN, dry_run=True)
    assert report["dry_run"] and report["households"]["new"] == 4
    assert county.change_log(ADMIN) == before and county.roster_households(CAMPAIGN) == []


def test_reimport_is_idempotent_a_corrected_file_updates_and_missing_are_closed_only_when_asked(county, tmp_path):
    import openpyxl

    path = rf.write_xlsx(tmp_path / "r.xlsx")
    import_roster(county, path, campaign=CAMPAIGN, start="2026-04-01")
    seq = len(county.change_log(ADMIN))

    again = import_roster(county, path, campaign=CAMPAIGN)
    assert again["households"] == {"new": 0, "updated": 0, "unchanged": 4, "closed": 0}
    assert len(county.change_log(ADMIN)) == seq

    wb = openpyxl.load_workbook(path)
    ws = wb.active
    ws.unmerge_cells("A4:A6")
    ws.unmerge_cells("B4:B6")
    ws["K4"] = "东关村三组14号"                                     # corrected address of 张建国
    ws.delete_rows(_row_of("h3 head 15-digit, village by name"))   # 刘长河 no longer on the list
    new_id = rf.make_id("19580808", 141)
    ws.append(["钱进", new_id, "钱进", "户主", new_id, rf.VILLAGE_B1, "北关社区", "城市特困（集中供养）", 1, "1000", "北关街9号", None])
    for r in range(5, 7):
        ws[f"A{r}"], ws[f"B{r}"] = "张建国", rf.HEAD1
    wb.save(tmp_path / "r2.xlsx")

    corrected = import_roster(county, tmp_path / "r2.xlsx", campaign=CAMPAIGN)
    assert corrected["households"] == {"new": 1, "updated": 1, "unchanged": 2, "closed": 0}
    assert corrected["missing"] == [rf.HEAD3]
    hh = _households(county)
    assert hh[rf.HEAD1]["address"] == "东关村三组14号" and hh[new_id]["categories"] == ["tekun_institutional"]
    assert hh[rf.HEAD3]["roster"]["closed"] is False

    closing = import_roster(county, tmp_path / "r2.xlsx", campaign=CAMPAIGN, close_missing=True)
    assert closing["households"] == {"new": 0, "updated": 0, "unchanged": 4, "closed": 1}
    assert _households(county)[rf.HEAD3]["roster"]["closed"] is True


def test_an_import_is_one_transaction(county, tmp_path, monkeypatch):
    path = rf.write_xlsx(tmp_path / "r.xlsx")
    before = county.change_log(ADMIN)
    original = type(county).push

    def push_then_fail(self, scope, device_id, changes, now, tx=None):
        original(self, scope, device_id, changes, now, tx=tx)   # the households are written, then the disk fills
        raise RuntimeError("disk full")
    monkeypatch.setattr(type(county), "push", push_then_fail)
    with pytest.raises(RuntimeError):
        import_roster(county, path, campaign=CAMPAIGN)
    monkeypatch.undo()

    assert county.change_log(ADMIN) == before
    assert county.roster_households(CAMPAIGN) == [] and county.roster_campaigns() == []


def test_cli_json_report_and_exit_codes(county, tmp_path, capsys):
    db = f"sqlite:///{tmp_path}/server.db"
    path = rf.write_xlsx(tmp_path / "r.xlsx")

    assert cli.main(["--database", db, "roster", "import", str(path), "--campaign", CAMPAIGN, "--dry-run", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert set(report["households"]) == {"new", "updated", "unchanged", "closed"}
    assert all(set(p) == {"row", "column", "severity", "code", "message_zh"} for p in report["problems"])

    template = tmp_path / "模板.xlsx"
    assert cli.main(["--database", db, "roster", "template", str(template)]) == 0
    capsys.readouterr()
    assert cli.main(["--database", db, "roster", "import", str(template), "--campaign", CAMPAIGN, "--json"]) == 0
    empty = json.loads(capsys.readouterr().out)
    assert empty["header_row"] == 2 and empty["rows"] == 0

    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a spreadsheet")
    assert cli.main(["--database", db, "roster", "import", str(junk), "--campaign", CAMPAIGN]) == 2
    assert "无法读取花名册" in capsys.readouterr().err
    old = tmp_path / "花名册.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 60)
    assert cli.main(["--database", db, "roster", "import", str(old), "--campaign", CAMPAIGN]) == 2
    assert "另存为 .xlsx" in capsys.readouterr().err
    headless = tmp_path / "headless.csv"
    headless.write_text("甲,乙\n1,2\n", encoding="utf-8")
    assert cli.main(["--database", db, "roster", "import", str(headless), "--campaign", CAMPAIGN]) == 2
    assert "找不到表头" in capsys.readouterr().err


def test_a_saved_mapping_reads_another_layout(county, tmp_path):
    path = tmp_path / "other.csv"
    head = rf.make_id("19660606", 151)
    path.write_text("姓名（户主）,公民身份证,所在村\n" f"蒋勇,{head},{rf.VILLAGE_A1}\n", encoding="utf-8")
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"head_name": "姓名（户主）", "head_id": "公民身份证", "village_code": "所在村"},
                                  ensure_ascii=False), encoding="utf-8")
    with pytest.raises(errors.RosterUnreadable):
        import_roster(county, path, campaign=CAMPAIGN, dry_run=True)

    report = import_roster(county, path, campaign=CAMPAIGN, mapping=mapping)

    assert report["layout"] == "per_household" and report["households"]["new"] == 1 and not report["problems"]


def test_template_is_read_back_with_its_own_header(tmp_path):
    from sync.server.roster_read import read_sheet

    sheet = read_sheet(write_template(tmp_path / "t.xlsx"))
    assert sheet.header_row == 2 and {"head_id", "member_id", "village_code", "amount"} <= set(sheet.columns)


def test_coverage_needs_a_roster(county):
    with pytest.raises(errors.RosterCampaignMissing):
        coverage(county)


def test_import_reimport_and_coverage_on_both_backends(backend, tmp_path, request, capsys):
    from tests.sync.conftest import make_storage

    storage = make_storage(backend, tmp_path, request)
    try:
        rf.seed_county(storage)
        path = rf.write_csv_gb18030(tmp_path / "r.csv")
        first = import_roster(storage, path, campaign=CAMPAIGN, start="2026-04-01")
        assert first["households"]["new"] == 4 and first["rejected_rows"]
        again = import_roster(storage, path, campaign=CAMPAIGN)
        assert again["households"] == {"new": 0, "updated": 0, "unchanged": 4, "closed": 0}
        report = coverage(storage, CAMPAIGN, rf.TOWN_A)
        assert [(v["code"], v["target"], v["not_visited"]) for v in report["villages"]] == [
            (rf.VILLAGE_A1, 2, 2), (rf.VILLAGE_A2, 1, 1)]
        assert report["townships"][0]["rate_permille"] == 0
    finally:
        storage.close()


def test_cli_coverage_prints_every_level(county, tmp_path, capsys):
    db = f"sqlite:///{tmp_path}/server.db"
    import_roster(county, rf.write_xlsx(tmp_path / "r.xlsx"), campaign=CAMPAIGN, start="2026-04-01")

    assert cli.main(["--database", db, "coverage", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["campaign"] == CAMPAIGN and report["counties"][0]["target"] == 4
    assert cli.main(["--database", db, "coverage", "--area", rf.TOWN_B]) == 0
    text = capsys.readouterr().out
    assert f"乡镇 {rf.TOWN_B}：目标 1，已走访 0" in text and f"村 {rf.VILLAGE_B1}" in text and rf.VILLAGE_A1 not in text


def test_rows_grouped_by_household_number_and_a_visitors_correction_is_not_overwritten(county, tmp_path):
    head, wife = rf.make_id("19590909", 161), rf.make_id("19610101", 172)
    path = tmp_path / "by_number.csv"

    def write(wife_name):
        path.write_text("户编号,成员姓名,与户主关系,身份证号,村（社区）代码,救助类别\n"
                        f"HH-0001,韩老根,户主,{head},{rf.VILLAGE_A1},农村低保B类\n"
                        f"HH-0001,{wife_name},妻子,{wife},{rf.VILLAGE_A1},\n", encoding="utf-8")
    write("韩大嫂")
    first = import_roster(county, path, campaign=CAMPAIGN, start="2026-04-01")
    assert first["households"]["new"] == 1 and first["members"] == 2 and not first["problems"]
    record = next(r for r in county.records(ADMIN) if r["fields"].get("roster", {}).get("key") == "HH-0001")
    assert [m["relation"] for m in record["fields"]["members"]] == ["head", "spouse"]

    # A visitor corrects the wife's name on the laptop; then the county's next roster changes it too.
    members = [dict(m) for m in record["fields"]["members"]]
    members[1]["name"] = "韩秀兰"
    county.push(ADMIN, "laptop-7", [{"change_id": str(uuid.uuid4()), "entity": "household",
                                     "entity_id": record["entity_id"], "household_id": record["entity_id"],
                                     "village_code": rf.VILLAGE_A1, "base_revision": record["revision"],
                                     "fields": {"members": members}, "author": "协理员",
                                     "at": "2026-05-01T08:00:00+00:00"}], "2026-05-01T08:00:00+00:00")
    write("韩大姐")
    second = import_roster(county, path, campaign=CAMPAIGN)

    assert second["households"]["updated"] == 1 and second["conflicts"] == 1
    after = next(r for r in county.records(ADMIN) if r["entity_id"] == record["entity_id"])
    assert after["fields"]["members"][1]["name"] == "韩秀兰"        # kept; both values wait in a hard conflict
    assert [c["kind"] for c in county.list_conflicts(ADMIN) if c["entity_id"] == record["entity_id"]] == ["hard"]


def test_member_id_index_after_a_roster_import_and_a_laptop_change_on_both_backends(backend, tmp_path, request):
    """The index of members' ID numbers (households sharing a person) is written for a whole push at once:
    every household of the import is in it, and a laptop's change of members replaces that household's rows."""
    from tests.sync.conftest import make_storage

    storage = make_storage(backend, tmp_path, request)
    try:
        rf.seed_county(storage)
        import_roster(storage, rf.write_csv_gb18030(tmp_path / "r.csv"), campaign=CAMPAIGN, start="2026-04-01")
        households = {r["entity_id"]: r for r in storage.records(ADMIN) if r["entity"] == "household"}
        assert storage.duplicate_members(ADMIN) == []
        first, second = sorted(households)[:2]
        shared = households[first]["fields"]["members"][0]["id_number"]
        moved = [{"member_id": str(uuid.uuid4()), "name": "同一人", "id_number": shared, "relation": "other"}]
        verdicts, _ = storage.push(ADMIN, "laptop-2", [{
            "change_id": str(uuid.uuid4()), "entity": "household", "entity_id": second, "household_id": second,
            "village_code": households[second]["village_code"], "base_revision": households[second]["revision"],
            "author": "协理员", "at": "2026-04-02T08:00:00+00:00",
            "fields": {"members": households[second]["fields"]["members"] + moved}}], "2026-04-02T08:00:00+00:00")
        assert verdicts[0]["status"] != "conflict"
        found = storage.duplicate_members(ADMIN)
        assert [(d["id_number"], sorted(h["household_id"] for h in d["households"])) for d in found] == [
            (shared, sorted([first, second]))]
        storage.push(ADMIN, "laptop-2", [{
            "change_id": str(uuid.uuid4()), "entity": "household", "entity_id": second, "household_id": second,
            "village_code": households[second]["village_code"], "base_revision": verdicts[0]["revision"],
            "author": "协理员", "at": "2026-04-03T08:00:00+00:00",
            "fields": {"members": households[second]["fields"]["members"]}}], "2026-04-03T08:00:00+00:00")
        assert storage.duplicate_members(ADMIN) == []
    finally:
        storage.close()
