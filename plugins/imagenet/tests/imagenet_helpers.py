"""Readers for generated files and a direct walk of the plugin through the registry."""

from __future__ import annotations

import json
from pathlib import Path

from ruamel.yaml import YAML


def load_yaml(path: Path):
    return YAML(typ="safe").load(Path(path).read_text(encoding="utf-8"))


def keys_and_items(data, path=()):
    """``(keys, items)``: every key as a path tuple, every item as ``(path, name)``."""
    keys, items = [], []

    def visit(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                keys.append(path + (key,))
                visit(value, path + (key,))
        else:
            for item in node:
                items.append((path, item))

    visit(data, tuple(path))
    return keys, items


def names(data) -> set:
    keys, items = keys_and_items(data)
    return {k[-1] for k in keys} | {i for _, i in items}


def item_names(data) -> set:
    return {i for _, i in keys_and_items(data)[1]}


def read_jsonl(path: Path) -> list:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]


def walk_plugin(options: dict, workers: int = 2):
    """The raw tree (``RawNode`` roots) and the run, through the registered plugin's hooks."""
    from wildcards_gen import paths
    from wildcards_gen.engine import Engine, walk
    from wildcards_gen.model import Run
    from wildcards_gen.plugins import get_registry
    from wildcards_gen.stats import Stats

    registry = get_registry()
    dataset = registry.dataset("imagenet")
    defaults = {
        "root": "entity.n.01",
        "filter": "none",
        "class_list": None,
        "strict": False,
        "exclude_regex": (),
        "exclude_subtree": (),
        "blacklist_abstract": False,
    }
    run = Run("imagenet", {**defaults, **options}, Stats(), paths.cache_dir())
    roots = dataset.find_roots(run)
    with Engine(workers) as engine:
        raw = walk(engine, registry.pm.hook, dataset, run, roots)
    return raw, run


def raw_nodes(raw_roots):
    stack = list(raw_roots)
    while stack:
        raw = stack.pop()
        yield raw
        stack.extend(raw.children)
