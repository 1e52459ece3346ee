"""Money as integer fen (分): reading yuan amounts, formatting, and half-up division.

Never floats: yuan text goes through ``Decimal`` and every division rounds half-up
explicitly (0.5 fen goes away from zero), so 1,000.00 yuan / 3 people = 333.33 yuan and
2,000.00 yuan / 3 people = 666.67 yuan.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from forms.errors import InvalidAmountError

__all__ = ["yuan_to_fen", "fen_to_yuan_str", "div_half_up", "mul_ratio_half_up", "parse_decimal_text"]

_FEN = Decimal("0.01")
_STRIP = re.compile(r"[\s,，]|元$|¥|￥")


def yuan_to_fen(value, *, allow_negative: bool = False) -> int:
    """Convert a yuan amount ("12.34", "1,200", "１２.３", 12, Decimal) to integer fen.

    :param value: text as typed (full-width digits, thousands commas and a trailing 元
        are accepted), an int, or a Decimal. Floats are refused: they are not exact.
    :param allow_negative: accept amounts below zero (adjustments); entries are never negative.
    :raises InvalidAmountError: not a number, more than two decimals, or negative.
    """
    if isinstance(value, bool) or isinstance(value, float):
        raise InvalidAmountError(
            f"amount must be text, int or Decimal, not {type(value).__name__}",
            "金额必须按文字输入（例如 12.34）",
        )
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, Decimal):
        amount = value
    elif isinstance(value, str):
        text = _STRIP.sub("", unicodedata.normalize("NFKC", value).strip())
        if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
            raise InvalidAmountError(f"not an amount in yuan: {value!r}", f"“{value}”不是金额，请输入数字，例如 12.34")
        try:
            amount = Decimal(text)
        except InvalidOperation as exc:  # pragma: no cover - the regex above already rules this out
            raise InvalidAmountError(f"not an amount in yuan: {value!r}", "金额格式不对") from exc
    else:
        raise InvalidAmountError(f"cannot read an amount from {type(value).__name__}", "金额格式不对")
    if not amount.is_finite():
        raise InvalidAmountError(f"not a finite amount: {value!r}", "金额格式不对")
    if amount != amount.quantize(_FEN):
        raise InvalidAmountError(f"more than two decimals (fen): {value!r}", "金额最多保留两位小数（到分）")
    if amount < 0 and not allow_negative:
        raise InvalidAmountError(f"amount is negative: {value!r}", "金额不能为负数")
    return int(amount * 100)


def fen_to_yuan_str(fen: int, *, thousands: bool = False) -> str:
    """Format integer fen as yuan with exactly two decimals: 1234 → "12.34", -5 → "-0.05"."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError(f"fen must be int, got {type(fen).__name__}")
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    whole = f"{yuan:,}" if thousands else str(yuan)
    return f"{sign}{whole}.{cents:02d}"


def div_half_up(numerator: int, denominator: int) -> int:
    """Integer division rounded half-up (halves away from zero): 5/2 → 3, -5/2 → -3, 7/3 → 2."""
    if denominator == 0:
        raise ZeroDivisionError("division by zero")
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    quotient, remainder = divmod(abs(numerator), denominator)
    if 2 * remainder >= denominator:
        quotient += 1
    return quotient if numerator >= 0 else -quotient


def mul_ratio_half_up(fen: int, numerator: int, denominator: int) -> int:
    """``fen × numerator / denominator`` rounded half-up, exact (e.g. 1.5·S = mul_ratio_half_up(S, 3, 2))."""
    return div_half_up(fen * numerator, denominator)


def parse_decimal_text(value: str) -> Decimal:
    """Read a non-negative decimal written as text ("2.5" mu of land), full-width digits allowed."""
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not re.fullmatch(r"\d+(\.\d+)?", text):
        raise InvalidAmountError(f"not a decimal number: {value!r}", f"“{value}”不是数字，例如 2.5")
    return Decimal(text)
