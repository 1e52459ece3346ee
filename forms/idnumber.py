"""Resident ID numbers (居民身份证号码) per GB 11643-1999: parsing, check character, masking.

18 characters: 6-digit address code, birth date YYYYMMDD, 3-digit sequence (odd = male,
even = female) and a check character computed from the first 17 digits.
"""

from __future__ import annotations

import datetime as _dt
import unicodedata
from functools import lru_cache
from operator import mul

from forms.errors import (
    IdNumberCharacterError,
    IdNumberChecksumError,
    IdNumberDateError,
    IdNumberExcelNumberError,
    IdNumberLengthError,
    IdNumberOldFormatError,
)

__all__ = ["parse_id", "check_char", "is_valid", "mask", "normalise", "whole_years", "age_on", "upgrade_15",
           "from_cell"]

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
EARLIEST_BIRTH = _dt.date(1880, 1, 1)


def check_char(first17: str) -> str:
    """The check character for 17 digits: sum of digit × weight, mod 11, indexes "10X98765432"."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("check_char needs exactly 17 ASCII digits")
    return CHECK_CHARS[sum(map(mul, map(int, first17), WEIGHTS)) % 11]


def normalise(value: str) -> str:
    """Strip spaces, turn full-width characters into ASCII and a lower-case x into X."""
    text = unicodedata.normalize("NFKC", str(value)).replace(" ", "").strip()
    return text.upper()


def parse_id(value: str, on_date: _dt.date | None = None) -> tuple[str, _dt.date, str]:
    """Check a resident ID number and return ``(normalised, birth_date, sex)``; sex is "male"/"female".

    :param on_date: a birth date after this day is refused (default: no future check).
    :raises IdNumberError: a subclass naming the failure (length, characters, date, checksum),
        with a specific Chinese message in ``message_zh``.
    """
    normalised, birth_iso, sex = _parse_cached(value if _is_plain(value) else normalise(value))
    birth = _dt.date.fromisoformat(birth_iso)
    if on_date is not None and birth > on_date:
        raise IdNumberDateError(
            f"birth date {birth_iso} in the ID number lies in the future",
            f"身份证号中的出生日期 {birth_iso} 晚于今天，请核对",
        )
    return normalised, birth, sex


def _is_plain(value) -> bool:
    # Already normal form (18 ASCII characters, no lower-case x): skip Unicode normalisation.
    return isinstance(value, str) and len(value) == 18 and value.isascii() and value.isalnum() and not value.endswith("x")


@lru_cache(maxsize=4096)
def _parse_cached(text: str) -> tuple[str, str, str]:
    # Cached because the UI re-validates every keystroke and members' numbers rarely change.
    if len(text) != 18:
        hint = "（15 位为旧号码，请填写 18 位新号码）" if len(text) == 15 else ""
        raise IdNumberLengthError(
            f"ID number must have 18 characters, has {len(text)}",
            f"身份证号应为 18 位，现为 {len(text)} 位{hint}",
        )
    body, last = text[:17], text[17]
    if not (body.isascii() and body.isdigit()) or not (last.isdigit() or last == "X"):
        raise IdNumberCharacterError(
            "ID number may contain only digits, with X allowed as the last character",
            "身份证号只能由数字组成，最后一位可以是 X",
        )
    try:
        birth = _dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        raise IdNumberDateError(
            f"birth date {text[6:14]} in the ID number is not a real date",
            f"身份证号第 7–14 位的出生日期 {text[6:14]} 不是有效日期",
        ) from None
    if birth < EARLIEST_BIRTH:
        raise IdNumberDateError(
            f"birth date {birth.isoformat()} in the ID number is implausibly early",
            f"身份证号中的出生日期 {birth.isoformat()} 不合理",
        )
    expected = check_char(body)
    if last != expected:
        raise IdNumberChecksumError(
            "check character does not match: a digit is probably mistyped",
            "身份证号校验位不符，可能有数字输错，请逐位核对",
        )
    sex = "male" if int(text[16]) % 2 == 1 else "female"
    return text, birth.isoformat(), sex


def is_valid(value: str) -> bool:
    """True when *value* is a valid 18-character ID number (lower-case x accepted)."""
    try:
        _parse_cached(normalise(value))
    except (IdNumberLengthError, IdNumberCharacterError, IdNumberDateError, IdNumberChecksumError):
        return False
    return True


def mask(value: str | None) -> str:
    """Mask an ID number for display: "11010519491231002X" → "110105********002X"."""
    if not value:
        return ""
    text = normalise(value)
    if len(text) <= 10:   # first 6 + last 4 of a short value would show all of it
        return "*" * len(text)
    return text[:6] + "*" * (len(text) - 10) + text[-4:]


def whole_years(born: _dt.date, day: _dt.date) -> int:
    """Age in whole years on *day* of someone born on *born* (the birthday itself counts)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def age_on(value: str | None, on_date: str | _dt.date | None) -> int | None:
    """Age in whole years on *on_date* (ISO date or date) from an ID number; None when either is unusable."""
    if not value or not on_date:
        return None
    try:
        day = on_date if isinstance(on_date, _dt.date) else _dt.date.fromisoformat(on_date)
        born = parse_id(value)[1]
    except (TypeError, ValueError, IdNumberLengthError, IdNumberCharacterError, IdNumberDateError,
            IdNumberChecksumError):
        return None
    return whole_years(born, day)


