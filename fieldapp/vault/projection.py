"""Pure helpers: which answers belong to the household, and the light columns the UI lists and searches."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from forms.idnumber import mask

# Answers that belong to one visit, not to the household's current state (docs/architecture.md).
VISIT_SCOPED = frozenset({"visit_date", "visit_time", "visitors", "representative", "remarks", "temp_assistance_request_fen"})
RESOLVED_DISPOSITIONS = frozenset({"resolved_on_site", "resolved"})
CATEGORY_CODES = (
    "dibao_a", "dibao_b", "tekun_institutional", "tekun_home", "orphan", "unsupported_child", "low_income",
    "disabled_hardship", "elderly_hardship", "poverty_alleviated", "monitored", "other_difficulty",
)
VISIT_STATUSES = ("none", "draft", "final")


def sql_text(value) -> str | None:
    """A value as text for an index column: data synced from elsewhere may carry any JSON type."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def household_fields(answers: dict) -> dict:
    """The household-scoped part of a visit's answers (one field per top-level answer id)."""
    return {k: v for k, v in answers.items() if k not in VISIT_SCOPED}


def members_of(fields: dict) -> list[dict]:
    """The members list of a household's fields (empty if absent or malformed)."""
    members = fields.get("members")
    return [m for m in members if isinstance(m, dict)] if isinstance(members, list) else []


def head_of(members: list[dict]) -> dict:
    """The member whose relation is head, else the first member, else an empty dict."""
    for m in members:
        if m.get("relation") == "head":
            return m
    return members[0] if members else {}


def open_needs(fields: dict) -> int:
    """Needs not yet resolved (referred and pending ones stay open)."""
    needs = fields.get("needs")
    if not isinstance(needs, list):
        return 0
    return sum(1 for n in needs if isinstance(n, dict) and sql_text(n.get("disposition")) not in RESOLVED_DISPOSITIONS)


DATA_FLAGS = ("child_protection",)   # flags the stored data shows by itself (not the rules' assessment)


def derived_flags(fields: dict) -> list[str]:
    """Flags visible from the stored data itself: a minor with child-protection flags."""
    flags = []
    if any(m.get("child_flags") for m in members_of(fields)):
        flags.append("child_protection")
    return flags


@dataclass
class Projection:
    """The searchable, listable columns of one household."""

    village_code: str | None
    area_type: str | None
    address: str
    head_name: str
    head_id_masked: str
    categories: list[str]
    open_needs: int
    flags: list[str]
    members: list[dict]
    needs: list[dict]
    names_text: str
    id_numbers_text: str


def project(fields: dict, extra_flags: list[str] | None = None) -> Projection:
    """Compute the household list/search columns from the household's fields."""
    members = members_of(fields)
    head = head_of(members)
    cats = fields.get("categories") or []  # only text codes are kept
    cats = sorted({c for c in cats if isinstance(c, str)}) if isinstance(cats, list) else []
    flags = sorted(set(derived_flags(fields)) | set(extra_flags or []))
    names = [sql_text(m.get("name")) for m in members if m.get("name")]
    ids = [sql_text(m.get("id_number")).upper() for m in members if m.get("id_number")]
    return Projection(
        village_code=sql_text(fields.get("village_code")), area_type=sql_text(fields.get("area_type")),
        address=sql_text(fields.get("address") or ""), head_name=sql_text(head.get("name") or ""),
        head_id_masked=mask(sql_text(head.get("id_number"))), categories=cats,
        open_needs=open_needs(fields), flags=flags, members=members,
        needs=[n for n in fields.get("needs") or [] if isinstance(n, dict)] if isinstance(fields.get("needs"), list) else [],
        names_text=" ".join(names), id_numbers_text=" ".join(ids),
    )


def spaced_chars(text: str) -> str:
    """One token per character for the per-character index ("王芳 李" -> "王 芳 李")."""
    return " ".join(ch for ch in text if not ch.isspace())


_QUOTE = re.compile(r'"')


def fts_phrase(text: str) -> str:
    """A single FTS5 phrase literal for *text* (double quotes doubled, never raw query syntax)."""
    return '"' + _QUOTE.sub('""', text) + '"'
