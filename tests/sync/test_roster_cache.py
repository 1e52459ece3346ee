"""A roster import on SQLite runs with a roomy page cache (no spilling of its one transaction) and gives it back."""

from __future__ import annotations

import pytest

from sync import errors
from sync.server.roster_import import import_roster
from sync.server.storage.roster_store import ROSTER_CACHE_KIB
from tests.sync import roster_files as rf
from tests.sync.conftest import make_storage


@pytest.fixture
def storage(tmp_path, request):
    storage = make_storage("sqlite", tmp_path, request)
    rf.seed_county(storage)
    yield storage
    storage.close()


def cache_size(storage) -> int:
    return storage._conn().execute("PRAGMA cache_size").fetchone()[0]


def test_the_import_transaction_has_the_roster_cache_and_the_connection_gets_its_own_back(storage, tmp_path,
                                                                                           monkeypatch):
    before = cache_size(storage)
    assert before != -ROSTER_CACHE_KIB
    during = []
    original = storage.apply_roster

    def spying(*args, **kwargs):
        during.append(cache_size(storage))
        return original(*args, **kwargs)

    monkeypatch.setattr(storage, "apply_roster", spying)
    report = import_roster(storage, rf.write_csv_gb18030(tmp_path / "花名册.csv"), campaign="2026年专项行动",
                           start="2026-04-01")
    assert report["households"]["new"] >= 1
    assert during == [-ROSTER_CACHE_KIB]
    assert cache_size(storage) == before
    assert storage.roster_households("2026年专项行动")     # written: the cache changed nothing of what is stored


def test_an_unreadable_file_also_gives_the_cache_back(storage, tmp_path):
    before = cache_size(storage)
    bad = tmp_path / "花名册.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(errors.RosterUnreadable):
        import_roster(storage, bad, campaign="2026年专项行动", start="2026-04-01")
    assert cache_size(storage) == before
