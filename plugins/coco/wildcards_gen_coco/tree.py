"""The dataset's tree: supercategories as keys, categories as their items, every name mapped once.

Built once per run from the categories (the packaged table or an annotation file): names
prepared (:mod:`names`), each supercategory's names mapped (:mod:`mapping`), and the
mapping written to the run report, so ``iter_children`` only looks nodes up.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from wildcards_gen import Node
from wildcards_gen_coco import mapping, names
from wildcards_gen_coco.table import Category

UNCATEGORIZED = "uncategorized"  # the key for categories that name no supercategory
BRANCHES = {
    "stuff": (
        "Amorphous background regions and materials of a scene, as COCO-Stuff labels them: "
        "sky, ground, walls, floors, plants, water, textiles and the like."
    ),
}


class Tree(NamedTuple):
    roots: list[Node]
    children: dict  # node id -> [Node, ...]


def build(categories: Sequence[Category], run: Any) -> Tree:
    """Group ``categories`` by branch and supercategory (first-seen order), map them, build the nodes."""
    groups: dict[tuple, list[Category]] = {}
    for category in categories:
        groups.setdefault((category.branch, category.supercategory), []).append(category)
    roots: list[Node] = []
    children: dict[str, list[Node]] = {}
    for (branch, raw), members in groups.items():
        top = _group(branch, raw, members, run, children)
        if branch is None:
            roots.append(top)
            continue
        branch_id = f"coco:{branch}"
        if branch_id not in children:
            roots.append(Node(branch_id, branch, (), BRANCHES.get(branch)))
            children[branch_id] = []
        children[branch_id].append(top)
    return Tree(roots, children)


def _group(branch: str | None, raw: str | None, members: list[Category], run: Any, children: dict) -> Node:
    """One supercategory's node, its categories' nodes in ``children``, the mapping in the report."""
    wn, stats = run.wordnet, run.stats
    parent = names.supercategory(raw) if raw else None
    prepared = [names.category(c.name, parent, wn) for c in members]
    senses = mapping.senses_of(wn, parent, prepared)
    node_id = f"coco:{branch or 'supercategory'}:{raw}" if raw else f"coco:{UNCATEGORIZED}"
    if raw:
        stats.incr("coco.supercategories")
        top = senses.supercategory
        stats.event(
            "coco_supercategory",
            name=raw,
            shown=parent,
            synset=_name(wn, top.wnid),
            wnid=top.wnid,
            how=top.how,
            ambiguous=top.ambiguous,
            rejected=_name(wn, senses.rejected),
        )
        if top.wnid:
            stats.incr("coco.supercategories_mapped")
    children[node_id] = [_category_node(c, n, s, raw, run) for c, n, s in zip(members, prepared, senses.categories)]
    shown = parent or UNCATEGORIZED
    synonyms = (raw,) if raw and raw != shown else ()
    wnid = senses.supercategory.wnid
    return Node(node_id, shown, synonyms, _gloss(wn, wnid), wnid)


def _category_node(category: Category, name: names.Name, sense: mapping.Choice, raw: str | None, run: Any) -> Node:
    wn, stats = run.wordnet, run.stats
    stats.incr("coco.categories")
    where = {"id": category.id, "name": category.name, "supercategory": raw, "match": name.match}
    if sense.wnid:
        stats.incr("coco.mapped")
        if sense.ambiguous:
            stats.incr("coco.ambiguous")
        stats.event(
            "coco_mapped",
            **where,
            synset=_name(wn, sense.wnid),
            wnid=sense.wnid,
            how=sense.how,
            ambiguous=sense.ambiguous,
        )
    else:
        stats.incr("coco.unmapped")
        stats.event("coco_unmapped", **where)
    synonyms = (category.name,) if category.name != name.display else ()
    return Node(f"coco:{category.id}", name.display, synonyms, _gloss(wn, sense.wnid), sense.wnid)


def _gloss(wn: Any, wnid: str | None) -> str | None:
    synset = wn.synset(wnid) if wnid else None
    return synset.gloss if synset is not None else None


def _name(wn: Any, wnid: str | None) -> str | None:
    synset = wn.synset(wnid) if wnid else None
    return synset.name if synset is not None else None
