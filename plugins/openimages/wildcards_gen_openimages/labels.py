"""``--labels all``: Open Images' ~20,000 image-level labels, placed in WordNet's noun hierarchy.

The labels come with no hierarchy, only names. Each is mapped with the host's
``match_all`` (the agreement model, in groups), then hung where its synset is:

- a label mapped to synset S sits at S, on a hypernym path from S up to
  entity (where S has two hypernyms, the one more labels lie below);
- a label WordNet knows only by its head phrase ("Vehicle registration plate":
  plate) sits under the head's synset as one of its kinds;
- a label with no noun at all stays, in the root's ``other_entity`` list.

Of the WordNet nodes on those paths only the ones that hold labels or branch
are kept (a chain of single children is collapsed into its lowest node), so
the tree is WordNet's shape, as deep as the labels need; ``--smart`` and
``--depth`` shape it further. A synset that holds labels and has more below it
is a key named after its first label, with its own labels also listed as items
(the self items ``--smart`` drops with ``drop_self_items``); a synset that only
holds labels adds them to its parent's list. Keys are WordNet nodes (``Node.id``
and ``Node.synset`` the WNID, the gloss as instruction); items are labels
(``Node.id`` the ``/m/`` or ``/g/`` id).
"""

from __future__ import annotations

from collections import Counter
from itertools import pairwise

from wildcards_gen import Node
from wildcards_gen_openimages import mapping
from wildcards_gen_openimages.tree import Tree

ENTITY = "n00001740"  # entity.n.01, the top of WordNet's nouns


def build(run, labels: dict[str, str]) -> Tree:
    """The WordNet-shaped tree of ``labels`` (``{id: display name}``, in file order)."""
    wn = run.wordnet
    ids = list(labels)
    choices = mapping.match(wn, [labels[i] for i in ids], None)
    at: dict[str, list[str]] = {}  # synset -> labels that are it
    kinds: dict[str, list[str]] = {}  # synset -> labels that are kinds of it (head matches)
    unplaced: list[str] = []
    for label, mapped in zip(ids, choices):
        mapping.report(run, label, labels[label], mapped, None)
        if mapped.synset:
            at.setdefault(mapped.synset, []).append(label)
        elif mapped.head:
            kinds.setdefault(mapped.head, []).append(label)
        else:
            unplaced.append(label)
    mapping.count(run, dict(zip(ids, choices)))
    run.stats.incr("openimages.kinds_of_head", sum(len(v) for v in kinds.values()))

    below = trie(wn, set(at) | set(kinds))
    keep = {ENTITY} | set(at) | set(kinds) | {s for s, kids in below.items() if len(kids) > 1}

    def kept_children(synset: str) -> list[str]:
        out = []
        for child in sorted(below.get(synset, ())):
            while child not in keep:
                (child,) = below[child]  # not kept: exactly one child
            out.append(child)
        return out

    def label_node(label: str, synset: str | None) -> Node:
        gloss = wn.synset(synset).gloss if synset else None
        return Node(label, labels[label], (), gloss, synset)

    children: dict[str, list[Node]] = {}

    def key_node(synset: str) -> Node:
        s = wn.synset(synset)
        own = at.get(synset, [])
        name = labels[own[0]] if own else s.display
        synonyms = tuple(dict.fromkeys(n for n in (*(labels[o] for o in own[1:]), *s.lemmas) if n != name))
        return Node(synset, name, synonyms, s.gloss, synset)

    roots = [key_node(ENTITY)]
    stack = [ENTITY]
    while stack:
        synset = stack.pop()
        out = [label_node(label, synset) for label in at.get(synset, [])]
        out += [label_node(label, None) for label in kinds.get(synset, [])]
        for child in kept_children(synset):
            if below.get(child) or kinds.get(child):
                out.append(key_node(child))
                stack.append(child)
            else:  # holds labels only: they join this list
                out.extend(label_node(label, child) for label in at[child])
        if synset == ENTITY:
            out += [label_node(label, None) for label in unplaced]
        if out:
            children[synset] = out
    return Tree(roots, children)


def path_up(wn, synset: str, support: dict[str, int]) -> list[str]:
    """``synset`` and its ancestors up to entity, through the parent that the most labels lie below.

    A synset with two hypernyms (alcohol: a beverage and a drug of abuse) is
    hung under the one that already gathers the labels (beverage, among foods);
    WordNet's order breaks ties. An instance goes under its class.
    """
    path = [synset]
    seen = {synset}
    while True:
        s = wn.synset(path[-1])
        parents = [p for p in ((s.hypernyms or s.instance_hypernyms) if s is not None else ()) if p not in seen]
        if not parents:
            return path if path[-1] == ENTITY else [*path, ENTITY]
        best = max(range(len(parents)), key=lambda i: (support.get(parents[i], 0), -i))
        seen.add(parents[best])
        path.append(parents[best])


def trie(wn, synsets: set[str]) -> dict[str, set[str]]:
    """``{synset: its children}`` over the union of the paths from each of ``synsets`` up to entity."""
    wn.prefetch(synsets)
    support: Counter = Counter()
    for synset in synsets:
        support.update(wn.upward_closure([synset]))
    below: dict[str, set[str]] = {}
    for synset in sorted(synsets):
        path = path_up(wn, synset, support)
        for child, parent in pairwise(path):
            below.setdefault(parent, set()).add(child)
    return below
