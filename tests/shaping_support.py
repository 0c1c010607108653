"""A throwaway dataset for the shaping tests: WordNet hyponyms below --root.

It stands in for any dataset plugin: shaping works on the host's node tree,
whatever plugin produced it.
"""

from __future__ import annotations

import click

from wildcards_gen import Dataset, Node, UsageError, hookimpl

NAME = "wn-hyponyms"


def node_of(synset) -> Node:
    return Node(
        id=synset.wnid, name=synset.lemmas[0], synonyms=tuple(synset.lemmas[1:]), gloss=synset.gloss, synset=synset.wnid
    )


def find_roots(run):
    roots = []
    for text in run.options.get("wn_root") or ("dog.n.01",):
        synset = run.wordnet.synset(text)
        if synset is None:
            raise UsageError(f"unknown root {text!r}")
        roots.append(node_of(synset))
    return roots


class WordNetHyponyms:
    calls = 0  # iter_children answers, so tests can see how much was walked

    @hookimpl
    def register_datasets(self, register):
        register(
            Dataset(
                NAME,
                "WordNet hyponyms below --wn-root (test dataset)",
                find_roots,
                options=[click.Option(["--wn-root"], multiple=True)],
                presets={"balanced": {"min_hyponyms": 40}},
                skip_nodes=("working dog",),
            )
        )

    @hookimpl
    def iter_children(self, dataset, node, run):
        if dataset != NAME:
            return None
        type(self).calls += 1
        wn = run.wordnet
        synset = wn.synset(node.synset)
        return [node_of(wn.synset(h)) for h in synset.hyponyms + synset.instance_hyponyms]


# -- helpers shared by the shaping tests ---------------------------------------------


def options_for(dataset, *args) -> dict:
    """The options dict the real CLI would pass for ``args`` (defaults included)."""
    from wildcards_gen.cli import dataset_command

    command = dataset_command(dataset)
    ctx = command.make_context(dataset.name, [str(a) for a in args])
    options = dict(ctx.params)
    for key in ("output", "fmt", "stats_file"):
        options.pop(key, None)
    return options


def walk(dataset_name, *args):
    """``(dataset, raw_roots)`` walked once through the real plugin hooks."""
    from wildcards_gen import engine, paths, pipeline
    from wildcards_gen.model import Run
    from wildcards_gen.plugins import get_registry
    from wildcards_gen.stats import Stats

    registry = get_registry()
    dataset = registry.datasets[dataset_name]
    options = options_for(dataset, *args)
    run = Run(dataset.name, options, Stats(), paths.cache_dir())
    roots = pipeline.find_roots(dataset, run)
    with engine.Engine(1) as eng:
        raw = engine.walk(eng, registry.pm.hook, dataset, run, roots)
    return dataset, raw


def shaped(dataset, raw, *args):
    """Shape and finalize ``raw`` with CLI ``args``, as pipeline.build does: ``(categories, run)``."""
    from wildcards_gen import paths, shaping, tree
    from wildcards_gen.model import Run
    from wildcards_gen.stats import Stats

    run = Run(dataset.name, options_for(dataset, *args), Stats(), paths.cache_dir())
    categories = shaping.shape(raw, dataset, run)
    if categories is not None:
        categories = tree.finalize(categories, run)
    return categories, run


def raw_leaf_names(raw_roots) -> set:
    names, stack = set(), list(raw_roots)
    while stack:
        raw = stack.pop()
        if raw.children:
            stack.extend(raw.children)
        else:
            names.add(raw.node.name)
    return names


def output_items(categories) -> set:
    return {item for root in categories for cat in root.walk() for item in cat.items}


def count_categories(categories) -> int:
    return sum(1 for root in categories for _ in root.walk())


def accounted(raw_roots, categories, run) -> tuple[set, set]:
    """(input leaf names as written, output items plus items the report lists as removed)."""
    events = run.stats.events
    rewrites = {e["before"]: e["after"] for e in events.get("rewritten_item", [])}
    expected = {rewrites.get(n, n) for n in raw_leaf_names(raw_roots)}
    removed = {
        rewrites.get(e["item"], e["item"])
        for kind, evs in events.items()
        if kind.startswith("removed")
        for e in evs
        if "item" in e
    }
    return expected, output_items(categories) | removed


def invariant_violations(categories, min_leaf: int, template: str = "other_{}") -> list:
    """Chains (one child category, no items; roots excepted) and lists shorter than
    ``min_leaf`` that had a parent to merge into (a root's own list and its other_ list have none)."""
    problems = []

    def visit(cat, parent, path):
        here = f"{path}/{cat.name}" if path else cat.name
        if parent is not None and len(cat.children) == 1 and not cat.items:
            problems.append(f"chain: {here}")
        if not cat.children:
            own_list_of_root = parent is None or (parent_is_root(parent) and cat.name == template.format(parent.name))
            if not own_list_of_root and len(set(cat.items)) < min_leaf:
                problems.append(f"short list ({len(set(cat.items))}): {here}")
        for child in cat.children:
            visit(child, cat, here)

    roots = {id(r) for r in categories}

    def parent_is_root(parent):
        return id(parent) in roots

    for root in categories:
        visit(root, None, "")
    return problems


def load_yaml_tree(path):
    """The written YAML as Categories (name, children, items) plus keys lacking an instruction."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap

    from wildcards_gen.model import Category

    with open(path, encoding="utf-8") as fh:
        data = YAML().load(fh)
    missing = []

    def convert(mapping, path):
        cats = []
        for key, value in mapping.items():
            token = (mapping.ca.items.get(key) or [None, None, None])[2]
            if token is None or "# instruction:" not in token.value:
                missing.append(f"{path}/{key}")
            cat = Category(str(key))
            if isinstance(value, CommentedMap):
                cat.children = convert(value, f"{path}/{key}")
            else:
                cat.items = [str(v) for v in value]
            cats.append(cat)
        return cats

    return convert(data, ""), missing


# -- a hand-made dataset whose shaped form the rules fix exactly ------------------------------

TOY = "toy-zoo"
TOY_TREE = {
    "zoo": ["cats", "birds", "fish", "pets"],
    "cats": ["big cats"],
    "big cats": ["lion", "tiger", "leopard", "jaguar", "cheetah", "cougar"],
    "birds": ["owl", "parrot"],
    "fish": ["fish "],  # a leaf named like its parent (ids differ)
    "pets": ["dog", "cat", "hamster", "rabbit"],
}


def toy_node(key):
    return Node(id=f"toy:{key}", name=key.strip(), gloss=f"toy {key.strip()}")


class ToyZoo:
    @hookimpl
    def register_datasets(self, register):
        register(Dataset(TOY, "hand-made tree (test dataset)", lambda run: [toy_node("zoo")]))

    @hookimpl
    def iter_children(self, dataset, node, run):
        if dataset != TOY:
            return None
        return [toy_node(k) for k in TOY_TREE.get(node.id[len("toy:") :], [])]
