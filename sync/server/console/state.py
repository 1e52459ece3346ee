"""Server state kept in the database (migration 0013), so a restart forgets nothing and several server
workers share it: failed logins and unknown enrollment codes (the throttles), and roster files waiting
for confirmation after a dry run.

Times are epoch seconds of the wall clock (a restarted process has a new monotonic clock).
"""

from __future__ import annotations

import time
from datetime import datetime, timezone

from sync.server.console import errors


class StoredFailures:
    """Failures per subject in the database (console logins per account or address, unknown enrollment
    codes per address); ``blocked`` once *allowed* of them fall within *window* seconds. Same interface
    as the in-process ``sync.server.app.FailureWindow``."""

    def __init__(self, storage, kind: str, allowed: int, window: float, clock=time.time):
        if kind not in ("account", "address", "enrollment"):
            raise ValueError(kind)
        self.storage, self.kind, self.allowed, self.window, self.clock = storage, kind, allowed, window, clock

    def blocked(self, subject: str) -> bool:
        """True if *subject* has used up its failures in the window."""
        with self.storage._tx(write=False) as tx:
            row = tx.one("SELECT COUNT(*) AS n FROM console_login_failures WHERE kind = %s AND subject = %s "
                         "AND expires_at > %s", (self.kind, subject[:128], self.clock()))
        return int(row["n"]) >= self.allowed

    def record(self, subject: str) -> None:
        """Count one failure of *subject*; failures that have aged out are removed on the way."""
        now = self.clock()
        with self.storage._tx() as tx:
            tx.exec("DELETE FROM console_login_failures WHERE expires_at <= %s", (now,))
            tx.exec("INSERT INTO console_login_failures (kind, subject, failed_at, expires_at) VALUES (%s, %s, %s, %s)",
                    (self.kind, subject[:128], now, now + self.window))


class StagingExpired(errors.InvalidInput):
    """The dry-run result was kept for a limited time and that time has passed."""

    def __init__(self, expired_at: float, minutes: int):
        super().__init__(f"expired at {expired_at:.0f}")
        when = datetime.fromtimestamp(expired_at, timezone.utc).strftime("%Y-%m-%d %H:%M")
        self.message_zh = f"这次试导入已于 {when}（UTC）过期（试导入结果保留 {minutes} 分钟），请重新上传花名册。"


class StagingUnknown(errors.InvalidInput):
    """No staged roster under this token (confirmed already, by someone else, or never checked)."""

    message_zh = "没有找到这次试导入（可能已经确认导入过，或已过期），请重新上传花名册。"


class RosterStaging:
    """Roster files checked by a dry run, waiting for the administrator's confirmation, by one-time token."""

    def __init__(self, storage, seconds: int, clock=time.time):
        self.storage, self.seconds, self.clock = storage, seconds, clock

    def stage(self, token_hash: str, user: str, file_name: str, suffix: str, content: bytes, campaign, start,
              created_at: str) -> None:
        now = self.clock()
        with self.storage._tx() as tx:
            tx.exec("DELETE FROM roster_staging WHERE expires_at <= %s", (now,))
            tx.exec("INSERT INTO roster_staging (token_hash, user_name, file_name, suffix, content, campaign, start_date, "
                    "created_at, expires_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    (token_hash, user, file_name, suffix, content, campaign, start, created_at, now + self.seconds))

    def take(self, token_hash: str, user: str) -> dict:
        """The staged file of *user* under *token_hash*, removed so it is confirmed once; StagingExpired or
        StagingUnknown otherwise. Expired files are removed on the way."""
        now = self.clock()
        with self.storage._tx() as tx:
            row = tx.one("SELECT token_hash, user_name, file_name, suffix, content, campaign, start_date, expires_at "
                         "FROM roster_staging WHERE token_hash = %s", (token_hash,))
            if row is None or row["user_name"] != user:
                raise StagingUnknown()
            taken = tx.exec("DELETE FROM roster_staging WHERE token_hash = %s", (token_hash,))
            tx.exec("DELETE FROM roster_staging WHERE expires_at <= %s", (now,))
        if taken != 1:
            raise StagingUnknown()        # another worker confirmed it at the same moment
        if row["expires_at"] <= now:
            raise StagingExpired(row["expires_at"], self.seconds // 60)
        return dict(row, content=bytes(row["content"]))

    def remove_expired(self) -> int:
        with self.storage._tx() as tx:
            return tx.exec("DELETE FROM roster_staging WHERE expires_at <= %s", (self.clock(),))
