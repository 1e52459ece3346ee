"""First run: join a county server or try with demo data, then create the first local user."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import (QButtonGroup, QFormLayout, QLabel, QLineEdit, QRadioButton, QVBoxLayout, QWizard,
                               QWizardPage)


@dataclass
class FirstRunChoice:
    """What the user chose in the wizard."""

    mode: str  # "demo" | "join"
    server_url: str
    enrollment_code: str
    user_name: str
    passphrase: str
    enrollment: object = None  # fieldapp.enrollment.Enrollment when the code was checked with the server


MIN_PASSPHRASE = 8


class _ModePage(QWizardPage):
    def __init__(self, demo_default: bool):
        super().__init__()
        self.intro = QLabel(wordWrap=True)
        self.join = QRadioButton()
        self.join.setObjectName("modeJoin")
        self.demo = QRadioButton()
        self.demo.setObjectName("modeDemo")
        self.group = QButtonGroup(self)
        self.group.addButton(self.join)
        self.group.addButton(self.demo)
        (self.demo if demo_default else self.join).setChecked(True)
        self.join_hint = QLabel(wordWrap=True)
        self.demo_hint = QLabel(wordWrap=True)
        for h in (self.join_hint, self.demo_hint):
            h.setStyleSheet("color: #555; margin-left: 22px;")
        lay = QVBoxLayout(self)
        for w in (self.intro, self.join, self.join_hint, self.demo, self.demo_hint):
            lay.addWidget(w)
        lay.addStretch()
        self.retranslate()

    def nextId(self) -> int:
        return 1 if self.join.isChecked() else 2

    def changeEvent(self, e):
        if e.type() == QEvent.LanguageChange:
            self.retranslate()
        super().changeEvent(e)

    def retranslate(self) -> None:
        self.setTitle(self.tr("欢迎使用四个摸清入户走访"))
        self.intro.setText(self.tr("这台电脑还没有数据。请选择如何开始："))
        self.join.setText(self.tr("加入县级服务器"))
        self.join_hint.setText(self.tr("填写县民政部门提供的服务器地址和一次性登记码。"))
        self.demo.setText(self.tr("使用演示数据试用"))
        self.demo_hint.setText(self.tr("生成虚构的演示户，用于培训和试用；同步只与本机内置的演示服务器进行，不会发往真实服务器。"))


class _ServerPage(QWizardPage):
    def __init__(self):
        super().__init__()
        from fieldapp.ui.enroll import ServerForm

        self.form = ServerForm(self)
        self.url, self.code = self.form.url, self.form.code
        lay = QVBoxLayout(self)
        lay.addWidget(self.form)
        self.registerField("server_url*", self.url)
        self.registerField("enroll_code*", self.code)
        self.retranslate()

    def nextId(self) -> int:
        return 2

    def validatePage(self) -> bool:
        """Check the code with the server now (or accept offline); wrong codes stay here to be retyped."""
        return self.form.check()

    def changeEvent(self, e):
        if e.type() == QEvent.LanguageChange:
            self.retranslate()
        super().changeEvent(e)

    def retranslate(self) -> None:
        self.setTitle(self.tr("县级服务器"))


class _UserPage(QWizardPage):
    def __init__(self):
        super().__init__()
        self.name = QLineEdit()
        self.name.setObjectName("firstUserName")
        self.pass1 = QLineEdit(echoMode=QLineEdit.Password)
        self.pass1.setObjectName("firstUserPass")
        self.pass2 = QLineEdit(echoMode=QLineEdit.Password)
        self.pass2.setObjectName("firstUserPass2")
        self.error = QLabel(wordWrap=True)
        self.error.setObjectName("firstRunError")
        self.error.setStyleSheet("color: #b00020;")
        self.labels = [QLabel(), QLabel(), QLabel()]
        form = QFormLayout(self)
        form.addRow(self.labels[0], self.name)
        form.addRow(self.labels[1], self.pass1)
        form.addRow(self.labels[2], self.pass2)
        form.addRow(self.error)
        self.retranslate()

    def validatePage(self) -> bool:
        problem = check_new_user(self.name.text(), self.pass1.text(), self.pass2.text())
        self.error.setText(problem or "")
        return problem is None

    def changeEvent(self, e):
        if e.type() == QEvent.LanguageChange:
            self.retranslate()
        super().changeEvent(e)

    def retranslate(self) -> None:
        self.setTitle(self.tr("创建第一个用户"))
        self.setSubTitle(self.tr("密码用来保护本机所有数据，请牢记，至少 8 位。"))
        for lab, text in zip(self.labels, (self.tr("姓名"), self.tr("密码"), self.tr("再次输入密码"))):
            lab.setText(text)


def check_new_user(name: str, pass1: str, pass2: str) -> str | None:
    """Why a new user can't be created with these entries, in Chinese; None if fine."""
    from PySide6.QtCore import QCoreApplication

    if not name.strip():
        return QCoreApplication.translate("NewUser", "请输入姓名。")
    if len(pass1) < MIN_PASSPHRASE:
        return QCoreApplication.translate("NewUser", "密码至少需要 8 位。")
    if pass1 != pass2:
        return QCoreApplication.translate("NewUser", "两次输入的密码不一致。")
    return None


class FirstRunWizard(QWizard):
    """The first-run wizard; ``choice()`` gives what was picked once accepted."""

    def __init__(self, parent=None, demo_default: bool = False):
        super().__init__(parent)
        self.setObjectName("firstRunWizard")
        self.setWizardStyle(QWizard.ClassicStyle)
        self.mode_page = _ModePage(demo_default)
        self.server_page = _ServerPage()
        self.user_page = _UserPage()
        self.setPage(0, self.mode_page)
        self.setPage(1, self.server_page)
        self.setPage(2, self.user_page)
        self.setMinimumSize(620, 420)
        self.retranslate()

    def changeEvent(self, e):
        if e.type() == QEvent.LanguageChange:
            self.retranslate()
        super().changeEvent(e)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("首次使用"))

    def choice(self) -> FirstRunChoice:
        """The answers given."""
        demo = self.mode_page.demo.isChecked()
        return FirstRunChoice(
            mode="demo" if demo else "join",
            server_url="" if demo else self.server_page.url.text().strip(),
            enrollment_code="" if demo else self.server_page.code.text().strip(),
            user_name=self.user_page.name.text().strip(),
            passphrase=self.user_page.pass1.text(),
            enrollment=None if demo else self.server_page.form.enrollment,
        )
