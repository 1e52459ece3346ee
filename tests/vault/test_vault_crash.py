"""Crash safety: a process saving visits is killed with SIGKILL at random moments, again and again.

After every kill the vault must open, pass SQLite's and SQLCipher's integrity checks, hold
every save the writer acknowledged (it prints ``ACK`` only after ``save_visit`` returned,
i.e. after COMMIT), and the change log must agree with the data: replaying the outbox
reproduces each record exactly. The writer is a forked child of the test process (the
modules are already imported, so each round costs milliseconds, not an interpreter start).
"""

from __future__ import annotations

import json
import os
import random
import signal
import time

import pytest

from fieldapp.vault import FAST_KDF, Vault
from vaultkit import PASSPHRASE, make_visit

from forms.grain import shipped_grain

# Saving reads the form's grain (row ids, calculated answers) once per process, as the app does at start;
# load it before forking so that the writer's short life goes to saving.
shipped_grain()


def writer(data_dir, round_no: int, out_fd: int, seed: int) -> None:
    """Child: save new visits and re-save earlier ones with a bumped version, acknowledging each commit."""
    rng = random.Random(seed)
    vault = Vault.open(data_dir)
    vault.unlock("visitor1", PASSPHRASE)
    known = [r[0] for r in vault._db().execute("SELECT id FROM visits")]
    n = 0
    while True:
        n += 1
        if known and rng.random() < 0.4:
            visit = vault.get_visit(rng.choice(known), audit_view=False)
            version = visit["answers"]["version"] + 1
            visit["answers"]["version"] = version
            visit["answers"]["address"] = f"改动{round_no}-{n}"
        else:
            visit = make_visit(names=("崩溃测试", f"成员{round_no}"), address=f"新址{round_no}-{n}", version=1)
            version = 1
        if rng.random() < 0.3:
            vault.save_draft(visit)
        vault.save_visit(visit)
        os.write(out_fd, f"ACK {visit['visit_id']} {version}\n".encode())
        known.append(visit["visit_id"])


def run_round(data_dir, round_no: int, rng: random.Random) -> dict[str, int]:
    """Fork a writer, kill it with SIGKILL after a random time, return its acknowledged {visit_id: version}."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never return into pytest
        code = 1
        try:
            os.close(read_fd)
            writer(data_dir, round_no, write_fd, rng.randrange(1 << 30))
        except BaseException:
            code = 3
        finally:
            os._exit(code)
    os.close(write_fd)
    time.sleep(rng.uniform(0.005, 0.12))
    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, "writer died by itself"
    chunks = []
    while True:
        chunk = os.read(read_fd, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(read_fd)
    acked: dict[str, int] = {}
    for line in b"".join(chunks).decode().splitlines():
        if line.startswith("ACK ") and line.count(" ") == 2:  # a line cut by the kill is ignored
            _, visit_id, version = line.split(" ")
            acked[visit_id] = max(acked.get(visit_id, 0), int(version))
    return acked


def check_vault(data_dir, acked: dict[str, int]) -> int:
    """Open, integrity-check, find every acknowledged save, and replay the change log against the data."""
    vault = Vault.open(data_dir)
    vault.unlock("visitor1", PASSPHRASE)
    try:
        vault.check_integrity()
        db = vault._db()
        stored = {vid: json.loads(a) for vid, a in db.execute("SELECT id, answers FROM visits")}
        for visit_id, version in acked.items():
            assert visit_id in stored, "an acknowledged visit is missing"
            assert stored[visit_id]["version"] >= version, "an acknowledged change was lost"
        replay: dict[tuple[str, str], dict] = {}
        for entity, entity_id, fields in db.execute("SELECT entity, entity_id, fields FROM changes ORDER BY seq"):
            replay.setdefault((entity, entity_id), {}).update(json.loads(fields))
        for vid, answers in stored.items():
            assert replay[("visit", vid)]["answers"] == answers, "change log disagrees with visit data"
        for hid, fields in db.execute("SELECT id, fields FROM households"):
            assert replay[("household", hid)] == json.loads(fields), "change log disagrees with household data"
        assert len([k for k in replay if k[0] == "visit"]) == len(stored)
        vault.verify_audit()
        return len(stored)
    finally:
        vault.lock()


def crash_rounds(tmp_path, rounds: int, seed: int) -> None:
    data_dir = tmp_path / "data"
    Vault.create(data_dir, "visitor1", PASSPHRASE, None, kdf=FAST_KDF).lock()
    rng = random.Random(seed)
    acked: dict[str, int] = {}
    total_acks = 0
    for round_no in range(rounds):
        got = run_round(data_dir, round_no, rng)
        total_acks += len(got)
        for vid, version in got.items():
            acked[vid] = max(acked.get(vid, 0), version)
        check_vault(data_dir, acked)
    assert total_acks > rounds, "the writer hardly ever got to commit: the test proves nothing"


def test_sigkill_during_saves_100_times(tmp_path):
    crash_rounds(tmp_path, rounds=110, seed=20260512)


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("FIELDAPP_LONG_RUNS"), reason="long run: set FIELDAPP_LONG_RUNS=1 (the 110-round test runs always)")
def test_sigkill_during_saves_long_run(tmp_path):
    crash_rounds(tmp_path, rounds=int(os.environ.get("FIELDAPP_LONG_RUNS_KILLS", "600")), seed=7)
