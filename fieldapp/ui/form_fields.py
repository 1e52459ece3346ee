"""One editor widget per question type, built from the form definition (never per question).

Each field shows its label, the input, and an inline message line under it (red for errors
that block finalising, amber for warnings). ``value()`` returns the stored value: money in
integer fen, dates ISO, choices as option codes.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QEvent, QObject, QPointF, QRegularExpression, Qt, Signal
from PySide6.QtGui import QRegularExpressionValidator, QWheelEvent
from PySide6.QtWidgets import (QAbstractScrollArea, QApplication, QCheckBox, QComboBox, QGridLayout, QLabel, QLineEdit, QPlainTextEdit, QVBoxLayout,
                               QWidget)

from forms.errors import MoneyError
from forms.money import fen_to_yuan_str, yuan_to_fen

ERROR_STYLE = "color: #b00020;"
WARNING_STYLE = "color: #9a5b00;"
_LIST_SPLIT = re.compile(r"[,，、;；\s]+")


def _rx(pattern: str) -> QRegularExpressionValidator:
    return QRegularExpressionValidator(QRegularExpression(pattern))


class EnterMovesOn(QObject):
    """Event filter: Enter/Return in a one-line input moves focus to the next field (keyboard-first)."""

    def eventFilter(self, obj, event):
        if event.type() == QEvent.KeyPress and event.key() in (Qt.Key_Return, Qt.Key_Enter) \
                and not event.modifiers() & (Qt.ControlModifier | Qt.AltModifier):
            if isinstance(obj, QComboBox) and obj.view().isVisible():
                return False
            obj.focusNextChild()
            return True
        return False


ENTER_FILTER = EnterMovesOn()


def next_focusable(after: QWidget, within: QWidget | None = None) -> QWidget | None:
    """The next widget Tab would reach after ``after``: inside ``within`` if given, else the first outside ``after``."""
    w = after.nextInFocusChain()
    for _ in range(10000):
        if w is None or w is after:
            return None
        if within is not None:
            ok = within.isAncestorOf(w) and w.isVisibleTo(within)
        else:
            ok = not after.isAncestorOf(w) and w.isVisible()
        if ok and w.focusPolicy() & Qt.TabFocus and w.isEnabled():
            return w
        w = w.nextInFocusChain()
    return None


class NoWheelCombo(QComboBox):
    """A combo box the mouse wheel never changes: the wheel scrolls the page (touchpads scroll all day).

    The value changes only by a click, the keyboard (Up/Down, typing, Alt+Down) or the open list.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setFocusPolicy(Qt.StrongFocus)  # not WheelFocus: a wheel passing over it takes no focus

    def wheelEvent(self, event):
        # Handed to the scroll area around the form (explicitly: an ignored event only travels up when
        # it came from the window system, and the page must scroll either way).
        area = self.parentWidget()
        while area is not None and not isinstance(area, QAbstractScrollArea):
            area = area.parentWidget()
        if area is None:
            event.ignore()
            return
        port = area.viewport()
        QApplication.sendEvent(port, QWheelEvent(QPointF(port.mapFromGlobal(event.globalPosition().toPoint())),
                                                 event.globalPosition(), event.pixelDelta(), event.angleDelta(),
                                                 event.buttons(), event.modifiers(), event.phase(), event.inverted()))
        event.accept()


