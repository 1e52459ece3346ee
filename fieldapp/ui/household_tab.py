"""One open household: a header, the visit editor, the visit history with changes, and the needs."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QMenu, QMessageBox, QPushButton, QTabWidget,
                               QToolButton, QVBoxLayout, QWidget)

from fieldapp.ui.changes import Changes
from fieldapp.ui.errors import show_error
from fieldapp.ui.history_view import HistoryView
from fieldapp.ui.labels import list_label, list_sep
from fieldapp.ui.needs_view import NeedsView
from fieldapp.ui.visit_editor import VisitEditor


class HouseholdTab(QWidget):
    """Opens the household through the services; reopens an autosaved draft after a crash.

    Its writes (saves, need dispositions, 无法入户, discarding a draft) go through ``mutations``; the tab
    shows the household as the ``changed`` signal brings it back, read once after the write.
    """

    def __init__(self, services, runner, household_id: str, languages, parent=None, *, mutations):
        super().__init__(parent)
        self.setObjectName("householdTab")
        self.services = services
        self.runner = runner
        self.mutations = mutations
        self.languages = languages
        self.household_id = household_id
        self.form = services.form()
        opened = services.open_household(household_id)
        self.household = opened["household"]
        self.latest = opened["latest"]
        self.recovered = opened["draft"] is not None

        self.header = QLabel(self, objectName="householdHeader", wordWrap=True)
        self.header.setTextFormat(Qt.RichText)
        self.banner = QLabel(self, objectName="householdBanner", wordWrap=True)
        self.banner.setStyleSheet("background: #fff4d6; border: 1px solid #e0b54a; padding: 4px;")
        self.banner.hide()
        self.amend_button = QPushButton(self, objectName="amendVisit")
        self.new_button = QPushButton(self, objectName="newVisit")
        self.discard_button = QPushButton(self, objectName="discardDraft")
        self.discard_button.clicked.connect(self.discard_draft)
        self.amend_button.clicked.connect(self.amend)
        self.new_button.clicked.connect(self.start_new)
        top = QHBoxLayout()
        top.addWidget(self.header, 1)
        top.addWidget(self.discard_button)
        top.addWidget(self.amend_button)
        top.addWidget(self.new_button)
        self.unreachable_button = QPushButton(self, objectName="unreachableButton")   # roster targets only
        self.unreachable_button.clicked.connect(self.mark_unreachable)
        top.addWidget(self.unreachable_button)
        self.print_button = QToolButton(self, objectName="printButton")
        self.print_button.setPopupMode(QToolButton.InstantPopup)
        self.print_menu = QMenu(self.print_button)
        for kind in services.PRINT_KINDS:
            act = QAction(self.print_menu)
            act.setData(kind)
            act.triggered.connect(lambda _c=False, k=kind: self.print_document(k))
            self.print_menu.addAction(act)
        self.print_button.setMenu(self.print_menu)
        top.addWidget(self.print_button)
        self.inner = QTabWidget(self, objectName="householdInner")
        self.history = HistoryView(self.inner)
        self.needs = NeedsView(self.form, self.inner)
        self.needs.update_requested.connect(self._update_need)
        self.editor: VisitEditor | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(top)
        lay.addWidget(self.banner)
        lay.addWidget(self.inner, 1)

        if opened["draft"] is not None:
            self._open_editor({**opened["draft"], "status": "draft"}, read_only=False)
            self.banner.setText(self.tr("已恢复上次未保存完的草稿（自动保存于 %1）。请核对后继续填写。")
                                .replace("%1", str(opened["draft"].get("saved_at", ""))[:19].replace("T", " ")))
            self.banner.show()
        elif self.latest is not None and self.latest["status"] == "draft":
            self._open_editor(self.latest, read_only=False)
        elif self.latest is not None:
            self._open_editor(self.latest, read_only=True)
        else:
            self._open_editor(services.new_visit(self.household), read_only=False)
        self.inner.addTab(self.history, "")
        self.inner.addTab(self.needs, "")
        self.inner.currentChanged.connect(self._inner_changed)
        mutations.changed.connect(self._on_changed)
        self.retranslate()

    def _open_editor(self, visit: dict, read_only: bool) -> None:
        old = self.editor
        form = self.services.form(visit.get("form_version"))
        self.editor = VisitEditor(self.services, form, visit, self.languages.language, self.inner, read_only=read_only,
                                  mutations=self.mutations)
        self.editor.saved.connect(self._saved)
        from fieldapp.ui.review_widgets import attach_review_comments

        attach_review_comments(self.editor, self.services.reviews.return_of(visit["visit_id"]))
        if old is not None:
            i = self.inner.indexOf(old)
            self.inner.removeTab(i)
            old.deleteLater()
            self.inner.insertTab(0, self.editor, "")
        else:
            self.inner.insertTab(0, self.editor, "")
        self.inner.setCurrentIndex(0)
        self.amend_button.setVisible(read_only)
        self.new_button.setVisible(read_only)
        self.discard_button.setVisible(not read_only)
        self.retranslate()

    @property
    def print_actions(self) -> dict[str, QAction]:
        """The print menu's actions by document kind (looked up in the menu: Python-side references to
        actions made by ``addAction(text)`` were found invalid later while the menu still held them)."""
        return {a.data(): a for a in self.print_menu.actions()}

    def focus_editor(self) -> None:
        """Put the keyboard where work starts: the editor's first field, or 新走访 on a finished visit."""
        if self.editor is None:
            return
        self.inner.setCurrentIndex(self.inner.indexOf(self.editor))
        if self.editor.read_only:
            self.new_button.setFocus(Qt.TabFocusReason)
        else:
            self.editor.focus_first_field()

    def discard_draft(self, confirm: bool = True) -> None:
        """Throw away what was typed since the last save (asks first); shows the household as saved."""
        if self.editor is None or self.editor.read_only:
            return
        if confirm and QMessageBox.question(self, self.tr("放弃草稿"), self.tr(
                "放弃这次未保存的填写内容？已保存的走访记录不受影响。")) != QMessageBox.Yes:
            return
        self.editor.dirty = False
        self.editor.stop_autosave()
        visit_id = self.editor.visit["visit_id"]

        def work() -> Changes:
            self.services.discard_draft(visit_id)
            return Changes(households={self.household_id})

        self.mutations.run(f"visit:{visit_id}", work, on_done=self._draft_discarded)

    def _draft_discarded(self, _changes: Changes) -> None:
        # self.household / self.latest came with the changes (see _on_changed)
        self.banner.hide()
        if self.latest is None:
            self._open_editor(self.services.new_visit(self.household), read_only=False)
        else:
            self._open_editor(self.latest, read_only=self.latest["status"] == "final")

    def amend(self):
        """Edit a finished visit as a new record; the original stays in the history.

        The amendment link is a vault write: it runs on the writer, and the editor opens when it landed.
        Returns the task (None when an amendment of this household is already being started).
        """
        latest, hid = self.latest, self.household_id

        def work() -> Changes:
            new = self.services.reviews.amend(latest)   # linked: sent back for review
            return Changes(visits={new["visit_id"]}, review=True, result=new)

        return self.mutations.run(f"start-visit:{hid}", work, on_done=self._amendment_started,
                                  on_error=lambda e: show_error(self, e))

    def _amendment_started(self, changes: Changes) -> None:
        self._open_editor(changes.result, read_only=False)
        self.banner.setText(self.tr("正在修改已完成的走访：保存后原记录保留在走访记录中。"))
        self.banner.show()
        self.focus_editor()

    def start_new(self):
        """Start a new visit of this household (e.g. the next review); linked on the writer when a return is open."""
        household, hid = self.household, self.household_id

        def work() -> Changes:
            visit = self.services.reviews.link_if_returned(self.services.new_visit(household))
            linked = bool(visit.get("amends"))
            return Changes(visits={visit["visit_id"]} if linked else (), review=linked, result=visit)

        return self.mutations.run(f"start-visit:{hid}", work, on_done=self._new_visit_started,
                                  on_error=lambda e: show_error(self, e))

    def _new_visit_started(self, changes: Changes) -> None:
        self._open_editor(changes.result, read_only=False)
        self.banner.hide()
        self.focus_editor()

    def _on_changed(self, changes: Changes) -> None:
        """A mutation finished: show this household as it was read back after the write (no read of our own)."""
        if changes.synced and self.editor is not None and not self.editor.read_only:
            self.editor.refresh_reference()
        opened = changes.opened.get(self.household_id)
        if opened is None:
            return
        self.household, self.latest = opened["household"], opened["latest"]
        if self.inner.currentWidget() is self.needs:
            self.needs.set_needs(_needs_of(self.household), self.languages.language)
        self.retranslate()

    def _saved(self, status: str) -> None:
        # self.household / self.latest are already the saved state: the changed signal came first.
        if status == "final":
            self._open_editor(self.latest, read_only=True)
            self.banner.setText(self.tr("走访已完成并保存。"))
            self.banner.show()
            self.focus_editor()

    def _inner_changed(self, index: int) -> None:
        from fieldapp.errors import CODED_ERRORS

        w = self.inner.widget(index)
        try:
            if w is self.history:
                self.history.set_history(self.services.reviews.history(self.household_id), self.languages.language)
            elif w is self.needs:
                self.needs.set_needs(self.services.needs(self.household_id), self.languages.language)
        except CODED_ERRORS as exc:  # locked meanwhile, a record gone after a sync …
            show_error(self, exc)

    def _update_need(self, need_id: str, change: dict) -> None:
        hid = self.household_id

        def work() -> Changes:
            self.services.update_need(hid, need_id, **change)
            return Changes(households={hid}, outbox=True)

        # the needs list is refreshed from the household read back (see _on_changed)
        self.mutations.run(f"need:{hid}:{need_id}", work, on_error=lambda e: show_error(self, e))

    def print_document(self, kind: str, out: str | None = None) -> None:
        """Print a document of the latest saved visit, off the UI thread: into ``out``, or to the in-app preview."""
        if self.editor is not None and self.editor.dirty and not self.editor.read_only:
            self.editor.save(then=lambda: self.print_document(kind, out))   # print what was just saved
            return

        def done(result) -> None:
            self.printed = result
            if out is not None:
                box = QMessageBox(QMessageBox.Information, self.tr("已生成"), self.tr("已生成 %1 页：%2")
                                  .replace("%1", str(result.pages)).replace("%2", str(result.path)), QMessageBox.Ok, self)
                box.open()
                return
            from fieldapp.ui.print_preview import PrintPreviewDialog, suggested_file_name

            self.preview_dialog = PrintPreviewDialog(result.data, self.services, kind, len(result.documents), self,
                                                     title=self.print_actions[kind].text(),
                                                     held_serials=result.held_serials, mutations=self.mutations,
                                                     file_name=suggested_file_name(self.title(), self.print_actions[kind].text()))
            self.preview_dialog.open()

        self.runner.run(lambda p: self.services.print_household(kind, self.household_id, out,
                                                                 progress=lambda d, t: p.report(d, t) or True),
                        pass_progress=True, progress_parent=self, label=self.tr("正在生成 PDF…"),
                        on_success=done, on_error=lambda e: show_error(self, e))

    def mark_unreachable(self) -> None:
        """Open the 无法入户 dialog; on success the header shows the state and the list refreshes."""
        from fieldapp.ui.unreachable_dialog import UnreachableDialog

        self.unreachable_dialog = UnreachableDialog(self.services, self.household_id, self.services.user or "", self,
                                                    mutations=self.mutations)   # the header follows via changed
        self.unreachable_dialog.open()

    def save_draft_now(self) -> None:
        """Autosave the open editor now (closing, locking)."""
        if self.editor is not None:
            self.editor.save_draft_now()

    def title(self) -> str:
        """Tab title: the head's name."""
        from fieldapp.vault.projection import head_of, members_of

        head = head_of(members_of(self.household["fields"]))
        return head.get("name") or self.tr("新户")

    def changeEvent(self, e):
        if e.type() == QEvent.LanguageChange:
            self.retranslate()
        super().changeEvent(e)

    def retranslate(self) -> None:
        """Set every text in the current language."""
        lang = self.languages.language
        f = self.household["fields"]
        from fieldapp.vault.projection import head_of, members_of
        from forms.idnumber import mask

        head = head_of(members_of(f))
        cats = list_sep().join(self.services.option_label("category", c, lang) or list_label("category", c)
                        for c in self.household.get("categories", []))
        flags = [list_label("flag", x) for x in self.household.get("flags", [])]
        flag_html = "".join(f" <span style='color:#b00020'>[{x}]</span>" for x in flags)
        from forms.coverage import REASON_LABELS_ZH

        roster = f.get("roster") if isinstance(f.get("roster"), dict) else {}
        status = f.get("target_status") if isinstance(f.get("target_status"), dict) else {}
        target_html = ""
        if status.get("state") == "unreachable":
            target_html = (f" <span style='color:#8a5a00'>[{self.tr('无法入户')}："
                           f"{_esc(REASON_LABELS_ZH.get(status.get('reason'), ''))}]</span>")
        elif roster and not roster.get("closed"):
            target_html = f" <span style='color:#555'>[{self.tr('花名册目标户')}]</span>"
        self.unreachable_button.setVisible(bool(roster) and not roster.get("closed")
                                           and self.household.get("visit_status") != "final")
        self.unreachable_button.setText(self.tr("无法入户…"))
        village = self.services.area_name(str(f.get("village_code") or "")) or str(f.get("village_code") or "")
        address = str(f.get("address") or "")
        # the village by name before the address, once: 柏树村三组 12 号 is not shown as 柏树村 柏树村三组 12 号
        place = address if village and address.startswith(village) else f"{village} {address}".strip()
        self.header.setText(
            f"<b style='font-size:13pt'>{_esc(head.get('name') or '')}</b> &nbsp; {mask(head.get('id_number') or '')}"
            f" &nbsp; {_esc(place)} &nbsp; <span style='color:#1a56a0'>{_esc(cats)}</span>{flag_html}"
            f"{target_html}")
        if self.editor is not None:
            text = self.tr("已完成的走访（只读）") if self.editor.read_only else self.tr("本次走访")
            self.inner.setTabText(self.inner.indexOf(self.editor), text)
            if self.editor.language != lang:
                self.editor.set_language(lang)
        self.inner.setTabText(self.inner.indexOf(self.history), self.tr("走访记录与变化"))
        self.inner.setTabText(self.inner.indexOf(self.needs), self.tr("需求办理"))
        self.amend_button.setText(self.tr("修改这次走访（保留原记录）"))
        self.new_button.setText(self.tr("开始新的走访"))
        self.discard_button.setText(self.tr("放弃草稿"))
        self.print_button.setText(self.tr("打印"))
        # Room for the text and the menu arrow (the style's own size hint let the arrow cover the text).
        self.print_button.setMinimumWidth(self.print_button.fontMetrics().horizontalAdvance(self.print_button.text())
                                          + 36)
        for kind, text in (("consent", self.tr("家庭经济状况核对授权书")), ("visit_record", self.tr("入户调查记录")),
                           ("visit_result", self.tr("走访结果告知书"))):
            self.print_actions[kind].setText(text)


def _needs_of(household: dict) -> list[dict]:
    return [n for n in (household["fields"].get("needs") or []) if isinstance(n, dict)]


def _esc(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
