"""The options every dataset command shares (output, format, depth, workers, readers)."""

from __future__ import annotations

from pathlib import Path

import click


def common_options() -> list[click.Option]:
    """Options every dataset shares; the dataset's own come after them."""
    return [
        click.Option(
            ["-o", "--output"],
            type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
            default=None,
            help="Output file ('-': standard output). Default: ./<dataset>.yaml in the current folder.",
        ),
        click.Option(
            ["--format", "fmt"],
            type=click.Choice(["yaml", "jsonl"]),
            default=None,
            help="Output format. Default: yaml, or jsonl when the output ends in .jsonl.",
        ),
        click.Option(
            ["--depth"],
            type=click.IntRange(min=1),
            default=None,
            help="At most N levels of category keys (the root is level 1); deeper nodes are flattened into the lists of level N. Default: the whole tree.",
        ),
        click.Option(
            ["--glosses/--no-glosses"],
            default=True,
            show_default=True,
            help="Write each category's WordNet definition as a '# instruction:' comment.",
        ),
        click.Option(
            ["--workers"],
            type=click.IntRange(min=1),
            default=None,
            help="Threads in the shared pool, and worker processes for semantic arrangement. Default: the CPU count; 1: no pool and no worker processes.",
        ),
        click.Option(
            ["--stats", "stats_file"],
            type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
            default=None,
            help="Write the JSON run report (counts, timings, removals, rewrites) to this file.",
        ),
        click.Option(
            ["--target"],
            type=click.Choice(["dynamicprompts", "impact", "impact-ondemand", "generator", "all"]),
            default="all",
            show_default=True,
            help="Make names clean for this reader: Dynamic Prompts, ComfyUI-Impact-Pack, the wildcards-generator web app, or all three (each rewrite counted in --stats). impact-ondemand: Impact Pack's on-demand mode (8.x with 50 MB of wildcards or more), which reads two levels of keys: deeper lists move up, named by their path.",
        ),
        click.Option(
            ["--ascii"],
            is_flag=True,
            default=False,
            help="Transliterate names to ASCII (café -> cafe, Москва -> Moskva). Implied by every target that includes Impact Pack (all, impact, impact-ondemand), which reads files as ISO-8859-1.",
        ),
        click.Option(
            ["--key-style"],
            type=click.Choice(["as-is", "snake", "kebab"]),
            default="as-is",
            show_default=True,
            help="Write keys as they are, as snake_case or as kebab-case.",
        ),
    ]
