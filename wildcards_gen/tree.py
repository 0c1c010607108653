"""From the raw dataset tree to output categories: depth limit, then final tidying.

``--depth N`` means at most N levels of category keys, the root being level 1;
everything deeper is flattened into the item list of its level-N ancestor.
Items are the names of leaf nodes (nodes without children).
"""

from __future__ import annotations

from wildcards_gen.engine import RawNode
from wildcards_gen.model import Category
from wildcards_gen.sanitize import clean_item, clean_key

DEFAULT_ORPHANS_TEMPLATE = "other_{}"


def leaf_names(raw: RawNode, memo: dict | None = None) -> list[str]:
    """Names of every leaf below ``raw`` (itself if it is a leaf), memoised by node id."""
    memo = {} if memo is None else memo
    key = id(raw)
    if key in memo:
        return memo[key]
    if not raw.children:
        names = [raw.node.name]
    else:
        names = []
        for child in raw.children:
            names.extend(leaf_names(child, memo))
    memo[key] = names
    return names


def category_of(raw: RawNode, run) -> Category:
    """An empty category carrying the node's identity and instruction."""
    node = raw.node
    cat = Category(node.name, id=node.id, synset=node.synset, synonyms=tuple(node.synonyms))
    if run.options.get("glosses", True):
        if node.gloss:
            cat.instruction = node.gloss
            run.stats.incr("glosses.found")
        else:
            cat.instruction = f"Kinds of {node.name}."
            run.stats.incr("glosses.missing")
            run.stats.event("gloss_fallback", id=node.id, name=node.name)
    return cat


def to_categories(roots: list[RawNode], depth: int | None, run) -> list[Category]:
    """Apply the depth limit; a root that is a leaf becomes a list of itself."""
    memo: dict = {}

    def convert(raw: RawNode, level: int) -> Category:
        cat = category_of(raw, run)
        if not raw.children:
            cat.items = [raw.node.name]
        elif depth is not None and level >= depth:
            cat.items = list(leaf_names(raw, memo))
        else:
            for child in raw.children:
                if child.children:
                    cat.children.append(convert(child, level + 1))
                else:
                    cat.items.append(child.node.name)
        return cat

    return [convert(r, 1) for r in roots]


def _sort_key(name: str):
    return (name.casefold(), name)


def finalize(categories: list[Category], run) -> list[Category]:
    """Make the tree writable: mixed categories split, names unique, lists sorted.

    A category with both sub-categories and items moves its items into an
    ``other_<name>`` child (``--orphans-label-template``); duplicate items in
    a list are merged (counted); two sibling keys with the same name are kept
    apart with the second one's next synonym (listed in the report).
    """
    template = run.options.get("orphans_label_template") or DEFAULT_ORPHANS_TEMPLATE
    stats = run.stats

    def tidy(cat: Category, path: tuple) -> None:
        if cat.children and cat.items:
            label = clean_key(template.format(cat.name))
            existing = next((c for c in cat.children if c.name == label), None)
            if existing is None:
                existing = Category(label, instruction=other_instruction(cat), id=cat.id, synset=cat.synset)
                cat.children.append(existing)
            existing.items.extend(cat.items)
            cat.items = []
        if not cat.children and not cat.items:
            cat.items = [cat.name]
            stats.event("empty_category_filled", path="/".join(path + (cat.name,)))
        if cat.items:
            unique = sorted(set(cat.items), key=_sort_key)
            if len(unique) != len(cat.items):
                stats.incr("items.duplicates_merged", len(cat.items) - len(unique))
            cat.items = unique
        cat.children = unique_siblings(cat.children, path + (cat.name,), stats)
        for child in cat.children:
            tidy(child, path + (cat.name,))

    for root in categories:
        for cat in root.walk():
            clean_names(cat, stats)
    roots = unique_siblings(categories, (), stats)
    for root in roots:
        tidy(root, ())
    return roots


def clean_names(cat: Category, stats) -> None:
    """Rewrite characters the wildcard readers choke on; count and list each rewrite."""
    new = clean_key(cat.name)
    if new != cat.name:
        stats.incr("rewrites.keys")
        stats.event("rewritten_key", before=cat.name, after=new)
        cat.name = new
    cat.synonyms = tuple(clean_key(s) for s in cat.synonyms)
    items = []
    for item in cat.items:
        new = clean_item(item)
        if new != item:
            stats.incr("rewrites.items")
            stats.event("rewritten_item", before=item, after=new)
        items.append(new)
    cat.items = items


def other_instruction(parent: Category) -> str | None:
    if parent.instruction is None:
        return None
    return f"Other kinds of {parent.name}: {parent.instruction}"


def unique_siblings(children: list[Category], path: tuple, stats) -> list[Category]:
    """Sort siblings and rename repeats with an unused synonym (never overwrite)."""
    children = sorted(children, key=lambda c: _sort_key(c.name))
    taken = {c.name.casefold() for c in children}
    seen: set[str] = set()
    for cat in children:
        if cat.name.casefold() not in seen:
            seen.add(cat.name.casefold())
            continue
        original = cat.name
        choice = next(
            (s for s in cat.synonyms if s.casefold() not in taken and s.casefold() not in seen),
            None,
        )
        if choice is None:
            choice = f"{original} {cat.id}" if cat.id else f"{original} 2"
        cat.name = choice
        seen.add(choice.casefold())
        taken.add(choice.casefold())
        stats.event("name_collision", path="/".join(path), name=original, renamed_to=choice, id=cat.id)
    return sorted(children, key=lambda c: _sort_key(c.name))
