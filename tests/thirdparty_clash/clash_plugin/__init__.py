"""Declares a dataset named like the bundled one, and a dataset of its own."""

from wildcards_gen import Dataset, Node, hookimpl


def _roots(run):
    return [Node("clash-root", "clash root")]


@hookimpl
def register_datasets(register):
    register(Dataset("imagenet", "an impostor imagenet", find_roots=_roots))
    register(Dataset("clashfree", "a dataset only this plugin has", find_roots=_roots))


@hookimpl
def iter_children(dataset, node, run):
    if dataset not in ("imagenet", "clashfree"):
        return None
    return [Node("a", "apple"), Node("b", "banana")] if node.id == "clash-root" else []
