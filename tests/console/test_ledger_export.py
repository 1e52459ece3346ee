"""台账 export at a county's size: the visits read in keyset batches in village order, the workbook streamed one
group at a time; the file holds exactly the rows the ledger's own grouping makes, cell for cell."""

from __future__ import annotations

import io
import uuid
from decimal import Decimal

import pytest
from openpyxl import load_workbook

import printouts
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from forms.reference import reference_from_dict
from printouts.ledger import COLUMNS, LedgerOrderError, iter_ledger_groups, ledger_groups
from printouts.ledger_xlsx import neutralise
from sync.server.console.store import ConsoleStore
from sync.server.storage import Scope
from tests.console.conftest import make_storage
from tests.console.seed import COUNTY, TOWN_A, VILLAGE_A1, VILLAGE_A2, member, pid, push_household, seed_county
from tests.console.test_pages import publish_reference


@pytest.fixture(params=["sqlite", "postgres"])
def big_county(request, tmp_path):
    """The console's seeded county and 30 more households in both villages of 东山街道 (same heads, same dates:
    the order within a sheet is decided by the visit id), with hostile text in an address."""
    storage = make_storage(request.param, tmp_path, request)
    ids = seed_county(storage)
    for i in range(30):
        village = VILLAGE_A1 if i % 2 else VILLAGE_A2
        address = f"=HYPERLINK(\"x\")竹山路 {i} 号" if i == 7 else f"竹山路 {i} 号"
        ids[f"t{i}"] = push_household(storage, village, address, [member("王秀英" if i % 3 else "李建国", pid(f"3201151960{1 + i // 28:02d}{1 + i % 28:02d}001"))],
                                      needs=[{"need_id": str(uuid.uuid4()), "category": "medical", "description": f"用药 {i}",
                                              "disposition": "pending"}] if i % 4 == 0 else (),
                                      visit_date="2026-05-0" + str(1 + i % 3))
    yield storage, ids
    storage.close()


def _context(store: ConsoleStore):
    latest = store.latest_document("reference")
    return printouts.PrintContext(signing_key=Ed25519PrivateKey.generate(),
                                  reference=reference_from_dict(latest["content"], f"reference v{latest['version']}"))


def _sheet_rows(ws) -> list[list]:
    return [[c.value for c in row] for row in ws.iter_rows(min_row=3, max_col=len(COLUMNS))]


def _expected(row: dict) -> list:
    out = []
    for key, _, _ in COLUMNS:
        value = neutralise(row.get(key))
        out.append(None if value in (None, "") else float(value) if isinstance(value, Decimal) else value)
    return out


def test_the_township_ledger_holds_every_final_visit_cell_for_cell(big_county):
    storage, ids = big_county
    app_client = _client(storage, "county-admin")
    publish_reference(app_client)
    answer = app_client.post("/console/ledger/download", {"area": TOWN_A, "format": "xlsx"})
    assert answer.status_code == 200, answer.text[:500]
    book = load_workbook(io.BytesIO(answer.content))
    store = ConsoleStore(storage)
    visits = [v for v in store.visits(Scope("office", TOWN_A)) if v["status"] == "final"]
    groups = ledger_groups(visits, _context(store), "village")
    assert [g.code for g in groups] == [VILLAGE_A1, VILLAGE_A2]
    assert book.sheetnames == ["汇总"] + [f"{g.code} {g.name}" for g in groups]
    for g in groups:
        ws = book[f"{g.code} {g.name}"]
        assert ws["A1"].value.startswith(f"工作台账　{g.name}（{g.code}）　共 {len(g.rows)} 户")
        assert [c.value for c in ws[2]][:len(COLUMNS)] == [h for _, h, _ in COLUMNS]
        assert _sheet_rows(ws) == [_expected(r) for r in g.rows]
        assert ws.freeze_panes == "A3" and ws.auto_filter.ref == f"A2:P{len(g.rows) + 2}"
        assert ws.print_title_rows == "$2:$2" and ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
        assert (ws.page_margins.left, ws.page_margins.top, ws.page_margins.header) == (0.75, 1, 0.5)
        assert ws.column_dimensions["F"].width == 30 and ws.row_dimensions[3].height >= 18
    rows = [[c.value for c in r] for r in book["汇总"].iter_rows(min_row=2)]
    assert rows == [[g.code, g.name, len(g.rows), sum(r["need_count"] for r in g.rows), sum(r["referred"] for r in g.rows),
                     sum(r["pending"] for r in g.rows), sum(1 for r in g.rows if r["urgent"]), f"{g.code} {g.name}"]
                    for g in groups]
    # the hostile address is text, the numbering follows (visit date, head, visit id), every household is there
    cells = [c.value for ws in book.worksheets[1:] for row in ws.iter_rows(min_row=3) for c in row]
    assert "'=HYPERLINK(\"x\")竹山路 7 号" in cells
    assert all(ws.cell(row=r, column=1).value == r - 2 for ws in book.worksheets[1:] for r in range(3, ws.max_row + 1))
    audit = store.audit_log(action="ledger_export")[0]
    assert sorted(audit["households"]) == sorted(v["household_id"] for v in visits)


