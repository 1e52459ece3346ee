"""Sync: enrollment, sync now, USB bundles, status, conflicts and their resolution. No Qt here.

``fieldapp.syncing`` (httpx…) is imported only when a sync really runs, off the UI thread. After
every pull (network or USB receipt) the households it changed get their derived values
(:meth:`fieldapp.core.derive.Deriver.complete_pending`) and new published documents apply.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from typing import Callable

from pathlib import Path

from fieldapp.core.catalog import Catalog
from fieldapp.core.derive import Deriver
from fieldapp.core.households import Households
from fieldapp.core.session import Session
from fieldapp.errors import AppError

log = logging.getLogger("fieldapp.core")

SyncProgress = Callable[[str, int, int], None]  # (stage "push" | "pull", done, total or 0)


class EnrollmentCodeRejected(AppError):
    """The code typed at first run was refused by the server (wrong, expired or used): it can be retyped."""

    hint_zh = "请在“工具 → 加入县级服务器 / 重新输入登记码…”中重新输入登记码（向县民政局索取新的登记码）。"

    def __init__(self, cause):
        super().__init__(str(cause))
        self.cause = cause
        self.message_zh = getattr(cause, "message_zh", "登记码无效。")


class NotEnrolled(AppError):
    """Sync was asked for but this laptop never joined a county server."""

    message_zh = "这台电脑还没有加入县级服务器，无法同步。"
    hint_zh = "请向乡镇经办人员索取服务器地址和登记码，在“工具 → 加入县级服务器…”中填写。"


@dataclass
class ConflictField:
    """One field of a hard conflict, as an office user chooses between the two values."""

    field: str
    label: str
    server_value: object
    device_value: object
    server_text: str
    device_text: str
    editable: bool  # a plain value (text or number) that can also be typed by hand
    server_by: str = ""  # who set the server's value, and when
    device_by: str = ""  # who sent the other value, and when


@dataclass
class ConflictItem:
    """A conflict notice from the server, with the household it concerns."""

    conflict_id: str
    kind: str  # hard | soft
    status: str  # open | merged | resolved
    household_id: str
    household: str  # head name · address (or a short id when the household is not on this laptop)
    created_at: str
    from_this_device: bool
    fields: list


class Sync:
    """This laptop and the county server."""

    def __init__(self, session: Session, catalog: Catalog, households: Households, deriver: Deriver):
        self.session, self.catalog, self.households, self.deriver = session, catalog, households, deriver

    def _v(self):
        return self.session.v()

    def _pulled(self, v, documents: int) -> None:
        """After a pull: derive what changed, and let new reference data, templates or form versions apply."""
        self.deriver.complete_pending(v)
        if documents:
            self.catalog.changed()

    def sync(self, progress: SyncProgress | None = None):
        """Enroll first if the first-run enrollment is still pending, then run one sync (push, then pull).

        :param progress: ``progress(stage, done, total)``; may raise to stop (the next sync resumes)
        :returns: ``sync.client.SyncReport``
        """
        import fieldapp.syncing as syncing

        v = self._v()
        demo_server = self.session.demo_server
        if demo_server is not None:
            demo_server.prepare_vault(v)
        if not syncing.is_enrolled(v):
            url, code = v.get_sync_state("pending_server_url"), v.get_sync_state("pending_enrollment_code")
            if not (url and code):
                raise NotEnrolled()
            from sync import errors as sync_errors

            try:
                syncing.enroll(v, url, code)
            except sync_errors.CODE_REFUSED as exc:
                raise EnrollmentCodeRejected(exc) from exc
            v.set_sync_state("pending_enrollment_code", None)
        try:
            report = syncing.sync_now(v, progress=progress)
        finally:   # a sync stopped half-way may still have pulled pages
            self.deriver.complete_pending(v)
        v.set_sync_state("last_sync_at", dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))
        self._pulled(v, getattr(report, "documents", 0))
        return report

    def enroll(self, server_url: str, code: str, *, ca_cert_path: str | Path | None = None, label: str = ""):
        """Join (or re-join) a county server with a newly typed code; wrong codes raise their sync error.

        :param ca_cert_path: the county CA certificate to pin (PEM), for a server with its own CA
        :param label: a name for this laptop shown to the county admin
        """
        import fieldapp.syncing as syncing
        from fieldapp.enrollment import check_address

        v = self._v()
        url = check_address(server_url).url
        answer = syncing.enroll(v, url, code, ca_cert_path=ca_cert_path, label=label)
        v.set_sync_state("pending_enrollment_code", None)
        v.set_sync_state("pending_server_url", None)
        self.catalog.changed()
        return answer

    def keep_enrollment(self, enrollment) -> None:
        """Keep an enrollment checked with the server before it was confirmed (``fieldapp.enrollment.enroll_now``):
        the vault joins the server only once the person compared the fingerprint and said yes."""
        from fieldapp.enrollment import keep_in_vault

        v = self._v()
        keep_in_vault(v, enrollment)
        v.set_sync_state("pending_server_url", None)
        self.catalog.changed()

    def export_bundle(self, out_dir: str | Path) -> tuple[Path, int]:
        """Write the pending changes to a sealed USB bundle in *out_dir*: (file, number of changes)."""
        import fieldapp.syncing as syncing

        return syncing.export_bundle(self._v(), Path(out_dir))

    def import_receipt(self, path: str | Path):
        """Read the county server's USB receipt: acknowledgements, pulled changes and documents (``ReceiptSummary``)."""
        import fieldapp.syncing as syncing

        v = self._v()
        try:
            summary = syncing.import_receipt(v, Path(path))
        finally:
            self.deriver.complete_pending(v)
        self._pulled(v, 1)   # a receipt may carry documents: look again
        return summary

    def retry_set_aside(self) -> int:
        """Put the changes the server refused back into the outbox (重新发送, after the records were fixed)."""
        import fieldapp.syncing as syncing

        return syncing.retry_set_aside(self._v())

    def set_aside_changes(self) -> list[dict]:
        """Changes the server refused on their own, set aside (listed until the record is fixed and saved again)."""
        return self._v().set_aside_changes()

    def keep_pending_enrollment(self, server_url: str, code: str) -> None:
        """Offline: keep a newly typed address and code; the next sync enrolls with them."""
        v = self._v()
        v.set_sync_state("pending_server_url", server_url.strip().rstrip("/"))
        v.set_sync_state("pending_enrollment_code", code.strip())

    def enrollment_status(self) -> dict:
        """For 工具 and the status bar: enrolled?, role, township, server fingerprint, and whether the county office
        can recover this laptop's data; a code still waiting for the first sync is reported as pending."""
        from fieldapp.enrollment import recovery_status, server_fingerprint

        v = self._v()
        township = v.get_sync_state("township_code") or ""
        return {**recovery_status(v), "role": v.get_sync_state("role") or "", "township_code": township,
                "township_name": self.catalog.area_name(township),
                "server_url": v.get_sync_state("server_url") or v.get_sync_state("pending_server_url") or "",
                "fingerprint": server_fingerprint(v),
                "pending_code": bool(v.get_sync_state("pending_enrollment_code"))}

    def download_update(self, folder) -> tuple:
        """Download the county's newest app package into *folder*, its signature checked: (path, release)."""
        import fieldapp.syncing as syncing

        return syncing.download_update(self._v(), folder)

    def is_online(self) -> bool:
        """True when the county server answers (network; call off the UI thread)."""
        import fieldapp.syncing as syncing

        from fieldapp.errors import CODED_ERRORS

        try:
            return bool(syncing.is_online(self._v()))
        except CODED_ERRORS as exc:  # offline is the normal case in a village; locked meanwhile: not online
            log.info("online check failed: %s", type(exc).__name__)
            return False

    def sync_status(self, check_online: bool = True) -> dict:
        """Online flag, pending change count, last sync time and open conflicts (may touch the network)."""
        v = self._v()
        online = self.is_online() if check_online else False
        return {"online": online, "pending": v.pending_count(), "last_sync": v.get_sync_state("last_sync_at"),
                "open_conflicts": sum(1 for c in v.list_conflicts() if c.get("kind") == "hard"),
                "enrolled": bool(v.get_sync_state("device_id") and v.get_sync_state("device_keys")),
                "recoverable": v.has_office_wrap(), "set_aside": len(v.set_aside_changes())}

    def sync_role(self) -> str | None:
        """``office`` or ``visitor`` once enrolled (office devices resolve conflicts), else None."""
        return self._v().get_sync_state("role") or None

    def can_resolve_conflicts(self) -> bool:
        """True on a township office laptop."""
        return self.sync_role() == "office"

    def conflicts(self, include_resolved: bool = False) -> list[ConflictItem]:
        """Hard conflicts known on this laptop (newest last), with readable values per field."""
        v = self._v()
        me = v.get_sync_state("device_id")
        out = []
        for c in v.list_conflicts(include_resolved=include_resolved):
            if c.get("kind") != "hard":
                continue
            hid = c.get("household_id") or ""
            out.append(ConflictItem(
                conflict_id=str(c.get("conflict_id")), kind="hard", status=str(c.get("status") or "open"),
                household_id=hid, household=self.households.caption(hid), created_at=str(c.get("created_at") or ""),
                from_this_device=bool(me) and c.get("device_id") == me,
                fields=[self._conflict_field(name, pair, hid) for name, pair in sorted((c.get("fields") or {}).items())
                        if isinstance(pair, dict)]))
        return out

    def _conflict_field(self, name: str, pair: dict, household_id: str = "") -> ConflictField:
        """One conflicting path (``address``, ``members/<id>/health``, ``needs/<id>``) as an office user reads it."""
        from fieldapp.errors import CODED_ERRORS
        from forms.display import answer_text
        from forms.grain import describe_path

        server, device = pair.get("server"), pair.get("device")
        parts = name.split("/")
        label, question = name, None
        try:
            form = self.catalog.form()
            question = form.questions.get(parts[0])
            if question is not None and len(parts) == 3:
                question = question.child(parts[2])
            elif len(parts) == 2:
                question = None   # a whole row (deleted on one side)
            fields = self._v().get_household(household_id, audit_view=False)["fields"] if household_id else {}
            label = describe_path(form, fields, name)
        except (*CODED_ERRORS, LookupError) as exc:  # labels are a convenience; the path is shown instead
            log.info("conflict label unavailable: %s", type(exc).__name__)

        def text(value) -> str:
            if len(parts) == 2:
                if value is None:
                    return "（删除此行）"
                return "，".join(str(v) for k, v in value.items() if not k.endswith("_id") and v not in (None, "", [])) \
                    if isinstance(value, dict) else str(value)
            if question is not None:
                return answer_text(question, value)
            return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

        def by(who, when) -> str:
            return " ".join(str(x) for x in (who, (when or "")[:16].replace("T", " ")) if x)

        plain = len(parts) != 2 and all(x is None or isinstance(x, (str, int, float)) and not isinstance(x, bool)
                                        for x in (server, device))
        return ConflictField(name, label, server, device, text(server), text(device), plain,
                             by(pair.get("server_author") or pair.get("server_device"), pair.get("server_at")),
                             by(pair.get("device_author"), pair.get("device_at")))

    def resolve_conflict(self, conflict_id: str, fields: dict) -> dict:
        """Office laptops: close a hard conflict on the server with the chosen values, then sync."""
        import fieldapp.syncing as syncing

        v = self._v()
        try:
            notice = syncing.resolve_conflict(v, conflict_id, fields, author=v.user or "")
        finally:
            self.deriver.complete_pending(v)
        v.set_sync_state("last_sync_at", dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))
        return notice
