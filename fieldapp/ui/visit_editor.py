"""The visit editor: the form's sections as tabs, rendered from the definition, with live checks.

What the visitor types lives in ``raw`` (answers as typed); the form engine fills in defaults
and calculations (age and sex from the ID number, household size, per-capita income...),
decides which questions apply, and reports problems, which show next to their fields.
Drafts are autosaved every few seconds and on every section change.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QApplication, QFrame, QHBoxLayout, QLabel, QMessageBox, QPushButton, QScrollArea, QSplitter,
                               QTabWidget, QVBoxLayout, QWidget)

from forms.expressions import CHINA_TZ

from fieldapp.ui.assessment_panel import AssessmentPanel
from fieldapp.ui.errors import show_error
from fieldapp.ui.form_fields import make_field, next_focusable
from fieldapp.ui.repeat_editor import RepeatEditor

log = logging.getLogger(__name__)

AUTOSAVE_MS = 3000
CHECK_DEBOUNCE_MS = 120
ASSESS_DEBOUNCE_MS = 350


def split_auto(form, answers: dict) -> tuple[dict, dict]:
    """Separate typed answers from values a default expression would give anyway (so they keep following the ID).

    Returns (raw answers, {group: [set of auto keys per row]}).
    """
    raw = dict(answers)
    auto: dict[str, list[set]] = {}
    for q in form.top_level():
        if q.is_calculated:
            raw.pop(q.id, None)
            continue
        if not q.is_repeat or not isinstance(raw.get(q.id), list):
            continue
        derived = [c for c in q.children if c.default_expr is not None or c.is_calculated]
        rows, autos = [], []
        for row in raw[q.id]:
            row = dict(row) if isinstance(row, dict) else {}
            keys = set()
            for c in derived:
                if c.is_calculated:
                    row.pop(c.id, None)
                    continue
                if c.id in row:
                    trial = {k: v for k, v in row.items() if k != c.id}
                    calc = form.calculate({**answers, q.id: [trial]})
                    if calc[q.id][0].get(c.id) == row[c.id]:
                        row.pop(c.id)
                        keys.add(c.id)
            rows.append(row)
            autos.append(keys)
        raw[q.id] = rows
        auto[q.id] = autos
    return raw, auto


class VisitEditor(QWidget):
    """Edits one visit; emits ``saved(status)`` after a save.

    Saves and autosaves run off the UI thread through ``mutations`` (one serial writer): typing goes on
    while a draft is saved (what was typed meanwhile stays unsaved and is autosaved next), a second
    click while a save runs does nothing, and while a visit is being finished its fields are locked.
    """

    saved = Signal(str)

    def __init__(self, services, form, visit: dict, language: str = "zh", parent=None, *, read_only: bool = False,
                 mutations):
        super().__init__(parent)
        self.setObjectName("visitEditor")
        self.services = services
        self.mutations = mutations
        # The live checks run on every pause in typing: against the reference data as it was when the
        # editor opened (refreshed after a sync), so that they never wait for the vault while a sync writes.
        self.reference = services.reference()
        self.saving = False         # a save (Ctrl+S or 完成走访) is running
        self._autosaving = False
        self._edits = 0             # counts edits, so a save knows whether more was typed while it ran
        self._saved_at_edit = 0
        self._then = None
        self.form = form
        self.language = language
        self.visit = {k: v for k, v in visit.items() if k != "meta"}
        self.read_only = read_only
        self.raw, auto = split_auto(form, visit.get("answers") or {})
        self.calc: dict = {}
        self.problems: list = []
        self.assessment = None
        self.dirty = False
        self.last_autosave: str | None = None
        self.fields: dict[str, object] = {}
        self.repeats: dict[str, RepeatEditor] = {}
        self.section_ids: list[str] = []

        self.sections = QTabWidget(self, objectName="visitSections")
        for section in form.sections:
            page = QWidget()
            lay = QVBoxLayout(page)
            lay.setContentsMargins(10, 8, 16, 8)
            for q in section.questions:
                if q.is_repeat:
                    w = RepeatEditor(q, language, page)
                    w.set_rows(self.raw.get(q.id) or [], auto.get(q.id))
                    w.edited.connect(lambda q=q, w=w: self._edited(q.id, w.value()))
                    self.repeats[q.id] = w
                else:
                    w = make_field(q, language, page)
                    w.set_value(self.raw.get(q.id))
                    w.edited.connect(lambda q=q, w=w: self._edited(q.id, w.value()))
                    self.fields[q.id] = w
                lay.addWidget(w)
            lay.addStretch(1)
            scroll = QScrollArea()
            scroll.setFocusPolicy(Qt.NoFocus)  # Tab goes from field to field, never to the invisible page
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.NoFrame)
            scroll.setWidget(page)
            self.sections.addTab(scroll, section.label(language))
            self.section_ids.append(section.id)
            if read_only:
                page.setEnabled(False)
        self.sections.currentChanged.connect(self._section_changed)

        self.panel = AssessmentPanel(self)
        self.panel.set_language(language)
        self.panel.set_read_only(read_only)
        self.problem_summary = QLabel(self, objectName="problemSummary", wordWrap=True)
        right = QWidget(self)
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.problem_summary)
        rl.addWidget(self.panel, 1)
        split = QSplitter(Qt.Horizontal, self)
        split.addWidget(self.sections)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([930, 400])

        self.autosave_label = QLabel(self, objectName="autosaveLabel")
        self.autosave_label.setStyleSheet("color: #555;")
        self.prev_button = QPushButton(self, objectName="prevSection")
        self.next_button = QPushButton(self, objectName="nextSection")
        self.save_button = QPushButton(self, objectName="saveVisit")
        self.final_button = QPushButton(self, objectName="finaliseVisit")
        self.final_button.setStyleSheet("font-weight: bold;")
        self.prev_button.clicked.connect(lambda: self.go_section(-1))
        self.next_button.clicked.connect(lambda: self.go_section(1))
        self.save_button.clicked.connect(self.save)
        self.final_button.clicked.connect(self.finalise)
        bar = QHBoxLayout()
        bar.addWidget(self.autosave_label, 1)
        for b in (self.prev_button, self.next_button, self.save_button, self.final_button):
            b.setAutoDefault(False)
            bar.addWidget(b)
            b.setVisible(not read_only or b in (self.prev_button, self.next_button))
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(split, 1)
        lay.addLayout(bar)

        for seq, fn in (("Ctrl+S", self.save), ("Ctrl+PgDown", lambda: self.go_section(1)),
                        ("Ctrl+PgUp", lambda: self.go_section(-1))):
            sc = QShortcut(QKeySequence(seq), self)
            sc.setContext(Qt.WidgetWithChildrenShortcut)
            sc.activated.connect(fn)

        QApplication.instance().focusChanged.connect(self._focus_moved)

        self._check_timer = QTimer(self, singleShot=True, interval=CHECK_DEBOUNCE_MS)
        self._check_timer.timeout.connect(self.recheck)
        self._assess_timer = QTimer(self, singleShot=True, interval=ASSESS_DEBOUNCE_MS)
        self._assess_timer.timeout.connect(self.reassess)
        self._autosave_timer = QTimer(self, interval=AUTOSAVE_MS)
        self._autosave_timer.timeout.connect(self.autosave)
        if not read_only:
            self._autosave_timer.start()
        self.retranslate()
        self.recheck()
        self.reassess()

    # --- answers ---
    def answers(self) -> dict:
        """The answers as typed (without calculated values)."""
        out = {}
        for key, value in self.raw.items():
            if value is None or value == "" or value == []:
                continue
            out[key] = value
        return out

    def current_visit(self) -> dict:
        """The visit in the interchange format, as typed now."""
        return {**self.visit, "answers": self.answers()}

    def _edited(self, key: str, value) -> None:
        if self.read_only:
            return
        self.raw[key] = value
        self.dirty = True
        self._edits += 1
        self._check_timer.start()
        self._assess_timer.start()
        self._show_autosave()

    def set_answer(self, key: str, value) -> None:
        """Set a top-level answer as if typed (used by tests and scripted input)."""
        w = self.fields[key]
        w.set_value(value)
        self._edited(key, w.value())

    # --- checks ---
    def recheck(self) -> None:
        """Recalculate, apply skip logic and show problems next to their fields."""
        self._check_timer.stop()
        raw = self.answers()
        self.calc = self.form.calculate(raw)
        for key, w in self.fields.items():
            q = w.question
            if q.is_calculated or (q.default_expr is not None and key not in raw):
                w.set_value(self.calc.get(key))
            w.setVisible(self.form.is_relevant(q, self.calc))
        members = self.calc.get("members") or []
        for key, rep in self.repeats.items():
            rep.set_members(members)
            rep.set_calculated(self.calc.get(key) or [])
            rep.update_relevance(self.form, self.calc)
            rep.setVisible(self.form.is_relevant(rep.question, self.calc))
        from forms.errors import FormsError
        from forms.validation import validate

        try:
            self.problems = list(validate(self.current_visit(), self.form, self.reference))
        except FormsError as exc:   # e.g. reference data that no longer loads: what was typed stays in the fields
            log.warning("validation unavailable: %s", type(exc).__name__)
            self.problems = []
        self._show_problems()

    def _show_problems(self) -> None:
        by_path: dict[str, list] = {}
        for p in self.problems:
            by_path.setdefault(p.path, []).append(p)
        for key, w in self.fields.items():
            mine = by_path.get(key, [])
            mine.sort(key=lambda p: p.severity != "error")
            w.set_problem(mine[0].severity if mine else None, mine[0].message(self.language) if mine else "")
        for rep in self.repeats.values():
            rep.language = self.language
            rep.set_problems([{"path": p.path, "severity": p.severity, "message_zh": p.message_zh,
                               "message_en": p.message_en} for p in self.problems])
        errors = [p for p in self.problems if p.severity == "error"]
        warnings = [p for p in self.problems if p.severity != "error"]
        bad_sections: dict[str, int] = {}
        for p in errors:
            top = p.path.split("[")[0].split(".")[0]
            q = self.form.questions.get(top)
            if q is not None:
                bad_sections[q.section] = bad_sections.get(q.section, 0) + 1
        for i, sid in enumerate(self.section_ids):
            label = self.form.sections[i].label(self.language)
            n = bad_sections.get(sid, 0)
            self.sections.setTabText(i, f"{label} ({n}✖)" if n else label)
        if not self.problems:
            self.problem_summary.setText(self.tr("✔ 没有发现问题，可以完成走访。"))
            self.problem_summary.setStyleSheet("color: #1b7f3b;")
        else:
            self.problem_summary.setText(self.tr("需改正的问题：%1 个；提醒：%2 个（见各项下方的红色/橙色提示）。")
                                         .replace("%1", str(len(errors))).replace("%2", str(len(warnings))))
            self.problem_summary.setStyleSheet("color: #b00020;" if errors else "color: #9a5b00;")

    def reassess(self) -> None:
        """Re-run the rules and show their suggestions."""
        self._assess_timer.stop()
        from forms.assessment import assess
        from forms.errors import FormsError

        try:
            self.assessment = assess(self.current_visit(), self.reference, form=self.form)
        except FormsError as exc:   # e.g. a form version this laptop lacks: explained in plain Chinese
            self.assessment = None
            self.panel.set_unavailable(exc.message_zh or self.tr("暂时无法给出政策提示。"))
            return
        self.panel.set_assessment(self.assessment)
        problems = self.services.document_problems()
        self.panel.set_notice("\n".join(f"{p.message_zh} {p.hint_zh}" for p in problems) or None)

    def refresh_reference(self) -> None:
        """A sync may have brought new reference data: check against it from now on."""
        self.reference = self.services.reference()
        self.recheck()
        self.reassess()

    # --- saving ---
    def autosave(self, force: bool = False) -> None:
        """Save the draft off the UI thread if anything changed since the last one (local, never synced).

        The timer's autosave waits for the previous one (drafts do not pile up while a sync holds the
        vault); ``force`` (section change, lock, close) queues one anyway, behind it on the one writer.
        """
        if not self.dirty or self.read_only or self.saving or (self._autosaving and not force):
            return
        visit, edits, services = copy.deepcopy(self.current_visit()), self._edits, self.services
        self._autosaving = True

        def work() -> int:
            services.save_draft(visit)
            return edits

        self.mutations.quietly(work, on_done=self._autosaved, on_error=self._autosave_failed)

    def _autosaved(self, edits: int) -> None:
        self._autosaving = False
        self.dirty = self._edits != edits   # typed while it was written: the next autosave takes it
        self.last_autosave = dt.datetime.now(CHINA_TZ).strftime("%H:%M:%S")
        self._show_autosave()

    def _autosave_failed(self, exc) -> None:
        self._autosaving = False
        log.error("autosave failed: %s", type(exc).__name__)
        self.autosave_label.setText(self.tr("⚠ 自动保存失败，请手动保存（Ctrl+S）"))

    def save_draft_now(self) -> None:
        """Autosave now (section change, lock, close); the main window waits for the writer before locking."""
        self._check_timer.stop()
        self.autosave(force=True)

    def stop_autosave(self) -> None:
        """No more autosaves (the draft is being thrown away)."""
        self._autosave_timer.stop()

    def save(self, then=None) -> bool:
        """Save the visit as not yet finished (Ctrl+S): stored and synced, can be finished later.

        Runs off the UI thread; True when the save started. ``then()`` runs after it succeeded.
        """
        if self.read_only or self.saving:
            return False
        self._flush_focus()
        if not self._start_save(final=False):
            return False
        self._then = then
        self.autosave_label.setText(self.tr("正在保存…"))
        return True

    def finalise(self, confirm: bool = True) -> bool:
        """Finish the visit: refused while blocking problems remain or fewer than two visitors.

        True when the save started (off the UI thread); ``saved("final")`` follows when it is stored.
        """
        if self.read_only or self.saving:
            return False
        self._flush_focus()
        self.recheck()
        errors = [p for p in self.problems if p.severity == "error"]
        if errors:
            self._jump_to(errors[0].path)
            box = QMessageBox(QMessageBox.Warning, self.tr("还不能完成走访"),
                              self.tr("需要改正的问题（%1 个）：").replace("%1", str(len(errors))) + "\n\n"
                              + "\n".join("• " + p.message(self.language) for p in errors[:6]), QMessageBox.Ok, self)
            box.setObjectName("finaliseRefused")
            box.open()
            return False
        if confirm and QMessageBox.question(
                self, self.tr("完成走访"), self.tr("确认完成这次走访？完成后如需修改，将另存为一条修改记录，原记录保留。")) \
                != QMessageBox.Yes:
            return False
        if not self._start_save(final=True):
            return False
        self.sections.setEnabled(False)   # nothing typed now could be lost: the visit is being finished
        self._autosave_timer.stop()
        self.autosave_label.setText(self.tr("正在完成走访…"))
        return True

    def _start_save(self, final: bool) -> bool:
        visit, hid = copy.deepcopy(self.current_visit()), self.visit.get("household_id")
        services = self.services

        def work():
            from fieldapp.ui.changes import Changes

            services.save_visit(visit, final=final)
            return Changes(households={hid}, visits={visit["visit_id"]}, outbox=True, review=final)

        task = self.mutations.run(f"visit:{visit['visit_id']}", work,
                                  on_done=self._finalised if final else self._saved_draft, on_error=self._save_failed)
        if task is None:   # the same visit is being written already (a double click)
            return False
        self.saving, self._saved_at_edit, self._saving_final = True, self._edits, final
        self.save_button.setEnabled(False)
        self.final_button.setEnabled(False)
        return True

    def _save_ended(self) -> None:
        self.saving = False
        self.save_button.setEnabled(True)
        self.final_button.setEnabled(True)

    def _saved_draft(self, _changes) -> None:
        self._save_ended()
        self.dirty = self._edits != self._saved_at_edit   # what was typed during the save is kept for the next one
        self.visit["status"] = "draft"
        self.last_autosave = dt.datetime.now(CHINA_TZ).strftime("%H:%M:%S")
        self.autosave_label.setText(self.tr("已保存 %1").replace("%1", self.last_autosave))
        self.saved.emit("draft")
        then, self._then = self._then, None
        if then is not None:
            then()

    def _finalised(self, _changes) -> None:
        self._save_ended()
        self.dirty = False
        self.visit["status"] = "final"
        self.saved.emit("final")

    def _save_failed(self, exc) -> None:
        self._save_ended()
        self._then = None
        if self._saving_final:
            self.sections.setEnabled(True)
            self._autosave_timer.start()
        self._show_autosave()
        show_error(self, exc)

    def _flush_focus(self) -> None:
        # A money field tidies its text when it loses focus; make sure its value is taken.
        self._check_timer.stop()

    def _jump_to(self, path: str) -> None:
        top = path.split("[")[0].split(".")[0]
        q = self.form.questions.get(top)
        if q is None:
            return
        if q.section in self.section_ids:
            self.sections.setCurrentIndex(self.section_ids.index(q.section))
        w = self.fields.get(top) or self.repeats.get(top)
        if w is not None:
            if "[" in path and top in self.repeats:
                try:
                    self.repeats[top].select_row(int(path.split("[")[1].split("]")[0]))
                except ValueError:
                    pass
            self.sections.currentWidget().ensureWidgetVisible(w)

    # --- navigation ---
    def go_section(self, step: int) -> None:
        """Move to the previous/next section (Ctrl+PgUp/PgDown)."""
        i = self.sections.currentIndex() + step
        if 0 <= i < self.sections.count():
            self.sections.setCurrentIndex(i)

    def focus_first_field(self) -> None:
        """Put the keyboard in the first field of the current section (after opening, after a section change)."""
        scroll = self.sections.currentWidget()
        page = scroll.widget()
        first = next_focusable(page, page)
        if first is not None:
            first.setFocus(Qt.TabFocusReason)
            scroll.ensureWidgetVisible(first)
        elif self.next_button.isEnabled():
            self.next_button.setFocus(Qt.TabFocusReason)

    def _focus_moved(self, _old, new) -> None:
        # Whatever moved the keyboard (Tab, Enter, a shortcut), the field it went to is scrolled into view.
        scroll = self.sections.currentWidget()
        if new is not None and scroll is not None and scroll.widget().isAncestorOf(new):
            scroll.ensureWidgetVisible(new, 20, 40)

    def _section_changed(self, _index: int) -> None:
        self.save_draft_now()
        self.focus_first_field()
        self.prev_button.setEnabled(_index > 0)
        self.next_button.setEnabled(_index < self.sections.count() - 1)

    def _show_autosave(self) -> None:
        if self.read_only:
            self.autosave_label.setText(self.tr("这次走访已完成，只能查看。"))
        elif self.dirty:
            self.autosave_label.setText(self.tr("有未保存的修改（每 3 秒自动保存草稿）"))
        elif self.last_autosave:
            self.autosave_label.setText(self.tr("草稿已自动保存 %1").replace("%1", self.last_autosave))
        else:
            self.autosave_label.setText("")

    # --- language ---
    def set_language(self, language: str) -> None:
        """Show the form in ``language``."""
        self.language = language
        for w in self.fields.values():
            w.retranslate(language)
        for rep in self.repeats.values():
            rep.retranslate(language)
        self.panel.set_language(language)
        self._show_problems()

    def changeEvent(self, e):
        if e.type() == QEvent.LanguageChange:
            self.retranslate()
        super().changeEvent(e)

    def retranslate(self) -> None:
        """Set every text in the current language."""
        self.prev_button.setText(self.tr("上一部分"))
        self.next_button.setText(self.tr("下一部分 (Ctrl+PgDn)"))
        self.save_button.setText(self.tr("保存 (Ctrl+S)"))
        self.final_button.setText(self.tr("完成走访"))
        self.prev_button.setEnabled(self.sections.currentIndex() > 0)
        self._show_autosave()
