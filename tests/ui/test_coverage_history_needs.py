"""Coverage figures and click-through, the visit history diff, needs disposition with history, auto-lock."""

from PySide6.QtCore import Qt

from tests.ui.helpers import open_household, unlock, amend_visit


def test_coverage_matches_the_list_and_clicks_through(services_factory, window_factory, qtbot):
    svc = services_factory(demo=True, households=40)
    w = window_factory(svc)
    unlock(w, qtbot)
    page = w.coverage_page
    w.tabs.setCurrentWidget(page)  # figures are computed when the view is shown
    qtbot.waitUntil(lambda: page.report is not None, timeout=10000)
    rows = w.model.rows()
    report = page.report
    assert sum(v.target for v in report.villages) == 40
    for v in report.villages:
        mine = [r for r in rows if r.village_code == v.village_code]
        assert v.target == len(mine) and v.visited == sum(r.visit_status == "done" for r in mine)
        assert v.open_needs == sum(r.open_needs > 0 for r in mine)
    total_visited = sum(v.visited for v in report.villages)
    assert f"已走访 {total_visited} / 目标 40 户" in page.summary.text()
    # The progress bar of the first village shows its share.
    bar = page.table.cellWidget(0, 3)
    assert (bar.value(), bar.maximum()) == (report.villages[0].visited, report.villages[0].target)
    # Click "visited" of the first village: the list shows exactly those households.
    w.tabs.setCurrentWidget(page)
    page.table.cellClicked.emit(0, 2)
    assert w.tabs.currentWidget() is w.list_page
    assert w.list_page.proxy.rowCount() == report.villages[0].visited
    assert w.list_page.village.currentData() == report.villages[0].village_code
    assert w.list_page.status.currentData() == "done"
    # Needs by disposition are counted from the households' needs.
    counted = {}
    for r in rows:
        for n in svc.needs(r.household_id):
            counted[n.get("disposition") or "pending"] = counted.get(n.get("disposition") or "pending", 0) + 1
    assert report.needs_by_disposition == counted


def test_amend_keeps_history_and_diff_is_readable(services_factory, window_factory, qtbot, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    svc = services_factory(demo=True, households=15)
    w = window_factory(svc)
    unlock(w, qtbot)
    hid = next(r.household_id for r in w.model.rows() if r.visit_status == "done")
    tab = open_household(w, hid)
    assert tab.editor.read_only and tab.amend_button.isVisible()
    original = tab.latest
    amend_visit(tab, qtbot)
    ed = tab.editor
    assert not ed.read_only and ed.visit["visit_id"] != original["visit_id"]
    ed.set_answer("phone", "13800001111")
    members = ed.repeats["members"]
    members.select_row(0)
    i = members.fields["health"].input
    i.setCurrentIndex(i.findData("serious_illness" if members.fields["health"].value() != "serious_illness" else "healthy"))
    new_health = members.fields["health"].value()
    if not ed.fields["visitors"].value() or len(ed.fields["visitors"].value()) < 2:
        ed.set_answer("visitors", ["王芳", "赵强"])
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    ed.recheck()
    blocking = [p for p in ed.problems if p.severity == "error"]
    if blocking:  # e.g. the new health value asks for the illness type
        members.fields["illness_type"].input.setText("尿毒症")
        members.fields["illness_type"].edited.emit()
    with qtbot.waitSignal(ed.saved, timeout=10000):
        assert ed.finalise(), [(p.path, p.message_zh) for p in ed.problems if p.severity == "error"]

    history = svc.visit_history(hid)
    assert [h["visit"]["visit_id"] for h in history][:2] == [ed.visit["visit_id"], original["visit_id"]]
    assert svc.get_visit(original["visit_id"])["answers"] == original["answers"]  # original kept unchanged
    changes = {c.where: (c.before, c.after) for c in history[0]["changes"]}
    assert changes["联系电话"][1] == "13800001111"
    health = [k for k in changes if k.startswith("家庭成员 · ") and k.endswith("健康状况")]
    assert health and changes[health[0]][1] == svc.form().question("members.health").option_label(new_health)

    tab.inner.setCurrentWidget(tab.history)
    assert tab.history.visits.count() == len(history)
    assert tab.history.table.rowCount() == len(history[0]["changes"])
    assert "变化" in tab.history.caption.text()


def test_need_disposition_is_saved_with_history(services_factory, window_factory, qtbot):
    svc = services_factory(demo=True, households=40)
    w = window_factory(svc)
    unlock(w, qtbot)
    hid = next(r.household_id for r in w.model.rows() if r.open_needs > 0)
    tab = open_household(w, hid)
    tab.inner.setCurrentWidget(tab.needs)
    view = tab.needs
    open_row = next(i for i, n in enumerate(view.needs) if n.get("disposition") not in ("resolved", "resolved_on_site"))
    need_id = view.needs[open_row]["need_id"]
    view.table.setCurrentCell(open_row, 0)
    view.disposition.setCurrentIndex(view.disposition.findData("referred"))
    assert view.department.isEnabled()
    view.department.setCurrentIndex(view.department.findData("health"))
    view.note.setText("已电话联系卫健部门")
    before_open = w.model.rows()[w.model.row_for(hid)].open_needs
    vault = svc._v()
    latest_id = vault.get_household(hid, audit_view=False)["visits"][0]["id"]
    recorded = vault.get_visit(latest_id, audit_view=False)["answers"]
    with qtbot.waitSignal(w.changed, timeout=10000) as changed:
        view.apply.click()
    assert changed.args[0].households == {hid}
    need = next(n for n in svc.needs(hid) if n["need_id"] == need_id)
    # an amendment of the household's need row: the recorded visit stays as it was recorded
    assert vault.get_visit(latest_id, audit_view=False)["answers"] == recorded
    sent = [c["fields"] for c in vault.pending_changes(100000) if c["entity_id"] == hid][-1]
    assert all(path.startswith(f"needs/{need_id}/") for path in sent)      # only that need row's answers
    assert sent[f"needs/{need_id}/history"][-1]["by"] == "张三" and sent.get(f"needs/{need_id}/department") == "health"
    assert need["disposition"] == "referred" and need["department"] == "health" and need["referred_on"]
    last = need["history"][-1]
    assert last["by"] == "张三" and last["disposition"] == "referred" and last["note"] == "已电话联系卫健部门"
    assert w.model.rows()[w.model.row_for(hid)].open_needs == before_open  # referred is still open
    view.table.setCurrentCell([n["need_id"] for n in view.needs].index(need_id), 0)
    view.disposition.setCurrentIndex(view.disposition.findData("resolved"))
    with qtbot.waitSignal(w.changed, timeout=10000):
        view.apply.click()
    assert w.model.rows()[w.model.row_for(hid)].open_needs == before_open - 1
    assert "已电话联系卫健部门" in view.history.text()


def test_idle_minutes_lock_the_app(services_factory, window_factory, qtbot):
    svc = services_factory()
    w = window_factory(svc)
    unlock(w, qtbot)
    w.apply_settings({"auto_lock_minutes": 0.01})  # 0.6 s
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.unlock_page, timeout=5000)
    assert not svc.is_unlocked() and svc.load_settings()["auto_lock_minutes"] == 0.01


