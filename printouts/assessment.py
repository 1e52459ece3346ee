"""The one place printouts asks ``forms`` to assess a visit (rules R1–R12 live only in forms)."""

from __future__ import annotations

from typing import Any, Mapping


def assess_visit(visit: Mapping[str, Any], ctx) -> Any:
    """``forms.assess`` of *visit* with the context's reference data (an ``Assessment``)."""
    from forms import assess

    form = None
    if getattr(ctx, "forms_dir", None) is not None:   # a county-published version is not among the shipped ones
        form = ctx.form(str(visit.get("form_id") or "four_clarifications"), int(visit.get("form_version") or 1))
    return assess(dict(visit), ctx.reference, form=form)
