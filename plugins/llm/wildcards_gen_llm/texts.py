"""A model's strings made fit for a wildcard file: one line, bounded, no second ``instruction:``.

Names are then rewritten for ``--target`` by the host's writer like any other
name; instructions become end-of-line comments, where a line break or a
second ``instruction:`` would break the readers.
"""

from __future__ import annotations

import re

MAX_NAME = 60
MAX_TERM = 100
MAX_INSTRUCTION = 300
_INSTRUCTION = re.compile(r"instruction\s*:", re.IGNORECASE)


def one_line(text: str) -> str:
    return " ".join(str(text).split())


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut if cut else text[:limit]


def name(text: str) -> str:
    """A key name from the model ('' when nothing usable is left)."""
    return _cut(one_line(text).strip(" -:#\"'`"), MAX_NAME)


def term(text: str) -> str:
    """An item the model wrote (``create``)."""
    return _cut(one_line(text).strip(" -\"'`"), MAX_TERM)


def instruction(text: str) -> str:
    """An instruction comment: one line, no ``instruction:`` inside, at most 300 characters."""
    text = _INSTRUCTION.sub("", one_line(text)).strip()
    return _cut(" ".join(text.split()), MAX_INSTRUCTION)
