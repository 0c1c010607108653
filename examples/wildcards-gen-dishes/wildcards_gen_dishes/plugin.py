"""The ``dishes`` dataset: a small taxonomy with its own ids, mapped to WordNet where it can be.

Each CSV row is ``id,name,parent,synset,description``. Ids are the dataset's own
(``dish:sushi``); ``synset`` is a WordNet 3.0 synset name when one fits, so the
key shows WordNet's gloss, else the row's description is the instruction.
"""

from __future__ import annotations

import csv
import io
import threading
from importlib import resources
from typing import NamedTuple

import click

from wildcards_gen import DataError, Dataset, Node, UsageError, hookimpl

NAME = "dishes"
ROOT = "dish:all"
_lock = threading.Lock()


class Row(NamedTuple):
    id: str
    name: str
    parent: str
    synset: str
    description: str


def read_rows(text: str, source: str = "dishes.csv") -> list[Row]:
    """The CSV's rows, checked: five columns, unique ids, parents that exist."""
    rows, seen = [], set()
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header != list(Row._fields):
        raise DataError(f"{source}:1: expected the header {','.join(Row._fields)}")
    for line, fields in enumerate(reader, start=2):
        if len(fields) != len(Row._fields) or not fields[0] or not fields[1]:
            raise DataError(f"{source}:{line}: expected {len(Row._fields)} columns with an id and a name")
        row = Row(*(f.strip() for f in fields))
        if row.id in seen:
            raise DataError(f"{source}:{line}: id {row.id!r} appears twice")
        seen.add(row.id)
        rows.append(row)
    for row in rows:
        if row.parent and row.parent not in seen:
            raise DataError(f"{source}: parent {row.parent!r} of {row.id!r} is not an id of the file")
    return rows


def packaged_rows() -> list[Row]:
    """The rows of the CSV inside the installed package (a wheel carries it as package data)."""
    text = resources.files("wildcards_gen_dishes").joinpath("data/dishes.csv").read_text(encoding="utf-8")
    return read_rows(text)


class Tree(NamedTuple):
    nodes: dict  # id -> Node
    children: dict  # id -> [id, ...] in file order


def tree_of(run) -> Tree:
    """This run's tree, built once and kept in ``run.state`` (``iter_children`` runs per node)."""
    with _lock:
        tree = run.state.get(NAME)
        if tree is None:
            tree = run.state[NAME] = build_tree(packaged_rows(), run)
    return tree


def build_tree(rows: list[Row], run) -> Tree:
    wn = run.wordnet
    nodes, children = {}, {row.id: [] for row in rows}
    for row in rows:
        synset = wn.synset(row.synset) if row.synset else None
        gloss = synset.gloss if synset is not None else (row.description or None)
        if row.synset and synset is None:
            run.stats.event("unknown_synset", id=row.id, synset=row.synset)
        run.stats.incr("dishes.mapped" if synset is not None else "dishes.unmapped")
        nodes[row.id] = Node(row.id, row.name, (), gloss, synset.wnid if synset is not None else None)
        if row.parent:
            children[row.parent].append(row.id)
    return Tree(nodes, children)


def find_roots(run) -> list[Node]:
    tree = tree_of(run)
    wanted = run.options.get("cuisine")
    if not wanted:
        return [tree.nodes[ROOT]]
    key = f"cuisine:{wanted.strip().lower()}"
    if key not in tree.nodes:
        cuisines = sorted(i.split(":", 1)[1] for i in tree.nodes if i.startswith("cuisine:"))
        raise UsageError(f"--cuisine {wanted}: no such cuisine (available: {', '.join(cuisines)})")
    return [tree.nodes[key]]


@hookimpl
def register_datasets(register):
    register(
        Dataset(
            name=NAME,
            help="Dishes of the world by cuisine (example plugin; CSV shipped with the package).",
            find_roots=find_roots,
            options=[
                click.Option(
                    ["--cuisine"],
                    default=None,
                    metavar="NAME",
                    help="Only this cuisine (e.g. japanese). Default: all of them.",
                )
            ],
            presets={"tasting-menu": {"min-depth": 0, "min-hyponyms": 8, "min-leaf": 2}},
            header=(
                "Dishes: example data written for wildcards-gen-dishes, CC0.",
                "Instructions from Princeton WordNet 3.0 where a dish maps to a synset.",
            ),
            parallel_walk=False,  # answers from memory
        )
    )


@hookimpl
def iter_children(dataset, node, run):
    if dataset != NAME:
        return None
    tree = tree_of(run)
    return [tree.nodes[i] for i in tree.children.get(node.id, ())]
