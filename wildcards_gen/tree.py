"""From the raw dataset tree to output categories: depth limit, then final tidying.

``--depth N`` means at most N levels of category keys, the root being level 1;
everything deeper is flattened into the item list of its level-N ancestor.
Items are the names of leaf nodes (nodes without children).
"""

from __future__ import annotations

import itertools

from wildcards_gen.engine import RawNode
from wildcards_gen.model import Category
from wildcards_gen.sanitize import (
    ON_DEMAND,
    ON_DEMAND_LEVELS,
    clean_item,
    clean_key,
    collision_key,
    to_ascii,
    wants_ascii,
)

DEFAULT_ORPHANS_TEMPLATE = "other_{}"


def leaf_names(raw: RawNode, memo: dict | None = None, key=id) -> list[str]:
    """Names of every leaf below ``raw`` (itself if it is a leaf), in order; memoised by ``key(node)``.

    Iterative post-order, so any depth works; a subtree met again (a node with
    two parents) is looked up, not walked again.
    """
    memo = {} if memo is None else memo
    stack = [(raw, False)]
    while stack:
        node, children_done = stack.pop()
        k = key(node)
        if k in memo:
            continue
        if not node.children:
            memo[k] = [node.node.name]
        elif children_done:
            names: list[str] = []
            for child in node.children:
                names.extend(memo[key(child)])
            memo[k] = names
        else:
            stack.append((node, True))
            stack.extend((c, False) for c in node.children if key(c) not in memo)
    return memo[key(raw)]


def category_of(raw: RawNode, run) -> Category:
    """An empty category carrying the node's identity and instruction."""
    node = raw.node
    cat = Category(node.name, id=node.id, synset=node.synset, synonyms=tuple(node.synonyms))
    if run.options.get("glosses", True):
        if node.gloss:
            cat.instruction, cat.instruction_kind = node.gloss, "gloss"
        else:
            cat.instruction, cat.instruction_kind = f"Kinds of {node.name}.", "fallback"
            run.stats.event("gloss_fallback", id=node.id, name=node.name)
    return cat


def to_categories(roots: list[RawNode], depth: int | None, run) -> list[Category]:
    """Apply the depth limit; a root that is a leaf becomes a list of itself."""
    memo: dict = {}
    out = []
    for root in roots:
        top = category_of(root, run)
        out.append(top)
        stack = [(root, top, 1)]
        while stack:
            raw, cat, level = stack.pop()
            if not raw.children:
                cat.items = [raw.node.name]
            elif depth is not None and level >= depth:
                cat.items = list(leaf_names(raw, memo))
            else:
                pending = []
                for child in raw.children:
                    if child.children:
                        sub = category_of(child, run)
                        cat.children.append(sub)
                        pending.append((child, sub, level + 1))
                    else:
                        cat.items.append(child.node.name)
                stack.extend(reversed(pending))
    return out


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
    target = run.options.get("target") or "all"
    key_style = run.options.get("key_style") or "as-is"
    ascii = bool(run.options.get("ascii"))
    as_written = bool(run.options.get("items_as_written"))

    def tidy(cat: Category, path: tuple) -> None:
        if cat.children and cat.items:
            label = clean_key(template.format(cat.name), target, key_style, ascii)
            existing = next((c for c in cat.children if c.name == label), None)
            if existing is None:
                existing = Category(
                    label, instruction=other_instruction(cat), id=cat.id, synset=cat.synset, instruction_kind="derived"
                )
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

    for root in categories:
        for cat in root.walk():
            clean_names(cat, stats, target, key_style, ascii, as_written)
    roots = unique_siblings(categories, (), stats)
    stack: list[tuple[Category, tuple]] = [(root, ()) for root in reversed(roots)]
    while stack:  # pre-order: a category is tidied before its (possibly new) children
        cat, path = stack.pop()
        tidy(cat, path)
        here = path + (cat.name,)
        stack.extend((child, here) for child in reversed(cat.children))
    if target == ON_DEMAND:
        roots = flatten_below(roots, ON_DEMAND_LEVELS, stats, target, key_style, ascii)
    return unique_for_target_tree(roots, stats, target, key_style, ascii)


def clean_names(
    cat: Category, stats, target: str = "all", key_style: str = "as-is", ascii: bool = False, as_written: bool = False
) -> None:
    """Rewrite what ``target``'s reader chokes on and apply ``key_style``; count and list each rewrite.

    ``as_written``: items are people's own prompt text (``arrange``), whose ``{a|b}``, ``__name__``
    and ``N::`` are meant as syntax: only transliterated where the target needs ASCII.
    """
    fixed = clean_key(cat.name, target, ascii=ascii)
    new = clean_key(cat.name, target, key_style, ascii)
    if fixed != cat.name:
        stats.incr("rewrites.keys")
        stats.event("rewritten_key", before=cat.name, after=fixed, target=target)
    if new != fixed:
        stats.incr("rewrites.key_style")
    cat.name = new
    cat.synonyms = tuple(clean_key(s, target, key_style, ascii) for s in cat.synonyms)
    if cat.instruction and "instruction:" in cat.instruction:  # the web app reads up to the next one
        cat.instruction = cat.instruction.replace("instruction:", "instruction -")
        stats.incr("rewrites.instructions")
    items = []
    for item in cat.items:
        if as_written:  # transliterated where the target needs it, unless nothing would be left ("\u200b")
            new = (to_ascii(item).strip() or item) if wants_ascii(target, ascii) else item
        else:
            new = clean_item(item, target, ascii)
        if new != item:
            stats.incr("rewrites.items")
            stats.event("rewritten_item", before=item, after=new, target=target)
        items.append(new)
    cat.items = items


