"""Checks on published documents before devices receive them (with the forms engine when installed)."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from sync import errors


def check_document(kind: str, name: str, content: object) -> None:
    """Refuse a reference document or form version the laptops could not use."""
    if not isinstance(content, dict) or not name:
        raise errors.InvalidDocument("a document is a named mapping")
    import forms.loader
    import forms.reference
    from forms.errors import FormsError

    with tempfile.TemporaryDirectory() as tmp:
        try:
            if kind == "form":
                _check_form(forms.loader, Path(tmp), content)
            elif kind == "reference":
                path = Path(tmp) / f"{name}.json"
                path.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
                forms.reference.load_reference(path)
        except (FormsError, OSError) as exc:   # the forms engine's named errors list every problem
            raise errors.InvalidDocument(f"{type(exc).__name__}: {exc}"[:500]) from None


def _check_form(loader, folder: Path, content: dict) -> None:
    """Load the new version next to the shipped ones, so it is also checked against earlier versions."""
    form_id, version = content.get("form_id"), content.get("version")
    if not isinstance(form_id, str) or not isinstance(version, int) or not form_id.isidentifier():
        raise errors.InvalidDocument("a form definition needs form_id (identifier) and integer version")
    for shipped in loader.DEFINITIONS_DIR.glob("*.yaml"):
        shutil.copy(shipped, folder / shipped.name)
    (folder / f"{form_id}.v{version}.yaml").write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    loader.load_form(form_id, version, definitions_dir=folder)
