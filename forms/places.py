"""Statistical division codes (统计用区划代码): the one place that knows how a code nests.

A village is identified by 12 digits: the 6-digit county code (GB/T 2260), 3 digits of its
township and 3 of the village. Every package asks here for the county or township of a village
instead of slicing the code itself.
"""

from __future__ import annotations

__all__ = ["COUNTY_DIGITS", "TOWNSHIP_DIGITS", "VILLAGE_DIGITS", "is_village_code", "county_of", "township_of",
           "level_of"]

COUNTY_DIGITS = 6
TOWNSHIP_DIGITS = 9
VILLAGE_DIGITS = 12


def is_village_code(code: object) -> bool:
    """True when *code* is a 12-digit village code (ASCII digits only)."""
    return isinstance(code, str) and len(code) == VILLAGE_DIGITS and code.isascii() and code.isdigit()


def county_of(code: str) -> str:
    """The 6-digit county code of a township or village code ("510123104001" → "510123")."""
    return code[:COUNTY_DIGITS]


def township_of(code: str) -> str:
    """The 9-digit township code of a village code ("510123104001" → "510123104")."""
    return code[:TOWNSHIP_DIGITS]


def level_of(code: str) -> str | None:
    """"county", "township" or "village" by the length of an all-digit *code*; None otherwise."""
    if not (isinstance(code, str) and code.isascii() and code.isdigit()):
        return None
    return {COUNTY_DIGITS: "county", TOWNSHIP_DIGITS: "township", VILLAGE_DIGITS: "village"}.get(len(code))
