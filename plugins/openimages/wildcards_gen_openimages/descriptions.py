"""Class descriptions: the CSV files that give each Open Images id its display name.

``class-descriptions-boxable.csv`` (601 boxable classes) and
``oidv7-class-descriptions.csv`` (~20,000 image-level labels) are two columns,
an id (``/m/0bt9lr``, or ``/g/...`` for newer labels) and a display name
(``Dog``, ``Kitchen & dining room table``; names with a comma are quoted).
Google publishes the boxable file without a header line and the v7 file with
``LabelName,DisplayName``; copies elsewhere add ``label,class``. A header is
therefore optional, but only these known ones are taken for one: a first line
that is neither a header nor a class is an error, not silently skipped.
Every problem is a :class:`DataError` reading ``FILE:LINE: what is wrong``.
"""

from __future__ import annotations

import csv
import io
import re

from wildcards_gen import DataError

ID = re.compile(r"^/[mg]/[0-9a-z_]+$")
HEADERS = {("labelname", "displayname"), ("label", "class"), ("label_name", "display_name")}


def parse(data: bytes, path, bounds: tuple[int, int] | None = None) -> dict[str, str]:
    """``{id: display name}`` in file order; ``bounds`` (low, high) checks the number of classes."""
    text = _decode(data, path)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    names: dict[str, str] = {}
    first_line: dict[str, int] = {}
    rows = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise DataError(f"{path}:{reader.line_num}: not a valid CSV line ({exc})") from None
        line = reader.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # a blank line
        rows += 1
        if len(row) != 2:
            raise DataError(f"{path}:{line}: expected 2 columns (id, display name), found {len(row)}")
        label, name = row[0].strip(), " ".join(row[1].split())
        if not ID.match(label):
            if rows == 1 and (label.lower(), name.lower()) in HEADERS:
                continue
            hint = " or a header line LabelName,DisplayName" if rows == 1 else ""
            raise DataError(f"{path}:{line}: expected an id like /m/0bt9lr{hint}, found {label[:40]!r}")
        if not name:
            raise DataError(f"{path}:{line}: the display name of {label} is empty")
        if label in names:
            raise DataError(f"{path}:{line}: {label} is listed twice (first on line {first_line[label]})")
        names[label] = name
        first_line[label] = line
    if not names:
        raise DataError(f"{path}: no classes in the file (expected lines like /m/0bt9lr,Dog)")
    if bounds is not None and not bounds[0] <= len(names) <= bounds[1]:
        raise DataError(f"{path}: {len(names)} classes, expected {bounds[0]:,} to {bounds[1]:,}")
    return names


def _decode(data: bytes, path) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataError(f"{path}:{line}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise DataError(f"{path}:{line}: a NUL byte: not a text file")
    return text[1:] if text.startswith("\ufeff") else text
