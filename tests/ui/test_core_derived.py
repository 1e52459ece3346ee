"""Derived values (review date R7, list flags) are computed by the core once per save and given to the vault
as data; a write that cannot carry them (a pull, an amendment) is derived by the core right after it, or at
the next unlock when the program stopped in between. A real county's reference (松林县), real vaults."""

from __future__ import annotations

import uuid

from fieldapp.services import Services
from fieldapp.vault import FAST_KDF, Vault
from tests import county
from tests.publishkit import receive
from tests.ui.helpers import PASSPHRASE

USER = "王芳"


def _services(tmp_path) -> Services:
    svc = Services(tmp_path / "data", kdf=FAST_KDF)
    svc.create_vault(USER, PASSPHRASE)
    svc.unlock(USER, PASSPHRASE)
    receive(svc.vault, "reference", "songlin", county.REFERENCE)
    svc.published_changed()
    return svc


def _household_fields(i: int) -> dict:
    return {"village_code": county.BAISHU, "area_type": "rural", "address": f"柏树村三组 {i} 号",
            "categories": ["dibao_a"],
            "members": [{"member_id": str(uuid.uuid4()), "name": "李秀英",
                         "id_number": county.id_number("19620418", 20 + i), "relation": "head"}],
            "needs": [{"need_id": str(uuid.uuid4()), "category": "medical", "description": "药费",
                       "disposition": "pending"}]}


def _pulled(household_id: str, fields: dict) -> dict:
    """A household change as the server sends it in a pull."""
    return {"seq": 1, "change_id": str(uuid.uuid4()), "entity": "household", "entity_id": household_id,
            "household_id": household_id, "village_code": fields["village_code"], "revision": 1, "fields": fields,
            "device_id": "other-laptop", "author": "李明", "at": "2026-06-21T02:00:00+00:00"}


def test_a_saved_visit_gets_its_review_date_from_the_rules(tmp_path):
    svc = _services(tmp_path)
    hid = svc.create_household(county.BAISHU, "李秀英", county.id_number("19620418", 23), address="柏树村三组 12 号")
    visit = svc.open_household(hid)["latest"]
    visit.pop("meta", None)
    visit["answers"].update({"visit_date": "2026-06-20", "visitors": ["王芳", "村委会成员"], "categories": ["dibao_a"]})
    svc.save_visit(visit, final=False)
    expected = (svc.assess(visit).review or {}).get("next_review_due")
    assert expected   # the county's rules give a dibao household a review date
    assert svc.household_row(hid).review_due == expected
    assert svc.vault.pending_derivations() == []   # derived at the save, nothing left for later


def test_a_pulled_household_is_derived_at_the_next_unlock_when_the_program_stopped_after_the_pull(tmp_path):
    svc = _services(tmp_path)
    hid = str(uuid.uuid4())
    svc.lock()
    # The pull commits, then the program stops before the core derived anything (a bare vault, as after a crash).
    vault = Vault.open(tmp_path / "data")
    vault.unlock(USER, PASSPHRASE)
    vault.apply_pulled([_pulled(hid, _household_fields(1))], cursor=1)
    assert vault.get_household(hid)["review_due"] is None
    assert [p[0] for p in vault.pending_derivations()] == [hid]
    vault.lock()

    svc.unlock(USER, PASSPHRASE)
    row = svc.household_row(hid)
    assert row.review_due, "the unlock derived the pulled household's review date"
    assert svc.vault.pending_derivations() == []


def test_a_need_disposition_is_derived_right_after_the_amendment(tmp_path):
    svc = _services(tmp_path)
    hid = svc.create_household(county.BAISHU, "陈国强", county.id_number("19581103", 17), address="柏树村五组 3 号")
    visit = svc.open_household(hid)["latest"]
    visit.pop("meta", None)
    need_id = str(uuid.uuid4())
    visit["answers"].update({"visit_date": "2026-06-20", "visitors": ["王芳", "村委会成员"], "categories": ["dibao_a"],
                             "needs": [{"need_id": need_id, "category": "medical", "description": "药费",
                                        "disposition": "pending"}]})
    svc.save_visit(visit, final=False)
    due = svc.household_row(hid).review_due
    svc.update_need(hid, need_id, disposition="resolved", note="已解决")
    assert svc.vault.pending_derivations() == []
    row = svc.household_row(hid)
    assert row.open_needs == 0 and row.review_due == due
