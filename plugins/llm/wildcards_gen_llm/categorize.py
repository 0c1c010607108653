"""One list sorted into named groups by the model, with every term kept exactly once.

The model is asked batch by batch (``--batch-size`` terms per request, so a
long list fits any model's context); later batches are shown the groups named
so far. Its answer is then repaired, never trusted:

- a term it invented (not in the batch) is removed, one it placed twice keeps
  its first group, and one it left out goes to ``other_<list>``;
- a group without a usable name, or named like the list, its rest list or a
  sibling key, is named after its first member instead; groups named alike
  (ignoring case) merge;
- each group's instruction is the model's description, else the WordNet gloss
  of its name read among the other groups' names (WordNet's sense, chosen from
  a few names, can miss what the model meant: it only fills a gap).

Every count is in the run report (``llm.dropped``, ``llm.invented``,
``llm.repeated``, with ``llm_dropped`` / ``llm_invented`` events naming terms).
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Any

from wildcards_gen.model import ArrangeContext, Group
from wildcards_gen_llm import texts
from wildcards_gen_llm.client import Client
from wildcards_gen_llm.validate import Invalid

DEFAULT_BATCH = 60
MAX_GROUPS = 15
SYSTEM = (
    "You sort terms for AI image-prompt wildcard files into categories of things that belong together. "
    "You answer with JSON only."
)


def max_groups(n: int) -> int:
    return max(2, min(MAX_GROUPS, round(math.sqrt(n))))


def schema(batch: list[str], most: int) -> dict:
    """The answer's shape: groups, each a name, a description and terms taken from the batch."""
    return {
        "type": "object",
        "properties": {
            "groups": {
                "type": "array",
                "minItems": 1,
                "maxItems": most,
                "items": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string"},
                        "description": {"type": "string"},
                        "terms": {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": len(batch),
                            "items": {"type": "string", "enum": list(batch)},
                        },
                    },
                    "required": ["name", "description", "terms"],
                    "additionalProperties": False,
                },
            }
        },
        "required": ["groups"],
        "additionalProperties": False,
    }


def prompt(name: str, about: str | None, batch: list[str], most: int, known: list[str]) -> str:
    lines = [
        f'Sort these {len(batch)} terms from the list "{name}"'
        + (f" ({about})" if about else "")
        + f" into at most {most} groups of things that belong together.",
        f'Give each group a short name (a noun phrase; not "{name}", not "other") and a one-line description.',
        "Put every term in exactly one group and copy each term exactly as written.",
    ]
    if known:
        lines.append("Groups named so far (reuse a name when a term fits): " + "; ".join(known))
    lines.append("Terms:")
    lines += [f"- {t}" for t in batch]
    return "\n".join(lines)


@dataclass
class Sorted:
    """What the answers said, repaired: group -> terms, the groups' descriptions, and what was fixed."""

    groups: dict[str, list[str]] = field(default_factory=dict)  # casefolded name -> terms
    names: dict[str, str] = field(default_factory=dict)  # casefolded name -> the name as first written
    descriptions: dict[str, str] = field(default_factory=dict)
    invented: list[str] = field(default_factory=list)
    repeated: list[str] = field(default_factory=list)
    renamed: int = 0  # groups named after a member (no usable name of their own)


def read_answer(data: dict, batch: list[str], result: Sorted, refused: set[str]) -> None:
    """Add one batch's answer to ``result``; ``refused``: casefolded names a group may not take."""
    allowed = set(batch)
    placed: set[str] = set()
    for group in data["groups"]:
        members = []
        for raw in group["terms"]:
            if raw not in allowed:
                result.invented.append(raw)
            elif raw in placed:
                result.repeated.append(raw)
            else:
                placed.add(raw)
                members.append(raw)
        if not members:
            continue
        name = texts.name(group["name"])
        if not name or name.casefold() in refused:  # named after a member instead, as the builtin arranger does
            result.renamed += 1
            name = next(
                (texts.name(t) for t in members if texts.name(t) and texts.name(t).casefold() not in refused), ""
            )
        if not name:  # nothing to call it: its terms stay unplaced and go to the rest
            placed.difference_update(members)
            continue
        key = name.casefold()
        result.groups.setdefault(key, []).extend(members)
        result.names.setdefault(key, name)
        result.descriptions.setdefault(key, texts.instruction(group.get("description") or ""))
    if not placed:
        raise Invalid("no term of the list was placed in a group")


def arrange_list(name: str, terms: list[str], context: ArrangeContext, run: Any) -> list[Group] | None:
    """The ``arrange`` hook's answer for one list (None: leave it as it is)."""
    from wildcards_gen import wordnet

    options = run.options
    client = Client(run, run.state.get("wildcards_gen_llm.progress"))
    wn: Any = wordnet.get()
    terms = list(dict.fromkeys(terms))
    rest_label = (options.get("orphans_label_template") or "other_{}").format(name)
    refused = {name.casefold(), rest_label.casefold(), "other"} | {t.casefold() for t in context.taken}
    about = None
    if context.synset:
        synset = wn.synset(context.synset)
        about = f"{synset.display}: {synset.gloss}" if synset is not None else None
    size = int(options.get("llm_batch_size") or DEFAULT_BATCH)
    most = max_groups(len(terms))
    result = Sorted()
    batches = [terms[i : i + size] for i in range(0, len(terms), size)]
    for number, batch in enumerate(batches, 1):
        what = f"list {name!r}" + (f" (batch {number} of {len(batches)})" if len(batches) > 1 else "")
        known = [result.names[k] for k in result.groups]

        def interpret(data: dict, batch: list[str] = batch, so_far: Sorted = result) -> Sorted:
            trial = copy.deepcopy(so_far)  # a rejected answer leaves nothing behind
            read_answer(data, batch, trial, refused)
            return trial

        result = client.ask(what, SYSTEM, prompt(name, about, batch, most, known), schema(batch, most), interpret)
    placed = {t for group in result.groups.values() for t in group}
    dropped = [t for t in terms if t not in placed]
    _report(run, name, dropped, result)
    if len(result.groups) + (1 if dropped else 0) < 2:
        run.stats.event("llm_not_split", list=name, groups=len(result.groups))
        return None
    return _groups(wn, name, result, dropped, rest_label)


def _groups(wn: Any, parent: str, result: Sorted, dropped: list[str], rest_label: str) -> list[Group]:
    keys = sorted(result.groups, key=lambda k: (k, result.names[k]))
    names = [result.names[k] for k in keys]
    senses = wn.match_all(names, parent) if names else []
    out = []
    for key, display, sense in zip(keys, names, senses):
        instruction, synset = result.descriptions.get(key) or None, None
        if instruction is None and sense.wnid and sense.how in ("exact", "compound"):
            synset = sense.wnid
            instruction = wn.synset(synset).gloss
        out.append(Group(display, sorted(result.groups[key], key=_sort_key), instruction, synset))
    if dropped:
        out.append(Group(rest_label, sorted(dropped, key=_sort_key)))
    return out


def _report(run: Any, name: str, dropped: list[str], result: Sorted) -> None:
    stats = run.stats
    if result.renamed:
        stats.incr("llm.renamed", result.renamed)
    for kind, found in (("dropped", dropped), ("invented", result.invented), ("repeated", result.repeated)):
        if found:
            stats.incr(f"llm.{kind}", len(found))
            stats.event(f"llm_{kind}", list=name, terms=sorted(set(found), key=_sort_key))


def _sort_key(text: str):
    return (text.casefold(), text)
