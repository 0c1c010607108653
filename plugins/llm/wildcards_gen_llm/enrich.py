"""An instruction for every key that has none, written into the file without touching anything else.

Keys come from the composed YAML (every key with its line); a key whose line
has no ``instruction:`` comment gets one at the end of that line, after any
comment already there, and every other byte of the file stays as it was
(comments, quoting, indentation, line ends). Where it comes from:

1. WordNet, when the key is a WordNet noun read among its sibling keys with its
   parent key as context (``WordNet.match_all``): the synset's gloss;
2. else the model, asked batch by batch with each key's path and a few of its
   items (``--batch-size`` keys per request);
3. a key the model left out gets "Kinds of <key>." (counted as a fallback).

A key that shares its line with another key, or whose name or flow value runs
over several lines, cannot take an end-of-line comment safely: it is left as
it is and reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wildcards_gen_llm import texts
from wildcards_gen_llm.client import Client
from wildcards_gen_llm.validate import Invalid

DEFAULT_BATCH = 30
SHOWN_ITEMS = 8
SYSTEM = (
    "You write the instruction comments of AI image-prompt wildcard files: for each category key, one short line "
    "that tells an AI what kind of terms the category holds. You answer with JSON only."
)


@dataclass
class Key:
    """One key of the file: where it is and what is below it."""

    path: tuple[str, ...]
    line: int  # 0-based
    column: int
    has_instruction: bool
    editable: bool
    shown: list[str] = field(default_factory=list)  # a few items or sub-keys, for the model
    instruction: str | None = None
    source: str | None = None  # "wordnet", "model", "fallback"


def read_keys(text: str, path: str) -> list[Key]:
    """Every key of the file in line order (merge-key copies and aliases counted once)."""
    from wildcards_gen.errors import UsageError
    from wildcards_gen.yaml_input import Lines, MappingNode, ScalarNode, SequenceNode, compose, line_comment

    root = compose(text, path, "wildcard file")
    if root is None or not isinstance(root, MappingNode):
        raise UsageError(f"{path}: expected a mapping of category keys at the top")
    lines = Lines(text)
    keys: list[Key] = []
    seen: set[tuple[int, int]] = set()
    stack: list[tuple[Any, tuple[str, ...]]] = [(root, ())]
    while stack:
        node, above = stack.pop()
        for knode, vnode in node.value:
            if not isinstance(knode, ScalarNode) or (knode.line, knode.column) in seen:
                continue
            seen.add((knode.line, knode.column))
            here = (*above, str(knode.value))
            comment = line_comment(lines[knode.line]) or ""
            value_on_key_line = vnode.line == knode.line
            editable = knode.end_line == knode.line and (not value_on_key_line or vnode.end_line == knode.line)
            shown: list[str] = []
            if isinstance(vnode, SequenceNode):
                shown = [str(i.value) for i in list(vnode.value)[:SHOWN_ITEMS] if isinstance(i, ScalarNode)]
            elif isinstance(vnode, MappingNode):
                shown = [str(k.value) for k, _ in vnode.value[:SHOWN_ITEMS] if isinstance(k, ScalarNode)]
                stack.append((vnode, here))
            keys.append(Key(here, knode.line, knode.column, "instruction:" in comment, editable, shown))
    keys.sort(key=lambda k: (k.line, k.column))
    per_line: dict[int, int] = {}
    for key in keys:
        per_line[key.line] = per_line.get(key.line, 0) + 1
    for key in keys:
        if per_line[key.line] > 1:
            key.editable = False
    return keys


def from_wordnet(keys: list[Key], wn: Any) -> None:
    """Glosses for keys WordNet knows, each read among its siblings with its parent as context."""
    siblings: dict[tuple[str, ...], list[Key]] = {}
    for key in keys:
        siblings.setdefault(key.path[:-1], []).append(key)
    for parent, group in siblings.items():
        if not any(k.editable and not k.has_instruction for k in group):
            continue
        senses = wn.match_all([k.path[-1] for k in group], parent[-1] if parent else None)
        for key, sense in zip(group, senses):
            if key.editable and not key.has_instruction and sense.wnid and sense.how in ("exact", "compound"):
                key.instruction, key.source = wn.synset(sense.wnid).gloss, "wordnet"


def schema(ids: list[str]) -> dict:
    return {
        "type": "object",
        "properties": {
            "instructions": {
                "type": "array",
                "minItems": 1,
                "maxItems": len(ids),
                "items": {
                    "type": "object",
                    "properties": {"key": {"type": "string", "enum": ids}, "instruction": {"type": "string"}},
                    "required": ["key", "instruction"],
                    "additionalProperties": False,
                },
            }
        },
        "required": ["instructions"],
        "additionalProperties": False,
    }


def prompt(batch: dict[str, Key], file_name: str) -> str:
    lines = [
        f'Write one instruction for each of these {len(batch)} keys of the wildcard file "{file_name}".',
        "Each key is given by its path (parent > key) and a few of its items or sub-keys.",
        "Keys:",
    ]
    for ident, key in batch.items():
        lines.append(f"- {ident}" + (f" (holds: {', '.join(key.shown)})" if key.shown else ""))
    return "\n".join(lines)


def from_model(keys: list[Key], client: Client, file_name: str, size: int, run: Any) -> None:
    """Instructions for the keys still without one, ``size`` keys per request."""
    wanted: dict[str, list[Key]] = {}
    for key in keys:
        if key.editable and not key.has_instruction and key.instruction is None:
            wanted.setdefault(" > ".join(key.path), []).append(key)
    ids = list(wanted)
    batches = [ids[i : i + size] for i in range(0, len(ids), size)]
    for number, batch in enumerate(batches, 1):
        shown = {ident: wanted[ident][0] for ident in batch}

        def interpret(data: dict, batch: list[str] = batch) -> dict[str, str]:
            got: dict[str, str] = {}
            for entry in data["instructions"]:
                text = texts.instruction(entry["instruction"])
                if entry["key"] not in batch:
                    run.stats.incr("llm.invented")
                    run.stats.event("llm_invented", list="keys", terms=[str(entry["key"])])
                elif text and entry["key"] not in got:
                    got[entry["key"]] = text
            if not got:
                raise Invalid("no key of the list got an instruction")
            return got

        what = "key instructions" + (f" (batch {number} of {len(batches)})" if len(batches) > 1 else "")
        got = client.ask(what, SYSTEM, prompt(shown, file_name), schema(batch), interpret)
        for ident in batch:
            for key in wanted[ident]:
                if ident in got:
                    key.instruction, key.source = got[ident], "model"
                else:
                    key.instruction, key.source = f"Kinds of {key.path[-1]}.", "fallback"
                    run.stats.incr("llm.dropped")
                    run.stats.event("llm_dropped", list="keys", terms=[ident])


def splice(text: str, keys: list[Key]) -> str:
    """``text`` with ``# instruction: ...`` at the end of each enriched key's line; nothing else changes."""
    lines = text.splitlines(keepends=True)
    for key in keys:
        if key.instruction is None:
            continue
        line = lines[key.line]
        body = line.rstrip("\r\n")
        ending = line[len(body) :]
        body = body.rstrip(" \t")
        lines[key.line] = f"{body} # instruction: {texts.instruction(key.instruction)}{ending}"
    return "".join(lines)


def enrich(text: str, file_name: str, run: Any, progress: Any = None) -> str:
    """The file's text with an instruction on every key that can take one."""
    keys = read_keys(text, file_name)
    stats = run.stats
    from_wordnet(keys, run.wordnet)
    if any(k.editable and not k.has_instruction and k.instruction is None for k in keys):
        client = Client(run, progress)
        from_model(keys, client, file_name, int(run.options.get("llm_batch_size") or DEFAULT_BATCH), run)
    for key in keys:
        if key.has_instruction:
            stats.incr("llm.enrich.kept")
        elif not key.editable:
            stats.incr("llm.enrich.skipped")
            stats.event("llm_enrich_skipped", key="/".join(key.path), line=key.line + 1)
        elif key.source:
            stats.incr(f"llm.enrich.{key.source}")
    return splice(text, keys)
