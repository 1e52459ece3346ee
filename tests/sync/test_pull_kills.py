"""SIGKILL of a laptop pulling a township roster: the vault stays consistent and the next pull completes.

Pulled pages commit NORMAL-synchronous (tests/vault/test_pull_synchronous.py): each page and its
cursor are one transaction, so after any kill the vault holds exactly the households of the changes
up to its stored cursor: never a page without its cursor, never a cursor ahead of its page.
"""

from __future__ import annotations

import csv
import random
import shutil
import time

import pytest

from fieldapp.vault import FAST_KDF, Vault
from fieldapp import syncing
from sync.client import SyncClient
from sync.server.admin import issue_enrollment_code
from sync.server.roster_import import import_roster
from sync.server.storage import Scope
from tests.field import killkit
from tests.field.killkit import kill_round
from tests.sync import roster_files as rf
from tests.sync.conftest import RunningServer, make_storage

HOUSEHOLDS, PAGE, ROUNDS = 300, 15, 10
USER, PASS = "乡镇经办", "tea-leaf-river-42"


@pytest.fixture
def county(tmp_path, request):
    """A real server on 127.0.0.1 over SQLite holding a 300-household roster of one township."""
    storage = make_storage("sqlite", tmp_path, request)
    rf.seed_county(storage)
    path = tmp_path / "roster.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["户主姓名", "户主身份证号", "成员姓名", "与户主关系", "成员身份证号", "村（社区）代码", "救助类别",
                    "家庭住址"])
        for n in range(HOUSEHOLDS):
            number = rf.make_id(f"19{40 + n // 100:02d}0101", n % 100 + 1)
            village = rf.VILLAGE_A1 if n % 2 else rf.VILLAGE_A2
            w.writerow([f"王{n}", number, f"王{n}", "户主", number, village, "农村低保A类", f"{n % 9 + 1}组{n}号"])
    report = import_roster(storage, path, campaign="2026年困难群众走访排查专项行动", start="2026-04-01")
    assert report["households"]["new"] == HOUSEHOLDS and not report["rejected_rows"]
    running = RunningServer(storage).start()
    yield running
    running.stop()
    storage.close()


def pull_worker(path):
    def work(ack):
        vault = Vault.open(path)
        vault.unlock(USER, PASS)
        ack("PULLING")
        with SyncClient(vault, pull_limit=PAGE) as client:
            client.pull(progress=lambda stage, done, total: ack(f"PULLED {done}"))
        ack("DONE")
        while True:                      # wait for the kill (kill_round expects to end the worker)
            time.sleep(1)
    return work


def open_checked(path) -> Vault:
    return killkit.open_checked(path, USER, PASS)


def test_sigkill_while_pulling_a_roster_leaves_page_and_cursor_together(county, tmp_path):
    template = tmp_path / "enrolled"
    vault = Vault.create(template, USER, PASS, None, kdf=FAST_KDF)
    syncing.enroll(vault, county.url, issue_enrollment_code(county.storage, "office", rf.TOWN_A, [], 1.0)[0])
    vault.lock()
    log = [c for c in county.storage.change_log(Scope("office", rf.TOWN_A)) if c["entity"] == "household"]
    assert len(log) == HOUSEHOLDS

    timed = tmp_path / "timed"                       # how long a whole pull takes here and now
    shutil.copytree(template, timed)
    t0 = time.perf_counter()
    vault = Vault.open(timed)
    vault.unlock(USER, PASS)
    with SyncClient(vault, pull_limit=PAGE) as client:
        client.pull()
    vault.lock()
    whole = time.perf_counter() - t0

    rng = random.Random(20261201)
    mid_pull = 0
    for round_no in range(ROUNDS):
        path = tmp_path / f"round{round_no}"
        shutil.copytree(template, path)
        lines = kill_round(pull_worker(path), rng, 0.2 * whole, 1.1 * whole)
        acked = max([0] + [int(line.split()[1]) for line in lines if line.startswith("PULLED ")])
        mid_pull += "DONE" not in lines and acked > 0
        vault = open_checked(path)
        try:
            cursor = int(vault.get_sync_state("cursor") or 0)
            held = {r[0] for r in vault._db().execute("SELECT id FROM households")}
            assert held == {c["entity_id"] for c in log if c["seq"] <= cursor}, "households and cursor disagree"
            assert len(held) >= acked, "a page the laptop had stored is gone after a kill"
            assert vault.pending_count() == 0
            with SyncClient(vault, pull_limit=PAGE) as client:   # the next pull completes what was cut
                client.pull()
            assert {r[0] for r in vault._db().execute("SELECT id FROM households")} == {c["entity_id"] for c in log}
            assert int(vault.get_sync_state("cursor")) == log[-1]["seq"]
            assert vault.household_count() == HOUSEHOLDS
            vault.check_integrity()
        finally:
            vault.lock()
    print(f"{mid_pull} of {ROUNDS} kills landed mid-pull; a whole pull took {whole:.2f} s")
    assert mid_pull >= ROUNDS // 3, f"only {mid_pull} of {ROUNDS} kills landed mid-pull"
