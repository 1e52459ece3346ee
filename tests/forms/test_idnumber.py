"""Resident ID numbers (GB 11643-1999): the standard's example, each failure, and properties."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forms import idnumber
from forms.errors import (
    IdNumberCharacterError,
    IdNumberChecksumError,
    IdNumberDateError,
    IdNumberError,
    IdNumberLengthError,
)


def test_standard_example_is_valid_and_gives_birth_date_and_sex():
    number, birth, sex = idnumber.parse_id("11010519491231002X")
    assert number == "11010519491231002X"
    assert birth == dt.date(1949, 12, 31)
    assert sex == "female"  # sequence 002 is even


def test_lower_case_x_and_spaces_are_normalised():
    assert idnumber.parse_id(" 11010519491231002x ")[0] == "11010519491231002X"


def test_full_width_digits_are_normalised():
    assert idnumber.parse_id("１１０１０５１９４９１２３１００２Ｘ")[0] == "11010519491231002X"


@pytest.mark.parametrize(
    "value, error, fragment",
    [
        ("11010519491231002", IdNumberLengthError, "应为 18 位，现为 17 位"),
        ("110105491231002", IdNumberLengthError, "15 位为旧号码"),
        ("1101051949123100XX", IdNumberCharacterError, "只能由数字组成"),
        ("11010519491331002X", IdNumberDateError, "19491331"),  # month 13
        ("11010519490229002X", IdNumberDateError, "不是有效日期"),  # 1949 is not a leap year
        ("110105194912310021", IdNumberChecksumError, "校验位不符"),
    ],
)
def test_each_failure_has_its_own_class_and_chinese_message(value, error, fragment):
    with pytest.raises(error) as caught:
        idnumber.parse_id(value)
    assert fragment in caught.value.message_zh
    assert isinstance(caught.value, IdNumberError)


def test_birth_date_in_the_future_is_refused_when_a_date_is_given():
    future = "110105" + "20300101" + "001"
    number = future + idnumber.check_char(future)
    assert idnumber.parse_id(number)[1] == dt.date(2030, 1, 1)
    with pytest.raises(IdNumberDateError):
        idnumber.parse_id(number, on_date=dt.date(2026, 5, 12))


def test_mask_keeps_first_six_and_last_four():
    assert idnumber.mask("11010519491231002x") == "110105********002X"
    assert idnumber.mask("") == ""
    assert idnumber.mask("12345") == "*****"


births = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2025, 12, 31))
areas = st.integers(min_value=110000, max_value=999999)
sequences = st.integers(min_value=0, max_value=999)


def _make(area, birth, seq):
    body = f"{area:06d}{birth:%Y%m%d}{seq:03d}"
    return body + idnumber.check_char(body)


@settings(max_examples=300)
@given(areas, births, sequences)
def test_generated_valid_numbers_always_pass(area, birth, seq):
    number, parsed_birth, sex = idnumber.parse_id(_make(area, birth, seq))
    assert parsed_birth == birth
    assert sex == ("male" if seq % 2 else "female")
    assert idnumber.is_valid(number.lower())


@settings(max_examples=500)
@given(areas, births, sequences, st.integers(min_value=0, max_value=17), st.sampled_from("0123456789X"))
def test_any_single_character_change_is_caught(area, birth, seq, position, replacement):
    valid = _make(area, birth, seq)
    if valid[position] == replacement:
        replacement = "0" if replacement != "0" else "1"
    changed = valid[:position] + replacement + valid[position + 1:]
    with pytest.raises(IdNumberError):
        idnumber.parse_id(changed)
