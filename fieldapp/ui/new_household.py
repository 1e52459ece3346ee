"""新增户（主动发现）: create a household found at the door, after checking its ID number on this laptop."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout,
                               QWidget)


class NewHouseholdDialog(QDialog):
    """Village, head's name and ID number (address and phone optional); the ID number is checked as it is typed."""

    def __init__(self, services, parent: QWidget | None = None, *, mutations):
        super().__init__(parent)
        self.setObjectName("newHouseholdDialog")
        self.services, self.mutations = services, mutations
        self.household_id: str | None = None  # the household to open afterwards (new, or the existing one)
        self.existing = False
        self.intro = QLabel(self, wordWrap=True)
        self.village = QComboBox(self, objectName="newHouseholdVillage")
        for choice in services.laptop_villages():
            label = f"{choice.name}（{choice.code}）" if choice.name else choice.code
            self.village.addItem(label, choice.code)
        self.head_name = QLineEdit(self, objectName="newHouseholdHead")
        self.id_number = QLineEdit(self, objectName="newHouseholdId")
        self.id_number.setMaxLength(18)
        self.id_hint = QLabel(self, objectName="newHouseholdIdHint", wordWrap=True)
        self.address = QLineEdit(self, objectName="newHouseholdAddress")
        self.phone = QLineEdit(self, objectName="newHouseholdPhone")
        self.error = QLabel(self, objectName="newHouseholdError", wordWrap=True)
        self.error.setStyleSheet("color: #b00020;")
        self.error.hide()
        self.form = QFormLayout()
        self.labels = [QLabel(self) for _ in range(5)]
        for label, field in zip(self.labels, (self.village, self.head_name, self.id_number, self.address, self.phone)):
            self.form.addRow(label, field)
            if field is self.id_number:
                self.form.addRow("", self.id_hint)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        self.buttons.accepted.connect(self.create)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.intro)
        lay.addLayout(self.form)
        lay.addWidget(self.error)
        lay.addWidget(self.buttons)
        self.id_number.textChanged.connect(self._check_id)
        self.head_name.textChanged.connect(lambda _t: self._check_id(self.id_number.text()))
        self.retranslate()
        self._check_id("")
        self.resize(520, self.sizeHint().height())

    def _check_id(self, text: str) -> None:
        from forms.errors import IdNumberError
        from forms.idnumber import parse_id

        ok = self.buttons.button(QDialogButtonBox.Ok)
        text = text.strip()
        if not text:
            self.id_hint.setText(self.tr("18 位公民身份号码，末位可为 X。"))
            self.id_hint.setStyleSheet("color: #666;")
            ok.setEnabled(False)
            return
        try:
            _number, birth, sex = parse_id(text)
        except IdNumberError as exc:
            self.id_hint.setText(exc.message_zh)
            self.id_hint.setStyleSheet("color: #b00020;")
            ok.setEnabled(False)
            return
        sex_text = self.tr("男") if sex == "male" else self.tr("女")
        self.id_hint.setText(self.tr("号码有效：%1 出生，%2").replace("%1", birth.isoformat()).replace("%2", sex_text))
        self.id_hint.setStyleSheet("color: #1b6e20;")
        ok.setEnabled(bool(self.head_name.text().strip()) and self.village.count() > 0)

    def create(self) -> None:
        """Check the ID number on the laptop, then create the household (or point at the existing one)."""
        from fieldapp.households import HouseholdExists
        from fieldapp.ui.changes import Changes

        village, head, number = self.village.currentData(), self.head_name.text(), self.id_number.text()
        details = {"address": self.address.text(), "phone": self.phone.text()}

        def work() -> Changes:
            hid = self.services.create_household(village, head, number, **details)
            return Changes(households={hid}, outbox=True, result=hid)

        def done(changes: Changes) -> None:
            self.household_id = changes.result
            self.accept()

        def failed(exc) -> None:
            ok.setEnabled(True)
            if isinstance(exc, HouseholdExists):
                self.household_id, self.existing = exc.household_id, True
                self.error.setText(exc.message_zh)
                self.error.show()
                self.accept()
                return
            self.error.setText(getattr(exc, "message_zh", None) or str(exc))   # every error of ours has message_zh
            self.error.show()

        ok = self.buttons.button(QDialogButtonBox.Ok)
        if self.mutations.run("new_household", work, on_done=done, on_error=failed) is not None:
            ok.setEnabled(False)   # pressed twice: one household

    def changeEvent(self, e):
        if e.type() == QEvent.LanguageChange:
            self.retranslate()
        super().changeEvent(e)

    def retranslate(self) -> None:
        """Set every text in the current language."""
        self.setWindowTitle(self.tr("新增户（主动发现）"))
        self.intro.setText(self.tr("走访中发现的、不在名单上的困难家庭：先填写户主姓名和身份证号。"
                                   "本机会先查找是否已有这一户，有则直接打开，不会重复建户。建户后即可填写首次走访。"))
        for label, text in zip(self.labels, (self.tr("村（社区）"), self.tr("户主姓名"), self.tr("户主身份证号"),
                                             self.tr("住址（可稍后填写）"), self.tr("联系电话（可选）"))):
            label.setText(text)
        self.buttons.button(QDialogButtonBox.Ok).setText(self.tr("建户并开始走访"))
        self.buttons.button(QDialogButtonBox.Cancel).setText(self.tr("取消"))
        if self.village.count() == 0:
            self.error.setText(self.tr("本机还没有负责的村（社区）：请先同步，或联系乡镇经办人员。"))
            self.error.show()
        self._check_id(self.id_number.text())
        self.village.setFocus(Qt.OtherFocusReason)
