"""A model's answer checked against the shape of the JSON schema it was asked for.

Models without schema support wrap JSON in prose or code fences, and models
with it still truncate or ignore keywords, so every answer is read here and
its shape checked: ``type``, ``properties``, ``required`` and ``items``,
``minItems``. The first problem becomes the message the model is shown when
it is asked again. ``enum``, ``maxItems`` and ``additionalProperties`` only
guide the model: what breaks them (a term it invented, one group too many)
is for the caller to repair, not a reason to ask again.
"""

from __future__ import annotations

import json
from typing import Any


class Invalid(ValueError):
    """The answer is not what was asked for; the message says where and why."""


_TYPES: dict[str, Any] = {
    "object": dict,
    "array": list,
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
}


def parse_json(text: str) -> Any:
    """The JSON object in ``text``: the whole text, else the first ``{...}`` that parses (prose, code fences)."""
    text = (text or "").strip()
    if not text:
        raise Invalid("the answer was empty; answer with one JSON object")
    try:
        return json.loads(text)
    except ValueError:
        pass
    decoder = json.JSONDecoder()
    start = text.find("{")
    while start >= 0:
        try:
            value, _ = decoder.raw_decode(text, start)
            return value
        except ValueError:
            start = text.find("{", start + 1)
    raise Invalid(f"the answer is not JSON: {_shorten(text)}")


def check(value: Any, schema: dict, where: str = "$") -> None:
    """Raise :class:`Invalid` at the first place ``value`` breaks ``schema``."""
    kind = schema.get("type")
    if kind is not None:
        wanted = _TYPES[kind]
        if (isinstance(value, bool) and kind != "boolean") or not isinstance(value, wanted):
            raise Invalid(f"{where}: expected {kind}, got {_name(value)}")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        for key in schema.get("required", ()):
            if key not in value:
                raise Invalid(f"{where}: missing {key!r}")
        for key, item in value.items():
            if key in properties:
                check(item, properties[key], f"{where}.{key}")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            raise Invalid(f"{where}: at least {schema['minItems']} entries expected, got {len(value)}")
        if "items" in schema:
            for index, item in enumerate(value):
                check(item, schema["items"], f"{where}[{index}]")


def read(text: str, schema: dict) -> Any:
    """:func:`parse_json` then :func:`check`: the answer as data, or :class:`Invalid`."""
    value = parse_json(text)
    check(value, schema)
    return value


def _name(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), type(value).__name__
    )


def _shorten(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
