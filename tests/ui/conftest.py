"""Qt tests run offscreen; vaults are real SQLCipher files in a temporary folder."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from tests.ui.helpers import PASSPHRASE  # noqa: E402


@pytest.fixture
def fast_kdf():
    """Argon2id parameters low enough for tests (the stored wrap records them)."""
    from fieldapp.vault import FAST_KDF

    return FAST_KDF


@pytest.fixture
def services_factory(tmp_path, fast_kdf):
    """Make Services over a fresh data folder (optionally with a vault and its first user)."""
    from fieldapp.services import Services

    def make(*, with_vault=True, user="张三", demo=False, households=40):
        svc = Services(tmp_path / "data", kdf=fast_kdf)
        if with_vault:
            svc.create_vault(user, PASSPHRASE, demo=demo, households=households)
        return svc

    return make


_SWITCHER: dict = {}


@pytest.fixture
def window_factory(qtbot):
    """A MainWindow over given Services, language Chinese, shown at 1366×768."""
    from fieldapp.ui.i18n import LanguageSwitcher
    from fieldapp.ui.main import make_app
    from fieldapp.ui.main_window import MainWindow

    made = []

    def make(services, demo=False):
        app = make_app()
        # One switcher for the whole run, as the app has one: a switcher per test left its Qt Chinese
        # translator installed, and later English windows showed 关闭 on their tab buttons.
        languages = _SWITCHER.get("app")
        if languages is None:
            languages = _SWITCHER["app"] = LanguageSwitcher(app)
            languages.set_language("zh")
        w = MainWindow(services, languages, demo=demo)
        w.resize(1366, 768)
        qtbot.addWidget(w)
        w.show()
        made.append((w, languages))
        return w

    yield make
    for w, languages in made:
        w.mutations.wait(10000)
        w.runner.wait(10000)
        if w.services.is_unlocked():
            w.services.lock()
        if languages.language != "zh":   # back to Chinese for the next test; no change event when nothing changed
            languages.set_language("zh")

