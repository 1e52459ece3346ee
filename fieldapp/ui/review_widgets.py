"""Review (审核) in the window, kept apart from the list and the editor internals:

- ``ReturnedPanel``: the visits the township office sent back, at the top of the household list,
  each with the office's comment; Enter / double-click opens the household.
- ``attach_review_comments(editor, returned)``: the office's comment above a visit and each
  per-field comment right under the field it names (a hook: the editor itself is not changed).
- ``install_review(window)``: puts both into the main window and adds 审核走访… for office laptops.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

log = logging.getLogger(__name__)

RETURN_STYLE = "background: #fdecea; border: 1px solid #d9534f; color: #7a1f1a; padding: 4px;"


class ReturnedPanel(QWidget):
    """Returned visits not amended yet (newest first), with the comment; hidden when there are none."""

    open_household = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("returnedPanel")
        self.title = QLabel(self, objectName="returnedTitle")
        self.title.setStyleSheet("font-weight: bold; color: #a12622;")
        self.list = QListWidget(self, objectName="returnedList")
        self.list.setWordWrap(True)
        self.list.itemActivated.connect(lambda item: self.open_household.emit(item.data(Qt.UserRole)))
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 4)
        lay.addWidget(self.title)
        lay.addWidget(self.list)
        self.items: list = []
        self.hide()

    def set_returned(self, returned: list, caption) -> None:
        """*returned*: ``ReturnedVisit`` list; *caption(household_id)* → 户主 · 地址."""
        self.items = list(returned)
        self.list.clear()
        for r in self.items:
            when = (r.at or "")[:16].replace("T", " ")
            who = f"{r.reviewer_name}，" if r.reviewer_name else ""
            item = QListWidgetItem(self.tr("%1 — 退回意见：%2（%3%4）").replace("%1", caption(r.household_id))
                                   .replace("%2", r.comment).replace("%3", who).replace("%4", when))
            item.setData(Qt.UserRole, r.household_id)
            self.list.addItem(item)
        rows = sum(max(self.list.sizeHintForRow(i), 18) for i in range(self.list.count()))
        self.list.setFixedHeight(min(150, rows + 2 * self.list.frameWidth() + 4))
        self.title.setText(self.tr("乡镇退回、需要修改后重新提交的走访（%1 户）").replace("%1", str(len(self.items))))
        self.setVisible(bool(self.items))


def attach_review_comments(editor, returned) -> list[QLabel]:
    """Show *returned* (a ``ReturnedVisit`` or None) in *editor*: a banner, and each field comment under its field."""
    if returned is None:
        return []
    shown: list[QLabel] = []
    names = []
    for path, text in sorted(returned.field_comments.items()):
        qid = path.split("[", 1)[0].split(".", 1)[0]
        question = editor.form.questions.get(qid)
        label = question.label(editor.language) if question is not None else path
        names.append(label)
        widget = editor.fields.get(qid) or editor.repeats.get(qid)
        lay = widget.parentWidget().layout() if widget is not None and widget.parentWidget() is not None else None
        if lay is None or not hasattr(lay, "insertWidget") or lay.indexOf(widget) < 0:
            continue   # the field is laid out some other way: the banner above still names it
        note = QLabel(QCoreApplication.translate("ReviewComments", "退回意见：%1").replace("%1", text),
                      widget.parentWidget(), wordWrap=True)
        note.setObjectName(f"reviewComment_{qid}")
        note.setStyleSheet(RETURN_STYLE)
        lay.insertWidget(lay.indexOf(widget) + 1, note)
        shown.append(note)
    banner = QLabel(editor, objectName="reviewCommentBanner", wordWrap=True)
    banner.setStyleSheet(RETURN_STYLE)
    who = f"{returned.reviewer_name} " if returned.reviewer_name else ""
    text = QCoreApplication.translate("ReviewComments", "乡镇经办机构已退回这次走访（%1%2）：%3").replace(
        "%1", who).replace("%2", (returned.at or "")[:16].replace("T", " ")).replace("%3", returned.comment)
    if names:
        text += QCoreApplication.translate("ReviewComments", "\n需要修改：%1").replace("%1", "、".join(names))
    if editor.read_only:
        text += QCoreApplication.translate(
            "ReviewComments", "\n请点“修改这次走访（保留原记录）”修改，完成走访后重新提交审核。")
    banner.setText(text)
    top = editor.layout()
    if hasattr(top, "insertWidget"):
        top.insertWidget(0, banner)
    else:   # a grid or form layout: a row of its own above the rest
        top.addWidget(banner)
    return [banner, *shown]


def install_review(window) -> None:
    """Add the returned-visits panel above the household list and 审核走访… (office laptops) to the File menu."""
    from PySide6.QtGui import QAction

    panel = ReturnedPanel(window.list_page)
    window.list_page.layout().insertWidget(0, panel)
    window.returned_panel = panel
    panel.open_household.connect(window.open_household)

    def refresh(_count=None) -> None:
        services = window.services
        if not services.is_unlocked():
            return
        from fieldapp.errors import CODED_ERRORS

        try:
            returned = services.reviews.returned()
        except CODED_ERRORS as exc:  # locked meanwhile, review state not readable: no panel, logged
            log.info("returned visits unavailable: %s", type(exc).__name__)
            returned = []
        panel.set_returned(returned, services.reviews.caption)
        window.review_action.setVisible(services.reviews.can_review())

    action = QAction(window, objectName="reviewAction")
    action.setText(QCoreApplication.translate("MainWindow", "审核走访…"))   # MainWindow.retranslate resets it
    action.setVisible(False)
    action.triggered.connect(lambda: open_review_dialog(window))
    window.review_action = action
    window.file_menu.insertAction(window.conflicts_action, action)
    window.households_loaded.connect(refresh)
    window.tabs.currentChanged.connect(lambda _i: refresh() if window.tabs.currentWidget() is window.list_page else None)
    window.refresh_returned = refresh


def open_review_dialog(window):
    """The office laptop's review queue (bulk approval, return with comment)."""
    from fieldapp.ui.review_view import ReviewDialog

    dlg = ReviewDialog(window.services, window.mutations, window)   # its decisions reach the list via window.changed
    dlg.show()
    window.review_dialog = dlg
    dlg.refresh()
    return dlg
