"""Power loss: SIGKILL at random moments while syncing, exporting USB bundles and autosaving drafts (≥100 each).

Saving under SIGKILL is tests/vault/test_vault_crash.py::test_sigkill_during_saves_100_times and
killing the app mid-edit is tests/ui/test_crash_recovery.py::test_draft_survives_sigkill_and_reopens;
these add the sync client, the bundle writer and 100 kills of the draft autosave.
After every kill: the vault opens and passes SQLCipher's and SQLite's integrity checks and its
audit chain verifies; every acknowledged save is there; nothing the server stored is stored twice;
at the end a clean sync (or bundle round) leaves every acknowledged visit on the server exactly once.
"""

from __future__ import annotations

import json
import os
import random

import pytest

from fieldapp import syncing
from fieldapp.vault import FAST_KDF, Vault
from sync import bundle
from sync.server.bundles import import_bundle
from sync.server.storage import Scope
from tests.field import killkit
from tests.field.killkit import PASSPHRASE, kill_round, make_visit
from tests.sync.conftest import TOWNSHIP, VILLAGE_A, RunningServer, make_storage, seed_areas

KILLS = int(os.environ.get("FIELDAPP_KILLS", "100"))   # the issue asks for at least 100; raise it for long runs
USER = "visitor1"


@pytest.fixture
def county(tmp_path, request):
    """A real uvicorn server on 127.0.0.1 over SQLite (the kills hit the laptop, not the server)."""
    storage = make_storage("sqlite", tmp_path, request)
    seed_areas(storage)
    running = RunningServer(storage).start()
    yield running
    running.stop()
    storage.close()


def enrolled_vault(county, path) -> None:
    vault = Vault.create(path, USER, PASSPHRASE, None, kdf=FAST_KDF)
    syncing.enroll(vault, county.url, county.code())
    vault.lock()


def open_checked(path) -> Vault:
    """Open after a kill: integrity and audit chain must hold."""
    return killkit.open_checked(path, USER, PASSPHRASE)


def server_visits(county) -> dict[str, list[dict]]:
    """visit_id -> every accepted change of that visit in the server's change log."""
    out: dict[str, list[dict]] = {}
    for change in county.storage.change_log(Scope("office", TOWNSHIP)):
        if change["entity"] == "visit":
            out.setdefault(change["entity_id"], []).append(change)
    return out


def sync_worker(path):
    def work(ack):
        vault = Vault.open(path)
        vault.unlock(USER, PASSPHRASE)
        n = 0
        while True:
            n += 1
            visit = make_visit(VILLAGE_A, version=n)
            vault.save_visit(visit)
            ack(f"SAVED {visit['visit_id']}")
            ack("SYNCING")
            report = syncing.sync_now(vault)
            ack(f"SYNCED {report.pushed} {report.duplicates}")
    return work


def run_sync_kills(county, tmp_path, kills: int, seed: int) -> dict:
    """*kills* SIGKILLs of a laptop that saves and syncs; checks after each; returns the counts."""
    path = tmp_path / "laptop"
    enrolled_vault(county, path)
    rng = random.Random(seed)
    saved: set[str] = set()
    syncs = mid_sync = 0
    for _ in range(kills):
        lines = kill_round(sync_worker(path), rng, 0.01, 0.3)
        saved |= {line.split()[1] for line in lines if line.startswith("SAVED ")}
        syncs += sum(1 for line in lines if line.startswith("SYNCED "))
        mid_sync += bool(lines) and lines[-1] == "SYNCING"   # killed between starting and finishing a sync
        vault = open_checked(path)
        try:
            stored = {r[0] for r in vault._db().execute("SELECT id FROM visits")}
            assert saved <= stored, "an acknowledged save vanished"
            pending = {c["entity_id"] for c in vault.pending_changes(100_000) if c["entity"] == "visit"}
            on_server = server_visits(county)
            assert all(len(v) == 1 for v in on_server.values()), "the server stored a visit twice"
            assert saved <= pending | set(on_server), "an acknowledged visit is neither queued nor on the server"
        finally:
            vault.lock()
    assert mid_sync >= kills // 2, f"only {mid_sync} kills landed mid-sync"
    assert syncs >= 5, "the worker never finished a sync"
    vault = open_checked(path)
    try:
        syncing.sync_now(vault)
        assert vault.pending_count() == 0
        local = {vid: json.loads(a) for vid, a in vault._db().execute("SELECT id, answers FROM visits")}
    finally:
        vault.lock()
    on_server = server_visits(county)
    assert saved <= set(on_server) and all(len(v) == 1 for v in on_server.values())
    for vid in saved:
        assert on_server[vid][0]["fields"]["answers"] == local[vid]
    return {"kills": kills, "mid_sync": mid_sync, "syncs_completed": syncs, "saves_acknowledged": len(saved),
            "on_server": len(on_server), "lost": 0, "doubled": 0}


@pytest.mark.slow
def test_sigkill_while_syncing_100_times(county, tmp_path):
    run_sync_kills(county, tmp_path, KILLS, seed=20260512)


