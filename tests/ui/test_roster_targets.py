"""A roster household on the laptop: 未走访 in the list, 无法入户 recorded from its tab, coverage counts it."""

from __future__ import annotations

import uuid

from PySide6.QtWidgets import QMessageBox

from tests.ui.helpers import PASSPHRASE, open_household, type_text, unlock

CAMPAIGN = "2026年困难群众走访排查专项行动"
VILLAGE = "410523100201"


def _pull_roster(svc, count=3) -> list[str]:
    """What the server's roster import sends: household changes carrying the ``roster`` field."""
    from forms.idnumber import check_char

    svc.unlock("张三", PASSPHRASE)
    ids, changes = [], []
    for i in range(count):
        hid = str(uuid.uuid4())
        first17 = f"41052319600101{100 + i:03d}"
        changes.append({"seq": i + 1, "entity": "household", "entity_id": hid, "household_id": hid,
                        "village_code": VILLAGE, "revision": 1, "author": "县民政局花名册", "device_id": "roster",
                        "at": "2026-04-01T00:00:00+00:00",
                        "fields": {"village_code": VILLAGE, "categories": ["dibao_a"], "address": f"东关村{i}组",
                                   "members": [{"member_id": str(uuid.uuid4()), "name": f"马{'一二三'[i]}福",
                                                "id_number": first17 + check_char(first17), "relation": "head"}],
                                   "roster": {"campaign": CAMPAIGN, "since": "2026-04-01", "key": first17,
                                              "closed": False}}})
        ids.append(hid)
    svc.vault.apply_pulled(changes, count)
    svc.lock()
    return ids


def test_unreachable_from_the_household_tab_and_coverage_counts_it(services_factory, window_factory, qtbot):
    svc = services_factory()
    ids = _pull_roster(svc)
    w = window_factory(svc)
    unlock(w, qtbot)
    assert {r.visit_status for r in w.model.rows()} == {"not_visited"}

    tab = open_household(w, ids[0])
    assert tab.unreachable_button.isVisible() and "花名册目标户" in tab.header.text()
    tab.unreachable_button.click()
    dialog = tab.unreachable_dialog
    dialog.reason.setCurrentIndex(dialog.reason.findData("refused"))
    type_text(qtbot, dialog.note, "敲门无人应答后拒绝开门")
    dialog.record()                                   # a refusal with one visitor: refused, the dialog stays
    qtbot.waitUntil(lambda: dialog.findChild(QMessageBox, "errorBox") is not None, timeout=3000)
    box = dialog.findChild(QMessageBox, "errorBox")
    assert "第二名" in box.text() and dialog.isVisible()
    box.close()
    dialog.visitor2.setText("李强")
    with qtbot.waitSignal(w.changed, timeout=10000) as changed:
        dialog.record()
    assert changed.args[0].households == {ids[0]}

    assert not dialog.isVisible() and "无法入户：拒绝入户" in tab.header.text()
    pending = [c for c in svc.vault.pending_changes() if c["entity_id"] == ids[0]]
    assert pending[-1]["fields"]["target_status"]["reason"] == "refused"
    assert pending[-1]["fields"]["target_status"]["visitors"] == ["张三", "李强"]

    # The list shows it as 无法入户, no longer as 未走访, and the status filter finds it.
    qtbot.waitUntil(lambda: next(r for r in w.model.rows() if r.household_id == ids[0]).visit_status == "unreachable",
                    timeout=5000)
    assert {r.visit_status for r in svc.household_rows()} == {"unreachable", "not_visited"}
    assert w.model.labels("visit_status", "unreachable") == "无法入户"

    report = svc.coverage()
    v = report.villages[0]
    assert (v.village_code, v.target, v.visited, v.unreachable) == (VILLAGE, 3, 0, 1)
    w.coverage_page.set_report(report)
    table = w.coverage_page.table
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert table.item(0, headers.index("无法入户")).text() == "1" and table.item(0, headers.index("目标户数")).text() == "3"
    assert w.coverage_page.summary.text() == "已走访 0，无法入户 1 / 目标 3 户（33.3%）"
