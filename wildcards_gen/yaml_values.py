"""Values of loaded YAML checked by kind, and where each came from, whatever mapping type holds them.

The YAML reader hands validators round-trip data whose mappings may be any
:class:`~collections.abc.Mapping`: a ``CommentedMap`` (maybe with keys merged in
by ``<<: *anchor``, which have no position of their own), an ordered map from
``!!omap`` (no positions at all) or a plain ``dict``. Validators ask here where a
key is (falling back to the merge source, then to the enclosing node) and what
kind of value they got, so a wrong type is a one-line error naming FILE:LINE,
never a ``KeyError`` or ``TypeError`` from a position lookup.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Set
from typing import Any, TypeGuard


def _pair(found: Any) -> tuple[int, int] | None:
    if isinstance(found, tuple) and len(found) == 2 and all(isinstance(n, int) for n in found):
        return found[0] + 1, found[1] + 1
    return None


def _merged_sources(mapping: Any) -> list:
    """The mappings ``<<:`` merged into ``mapping`` (ruamel keeps them on the map)."""
    try:
        merged = list(getattr(mapping, "merge", None) or ())
    except TypeError:
        return []
    return [m[-1] if isinstance(m, tuple) else m for m in merged]


def _lookup(mapping: Any, key: Any, value: bool) -> tuple[int, int] | None:
    for source in [mapping, *_merged_sources(mapping)]:
        lc = getattr(source, "lc", None)
        try:
            found = _pair(lc.value(key) if value else lc.key(key)) if lc is not None else None
        except (KeyError, TypeError, IndexError, AttributeError):
            found = None
        if found is not None:
            return found
    return None


def node_position(node: Any) -> tuple[int, int] | None:
    """``(line, column)``, 1-based, where a mapping or list starts; None when unknown."""
    lc = getattr(node, "lc", None)
    line, col = getattr(lc, "line", None), getattr(lc, "col", None)
    if isinstance(line, int) and isinstance(col, int):
        return line + 1, col + 1
    return None


def key_position(mapping: Any, key: Any) -> tuple[int, int] | None:
    """Where ``key`` of ``mapping`` is written (its merge source for a merged key), else the mapping."""
    return _lookup(mapping, key, value=False) or node_position(mapping)


def value_position(mapping: Any, key: Any) -> tuple[int, int] | None:
    """Where the value of ``key`` is written; falls back like :func:`key_position`."""
    return _lookup(mapping, key, value=True) or key_position(mapping, key)


def item_position(seq: Any, index: int) -> tuple[int, int] | None:
    """Where item ``index`` of a list is written, else the list."""
    lc = getattr(seq, "lc", None)
    try:
        found = _pair(lc.item(index)) if lc is not None else None
    except (KeyError, TypeError, IndexError, AttributeError):
        found = None
    return found or node_position(seq)


def line(position: tuple[int, int] | None, default: int = 1) -> int:
    return position[0] if position else default


def is_mapping(value: Any) -> TypeGuard[Mapping]:
    return isinstance(value, Mapping)


def is_list(value: Any) -> TypeGuard[list]:
    return isinstance(value, list)


def is_bool(value: Any) -> bool:
    from ruamel.yaml.scalarbool import ScalarBoolean

    return isinstance(value, (bool, ScalarBoolean))


def is_scalar(value: Any) -> bool:
    """Text, a number or true/false (not a date, binary data, a tagged value, a list or a mapping)."""
    return is_bool(value) or isinstance(value, (str, int, float))


def text_problem(value: Any) -> str | None:
    """Why a string from YAML is not text that can be printed or used (a lone surrogate from an escape)."""
    if isinstance(value, str):
        for char in value:
            if "\ud800" <= char <= "\udfff":
                return f"contains {char!r}, half of a surrogate pair, which is not a character"
    return None


def plain(value: Any) -> Any:
    """A scalar as the builtin type it stands for (ruamel's ``ScalarBoolean`` is an ``int``)."""
    if is_bool(value):
        return bool(value)
    for kind in (int, float, str):
        if isinstance(value, kind):
            return kind(value)
    return value


def kind(value: Any) -> str:
    """What a value is, in words, for an error message."""
    if value is None:
        return "nothing (null)"
    if is_bool(value):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if is_mapping(value):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return "a date (quote it to mean text)"
    if isinstance(value, (bytes, bytearray)):
        return "binary data"
    if isinstance(value, Set):
        return "a set"
    tag = getattr(value, "tag", None)
    if tag is not None:
        return f"a value tagged {getattr(tag, 'value', tag)}"
    return f"a {type(value).__name__}"
