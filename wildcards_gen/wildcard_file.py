"""Read a generated wildcard file back: its keys, leaf lists and line numbers.

``lint`` and ``compare`` work on files, not on a run's categories, so they
need the tree as written: ruamel round-trip keeps comments (``lint --clean``
writes them back) and line numbers (reports point at the line).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from wildcards_gen.errors import UsageError


@dataclass
class Leaf:
    """One leaf list: its key path, items (as written) and where it is."""

    path: tuple
    items: list
    line: int  # 1-based line of the key
    item_lines: list = field(default_factory=list)
    node: object = None  # the CommentedSeq (YAML) or None (JSONL)
    instruction: str | None = None


@dataclass
class Key:
    """One category key: its name, the path of its parent and where it is."""

    name: object  # as loaded: a str, or an int/bool/None YAML produced
    parent: tuple
    line: int
    value: object = None  # the mapping, list or scalar under it


@dataclass
class WildcardFile:
    path: Path
    data: object  # the round-trip CommentedMap (YAML) or None (JSONL)
    keys: list
    leaves: list
    yaml: object = None  # the ruamel YAML instance that loaded it, for writing back


def new_yaml():
    """A round-trip ruamel.yaml configured like the writer (width, indents, unicode)."""
    from wildcards_gen.writer import ruamel_yaml

    yaml = ruamel_yaml()
    yaml.preserve_quotes = True
    return yaml


def load(path) -> WildcardFile:
    """Load a ``.yaml`` wildcard file (or the ``.jsonl`` form); one-line UsageError when unreadable."""
    from wildcards_gen.yaml_input import parse, read_text

    path = Path(path)
    text = read_text(path, "wildcard file")
    if path.suffix.lower() == ".jsonl":
        return _load_jsonl(path, text)
    yaml = new_yaml()
    data = parse(text, path, "wildcard file", yaml)
    if data is None:
        data = {}
    from ruamel.yaml.comments import CommentedMap

    if not isinstance(data, dict):
        raise UsageError(f"{path}: expected a mapping of categories at the top, found {type(data).__name__}")
    if not isinstance(data, CommentedMap):
        data = CommentedMap(data)
    keys: list[Key] = []
    leaves: list[Leaf] = []
    _walk(data, (), keys, leaves)
    return WildcardFile(path, data, keys, leaves, yaml)


def _line(mapping, key) -> int:
    try:
        return mapping.lc.key(key)[0] + 1
    except Exception:
        return 0


def _instruction(mapping, key) -> str | None:
    """The ``# instruction:`` end-of-line comment of ``key``, if any."""
    try:
        tokens = mapping.ca.items.get(key)
    except AttributeError:
        return None
    if not tokens:
        return None
    for token in tokens:
        if token is None:
            continue
        for tok in token if isinstance(token, list) else [token]:
            value = getattr(tok, "value", None)
            if value and "# instruction:" in value:
                first = value.split("# instruction:", 1)[1].splitlines()[0]
                return first.strip()
    return None


def _walk(mapping, parent: tuple, keys: list, leaves: list) -> None:
    for key, value in mapping.items():
        name = str(key) if key is not None else "null"
        line = _line(mapping, key)
        keys.append(Key(key, parent, line, value))
        here = parent + (name,)
        if isinstance(value, dict):
            _walk(value, here, keys, leaves)
        elif isinstance(value, list):
            item_lines = []
            for i in range(len(value)):
                try:
                    item_lines.append(value.lc.item(i)[0] + 1)  # type: ignore[attr-defined]
                except Exception:
                    item_lines.append(line)
            leaves.append(Leaf(here, list(value), line, item_lines, value, _instruction(mapping, key)))
        else:  # a scalar or nothing where a list belongs: an empty leaf, linted as such
            leaves.append(Leaf(here, [] if value is None else [value], line, [line], None, _instruction(mapping, key)))


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
        except (ValueError, KeyError, TypeError) as exc:
            raise UsageError(f"{path}:{n}: not a wildcard JSONL line ({type(exc).__name__})") from exc
        for depth in range(1, len(leaf_path) + 1):
            sub = leaf_path[:depth]
            keys.setdefault(sub, Key(sub[-1], sub[:-1], n))
        leaf = by_path.setdefault(leaf_path, Leaf(leaf_path, [], n))
        leaf.items.append(item)
        leaf.item_lines.append(n)
    return WildcardFile(path, None, list(keys.values()), list(by_path.values()))
