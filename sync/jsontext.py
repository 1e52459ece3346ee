"""Python value ↔ compact JSON text for the county server's stored columns, on orjson's C encoder.

A push stores every change and record as JSON text (``changes.fields``, ``records.fields``,
``records.field_revs``); with the standard library's encoder that was about a quarter of the
server's CPU per push (docs/benchmarks.md, "Sync"). orjson writes the same compact text
(``separators=(",", ":")``, non-ASCII as itself, like ``ensure_ascii=False``), several times
faster. What orjson refuses and the standard library takes — integers beyond 64 bits, a string
holding a lone surrogate, non-string keys — falls back to the standard library, so every value
stored before is still stored the same way; a non-finite float is written as ``null`` (what the
server's answers already said of it). Floats are written in their shortest form, as ``json`` does
(only an exponent's zero padding differs: ``1e-7``, not ``1e-07``). Reading stays on ``json.loads``:
orjson reads an integer beyond 64 bits as a float, which would change a stored value.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

__all__ = ["dumps"]


def dumps(value: Any) -> str:
    """Compact JSON text of *value* (the same text as ``json.dumps(value, ensure_ascii=False, separators=(",", ":"))``)."""
    try:
        return orjson.dumps(value).decode("utf-8")
    except TypeError:   # orjson.JSONEncodeError: a big integer, a lone surrogate, a non-string key
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

