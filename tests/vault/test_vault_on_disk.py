"""What is really on disk: encrypted file and WAL, damaged files, schema versions and migrations."""

from __future__ import annotations

import sqlite3

import pytest

from fieldapp.vault import MigrationFailed, SchemaTooNew, Vault, VaultCorrupt
from fieldapp.vault import migrations as migrations_module
from fieldapp.vault.migrations import Migration
from vaultkit import PASSPHRASE, make_visit

SECRET_NAMES = ("慕容秋水", "欧阳春晓")
SECRET_IDS = ("11010519491231002X", "110105199003070052")


def test_file_is_not_plain_sqlite(vault):
    vault.save_visit(make_visit())
    vault.lock()
    assert not vault.db_path.read_bytes().startswith(b"SQLite format 3")
    conn = sqlite3.connect(vault.db_path)
    with pytest.raises(sqlite3.DatabaseError):
        conn.execute("SELECT * FROM sqlite_master").fetchall()
    conn.close()


def test_no_name_or_id_bytes_in_database_or_wal(vault):
    for i in range(30):
        vault.save_visit(make_visit(names=SECRET_NAMES, ids=SECRET_IDS, address=f"隐秘村{i}号"))
    vault.save_draft(make_visit(names=SECRET_NAMES, ids=SECRET_IDS))
    # While open, recent pages sit in the -wal file: check it too, then the checkpointed file.
    wal = vault.db_path.with_name(vault.db_path.name + "-wal")
    assert wal.exists() and wal.stat().st_size > 0
    files = {p: p.read_bytes() for p in vault.data_dir.iterdir() if p.is_file()}
    vault.lock()
    files[vault.db_path] = vault.db_path.read_bytes()
    needles = [s.encode("utf-8") for s in SECRET_NAMES + SECRET_IDS + ("隐秘村",)]
    needles += [s.encode("utf-16-le") for s in SECRET_NAMES]
    for path, data in files.items():
        for needle in needles:
            assert needle not in data, f"plaintext found in {path.name}"


def test_tampered_first_page_is_reported_naming_the_file(vault):
    vault.save_visit(make_visit())
    vault.lock()
    data = bytearray(vault.db_path.read_bytes())
    data[200] ^= 0xFF
    vault.db_path.write_bytes(bytes(data))
    v = Vault.open(vault.data_dir)
    with pytest.raises(VaultCorrupt) as exc:
        v.unlock("visitor1", PASSPHRASE)
    assert str(vault.db_path) in exc.value.message_zh


