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


_ADD_USERS = """
import sys
from fieldapp.vault import FAST_KDF, Vault
v = Vault.open(sys.argv[1])
v.unlock("visitor1", sys.argv[2])
for i in range(int(sys.argv[4])):
    v.add_user(f"{sys.argv[3]}{i}", sys.argv[2] + "-" + str(i), kdf=FAST_KDF)
v.lock()
"""


def test_two_programs_changing_users_at_once_lose_no_wrap(vault):
    """The app and ``fieldapp user add`` in another process: every wrap written by either survives."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    procs = [subprocess.Popen([sys.executable, "-c", _ADD_USERS, str(vault.data_dir), PASSPHRASE, prefix, "12"],
                              cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for prefix in ("a", "b")]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
    users = Vault.open(vault.data_dir).users()
    assert sorted(users) == sorted(["visitor1"] + [f"{p}{i}" for p in "ab" for i in range(12)])
    # and each added user really opens the vault with their own passphrase
    check = Vault.open(vault.data_dir)
    check.unlock("b11", PASSPHRASE + "-11")
    check.lock()
