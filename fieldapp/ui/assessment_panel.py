"""The live assessment panel: what rules R1–R12 suggest for the visit being typed, with explanations."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from forms.money import fen_to_yuan_str


class AssessmentPanel(QWidget):
    """Headline figures plus one card per suggestion (urgent child-protection ones first, in red)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("assessmentPanel")
        self.language = "zh"
        self._assessment = None
        self._error = ""
        self.read_only = False
        self.title = QLabel(self)
        f = self.title.font()
        f.setBold(True)
        f.setPointSize(f.pointSize() + 1)
        self.title.setFont(f)
        self.note = QLabel(self, wordWrap=True)
        self.note.setStyleSheet("color: #666;")
        self.headline = QLabel(self, wordWrap=True, objectName="assessmentHeadline")
        self.headline.setTextFormat(Qt.RichText)
        # A published reference document this version cannot read: said here, the rules go on without it.
        self.notice = QLabel(self, wordWrap=True, objectName="assessmentNotice")
        self.notice.setTextFormat(Qt.PlainText)
        self.notice.setStyleSheet("color: #9a5b00;")
        self.notice.hide()
        self.cards_host = QWidget(self)
        self.cards = QVBoxLayout(self.cards_host)
        self.cards.setContentsMargins(0, 0, 0, 0)
        self.cards.setSpacing(6)
        self.cards.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setFocusPolicy(Qt.NoFocus)  # read-only: Tab from the last field goes to the buttons, not here
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.NoFrame)
        scroll.setWidget(self.cards_host)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 4, 4, 4)
        lay.addWidget(self.title)
        lay.addWidget(self.note)
        lay.addWidget(self.headline)
        lay.addWidget(self.notice)
        lay.addWidget(scroll, 1)
        self.retranslate()

    def set_read_only(self, read_only: bool) -> None:
        """A finished visit: the suggestions are those of the saved record, not of live typing."""
        self.read_only = read_only
        self.retranslate()

    def set_language(self, language: str) -> None:
        """Show suggestions in ``language`` ("zh" or "en")."""
        self.language = language
        self._render()

    def set_assessment(self, assessment) -> None:
        """Show a forms.Assessment."""
        self._assessment, self._error = assessment, ""
        self._render()

    def set_notice(self, text: str | None) -> None:
        """Show (or, with None, hide) a line about the reference data itself, above the cards."""
        self.notice.setText(text or "")
        self.notice.setVisible(bool(text))

    def set_unavailable(self, message: str) -> None:
        """Explain why there is no assessment (e.g. no dibao standard for this county)."""
        self._assessment, self._error = None, message
        self._render()

    def suggestion_texts(self) -> list[str]:
        """The texts shown on the cards (used by tests and screenshots)."""
        out = []
        for i in range(self.cards.count()):
            w = self.cards.itemAt(i).widget()
            if isinstance(w, QLabel):
                out.append(w.text())
        return out

    def _render(self) -> None:
        while self.cards.count() > 1:
            w = self.cards.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        a = self._assessment
        if a is None:
            self.headline.setText(self._error or self.tr("填写家庭成员和收入后，这里会显示政策提示。"))
            return
        en = self.language == "en"
        parts = []
        if a.per_capita_income_fen is not None:
            parts.append(self.tr("人均月收入") + f" <b>{fen_to_yuan_str(a.per_capita_income_fen)}</b> " + self.tr("元"))
        if a.standard_fen is not None:
            parts.append(self.tr("低保标准") + f" <b>{fen_to_yuan_str(a.standard_fen)}</b> " + self.tr("元"))
        if a.household_size:
            parts.append(self.tr("家庭人口") + f" <b>{a.household_size}</b>")
        if getattr(a, "standard_missing", None):
            missing_text = self.tr("缺少本县低保标准：收入类提示暂不显示，请同步或联系县民政局")
            parts.append(f"<span style='color:#9a5b00'>{missing_text}</span>")
        if a.demo_reference:
            demo_text = self.tr("（演示参考数据）")
            parts.append(f"<span style='color:#9a5b00'>{demo_text}</span>")
        self.headline.setText(" · ".join(parts))
        suggestions = sorted(a.suggestions, key=lambda s: not getattr(s, "urgent", False))
        for s in suggestions:
            text = s.message_en if en else s.message_zh
            if text.startswith(s.rule + " "):
                text = text[len(s.rule) + 1:]
            card = QLabel(f"<b>{s.rule}</b>&nbsp; {_escape(text)}", self.cards_host)
            card.setWordWrap(True)
            card.setTextFormat(Qt.RichText)
            card.setObjectName(f"suggestion_{s.rule}")
            if getattr(s, "urgent", False):
                card.setStyleSheet("background: #fde7ea; border: 1px solid #b00020; padding: 6px; color: #7a0016;")
            else:
                card.setStyleSheet("background: #f3f6fb; border: 1px solid #c9d8ee; padding: 6px;")
            self.cards.insertWidget(self.cards.count() - 1, card)

    def changeEvent(self, e):
        if e.type() == QEvent.LanguageChange:
            self.retranslate()
        super().changeEvent(e)

    def retranslate(self) -> None:
        """Set every text in the current language."""
        self.title.setText(self.tr("政策提示（按已保存的走访）") if self.read_only else self.tr("政策提示（随填写实时更新）"))
        self.note.setText(self.tr("以下为系统根据规则给出的参考，不是审批结论；由乡镇、县级部门决定。"))
        self._render()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
