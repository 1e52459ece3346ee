"""Language switching with QTranslator: Chinese is the source language, English a translation.

Every user-visible string is written in Chinese inside ``tr()``; ``i18n/fieldapp_en.ts`` holds
the English, compiled to ``fieldapp_en.qm``. Switching installs or removes the translator,
which sends a LanguageChange event to every widget; widgets re-set their texts in
``retranslate()``.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

I18N_DIR = Path(__file__).with_name("i18n")
LANGUAGES = {"zh": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh"


class LanguageSwitcher:
    """Holds the installed translators of the running application.

    The list is shared by every switcher of the process (there is one application): a second
    switcher (a test, a rebuilt window) replaces the first one's translators instead of adding to them.
    """

    _installed: list[QTranslator] = []

    def __init__(self, app: QCoreApplication):
        self.app = app
        self.language = DEFAULT_LANGUAGE
        self._translators = LanguageSwitcher._installed

    def set_language(self, language: str) -> None:
        """Switch the whole UI to ``language`` ("zh" or "en")."""
        if language not in LANGUAGES:
            raise ValueError(f"unknown language {language!r}")
        for t in self._translators:
            self.app.removeTranslator(t)
        del self._translators[:]
        if language == "zh":
            # Qt's own texts (file dialogs' 查找范围/文件类型, standard buttons, context menus) in Chinese too.
            for folder in qt_translation_folders():
                if self._load(str(folder / "qtbase_zh_CN.qm")):
                    break
            self._load(str(I18N_DIR / "qt_gaps_zh_CN.qm"))  # the few Qt strings that file lacks
            QLocale.setDefault(QLocale(QLocale.Chinese, QLocale.China))
        else:
            self._load(str(I18N_DIR / "fieldapp_en.qm"), required=True)
            QLocale.setDefault(QLocale(QLocale.English, QLocale.UnitedStates))
        self.language = language
        if not self._translators:  # removing translators alone also has to refresh texts
            from PySide6.QtCore import QEvent

            QCoreApplication.sendEvent(self.app, QEvent(QEvent.LanguageChange))

    def _load(self, path: str, required: bool = False) -> bool:
        t = QTranslator(self.app)
        if t.load(path):
            self.app.installTranslator(t)
            self._translators.append(t)
            return True
        if required:
            raise FileNotFoundError(path)
        return False


def qt_translation_folders() -> list[Path]:
    """Where Qt's own .qm files may be: Qt's configured folder, then PySide6's bundled one (wheels, frozen apps)."""
    import PySide6

    folders = [Path(QLibraryInfo.path(QLibraryInfo.TranslationsPath)),
               Path(PySide6.__file__).resolve().parent / "Qt" / "translations",
               Path(PySide6.__file__).resolve().parent / "translations"]
    return [f for i, f in enumerate(folders) if f not in folders[:i]]


def label(obj: dict, language: str, key: str = "label") -> str:
    """Pick the zh/en text of a form-definition item (falls back to Chinese)."""
    value = obj.get(key)
    if isinstance(value, dict):
        return value.get(language) or value.get("zh") or next(iter(value.values()), "")
    if language == "en" and obj.get(f"{key}_en"):
        return obj[f"{key}_en"]
    return obj.get(f"{key}_zh") or (value if isinstance(value, str) else "") or ""
