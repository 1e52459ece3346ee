"""First run on an empty laptop: the wizard with "try with demo data" creates a real vault and opens the list."""

from PySide6.QtWidgets import QWizard

from fieldapp.ui.main import start_first_run
from fieldapp.vault import Vault


def test_first_run_with_demo_data_creates_vault_and_fills_list(services_factory, window_factory, qtbot):
    svc = services_factory(with_vault=False)
    svc.demo_households = 25
    w = window_factory(svc, demo=True)
    start_first_run(w)
    wizard = w.first_run_wizard
    assert wizard.isVisible()
    assert wizard.mode_page.demo.isChecked()  # demo mode preselects "try with demo data"
    wizard.next()
    assert wizard.currentPage() is wizard.user_page
    wizard.user_page.name.setText("李四")
    wizard.user_page.pass1.setText("short")
    wizard.user_page.pass2.setText("short")
    wizard.button(QWizard.FinishButton).click()
    assert "至少需要 8 位" in wizard.user_page.error.text() and wizard.isVisible()
    wizard.user_page.pass1.setText("village laptop 7")
    wizard.user_page.pass2.setText("village laptop 7")
    with qtbot.waitSignal(w.households_loaded, timeout=60000) as loaded:
        wizard.button(QWizard.FinishButton).click()
    assert loaded.args == [25]
    assert Vault.exists(svc.data_dir) and svc.users() == ["李四"]
    assert w.stack.currentWidget() is w.tabs and w.model.rowCount() == 25
    assert "李四" in w.status.user.text()
    # The data on disk is the encrypted vault, not plain SQLite.
    assert not (svc.data_dir / "vault.db").read_bytes().startswith(b"SQLite format 3")


def test_join_server_path_asks_for_address_and_code(services_factory, window_factory, qtbot):
    svc = services_factory(with_vault=False)
    w = window_factory(svc)
    start_first_run(w)
    wizard = w.first_run_wizard
    wizard.mode_page.join.setChecked(True)
    wizard.next()
    assert wizard.currentPage() is wizard.server_page
    assert not wizard.button(QWizard.NextButton).isEnabled()  # both fields are required
    wizard.server_page.url.setText("https://127.0.0.1:9")
    wizard.server_page.code.setText("ABCD-1234")
    assert wizard.button(QWizard.NextButton).isEnabled()
    with qtbot.waitSignal(wizard.server_page.form.check_done, timeout=30000):
        wizard.next()  # the code is checked with the server at once (off the UI thread): nothing answers on port 9
    assert wizard.currentPage() is wizard.server_page
    assert "第一次同步时" in wizard.server_page.form.result.text()
    wizard.next()  # set-up carries on offline; the code is used at the first sync
    assert wizard.currentPage() is wizard.user_page
    choice = wizard.choice()
    assert (choice.mode, choice.server_url, choice.enrollment_code) == ("join", "https://127.0.0.1:9", "ABCD-1234")
