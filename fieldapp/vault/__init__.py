"""The encrypted local store (SQLCipher 4): keys, schema and migrations, records, change log, audit log.

No Qt and no network in here. API summary (details in each docstring and docs/vault.md)::

    from fieldapp.vault import Vault
    v = Vault.create(data_dir, "visitor1", passphrase, office_public_pem)   # new vault, unlocked
    v = Vault.open(data_dir); v.users(); v.unlock("visitor1", passphrase)  # WrongPassphrase, UnlockThrottled…
    v.lock()                                    # closes the file, forgets the key
    v.add_user(name, pw) / v.set_passphrase(name, pw) / v.remove_user(name)
    v.unlock_with_office_key(office_private_pem)  # recovery; then v.set_passphrase(user, new)
    v.destroy_local_wraps()                     # device revoked: only the office wrap remains

    v.save_visit(visit_json, Derived(review_due, flags)) -> {"visit_id", "household_id", "created", ...}
    v.save_visits(iterable, batch_size=500, derived={visit_id: Derived}) -> int   # bulk import, a transaction per batch
    v.pending_derivations() -> [(household_id, fields, last_visit_date)]   # written without derived values
    v.store_derived({household_id: Derived})                                # the core derived them
    v.get_visit(visit_id) -> interchange dict with "meta"   # audited as a view
    v.get_household(household_id) -> {"id", "fields", "visits", "review_due", "open_needs", "flags", ...}
    v.household_rows(village=None) -> [tuple]               # columns: HOUSEHOLD_ROW_COLUMNS, by village + head name
    v.household_count() / v.needs_by_disposition(village=None) -> {"pending": n, ...} / v.iter_visits()
    v.search_households(text, village=, category=, status=, review_due=, open_needs=, flag=, limit=200)
    v.save_draft(visit) / v.get_draft(visit_id) / v.list_drafts() / v.discard_draft(visit_id)

    # sync store (sync.client codes against these)
    v.pending_changes(limit) / v.acknowledge(change_ids) / v.pending_count()
    v.get_sync_state(key) / v.set_sync_state(key, value)    # "cursor", "device_id" are set by the vault
    v.apply_pulled(changes, cursor) / v.record_conflicts(conflicts) / v.list_conflicts() / v.resolve_conflict(id)

    v.audit("print", "household", hh_id, {"document": "consent"}) / v.verify_audit() / v.audit_entries()
    v.export_raw_key() -> hex / v.check_integrity() / v.schema_version() / v.office_public_key() -> PEM | None

    fieldapp.vault.export: seal_visits(visits, office_public_key=|passphrase=) / open_sealed_visits(doc, ...)

Every failure is a :class:`VaultError` subclass with ``message_zh``.
"""

from .crypto import DEFAULT_KDF, FAST_KDF, KdfParams
from .errors import (
    AuditChainBroken, DiskFull, DiskWriteFailed, ExportDecryptFailed, InvalidRecord, InvalidUserName, KeyFileCorrupt, LastUser, MigrationFailed, OfficeKeyInvalid,
    ReadOnlyVault, RecordNotFound, SchemaTooNew, UnknownUser, UnlockThrottled, UserExists, VaultCorrupt, VaultError, VaultExists,
    VaultLocked, VaultNotFound, WeakPassphrase, WrongPassphrase,
)
from .records import HOUSEHOLD_ROW_COLUMNS, Derived
from .vault import Vault

__all__ = [
    "Vault", "HOUSEHOLD_ROW_COLUMNS", "Derived", "KdfParams", "DEFAULT_KDF", "FAST_KDF",
    "VaultError", "VaultNotFound", "VaultExists", "VaultLocked", "WrongPassphrase", "UnlockThrottled", "UnknownUser",
    "UserExists", "LastUser", "WeakPassphrase", "KeyFileCorrupt", "VaultCorrupt", "SchemaTooNew", "MigrationFailed",
    "OfficeKeyInvalid", "RecordNotFound", "InvalidRecord", "InvalidUserName", "AuditChainBroken", "ExportDecryptFailed",
    "DiskFull", "DiskWriteFailed", "ReadOnlyVault",
]
