"""Adding another local user (a colleague sharing this laptop)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit

from fieldapp.ui.firstrun import check_new_user


class AddUserDialog(QDialog):
    """Name + passphrase twice; ``values()`` gives (name, passphrase)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("添加用户"))
        self.name = QLineEdit(self, objectName="newUserName")
        self.pass1 = QLineEdit(self, objectName="newUserPass", echoMode=QLineEdit.Password)
        self.pass2 = QLineEdit(self, objectName="newUserPass2", echoMode=QLineEdit.Password)
        self.error = QLabel(self, objectName="newUserError")
        self.error.setStyleSheet("color: #b00020;")
        form = QFormLayout(self)
        form.addRow(self.tr("姓名"), self.name)
        form.addRow(self.tr("密码"), self.pass1)
        form.addRow(self.tr("再次输入密码"), self.pass2)
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _check(self) -> None:
        problem = check_new_user(self.name.text(), self.pass1.text(), self.pass2.text())
        if problem:
            self.error.setText(problem)
            return
        self.accept()

    def values(self) -> tuple[str, str]:
        """The new user's name and passphrase."""
        return self.name.text().strip(), self.pass1.text()


def add_user_off_thread(window, name: str, passphrase: str) -> None:
    """Add the user through ``window.mutations`` (Argon2id takes seconds: never on the UI thread), then say so."""
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QMessageBox

    from fieldapp.ui.changes import Changes

    def work() -> Changes:
        window.services.add_user(name, passphrase)
        return Changes(users=True)

    def done(_changes) -> None:
        box = QMessageBox(QMessageBox.Information, QCoreApplication.translate("MainWindow", "已添加"),
                          QCoreApplication.translate("MainWindow", "已添加用户“%1”。").replace("%1", name),
                          QMessageBox.Ok, window)
        box.setObjectName("userAddedBox")
        box.open()
        window.user_added_box = box

    window.mutations.run("add_user", work, on_done=done, progress_parent=window,
                         label=QCoreApplication.translate("MainWindow", "正在添加用户…"))
