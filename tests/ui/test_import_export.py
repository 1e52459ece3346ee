"""Import and export from the File menu: encrypted export, re-import into another laptop's vault."""

import json

import pytest

from tests.ui.helpers import unlock

# Encrypted exports are sealed at the test-only Argon2id cost (tests/conftest.py::fast_default_kdf);
# that the production cost is the default is asserted in tests/vault/test_vault_keys.py.
pytestmark = pytest.mark.usefixtures("fast_default_kdf")


def test_export_encrypted_then_import_elsewhere(services_factory, window_factory, qtbot, tmp_path):
    svc = services_factory(demo=True, households=12)
    w = window_factory(svc)
    unlock(w, qtbot)
    out = tmp_path / "export.json"
    w.export_file(str(out), passphrase="export pass 1")
    qtbot.waitUntil(lambda: hasattr(w, "last_export"), timeout=30000)
    raw = out.read_bytes()
    doc = json.loads(raw)
    assert doc["format"] == "fieldapp.export" and doc["count"] == w.last_export == 12
    some_name = w.model.rows()[0].head_name
    assert some_name.encode("utf-8") not in raw  # no name in clear

    # A second laptop imports it.
    from fieldapp.services import Services

    other = Services(tmp_path / "other", kdf=svc.kdf)
    other.create_vault("王五", "other laptop 1")
    w2 = window_factory(other)
    unlock(w2, qtbot, "other laptop 1")
    assert w2.model.rowCount() == 0
    with qtbot.waitSignal(w2.households_loaded, timeout=30000):
        w2.import_file(str(out), passphrase="export pass 1")
    assert (w2.last_import["imported"], w2.last_import["rejected"]) == (12, 0)
    assert w2.model.rowCount() == 12 and some_name in {r.head_name for r in w2.model.rows()}


def test_wrong_export_passphrase_is_a_plain_message(services_factory, window_factory, qtbot, tmp_path):
    from PySide6.QtWidgets import QMessageBox

    svc = services_factory(demo=True, households=3)
    w = window_factory(svc)
    unlock(w, qtbot)
    out = tmp_path / "export.json"
    w.export_file(str(out), passphrase="export pass 1")
    qtbot.waitUntil(lambda: hasattr(w, "last_export"), timeout=30000)
    w.import_file(str(out), passphrase="not the one")
    qtbot.waitUntil(lambda: w.findChild(QMessageBox, "errorBox") is not None, timeout=30000)
    assert "无法解密" in w.findChild(QMessageBox, "errorBox").text()