def unique_for_target_tree(
    roots: list[Category], stats, target: str, key_style: str, ascii: bool = False
) -> list[Category]:
    """Run :func:`unique_for_target` on every sibling list, roots included."""
    roots = unique_for_target(roots, (), stats, target, key_style, ascii)
    stack: list[tuple[Category, tuple]] = [(root, ()) for root in roots]
    while stack:
        cat, path = stack.pop()
        here = path + (cat.name,)
        cat.children = unique_for_target(cat.children, here, stats, target, key_style, ascii)
        stack.extend((child, here) for child in cat.children)
    return roots


def unique_for_target(
    children: list[Category], path: tuple, stats, target: str, key_style: str, ascii: bool = False
) -> list[Category]:
    """Keep apart siblings that ``target`` reads as one wildcard (Impact Pack: ``x ray`` = ``X-Ray``).

    Runs after :func:`unique_siblings` (which compares case-insensitively), with
    its policy: in a group of siblings that are one wildcard, the first (in
    sorted order) without an unused synonym keeps its name, else the first;
    the others take an unused synonym, else ``<name> <id>``, else ``<name> 2``...
    Each rename is a ``name_collision`` event naming the target.
    """

    def fold(name: str) -> str:
        return collision_key(name, target)

    for cat in children:  # names unique_siblings made up ("<name> <id>") follow the key style too
        styled = clean_key(cat.name, target, key_style, ascii)
        if styled != cat.name:
            for event in stats.events.get("name_collision", []):
                if event.get("renamed_to") == cat.name and event.get("path") == "/".join(path):
                    event["renamed_to"] = styled
            cat.name = styled
    ordered = sorted(children, key=lambda c: _sort_key(c.name))
    taken = {fold(c.name) for c in ordered}
    groups: dict[str, list] = {}
    for cat in ordered:
        groups.setdefault(fold(cat.name), []).append(cat)

    def synonyms(cat):
        return [c for c in (clean_key(s, target, key_style, ascii) for s in cat.synonyms) if fold(c) not in taken]

    for group in groups.values():
        if len(group) < 2:
            continue
        keeper = next((c for c in group if not synonyms(c)), group[0])
        for cat in group:
            if cat is keeper:
                continue
            original = cat.name
            candidates = synonyms(cat)
            if cat.id:
                candidates.append(clean_key(f"{original} {cat.id}", target, key_style, ascii))
            numbered = (clean_key(f"{original} {n}", target, key_style, ascii) for n in itertools.count(2))
            choice = next(c for c in itertools.chain(candidates, numbered) if fold(c) not in taken)
            cat.name = choice
            taken.add(fold(choice))
            stats.event(
                "name_collision", path="/".join(path), name=original, renamed_to=choice, id=cat.id, target=target
            )
    return sorted(ordered, key=lambda c: _sort_key(c.name))


def flatten_below(
    roots: list[Category], levels: int, stats, target: str, key_style: str, ascii: bool = False
) -> list[Category]:
    """At most ``levels`` levels of keys (Impact Pack's on-demand mode reads two): every list
    deeper down moves up to level ``levels``, named by its path below there joined with spaces
    (``invertebrate arthropod arachnid``), so no list is lost and paths stay apart. Each move
    is a ``flattened`` event."""
    stack: list[tuple[Category, int, tuple[str, ...]]] = [(root, 1, (root.name,)) for root in roots]
    while stack:
        cat, level, path = stack.pop()
        if level < levels - 1:
            stack.extend((child, level + 1, path + (child.name,)) for child in cat.children)
            continue
        flat: list[Category] = []
        for child in cat.children:
            if not child.children:
                flat.append(child)
                continue
            below: list[tuple[Category, tuple[str, ...]]] = [(child, (child.name,))]
            while below:
                node, names = below.pop()
                if node.children:
                    below.extend((c, names + (c.name,)) for c in reversed(node.children))
                    continue
                renamed = clean_key(" ".join(names), target, key_style, ascii)
                stats.incr("flattened.lists")
                stats.event("flattened", path="/".join(path + names), renamed_to="/".join(path + (renamed,)))
                node.name = renamed
                node.synonyms = ()
                flat.append(node)
        cat.children = sorted(flat, key=lambda c: _sort_key(c.name))
    return roots


def other_instruction(parent: Category) -> str | None:
    if parent.instruction is None:
        return None
    return f"Other kinds of {parent.name}: {parent.instruction}"


def unique_siblings(children: list[Category], path: tuple, stats) -> list[Category]:
    """Sort siblings and keep same-named ones apart (never overwrite).

    Within a group of siblings sharing a name, one keeps the name (preferably
    one with no unused synonym); the others take their next unused synonym,
    else the name plus their id. Each rename is listed in the run report.
    """
    children = sorted(children, key=lambda c: _sort_key(c.name))
    taken = {c.name.casefold() for c in children}
    groups: dict[str, list] = {}
    for cat in children:
        groups.setdefault(cat.name.casefold(), []).append(cat)

    def free_synonym(cat):
        return next((s for s in cat.synonyms if s.casefold() not in taken), None)

    for group in groups.values():
        if len(group) < 2:
            continue
        keeper = next((c for c in group if free_synonym(c) is None), group[0])
        for cat in group:
            if cat is keeper:
                continue
            original = cat.name
            choice = free_synonym(cat)
            if choice is None:
                choice = f"{original} {cat.id}" if cat.id else f"{original} {len(taken)}"
            cat.name = choice
            taken.add(choice.casefold())
            stats.event("name_collision", path="/".join(path), name=original, renamed_to=choice, id=cat.id)
    return sorted(children, key=lambda c: _sort_key(c.name))
