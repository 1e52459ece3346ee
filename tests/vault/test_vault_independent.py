"""The vault file is standard SQLCipher 4: an independent implementation (SQLite3 Multiple Ciphers, via
``apsw-sqlite3mc``) opens it with the raw key printed by ``fieldapp vault export-raw-key``."""

from __future__ import annotations

import pytest

from fieldapp.cli import main
from vaultkit import PASSPHRASE, make_visit

apsw = pytest.importorskip("apsw")


def open_with_sqlite3mc(path, key_hex):
    conn = apsw.Connection(str(path))
    conn.execute("PRAGMA cipher = 'sqlcipher'")
    conn.execute("PRAGMA legacy = 4")
    conn.execute(f"PRAGMA key = \"x'{key_hex}'\"")
    return conn


def test_sqlite3mc_reads_rows_with_exported_raw_key(vault, capsys, monkeypatch):
    visits = [make_visit(names=("上官婉清", "上官小宇"), ids=("11010519491231002X", "110105201001010021")) for _ in range(3)]
    for v in visits:
        vault.save_visit(v)
    vault.lock()
    monkeypatch.setenv("FIELDAPP_PASSPHRASE", PASSPHRASE)
    assert main(["--data-dir", str(vault.data_dir), "vault", "export-raw-key"]) == 0
    key_hex = capsys.readouterr().out.strip()
    assert len(key_hex) == 64

    conn = open_with_sqlite3mc(vault.db_path, key_hex)
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    rows = conn.execute("SELECT id, head_name, head_id_masked FROM household_list ORDER BY rowid").fetchall()
    assert [r[0] for r in rows] == [v["household_id"] for v in visits]
    assert {r[1] for r in rows} == {"上官婉清"} and rows[0][2] == "110105********002X"
    names = conn.execute("SELECT name FROM members WHERE id_number = '110105201001010021'").fetchall()
    assert names == [("上官小宇",)] * 3
    assert conn.execute("SELECT count(*) FROM changes").fetchone()[0] == 6
    conn.close()


def test_sqlite3mc_refuses_a_wrong_key(vault):
    vault.save_visit(make_visit())
    vault.lock()
    conn = open_with_sqlite3mc(vault.db_path, "00" * 32)
    with pytest.raises(apsw.NotADBError):
        conn.execute("SELECT count(*) FROM households").fetchall()
    conn.close()
