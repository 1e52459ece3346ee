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


@pytest.fixture
def window_factory(qtbot):
    """A MainWindow over given Services, language Chinese, shown at 1366×768."""
    from fieldapp.ui.i18n import LanguageSwitcher
    from fieldapp.ui.main import make_app
    from fieldapp.ui.main_window import MainWindow

    made = []

    def make(services, demo=False):
        app = make_app()
        languages = LanguageSwitcher(app)
        languages.set_language("zh")
        w = MainWindow(services, languages, demo=demo)
        w.resize(1366, 768)
        qtbot.addWidget(w)
        w.show()
        made.append((w, languages))
        return w

    yield make
    for w, languages in made:
        w.runner.wait(10000)
        if w.services.is_unlocked():
            w.services.lock()
        if languages.language != "zh":   # back to Chinese for the next test; no change event when nothing changed
            languages.set_language("zh")
        for t in languages._translators:   # each test's switcher installs its own: leave none behind for the next
            languages.app.removeTranslator(t)
        languages._translators = []
