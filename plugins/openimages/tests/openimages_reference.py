"""Independent readers for the tests: the shared Open Images files and the generated YAML.

Deliberately separate from the plugin's parsers (plain ``json`` and ``csv``),
so the tests check the plugin against a second reading of the same data.
"""

from __future__ import annotations

import csv
import json
import logging
from pathlib import Path

HIERARCHY = "openimages/bbox_labels_600_hierarchy.json"
CLASSES = "openimages/class-descriptions-boxable.csv"
ROOT = "/m/0bl9f"


def read_names(path: Path) -> dict[str, str]:
    rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
    return {label: name for label, name in rows if label.startswith("/")}


def read_tree(path: Path) -> tuple[dict, dict]:
    """``({id: [kinds]}, {id: [parts]})`` over every occurrence of each id."""
    kinds: dict[str, list] = {}
    parts: dict[str, list] = {}
    stack = [json.loads(path.read_text(encoding="utf-8"))]
    while stack:
        node = stack.pop()
        for key, into in (("Subcategory", kinds), ("Part", parts)):
            for child in node.get(key, []):
                known = into.setdefault(node["LabelName"], [])
                if child["LabelName"] not in known:
                    known.append(child["LabelName"])
                stack.append(child)
    return kinds, parts


def rt_load(path: Path):
    from ruamel.yaml import YAML

    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def keys_and_items(data, prefix=()) -> tuple[list[tuple], dict[tuple, list]]:
    """Every key path, and ``{key path: items}`` for each list, from a loaded YAML mapping."""
    keys: list[tuple] = []
    lists: dict[tuple, list] = {}
    stack = [(prefix, data)]
    while stack:
        here, value = stack.pop()
        if isinstance(value, dict):
            for key, child in value.items():
                keys.append((*here, str(key)))
                stack.append(((*here, str(key)), child))
        else:
            lists[here] = [str(v) for v in value]
    return keys, lists


def instructions(text: str) -> dict[str, list[str]]:
    """``{key as written: [its instructions]}`` from the YAML text's ``key: # instruction: ...`` lines."""
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line.lstrip().startswith(("#", "- ")) or ": # instruction: " not in line:
            continue
        key, instruction = line.strip().split(": # instruction: ", 1)
        found.setdefault(key.strip("'\""), []).append(instruction)
    return found


def sample_with_dynamicprompts(path: Path, folder: Path) -> None:
    """Dynamic Prompts reads every list of the file, and sampling a wildcard yields its own items."""
    from dynamicprompts.generators import RandomPromptGenerator
    from dynamicprompts.wildcards import WildcardManager

    logging.getLogger("dynamicprompts").setLevel(logging.ERROR)
    _, lists = keys_and_items(rt_load(path))
    expected = {"/".join(k): items for k, items in lists.items()}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / path.name).write_bytes(path.read_bytes())
    manager = WildcardManager(folder)
    assert manager.get_collection_names() == set(expected)
    for i, (name, items) in enumerate(sorted(expected.items())):
        values = list(manager.get_values(name))
        assert sorted(values) == sorted(items), name
        samples = RandomPromptGenerator(wildcard_manager=manager, seed=i).generate(f"__{name}__", 3)
        assert samples and all(s in values for s in samples), (name, samples)
