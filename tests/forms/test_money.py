"""Money in integer fen: reading yuan, formatting, half-up rounding — examples and properties."""

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from forms.errors import InvalidAmountError
from forms.money import div_half_up, fen_to_yuan_str, mul_ratio_half_up, yuan_to_fen


@pytest.mark.parametrize(
    "text, fen",
    [("12.34", 1234), ("12", 1200), ("12.3", 1230), ("0.05", 5), ("1,200.50", 120050), ("１２.３４", 1234),
     ("760元", 76000), (" 3 ", 300), (".5", 50), (7, 700), (Decimal("583.33"), 58333)],
)
def test_yuan_to_fen_reads_what_staff_type(text, fen):
    assert yuan_to_fen(text) == fen


@pytest.mark.parametrize("bad", ["12.345", "abc", "", "1.2.3", "-1", 1.5, True, "NaN", "1e3"])
def test_yuan_to_fen_refuses_what_is_not_an_exact_amount(bad):
    with pytest.raises(InvalidAmountError) as caught:
        yuan_to_fen(bad)
    assert caught.value.message_zh


def test_negative_only_when_allowed():
    assert yuan_to_fen("-1.20", allow_negative=True) == -120


@pytest.mark.parametrize("fen, text", [(1234, "12.34"), (5, "0.05"), (0, "0.00"), (-5, "-0.05"), (76000, "760.00")])
def test_fen_to_yuan_str(fen, text):
    assert fen_to_yuan_str(fen) == text


def test_thousands_separator_is_optional():
    assert fen_to_yuan_str(123456789, thousands=True) == "1,234,567.89"


@pytest.mark.parametrize(
    "num, den, expected",
    [(100000, 3, 33333), (200000, 3, 66667), (5, 2, 3), (7, 2, 4), (-5, 2, -3), (700000, 12, 58333),
     (660000, 12, 55000), (3, 6, 1), (2, 6, 0), (0, 4, 0)],
)
def test_div_half_up_by_hand(num, den, expected):
    assert div_half_up(num, den) == expected


def test_one_and_a_half_standard_rounds_half_up():
    assert mul_ratio_half_up(58333, 3, 2) == 87500  # 874.995 yuan → 875.00
    assert mul_ratio_half_up(76000, 3, 2) == 114000


@given(st.integers(min_value=-10**12, max_value=10**12), st.integers(min_value=1, max_value=10**6))
def test_div_half_up_matches_decimal_half_up(num, den):
    expected = int((Decimal(num) / Decimal(den)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    assert div_half_up(num, den) == expected


@given(st.integers(min_value=0, max_value=10**13))
def test_fen_round_trips_through_yuan_text(fen):
    assert yuan_to_fen(fen_to_yuan_str(fen)) == fen
    assert yuan_to_fen(fen_to_yuan_str(fen, thousands=True)) == fen


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=1, max_value=50))
def test_per_capita_split_never_loses_more_than_half_a_fen_per_person(total, size):
    share = div_half_up(total, size)
    assert abs(share * size - total) * 2 <= size
