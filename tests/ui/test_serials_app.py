"""文号 on two laptops of one township, against a REAL county server on 127.0.0.1: never the same number.

Each laptop prints from blocks the server reserved for it alone; it keeps printing offline
from what it holds, says so plainly when nothing is left, and tops its blocks up at sync.
"""

from __future__ import annotations

import uuid

import pytest

from fieldapp import syncing
from fieldapp.services import Services
from fieldapp.services_print import SerialsUnavailable
from tests.publishkit import receive_demo
from tests.ui.helpers import PASSPHRASE
from tests.ui.test_sync_app import server, visit  # noqa: F401 - server is the fixture: a real server on 127.0.0.1


def office_laptop(tmp_path, server, name: str, fast_kdf) -> tuple[Services, str]:
    """An office laptop's Services, enrolled, unlocked, with one saved visit; returns it and the household id."""
    svc = Services(tmp_path / name, kdf=fast_kdf)
    svc.create_vault("张三", PASSPHRASE)
    svc.unlock("张三", PASSPHRASE)
    syncing.enroll(svc.vault, server.url, server.code(role="office", villages=()))
    receive_demo(svc)  # the demo county's templates and reference, as if published
    hid = str(uuid.uuid4())
    svc.vault.save_visit(visit(hid))
    return svc, hid


def print_letter(svc, hid, tmp_path) -> str:
    out = tmp_path / f"{uuid.uuid4()}.pdf"
    return svc.print_household("consent", hid, out).documents[0].serial


def test_two_laptops_never_print_the_same_serial(tmp_path, server, fast_kdf):
    a, hid_a = office_laptop(tmp_path, server, "a", fast_kdf)
    b, hid_b = office_laptop(tmp_path, server, "b", fast_kdf)
    serials = []
    for _ in range(4):
        serials.append(print_letter(a, hid_a, tmp_path))
        serials.append(print_letter(b, hid_b, tmp_path))
    assert len(set(serials)) == 8, serials
    # each laptop took one block of its own from the server
    blocks = [syncing.serial_blocks(s.vault) for s in (a, b)]
    assert all(len(next(iter(bl.values()))) == 1 for bl in blocks)
    (range_a,), (range_b,) = (next(iter(bl.values())) for bl in blocks)
    assert set(range(range_a[0], range_a[1] + 1)).isdisjoint(range(range_b[0], range_b[1] + 1))
    a.lock()
    b.lock()


def test_offline_printing_uses_what_the_laptop_holds_then_says_so(tmp_path, server, fast_kdf):
    a, hid = office_laptop(tmp_path, server, "a", fast_kdf)
    first = print_letter(a, hid, tmp_path)       # fetches a block of SERIAL_BLOCK numbers
    server.stop()                                # the township office loses its network
    offline = [print_letter(a, hid, tmp_path) for _ in range(syncing.SERIAL_BLOCK - 1)]
    assert len({first, *offline}) == syncing.SERIAL_BLOCK
    with pytest.raises(SerialsUnavailable) as err:
        print_letter(a, hid, tmp_path)
    assert "联网" in err.value.message_zh and "文号" in err.value.message_zh
    assert list(tmp_path.glob("*.part")) == []
    a.lock()


def test_a_sync_tops_up_a_block_running_low(tmp_path, server, fast_kdf):
    a, hid = office_laptop(tmp_path, server, "a", fast_kdf)
    for _ in range(syncing.SERIAL_BLOCK - syncing.SERIAL_LOW_WATER + 1):
        print_letter(a, hid, tmp_path)
    (ranges,) = syncing.serial_blocks(a.vault).values()
    assert len(ranges) == 1
    syncing.sync_now(a.vault)
    (ranges,) = syncing.serial_blocks(a.vault).values()
    assert len(ranges) == 2 and ranges[1][0] > ranges[0][1]
    a.lock()


def test_a_server_without_serial_blocks_leaves_the_laptop_counting_on_its_own(tmp_path, server, fast_kdf, monkeypatch):
    from sync import errors
    from sync.client import SyncClient

    def old_server(*_args, **_kw):
        raise errors.NotFound("POST /v1/serials")

    monkeypatch.setattr(SyncClient, "reserve_serials", old_server)
    a, hid = office_laptop(tmp_path, server, "a", fast_kdf)
    serials = [print_letter(a, hid, tmp_path) for _ in range(3)]
    assert len(set(serials)) == 3 and syncing.serial_blocks(a.vault) == {}
    a.lock()


def test_a_big_batch_fetches_growing_blocks_not_one_request_per_ten(tmp_path, server, fast_kdf):
    a, _ = office_laptop(tmp_path, server, "a", fast_kdf)
    households = [str(uuid.uuid4()) for _ in range(45)]
    for hid in households:
        a.vault.save_visit(visit(hid))
    result = a.print_batch("consent", households, tmp_path / "batch.pdf").render
    serials = [d.serial for d in result.documents]
    assert len(serials) == 45 and len(set(serials)) == 45
    (ranges,) = syncing.serial_blocks(a.vault).values()
    assert [last - first + 1 for first, last in ranges] == [10, 20, 40]   # three requests for 45 numbers
    a.lock()