class FieldWidget(QWidget):
    """Label + input + inline message for one question; emits ``edited`` when the user changes it."""

    edited = Signal()

    def __init__(self, question, language: str, parent=None):
        super().__init__(parent)
        self.question = question
        self.language = language
        self.key = question.key
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setObjectName("fieldMessage")
        # One line is always reserved for the message, so the page does not jump by a line under the
        # pointer when a message appears or goes (a click would land on the wrong field).
        self.message.setText("✖ ⚠ 校验Xg")
        self.message.setMinimumHeight(self.message.sizeHint().height())
        self.message.setText("")
        self.input = self._make_input()
        self.input.setObjectName(f"field_{question.key}")
        for w in self.focus_widgets():
            w.installEventFilter(ENTER_FILTER) if isinstance(w, (QLineEdit, QComboBox)) else None
        if question.readonly or question.is_calculated:
            self._set_readonly()
        lay = QGridLayout(self)
        lay.setContentsMargins(0, 2, 0, 2)
        lay.setHorizontalSpacing(10)
        lay.setVerticalSpacing(1)
        self.label.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        self.label.setFixedWidth(190)
        lay.addWidget(self.label, 0, 0)
        lay.addWidget(self.input, 0, 1, Qt.AlignLeft if self.input.maximumWidth() < 10000 else Qt.Alignment())
        lay.addWidget(self.message, 1, 1)
        lay.setColumnStretch(1, 1)
        self._loading = False
        self.retranslate(language)

    # --- subclasses ---
    def _make_input(self) -> QWidget:
        raise NotImplementedError

    def value(self):
        """The stored value (None when empty)."""
        raise NotImplementedError

    def _show(self, value) -> None:
        raise NotImplementedError

    def _set_readonly(self) -> None:
        self.input.setEnabled(False)

    def focus_widgets(self) -> list[QWidget]:
        """The widgets that take keyboard focus, in tab order."""
        return [self.input]

    # --- common ---
    def set_value(self, value) -> None:
        """Show ``value`` without emitting ``edited``."""
        self._loading = True
        try:
            self._show(value)
        finally:
            self._loading = False

    def _changed(self, *_args) -> None:
        if not self._loading:
            self.edited.emit()

    def set_problem(self, severity: str | None, text: str = "") -> None:
        """Show an inline message (severity "error" or "warning"), or hide it (None)."""
        if not severity:
            self.message.setText("")
            return
        self.message.setStyleSheet(ERROR_STYLE if severity == "error" else WARNING_STYLE)
        self.message.setText(("✖ " if severity == "error" else "⚠ ") + text)

    def has_message(self) -> bool:
        """Whether an inline message is shown."""
        return bool(self.message.text())

    def retranslate(self, language: str) -> None:
        """Show the form's labels in ``language``."""
        self.language = language
        q = self.question
        mark = " *" if q.required else ""
        self.label.setText(q.label(language) + mark)
        if q.hint is not None:
            self.label.setToolTip(q.hint.get(language))
            self.input.setToolTip(q.hint.get(language))


class TextField(FieldWidget):
    """text, phone, id_number, date, time, integer, decimal: a one-line input."""

    PATTERNS = {
        "phone": r"[0-9+\- ]{0,20}",
        "id_number": r"[0-9]{0,17}[0-9xX]?",
        "date": r"[0-9]{0,4}(-[0-9]{0,2}(-[0-9]{0,2})?)?",
        "time": r"[0-9]{0,2}(:[0-9]{0,2})?",
        "integer": r"-?[0-9]{0,9}",
        "decimal": r"[0-9]{0,7}(\.[0-9]{0,3})?",
    }

    def _make_input(self):
        edit = QLineEdit(self)
        pattern = self.PATTERNS.get(self.question.type)
        if pattern:
            edit.setValidator(_rx(pattern))
        if self.question.type == "date":
            edit.setPlaceholderText("YYYY-MM-DD")
            edit.setMaximumWidth(140)
        elif self.question.type == "time":
            edit.setPlaceholderText("HH:MM")
            edit.setMaximumWidth(90)
        elif self.question.type in ("integer", "decimal"):
            edit.setMaximumWidth(140)
        elif self.question.type == "id_number":
            # All 18 characters visible (the message asks to check them digit by digit), with room to spare.
            edit.setMinimumWidth(edit.fontMetrics().horizontalAdvance("0" * 18 + "X") + 24)
            edit.setMaximumWidth(max(260, edit.minimumWidth()))
        if self.question.max_length:
            edit.setMaxLength(self.question.max_length)
        edit.textEdited.connect(self._changed)
        return edit

    def _set_readonly(self):
        self.input.setReadOnly(True)
        self.input.setFocusPolicy(Qt.NoFocus)
        self.input.setStyleSheet("background: #f0f0f0;")

    def value(self):
        text = self.input.text().strip()
        if not text:
            return None
        if self.question.type == "integer":
            try:
                return int(text)
            except ValueError:
                return text
        if self.question.type == "id_number":
            return text.upper()
        return text

    def _show(self, value):
        self.input.setText("" if value is None else str(value))


