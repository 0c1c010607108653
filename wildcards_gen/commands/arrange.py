"""``wildcards-gen arrange INPUT... -o OUT.yaml``: arrange people's own lists into named groups."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click


def register(cli: click.Group) -> None:
    from wildcards_gen import arrangement
    from wildcards_gen.options import common_options

    shared = {p.name: p for p in common_options()}
    params = [
        click.Argument(["inputs"], nargs=-1, required=True),
        click.Option(
            ["-o", "--output"],
            type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
            default=None,
            help="Output file ('-': standard output). Default: standard output.",
        ),
        click.Option(
            ["--category"],
            default=None,
            metavar="NAME|SYNSET",
            help="What the lists are (a noun, a synset name such as dog.n.01, or a WNID). Default: each "
            "list's file name or key read in the context of its terms, else the terms' common "
            "WordNet ancestor.",
        ),
        shared["fmt"],
        shared["glosses"],
        shared["workers"],
        shared["stats_file"],
        shared["target"],
        shared["ascii"],
        shared["key_style"],
        *[p for p in arrangement.click_options() if p.name not in ("semantic_arrange",)],
    ]

    @click.pass_context
    def arrange(ctx, inputs, output, category, fmt, stats_file, **options):
        """Arrange your own lists into named groups, with a WordNet gloss as '# instruction:' on each key.

        INPUT is a .txt wildcard file (one term a line; blank lines and '#' comments skipped), a folder of
        .txt wildcards, a YAML wildcard file (every list of at least --semantic-arrange-min-items terms
        is arranged in place; every other key, comment and instruction stays as it is), or - for stdin.
        Every term ends up in exactly one list; exact duplicates in a list are merged and counted.
        """
        run_arrange(list(inputs), output, category, fmt, stats_file, options)

    cli.add_command(
        click.Command(
            "arrange",
            callback=arrange,
            params=params,
            help=arrange.__doc__,
            short_help="Arrange your own lists (.txt, folders, YAML, stdin) into named groups.",
        )
    )


def run_arrange(inputs: list[str], output, category: str | None, fmt: str | None, stats_file, options: dict) -> None:
    from wildcards_gen import output as output_mod
    from wildcards_gen import pipeline
    from wildcards_gen.cli import settings

    chosen = settings()
    started = time.perf_counter()
    output = output if output is not None else Path(output_mod.STDOUT)
    pipeline.check_outputs(output, stats_file)
    bar = None
    if not chosen.quiet and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(desc="Arranging", unit=" lists", file=sys.stderr, delay=1.0, leave=False)
    text, run = arranged_text(
        inputs, category, pipeline.output_format(output, fmt), options, chosen.verbose, chosen.quiet, bar
    )
    if bar is not None:
        bar.close()
    output_mod.write_text(output, text)
    _report_short_lists(run, chosen.quiet)
    run.stats.add_time("total", time.perf_counter() - started)
    if stats_file:
        pipeline.write_stats(run, stats_file)
    if not chosen.quiet:
        c = run.stats.counters
        click.echo(
            f"Done: {c['input.terms']} terms in {c['input.lists']} list(s), {c['arrange.lists']} arranged into "
            f"{c['arrange.groups']} groups; {c['senses.ambiguous']} ambiguous and {c['senses.unknown']} "
            f"unknown to WordNet (see --stats)",
            err=True,
        )


def arranged_text(
    inputs: list[str],
    category: str | None,
    fmt: str,
    options: dict,
    verbose: int = 0,
    quiet: bool = False,
    progress=None,
):
    """``(text, run)``: what ``arrange`` writes for these inputs and options, written nowhere.

    The command and the web UI both call this, so their outputs are the same bytes.
    ``progress``: a tqdm-like object advanced once per list arranged.
    """
    from wildcards_gen import engine as engine_mod
    from wildcards_gen import paths, pipeline, user_lists, wordnet
    from wildcards_gen.cli import registry
    from wildcards_gen.model import Run
    from wildcards_gen.stats import Stats

    options = {**options, "semantic_arrange": True, "items_as_written": True}  # a term's prompt syntax is its own
    run = Run("arrange", options, Stats(), paths.cache_dir(), verbose=verbose, quiet=quiet)
    reg = registry()
    sources = user_lists.read_inputs(inputs)
    wn = wordnet.get(verbose)
    synset = user_lists.resolve_category_option(category, wn)
    with pipeline.paused_gc(), engine_mod.Engine(options.get("workers")) as engine:
        cats = user_lists.build(sources, run, reg, engine, synset, progress=progress)
    text = user_lists.render(sources, cats, run, fmt)
    run.stats.counters["output.bytes"] = len(text.encode("utf-8"))
    return text, run


def _report_short_lists(run, quiet: bool) -> None:
    """A list too short to arrange is written unchanged; say so."""
    if quiet:
        return
    for event in run.stats.events.get("too_short_to_arrange", []):
        click.echo(
            f"{event['list']}: {event['terms']} term{'s' if event['terms'] != 1 else ''}, fewer than "
            f"--semantic-arrange-min-items; written unchanged",
            err=True,
        )
