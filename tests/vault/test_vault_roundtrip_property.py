"""Whatever text a visit carries comes back byte for byte; text that is not Unicode is refused cleanly."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldapp.vault import FAST_KDF, InvalidRecord, Vault
from vaultkit import PASSPHRASE, make_visit


@pytest.fixture(scope="module")
def shared_vault(tmp_path_factory, request):
    v = Vault.create(tmp_path_factory.mktemp("rt") / "data", "visitor1", PASSPHRASE, None, kdf=FAST_KDF)
    request.addfinalizer(v.lock)
    return v


# Any Unicode text but NUL, which the vault refuses where it is entered (a poison pill for the server:
# tests/field/test_poison_pills.py). Lone surrogates are not Unicode text: their refusal is tested below.
TEXT = st.characters(exclude_characters="\x00", exclude_categories=("Cs",))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(st.text(TEXT, max_size=12), min_size=1, max_size=3), address=st.text(TEXT, max_size=40),
       remarks=st.text(TEXT, max_size=40))
def test_saved_text_round_trips(shared_vault, names, address, remarks):
    visit = make_visit(names=tuple(names), ids=(), address=address, remarks=remarks)
    shared_vault.save_visit(visit)
    assert shared_vault.get_visit(visit["visit_id"], audit_view=False)["answers"] == visit["answers"]
    assert shared_vault.get_household(visit["household_id"], audit_view=False)["fields"]["address"] == address


def test_lone_surrogate_is_refused_without_writing(vault):
    bad = make_visit(names=("王\ud800芳",))
    with pytest.raises(InvalidRecord):
        vault.save_visit(bad)
    with pytest.raises(InvalidRecord):
        vault.save_visits([make_visit(), bad])
    with pytest.raises(InvalidRecord):
        vault.save_draft(bad)
    assert vault.household_rows() == [] and vault.pending_count() == 0 and vault.list_drafts() == []