class MoneyField(TextField):
    """Money typed in yuan with up to two decimals; stored as integer fen."""

    def _make_input(self):
        edit = QLineEdit(self)
        edit.setValidator(_rx(r"[0-9]{0,9}(\.[0-9]{0,2})?"))
        edit.setPlaceholderText("0.00")
        edit.setAlignment(Qt.AlignRight)
        edit.setMaximumWidth(160)
        edit.textEdited.connect(self._changed)
        edit.editingFinished.connect(self._tidy)
        return edit

    def value(self):
        text = self.input.text().strip()
        if not text:
            return None
        try:
            return yuan_to_fen(text)
        except MoneyError:  # half-typed: validation reports it
            return None

    def _show(self, value):
        self.input.setText("" if value in (None, "") else fen_to_yuan_str(int(value)))

    def _tidy(self):
        v = self.value()
        if v is not None and self.input.isModified():
            self.set_value(v)


class NotesField(FieldWidget):
    """Free text over a few lines."""

    def _make_input(self):
        edit = QPlainTextEdit(self)
        edit.setTabChangesFocus(True)
        edit.setFixedHeight(56)
        edit.textChanged.connect(self._changed)
        return edit

    def value(self):
        return self.input.toPlainText().strip() or None

    def _show(self, value):
        self.input.setPlainText(value or "")


class ChoiceField(FieldWidget):
    """single, yes_no, yes_no_unknown: a combo box with an empty first entry."""

    def _make_input(self):
        combo = NoWheelCombo(self)
        combo.setSizeAdjustPolicy(QComboBox.AdjustToContents)
        combo.setMinimumWidth(140)
        self._fill(combo)
        combo.currentIndexChanged.connect(self._changed)
        return combo

    def _fill(self, combo):
        current = combo.currentData() if combo.count() else None
        combo.blockSignals(True)
        combo.clear()
        combo.addItem("", None)
        for opt in self.question.options:
            combo.addItem(opt.label(self.language), opt.code)
        if current is not None:
            combo.setCurrentIndex(max(combo.findData(current), 0))
        combo.blockSignals(False)

    def value(self):
        return self.input.currentData()

    def _show(self, value):
        i = self.input.findData(value) if value is not None else 0
        self.input.setCurrentIndex(max(i, 0))

    def retranslate(self, language):
        super().retranslate(language)
        self._fill(self.input)


class BooleanField(FieldWidget):
    """A calculated true/false value shown as 是/否."""

    def _make_input(self):
        return QLabel(self)

    def value(self):
        return getattr(self, "_value", None)

    def _show(self, value):
        self._value = value
        self.input.setText("" if value is None else self.tr("是") if value else self.tr("否"))


