"""Two programs on one vault at once (the app open while an admin runs ``fieldapp import``): no save is lost."""

from __future__ import annotations

import threading

from fieldapp.vault import Vault
from vaultkit import PASSPHRASE, make_visit


def test_two_connections_saving_at_once_lose_nothing_and_keep_the_chain(vault):
    other = Vault.open(vault.data_dir)
    other.unlock("visitor1", PASSPHRASE)
    errors: list[BaseException] = []
    saved: list[str] = []

    def work(v, n):
        try:
            for _ in range(n):
                visit = make_visit()
                v.save_visit(visit)
                v.get_household(visit["household_id"])  # a view: an audit write too
                saved.append(visit["household_id"])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(v, 40)) for v in (vault, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.lock()
    assert errors == []
    assert sorted(r[0] for r in vault.household_rows()) == sorted(saved)
    assert vault.verify_audit() >= 160
    assert vault.pending_count() == 160


def test_nested_write_is_a_savepoint_of_the_outer_transaction(vault):
    db = vault._db()
    try:
        with vault._tx(db):
            vault.save_draft(make_visit())  # its own _tx nests as a savepoint
            raise RuntimeError("outer fails after the inner write")
    except RuntimeError:
        pass
    assert vault.list_drafts() == []