def export_worker(path, stick):
    def work(ack):
        vault = Vault.open(path)
        vault.unlock(USER, PASSPHRASE)
        n = 0
        while True:
            n += 1
            visit = make_visit(VILLAGE_A, version=n)
            vault.save_visit(visit)
            ack(f"SAVED {visit['visit_id']}")
            ack("EXPORTING")
            out, count = syncing.export_bundle(vault, stick)
            ack(f"EXPORTED {out.name} {count}")
    return work


def run_export_kills(county, tmp_path, kills: int, seed: int) -> dict:
    """*kills* SIGKILLs of a laptop that saves and exports bundles; checks after each; returns the counts."""
    path, stick = tmp_path / "laptop", tmp_path / "stick"
    enrolled_vault(county, path)
    rng = random.Random(seed)
    saved: set[str] = set()
    exported: dict[str, int] = {}
    mid_export = 0
    for _ in range(kills):
        lines = kill_round(export_worker(path, stick), rng, 0.01, 0.2)
        mid_export += bool(lines) and lines[-1] == "EXPORTING"
        saved |= {line.split()[1] for line in lines if line.startswith("SAVED ")}
        exported.update({line.split()[1]: int(line.split()[2]) for line in lines if line.startswith("EXPORTED ")})
        vault = open_checked(path)
        try:
            pending = {c["entity_id"] for c in vault.pending_changes(100_000) if c["entity"] == "visit"}
            assert saved <= pending, "an acknowledged save is not queued (nothing was acknowledged by a receipt yet)"
        finally:
            vault.lock()
    assert mid_export >= kills // 5, f"only {mid_export} kills landed mid-export"
    assert len(exported) >= 5, "the worker never finished an export"
    # every file that carries the bundle name is whole: it parses, verifies and imports (duplicates harmless)
    files = sorted(stick.glob(f"*{bundle.BUNDLE_SUFFIX}"))
    assert {f.name for f in files} >= set(exported)
    outcomes = [import_bundle(county.storage, county.keys, f.read_bytes()) for f in files]
    assert all(o.status == "imported" for o in outcomes)
    vault = open_checked(path)
    try:
        last, _ = syncing.export_bundle(vault, tmp_path / "final")
        receipt = import_bundle(county.storage, county.keys, last.read_bytes()).receipt_bytes
        bundle.import_receipt(vault, receipt)
        assert vault.pending_count() == 0
        local = {vid: json.loads(a) for vid, a in vault._db().execute("SELECT id, answers FROM visits")}
    finally:
        vault.lock()
    on_server = server_visits(county)
    assert saved <= set(on_server) and all(len(v) == 1 for v in on_server.values())
    for vid in saved:
        assert on_server[vid][0]["fields"]["answers"] == local[vid]
    return {"kills": kills, "mid_export": mid_export, "exports_completed": len(exported),
            "bundle_files": len(files), "saves_acknowledged": len(saved), "on_server": len(on_server),
            "lost": 0, "doubled": 0}


@pytest.mark.slow
def test_sigkill_while_exporting_bundles_100_times(county, tmp_path):
    run_export_kills(county, tmp_path, KILLS, seed=7)


def draft_worker(path, visit_id, household_id):
    def work(ack):
        vault = Vault.open(path)
        vault.unlock(USER, PASSPHRASE)
        draft = vault.get_draft(visit_id)
        n = draft["answers"]["version"] if draft else 0
        while True:                       # the editor autosaves every keystroke burst
            n += 1
            visit = make_visit(VILLAGE_A, household_id, version=n, remarks="正在输入" * (n % 7))
            visit["visit_id"], visit["status"] = visit_id, "draft"
            vault.save_draft(visit)
            ack(f"DRAFT {n}")
    return work


def run_draft_kills(tmp_path, kills: int, seed: int) -> dict:
    """*kills* SIGKILLs of an editor autosaving one draft; checks after each; returns the counts."""
    path = tmp_path / "laptop"
    Vault.create(path, USER, PASSPHRASE, None, kdf=FAST_KDF).lock()
    rng = random.Random(seed)
    visit_id, household_id = "d0000000-0000-4000-8000-000000000001", "d0000000-0000-4000-8000-000000000002"
    acked = 0
    for _ in range(kills):
        lines = kill_round(draft_worker(path, visit_id, household_id), rng, 0.005, 0.08)
        acked = max([acked] + [int(line.split()[1]) for line in lines if line.startswith("DRAFT ")])
        vault = open_checked(path)
        try:
            draft = vault.get_draft(visit_id)
            assert acked == 0 or draft["answers"]["version"] >= acked, "an acknowledged autosave was lost"
            assert vault.pending_count() == 0, "drafts never enter the sync outbox"
        finally:
            vault.lock()
    assert acked > kills, "the autosave hardly ever committed: the test proves nothing"
    return {"kills": kills, "autosaves_acknowledged": acked, "lost": 0}


def test_sigkill_while_autosaving_drafts_100_times(tmp_path):
    run_draft_kills(tmp_path, KILLS, seed=99)
