"""Import and export of visit files (interchange JSON, or sealed to the county office / under a passphrase)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from fieldapp.core.derive import Deriver
from fieldapp.core.session import Session
from fieldapp.core.visits import Visits
from fieldapp.errors import AppError


class ImportFileUnreadable(AppError):
    """The file to import is not readable JSON."""

    def __init__(self, name: str):
        super().__init__("import file unreadable")
        self.message_zh = f"无法读取文件“{name}”：它不是走访记录的 JSON 文件，或已损坏。"
        self.hint_zh = "请选择由本系统导出的文件（.json）。"


class ExportNeedsSecret(AppError):
    """An export needs the office key or a passphrase; the app never exports in clear."""

    message_zh = "导出需要设置密码（本机没有县级公钥）。"


class ImportRejected(AppError):
    """Some visits of an import file were rejected and the caller asked for all or nothing."""

    def __init__(self, rejected: int, problems: list[str]):
        super().__init__(f"{rejected} visits rejected")
        self.rejected, self.problems = rejected, problems
        self.message_zh = f"{rejected} 条记录不合格，未导入任何记录"


@dataclass(frozen=True)
class ExportResult:
    """A written export: how many visits, and how it is protected (``office`` | ``passphrase`` | ``plaintext``)."""

    count: int
    method: str


class Exchange:
    """Visit files in and out: the app's 导入/导出 and ``fieldapp import/export`` alike."""

    def __init__(self, session: Session, visits: Visits, deriver: Deriver):
        self.session, self.visits, self.deriver = session, visits, deriver

    def read_import_file(self, path: str | Path) -> tuple[dict | list, bool]:
        """Parse a file to import; returns (document, needs a passphrase)."""
        from fieldapp.vault.export import is_sealed_export
        from forms.errors import MalformedJsonError
        from forms.interchange import read_json

        try:
            doc = read_json(Path(path).read_bytes(), Path(path).name)   # a UTF-8 BOM (Windows editors) is fine
        except (OSError, MalformedJsonError) as exc:
            raise ImportFileUnreadable(Path(path).name) from exc
        return doc, is_sealed_export(doc)

    def import_visits(self, doc, passphrase: str | None = None, progress=None, *,
                      office_private_key: bytes | None = None, skip_invalid: bool = True) -> dict:
        """Import visits (interchange JSON, one or a list, or an encrypted export) — the app's and the CLI's one path.

        A visit not in the interchange shape (drafts too: a value of the wrong JSON type is never
        imported), and a final visit with blocking problems, is rejected with its reasons. Each
        imported visit gives its household the review date and flags from the rules, as a visit saved
        by hand. ``progress(done, total)`` may raise to cancel between batches.

        :param office_private_key: opens an export sealed to the county office (instead of ``passphrase``).
        :param skip_invalid: False = import nothing when any visit is rejected (raises ImportRejected).
        :returns: {"imported": n, "rejected": m, "problems": ["第 i 条 …", …]}
        """
        from fieldapp.vault.export import is_sealed_export, open_sealed_visits

        if is_sealed_export(doc):
            doc = open_sealed_visits(doc, office_private_key=office_private_key, passphrase=passphrase)
        visits = doc if isinstance(doc, list) else [doc]
        good, problems = [], []
        for i, visit in enumerate(visits, 1):
            reasons = self._import_problems(visit, f"第 {i} 条")
            if reasons:
                problems.extend(reasons)
            else:
                good.append(visit)
        rejected = len(visits) - len(good)
        if rejected and not skip_invalid:
            raise ImportRejected(rejected, problems)
        v = self.session.v()
        done = 0
        for start in range(0, len(good), 200):
            batch = good[start:start + 200]
            done += v.save_visits(batch, batch_size=200, derived={x["visit_id"]: self.deriver.for_visit(x) for x in batch})
            if progress:
                progress(done, len(good))
        v.audit("import", detail={"visits": done, "rejected": rejected})
        return {"imported": done, "rejected": rejected, "problems": problems}

    def _import_problems(self, visit, label: str) -> list[str]:
        """Why *visit* cannot be imported (Chinese, prefixed with *label*); [] when it can."""
        from fieldapp.vault import VaultError
        from fieldapp.vault.records import check_visit
        from forms.errors import VisitShapeError
        from forms.interchange import check_shape

        try:
            check_visit(visit)
            check_shape(visit, label)
        except VaultError as exc:
            return [f"{label}：{exc.message_zh}"]
        except VisitShapeError as exc:
            return [f"{exc.message_zh}：" + "；".join(exc.problems[:3])]
        if visit.get("status") != "final":
            return []
        return [f"{label} {p.path}：{p.message_zh}" for p in self.visits.validate(visit) if p.severity == "error"][:5]

    def export(self, path: str | Path, *, passphrase: str | None = None, office_public_key: bytes | None = None,
               plaintext: bool = False, progress=None) -> ExportResult:
        """Write every visit: sealed to *office_public_key*, else under *passphrase*, else to the vault's office
        key; in clear only with ``plaintext`` (the CLI's ``--plaintext``; the app never asks for it).

        :raises ExportNeedsSecret: no office key is known and no passphrase was given
        """
        from fieldapp.vault.export import seal_visits
        from fieldapp.vault.keyfile import atomic_write

        v = self.session.v()
        office = None
        if not plaintext:
            office = office_public_key or (None if passphrase else v.office_public_key())
            if not (office or passphrase):
                raise ExportNeedsSecret()
        visits = []
        for visit in v.iter_visits():
            visits.append(visit)
            if progress and len(visits) % 200 == 0:
                progress(len(visits), 0)
        if plaintext:
            data, method = json.dumps(visits, ensure_ascii=False, indent=1).encode("utf-8"), "plaintext"
        elif office:
            data, method = seal_visits(visits, office_public_key=office), "office"
        else:
            data, method = seal_visits(visits, passphrase=passphrase), "passphrase"
        atomic_write(Path(path), data)
        v.audit("export", detail={"visits": len(visits), "method": method})
        return ExportResult(len(visits), method)

    def export_needs_passphrase(self) -> bool:
        """True when no county office key is known, so the user must choose an export passphrase."""
        return self.session.v().office_public_key() is None
