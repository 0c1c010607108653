"""The ``tencent`` dataset: Tencent ML-Images' 11,166-category semantic hierarchy.

Node ids are the file's WNIDs (``WNID#index`` if a WNID repeats); glosses come
from WordNet 3.0 by WNID. Children keep the file's order.
"""

from __future__ import annotations

import re
import threading
from typing import NamedTuple

import click

from wildcards_gen import Dataset, Node, UsageError, hookimpl
from wildcards_gen_tencent import hierarchy, source, stored

NAME = "tencent"
_WNID = re.compile(r"^n\d{8}(#\d+)?$", re.IGNORECASE)

PRESETS = {
    "balanced": {"min_depth": 4, "min_hyponyms": 30, "min_leaf": 5},
    "compact": {"min_depth": 3, "min_hyponyms": 100, "min_leaf": 10},
    "flat": {"min_depth": 2, "min_hyponyms": 600, "min_leaf": 20},
}
SKIP_NODES = ("placental", "organism", "living thing", "whole", "object", "physical entity", "causal agent")
HEADER = (
    "Tencent ML-Images semantic hierarchy (dictionary_and_semantic_hierarchy.txt), by Tencent,",
    "licensed CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/).",
    f"Source: {source.SOURCE_PAGE} ({source.URL})",
    "Changes: reshaped into wildcard lists by wildcards-gen (depth limits, renamed keys).",
    "Instructions (category definitions) from Princeton WordNet 3.0 (https://wordnet.princeton.edu/).",
)


def options() -> list:
    return [
        click.Option(
            ["--hierarchy-file"],
            type=click.Path(dir_okay=False, path_type=str),
            default=None,
            help=f"The Tencent {source.FILENAME}. Default: the copy in the cache, downloaded on first use.",
        ),
        click.Option(
            ["--root", "roots"],
            multiple=True,
            metavar="ID|NAME",
            help="A WNID (n00015388) or category name whose subtree to generate; repeatable. Default: all 4 roots.",
        ),
    ]


class RunData(NamedTuple):
    """What one run reads: the parsed file and the WordNet gloss of each WNID in it."""

    hierarchy: hierarchy.Hierarchy
    glosses: dict


_lock = threading.Lock()


def run_data(run) -> RunData:
    """The run's data (in ``run.state``), read once: the file located, parsed and its glosses fetched
    (or the stored copy), so iter_children (11,166 calls) skips the path checks and lookups."""
    data = run.state.get(NAME)
    if data is None:
        with _lock:
            data = run.state.get(NAME)
            if data is None:
                data = run.state[NAME] = RunData(*stored.load(source.locate(run, announce=True), run))
    return data


def to_node(cat: hierarchy.Category, data: RunData, run) -> Node:
    gloss = data.glosses.get(cat.wnid)
    if gloss is None:
        run.stats.event("gloss_unknown_wnid", id=cat.id, name=cat.name)
        return Node(cat.id, cat.names[0], cat.names[1:])
    return Node(cat.id, cat.names[0], cat.names[1:], gloss, cat.wnid)  # id, name, synonyms, gloss, synset


def find_roots(run) -> list[Node]:
    data = run_data(run)
    h = data.hierarchy
    run.stats.incr("input.file_categories", len(h))
    wanted = run.options.get("roots") or ()
    chosen = [select_root(h, text, run) for text in wanted] if wanted else list(h.roots)
    unique = list({c.index: c for c in chosen}.values())
    run.log(f"Tencent roots: {', '.join(f'{c.name} ({c.id})' for c in unique)}")
    report_shared_names(h, None, unique, run)
    return [to_node(c, data, run) for c in unique]


def report_shared_names(h, parent, siblings, run) -> None:
    """List sibling categories with one display name (keys get renamed by the host, items merge)."""
    for name, ids in h.shared_names(siblings):
        run.stats.event(
            "shared_display_name",
            parent=parent.id if parent else None,
            parent_name=parent.name if parent else None,
            name=name,
            ids=ids,
        )


