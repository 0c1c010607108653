"""The ``coco`` dataset: COCO 2017's 80 object categories under their 12 supercategories.

``--stuff`` adds COCO-Stuff's 91 stuff classes in a ``stuff`` branch; ``--annotations FILE``
reads the categories of any COCO-format file instead. Node ids are ``coco:<category id>``;
names are mapped to WordNet synsets in their supercategory's context by the host's mapper.
"""

from __future__ import annotations

import threading
from pathlib import Path

import click

from wildcards_gen import Dataset, UsageError, hookimpl
from wildcards_gen_coco import annotation_file, table, tree

NAME = "coco"
HEADER = (
    "COCO 2017 object categories (https://cocodataset.org, COCO Consortium) and, with --stuff,",
    "COCO-Stuff's stuff categories (https://github.com/nightrome/cocostuff, Caesar, Uijlings and Ferrari),",
    "licensed CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/); with --annotations, the categories",
    "of the file given, under that file's licence.",
    "Changes: names made readable (floor-wood as wood floor), reshaped into wildcard lists by wildcards-gen.",
    "Instructions (category definitions) from Princeton WordNet 3.0 (https://wordnet.princeton.edu/).",
)

_lock = threading.Lock()


def options() -> list:
    return [
        click.Option(
            ["--stuff/--no-stuff"],
            default=False,
            show_default=True,
            help="Add COCO-Stuff's 91 stuff classes (sky, wall-brick, grass, ...) under their 15 "
            "supercategories, in a 'stuff' branch.",
        ),
        click.Option(
            ["--annotations"],
            type=click.Path(path_type=Path),
            default=None,
            metavar="FILE",
            help="Use the 'categories' of this COCO-format JSON file (a custom dataset) instead of COCO's own.",
        ),
    ]


def categories(run) -> list[table.Category]:
    """The run's categories: the annotation file's, or the packaged table's."""
    path = run.options.get("annotations")
    if path is not None:
        if run.options.get("stuff"):
            raise UsageError("--stuff adds COCO-Stuff's own classes; with --annotations the file's are used: pass one")
        found = annotation_file.read(path)
        run.log(f"coco: {len(found)} categories from {path}")
        return found
    return table.packaged(stuff=bool(run.options.get("stuff")))


def tree_of(run) -> tree.Tree:
    """This run's tree, built once (normally by ``find_roots``) and kept in ``run.state``."""
    built = run.state.get(NAME)
    if built is None:
        with _lock:
            built = run.state.get(NAME)
            if built is None:
                built = run.state[NAME] = tree.build(categories(run), run)
                counts = run.stats.counters
                run.log(
                    f"coco: {counts['coco.mapped']} of {counts['coco.categories']} categories mapped to WordNet "
                    f"({counts['coco.unmapped']} unmapped, {counts['coco.ambiguous']} close calls; see --stats)"
                )
    return built


def find_roots(run):
    return list(tree_of(run).roots)


@hookimpl
def register_datasets(register):
    register(
        Dataset(
            name=NAME,
            help="COCO 2017: 80 object categories under 12 supercategories (+ 91 COCO-Stuff classes), CC BY 4.0.",
            find_roots=find_roots,
            options=options(),
            header=HEADER,
            parallel_walk=False,  # answers from memory
        )
    )


@hookimpl
def iter_children(dataset, node, run):
    if dataset != NAME:
        return None
    return list(tree_of(run).children.get(node.id, ()))