def test_coverage_page_shows_the_review_state_columns(qtbot):
    from fieldapp.services import Coverage, VillageCoverage
    from fieldapp.ui.coverage import CoveragePage

    page = CoveragePage()
    qtbot.addWidget(page)
    village = VillageCoverage("510522101201", "福宝村", target=5, visited=4, submitted=2, returned=1, approved=1)
    page.set_report(Coverage(villages=[village], needs_by_disposition={}))
    headers = [page.table.horizontalHeaderItem(c).text() for c in range(page.table.columnCount())]
    assert headers[-3:] == ["待审核", "已退回", "已审核通过"]
    cells = {headers[c]: page.table.item(0, c).text() for c in range(page.table.columnCount()) if page.table.item(0, c)}
    assert (cells["待审核"], cells["已退回"], cells["已审核通过"]) == ("2", "1", "1")


def test_coverage_page_shows_overdue_reviews_by_the_countys_deadline(qtbot):
    """审核超期 next to 待审核, with the deadline it was counted with; "—" when the county set none."""
    from fieldapp.services import Coverage, VillageCoverage
    from fieldapp.ui.coverage import CoveragePage

    page = CoveragePage()
    qtbot.addWidget(page)
    village = VillageCoverage("510522101201", "福宝村", target=5, visited=4, overdue=1, submitted=3, review_overdue=2)
    page.set_report(Coverage(villages=[village], needs_by_disposition={}, review_deadline_days=30))
    headers = [page.table.horizontalHeaderItem(c).text() for c in range(page.table.columnCount())]
    assert headers.index("审核超期") == headers.index("待审核") - 1
    assert page.table.item(0, headers.index("审核超期")).text() == "2"
    assert page.table.item(0, headers.index("复核逾期")).text() == "1"      # R7's re-check schedule, a different figure
    assert "审核超期：待审核超过 30 天（县参考数据规定的审核期限）。" in page.hint.text()
    page.set_report(Coverage(villages=[village], needs_by_disposition={}))   # no deadline published
    assert page.table.item(0, headers.index("审核超期")).text() == "—"
    assert "县参考数据未设定审核期限，不计审核超期。" in page.hint.text() and "30 天" not in page.hint.text()
