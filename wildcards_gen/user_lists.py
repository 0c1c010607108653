"""People's own lists, arranged: ``.txt`` wildcards, folders of them, YAML wildcard files, stdin.

:func:`read_inputs` turns the inputs into :class:`Source` objects (each with its
lists); :func:`arrange_sources` arranges every long enough list with the same
machinery as dataset runs (senses in context, the ``arrange`` hook, the writer's
rules for names) and renders the result:

- ``.txt`` files, folders and stdin become one YAML file: a top-level key per list
  (named after the file; a folder's sub-folders become keys above them), each key
  with a WordNet gloss as ``# instruction:`` where a synset names it;
- a YAML wildcard file is edited in place: each arranged list is replaced by its
  groups, every other line (keys, comments, instructions, lists left alone) stays
  byte for byte.

Nothing is lost: every input term is in exactly one output list; exact duplicates
within a list are merged and counted.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wildcards_gen.errors import UsageError
from wildcards_gen.model import Category, Run

STDIN = "-"


@dataclass
class UserList:
    """One list of terms: where it is, what it is called, its terms (duplicates kept as read)."""

    path: tuple[str, ...]  # keys from the top, the list's own name last
    terms: list[str]
    instruction: str | None = None  # the key's '# instruction:' (YAML input)
    # YAML input: where the list is, to splice the groups in
    key_line: int = 0  # 0-based
    key_column: int = 0
    first_line: int = 0
    last_line: int = 0
    flow: bool = False
    item_comments: dict = field(default_factory=dict)  # term -> its end-of-line comment


@dataclass
class Source:
    """One input: a .txt file, a folder, stdin or a YAML file, and the lists it holds."""

    name: str  # as given on the command line
    kind: str  # "txt", "folder", "stdin", "yaml"
    lists: list[UserList]
    text: str = ""  # YAML input: the original text, edited in place


# -- reading ----------------------------------------------------------------------------


def read_text(path: str | Path, what: str = "input") -> str:
    """A text file's contents (UTF-8, BOM dropped); binary, empty-handed or unreadable input is a UsageError."""
    from wildcards_gen.yaml_input import SIZE_ENV, max_input_bytes, read_bytes

    if str(path) == STDIN:
        limit = max_input_bytes()
        try:
            data = (
                sys.stdin.buffer.read(limit + 1) if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode("utf-8")
            )
        except OSError as exc:
            raise UsageError(f"standard input: cannot read it: {exc.strerror or exc}") from None
        shown = "standard input"
        if len(data) > limit:
            raise UsageError(f"{shown}: larger than {limit // (1024 * 1024)} MB; raise {SIZE_ENV} to read it")
    else:
        if not os.path.lexists(path):
            raise UsageError(f"{path}: no such file or folder")
        data = read_bytes(path, what)
        shown = str(path)
    if b"\0" in data:
        raise UsageError(f"{shown}: a binary file, not a text wildcard file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{shown}: not UTF-8 text (byte {exc.start})") from None


def parse_txt(text: str) -> list[str]:
    """Terms of a ``.txt`` wildcard: one a line; blank lines and ``#`` comment lines skipped."""
    terms = []
    for line in text.splitlines():
        term = line.strip()
        if term and not term.startswith("#"):
            terms.append(term)
    return terms


def read_inputs(names: list[str]) -> list[Source]:
    """Every input as a :class:`Source`; errors name the input."""
    if not names:
        raise UsageError("no input: give a .txt or YAML wildcard file, a folder of .txt files, or - for stdin")
    if names.count(STDIN) > 1:
        raise UsageError("'-' (standard input) can be given once")
    sources = []
    for name in names:
        path = Path(name)
        if name == STDIN:
            sources.append(Source(name, "stdin", [UserList(("items",), parse_txt(read_text(STDIN)))]))
        elif path.is_dir():
            sources.append(read_folder(path))
        elif path.suffix.lower() in (".yaml", ".yml"):
            text = read_text(path)
            sources.append(Source(name, "yaml", yaml_lists(text, path), text))
        else:
            sources.append(Source(name, "txt", [UserList((path.stem,), parse_txt(read_text(path)))]))
    for source in sources:
        if not any(lst.terms for lst in source.lists):
            raise UsageError(f"{source.name if source.kind != 'stdin' else 'standard input'}: no terms to arrange")
    return sources


