"""The ``categories`` of a COCO-format annotation file (``--annotations FILE``).

Custom datasets are often exported in COCO's format (Roboflow, CVAT, Label Studio), so any
such file can stand in for the built-in table. The file is read like every input the tool
takes (a regular file, at most ``$WILDCARDS_GEN_MAX_INPUT_MB``); ``categories`` must be a
list of objects with an integer ``id``, a string ``name`` and optionally a string
``supercategory``. Every problem is one line naming the file and the place in it
(``ann.json: categories[3].name: expected a string, found a number``), before anything is
written. Images and annotations in the file are ignored.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from wildcards_gen import DataError, UsageError
from wildcards_gen.yaml_input import read_bytes
from wildcards_gen_coco.table import Category

WHAT = "COCO annotations file"
MAX_NAME = 200  # characters; COCO's longest name is 16
NO_SUPERCATEGORY = ("", "none")  # Roboflow writes "none" for its dataset-level entry


def read(path: str | Path) -> list[Category]:
    """The file's categories in file order; DataError (or UsageError for an unreadable file) otherwise."""
    if Path(path).is_dir():  # read_bytes would open it and fail on the first read
        raise UsageError(f"{path}: the {WHAT} is a folder; give a regular file")
    data = read_bytes(path, WHAT)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: the {WHAT} is not UTF-8 text (byte {exc.start})") from None
    try:
        document = json.loads(text.removeprefix("\ufeff"))
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None
    except (RecursionError, ValueError) as exc:  # nesting too deep; an integer of thousands of digits
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc).split(";")[0]
        raise DataError(f"{path}: not valid JSON for this reader: {reason}") from None
    return categories(document, str(path))


def categories(document: Any, source: str) -> list[Category]:
    """The checked categories of a parsed COCO document."""
    if not isinstance(document, dict):
        raise DataError(f"{source}: expected a JSON object with a 'categories' list, found {_kind(document)}")
    if "categories" not in document:
        raise DataError(f"{source}: categories: missing; a COCO file lists its classes there")
    entries = document["categories"]
    if not isinstance(entries, list):
        raise DataError(f"{source}: categories: expected a list, found {_kind(entries)}")
    if not entries:
        raise DataError(f"{source}: categories: empty; there is nothing to write")
    out: list[Category] = []
    first_id: dict[int, int] = {}
    first_name: dict[tuple, int] = {}
    for index, entry in enumerate(entries):
        where = f"{source}: categories[{index}]"
        if not isinstance(entry, dict):
            raise DataError(f"{where}: expected an object, found {_kind(entry)}")
        ident = entry.get("id")
        if "id" not in entry:
            raise DataError(f"{where}.id: missing")
        if not isinstance(ident, int) or isinstance(ident, bool):
            raise DataError(f"{where}.id: expected an integer, found {_kind(ident)}")
        if "name" not in entry:
            raise DataError(f"{where}.name: missing")
        name = _string(entry["name"], f"{where}.name")
        if not name:
            raise DataError(f"{where}.name: empty")
        raw = entry.get("supercategory")
        supercategory = None if raw is None else _string(raw, f"{where}.supercategory")
        if supercategory is not None and supercategory.casefold() in NO_SUPERCATEGORY:
            supercategory = None
        if ident in first_id:
            raise DataError(f"{where}.id: {ident} is also the id of categories[{first_id[ident]}]")
        first_id[ident] = index
        key = (name.casefold(), (supercategory or "").casefold())
        if key in first_name:
            under = f" under {supercategory!r}" if supercategory else ""
            raise DataError(f"{where}.name: {name!r}{under} is also categories[{first_name[key]}]")
        first_name[key] = index
        out.append(Category(ident, name, supercategory))
    return out


def _string(value: Any, where: str) -> str:
    """A string field, stripped and with single spaces."""
    if not isinstance(value, str):
        raise DataError(f"{where}: expected a string, found {_kind(value)}")
    text = " ".join(value.split())
    if len(text) > MAX_NAME:
        raise DataError(f"{where}: longer than {MAX_NAME} characters")
    return text


def _kind(value: Any) -> str:
    """What a JSON value is, for a message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"
