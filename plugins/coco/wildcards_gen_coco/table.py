"""The COCO categories shipped with the plugin: 80 things and 91 stuff classes, with their supercategories.

``data/categories.tsv`` holds only the ``categories`` metadata of the COCO 2017 and COCO-Stuff
annotation files (their source and CC BY 4.0 licence are in its header), so a run needs no
download of the 241 MB annotation archive. Read once per process; a damaged copy is a
one-line error naming its line.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import NamedTuple

from wildcards_gen import DataError

FILE = "data/categories.tsv"
COLUMNS = ("id", "kind", "supercategory", "name")
KINDS = ("thing", "stuff")


class Category(NamedTuple):
    """One COCO category: its dataset id, name and supercategory (None: none given).

    ``branch`` is the key it is filed under above its supercategory (``stuff`` for
    COCO-Stuff's classes), or None for a top-level supercategory.
    """

    id: int
    name: str
    supercategory: str | None
    branch: str | None = None


def parse(text: str, source: str = FILE) -> list[tuple[str, Category]]:
    """``(kind, category)`` per row of the table, checked: four columns, integer ids, no id twice."""
    rows: list[tuple[str, Category]] = []
    seen: dict[int, int] = {}
    header = False
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.startswith("#"):
            continue
        fields = raw.split("\t")
        if not header:
            if tuple(fields) != COLUMNS:
                raise DataError(f"{source}:{line}: expected the header {'<TAB>'.join(COLUMNS)}")
            header = True
            continue
        if len(fields) != len(COLUMNS) or not all(f.strip() for f in fields):
            raise DataError(f"{source}:{line}: expected {len(COLUMNS)} tab-separated columns, none empty")
        id_text, kind, supercategory, name = (f.strip() for f in fields)
        if not id_text.isdigit():
            raise DataError(f"{source}:{line}: id {id_text!r} is not a whole number")
        if kind not in KINDS:
            raise DataError(f"{source}:{line}: kind {kind!r} is not one of {', '.join(KINDS)}")
        ident = int(id_text)
        if ident in seen:
            raise DataError(f"{source}:{line}: id {ident} is also on line {seen[ident]}")
        seen[ident] = line
        rows.append((kind, Category(ident, name, supercategory)))
    if not rows:
        raise DataError(f"{source}: no categories")
    return rows


@functools.lru_cache(maxsize=1)
def _rows() -> tuple:
    text = resources.files("wildcards_gen_coco").joinpath(FILE).read_text(encoding="utf-8")
    return tuple(parse(text))


def packaged(stuff: bool = False) -> list[Category]:
    """COCO 2017's 80 thing categories; with ``stuff``, COCO-Stuff's 91 as well, in a ``stuff`` branch."""
    out = []
    for kind, category in _rows():
        if kind == "thing":
            out.append(category)
        elif stuff:
            out.append(category._replace(branch="stuff"))
    return out
