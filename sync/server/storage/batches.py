"""Every household on the server, in id order, a batch at a time (the data steps of migrations 0012/0015)."""

from __future__ import annotations

from typing import Iterator


def household_id_batches(tx, size: int) -> Iterator[list[str]]:
    """The ids of every household record, *size* at a time, by keyset paging (no OFFSET scan)."""
    last = ""
    while True:
        ids = [r["household_id"] for r in tx.q(
            "SELECT household_id FROM records WHERE entity = 'household' AND household_id > %s "
            "ORDER BY household_id LIMIT %s", (last, size))]
        if not ids:
            return
        last = ids[-1]
        yield ids
