"""Search properties over generated input: every substring of a stored name is found; no text breaks the query."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldapp.vault import FAST_KDF, Vault
from vaultkit import PASSPHRASE, make_visit

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
NAMES = st.text(CJK, min_size=2, max_size=4)


@pytest.fixture(scope="module")
def shared_vault(tmp_path_factory, request):
    v = Vault.create(tmp_path_factory.mktemp("prop") / "data", "visitor1", PASSPHRASE, None, kdf=FAST_KDF)
    request.addfinalizer(v.lock)
    return v


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(NAMES, min_size=1, max_size=3), data=st.data())
def test_every_substring_of_a_member_name_finds_the_household(shared_vault, names, data):
    visit = make_visit(names=tuple(names), ids=())
    shared_vault.save_visit(visit)
    name = data.draw(st.sampled_from(names))
    start = data.draw(st.integers(0, len(name) - 1))
    end = data.draw(st.integers(start + 1, len(name)))
    found = [r[0] for r in shared_vault.search_households(name[start:end], limit=100000)]
    assert visit["household_id"] in found


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=25))
def test_no_search_text_raises(shared_vault, text):
    rows = shared_vault.search_households(text, limit=5)
    assert isinstance(rows, list)
