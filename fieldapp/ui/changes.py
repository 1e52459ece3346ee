"""What a mutation changed, and the one way the UI runs a mutation (Anki's ``OpChanges`` / ``CollectionOp``).

Every change the UI starts (saving a visit, a need's disposition, a new household, adding a user,
resolving a conflict, a review decision, an import, a sync) runs off the UI thread on one serial
writer, in the order it was asked for, and returns a :class:`Changes`. The households it names are
read once, on the same worker thread, right after the write; the main window then emits its one
``changed`` signal, and every view refreshes from that value instead of reading the vault again.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject

from fieldapp.ui.errors import show_error
from fieldapp.ui.tasks import Task, TaskRunner

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Changes:
    """What one mutation changed; views refresh only what it names.

    :param households: households whose list row / open tab must show their new state
    :param visits: visits written (saved, finished, approved, returned)
    :param list: rows came or went in numbers (import, sync): reload the whole list
    :param review: the review state changed (returned visits, the office's queue)
    :param outbox: changes wait to be sent (the status bar's count)
    :param conflicts: conflicts were added or resolved
    :param users: local users were added
    :param synced: the change came down (or went up) in a sync: the status bar need not ask the server again
    :param rows: ``household_id → HouseholdRow``, read once after the write (filled by :class:`Mutations`)
    :param opened: ``household_id → services.open_household(...)`` for households open in a tab
    :param result: what the service call returned (e.g. an import's counts)
    """

    households: frozenset = frozenset()
    visits: frozenset = frozenset()
    list: bool = False
    review: bool = False
    outbox: bool = False
    conflicts: bool = False
    users: bool = False
    synced: bool = False
    rows: dict = field(default_factory=dict, compare=False, repr=False)
    opened: dict = field(default_factory=dict, compare=False, repr=False)
    result: Any = field(default=None, compare=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "households", frozenset(self.households))
        object.__setattr__(self, "visits", frozenset(self.visits))


class Mutations(QObject):
    """Runs the UI's mutations off the UI thread, one at a time, and emits the window's ``changed`` once each.

    A mutation with the same ``key`` as one still running is not started again (a double click).
    Drafts (autosave) go through the same serial writer with :meth:`quietly`, so a draft never
    lands after the visit it belongs to was saved.
    """

    def __init__(self, window, services):
        super().__init__(window)
        self.window, self.services = window, services
        self.runner = TaskRunner(self, max_threads=1)   # one writer: writes land in the order they were asked for
        self._running: set[str] = set()

    @property
    def changed(self):
        """The main window's one ``changed(Changes)`` signal."""
        return self.window.changed

    def is_running(self, key: str) -> bool:
        """True while the mutation ``key`` runs (or waits for the writer)."""
        return key in self._running

    def run(self, key: str, work: Callable[..., Changes], *, on_done: Callable[[Changes], None] | None = None,
            on_error: Callable[[BaseException], None] | None = None, pass_progress: bool = False,
            progress_parent=None, label: str = "", cancellable: bool = False) -> Task | None:
        """Run ``work`` (returns :class:`Changes`) off the UI thread; None when ``key`` is already running.

        On success the window's ``changed`` is emitted first (views update), then ``on_done(changes)``.
        An error goes to ``on_error`` (default: shown in plain Chinese on the window).
        """
        if key in self._running:
            return None
        self._running.add(key)
        open_ids = {w.household_id for w in self.window.editors()}

        def job(*args):
            changes = work(*args)
            return self._read_back(changes, open_ids)

        def ok(changes: Changes) -> None:
            self._running.discard(key)
            self.window.changed.emit(changes)
            if on_done is not None:
                _call_if_alive(on_done, changes)

        def bad(exc: BaseException) -> None:
            self._running.discard(key)
            if on_error is not None:
                _call_if_alive(on_error, exc)
            else:
                show_error(self.window, exc)

        task = self.runner.run(job, on_success=ok, on_error=bad, pass_progress=pass_progress,
                               progress_parent=progress_parent, label=label, cancellable=cancellable)
        task.done.connect(lambda: self._running.discard(key))   # cancelled too
        return task

    def quietly(self, work: Callable[[], Any], *, on_done=None, on_error=None) -> Task:
        """A local write no view shows (an autosaved draft), on the same serial writer."""
        return self.runner.run(work, on_success=(lambda r: _call_if_alive(on_done, r)) if on_done else None,
                               on_error=(lambda e: _call_if_alive(on_error, e)) if on_error else None)

    def wait(self, msecs: int = 30000) -> bool:
        """Block until every queued write is done (lock, close, tests)."""
        return self.runner.wait(msecs)

    def _read_back(self, changes: Changes, open_ids: set[str]) -> Changes:
        # Once, on the worker, right after the write: the list row of each household, and the full
        # household for those open in a tab. Views take these instead of reading the vault again.
        if changes is None:
            changes = Changes()
        if not changes.households or changes.list:
            return changes
        from fieldapp.vault.errors import RecordNotFound

        rows, opened = {}, {}
        for hid in changes.households:
            try:
                rows[hid] = self.services.household_row(hid)
                if hid in open_ids:
                    opened[hid] = self.services.open_household(hid)
            except RecordNotFound:   # written, then gone (merged away by a sync meanwhile): nothing to show
                rows.pop(hid, None)
        return dataclasses.replace(changes, rows=rows, opened=opened)


def _call_if_alive(fn: Callable, arg) -> None:
    """Call a UI callback unless the widget it belongs to was closed while the work ran."""
    owner = getattr(fn, "__self__", None)
    if isinstance(owner, QObject):
        from shiboken6 import isValid

        if not isValid(owner):
            return
    fn(arg)


def refresh_window(window, changes: Changes) -> None:
    """The main window after a mutation: list rows read back (or a reload), coverage, returned panel, status bar."""
    if changes.list:
        window.reload_households()   # refreshes the status bar, coverage and the returned panel too
        return
    added = False
    for row in changes.rows.values():
        added = added or window.model.row_for(row.household_id) is None
        window.model.update_row(row)
    if added:
        window.list_page.set_villages(window.services.villages(window.model.rows()))
    if changes.households:
        window._coverage_stale = True
        window._refresh_coverage_if_shown()
    if changes.review and hasattr(window, "refresh_returned"):
        window.refresh_returned()
    if changes.households or changes.outbox or changes.conflicts or changes.synced:
        window.refresh_status(check_online=not changes.synced)