def upgrade_15(text: str) -> str:
    """A 15-digit first-generation number as 18 characters: "19" before the birth year, check character appended.

    :raises IdNumberOldFormatError: not 15 digits, or the six-digit birth date YYMMDD is not a real date
    """
    if len(text) != 15 or not (text.isascii() and text.isdigit()):
        raise IdNumberOldFormatError("a first-generation ID number has 15 digits", "15 位旧身份证号只能由数字组成")
    first17 = text[:6] + "19" + text[6:]
    try:
        _dt.date(int(first17[6:10]), int(first17[10:12]), int(first17[12:14]))
    except ValueError:
        raise IdNumberOldFormatError(
            f"birth date 19{text[6:12]} in the 15-digit number is not a real date",
            f"15 位旧身份证号中的出生日期 19{text[6:12]} 不是有效日期，无法转换为 18 位") from None
    return first17 + check_char(first17)


_EXCEL_NUMBER = "身份证号被表格存成了数字，最后几位已丢失（Excel 只保留 15 位有效数字），请把该列设为文本后重新填写"


def from_cell(value) -> tuple[str, tuple[str, ...]]:
    """Read an ID number as a spreadsheet or CSV holds it; return ``(valid 18 characters, notes)``.

    Notes name what was repaired: ``"normalised"`` (spaces, full-width digits, lower-case x) and
    ``"converted_15"`` (a first-generation number upgraded with :func:`upgrade_15`).

    :raises IdNumberExcelNumberError: the cell is a number (or its text, such as ``1.10105E+17``) whose
        last digits a spreadsheet already turned into zeros: named as that, not as a checksum error
    :raises IdNumberError: any other failure, as :func:`parse_id`
    """
    if isinstance(value, str) and _is_plain(value) and not value.endswith("000"):   # the common case: 18 clean characters
        return _parse_cached(value)[0], ()
    if isinstance(value, bool) or value is None:
        raise IdNumberLengthError("ID number is empty", "身份证号为空")
    if isinstance(value, float) or (isinstance(value, int) and len(str(value)) > 15):
        raise IdNumberExcelNumberError("the ID number is stored as a number and has lost its last digits", _EXCEL_NUMBER)
    raw = str(value)
    text = normalise(raw)
    notes: list[str] = []
    if text != raw:
        notes.append("normalised")
    mantissa = text.replace(".", "", 1).replace("+", "")
    if "E" in text and mantissa.replace("E", "", 1).isdigit():
        raise IdNumberExcelNumberError("the ID number is in scientific notation: its last digits are lost", _EXCEL_NUMBER)
    if len(text) == 15 and text.isascii() and text.isdigit():
        text = upgrade_15(text)
        notes.append("converted_15")
    if len(text) == 18 and text.isascii() and text.isdigit() and text.endswith("000") and not is_valid(text):
        raise IdNumberExcelNumberError("the ID number ends in 000 and fails its check: a spreadsheet number", _EXCEL_NUMBER)
    normalised, _birth, _sex = parse_id(text)
    return normalised, tuple(notes)