def select_root(h: hierarchy.Hierarchy, text: str, run=None) -> hierarchy.Category:
    """A WNID, or a category name: the display name first, then any synonym; ambiguity is an error."""
    key = text.strip()
    if _WNID.match(key):
        key = key.lower()
        if key in h.by_id:
            return h.by_id[key]
        repeated = [c for c in h.by_index.values() if c.wnid == key]
        if repeated:
            raise UsageError(
                f"--root {text}: this WNID occurs {len(repeated)} times; use one of "
                + ", ".join(c.id for c in repeated)
            )
        raise UsageError(f"--root {text}: no category with this WNID in the Tencent hierarchy{_nearest(h, key, run)}")
    folded = key.replace("_", " ").casefold()
    for field in (lambda c: c.names[:1], lambda c: c.names[1:]):
        hits = [c for c in h.by_index.values() if folded in (n.casefold() for n in field(c))]
        if len(hits) == 1:
            return hits[0]
        if hits:
            listed = "; ".join(f"{c.id} '{', '.join(c.names)}' {_under(h, c)}{_gloss(run, c)}" for c in hits)
            raise UsageError(
                f"--root {text!r} is ambiguous: {len(hits)} categories match: {listed}. Pass the WNID instead"
            )
    import difflib  # only for this error message

    names = sorted({n for c in h.by_index.values() for n in c.names})
    close = difflib.get_close_matches(key, names, n=5, cutoff=0.7)
    hint = f"; did you mean: {', '.join(close)}?" if close else ""
    raise UsageError(f"--root {text!r}: no Tencent category has this name or WNID{hint}")


def _nearest(h, wnid: str, run) -> str:
    """For a WordNet synset outside the file: its closest ancestor that the file has."""
    if run is None:
        return ""
    wn = run.wordnet
    synset = wn.synset(wnid)
    if synset is None:
        return ""
    level, frontier, seen = 0, [wnid], {wnid}
    while frontier and level < 30:
        hits = sorted(c.id for w in frontier for c in [h.by_id.get(w)] if c is not None)
        if hits and level:
            return f" (WordNet: {synset.name}; its closest ancestor here: {', '.join(f'{i} {h.by_id[i].name}' for i in hits)})"
        nxt = []
        for w in frontier:
            s = wn.synset(w)
            for parent in (s.hypernyms + s.instance_hypernyms) if s else ():
                if parent not in seen:
                    seen.add(parent)
                    nxt.append(parent)
        frontier, level = nxt, level + 1
    return f" (WordNet: {synset.name})"


def _gloss(run, c) -> str:
    synset = run.wordnet.synset(c.wnid) if run is not None else None
    if synset is None:
        return ""
    gloss = synset.gloss if len(synset.gloss) <= 70 else synset.gloss[:67].rstrip() + "..."
    return f" ({gloss})"


def _under(h, c) -> str:
    return f"under {h.by_index[c.parent].name}" if c.parent != -1 else "(a root)"


def make_dataset() -> Dataset:
    """A fresh Dataset per registry (the host stamps the plugin name on it)."""
    return Dataset(
        name=NAME,
        help="Tencent ML-Images: 11,166 WordNet categories under 4 roots (CC BY 4.0).",
        find_roots=find_roots,
        options=options(),
        presets=dict(PRESETS),
        skip_nodes=SKIP_NODES,
        header=HEADER,
        parallel_walk=False,  # children come from the parsed file in memory: threads would only slow it
    )


@hookimpl
def register_datasets(register):
    register(make_dataset())


@hookimpl
def iter_children(dataset, node, run):
    if dataset != NAME:
        return None
    data = run_data(run)
    h = data.hierarchy
    cat = h.by_id[node.id]
    children = h.children[cat.index]
    if not children:
        return []
    report_shared_names(h, cat, children, run)
    return [to_node(child, data, run) for child in children]
