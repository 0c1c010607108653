"""Smart shaping: turn any dataset's raw node tree into a usable wildcard tree.

Raw taxonomies are too deep and uneven for prompt wildcards. ``--smart`` keeps
a node as a category only when it is significant (shallow in WordNet, or
large in the tree being shaped), flattens the rest into lists of their leaf
names, elides ``--skip-nodes``, collapses single-child chains and merges lists
shorter than ``--min-leaf`` into the parent's ``other_<parent>`` list.

Every leaf item of the raw tree ends up in the output, or in the run report
with the reason (only ``--drop-self-items`` removes items).

Modules: :mod:`.options` (flags, presets, settings), :mod:`.config`
(``--smart-config``), :mod:`.preview` (``--preview``), :mod:`.shaper` (the
passes), :mod:`.analyze` (``--analyze``).
"""

from __future__ import annotations

import click

from wildcards_gen import tree
from wildcards_gen.engine import RawNode
from wildcards_gen.model import Category
from wildcards_gen.shaping.config import Matcher, load_config
from wildcards_gen.shaping.options import (
    DEFAULT_PRESET,
    PRESETS,
    SETTING_NAMES,
    THRESHOLDS,
    Settings,
    click_options,
    explicit_flags,
    preset_values,
    resolve_settings,
    skip_list,
)
from wildcards_gen.shaping.preview import truncate, walk_preview
from wildcards_gen.shaping.shaper import Shaper, descendant_counts, shape_tree

__all__ = [
    "DEFAULT_PRESET",
    "PRESETS",
    "SETTING_NAMES",
    "THRESHOLDS",
    "Matcher",
    "Settings",
    "Shaper",
    "click_options",
    "descendant_counts",
    "explicit_flags",
    "load_config",
    "preset_values",
    "resolve_settings",
    "shape",
    "shape_tree",
    "skip_list",
    "truncate",
    "walk_preview",
]


def shape(raw_roots: list[RawNode], dataset, run) -> list[Category] | None:
    """Shape ``raw_roots`` as ``run.options`` asks; None after ``--analyze`` printed its report."""
    options = run.options
    limit = options.get("preview")
    if limit and not options.get("preview_truncated"):  # a full tree (the API); the CLI walks only N nodes
        raw_roots, cut = truncate(raw_roots, limit)
        if cut:
            options["preview_truncated"] = True
            run.stats.event("preview_truncated", nodes=limit)
    if options.get("analyze"):
        from wildcards_gen.shaping.analyze import analyze_report

        click.echo(analyze_report(raw_roots, dataset, run))
        return None
    if not options.get("smart"):
        return tree.to_categories(raw_roots, options.get("depth"), run)
    return shape_tree(raw_roots, dataset, run)
