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

import importlib

# Names are loaded on first use (PEP 562): the vault needs only forms.idnumber and forms.interchange, and an
# eager import of the whole engine (YAML, rules, definitions) cost every process that opens a vault ~0.3 s.
_LAZY = {
    "Assessment": "forms.assessment", "assess": "forms.assessment",
    "FormDefinition": "forms.definition", "Option": "forms.definition", "Question": "forms.definition",
    "Section": "forms.definition",
    "available_versions": "forms.loader", "build_form": "forms.loader", "load_form": "forms.loader",
    "load_form_file": "forms.loader",
    "ERROR": "forms.problems", "WARNING": "forms.problems", "Problem": "forms.problems",
    "Reference": "forms.reference", "load_reference": "forms.reference", "reference_from_dict": "forms.reference",
    "Suggestion": "forms.rules.base",
    "has_errors": "forms.validation", "validate": "forms.validation",
}
_SUBMODULES = {"errors", "idnumber", "money"}

__all__ = [
    "load_form", "load_form_file", "build_form", "available_versions", "validate", "has_errors", "assess",
    "load_reference", "reference_from_dict",
    "FormDefinition", "Section", "Question", "Option", "Problem", "Assessment", "Suggestion", "Reference",
    "ERROR", "WARNING", "errors", "idnumber", "money",
]


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"forms.{name}")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'forms' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
