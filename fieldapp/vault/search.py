"""Searching households: Chinese substrings of any length, ID numbers, and list filters."""

from __future__ import annotations

import unicodedata

from .projection import fts_phrase, spaced_chars
from .records import _ROW_SELECT


def text_clause(text: str) -> tuple[str, list]:
    """SQL condition (on ``h``) and parameters matching *text* as a substring of names, address or ID numbers.

    Three or more characters use the trigram index; one or two characters (a two-character
    name such as 王芳, a surname alone) use the per-character index as a phrase query.
    A full 18-character ID number also matches exactly through the members index.
    """
    text = " ".join(clean_query(text).split())
    if len(text) == 18 and _looks_like_id(text):
        # A whole ID number: exact match through the members index (cheaper than 16 trigrams).
        return "h.rowid IN (SELECT household FROM members WHERE id_number = ?)", [text.upper()]
    if len(text.replace(" ", "")) >= 3:
        return (
            "h.rowid IN (SELECT rowid FROM household_fts WHERE household_fts MATCH ?)",
            [fts_phrase(text.upper() if _looks_like_id(text) else text)],
        )
    return (
        "h.rowid IN (SELECT rowid FROM household_chars WHERE household_chars MATCH ?)",
        [fts_phrase(spaced_chars(text))],
    )


def clean_query(text: str) -> str:
    """Drop control, format and private-use characters (a NUL would end the FTS5 query string early)."""
    return "".join(ch for ch in text if not unicodedata.category(ch).startswith("C"))


def _looks_like_id(text: str) -> bool:
    return text[:-1].isdigit() and (text[-1].isdigit() or text[-1] in "xX")


class SearchMixin:
    """Household search of :class:`fieldapp.vault.Vault`."""

    def search_households(self, text: str | None = None, *, village: str | None = None, category: str | None = None,
                          status: str | None = None, review_due: str | None = None, open_needs: bool | None = None,
                          flag: str | None = None, limit: int = 200, offset: int = 0) -> list[tuple]:
        """Households matching every given filter, as ``household_rows()`` tuples, in list order.

        :param text: substring of a member's name, the address or an ID number (any length ≥ 1)
        :param village: 12-digit village code
        :param category: one category code (e.g. ``dibao_a``)
        :param status: visit status ``none`` | ``draft`` | ``final``
        :param review_due: ISO date: households whose next review is due on or before it
        :param open_needs: True → at least one open need; False → none
        :param flag: a list flag such as ``child_protection``
        """
        where: list[str] = []
        params: list = []
        if text and clean_query(text).strip():
            clause, p = text_clause(text)
            where.append(clause)
            params += p
        if village:
            where.append("h.village_code = ?")
            params.append(village)
        if category:
            where.append("h.rowid IN (SELECT household FROM household_categories WHERE category = ?)")
            params.append(category)
        if status:
            where.append("h.visit_status = ?")
            params.append(status)
        if review_due:
            where.append("h.review_due <= ?")
            params.append(review_due)
        if open_needs is True:
            where.append("h.open_needs > 0")
        elif open_needs is False:
            where.append("h.open_needs = 0")
        if flag:
            where.append("h.rowid IN (SELECT household FROM household_flags WHERE flag = ?)")
            params.append(flag)
        sql = _ROW_SELECT + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY h.rowid LIMIT ? OFFSET ?"
        params += [int(limit), int(offset)]
        with self._session() as db:
            return db.execute(sql, params).fetchall()
