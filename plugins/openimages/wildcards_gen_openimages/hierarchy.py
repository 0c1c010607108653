"""The boxable hierarchy: ``bbox_labels_600_hierarchy.json`` parsed and checked.

The file is one nested object: ``LabelName`` (an id such as ``/m/0bt9lr``), and
optionally ``Subcategory`` (the kinds of the class) and ``Part`` (its parts),
each a list of such objects. A class under several parents is written out in
full under each (Bicycle under Sports equipment and Land vehicle); the
children of an id are the union of what its occurrences list, so the tree is
the same whichever occurrence the walk comes through. Every problem is a
:class:`DataError` reading ``FILE: $.Subcategory[3].Part[0]: what is wrong``.
"""

from __future__ import annotations

import json
from typing import NamedTuple

from wildcards_gen import DataError
from wildcards_gen_openimages.descriptions import ID

KEYS = ("LabelName", "Subcategory", "Part")


class Hierarchy(NamedTuple):
    """Kinds and parts of each id, in file order; ``where`` is each id's first JSON path."""

    root: str
    kinds: dict[str, tuple[str, ...]]
    parts: dict[str, tuple[str, ...]]
    where: dict[str, str]

    def children(self, label: str) -> tuple[str, ...]:
        return self.kinds.get(label, ()) + self.parts.get(label, ())


def parse(data: bytes, path, bounds: tuple[int, int] | None = None) -> Hierarchy:
    """Read and check the whole file; ``bounds`` (low, high) checks the number of distinct ids."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataError(f"{path}:{line}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:
        tree = json.loads(text[1:] if text.startswith("\ufeff") else text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg})") from None
    except RecursionError:
        raise DataError(f"{path}: nested too deeply to be the Open Images hierarchy") from None
    kinds: dict[str, list[str]] = {}
    parts: dict[str, list[str]] = {}
    where: dict[str, str] = {}
    root = _label(tree, "$", path)
    stack: list[tuple[dict, str, tuple[str, ...]]] = [(tree, "$", ())]
    while stack:
        node, at, above = stack.pop()
        label = node["LabelName"]
        if label in above:
            raise DataError(f"{path}: {at}: {label} is its own ancestor (a class inside itself)")
        where.setdefault(label, at)
        pending = []
        for key, into in (("Subcategory", kinds), ("Part", parts)):
            if key not in node:
                continue
            children = node[key]
            if not isinstance(children, list):
                raise DataError(f"{path}: {at}.{key}: expected a list of classes, found {_kind(children)}")
            known = into.setdefault(label, [])
            for index, child in enumerate(children):
                child_at = f"{at}.{key}[{index}]"
                child_label = _label(child, child_at, path)
                if child_label not in known:
                    known.append(child_label)
                pending.append((child, child_at, (*above, label)))
        stack.extend(reversed(pending))  # depth first in file order: the first path of an id is its first in the file
    if bounds is not None and not bounds[0] <= len(where) <= bounds[1]:
        raise DataError(f"{path}: {len(where)} classes, expected {bounds[0]:,} to {bounds[1]:,}")
    return Hierarchy(
        root,
        {k: tuple(v) for k, v in kinds.items() if v},
        {k: tuple(v) for k, v in parts.items() if v},
        where,
    )


def _label(node, at: str, path) -> str:
    """The node's checked ``LabelName``; its keys checked too."""
    if not isinstance(node, dict):
        raise DataError(f"{path}: {at}: expected an object with a LabelName, found {_kind(node)}")
    extra = [k for k in node if k not in KEYS]
    if extra:
        raise DataError(f"{path}: {at}: unexpected key {extra[0]!r} (a class has {', '.join(KEYS)})")
    label = node.get("LabelName")
    if not isinstance(label, str):
        found = "none" if label is None else _kind(label)
        raise DataError(f"{path}: {at}.LabelName: expected an id like /m/0bt9lr, found {found}")
    if not ID.match(label):
        raise DataError(f"{path}: {at}.LabelName: {label[:40]!r} is not an id like /m/0bt9lr")
    return label


def _kind(value) -> str:
    if isinstance(value, str):
        return f"the string {value[:30]!r}"
    return {dict: "an object", list: "a list", bool: "a boolean", type(None): "null"}.get(type(value), "a number")
