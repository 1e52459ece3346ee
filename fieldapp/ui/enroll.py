"""Joining the county server: the address and code form (first-run wizard and 工具), checked at once."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QProgressBar, QPushButton, QVBoxLayout, QWidget)

from fieldapp.ui.tasks import TaskRunner


class ServerForm(QWidget):
    """Server address + one-time code; :meth:`check` enrolls at once when the server answers.

    After a successful check ``enrollment`` holds the result and the server key's fingerprint is shown
    for the visitor to compare with the enrollment sheet (``confirm`` must be ticked). A wrong, expired or
    used code is shown in red and may be retyped; with no network the code is kept for the first sync.

    The server is asked off the UI thread: while it answers, a busy bar and 取消 show, the fields wait,
    and ``check_done`` is emitted when the answer (or the error) is shown.
    """

    check_done = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.runner = TaskRunner(self, max_threads=1)
        self.task = None                 # the server check running now
        self._asked = None               # (url, code) of that check
        self.busy = QProgressBar(self, objectName="enrollBusy")
        self.busy.setRange(0, 0)         # an indeterminate bar: the spinner
        self.busy.setTextVisible(False)
        self.busy_label = QLabel(self, objectName="enrollBusyLabel")
        self.cancel_button = QPushButton(self, objectName="enrollCancel")
        self.cancel_button.clicked.connect(self.cancel_check)
        busy_row = QHBoxLayout()
        busy_row.addWidget(self.busy_label)
        busy_row.addWidget(self.busy, 1)
        busy_row.addWidget(self.cancel_button)
        self.url = QLineEdit(self, objectName="serverUrl")
        self.url.setPlaceholderText("https://")
        self.code = QLineEdit(self, objectName="enrollCode")
        self.insecure_ok = QCheckBox(self, objectName="insecureOk")
        self.insecure_ok.hide()
        self.result = QLabel(self, objectName="enrollResult", wordWrap=True)
        self.result.setTextFormat(Qt.PlainText)
        self.confirm = QCheckBox(self, objectName="fingerprintOk")
        self.confirm.hide()
        self.note = QLabel(self, wordWrap=True)
        self.note.setStyleSheet("color: #555;")
        self.url_label, self.code_label = QLabel(self), QLabel(self)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(self.url_label, self.url)
        form.addRow(self.code_label, self.code)
        form.addRow(self.insecure_ok)
        form.addRow(self.note)
        form.addRow(busy_row)
        form.addRow(self.result)
        form.addRow(self.confirm)
        self._show_busy(False)
        self.enrollment = None      # fieldapp.enrollment.Enrollment after a successful check
        self.offline = False        # the server did not answer: the code is kept for the first sync
        self._checked = ("", "")
        self.url.textChanged.connect(self._changed)
        self.url.textChanged.connect(lambda _text: self.insecure_ok.setChecked(False))  # confirmed per address
        self.code.textChanged.connect(self._changed)
        self.retranslate()

    def _changed(self, _text: str) -> None:
        if (self.url.text().strip(), self.code.text().strip()) != self._checked:
            self.enrollment, self.offline = None, False
            self.confirm.hide()
            self.confirm.setChecked(False)
            self.result.clear()
        from fieldapp.enrollment import BadServerAddress, check_address

        try:
            insecure = check_address(self.url.text()).insecure
        except BadServerAddress:  # half-typed address: said when the form is checked
            insecure = False
        self.insecure_ok.setVisible(insecure)
        if not insecure:
            self.insecure_ok.setChecked(False)

    def _error(self, text: str) -> bool:
        self.result.setStyleSheet("color: #b00020;")
        self.result.setText(text)
        return False

    def check(self, enroll=None) -> bool:
        """True when the form may be left: enrolled and fingerprint confirmed, or offline with the code kept.

        :param enroll: ``(url, code) -> Enrollment`` (the wizard: before the vault exists) — default
            :func:`fieldapp.enrollment.enroll_now`
        """
        from fieldapp.enrollment import BadServerAddress, check_address, enroll_now
        from sync import errors

        try:
            address = check_address(self.url.text())
        except BadServerAddress as exc:
            return self._error(exc.message_zh)
        code = self.code.text().strip()
        if not code:
            return self._error(self.tr("请填写登记单上的登记码。"))
        if address.insecure and not self.insecure_ok.isChecked():
            self.insecure_ok.show()
            return self._error(address.warning_zh)
        if self.enrollment is not None:
            if not self.confirm.isChecked():
                return self._error(self.tr("请先核对服务器指纹，与登记单一致后勾选确认。"))
            return True
        if self.offline and self._checked == (self.url.text().strip(), code):
            return True
        if self.checking:
            return False
        asked = (self.url.text().strip(), code)
        call, url = enroll or enroll_now, address.url
        self._asked = asked
        self.task = self.runner.run(lambda: call(url, code), on_success=lambda e: self._answered(asked, e),
                                    on_error=lambda exc: self._refused(asked, exc))
        self.task.done.connect(self.check_done)
        self.result.clear()
        self._show_busy(True)
        return False

    @property
    def checking(self) -> bool:
        """True while the server is being asked."""
        return self.task is not None and self.task.running and self._asked is not None

    def cancel_check(self) -> None:
        """Stop waiting for the server: the fields can be changed again (a late answer is dropped)."""
        self._asked = None
        self._show_busy(False)
        self.result.setStyleSheet("color: #555;")
        self.result.setText(self.tr("已取消核对。可以修改后再点“下一步”。"))

    def _show_busy(self, on: bool) -> None:
        for w in (self.busy, self.busy_label, self.cancel_button):
            w.setVisible(on)
        self.url.setEnabled(not on)
        self.code.setEnabled(not on)

    def _refused(self, asked, exc) -> None:
        from sync import errors

        if asked != self._asked:   # cancelled meanwhile
            return
        self._asked = None
        self._show_busy(False)
        if isinstance(exc, (errors.ServerUnreachable, errors.TlsVerifyFailed)):
            self.offline, self._checked = True, asked
            self.result.setStyleSheet("color: #9a5b00;")
            self.result.setText(getattr(exc, "message_zh", "") + " " + self.tr(
                "现在连不上服务器：登记码已记下，将在第一次同步时登记这台电脑。再点一次“下一步”继续。"))
        elif isinstance(exc, errors.SyncError):
            self._error(exc.message_zh + " " + self.tr("请核对后重新输入。"))
            self.code.setFocus(Qt.OtherFocusReason)
            self.code.selectAll()
        else:   # not a sync answer: shown as any other error (a bug surfaces)
            from fieldapp.ui.errors import show_error

            show_error(self, exc)

    def _answered(self, asked, enrollment) -> None:
        if asked != self._asked:   # cancelled meanwhile
            return
        self._asked = None
        self._show_busy(False)
        self.enrollment, self._checked = enrollment, asked
        e = self.enrollment
        role = self.tr("乡镇经办电脑") if e.role == "office" else self.tr("走访电脑")
        recovery = (self.tr("县民政局可以恢复这台电脑的数据。") if e.office_recovery
                    else self.tr("注意：县民政局尚未设置恢复密钥，电脑丢失或忘记密码时数据无法恢复。"))
        self.result.setStyleSheet("color: #1b6e20;")
        self.result.setText(self.tr("登记码有效，已登记为%1（乡镇 %2，%3 个村）。\n服务器指纹：%4\n%5")
                            .replace("%1", role).replace("%2", e.township_code).replace("%3", str(len(e.villages)))
                            .replace("%4", e.fingerprint).replace("%5", recovery))
        self.confirm.show()

    def changeEvent(self, e):
        if e.type() == QEvent.LanguageChange:
            self.retranslate()
        super().changeEvent(e)

    def retranslate(self) -> None:
        """Set every text in the current language."""
        self.url_label.setText(self.tr("服务器地址"))
        self.code_label.setText(self.tr("登记码"))
        self.note.setText(self.tr("点“下一步”时会立即向服务器核对登记码；没有网络也可以先完成设置，首次同步时再登记。"))
        self.insecure_ok.setText(self.tr("我明白 http:// 不加密，县民政局要求使用这个地址"))
        self.confirm.setText(self.tr("服务器指纹与登记单上的一致"))
        self.busy_label.setText(self.tr("正在向服务器核对登记码…"))
        self.cancel_button.setText(self.tr("取消"))


class EnrollDialog(QDialog):
    """工具 → 加入县级服务器 / 重新输入登记码: enroll the unlocked vault with a newly typed code."""

    def __init__(self, services, parent=None):
        super().__init__(parent)
        self.setObjectName("enrollDialog")
        self.services = services
        self.status = QLabel(self, objectName="enrollStatus", wordWrap=True)
        self.form = ServerForm(self)
        st = services.enrollment_status()
        self.form.url.setText(st.get("server_url", ""))
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Close, self)
        self.buttons.accepted.connect(self.try_enroll)
        self.form.check_done.connect(lambda: self.show_status(self.services.enrollment_status()))
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.status)
        lay.addWidget(self.form)
        lay.addWidget(self.buttons)
        self.show_status(st)
        self.setWindowTitle(self.tr("加入县级服务器"))
        self.buttons.button(QDialogButtonBox.Ok).setText(self.tr("登记"))
        self.resize(560, self.sizeHint().height())

    def show_status(self, st: dict) -> None:
        """Where this laptop stands: enrolled or not, the pinned fingerprint, and whether it can be recovered."""
        if st.get("enrolled"):
            text = self.tr("已加入县级服务器 %1（%2）。服务器指纹：%3").replace("%1", st.get("server_url", "")) \
                .replace("%2", st.get("township_name") or st.get("township_code", "")).replace("%3", st.get("fingerprint", ""))
        elif self.form.enrollment is not None:
            text = self.tr("登记码有效。请核对下面的服务器指纹，与登记单一致后勾选确认，再点“登记”；关闭则本机不加入。")
        elif st.get("pending_code"):
            text = self.tr("登记码尚未核对成功：请重新输入，或联网后同步。")
        else:
            text = self.tr("这台电脑还没有加入县级服务器。")
        text += "\n" + (self.tr("县民政局可以恢复这台电脑的数据。") if st.get("recoverable")
                        else self.tr("县民政局目前无法恢复这台电脑的数据（尚未收到县级恢复密钥）。"))
        self.status.setText(text)

    def try_enroll(self) -> None:
        """Check the code with the server now; the vault joins only after the fingerprint was confirmed (a closed
        dialog leaves it as it was: it never syncs with a server whose key nobody compared)."""
        if self.form.check():
            if self.form.offline:  # kept for the next sync
                self.services.keep_pending_enrollment(self.form.url.text().strip(), self.form.code.text().strip())
            else:
                self.services.sync_part.keep_enrollment(self.form.enrollment)
            self.accept()
        if not self.form.checking:
            self.show_status(self.services.enrollment_status())