def read_folder(folder: Path) -> Source:
    """Every ``.txt`` file below ``folder`` (sorted; hidden files and folders skipped), keyed by its path."""
    lists = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.lower().endswith(".txt") and not name.startswith("."):
                path = Path(root, name)
                keys = (*path.relative_to(folder).parent.parts, path.stem)
                lists.append(UserList(keys, parse_txt(read_text(path))))
    if not lists:
        raise UsageError(f"{folder}: no .txt wildcard files in this folder")
    return Source(str(folder), "folder", lists)


def yaml_lists(text: str, path: Path) -> list[UserList]:
    """Every list of plain items in a YAML wildcard file, with where it is (to edit it in place)."""
    from wildcards_gen.yaml_input import MappingNode, ScalarNode, SequenceNode, compose, line_comment

    root = compose(text, path, "wildcard file")
    if root is None or not isinstance(root, MappingNode):
        raise UsageError(f"{path}: expected a mapping of category keys at the top")
    lines = text.splitlines()
    found: list[UserList] = []
    stack: list[tuple[Any, tuple[str, ...]]] = [(root, ())]
    seen: set[int] = set()  # an aliased list is one list in the file: edited once, where it is written
    while stack:
        node, above = stack.pop()
        for knode, vnode in reversed(node.value):
            if not isinstance(knode, ScalarNode):
                continue
            here = (*above, str(knode.value))
            if id(vnode) in seen:
                continue
            seen.add(id(vnode))
            if isinstance(vnode, MappingNode):
                stack.append((vnode, here))
            elif (
                isinstance(vnode, SequenceNode) and vnode.value and all(isinstance(i, ScalarNode) for i in vnode.value)
            ):
                key_line = knode.start_mark.line
                comment = line_comment(lines[key_line]) or ""
                instruction = comment.split("instruction:", 1)[1].strip() if "instruction:" in comment else None
                items = [str(i.value) for i in vnode.value]
                comments: dict[str, str] = {}
                for item in vnode.value:
                    end = item.end_mark.line
                    tail = line_comment(lines[item.start_mark.line]) if end == item.start_mark.line else None
                    if tail and vnode.flow_style is not True:
                        comments.setdefault(str(item.value), tail)
                found.append(
                    UserList(
                        here,
                        items,
                        instruction,
                        key_line,
                        knode.start_mark.column,
                        vnode.value[0].start_mark.line,
                        max(i.end_mark.line for i in vnode.value),
                        bool(vnode.flow_style),
                        comments,
                    )
                )
    found.sort(key=lambda lst: lst.key_line)
    return found


# -- arranging --------------------------------------------------------------------------------


def category_of(name: str, terms: list[str], given: str | None, wn: Any, arranged: bool = False) -> str | None:
    """The WNID a list is about: ``--category``, else its name read in context, else the terms' common ancestor.

    ``arranged``: the list will be arranged, so a name whose senses the terms do not tell apart
    is left (None) for the arrangement's embedding stage to decide.
    """
    from wildcards_gen import senses

    if given:
        return given
    if arranged and name and name != "items" and len(senses.category_options(wn, name, terms)) > 1:
        return None
    found = senses.resolve_category(wn, name, terms) if name and name != "items" else None
    if found:
        return found
    return senses.common_category(wn, senses.choose_senses(wn, terms))


def resolve_category_option(text: str | None, wn: Any) -> str | None:
    """``--category``: a WNID, a synset name or a noun; an unknown one is a UsageError with close matches."""
    if not text:
        return None
    synset, _ = wn.resolve(text)  # raises UsageError with suggestions
    return synset.wnid


def build(
    sources: list[Source], run: Run, registry: Any, engine: Any, category: str | None = None, progress: Any = None
) -> dict:
    """Arrange every long enough list: ``{id(list): Category}`` for every list (an arranged one has children).

    Lists too short to arrange stay as they are (listed in the run report).
    """
    from wildcards_gen import arrangement, wordnet

    wn: Any = wordnet.get()
    stats = run.stats
    cats = {}
    for source in sources:
        for lst in source.lists:
            unique = list(dict.fromkeys(lst.terms))
            stats.incr("input.lists")
            stats.incr("input.terms", len(lst.terms))
            if len(unique) != len(lst.terms):
                stats.incr("items.duplicates_merged", len(lst.terms) - len(unique))
                stats.event("duplicates_merged", list="/".join(lst.path), count=len(lst.terms) - len(unique))
            name = lst.path[-1]
            arranged = len(unique) >= arrangement.min_items(run)
            synset = category_of(name, unique, category, wn, arranged)
            gloss = lst.instruction or (wn.synset(synset).gloss if synset else None)
            cats[id(lst)] = Category(
                name,
                instruction=gloss,
                synset=synset,
                id=synset,
                items=unique,
                instruction_kind="gloss" if gloss else None,
            )
            if not arranged:
                stats.event("too_short_to_arrange", list="/".join(lst.path), terms=len(unique))
    arrangement.arrange_tree(list(cats.values()), run, engine, registry, progress=progress)
    for cat in cats.values():  # a name the arrangement read in context (its embeddings told the senses apart)
        if cat.instruction is None and cat.synset:
            cat.instruction, cat.instruction_kind = wn.synset(cat.synset).gloss, "gloss"
    return cats


