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
    """``{key: {setting: value}}`` from a YAML file; errors carry file:line:column.

    Any mapping the reader gives is accepted (merged ``<<:`` keys, ``!!omap``);
    anything else, and any value of the wrong type, is a one-line error.
    """
    from wildcards_gen import yaml_values as yv
    from wildcards_gen.yaml_input import read_yaml

    path = Path(path)
    data = read_yaml(path, "smart config")

    def where(position) -> str:
        line, col = position or (1, 1)
        return f"{path}:{line}:{col}"

    if data is None:
        return {}
    if not yv.is_mapping(data):
        raise UsageError(
            f"{where(yv.node_position(data))}: expected a mapping from WNID or category name to settings, "
            f"found {yv.kind(data)}"
        )
    config: dict = {}
    for key, entry in data.items():
        if not isinstance(key, str) or not key.strip() or yv.text_problem(key):
            raise UsageError(
                f"{where(yv.key_position(data, key))}: key {key!r} must be a WNID, synset name or category name"
            )
        if key.strip() in config:
            raise UsageError(f"{where(yv.key_position(data, key))}: {key.strip()!r} is given twice")
        if entry is None:
            entry = {}
        elif not yv.is_mapping(entry):
            raise UsageError(
                f"{where(yv.value_position(data, key))}: settings for {key!r} must be a mapping of setting: value, "
                f"found {yv.kind(entry)}"
            )
        settings = {}
        for name, value in entry.items():
            kind = _CONFIG_TYPES.get(name) if isinstance(name, str) else None
            if kind is None:
                raise UsageError(
                    f"{where(yv.key_position(entry, name) or yv.value_position(data, key))}: unknown setting "
                    f"{name!r} for {key!r} (known: {', '.join(_CONFIG_TYPES)})"
                )
            value = yv.plain(value)
            problem = _type_problem(kind, value)
            if problem:
                raise UsageError(
                    f"{where(yv.value_position(entry, name) or yv.value_position(data, key))}: {name} for {key!r} "
                    f"{problem}, got {repr(value) if yv.is_scalar(value) else yv.kind(value)}"
                )
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
