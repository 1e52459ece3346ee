"""The household list models, tested without a view: filters, sort, small updates."""

import datetime as dt

import pytest
from PySide6.QtCore import Qt

from fieldapp.ui.household_filter import HouseholdFilter, HouseholdRow, matching_rows
from fieldapp.ui.household_model import HouseholdIdRole, HouseholdProxy, HouseholdTableModel

TODAY = dt.date(2026, 5, 12)


def row(i, *, village="110105001001", cats=("dibao_a",), status="not_visited", due="", needs=0, flags=()):
    return HouseholdRow(f"h{i}", f"户主{i}", "110105********002X", village, f"村{village[-3:]}", f"地址{i}号",
                        tuple(cats), status, due, needs, tuple(flags))


@pytest.fixture
def rows():
    return [
        row(0, cats=("dibao_a",), status="done", due="2026-05-01", needs=2),
        row(1, village="110105001002", cats=("tekun_home",), status="draft", due="2026-05-30", flags=("child_protection",)),
        row(2, cats=("low_income", "dibao_b"), due="2026-09-01", flags=("verify",)),
        row(3, village="110105001002", cats=(), due="", needs=1, flags=("watch", "verify")),
    ]


def ids(model, proxy):
    return [proxy.household_id(r) for r in range(proxy.rowCount())]


def test_filters_each_criterion(rows):
    f = HouseholdFilter
    assert matching_rows(rows, f(village_code="110105001002", today=TODAY)) == [1, 3]
    assert matching_rows(rows, f(category="dibao_b", today=TODAY)) == [2]
    assert matching_rows(rows, f(visit_status="draft", today=TODAY)) == [1]
    assert matching_rows(rows, f(review="overdue", today=TODAY)) == [0]
    assert matching_rows(rows, f(review="due30", today=TODAY)) == [1]
    assert matching_rows(rows, f(open_needs_only=True, today=TODAY)) == [0, 3]
    assert matching_rows(rows, f(flag="verify", today=TODAY)) == [2, 3]
    assert matching_rows(rows, f(village_code="110105001002", open_needs_only=True, today=TODAY)) == [3]
    assert matching_rows(rows, f(household_ids=frozenset({"h2", "h0"}), today=TODAY)) == [0, 2]
    assert matching_rows(rows, f()) == [0, 1, 2, 3]


def test_model_displays_rows_and_masked_ids(qapp, rows):
    model = HouseholdTableModel()
    model.set_rows(rows)
    assert model.rowCount() == 4 and model.columnCount() == 9
    assert model.data(model.index(2, 0)) == "户主2"
    assert model.data(model.index(2, 1)) == "110105********002X"
    assert model.data(model.index(2, 4)) == "低收入家庭、低保（B类）"   # the form's own wording
    assert model.data(model.index(1, 8)) == "儿童保护（紧急）"
    assert model.data(model.index(1, 0), HouseholdIdRole) == "h1"
    assert model.headerData(0, Qt.Horizontal) == "户主"


def test_proxy_sorts_and_filters(qapp, rows):
    model = HouseholdTableModel()
    model.set_rows(rows)
    proxy = HouseholdProxy()
    proxy.setSourceModel(model)
    proxy.sort(6, Qt.AscendingOrder)  # review due; empty dates last
    assert ids(model, proxy) == ["h0", "h1", "h2", "h3"]
    proxy.sort(8, Qt.AscendingOrder)  # flags: child protection first
    assert ids(model, proxy)[0] == "h1"
    proxy.set_filter(HouseholdFilter(flag="verify"))
    assert proxy.rowCount() == 2
    assert proxy.data(proxy.index(0, 0)) in ("户主2", "户主3")


def test_small_update_emits_data_changed_not_reset(qapp, qtbot, rows):
    model = HouseholdTableModel()
    model.set_rows(rows)
    proxy = HouseholdProxy()
    proxy.setSourceModel(model)
    resets = []
    proxy.modelReset.connect(lambda: resets.append(1))
    changed = []
    proxy.dataChanged.connect(lambda tl, br, roles=(): changed.append((tl.row(), br.row())))
    model.update_row(row(2, status="done", needs=5))
    assert not resets
    assert changed == [(2, 2)]
    assert proxy.data(proxy.index(2, 7)) == "5"
    model.update_row(row(9))
    assert model.rowCount() == 5 and model.row_for("h9") == 4


def test_hundred_thousand_rows_filter_quickly(qapp):
    import time

    many = [row(i, village=f"1101050010{i % 50:02d}", needs=i % 3) for i in range(100_000)]
    model = HouseholdTableModel()
    proxy = HouseholdProxy()
    proxy.setSourceModel(model)
    model.set_rows(many)
    t = time.perf_counter()
    proxy.set_filter(HouseholdFilter(village_code="110105001007", open_needs_only=True))
    proxy.sort(0, Qt.DescendingOrder)
    elapsed = time.perf_counter() - t
    assert proxy.rowCount() == sum(1 for i in range(100_000) if i % 50 == 7 and i % 3)
    assert elapsed < 2.0  # generous: a shared 2-core machine; the bench measures it properly
