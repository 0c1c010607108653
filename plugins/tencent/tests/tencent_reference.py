"""Independent readers for the tests: the input file and the generated YAML.

Deliberately separate from the plugin's parser, so the tests check the
plugin against a second reading of the same data.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

HIERARCHY = "tencent/dictionary_and_semantic_hierarchy.txt"


@dataclass
class Cat:
    index: int
    wnid: str
    parent: int
    names: list
    children: list = field(default_factory=list)

    @property
    def name(self):
        return self.names[0]


def read_input(path):
    cats = {}
    with open(path, encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            index, wnid, parent, names = line.rstrip("\n").split("\t")
            cats[int(index)] = Cat(int(index), wnid, int(parent), [n.strip() for n in names.split(",")])
    roots = []
    for c in cats.values():
        (roots if c.parent == -1 else cats[c.parent].children).append(c)
    return cats, roots


def leaves_below(cat):
    if not cat.children:
        return [cat]
    out = []
    for child in cat.children:
        out.extend(leaves_below(child))
    return out


def subtree(cat):
    yield cat
    for child in cat.children:
        yield from subtree(child)


_KEY_LINE = re.compile(r'^( *)(?:"((?:[^"\\]|\\.)*)"|([^#]*?)):(?: # instruction: (.*))?$')
_ITEM_LINE = re.compile(r"^( *)- (.*)$")


def read_output(text):
    """``(keys, lists)``: path tuple -> instruction (None when absent) and path -> list of items.

    A line-based reader of the writer's fixed layout (2-space mapping indent,
    items at indent + 2), cross-checked against a YAML load by the tests.
    """
    keys, lists = {}, defaultdict(list)
    stack = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        item = _ITEM_LINE.match(line)
        if item:
            value = item.group(2)
            if value.startswith('"') and value.endswith('"'):
                value = value[1:-1]
            lists[tuple(stack)].append(value)
            continue
        match = _KEY_LINE.match(line)
        assert match, f"output line {lineno} is neither a key nor an item: {line!r}"
        depth = len(match.group(1)) // 2
        key = match.group(2) if match.group(2) is not None else match.group(3)
        stack = stack[:depth] + [key]
        keys[tuple(stack)] = match.group(4)
    return keys, dict(lists)


def flatten_yaml(data, path=()):
    """path -> list, from a YAML-loaded mapping (to cross-check read_output)."""
    out = {}
    for key, value in data.items():
        here = path + (str(key),)
        if isinstance(value, dict):
            out.update(flatten_yaml(value, here))
        else:
            out[here] = [str(v) for v in value]
    return out