class MultiField(FieldWidget):
    """Multiple choice: a grid of check boxes."""

    COLUMNS = 3

    def _make_input(self):
        box = QWidget(self)
        grid = QGridLayout(box)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setVerticalSpacing(2)
        self.boxes: list[QCheckBox] = []
        for i, opt in enumerate(self.question.options):
            cb = QCheckBox(opt.label(self.language), box)
            cb.setProperty("code", opt.code)
            cb.toggled.connect(self._changed)
            grid.addWidget(cb, i // self.COLUMNS, i % self.COLUMNS)
            self.boxes.append(cb)
        return box

    def focus_widgets(self):
        return list(self.boxes)

    def _set_readonly(self):
        for cb in self.boxes:
            cb.setEnabled(False)

    def value(self):
        return [cb.property("code") for cb in self.boxes if cb.isChecked()]

    def _show(self, value):
        chosen = set(value or [])
        for cb in self.boxes:
            cb.setChecked(cb.property("code") in chosen)

    def retranslate(self, language):
        super().retranslate(language)
        for cb, opt in zip(self.boxes, self.question.options):
            cb.setText(opt.label(language))


class MemberRefsField(FieldWidget):
    """The household members a row is about (a supporter's obliged_to): one check box per member, by name.

    Stores member ids; the boxes follow the members table (``set_members``).
    """

    def _make_input(self):
        box = QWidget(self)
        self.grid = QGridLayout(box)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setVerticalSpacing(2)
        self.boxes: list[QCheckBox] = []
        self._chosen: list[str] = []
        self.none_label = QLabel(box)
        self.none_label.setStyleSheet("color: #666;")
        self.grid.addWidget(self.none_label, 0, 0)
        return box

    def set_members(self, members: list[tuple[str, str]]) -> None:
        """(member_id, name) of the household's members, in table order."""
        if [(cb.property("member_id"), cb.text()) for cb in self.boxes] == list(members):
            return
        had_focus = any(cb.hasFocus() for cb in self.boxes)
        for cb in self.boxes:
            self.grid.removeWidget(cb)
            cb.deleteLater()
        self.boxes = []
        for i, (mid, name) in enumerate(members):
            cb = QCheckBox(name, self.input)
            cb.setProperty("member_id", mid)
            cb.setChecked(mid in self._chosen)
            cb.toggled.connect(self._toggled)
            self.grid.addWidget(cb, i // 3, i % 3)
            self.boxes.append(cb)
        self.none_label.setVisible(not self.boxes)
        if had_focus and self.boxes:
            self.boxes[0].setFocus()

    def _toggled(self, *_args):
        known = {cb.property("member_id") for cb in self.boxes}
        self._chosen = [cb.property("member_id") for cb in self.boxes if cb.isChecked()] + \
            [m for m in self._chosen if m not in known]  # a link to a removed member stays until fixed
        self._changed()

    def focus_widgets(self):
        return list(self.boxes)

    def value(self):
        return list(self._chosen) or None

    def _show(self, value):
        self._chosen = [v for v in value or [] if isinstance(v, str)]
        for cb in self.boxes:
            cb.blockSignals(True)
            cb.setChecked(cb.property("member_id") in self._chosen)
            cb.blockSignals(False)

    def retranslate(self, language):
        super().retranslate(language)
        self.none_label.setText(self.tr("（请先在“家庭成员”中登记成员）"))


class TextListField(TextField):
    """A list of names typed on one line, separated by 、 or commas (e.g. the visitors)."""

    def _make_input(self):
        edit = QLineEdit(self)
        edit.textEdited.connect(self._changed)
        return edit

    def value(self):
        parts = [p for p in _LIST_SPLIT.split(self.input.text().strip()) if p]
        return parts or None

    def _show(self, value):
        self.input.setText("、".join(value or []))

    def retranslate(self, language):
        super().retranslate(language)
        self.input.setPlaceholderText(self.tr("多人用顿号分开，例如：张三、李四"))


def make_field(question, language: str, parent=None) -> FieldWidget:
    """The editor widget for ``question`` (not for repeat groups)."""
    t = question.type
    if t == "money":
        return MoneyField(question, language, parent)
    if t == "notes":
        return NotesField(question, language, parent)
    if t in ("single", "yes_no", "yes_no_unknown"):
        return ChoiceField(question, language, parent)
    if t == "multi":
        return MultiField(question, language, parent)
    if t == "boolean":
        return BooleanField(question, language, parent)
    if t == "text_list":
        return TextListField(question, language, parent)
    if t == "member_refs":
        return MemberRefsField(question, language, parent)
    return TextField(question, language, parent)
