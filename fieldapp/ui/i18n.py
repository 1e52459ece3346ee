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
    """Holds the installed translators of the running application."""

    def __init__(self, app: QCoreApplication):
        self.app = app
        self.language = DEFAULT_LANGUAGE
        self._translators: list[QTranslator] = []

    def set_language(self, language: str) -> None:
        """Switch the whole UI to ``language`` ("zh" or "en")."""
        if language not in LANGUAGES:
            raise ValueError(f"unknown language {language!r}")
        for t in self._translators:
            self.app.removeTranslator(t)
        self._translators = []
        qt_dir = QLibraryInfo.path(QLibraryInfo.TranslationsPath)
        if language == "zh":
            self._load(f"{qt_dir}/qtbase_zh_CN.qm")
            QLocale.setDefault(QLocale(QLocale.Chinese, QLocale.China))
        else:
            self._load(str(I18N_DIR / "fieldapp_en.qm"), required=True)
            QLocale.setDefault(QLocale(QLocale.English, QLocale.UnitedStates))
        self.language = language
        if not self._translators:  # removing translators alone also has to refresh texts
            from PySide6.QtCore import QEvent

            QCoreApplication.sendEvent(self.app, QEvent(QEvent.LanguageChange))

    def _load(self, path: str, required: bool = False) -> None:
        t = QTranslator(self.app)
        if t.load(path):
            self.app.installTranslator(t)
            self._translators.append(t)
        elif required:
            raise FileNotFoundError(path)


def label(obj: dict, language: str, key: str = "label") -> str:
    """Pick the zh/en text of a form-definition item (falls back to Chinese)."""
    value = obj.get(key)
    if isinstance(value, dict):
        return value.get(language) or value.get("zh") or next(iter(value.values()), "")
    if language == "en" and obj.get(f"{key}_en"):
        return obj[f"{key}_en"]
    return obj.get(f"{key}_zh") or (value if isinstance(value, str) else "") or ""
