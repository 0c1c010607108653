"""A new wildcard file on a topic, level by level: categories with instructions, items at the bottom.

One request per category that gets sub-categories (the root's first), each
asking for the next level; the last level's categories come with their items
in the same answer. ``--size`` sets how many categories a level and items a
list are asked for. Names and items are cleaned (one line, bounded), repeats
merged, empty ones dropped (counted); a level with no usable category is asked
again. Each key's instruction is the model's, else the WordNet gloss of its
name read among its siblings, else "Kinds of <name>.".
"""

from __future__ import annotations

from typing import Any

from wildcards_gen.model import Category
from wildcards_gen_llm import texts
from wildcards_gen_llm.client import Client
from wildcards_gen_llm.validate import Invalid

SIZES = {"small": (3, 5), "medium": (5, 10), "large": (8, 20)}  # categories a level, items a list
SYSTEM = (
    "You design wildcard files for AI image prompts: categories of interchangeable, concrete, visual prompt terms. "
    "You answer with JSON only."
)


def _string() -> dict:
    return {"type": "string"}


def level_schema(categories: int, items: int | None) -> dict:
    """A level of categories (each a name and an instruction, and its items on the last level)."""
    entry: dict = {"name": _string(), "instruction": _string()}
    if items:
        entry["items"] = {"type": "array", "minItems": 1, "maxItems": items, "items": _string()}
    return {
        "type": "object",
        "properties": {
            "instruction": _string(),
            "categories": {
                "type": "array",
                "minItems": 1,
                "maxItems": categories,
                "items": {
                    "type": "object",
                    "properties": entry,
                    "required": list(entry),
                    "additionalProperties": False,
                },
            },
        },
        "required": ["instruction", "categories"],
        "additionalProperties": False,
    }


def items_schema(items: int) -> dict:
    """A single list (``--depth 1``): the topic's instruction and its items."""
    return {
        "type": "object",
        "properties": {
            "instruction": _string(),
            "items": {"type": "array", "minItems": 1, "maxItems": items, "items": _string()},
        },
        "required": ["instruction", "items"],
        "additionalProperties": False,
    }


def level_prompt(topic: str, path: list[str], categories: int, items: int | None) -> str:
    where = " > ".join(path)
    lines = [
        f'Topic: "{topic}". Category path: {where}.',
        f'Propose {categories} distinct sub-categories of "{path[-1]}" for an AI image-prompt wildcard file.',
        "For each give a short name (a noun phrase) and a one-line instruction that tells an AI what it holds",
    ]
    if items:
        lines[-1] += f", and {items} items: short, concrete prompt terms of that kind"
    lines[-1] += "."
    lines.append(f'Also give a one-line instruction for "{path[-1]}" itself.')
    return "\n".join(lines)


def items_prompt(topic: str, items: int) -> str:
    return (
        f'Topic: "{topic}". List {items} items for an AI image-prompt wildcard file: short, concrete prompt terms '
        f'of that kind. Also give a one-line instruction that tells an AI what "{topic}" holds.'
    )


def clean_items(raw: list) -> list[str]:
    return list(dict.fromkeys(t for t in (texts.term(i) for i in raw) if t))


def read_level(data: dict, with_items: bool, run: Any) -> tuple[str, list[Category]]:
    """The level's categories, cleaned and merged by name; :class:`Invalid` when none is usable."""
    found: dict[str, Category] = {}
    for entry in data["categories"]:
        name = texts.name(entry["name"])
        items = clean_items(entry.get("items") or []) if with_items else []
        if not name or (with_items and not items):
            run.stats.incr("llm.create.discarded")
            continue
        cat = found.get(name.casefold())
        if cat is None:
            found[name.casefold()] = Category(name, instruction=texts.instruction(entry["instruction"]), items=items)
        else:
            run.stats.incr("llm.create.merged")
            cat.items = list(dict.fromkeys(cat.items + items))
    if not found:
        raise Invalid("no category with a name" + (" and items" if with_items else "") + " was given")
    return texts.instruction(data.get("instruction") or ""), list(found.values())


def create(topic: str, depth: int, size: str, run: Any, progress: Any = None) -> list[Category]:
    """The topic's tree: ``depth`` levels of keys, the topic the only root."""
    client = Client(run, progress)
    categories, items = SIZES[size]
    root = Category(texts.name(topic) or "topic")
    if depth == 1:

        def one_list(data: dict) -> tuple[str, list[str]]:
            found = clean_items(data["items"])
            if not found:
                raise Invalid("no usable item was given")
            return texts.instruction(data["instruction"]), found

        root.instruction, root.items = client.ask(
            f"topic {topic!r}", SYSTEM, items_prompt(topic, items), items_schema(items), one_list
        )
    else:
        todo = [(root, [root.name], 2)]  # category, its path, the level of its children
        while todo:
            cat, path, level = todo.pop(0)
            last = level == depth

            def interpret(data: dict, last: bool = last) -> tuple[str, list[Category]]:
                return read_level(data, last, run)

            instruction, children = client.ask(
                f"category {' > '.join(path)!r}",
                SYSTEM,
                level_prompt(topic, path, categories, items if last else None),
                level_schema(categories, items if last else None),
                interpret,
            )
            cat.instruction = cat.instruction or instruction  # the parent level's words come first
            cat.children = children
            if not last:
                todo += [(child, [*path, child.name], level + 1) for child in children]
    ground(root, run)
    for cat in root.walk():
        run.stats.incr("llm.create.categories")
        run.stats.incr("llm.create.items", len(cat.items))
    return [root]


def ground(root: Category, run: Any) -> None:
    """Each key's instruction: the model's, else WordNet's gloss of its name read among its siblings.

    The model wrote its instruction knowing the topic; WordNet's sense, chosen
    from a few sibling names, can be another thing altogether ("spirits" among
    dragons and golems is the distilled drink), so it only fills a gap.
    """
    wn = run.wordnet
    stack: list[tuple[list[Category], str | None]] = [([root], None)]
    while stack:
        siblings, context = stack.pop()
        senses = wn.match_all([c.name for c in siblings], context)
        for cat, sense in zip(siblings, senses):
            if cat.instruction:
                cat.instruction_kind = "model"
            elif sense.wnid and sense.how in ("exact", "compound"):
                cat.instruction, cat.synset, cat.instruction_kind = wn.synset(sense.wnid).gloss, sense.wnid, "gloss"
            else:
                cat.instruction, cat.instruction_kind = f"Kinds of {cat.name}.", "fallback"
            if cat.children:
                stack.append((cat.children, cat.name))