def render(sources: list[Source], cats: dict, run: Run, fmt: str) -> str:
    """The output: one YAML (or JSONL) text for all inputs."""
    from wildcards_gen import tree, writer

    if any(s.kind == "yaml" for s in sources):
        if len(sources) > 1:
            raise UsageError("a YAML file is edited in place: arrange it alone, or give only .txt inputs")
        arranged = {key: tree.finalize([cat], run)[0] for key, cat in cats.items() if cat.children}
        text = splice(sources[0], arranged)
        return text if fmt == "yaml" else _jsonl_of_yaml(text)
    top: list[Category] = []
    for source in sources:
        for lst in source.lists:
            _place(top, lst.path[:-1], cats[id(lst)])
    glosses = run.options.get("glosses", True)
    for root in top:
        for cat in root.walk():
            if not glosses:
                cat.instruction = None
            elif cat.instruction is None:
                cat.instruction, cat.instruction_kind = f"Kinds of {cat.name}.", "fallback"
    categories = tree.finalize(top, run)
    if fmt == "jsonl":
        return writer.render_jsonl(categories)
    names = ", ".join("standard input" if s.kind == "stdin" else Path(s.name).name for s in sources)
    return writer.render_yaml(categories, [f"Arranged by wildcards-gen from {names}"])


def _place(top: list[Category], keys: tuple[str, ...], cat: Category) -> None:
    """Put ``cat`` below the keys (folders) ``keys``, creating them."""
    level = top
    for key in keys:
        found = next((c for c in level if c.name == key), None)
        if found is None:
            found = Category(key)
            level.append(found)
        level = found.children
    level.append(cat)


def splice(source: Source, arranged: dict) -> str:
    """The YAML file with each arranged list replaced by its groups; every other line unchanged."""
    from wildcards_gen import writer

    lines = source.text.splitlines(keepends=True)
    ending = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    for lst in sorted((lst for lst in source.lists if id(lst) in arranged), key=lambda lst: -lst.key_line):
        cat = arranged[id(lst)]
        indent = " " * (lst.key_column + 2)
        body = writer.render_yaml(cat.children)
        rendered = []
        for line in body.splitlines():
            stripped = line.lstrip()
            if stripped.startswith("- ") and lst.item_comments:
                from wildcards_gen.yaml_emit import _Scalars

                term = next((t for t in lst.item_comments if _Scalars().render(t, False) == stripped[2:]), None)
                if term is not None:
                    line += f" {lst.item_comments[term]}"
            rendered.append(indent + line + ending)
        if lst.flow:
            from wildcards_gen.yaml_input import line_comment

            key_text = lines[lst.key_line]
            comment = line_comment(key_text.rstrip("\r\n"))
            colon = key_text.index(":", lst.key_column)
            head = key_text[: colon + 1] + (f" {comment}" if comment else "") + ending
            lines[lst.key_line : lst.last_line + 1] = [head, *rendered]
        else:
            lines[lst.first_line : lst.last_line + 1] = rendered
    return "".join(lines)


def _jsonl_of_yaml(text: str) -> str:
    import json

    from wildcards_gen.yaml_input import parse

    data = parse(text, "<output>", "arranged file")
    out: list[str] = []

    def walk(node, path):
        for key, value in node.items():
            if isinstance(value, dict):
                walk(value, (*path, str(key)))
            elif isinstance(value, list):
                out.extend(json.dumps({"path": [*path, str(key)], "item": str(i)}, ensure_ascii=False) for i in value)

    walk(data, ())
    return "".join(line + "\n" for line in out)