def test_placed_visits_are_every_visit_in_village_order_a_batch_at_a_time(big_county):
    storage, _ = big_county
    store = ConsoleStore(storage)
    for scope in (Scope("office", TOWN_A), Scope("admin", COUNTY)):
        whole = store.visits(scope)
        for batch in (1, 7, 2000):
            placed = list(store.placed_visits(scope, batch=batch))
            assert [v["visit_id"] for _, v in placed] == [v["visit_id"] for v in sorted(
                whole, key=lambda v: (v["answers"]["village_code"], v["visit_id"]))]
            assert placed == sorted(((v["answers"]["village_code"], v) for v in whole), key=lambda p: (p[0], p[1]["visit_id"]))


def test_a_visit_kept_out_of_its_villages_order_gives_the_same_workbook(big_county, tmp_path, monkeypatch):
    """The streamed ledger finishes a group once the places pass it; a visit whose own answers put it in a group
    already written makes the export read the visits kept out of their place first and stream the rest again
    (never the whole area in memory): the same workbook either way."""
    storage, _ = big_county
    store = ConsoleStore(storage)
    publish_reference(_client(storage, "county-admin"))
    ctx = _context(store)
    visits = [v for v in store.visits(Scope("admin", COUNTY)) if v["status"] == "final"]
    placed = [(v["answers"]["village_code"], v) for v in visits]
    placed.sort(key=lambda p: (p[0], p[1]["visit_id"]))
    late = next(i for i, (place, _) in enumerate(placed) if place == VILLAGE_A1)
    moved = [p for i, p in enumerate(placed) if i != late] + [("999999999999", placed[late][1])]   # kept "elsewhere", read last
    with pytest.raises(LedgerOrderError):   # the streamed grouping notices, and the export falls back
        list(iter_ledger_groups(iter(moved), ctx, "township"))
    held = []
    real_iter = printouts.iter_ledger_groups

    def watched(placed, *args, early=(), **kw):   # the visits held ahead: only the one kept out of its place
        held.append([v["visit_id"] for v in early])
        return real_iter(placed, *args, early=early, **kw)

    with monkeypatch.context() as m:
        m.setattr(printouts.jobs, "iter_ledger_groups", watched)
        m.setattr(printouts.jobs, "ledger_groups", lambda *a, **k: pytest.fail("the whole area was grouped in memory"))
        streamed = printouts.export_ledger_xlsx_placed(lambda: iter(moved), ctx, tmp_path / "streamed.xlsx", group_by="township")
    assert held == [[], [placed[late][1]["visit_id"]]]
    whole = printouts.export_ledger_xlsx(visits, ctx, tmp_path / "whole.xlsx", group_by="township")
    assert sorted(streamed.household_ids) == sorted(whole.household_ids) and streamed.groups == whole.groups
    a, b = load_workbook(streamed.path), load_workbook(whole.path)
    assert a.sheetnames == b.sheetnames
    for name in a.sheetnames:
        assert [[c.value for c in r] for r in a[name].iter_rows()] == [[c.value for c in r] for r in b[name].iter_rows()]


def _client(storage, name: str):
    from sync.server.app import create_app
    from tests.console.conftest import ConsoleClient

    client = ConsoleClient(create_app(storage))
    assert client.login(name).status_code == 303
    return client
