"""The ``openimages`` dataset: Open Images' boxable class hierarchy, or all its labels in WordNet's.

Node ids are Open Images ids (``/m/0bt9lr``; ``<id>#parts`` for a ``parts of``
key; WNIDs for the WordNet keys of ``--labels all``); ``Node.synset`` is the
WNID a class maps to. The tree is built whole, once per run (see ``tree``),
and walked from memory.
"""

from __future__ import annotations

import threading

import click

from wildcards_gen import Dataset, UsageError, hookimpl
from wildcards_gen_openimages import boxable, descriptions, hierarchy, labels, source
from wildcards_gen_openimages.tree import Tree

NAME = "openimages"

# WordNet's structural levels, which --labels all walks through (names as keys show them)
SKIP_NODES = ("physical entity", "object", "whole", "living thing", "organism", "causal agent", "abstraction")
HEADER = (
    "Open Images Dataset class hierarchy and class names, by Google, licensed CC BY 4.0",
    f"(https://creativecommons.org/licenses/by/4.0/). Source: {source.SOURCE_PAGE}",
    "Changes: reshaped into wildcard lists by wildcards-gen; classes mapped to WordNet 3.0 senses.",
    "Instructions (category definitions) from Princeton WordNet 3.0 (https://wordnet.princeton.edu/).",
)


def options() -> list:
    def file_option(file: source.Published, mode: str) -> click.Option:
        return click.Option(
            [file.option],
            type=click.Path(path_type=str),  # a directory or FIFO is refused by read_bytes, in one line
            default=None,
            metavar="FILE",
            help=f"{file.filename} ({mode}). Default: the copy in the cache, downloaded on first use.",
        )

    return [
        click.Option(
            ["--labels"],
            type=click.Choice(["boxable", "all"]),
            default="boxable",
            show_default=True,
            help="boxable: the 600 boxable classes in their published hierarchy; all: the ~20,000 "
            "image-level labels placed in WordNet's noun hierarchy.",
        ),
        click.Option(
            ["--parts"],
            type=click.Choice(boxable.PARTS),
            default=None,
            help="Parts of a class (Human face of Person's body): listed under a 'parts of <X>' key "
            "(separate, the default), dropped (exclude; listed in --stats) or listed with its kinds "
            "(as-children). For --labels boxable.",
        ),
        click.Option(
            ["--root"],
            default=None,
            metavar="ID|NAME",
            help="Generate only this class's subtree: an id (/m/07yv9) or a display name (Vehicle). "
            "For --labels boxable.",
        ),
        file_option(source.HIERARCHY, "--labels boxable"),
        file_option(source.BOXABLE, "--labels boxable"),
        file_option(source.ALL_LABELS, "--labels all"),
    ]


def check_options(opts: dict) -> str:
    """The --labels mode, once the options that belong to the other mode are refused."""
    mode = opts.get("labels") or "boxable"
    other = (
        [("--descriptions-file", "descriptions_file")]
        if mode == "boxable"
        else [
            ("--parts", "parts"),
            ("--root", "root"),
            ("--hierarchy-file", "hierarchy_file"),
            ("--classes-file", "classes_file"),
        ]
    )
    for flag, key in other:
        if opts.get(key):
            needs = "--labels all" if mode == "boxable" else "--labels boxable"
            raise UsageError(f"{flag} applies to {needs}, not --labels {mode}")
    return mode


def build_tree(run) -> Tree:
    opts = run.options
    if check_options(opts) == "all":
        names, _ = source.read(run, source.ALL_LABELS, descriptions.parse)
        return labels.build(run, names)
    h, hierarchy_path = source.read(run, source.HIERARCHY, hierarchy.parse)
    names, classes_path = source.read(run, source.BOXABLE, descriptions.parse)
    names = boxable.names_for(h, names, hierarchy_path, classes_path)
    run.stats.incr("openimages.listed_not_in_hierarchy", len(set(names) - set(h.where)))
    root = boxable.select_root(h, names, opts.get("root"))
    return boxable.build(run, h, names, opts.get("parts") or "separate", root)


_lock = threading.Lock()


def tree_of(run) -> Tree:
    """This run's tree (in ``run.state``), built once, on the main thread by find_roots."""
    tree = run.state.get(NAME)
    if tree is None:
        with _lock:
            tree = run.state.get(NAME)
            if tree is None:
                tree = run.state[NAME] = build_tree(run)
    return tree


def find_roots(run):
    return tree_of(run).roots


def make_dataset() -> Dataset:
    return Dataset(
        name=NAME,
        help="Open Images: the 600 boxable classes in their hierarchy, or all ~20,000 labels in WordNet's (CC BY 4.0).",
        find_roots=find_roots,
        options=options(),
        skip_nodes=SKIP_NODES,
        header=HEADER,
        parallel_walk=False,  # children come from a tree in memory: threads would only slow it
    )


@hookimpl
def register_datasets(register):
    register(make_dataset())


@hookimpl
def iter_children(dataset, node, run):
    if dataset != NAME:
        return None
    return tree_of(run).of(node.id)
