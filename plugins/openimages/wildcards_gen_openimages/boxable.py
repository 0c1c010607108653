"""The 600 boxable classes in their published hierarchy, each mapped to WordNet in its parent's context.

``Subcategory`` lists kinds, ``Part`` lists parts (Person's Human body, whose
parts are Human face, Human hand...; a car's wheel is an Auto part). Parts are
not kinds of their parent, so by default (``--parts separate``) they go under
a key of their own, ``parts of <X>``; ``exclude`` drops them (each dropped
part, and any class that then appears nowhere, is listed in the report);
``as-children`` lists them with the kinds. The published file also lists
Tool, Weapon, Musical instrument and more as parts of Building: it is followed
as published.

A class under several parents is under each. Its children are the same
everywhere; its synset may differ, since each parent's children are mapped
together with the parent's name as context (a knife among kitchen utensils
is the edge tool, among weapons the weapon).
"""

from __future__ import annotations

import difflib

from wildcards_gen import DataError, Node, UsageError
from wildcards_gen_openimages import mapping
from wildcards_gen_openimages.hierarchy import Hierarchy
from wildcards_gen_openimages.tree import Tree

PUBLISHED_ROOT = ("/m/0bl9f", "Entity")  # the root of the published file, which the class list leaves out
PARTS = ("separate", "exclude", "as-children")
PARTS_SUFFIX = "#parts"


def names_for(h: Hierarchy, names: dict[str, str], hierarchy_path, classes_path) -> dict[str, str]:
    """Every id of the hierarchy with its display name; a class the list lacks is an error."""
    out = dict(names)
    if h.root not in out and h.root == PUBLISHED_ROOT[0]:
        out[h.root] = PUBLISHED_ROOT[1]
    for label, where in h.where.items():
        if label not in out:
            raise DataError(f"{hierarchy_path}: {where}: {label} has no display name in {classes_path}")
    return out


def select_root(h: Hierarchy, names: dict[str, str], text: str | None) -> str:
    """``--root``: an id or a display name (case-insensitive) of a class in the hierarchy."""
    if not text:
        return h.root
    key = text.strip()
    if key in h.where:
        return key
    hits = sorted(label for label in h.where if names[label].casefold() == key.casefold())
    if len(hits) == 1:
        return hits[0]
    if hits:
        raise UsageError(f"--root {text!r} is ambiguous: {', '.join(hits)}; pass the id")
    close = difflib.get_close_matches(key, sorted({names[label] for label in h.where}), n=5, cutoff=0.6)
    hint = f"; did you mean: {', '.join(close)}?" if close else ""
    raise UsageError(f"--root {text!r}: no class of the boxable hierarchy has this id or name{hint}")


def build(run, h: Hierarchy, names: dict[str, str], parts: str = "separate", root: str | None = None) -> Tree:
    """The tree below ``root`` (default: the file's root), every class mapped in its parent's context."""
    wn = run.wordnet
    stats = run.stats
    top = root or h.root
    seen: dict[str, mapping.Mapped] = {}  # per class: its first mapping, ambiguous if ambiguous anywhere
    built: dict[str, Node] = {}  # per class: its first node (a parts key takes the class's instruction)

    def nodes(labels: tuple[str, ...], parent: str | None) -> list[Node]:
        context = names[parent] if parent else None
        kinds = [[names[k] for k in h.kinds.get(label, ())] for label in labels]
        choices = mapping.match(wn, [names[label] for label in labels], context, kinds)
        out = []
        for label, mapped in zip(labels, choices):
            first = seen.get(label)
            if first is None:
                seen[label] = mapped
            elif mapped.ambiguous and not first.ambiguous:
                seen[label] = first._replace(ambiguous=True)
            if first is None or mapped.synset:  # unmapped: reported once; ambiguous: in each context
                mapping.report(run, label, names[label], mapped, context)
            node = Node(label, names[label], (), mapping.instruction(wn, mapped), mapped.synset)
            built.setdefault(label, node)
            out.append(node)
        return out

    roots = nodes((top,), None)
    children: dict[str, list[Node]] = {}
    visited, stack = {top}, [top]
    while stack:
        label = stack.pop()
        kinds, part_labels = h.kinds.get(label, ()), h.parts.get(label, ())
        out = nodes(kinds, label) if kinds else []
        if part_labels and parts == "exclude":
            for part in part_labels:
                stats.event("part_excluded", parent=label, parent_name=names[label], id=part, name=names[part])
            stats.incr("openimages.parts_excluded", len(part_labels))
        elif part_labels:
            part_nodes = nodes(part_labels, label)
            if parts == "separate":
                holder = parts_node(label, names[label], built[label].gloss)
                children[holder.id] = part_nodes
                out.append(holder)
            else:
                out.extend(n for n in part_nodes if n.id not in kinds)
        if out:
            children[label] = out
        for child in reversed([n.id for n in out] + [n.id for n in children.get(label + PARTS_SUFFIX, ())]):
            if child not in visited and not child.endswith(PARTS_SUFFIX):
                visited.add(child)
                stack.append(child)
    mapping.count(run, seen)
    if parts == "exclude":
        lost = sorted(reachable(h, top) - visited)
        for label in lost:
            stats.event("class_excluded", id=label, name=names[label])
        stats.incr("openimages.classes_excluded", len(lost))
    return Tree(roots, children)


def parts_node(label: str, name: str, gloss: str | None) -> Node:
    """The ``parts of <X>`` key; its instruction is the parent's, introduced as its parts."""
    text = f"Parts of {name}: {gloss}" if gloss else f"Parts of {name}, as Open Images labels them."
    return Node(label + PARTS_SUFFIX, f"parts of {name}", (), text, None)


def reachable(h: Hierarchy, top: str) -> set[str]:
    """Every class below ``top`` through kinds and parts."""
    seen, stack = {top}, [top]
    while stack:
        for child in h.children(stack.pop()):
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return seen