def test_tampered_later_page_is_reported_not_silently_empty(vault):
    for i in range(200):
        vault.save_visit(make_visit(address=f"东山村{i}号"))
    vault.lock()
    data = bytearray(vault.db_path.read_bytes())
    assert len(data) > 20 * 4096
    for page in range(2, len(data) // 4096):
        data[page * 4096 + 100] ^= 0x01
    vault.db_path.write_bytes(bytes(data))
    v = Vault.open(vault.data_dir)
    with pytest.raises(VaultCorrupt) as exc:
        v.unlock("visitor1", PASSPHRASE)
        v.household_rows()
    assert str(vault.db_path) in str(exc.value)
    v.lock()


@pytest.mark.parametrize("keep", [0.5, 0.1])
def test_truncated_database_is_reported(vault, keep):
    for i in range(200):
        vault.save_visit(make_visit(address=f"东山村{i}号"))
    vault.lock()
    data = vault.db_path.read_bytes()
    vault.db_path.write_bytes(data[: int(len(data) * keep) + 123])
    v = Vault.open(vault.data_dir)
    with pytest.raises(VaultCorrupt):
        v.unlock("visitor1", PASSPHRASE)
        v.household_rows()
        v.check_integrity()
    v.lock()


def test_integrity_check_passes_on_healthy_vault(vault):
    vault.save_visit(make_visit())
    vault.check_integrity()


def test_newer_schema_is_refused(vault):
    vault._db().execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', 'x')")
    vault.lock()
    v = Vault.open(vault.data_dir)
    with pytest.raises(SchemaTooNew) as exc:
        v.unlock("visitor1", PASSPHRASE)
    assert exc.value.found == 99 and "升级" in exc.value.message_zh
    assert not v.is_unlocked


def test_failing_migration_rolls_back_entirely(vault, monkeypatch):
    vault.save_visit(make_visit())
    vault.lock()

    def broken(db):
        db.execute("CREATE TABLE new_things (id INTEGER PRIMARY KEY)")
        db.execute("ALTER TABLE households ADD COLUMN extra TEXT")
        raise RuntimeError("step failed half way")

    nxt = migrations_module.LATEST + 1
    monkeypatch.setattr(migrations_module, "MIGRATIONS", migrations_module.MIGRATIONS + [Migration(nxt, "broken", broken)])
    v = Vault.open(vault.data_dir)
    with pytest.raises(MigrationFailed) as exc:
        v.unlock("visitor1", PASSPHRASE)
    assert exc.value.version == nxt
    monkeypatch.undo()
    v = Vault.open(vault.data_dir)
    v.unlock("visitor1", PASSPHRASE)
    db = v._db()
    assert v.schema_version() == migrations_module.LATEST
    assert "new_things" not in db.table_names()
    assert "extra" not in db["households"].columns_dict
    assert len(v.household_rows()) == 1
    v.lock()


def test_successful_migration_is_recorded(vault, monkeypatch):
    vault.lock()

    def add_table(db):
        db.execute("CREATE TABLE later_things (id INTEGER PRIMARY KEY)")

    nxt = migrations_module.LATEST + 1
    monkeypatch.setattr(migrations_module, "MIGRATIONS", migrations_module.MIGRATIONS + [Migration(nxt, "later", add_table)])
    v = Vault.open(vault.data_dir)
    v.unlock("visitor1", PASSPHRASE)
    assert v.schema_version() == nxt and "later_things" in v._db().table_names()
    v.lock()


def test_vault_from_schema_1_is_upgraded_on_unlock(tmp_path, monkeypatch):
    import json

    from fieldapp.vault import FAST_KDF

    monkeypatch.setattr(migrations_module, "MIGRATIONS", migrations_module.MIGRATIONS[:1])
    old = Vault.create(tmp_path / "old", "visitor1", PASSPHRASE, None, kdf=FAST_KDF)
    assert old.schema_version() == 1
    # A household row as the version-1 code wrote it (projection columns inside households).
    fields = {"village_code": "110105001001", "address": "旧村1号", "members": [{"name": "钱一", "relation": "head"}],
              "needs": [{"need_id": "n", "category": "living", "disposition": "referred"}]}
    old._db().execute(
        "INSERT INTO households (id, village_code, address, head_name, head_id_masked, categories, visit_status, "
        "open_needs, flags, member_count, fields, created_at, created_by, updated_at, updated_by) "
        "VALUES ('h-old', '110105001001', '旧村1号', '钱一', '', 'dibao_a', 'final', 1, 'child_protection', 1, ?, "
        "'2026-01-01T00:00:00+00:00', 'v', '2026-01-01T00:00:00+00:00', 'v')", [json.dumps(fields, ensure_ascii=False)])
    old.lock()
    monkeypatch.undo()
    v = Vault.open(tmp_path / "old")
    v.unlock("visitor1", PASSPHRASE)
    assert v.schema_version() == migrations_module.LATEST
    assert [r[1] for r in v.household_rows()] == ["钱一"]
    assert "village_code" not in v._db()["households"].columns_dict  # the projection moved to household_list
    assert v.needs_by_disposition() == {"referred": 1}
    assert [r[0] for r in v.search_households(flag="child_protection")] == ["h-old"]
    assert v.get_household("h-old")["fields"]["address"] == "旧村1号"
    v.lock()


def test_files_are_readable_by_owner_only(vault):
    vault.save_visit(make_visit())
    for name in ("vault.db", "vault.db-wal", "vault.keys.json"):
        assert oct((vault.data_dir / name).stat().st_mode & 0o777) == "0o600", name


def test_key_file_of_another_vault_does_not_open_this_database(vault, tmp_path, office_keys):
    from fieldapp.vault import FAST_KDF

    other = Vault.create(tmp_path / "other", "visitor1", PASSPHRASE, office_keys[1], kdf=FAST_KDF)
    other.lock()
    vault.lock()
    (vault.data_dir / "vault.keys.json").write_bytes((other.data_dir / "vault.keys.json").read_bytes())
    with pytest.raises(VaultCorrupt) as exc:
        Vault.open(vault.data_dir).unlock("visitor1", PASSPHRASE)
    assert str(vault.db_path) in str(exc.value)
