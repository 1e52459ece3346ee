"""The form engine: versioned form definitions, validation, skip logic, calculations and rules R1–R12.

Pure Python: imports nothing of ours, no Qt, no database. Public API::

    load_form(form_id, version=None) -> FormDefinition
    validate(visit_dict, form=None, reference=None, lang="zh") -> list[Problem]
    assess(visit_dict, reference, on_date=None, temp_amount_fen=None) -> Assessment
    load_reference(path=None) -> Reference            # None = the labelled demo set
    build_form(document) / reference_from_dict(document)  # check a parsed document (server publishing)
    forms.idnumber.parse_id(s) / mask(s)
    forms.money.yuan_to_fen("12.34") / fen_to_yuan_str(1234)
"""

from forms import errors, idnumber, money
from forms.assessment import Assessment, assess
from forms.definition import FormDefinition, Option, Question, Section
from forms.loader import available_versions, build_form, load_form, load_form_file
from forms.problems import ERROR, WARNING, Problem
from forms.reference import Reference, load_reference, reference_from_dict
from forms.rules.base import Suggestion
from forms.validation import has_errors, validate

__all__ = [
    "load_form", "load_form_file", "build_form", "available_versions", "validate", "has_errors", "assess",
    "load_reference", "reference_from_dict",
    "FormDefinition", "Section", "Question", "Option", "Problem", "Assessment", "Suggestion", "Reference",
    "ERROR", "WARNING", "errors", "idnumber", "money",
]
