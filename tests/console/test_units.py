"""The console's pure pieces: yuan → fen, the SVG chart, passphrase hashes."""

from __future__ import annotations

import pytest

from sync.server.console import errors
from sync.server.console.accounts import hash_passphrase, verify_passphrase
from sync.server.console.charts import coverage_bars
from sync.server.console.reference_form import to_fen, yuan


@pytest.mark.parametrize("text, fen", [("760", 76000), ("1,060.50", 106050), ("¥1200", 120000), ("0.01", 1),
                                       ("10800元", 1080000)])
def test_yuan_text_becomes_integer_fen(text, fen):
    assert to_fen(text, "x") == fen and isinstance(to_fen(text, "x"), int)


@pytest.mark.parametrize("text", ["abc", "-1", "1.005", "", "1e3x"])
def test_bad_amounts_are_named(text):
    with pytest.raises(errors.InvalidInput, match="低保标准"):
        to_fen(text, "低保标准第 1 行")


def test_fen_shown_as_yuan():
    assert (yuan(76000), yuan(76050), yuan(1), yuan(None)) == ("760", "760.5", "0.01", "")


def test_the_chart_escapes_names_and_links_each_bar():
    svg = coverage_bars([{"name": "<script>x</script>", "href": "/console/coverage?area=320115001&campaign=a\"b",
                          "target": 10, "visited": 4, "unreachable_total": 1, "not_visited": 5, "rate_permille": 500}])
    assert "<script>" not in svg and "&lt;script&gt;" in svg and 'area=320115001&amp;campaign=a&quot;b' in svg
    assert svg.count("<rect") == 3 and "50.0%（5/10）" in svg and "style=" not in svg


def test_passphrase_hash_is_argon2id_salted_and_checked():
    first, second = hash_passphrase("correct horse battery"), hash_passphrase("correct horse battery")
    assert first != second and first.startswith("$argon2id$v=19$")
    assert verify_passphrase(first, "correct horse battery") and not verify_passphrase(first, "correct horse batterY")
    assert not verify_passphrase("$bcrypt$whatever", "correct horse battery")
    with pytest.raises(errors.WeakPassphrase):
        hash_passphrase("short")
