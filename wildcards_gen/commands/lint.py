"""``wildcards-gen lint FILE``: outliers, duplicates and names the wildcard readers mishandle.

Outliers use exactly the rule of ``--semantic-clean`` (``arrangement.clean``:
far from the rest of its list, unusually far for that list, at most a tenth
of a list, and never a term that WordNet places below the list's category).
A list's category is the synset of its key whose gloss is the key's
``# instruction:`` comment (what the writer put there), else the key's
primary noun sense. Reader rules come from :mod:`wildcards_gen.sanitize`.
``--clean -o OUT`` removes the outliers from a round-trip copy, so every
comment and the layout survive.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass

import click

_OTHER = re.compile(r"^Other kinds of (?P<name>.+?): (?P<gloss>.*)$")
_KINDS = re.compile(r"^Kinds of (?P<name>.+)\.$")


@dataclass
class Finding:
    kind: str  # outlier | duplicate | key | item | structure
    list: str  # the key path, '/'-joined
    line: int
    text: str
    detail: str
    reader: str | None = None
    distance: float | None = None


def category_synset(wn, name: str, instruction: str | None, terms=()) -> str | None:
    """The WNID behind a list's key, for the rule that protects the category's own kinds.

    The sense of the key whose gloss is the key's instruction; when the key was
    rewritten for the readers (``woman's clothing`` -> ``womans clothing``),
    the ancestor of the list's terms with that gloss; else the key's first sense.
    """
    gloss = None
    if instruction:
        gloss = instruction
        other = _OTHER.match(instruction)
        kinds = _KINDS.match(instruction)
        if other:
            name, gloss = other.group("name"), other.group("gloss")
        elif kinds:
            name, gloss = kinds.group("name"), None
    senses = wn.senses(name) or wn.senses(name.replace("_", " "))
    if gloss:
        wanted = " ".join(gloss.split())
        for sense in senses:
            if " ".join(sense.gloss.split()) == wanted:
                return sense.wnid
        seen: set = set()
        for term in list(terms)[:200]:
            for sense in wn.senses(str(term)):
                for wnid in sorted(wn.ancestors(sense.wnid) - seen):
                    seen.add(wnid)
                    ancestor = wn.synset(wnid)
                    if ancestor is not None and " ".join(ancestor.gloss.split()) == wanted:
                        return wnid
    if senses:
        return senses[0].wnid
    return None


# Lists are embedded in batches of about this many terms: one call per batch keeps the cache
# and the model busy, and memory stays bounded however large the file (a term's rows are
# a few kilobytes: its own and its candidate senses').
OUTLIER_BATCH_TERMS = 5000


def outliers(wfile, options: dict) -> list[Finding]:
    """Semantic outliers of every leaf list, embedded batch by batch (cache first)."""
    from wildcards_gen import arrangement

    found: list[Finding] = []
    batch: list = []
    size = 0
    for leaf in wfile.leaves:
        terms = sorted({str(i) for i in leaf.items if i is not None}, key=lambda t: (t.casefold(), t))
        if len(terms) < arrangement.CLEAN_MIN_ITEMS:
            continue
        batch.append((leaf, terms))
        size += len(terms)
        if size >= OUTLIER_BATCH_TERMS:
            found += _batch_outliers(batch, options)
            batch, size = [], 0
    if batch:
        found += _batch_outliers(batch, options)
    return found


def _batch_outliers(batch: list, options: dict) -> list[Finding]:
    from wildcards_gen import arrangement, wordnet

    wn = wordnet.get()
    jobs = []
    for leaf, terms in batch:
        synset = category_synset(wn, leaf.path[-1], leaf.instruction, terms)
        jobs.append((leaf, arrangement.Job(path="/".join(leaf.path), name=leaf.path[-1], synset=synset, terms=terms)))
    matrix, _ = arrangement.embed_lists([job for _, job in jobs], options, clean=True)
    threshold = float(options["semantic_clean_threshold"])
    found = []
    for leaf, job in jobs:
        _, removed = arrangement.clean(job, matrix[job.clean_rows], threshold)
        lines = {str(item): line for item, line in zip(leaf.items, leaf.item_lines)}
        for term, distance in removed:
            found.append(
                Finding(
                    "outlier",
                    job.path,
                    lines.get(term, leaf.line),
                    term,
                    f"cosine distance {distance:.3f} from the rest of the list",
                    distance=distance,
                )
            )
    return found


def duplicates(wfile) -> list[Finding]:
    found = []
    for leaf in wfile.leaves:
        seen: dict = {}
        for item, line in zip(leaf.items, leaf.item_lines):
            key = str(item).casefold()
            if key in seen:
                first_text, first_line = seen[key]
                same = "the same item" if str(item) == first_text else f"{first_text!r} (differs only in case)"
                found.append(
                    Finding("duplicate", "/".join(leaf.path), line, str(item), f"repeats {same} of line {first_line}")
                )
            else:
                seen[key] = (str(item), line)
    return found


# check's codes as lint's kinds; duplicate items are lint's own (case-insensitive) check
_KIND_OF_CODE = {
    "coerced-key": "key",
    "complex-key": "key",
    "key-char": "key",
    "reserved-key": "key",
    "collision": "key",
    "coerced-item": "item",
    "item-char": "item",
    "empty-item": "item",
    "nested-list": "item",
}
_NOT_LINTED = {"duplicate-item", "missing-instruction"}


def reader_problems(wfile, target: str) -> list[Finding]:
    """What ``wildcards-gen check`` finds in the file (one rule set for both commands), as lint findings.

    A problem that only some readers have is listed once per reader. JSONL
    files are not read by any wildcard reader: they get no reader findings.
    """
    from wildcards_gen import sanitize
    from wildcards_gen.commands.check import check_text

    if not wfile.is_yaml:
        return []
    found = []
    for problem in check_text(wfile.raw, str(wfile.path), target, wfile.path.suffix, root=wfile.root):
        if problem.code in _NOT_LINTED:
            continue
        kind = _KIND_OF_CODE.get(problem.code, "structure")
        readers = [None] if set(problem.targets) == set(sanitize.TARGETS) else problem.targets
        for reader in readers:
            found.append(
                Finding(
                    kind,
                    problem.path,
                    problem.line,
                    _subject(problem),
                    problem.message,
                    sanitize.TARGET_NAMES[reader] if reader else None,
                )
            )
    return found


def _subject(problem) -> str:
    """The key or item a problem is about (the last part of its path when the message names none)."""
    quoted = re.search(r"(?:key|item) '((?:[^'\\]|\\.)*)'", problem.message)
    return quoted.group(1) if quoted else problem.path.rsplit("/", 1)[-1]


def lint_file(wfile, options: dict, target: str, semantic: bool = True) -> dict:
    found = reader_problems(wfile, target)
    wfile.root = None  # the node tree is not needed any more: memory for the embeddings of a large file
    found = (outliers(wfile, options) if semantic else []) + duplicates(wfile) + found
    found.sort(key=lambda f: (f.line, f.kind, f.text, f.detail))
    return {
        "file": str(wfile.path),
        "lists": len(wfile.leaves),
        "items": sum(len(leaf.items) for leaf in wfile.leaves),
        "embedder": _embedder_name(options) if semantic else None,
        "threshold": options.get("semantic_clean_threshold") if semantic else None,
        "target": target,
        "counts": {
            kind: sum(1 for f in found if f.kind == kind)
            for kind in ("outlier", "duplicate", "key", "item", "structure")
        },
        "findings": [{k: v for k, v in asdict(f).items() if v is not None} for f in found],
    }


def _embedder_name(options: dict) -> str:
    from wildcards_gen.embeddings import resolve_embedder

    return resolve_embedder(options)


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(report: dict) -> str:
    c = report["counts"]
    out = [f"# Lint: {report['file']}", ""]
    semantic = (
        f"embedder `{report['embedder']}`, threshold {report['threshold']}"
        if report["embedder"]
        else "semantic outliers not checked"
    )
    out.append(f"{report['lists']} lists, {report['items']} items; {semantic}; readers: {report['target']}.")
    out.append("")
    titles = {
        "outlier": "Semantic outliers",
        "duplicate": "Duplicate items",
        "key": "Keys the readers mishandle",
        "item": "Items the readers mishandle",
        "structure": "Structure",
    }
    if not report["findings"]:
        out.append("No problems found.")
    for kind, title in titles.items():
        rows = [f for f in report["findings"] if f["kind"] == kind]
        if not rows:
            continue
        out += [f"## {title} ({c[kind]})", ""]
        if kind == "outlier":
            out += ["| line | list | item | distance |", "|---:|---|---|---:|"]
            out += [f"| {f['line']} | {_cell(f['list'])} | {_cell(f['text'])} | {f['distance']:.3f} |" for f in rows]
        else:
            out += ["| line | where | text | reader | problem |", "|---:|---|---|---|---|"]
            out += [
                f"| {f['line']} | {_cell(f['list'])} | {_cell(f['text'])} | {f.get('reader') or '-'} | {_cell(f['detail'])} |"
                for f in rows
            ]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def remove_outliers(leaves: list, found: list) -> int:
    """Delete the outlier items from round-trip ``leaves`` in place; returns how many went."""
    by_list: dict = {}
    for f in found:
        if f["kind"] == "outlier":
            by_list.setdefault(f["list"], set()).add(f["text"])
    removed = 0
    for leaf in leaves:
        drop = by_list.get("/".join(leaf.path))
        if not drop or leaf.node is None:
            continue
        for index in reversed(range(len(leaf.node))):
            if str(leaf.node[index]) in drop:
                delete_item(leaf.node, index)
                removed += 1
    return removed


def delete_item(seq, index: int) -> None:
    """``del seq[index]`` that keeps the full-line comments stored on the deleted item.

    ruamel stores the comment lines that follow an item on that item's comment
    token, so a plain delete would drop them (a comment above the next key, for
    instance). They move to the previous item, or, for the first item, to the
    list's own comment (after the key's end-of-line comment). Only the removed
    item's own end-of-line comment goes with it.
    """
    from ruamel.yaml.error import CommentMark
    from ruamel.yaml.tokens import CommentToken

    slot = seq.ca.items.get(index)
    value = getattr(slot[0] if slot else None, "value", "") or ""
    if value.startswith("#"):  # the item's end-of-line comment, then any full lines
        rest = value.split("\n", 1)[1] if "\n" in value else ""
    else:
        rest = value[1:] if value.startswith("\n") else value
    if "#" in rest:
        if index > 0:
            prev = seq.ca.items.get(index - 1)
            if prev and prev[0] is not None:
                prev[0].value = prev[0].value + rest
            else:
                seq.ca.items[index - 1] = [CommentToken("\n" + rest, CommentMark(0), None), None, None, None]
        elif seq.ca.comment and seq.ca.comment[0] is not None:
            seq.ca.comment[0].value = seq.ca.comment[0].value + rest
        else:
            seq.ca.comment = [CommentToken("\n" + rest, CommentMark(0), None), None]
    del seq[index]


def dump(data, yaml) -> str:
    import io

    buf = io.StringIO()
    yaml.dump(data, buf)
    return buf.getvalue()


def register(cli) -> None:
    from wildcards_gen.sanitize import TARGET_CHOICES

    @cli.command()
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    @click.option("--format", "fmt", type=click.Choice(["markdown", "json"]), default="markdown", show_default=True)
    @click.option(
        "--embedder",
        default=None,
        help="Embedder for outliers; 'wildcards-gen plugins' lists them. Default: wordnet (the rule's "
        "threshold was set with it).",
    )
    @click.option("--embed-model", default=None, help="Model name or folder for the sentence-transformers embedder.")
    @click.option(
        "--threshold",
        type=click.FloatRange(0, 2),
        default=None,
        help="Cosine distance above which a term may be an outlier. Default: as --semantic-clean-threshold.",
    )
    @click.option(
        "--target",
        type=click.Choice(TARGET_CHOICES),
        default="all",
        show_default=True,
        help="Which wildcard readers' rules to check names against.",
    )
    @click.option("--no-outliers", is_flag=True, help="Skip the semantic check (no embeddings).")
    @click.option("--clean", is_flag=True, help="Write a copy without the outliers to -o (comments kept).")
    @click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False),
        default=None,
        help="Where --clean writes; the input is overwritten only when -o names it.",
    )
    @click.pass_context
    def lint(ctx, file, fmt, embedder, embed_model, threshold, target, no_outliers, clean, output):
        """Check a wildcard file: semantic outliers per list, duplicates, names readers mishandle.

        A term that WordNet places below its list's category is never an
        outlier. Exit status 1 when anything was found, unless --clean wrote
        the cleaned copy.
        """
        from pathlib import Path

        from wildcards_gen.errors import UsageError

        if clean and not output:
            raise UsageError("--clean needs -o OUT (the input is never overwritten unless -o names it)")
        if output and not clean:
            raise UsageError("-o is where --clean writes; add --clean")
        if clean and no_outliers:
            raise UsageError("--clean removes outliers; it cannot be combined with --no-outliers")
        from wildcards_gen.arrangement import DEFAULT_CLEAN_THRESHOLD
        from wildcards_gen.wildcard_file import load

        options = {
            "embedder": embedder or "wordnet",
            "embed_model": embed_model,
            "semantic_clean_threshold": DEFAULT_CLEAN_THRESHOLD if threshold is None else threshold,
        }
        wfile = load(file)
        if clean and not wfile.is_yaml:
            raise UsageError("--clean works on YAML files; regenerate JSONL instead")
        report = lint_file(wfile, options, target, semantic=not no_outliers)
        removed = 0
        if clean:
            from wildcards_gen.output import write_text

            data, yaml, leaves = wfile.round_trip()
            removed = remove_outliers(leaves, report["findings"])
            write_text(Path(output), dump(data, yaml))
            report["cleaned"] = {"output": str(output), "removed": removed}
        if fmt == "json":
            click.echo(json.dumps(report, indent=2, ensure_ascii=False))
        else:
            click.echo(render_markdown(report), nl=False)
            if clean:
                click.echo(f"\nWrote {output} without {removed} outlier{'s' if removed != 1 else ''}.")
        if report["findings"] and not clean:
            ctx.exit(1)
