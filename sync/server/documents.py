"""Checks on published documents before devices receive them."""

from __future__ import annotations

from sync import errors


def check_document(kind: str, name: str, content: object) -> None:
    """Refuse a document the laptops could not use (uses the forms engine when it is installed)."""
    if not isinstance(content, dict) or not name:
        raise errors.InvalidDocument("a document is a named mapping")
    try:
        import forms
    except ImportError:   # forms is a sibling package; a bare server install may lack it
        return
    try:
        if kind == "form" and hasattr(forms, "load_form"):
            _check_with(forms.load_form, content)
        elif kind == "reference" and hasattr(forms, "load_reference"):
            _check_with(forms.load_reference, content)
    except errors.SyncError:
        raise
    except Exception as exc:   # the forms engine's own named errors; their text says what is wrong
        raise errors.InvalidDocument(f"{type(exc).__name__}: {exc}"[:300]) from None


def _check_with(loader, content: dict) -> None:
    import json
    import tempfile
    from pathlib import Path

    try:
        loader(content)
        return
    except TypeError:
        pass
    with tempfile.TemporaryDirectory() as tmp:   # loaders that take a path
        path = Path(tmp) / "document.json"
        path.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
        loader(path)
