"""Read a generated wildcard file back: its keys, leaf lists and line numbers.

``lint`` and ``compare`` work on files, not on a run's categories, so they
need the tree as written, with line numbers (reports point at the line). It is
read with :mod:`wildcards_gen.yaml_input` (fast and bounded, for files of any
size); ``lint --clean`` asks for the ruamel round-trip tree only to write it
back with every comment kept.
"""

from __future__ import annotations

import json
from array import array
from dataclasses import dataclass, field
from pathlib import Path

from wildcards_gen.errors import UsageError


@dataclass
class Leaf:
    """One leaf list: its key path, items (as written) and where it is."""

    path: tuple
    items: list
    line: int  # 1-based line of the key
    item_lines: list | array = field(default_factory=list)  # an array for YAML: 8 bytes a line
    node: object = None  # the round-trip CommentedSeq (WildcardFile.round_trip), else None
    instruction: str | None = None


@dataclass
class Key:
    """One category key: its name, the path of its parent and where it is."""

    name: object  # its text as written; None for a null key
    parent: tuple
    line: int
    value: object = None  # the node under it


@dataclass
class WildcardFile:
    path: Path
    raw: bytes | None  # the YAML file's bytes; None for JSONL
    keys: list
    leaves: list
    root: object = None  # the composed node tree (YAML), for check's rules without a second parse

    @property
    def is_yaml(self) -> bool:
        return self.raw is not None

    def round_trip(self) -> tuple:
        """``(data, yaml, leaves)``: the ruamel round-trip tree, to edit and write back with every
        comment kept, and its leaves (``Leaf.node`` the list to edit). Slow on large files: only
        for writing."""
        from ruamel.yaml.comments import CommentedMap

        from wildcards_gen.yaml_input import parse

        yaml = new_yaml()
        data = parse((self.raw or b"").decode("utf-8-sig"), self.path, "wildcard file", yaml)
        if not isinstance(data, CommentedMap):
            data = CommentedMap(data or {})
        leaves: list[Leaf] = []
        _walk_data(data, (), leaves)
        return data, yaml, leaves


def new_yaml():
    """A round-trip ruamel.yaml configured like the writer (width, indents, unicode)."""
    from wildcards_gen.writer import ruamel_yaml

    yaml = ruamel_yaml()
    yaml.preserve_quotes = True
    return yaml


def load(path) -> WildcardFile:
    """Load a ``.yaml`` wildcard file (or the ``.jsonl`` form); one-line UsageError when unreadable.

    The tree comes from :func:`wildcards_gen.yaml_input.compose` (fast, bounded); items
    are their text as written, a plain null item is None.
    """
    from wildcards_gen.yaml_input import Lines, MappingNode, check_utf8, compose, read_bytes, read_text

    path = Path(path)
    if path.suffix.lower() == ".jsonl":
        return _load_jsonl(path, read_text(path, "wildcard file"))
    raw = read_bytes(path, "wildcard file")
    check_utf8(raw, path, "wildcard file")
    root = compose(raw, path, "wildcard file")
    keys: list[Key] = []
    leaves: list[Leaf] = []
    if root is not None:
        if not isinstance(root, MappingNode):
            raise UsageError(f"{path}: expected a mapping of categories at the top, found a {root.id}")
        _walk(root, Lines(raw), keys, leaves)
    return WildcardFile(path, raw, keys, leaves, root)


def _instruction(line: str) -> str | None:
    """The text of an end-of-line ``# instruction:`` comment on ``line``, if any."""
    from wildcards_gen.yaml_input import line_comment

    comment = line_comment(line) if "#" in line else None
    if comment and "# instruction:" in comment:
        return comment.split("# instruction:", 1)[1].strip()
    return None


def _value(node):
    from wildcards_gen.sanitize import maybe_typed
    from wildcards_gen.yaml_input import ScalarNode

    if not isinstance(node, ScalarNode):
        return None
    if node.style is None and maybe_typed(node.value) and node.tag == "tag:yaml.org,2002:null":
        return None
    return node.value


def _walk(mapping, lines, keys: list, leaves: list, parent: tuple = ()) -> None:
    """Keys and leaves in document order (the reader bounds the depth)."""
    from wildcards_gen.yaml_input import MappingNode, ScalarNode, SequenceNode

    for knode, vnode in mapping.value:
        key = _value(knode) if isinstance(knode, ScalarNode) else None
        name = "null" if key is None else str(key)
        line = knode.line + 1
        keys.append(Key(key, parent, line, vnode))
        here = parent + (name,)
        instruction = _instruction(lines[knode.line]) if knode.line < len(lines) else None
        if isinstance(vnode, MappingNode):
            _walk(vnode, lines, keys, leaves, here)
        elif isinstance(vnode, SequenceNode):
            scalars = [i for i in vnode.value if isinstance(i, ScalarNode)]
            item_lines = array("q", [i.line + 1 for i in scalars])  # 8 bytes a line, not an int object
            leaves.append(Leaf(here, [_value(i) for i in scalars], line, item_lines, None, instruction))
        else:  # a scalar or nothing where a list belongs: an empty leaf, linted as such
            value = _value(vnode)
            leaves.append(
                Leaf(here, [] if value is None else [value], line, [] if value is None else [line], None, instruction)
            )


def _walk_data(mapping, parent: tuple, leaves: list) -> None:
    for key, value in mapping.items():
        here = parent + ("null" if key is None else str(key),)
        if isinstance(value, dict):
            _walk_data(value, here, leaves)
        elif isinstance(value, list):
            leaves.append(Leaf(here, list(value), 0, [], value))


def _load_jsonl(path: Path, text: str) -> WildcardFile:
    by_path: dict[tuple, Leaf] = {}
    keys: dict[tuple, Key] = {}
    for n, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
            leaf_path = tuple(str(p) for p in obj["path"])
            item = obj["item"]
        except RecursionError:
            raise UsageError(f"{path}:{n}: a JSON value nested too deeply to be a wildcard line") from None
        except (ValueError, KeyError, TypeError) as exc:
            raise UsageError(f"{path}:{n}: not a wildcard JSONL line ({type(exc).__name__})") from exc
        for depth in range(1, len(leaf_path) + 1):
            sub = leaf_path[:depth]
            keys.setdefault(sub, Key(sub[-1], sub[:-1], n))
        leaf = by_path.setdefault(leaf_path, Leaf(leaf_path, [], n))
        leaf.items.append(item)
        leaf.item_lines.append(n)
    return WildcardFile(path, None, list(keys.values()), list(by_path.values()))
