"""``--smart-config``: per-subtree settings from a YAML file, and matching its keys to nodes."""

from __future__ import annotations

import re
from pathlib import Path

from wildcards_gen import presets
from wildcards_gen.errors import UsageError

_WNID = re.compile(r"^n\d{8}$")
_SYNSET_NAME = re.compile(r"^.+\.n\.\d+$")
# setting -> kind: a preset name, or a kind of presets.type_problem
_CONFIG_TYPES = {
    "preset": "preset",
    "min_depth": "int>=0",
    "min_hyponyms": "int>=0",
    "min_leaf": "int>=1",
    "merge_orphans": "bool",
    "drop_self_items": "bool",
    "skip": "bool",
}


def load_config(path) -> dict:
    """``{key: {setting: value}}`` from a YAML file; errors carry file:line:column."""
    from ruamel.yaml.comments import CommentedMap

    from wildcards_gen.yaml_input import read_yaml

    path = Path(path)
    data = read_yaml(path, "smart config")
    if data is None:
        return {}
    if not isinstance(data, CommentedMap):
        raise UsageError(f"{path}:1:1: expected a mapping from WNID or category name to settings")
    config = {}
    for key, entry in data.items():
        line, col = data.lc.key(key)
        if not isinstance(key, str) or not key.strip():
            raise UsageError(f"{path}:{line + 1}:{col + 1}: key {key!r} must be a WNID, synset name or category name")
        if entry is None:
            entry = {}
        elif not isinstance(entry, CommentedMap):
            vline, vcol = data.lc.value(key)
            raise UsageError(f"{path}:{vline + 1}:{vcol + 1}: settings for {key!r} must be a mapping of setting: value")
        settings = {}
        for name, value in entry.items():
            sline, scol = entry.lc.key(name)
            kind = _CONFIG_TYPES.get(name)
            if kind is None:
                raise UsageError(
                    f"{path}:{sline + 1}:{scol + 1}: unknown setting {name!r} for {key!r} "
                    f"(known: {', '.join(_CONFIG_TYPES)})"
                )
            vline, vcol = entry.lc.value(name)
            problem = _type_problem(kind, value)
            if problem:
                raise UsageError(f"{path}:{vline + 1}:{vcol + 1}: {name} for {key!r} {problem}, got {value!r}")
            settings[name] = value
        config[key.strip()] = settings
    return config


def _type_problem(kind: str, value) -> str | None:
    if kind == "preset":
        return (
            None
            if isinstance(value, str) and value in presets.BUILTIN
            else f"must be one of {', '.join(presets.BUILTIN)}"
        )
    return presets.type_problem(kind, value)


class Matcher:
    """Finds the nodes a list of keys (WNID, synset name, display name) means."""

    def __init__(self, keys, wordnet):
        self.by_id, self.by_name = {}, {}
        for key in keys:
            text = key.strip()
            if _WNID.match(text):
                self.by_id[text] = key
            elif _SYNSET_NAME.match(text):
                synset = wordnet.synset(text)
                if synset is None:
                    raise UsageError(f"{text!r} is not a WordNet 3.0 noun synset")
                self.by_id[synset.wnid] = key
            else:
                self.by_name[text.casefold()] = key
        self.matched: set = set()

    def __bool__(self):
        return bool(self.by_id or self.by_name)

    def match(self, node):
        key = self.by_id.get(node.id) or (self.by_id.get(node.synset) if node.synset else None)
        if key is None:
            key = self.by_name.get(node.name.casefold())
        if key is not None:
            self.matched.add(key)
        return key

    def unmatched(self) -> list:
        return sorted((set(self.by_id.values()) | set(self.by_name.values())) - self.matched)
