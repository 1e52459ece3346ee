"""Every UI string has English: in the .ts as the sources are now, and on screen in the English UI."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QLineEdit, QMenu, QTabWidget, QWidget

from fieldapp.ui import i18n_tool
from tests.ui.helpers import PASSPHRASE, open_household, unlock
from tests.ui.test_new_household import visitor_laptop

CJK = re.compile(r"[\u3400-\u9fff\uff01-\uff5e\u3000-\u303f]")
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_every_string_in_the_sources_has_english(tmp_path):
    """lupdate over the sources as they are now (into a copy): a new tr() string without English fails here."""
    ts = tmp_path / "fieldapp_en.ts"
    shutil.copy(i18n_tool.TS, ts)
    sources = sorted(str(p) for p in i18n_tool.UI.glob("*.py"))
    lupdate = Path(sys.executable).with_name("pyside6-lupdate")
    subprocess.run([str(lupdate) if lupdate.exists() else "pyside6-lupdate", *sources, "-no-obsolete",
                    "-source-language", "zh_CN", "-target-language", "en", "-ts", str(ts)],
                   check=True, capture_output=True)
    assert i18n_tool.untranslated(ts) == []
    assert i18n_tool.QM.stat().st_mtime >= 0 and i18n_tool.QM.stat().st_size > 40000   # the compiled English


def _visible_texts(root: QWidget) -> list[tuple[str, str]]:
    """(object name/class, text) of every string the user can see in ``root`` and its visible children."""
    out = []
    widgets = [root, *root.findChildren(QWidget)]
    for w in widgets:
        if not w.isVisibleTo(root) and w is not root:
            continue
        name = w.objectName() or type(w).__name__
        if w.isWindow() and w.windowTitle():
            out.append((name + ".title", w.windowTitle()))
        if isinstance(w, QLabel):
            out.append((name, w.text()))
        elif isinstance(w, QAbstractButton):
            out.append((name, w.text()))
        elif isinstance(w, QGroupBox):
            out.append((name, w.title()))
        elif isinstance(w, QLineEdit):
            out.append((name + ".placeholder", w.placeholderText()))
        if isinstance(w, QTabWidget):
            out += [(name + f".tab{i}", w.tabText(i)) for i in range(w.count())]
        if isinstance(w, QMenu):
            out += [(name + ".action", a.text()) for a in w.actions()]
        out += [(name + ".tooltip", w.toolTip())] if w.toolTip() else []
    return [(n, t) for n, t in out if t]


def _chinese_left(texts, data: list[str]) -> list[tuple[str, str]]:
    left = []
    for name, text in texts:
        for value in data:              # what the household's data says stays as typed (names, addresses)
            text = text.replace(value, "")
        if CJK.search(text):
            left.append((name, text))
    return left


def test_the_english_ui_shows_no_chinese_but_the_households_own_data(tmp_path, fast_kdf, window_factory, qtbot):
    from tests import county

    svc = visitor_laptop(tmp_path, fast_kdf)
    svc.unlock("王芳", PASSPHRASE)
    hid = svc.create_household(county.DONGJIE, "赵建国", county.id_number("19750102", 15), address="东街 8 号")
    svc.lock()
    data = ["赵建国", "东街 8 号", "东街社区", "柏树村", "城关镇", "松林县", "王芳"]
    w = window_factory(svc)
    w.apply_settings({"language": "en", "auto_lock_minutes": 10})
    qtbot.waitUntil(lambda: w.file_menu.title() == "File", timeout=3000)
    unlock(w, qtbot)
    seen = _visible_texts(w) + [(f"menu.{m.title()}", a.text()) for m in (w.file_menu, w.tools_menu)
                                for a in m.actions()] + [("menu", w.file_menu.title()), ("menu", w.tools_menu.title())]
    tab = open_household(w, hid)
    qtbot.wait(50)
    seen += _visible_texts(w)
    for i in range(tab.editor.sections.count()):      # every section of the form
        tab.editor.sections.setCurrentIndex(i)
        seen += _visible_texts(tab.editor)
    seen += [("print." + str(k), a.text()) for k, a in tab.print_actions.items()]
    if os.environ.get("FIELDAPP_WRITE_SCREENSHOTS") == "1":   # docs/screenshots/ui-{main,editor}-en.png
        SHOTS.mkdir(exist_ok=True)
        tab.editor.sections.setCurrentIndex(0)
        w.grab().save(str(SHOTS / "ui-editor-en.png"))
        w.tabs.setCurrentWidget(w.list_page)
        qtbot.wait(50)
        w.grab().save(str(SHOTS / "ui-main-en.png"))

    dialogs = []

    def new_household(dialog):
        dialogs.append(dialog)
        dialog.show()

    w.new_household(new_household)
    w.open_enrollment(lambda d: (dialogs.append(d), d.show()))
    from fieldapp.ui.unreachable_dialog import UnreachableDialog

    dialogs.append(UnreachableDialog(svc, hid, "王芳", w, mutations=w.mutations))
    dialogs[-1].show()
    for d in dialogs:
        qtbot.waitExposed(d)
        seen += _visible_texts(d)
        d.close()
    assert _chinese_left(seen, data) == []
