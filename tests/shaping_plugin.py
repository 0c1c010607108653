"""A throwaway dataset for the shaping tests: WordNet hyponyms below --root.

It stands in for any dataset plugin: shaping works on the host's node tree,
whatever plugin produced it.
"""

from __future__ import annotations

import click

from wildcards_gen import Dataset, Node, UsageError, hookimpl

NAME = "wn-hyponyms"


def node_of(synset) -> Node:
    return Node(id=synset.wnid, name=synset.lemmas[0], synonyms=tuple(synset.lemmas[1:]),
                gloss=synset.gloss, synset=synset.wnid)


def find_roots(run):
    roots = []
    for text in run.options.get("wn_root") or ("dog.n.01",):
        synset = run.wordnet.synset(text)
        if synset is None:
            raise UsageError(f"unknown root {text!r}")
        roots.append(node_of(synset))
    return roots


class WordNetHyponyms:
    @hookimpl
    def register_datasets(self, register):
        register(Dataset(
            NAME, "WordNet hyponyms below --wn-root (test dataset)", find_roots,
            options=[click.Option(["--wn-root"], multiple=True)],
            presets={"balanced": {"min_hyponyms": 40}},
            skip_nodes=("working dog",),
        ))

    @hookimpl
    def iter_children(self, dataset, node, run):
        if dataset != NAME:
            return None
        wn = run.wordnet
        synset = wn.synset(node.synset)
        return [node_of(wn.synset(h)) for h in synset.hyponyms + synset.instance_hyponyms]
