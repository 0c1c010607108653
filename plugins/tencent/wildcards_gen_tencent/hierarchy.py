"""Parse and validate ``dictionary_and_semantic_hierarchy.txt``, once per process.

The file is one header line, then tab-separated ``category_index``,
``category_id`` (a WordNet 3.0 noun id), ``index_of_parent_category`` (-1 for
a root) and ``category name`` (comma-separated synonyms, the first one shown).
Every problem is a :class:`DataError` reading ``FILE:LINE: what is wrong``, so
a bad file never produces a traceback or a partial output.
"""

from __future__ import annotations

import hashlib
import re
import threading
from pathlib import Path
from typing import NamedTuple

from wildcards_gen import DataError

HEADER = ("category_index", "category_id", "index_of_parent_category", "category name")
# Digits are ASCII [0-9]: ``\d`` would take other scripts' digits, which int() reads as numbers.
MAX_BYTES = 64 << 20  # the published file is 0.5 MB
MAX_DIGITS = 9  # an index of up to 999,999,999; longer is an error, not a 4,300-digit int()
_WNID = re.compile(r"n[0-9]{8}")
_INT = re.compile(r"[+-]?[0-9]+")
# A line as the published file writes it: no stray spaces, a plain index, parent -1 or an index.
_CLEAN_LINE = re.compile(r"([0-9]{1,9})\t(n[0-9]{8})\t(-1|[0-9]{1,9})\t(\S(?:[^\t\r]*\S)?)\r?")
_PLAIN_NAME = re.compile(r"[^,\s]+(?: [^,\s]+)*")  # one synonym, single spaces: nothing to clean
# The same for a whole file at once; indices without leading zeros, so equal text means equal numbers.
_CLEAN_ROWS = re.compile(
    r"^(0|[1-9][0-9]{0,8})\t(n[0-9]{8})\t(-1|0|[1-9][0-9]{0,8})\t"
    r"([^,\s]+(?: [^,\s]+)*(?:, [^,\s]+(?: [^,\s]+)*)*)\r?$",
    re.MULTILINE,
)


class Category(NamedTuple):
    """One line of the file (a tuple: 11,166 of them are built on every run)."""

    index: int  # type: ignore[assignment]  # the file's own name for the column
    wnid: str
    parent: int  # -1 for a root
    names: tuple  # stripped synonyms, display name first
    line: int
    id: str  # the WNID, or "WNID#index" when the WNID occurs more than once

    @property
    def name(self) -> str:
        return self.names[0]


class Hierarchy:
    """The parsed file: categories by index, children in file order, roots in file order."""

    def __init__(self, path: Path, categories: list[Category]):
        self.path = path
        self.by_index = {c.index: c for c in categories}
        self.by_id = {c.id: c for c in categories}
        self.children: dict[int, list[Category]] = {c.index: [] for c in categories}
        self.roots: list[Category] = []
        for c in categories:
            (self.roots if c.parent == -1 else self.children[c.parent]).append(c)

    def shared_names(self, siblings: list[Category]) -> list[tuple[str, list[str]]]:
        """``(display name, ids)`` for each name that several of ``siblings`` share (case-insensitive)."""
        if len(siblings) < 2 or len({c.names[0].casefold() for c in siblings}) == len(siblings):
            return []  # the common case, checked cheaply: called for every node
        groups: dict[str, list[Category]] = {}
        for c in siblings:
            groups.setdefault(c.name.casefold(), []).append(c)
        return [(group[0].name, [c.id for c in group]) for group in groups.values() if len(group) > 1]

    def __len__(self) -> int:
        return len(self.by_index)

    def level_of(self, index: int) -> int:
        level = 1
        while self.by_index[index].parent != -1:
            index = self.by_index[index].parent
            level += 1
        return level


def parse(path: Path) -> Hierarchy:
    """Read and check the whole file; raise DataError at the first problem.

    A file written the way Tencent publishes it is read in one pass of a
    regular expression (:func:`_clean_rows`); any other goes line by line
    (:func:`_checked_rows`), which strips the columns and names each problem.
    """
    path = Path(path)
    return parse_bytes(path, read(path))


