"""After the wizard: create the vault (with demo data if asked) off the UI thread, then unlock."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

from fieldapp.ui.errors import show_error
from fieldapp.ui.firstrun import FirstRunWizard


def run_first_run(window) -> None:
    """Run the first-run wizard over ``window``; quit if the user cancels it."""
    wizard = FirstRunWizard(window, demo_default=window.demo)
    window.first_run_wizard = wizard
    wizard.accepted.connect(lambda: create_from_choice(window, wizard.choice()))
    wizard.rejected.connect(lambda: QApplication.instance().quit() if not window.services.has_vault() else None)
    wizard.open()


def create_from_choice(window, choice) -> None:
    """Create the vault from the wizard's answers, then go straight into the app as that user."""
    services = window.services

    def work(progress):
        from fieldapp.core.sync import EnrollmentCodeRejected

        refused = None
        try:
            services.create_vault(choice.user_name, choice.passphrase, demo=choice.mode == "demo",
                                  server_url=choice.server_url, enrollment_code=choice.enrollment_code,
                                  progress=progress.report, enrollment=choice.enrollment)
        except EnrollmentCodeRejected as exc:   # the vault was made: go in, and say at once the code must be retyped
            refused = exc
        services.unlock(choice.user_name, choice.passphrase)
        return refused

    def done(refused):
        window.settings["last_user"] = choice.user_name
        services.save_settings(window.settings)
        window._after_unlock(choice.user_name)
        if refused is not None:
            show_error(window, refused, QCoreApplication.translate("MainWindow", "登记码未被接受"))

    def failed(exc):
        show_error(window, exc)
        run_first_run(window)

    window.runner.run(work, pass_progress=True, progress_parent=window, cancellable=False,
                      label=QCoreApplication.translate("MainWindow", "正在创建本机加密数据库…"), on_success=done, on_error=failed)
