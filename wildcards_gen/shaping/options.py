"""Smart shaping's command-line options and the settings they resolve to (presets, then flags)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click

from wildcards_gen import presets, tree
from wildcards_gen.errors import UsageError

PRESETS = presets.BUILTIN
DEFAULT_PRESET = presets.DEFAULT
THRESHOLDS = presets.THRESHOLDS  # what a preset sets
SETTING_NAMES = THRESHOLDS + ("merge_orphans", "drop_self_items")
SMART_ONLY = (
    "preset",
    "min_depth",
    "min_hyponyms",
    "min_leaf",
    "merge_orphans",
    "drop_self_items",
    "skip_nodes",
    "smart_config",
)


@dataclass(frozen=True)
class Settings:
    """The thresholds in force for one subtree."""

    min_depth: int
    min_hyponyms: int
    min_leaf: int
    merge_orphans: bool = True
    drop_self_items: bool = False


def click_options(dataset=None) -> list:
    """Fresh option objects (each dataset command gets its own); ``--preset`` offers the dataset's own presets."""
    return [
        click.Option(
            ["--smart"],
            is_flag=True,
            default=False,
            callback=_check_smart,
            help="Reshape the tree: keep significant categories, flatten the rest, collapse chains, merge small lists (see --preset).",
        ),
        click.Option(
            ["--preset"],
            type=click.Choice(presets.names(dataset)),
            default=None,
            help="Smart-shaping thresholds, most to least detailed. Default with --smart: balanced. Explicit flags beat the preset.",
        ),
        click.Option(
            ["--min-depth"],
            type=click.IntRange(min=0),
            default=None,
            metavar="N",
            help="Smart: keep a node as a category when its WordNet minimum depth is <= N (preset value by default).",
        ),
        click.Option(
            ["--min-hyponyms"],
            type=click.IntRange(min=0),
            default=None,
            metavar="N",
            help="Smart: keep a node as a category when it has >= N descendants in the tree (preset value by default).",
        ),
        click.Option(
            ["--min-leaf"],
            type=click.IntRange(min=1),
            default=None,
            metavar="N",
            help="Smart: merge lists shorter than N into the parent's other_<parent> list (preset value by default).",
        ),
        click.Option(
            ["--merge-orphans/--no-merge-orphans"],
            default=None,
            help="Smart: merge lists shorter than --min-leaf upward. Default: on.",
        ),
        click.Option(
            ["--orphans-label-template"],
            default=tree.DEFAULT_ORPHANS_TEMPLATE,
            show_default=True,
            callback=_check_template,
            help="Name of the list that holds a category's own items beside its sub-categories; {} is the category.",
        ),
        click.Option(
            ["--skip-nodes"],
            multiple=True,
            metavar="ID|NAME",
            help="Smart: elide this node (WNID, synset name or display name) and promote its children; repeatable. "
            "Replaces the dataset's default skip nodes; --skip-nodes '' skips none.",
        ),
        click.Option(
            ["--drop-self-items"],
            is_flag=True,
            default=None,
            help="Smart: drop an item identical to its own category's name (counted in the report either way).",
        ),
        click.Option(
            ["--smart-config"],
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            default=None,
            callback=_check_config,
            metavar="FILE",
            help="Smart: YAML mapping from WNID or category name to settings for that subtree "
            "(preset, min_depth, min_hyponyms, min_leaf, merge_orphans, drop_self_items, skip).",
        ),
        click.Option(
            ["--preview"],
            type=click.IntRange(min=1),
            default=None,
            metavar="N",
            help="Use only the first N nodes (breadth first) and mark the output as partial, for quick tuning.",
        ),
        click.Option(
            ["--analyze"],
            is_flag=True,
            default=False,
            help="Print the tree's statistics and suggested thresholds to stdout; write nothing.",
        ),
    ]


def explicit_flags(params: dict) -> list:
    """The smart-shaping settings given on the command line (their defaults are all empty)."""
    return [name for name in SMART_ONLY if params.get(name) not in (None, (), [])]


def _check_smart(ctx, param, value):
    # Without --smart this runs after every option the user gave (click processes given
    # options first), so it sees them all and fails before the walk instead of ignoring them.
    given = explicit_flags(ctx.params)
    if not value and given and not ctx.params.get("analyze"):
        flags = ", ".join("--" + name.replace("_", "-") for name in given)
        raise click.UsageError(f"{flags} only apply to smart shaping: add --smart (or --analyze to compare)")
    return value


def _check_template(ctx, param, value):
    if value is None:
        return value
    rest = value.replace("{}", "")
    if value.count("{}") != 1 or "{" in rest or "}" in rest or not rest.strip():
        raise click.BadParameter("must contain '{}' exactly once, e.g. 'other_{}'")
    return value


def _check_config(ctx, param, value):
    if value is not None:
        from wildcards_gen.shaping.config import load_config

        try:
            load_config(value)
        except UsageError as exc:
            raise click.BadParameter(str(exc)) from None
    return value


def preset_values(name: str, dataset) -> dict:
    """A preset's settings, with the dataset's own overrides applied."""
    return presets.values(name, dataset)


def resolve_settings(options: dict, dataset) -> Settings:
    """Preset (default balanced), then the explicit flags on top."""
    values = preset_values(options.get("preset") or DEFAULT_PRESET, dataset)
    for key in SETTING_NAMES:
        if options.get(key) is not None:
            values[key] = options[key]
    return Settings(**{k: values[k] for k in SETTING_NAMES})


def skip_list(options: dict, dataset) -> tuple:
    given = tuple(options.get("skip_nodes") or ())
    if given:
        return tuple(s for s in given if s.strip())
    return tuple(getattr(dataset, "skip_nodes", ()) or ())
