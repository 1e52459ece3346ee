"""A validation problem: where (path), how bad (error/warning), what (code), and messages."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Problem", "ERROR", "WARNING"]

ERROR = "error"  # blocks finalising the visit
WARNING = "warning"  # shown to staff, does not block


@dataclass(frozen=True)
class Problem:
    """One problem in a visit: ``path`` like ``members[2].id_number`` (rows counted from 0)."""

    path: str
    severity: str
    code: str
    message_zh: str
    message_en: str

    @property
    def is_error(self) -> bool:
        """True when the problem blocks finalising the visit."""
        return self.severity == ERROR

    def message(self, lang: str = "zh") -> str:
        """The message in *lang* ("zh" or "en")."""
        return self.message_en if lang == "en" else self.message_zh

    def to_dict(self) -> dict:
        """The problem as a JSON-ready dict."""
        return {"path": self.path, "severity": self.severity, "code": self.code,
                "message_zh": self.message_zh, "message_en": self.message_en}
