"""Printing: one household's document, batches into one PDF, the ledger, 文号, audit. No Qt here.

``printouts`` (reportlab) is imported only when a job runs, off the UI thread. Every job is
written to the vault's audit log (ids and counts only).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from fieldapp.core.catalog import Catalog
from fieldapp.core.review import Review
from fieldapp.core.session import Session
from fieldapp.core.visits import Visits
from fieldapp.errors import AppError

log = logging.getLogger("fieldapp.core")

# Documents that can be printed for many households at once (one PDF).
BATCH_KINDS = ("visit_result", "review", "referral", "consent", "visit_record")


class NothingToPrint(AppError):
    """The household has no saved visit to print."""

    message_zh = "这一户还没有保存的走访记录，无法打印。"
    hint_zh = "请先保存（Ctrl+S）或完成走访，再打印。"


class SerialsUnavailable(AppError):
    """This laptop holds no unused 文号 and the county server cannot be reached to fetch more."""

    message_zh = "本机没有可用的文号：需要联网从县服务器领取一批文号后才能打印。"
    hint_zh = "请连接网络（或先点“同步”），然后重新打印。"
    message_en = "This laptop has no document numbers (文号) left and cannot reach the county server to fetch more."
    hint_en = "Connect to the network (or sync), then print again."


class LetterReferenceMissing(AppError):
    """A letter needs reference data this laptop lacks (issuing office, hotline, the standard the letter rests on)."""

    hint_zh = "请联网同步，获取县民政局发布的参考数据；同步后仍缺少，请联系县民政局用 fieldapp-server publish reference 补充。"
    hint_en = "Sync to receive the county's reference data; if it is still missing, ask the county office to publish it."

    def __init__(self, missing: list[str]):
        super().__init__("letter needs reference data this laptop lacks: " + "; ".join(missing))
        self.missing = list(missing)
        self.message_zh = "告知书需要县民政局发布的参考数据，本机缺少：" + "；".join(missing) + "。没有这些内容不能打印告知书。"
        self.message_en = "The letter needs the county's reference data; missing: " + "; ".join(missing) + "."


LETTER_KINDS = ("visit_result", "review", "referral", "change")  # printouts.LETTER_KINDS, without loading reportlab


class _VaultCounter:
    """Serial numbers (文号) per document kind, township and year, kept in the vault.

    A laptop enrolled with a county server takes its numbers from blocks the server handed to
    it alone (``syncing.reserve_serials``; fetched when a print needs one and topped up at every
    sync), so two laptops of one township never print the same 文号. A laptop with no server
    counts on its own, as the only issuer.
    """

    def __init__(self, vault):
        self.vault = vault
        self._block = None  # size of the next block this print job asks for: doubles while one job needs more

    def last_seq(self, kind: str, township_code: str, year: int) -> int:
        """The last number used (0 when none yet)."""
        from fieldapp.syncing import serial_used_key

        return int(self.vault.get_sync_state(serial_used_key(kind, township_code, year)) or 0)

    def next_after(self, kind: str, township_code: str, year: int, last: int) -> int:
        """The number to print after *last*: the next one this laptop holds, fetching a block if none is left."""
        from fieldapp import syncing
        from sync import errors as sync_errors

        if not syncing.is_enrolled(self.vault):
            return last + 1
        for first, end in syncing.held_serial_ranges(self.vault, kind, township_code, year):
            if end > last:
                return max(first, last + 1)
        # A big batch (1,000 letters) asks for 10, 20, 40 … numbers: a handful of requests, not a hundred.
        self._block = syncing.SERIAL_BLOCK if self._block is None else self._block * 2
        try:
            first, _end = syncing.reserve_serials(self.vault, kind, township_code, year, last + 1, count=self._block)
        except (sync_errors.ServerUnreachable, sync_errors.TlsVerifyFailed) as exc:
            raise SerialsUnavailable() from exc
        except sync_errors.NotFound:
            # A county server older than 文号 blocks: count on this laptop as before (its later
            # blocks start above what it issued, since each request says where it stands).
            log.warning("the county server hands out no 文号 blocks: counting locally")
            return last + 1
        return first

    def commit(self, used: dict) -> None:
        """Record the last numbers a finished print job used."""
        from fieldapp.syncing import serial_used_key

        for (kind, township_code, year), seq in used.items():
            self.vault.set_sync_state(serial_used_key(kind, township_code, year), str(int(seq)))


@dataclass
class BatchResult:
    """A finished batch: the printouts RenderResult and how many households had no saved visit."""

    render: object
    without_visit: int = 0
    not_approved: int = 0      # left out: the county prints these letters only for approved visits


class Printing:
    """Printed documents of the households in the vault, with the county's templates and this laptop's 文号."""

    PRINT_KINDS = ("consent", "visit_record", "visit_result")

    def __init__(self, session: Session, catalog: Catalog, visits: Visits, review: Review):
        self.session, self.catalog, self.visits, self.review = session, catalog, visits, review

    def _v(self):
        return self.session.v()

    def check_letter_reference(self, kind: str, visits: list[dict]) -> None:
        """A letter names its issuing office and the assistance hotline, and the visit-result letter says what the
        household may apply for: with any of these missing from the reference data, say what is missing, never
        print a generic office, a blank hotline or "nothing to apply for".

        :raises LetterReferenceMissing: listing each missing item once
        """
        if kind not in LETTER_KINDS:
            return
        from forms.places import county_of, township_of

        self.catalog.templates()  # TemplatesMissing first: without templates nothing prints at all
        ref, names = self.catalog.reference(), self.catalog.area_name
        missing: list[str] = []

        def need(item: str) -> None:
            if item not in missing:
                missing.append(item)

        for visit in visits:
            answers = visit.get("answers") or {}
            village = str(answers.get("village_code") or "")
            township = township_of(village) if len(village) == 12 else ""
            place = ref.township(township)
            if place is None or not place.office:
                need(f"{names(township) or '乡镇'}（{township or '未填村代码'}）的发文机关名称")
            if kind == "visit_result" and self.visits.assess(visit).standard_missing:
                county = county_of(village) if village else ""
                area = {"urban": "城市", "rural": "农村"}.get(answers.get("area_type"), "")
                need(f"{names(county) or '本县'}（{county}）{answers.get('visit_date') or ''} 适用的{area}低保标准")
        if not ref.hotline:
            need("社会救助服务热线")
        if missing:
            raise LetterReferenceMissing(missing)

    def _context(self, v, **kwargs):
        import printouts

        return printouts.PrintContext(signing_key=self.print_key(), templates=self.catalog.templates(),
                                      reference=self.catalog.reference(), counter=_VaultCounter(v),
                                      forms_dir=self.catalog.published_forms(), **kwargs)

    def print_household(self, kind: str, household_id: str, out: str | Path | None, progress=None):
        """Print one document (consent / visit_record / visit_result letter) of the latest saved visit to a PDF.

        :param out: the PDF file, or None for the bytes in ``result.data`` (the in-app preview, whose 文号
            stay in ``result.held_serials`` until :meth:`commit_print_serials`)
        :param progress: ``(done, total) -> bool | None``; returning False cancels
        """
        import printouts

        out = Path(out) if out is not None else None

        v = self._v()
        visit = self.visits.latest_visit(household_id)
        if visit is None:
            raise NothingToPrint()
        self.review.check_letter(kind, [household_id])   # LetterNeedsApproval when the county requires approval
        self.check_letter_reference(kind, [visit])
        ctx = self._context(v, hold_serials=out is None)
        if kind == "consent":
            result = printouts.print_consent([visit], ctx, out, progress=progress)
        elif kind == "visit_record":
            result = printouts.print_visit_records([visit], ctx, out, progress=progress)
        elif kind == "visit_result":
            result = printouts.print_letters("visit_result", [printouts.LetterRequest(visit)], ctx, out,
                                             progress=progress)
        else:
            raise ValueError(f"unknown document {kind!r}")
        v.audit("print", "household", household_id,
                {"document": kind, "pages": result.pages, **({"preview": True} if out is None else {})})
        return result

    def print_key(self):
        """This laptop's Ed25519 key for the documents' QR codes."""
        # It lives inside the encrypted vault, made on first use.
        import base64

        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        v = self._v()
        stored = v.get_sync_state("print_signing_key")
        if stored:
            return Ed25519PrivateKey.from_private_bytes(base64.b64decode(stored))
        key = Ed25519PrivateKey.generate()
        v.set_sync_state("print_signing_key", base64.b64encode(key.private_bytes_raw()).decode("ascii"))
        return key

    def print_batch(self, kind: str, household_ids: list[str], out: str | Path | None = None, progress=None):
        """Print one document kind for many households into ONE PDF (``out`` None: the bytes in ``result.data``,
        its 文号 held in ``result.render.held_serials`` until :meth:`commit_print_serials`).

        :param kind: one of ``BATCH_KINDS`` (letters by their kind, ``consent``, ``visit_record``)
        :param progress: ``(done, total) -> bool | None``; returning False (or raising) cancels, and no file is left
        :returns: ``BatchResult`` (the printouts RenderResult and the households without a saved visit)
        """
        import printouts

        if kind not in BATCH_KINDS:
            raise ValueError(f"unknown document {kind!r}")
        v = self._v()
        visits, without_visit = [], 0
        allowed = self.review.check_letter(kind, list(household_ids))
        not_approved = len(household_ids) - len(allowed)
        for hid in allowed:
            visit = self.visits.latest_visit(hid)
            if visit is None:
                without_visit += 1
                continue
            visits.append(visit)
        if not visits:
            raise NothingToPrint()
        self.check_letter_reference(kind, visits)
        ctx = self._context(v, hold_serials=out is None)
        target = Path(out) if out is not None else None
        if kind == "consent":
            result = printouts.print_consent(visits, ctx, target, progress=progress)
        elif kind == "visit_record":
            result = printouts.print_visit_records(visits, ctx, target, progress=progress)
        else:
            result = printouts.print_letters(kind, [printouts.LetterRequest(x) for x in visits], ctx, target,
                                             progress=progress)
        for doc in result.documents:  # one entry per issued document: serial and household id, never names
            v.audit("print", "household", doc.household_id,
                    {"document": kind, "serial": doc.serial, "batch": len(visits), "pages": doc.pages,
                     **({"preview": True} if target is None else {})})
        return BatchResult(result, without_visit, not_approved)

    def export_ledger(self, out: str | Path, household_ids: list[str] | None = None, *, group_by: str = "village",
                      issue_date: str | None = None):
        """The ledger (工作台账) of the latest visit of every household (or of *household_ids*) as an .xlsx workbook,
        with the county's published templates and reference data (area and office names).

        :returns: ``printouts.ExportResult`` (path, sheets, household ids)
        """
        import printouts

        v = self._v()
        ids = household_ids if household_ids is not None else [r[0] for r in v.household_rows()]
        visits = [x for x in (self.visits.latest_visit(hid) for hid in ids) if x is not None]
        if not visits:
            raise NothingToPrint()
        ctx = self._context(v, **({"issue_date": issue_date} if issue_date else {}))
        exported = printouts.export_ledger_xlsx(visits, ctx, Path(out), group_by=group_by)
        v.audit("export", detail={"document": "ledger", "households": len(exported.household_ids)})
        return exported

    def commit_print_serials(self, held) -> None:
        """A previewed PDF is about to be printed or saved: its 文号 become used (idempotent).

        :param held: ``result.held_serials`` of a job run with ``out=None`` (None or empty: nothing to do)
        :raises printouts.SerialsTaken: another job issued these numbers since the preview was made
        """
        if held:
            held.commit(_VaultCounter(self._v()))

    def audit_output(self, kind: str, how: str, pages: int, documents: int) -> None:
        """Record that an already generated PDF was printed on paper or saved (``how``: printer | pdf)."""
        self._v().audit("print" if how == "printer" else "export",
                        detail={"document": kind, "output": how, "pages": pages, "documents": documents})
