"""What the server checks in a pushed change beyond the protocol's shape (``sync.protocol.Change``).

A visit change carries the visit record's fields. Their names and types are checked, and the
answers of a final visit are checked against the interchange schema's ``answers``. The laptop
only marks a visit final after validating it, so a final visit that does not fit can only come
from a broken or hostile client. Drafts may hold half-typed answers and are not checked deeper.
"""

from __future__ import annotations

from forms.grain import calculated_paths, shipped_grain
from sync import errors
from sync.jsontext import dumps
from sync.protocol import MAX_FIELDS_CHARS
from sync.server.limits import MAX_JSON_DEPTH, json_depth_exceeds

VISIT_FIELDS = frozenset({"household_id", "form_id", "form_version", "status", "answers",
                          "amends"})   # amends: the returned visit an amendment replaces (review)
MAX_PROBLEMS = 5
ROSTER_FIELD = "roster"   # written only by the roster import (sync.server.roster_import), never by a device


def visit_change_problems(change: dict) -> list[str]:
    """Why a pushed visit change cannot be stored (empty: it can)."""
    fields = change["fields"]
    problems = [f"unknown visit field {name!r}" for name in sorted(set(fields) - VISIT_FIELDS)]
    if "status" in fields and fields["status"] not in ("draft", "final"):
        problems.append("status must be draft or final")
    if "form_version" in fields and (not isinstance(fields["form_version"], int) or isinstance(fields["form_version"], bool)):
        problems.append("form_version must be an integer")
    if "form_id" in fields and not isinstance(fields["form_id"], str):
        problems.append("form_id must be text")
    if "household_id" in fields and fields["household_id"] != change["household_id"]:
        problems.append("household_id differs from the change's household")
    if "amends" in fields and not (fields["amends"] is None or (isinstance(fields["amends"], str)
                                                              and 0 < len(fields["amends"]) <= 64)):
        problems.append("amends must be a visit id")
    if "answers" in fields:
        if not isinstance(fields["answers"], dict):
            problems.append("answers must be an object")
        elif fields.get("status") == "final":
            from forms.interchange import answers_problems

            problems += [f"answers.{p}" for p in answers_problems(fields["answers"])]
    return problems[:MAX_PROBLEMS]


def calculated_problems(change: dict) -> list[str]:
    """Calculated answers in a change: only typed answers are synced (docs/sync.md "Merge")."""
    fields, grain = change["fields"], shipped_grain()
    if change["entity"] == "visit":
        answers = fields.get("answers")
        found = [f"answers.{p}" for p in calculated_paths(answers, grain)] if isinstance(answers, dict) else []
    else:
        found = calculated_paths(fields, grain)
    return [f"calculated answer {p} must not be synced" for p in found[:MAX_PROBLEMS]]


def check_changes(changes: list[dict]) -> None:
    """Refuse the whole batch (push or USB bundle) if one change cannot be stored.

    A visit change must have the visit record's shape; no change may carry a calculated answer.

    :raises errors.ChangeInvalid: naming the change's place in the batch, its id and the first problems
    """
    for i, change in enumerate(changes):
        if json_depth_exceeds(change["fields"]):   # stored, it would break every later pull of its area
            raise errors.ChangeInvalid(f"change {i + 1} ({change['change_id']}): fields nested deeper than {MAX_JSON_DEPTH} levels")
        if len(dumps(change["fields"])) > MAX_FIELDS_CHARS:   # stored, every laptop of its area would hold it
            raise errors.ChangeInvalid(f"change {i + 1} ({change['change_id']}): fields longer than {MAX_FIELDS_CHARS} characters")
        problems = calculated_problems(change)
        if change["entity"] == "visit":
            problems += visit_change_problems(change)
        if problems:
            raise errors.ChangeInvalid(f"change {i + 1} ({change['change_id']}): " + "; ".join(problems[:MAX_PROBLEMS]))
        if change["entity"] == "household" and ROSTER_FIELD in change["fields"]:
            # Only the county's roster import says who is a target: a laptop can neither add nor close one.
            raise errors.ChangeInvalid(f"change {i + 1} ({change['change_id']}): the roster field is the county's")


def warm_up() -> None:
    """Build the answers validator and load the form's grain now (about 0.4 s, once), not during the first push."""
    from forms.grain import shipped_grain
    from forms.interchange import answers_problems

    answers_problems({})
    shipped_grain()
