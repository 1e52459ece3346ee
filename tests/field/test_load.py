"""Load, reduced for CI: 30 laptops syncing concurrently for 8 s against one server process on PostgreSQL.

The full run (100 laptops, minutes) is ``bench/load.py``; figures in docs/benchmarks.md.
"""

from __future__ import annotations


import pytest

from tests.field.loadkit import run_load


@pytest.mark.slow
@pytest.mark.postgres
def test_thirty_laptops_sync_at_once_without_error_or_loss(postgres):
    result = run_load(postgres.create_database("load"), devices=30, seconds=8.0, processes=2, village_count=6)
    assert result.errors == []
    assert result.syncs >= 30, "the laptops hardly synced: the run proves nothing"
    assert result.changes >= result.syncs
    assert (result.lost, result.doubled, result.wrong_values, result.left_unsent) == (0, 0, 0, 0)
    assert result.p99 < 30.0
