"""文号 blocks: the county server hands each device its own numbers, so no 文号 is issued twice."""

from __future__ import annotations

import threading

import pytest

from sync import errors
from tests.sync.conftest import OTHER_TOWNSHIP, TOWNSHIP


def test_blocks_never_overlap_even_when_many_laptops_ask_at_once(server):
    laptops = [server.laptop(role="office", villages=()) for _ in range(6)]
    blocks, failures = [], []

    def ask(laptop):
        try:
            for _ in range(5):
                blocks.append(laptop.client.reserve_serials("letter", TOWNSHIP, 2026, 7))
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=ask, args=(lp,)) for lp in laptops]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    numbers = [n for first, last in blocks for n in range(first, last + 1)]
    assert len(numbers) == 6 * 5 * 7 and len(set(numbers)) == len(numbers)
    assert sorted(numbers) == list(range(1, len(numbers) + 1))  # no gap either


def test_kinds_and_years_count_separately_and_local_numbers_stay_behind(server):
    lp = server.laptop()
    assert lp.client.reserve_serials("letter", TOWNSHIP, 2026, 5) == (1, 5)
    assert lp.client.reserve_serials("consent", TOWNSHIP, 2026, 5) == (1, 5)
    assert lp.client.reserve_serials("letter", TOWNSHIP, 2027, 5) == (1, 5)
    # a laptop that already issued up to 37 on its own before the server handed out numbers
    assert lp.client.reserve_serials("letter", TOWNSHIP, 2026, 10, at_least=38) == (38, 47)
    assert lp.client.reserve_serials("letter", TOWNSHIP, 2026, 1) == (48, 48)


def test_numbers_of_another_township_are_refused(server):
    lp = server.laptop()
    with pytest.raises(errors.OutsideArea):
        lp.client.reserve_serials("letter", OTHER_TOWNSHIP, 2026, 5)
    with pytest.raises(errors.MalformedRequest):
        lp.client.reserve_serials("letter", TOWNSHIP, 2026, 100_000)