def read(path: Path) -> bytes:
    """The file's bytes; a file far larger than any hierarchy is refused before it fills memory."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise DataError(f"cannot read the Tencent hierarchy file {path}: {exc.strerror or exc}") from exc
    if len(data) > MAX_BYTES:
        raise DataError(
            f"{path} is larger than {MAX_BYTES >> 20} MiB; the Tencent hierarchy file is about 0.5 MB: "
            "is it the right file?"
        )
    return data


def parse_bytes(path: Path, data: bytes) -> Hierarchy:
    """:func:`parse` for the content ``data`` of the file at ``path`` (named in the errors)."""
    if data and not data.endswith(b"\n"):
        last = data.count(b"\n") + 1
        raise DataError(
            f"{path}:{last}: the file ends in the middle of this line (no line end): "
            "it looks truncated; download or copy it again"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = "\n".join(_decode(path, lineno, raw) for lineno, raw in enumerate(data.split(b"\n"), start=1))
    lines = text.split("\n")
    if not data:
        raise DataError(f"{path}:1: empty file; expected the header line {_header_text()}")
    if not lines[0].strip():
        raise DataError(f"{path}:1: expected the header line {_header_text()}, found an empty line")
    first = lines[0].lstrip("\ufeff").rstrip("\r")
    if tuple(col.strip() for col in first.split("\t")) != HEADER:
        raise DataError(f"{path}:1: expected the header line {_header_text()}, found {first[:80]!r}")
    categories = _clean_rows(text[len(lines[0]) + 1 :], len(lines) - 1)
    if categories is None:
        categories = _checked_rows(path, lines)
    if not categories:
        raise DataError(f"{path}:{len(lines)}: no categories after the header line")
    line_of = {c.index: c.line for c in categories}
    for c in categories:
        if c.parent != -1 and c.parent not in line_of:
            top = max(line_of)
            cut = (
                f"; no index is above {top} and the file ends at line {len(lines) - 1}: it looks truncated"
                if c.parent > top
                else ""
            )
            raise DataError(
                f"{path}:{c.line}: parent index {c.parent} of category {c.index} ({c.wnid}) does not exist{cut}"
            )
    _check_cycles(path, categories)
    wnid_count: dict[str, int] = {}
    for c in categories:
        wnid_count[c.wnid] = wnid_count.get(c.wnid, 0) + 1
    if len(wnid_count) < len(categories):
        categories = [c._replace(id=f"{c.wnid}#{c.index}") if wnid_count[c.wnid] > 1 else c for c in categories]
    return Hierarchy(path, categories)


def _clean_rows(body: str, line_count: int) -> list[Category] | None:
    """Every category at once, or None unless every line after the header is clean.

    Clean: no stray spaces, a plain index, parent -1 or an index, synonyms
    separated by ", " (an empty last line is allowed), and no index twice.
    """
    rows = _CLEAN_ROWS.findall(body)
    if len(rows) != line_count - (body.endswith("\n") or not body):
        return None
    if len({row[0] for row in rows}) != len(rows):
        return None  # a repeated index: the line-by-line reader names both lines
    return [
        Category(int(index), wnid, int(parent), _split_names(names), line, wnid)
        for line, (index, wnid, parent, names) in enumerate(rows, start=2)
    ]


def _split_names(text: str) -> tuple:
    parts = text.split(", ")
    return tuple(parts) if len(parts) == 1 or len(set(parts)) == len(parts) else tuple(dict.fromkeys(parts))


def _checked_rows(path: Path, lines: list[str]) -> list[Category]:
    """The categories line by line, each problem a DataError naming its line."""
    categories: list[Category] = []
    seen_line: dict[int, int] = {}
    fast = _CLEAN_LINE.fullmatch
    for lineno, text in enumerate(lines[1:], start=2):
        match = fast(text)
        if match is not None:
            index_text, wnid, parent_text, name_text = match.groups()
            names = (name_text,) if _PLAIN_NAME.fullmatch(name_text) else _names(name_text)
        elif not text.strip():
            continue
        else:
            index_text, wnid, parent_text, name_text = _fields(path, lineno, text)
            names = _names(name_text)
        if not names:
            raise DataError(f"{path}:{lineno}: the category name is empty")
        index = int(index_text)
        if index in seen_line:
            raise DataError(f"{path}:{lineno}: duplicate category_index {index} (first on line {seen_line[index]})")
        seen_line[index] = lineno
        categories.append(Category(index, wnid, int(parent_text), names, lineno, wnid))
    return categories


def _fields(path: Path, lineno: int, text: str) -> tuple:
    """The four stripped columns of a line the fast match refused, or the DataError saying why."""
    cols = text.rstrip("\r").split("\t")
    if len(cols) != 4:
        raise DataError(f"{path}:{lineno}: expected 4 tab-separated columns ({', '.join(HEADER)}), found {len(cols)}")
    index_text, wnid, parent_text, name_text = (c.strip() for c in cols)
    for column, value in (("category_index", index_text), ("index_of_parent_category", parent_text)):
        if not _INT.fullmatch(value):
            raise DataError(f"{path}:{lineno}: {column} {_shown(value)} is not an integer (digits 0-9)")
        if len(value.lstrip("+-")) > MAX_DIGITS:
            raise DataError(f"{path}:{lineno}: {column} {_shown(value)} has more than {MAX_DIGITS} digits")
    if not _WNID.fullmatch(wnid):
        raise DataError(f"{path}:{lineno}: category_id {_shown(wnid)} is not a WordNet noun id like n02084071")
    if int(index_text) < 0:
        raise DataError(f"{path}:{lineno}: category_index {int(index_text)} is negative")
    return index_text, wnid, parent_text, name_text


def _shown(text: str) -> str:
    """A column for an error message: quoted, and cut short (a column may be megabytes long)."""
    return repr(text) if len(text) <= 40 else repr(text[:40]) + "..."


def _names(text: str) -> tuple:
    """Synonyms in order, stripped, without empty or repeated ones."""
    return tuple(dict.fromkeys(name for name in (" ".join(part.split()) for part in text.split(",")) if name))


def _check_cycles(path: Path, categories: list[Category]) -> None:
    """Every chain of parents must end at a root (-1); report the first line on a loop."""
    parent = {c.index: c.parent for c in categories}
    line = {c.index: c.line for c in categories}
    state: dict[int, int] = {}  # 1 = on the current chain, 2 = reaches a root
    for c in categories:
        chain: list[int] = []
        node = c.index
        while node != -1 and state.get(node) != 2:
            if state.get(node) == 1:
                loop = chain[chain.index(node) :]
                first = min(loop, key=lambda i: line[i])
                shown = loop[loop.index(first) :] + loop[: loop.index(first)] + [first]
                raise DataError(
                    f"{path}:{line[first]}: category {first} is its own ancestor (cycle {' -> '.join(map(str, shown))})"
                )
            state[node] = 1
            chain.append(node)
            node = parent[node]
        for n in chain:
            state[n] = 2


def _decode(path: Path, lineno: int, raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}:{lineno}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc


def _header_text() -> str:
    return "'" + "<TAB>".join(HEADER) + "'"


# -- one parse per file version per process ------------------------------------

_cache: dict[str, tuple] = {}
_lock = threading.Lock()


def load(path: Path) -> Hierarchy:
    """The parsed hierarchy of ``path``, parsed again only when its content changes.

    Keyed by a hash of the content, not the modification time: an edit that
    keeps the size and the time (a restored backup, a copy with ``cp -p``)
    is still seen.
    """
    path = Path(path).resolve()
    data = read(path)
    return load_bytes(path, data, digest(data))


def load_bytes(path: Path, data: bytes, sha256: str) -> Hierarchy:
    """:func:`load` for content already read (``sha256`` is :func:`digest` of ``data``)."""
    with _lock:  # one parse at a time; other threads wait and reuse the result
        hit = _cache.get(str(path))
        if hit is not None and hit[0] == sha256:
            return hit[1]
        hierarchy = parse_bytes(path, data)
        _cache[str(path)] = (sha256, hierarchy)
        return hierarchy


def digest(data: bytes) -> str:
    """SHA-256 of a file's content (0.25 ms for the published file)."""
    return hashlib.sha256(data).hexdigest()
