"""``wildcards-gen llm create | categorize | enrich | cache``: the commands this plugin adds.

Each command builds a :class:`wildcards_gen.Run` whose options carry the
model settings (``llm_model``, ``llm_retries``, ``llm_batch_size``,
``llm_cache``, ``llm_log``: the keys the ``llm`` arranger reads too), writes
through the host's atomic writer only after every answer was checked, and ends
with one line on stderr: model, requests, tokens, retries, repairs.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

ARRANGE_OPTIONS = (
    "semantic_arrange_min_items",
    "semantic_arrange_max_group",
    "semantic_arrange_max_depth",
)


def model_options(batch_default: int | None) -> list[click.Option]:
    """The options every ``llm`` command shares (``--batch-size`` where it sends batches)."""
    options = [
        click.Option(
            ["-m", "--model"],
            default=None,
            help="The llm model: an id or alias that 'llm models' lists. Default: llm's default model "
            "('llm models default').",
        ),
        click.Option(
            ["--retries"],
            type=click.IntRange(0, 10),
            default=2,
            show_default=True,
            help="Ask again this many times when an answer is not valid JSON of the asked shape; then stop, "
            "writing nothing.",
        ),
        click.Option(
            ["--cache/--no-cache"],
            default=True,
            show_default=True,
            help="Reuse answers to identical requests (same model, prompt and schema) from the response cache; "
            "--no-cache asks the model again (and stores the new answers).",
        ),
        click.Option(
            ["--log/--no-log"],
            default=True,
            show_default=True,
            help="Log prompts and responses in llm's database (see 'llm logs'), unless 'llm logs off'.",
        ),
    ]
    if batch_default is not None:
        options.insert(
            2,
            click.Option(
                ["--batch-size"],
                type=click.IntRange(min=1),
                default=batch_default,
                show_default=True,
                help="Terms or keys per request (long lists are sent in batches that fit the model's context).",
            ),
        )
    return options


def _output_options(formats: bool = True) -> list[click.Parameter]:
    from wildcards_gen.options import common_options

    shared = {p.name: p for p in common_options()}
    params: list[click.Parameter] = [
        click.Option(
            ["-o", "--output"],
            type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
            default=None,
            help="Output file ('-': standard output). Default: standard output.",
        ),
        shared["stats_file"],
    ]
    if formats:
        params += [shared["fmt"], shared["target"], shared["ascii"], shared["key_style"]]
    return params


def _llm_settings(options: dict) -> dict:
    """Command options as the run options the client reads."""
    return {
        "llm_model": options.pop("model"),
        "llm_retries": options.pop("retries"),
        "llm_batch_size": options.pop("batch_size", None),
        "llm_cache": options.pop("cache"),
        "llm_log": options.pop("log"),
    }


def _run(command: str, options: dict) -> Any:
    from wildcards_gen import paths
    from wildcards_gen.cli import settings
    from wildcards_gen.model import Run
    from wildcards_gen.stats import Stats
    from wildcards_gen_llm.client import model_for

    chosen = settings()
    model_for(options.get("llm_model"))  # an unknown model fails now, before any work
    return Run(command, options, Stats(), paths.cache_dir(), verbose=chosen.verbose, quiet=chosen.quiet)


def _progress(run: Any, total: int | None = None) -> Any:
    """A bar of requests on an interactive stderr (not with -q)."""
    if run.quiet or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(desc="LLM requests", total=total, unit=" requests", file=sys.stderr, delay=0.5, leave=False)


def _finish(run: Any, output: Path, text: str, stats_file: Path | None, started: float, progress: Any) -> None:
    from wildcards_gen import output as output_mod
    from wildcards_gen import pipeline
    from wildcards_gen_llm.client import model_for, summary

    if progress is not None:
        progress.close()
    model_id = model_for(run.options.get("llm_model")).model_id  # resolved by _run: no new failure here
    output_mod.write_text(output, text)
    run.stats.counters["output.bytes"] = len(text.encode("utf-8"))
    run.stats.add_time("total", time.perf_counter() - started)
    run.stats.event("llm_model", model=model_id)
    if stats_file:
        pipeline.write_stats(run, stats_file)
    if not run.quiet:
        click.echo(summary(model_id, run.stats.counters), err=True)


def _start(output: Path | None, stats_file: Path | None, fmt: str | None = "yaml") -> tuple[Path, str]:
    from wildcards_gen import output as output_mod
    from wildcards_gen import pipeline

    output = output if output is not None else Path(output_mod.STDOUT)
    pipeline.check_outputs(output, stats_file)
    return output, pipeline.output_format(output, fmt)


# -- create ----------------------------------------------------------------------------------


def create_command() -> click.Command:
    from wildcards_gen_llm.create import SIZES

    def create(topic, depth, size, output, stats_file, fmt, **options):
        """Create a new wildcard file on a topic: categories, items, and an instruction on every key.

        One request per category that gets sub-categories (the last level's answer brings its items); names
        are cleaned for --target like any generated file; each key's instruction is the model's, else WordNet's
        gloss of its name, else 'Kinds of <name>.'.
        """
        from wildcards_gen import tree, writer
        from wildcards_gen.errors import UsageError
        from wildcards_gen_llm import texts
        from wildcards_gen_llm.client import model_for
        from wildcards_gen_llm.create import create as build

        started = time.perf_counter()
        if not texts.name(topic):
            raise UsageError("--topic is empty")
        output, fmt = _start(output, stats_file, fmt)
        llm = _llm_settings(options)
        run = _run("llm create", {**options, **llm, "topic": topic, "depth": depth, "size": size})
        model_id = model_for(run.options["llm_model"]).model_id
        progress = _progress(run)
        categories = tree.finalize(build(topic, depth, size, run, progress), run)
        if fmt == "jsonl":
            text = writer.render_jsonl(categories)
        else:
            header = [f"Created by wildcards-gen llm create with {model_id}: {texts.one_line(topic)}"]
            text = writer.render_yaml(categories, header)
        _finish(run, output, text, stats_file, started, progress)

    return click.Command(
        "create",
        callback=create,
        params=[
            click.Option(["--topic"], required=True, help="What the file is about ('fantasy creatures', 'kitchens')."),
            click.Option(
                ["--depth"],
                type=click.IntRange(1, 5),
                default=2,
                show_default=True,
                help="Levels of keys, the topic's key the first (1: one list; 2: categories with items; ...).",
            ),
            click.Option(
                ["--size"],
                type=click.Choice(list(SIZES)),
                default="medium",
                show_default=True,
                help="Categories a level and items a list: "
                + ", ".join(f"{k} {c}/{i}" for k, (c, i) in SIZES.items())
                + ".",
            ),
            *_output_options(),
            *model_options(None),
        ],
        help=create.__doc__,
        short_help="Create a new wildcard file on a topic with the model.",
    )


# -- categorize ------------------------------------------------------------------------------


def categorize_command() -> click.Command:
    from wildcards_gen import arrangement

    shared = {p.name: p for p in arrangement.click_options(arrangers=False)}

    def categorize(inputs, output, category, stats_file, fmt, min_items, **options):
        """Sort your own lists into named groups with the model: .txt files, folders of them, YAML, or - for stdin.

        The inputs are read as 'wildcards-gen arrange' reads them (a YAML file is edited in place) and every
        long enough list is sorted by the model ('--arranger llm'). Every term ends in exactly one list: a term
        the model left out goes to other_<list>, one it invented is removed, both counted in the summary and the
        --stats report.
        """
        from wildcards_gen import engine as engine_mod
        from wildcards_gen import pipeline, user_lists

        started = time.perf_counter()
        output, fmt = _start(output, stats_file, fmt)
        defaults = {p.name: p.default for p in shared.values() if p.name}
        llm = _llm_settings(options)
        run_options = {
            **defaults,
            **options,
            **llm,
            "semantic_arrange": True,
            "semantic_arrange_min_items": min_items,
            "arranger": "llm",
            "embedder": "wordnet",  # the model groups; the vectors only serve sense choice
            "workers": 1,
        }
        run = _run("llm categorize", run_options)
        from wildcards_gen.cli import registry

        reg = registry()
        sources = user_lists.read_inputs(list(inputs))
        synset = user_lists.resolve_category_option(category, run.wordnet)
        progress = _progress(run)
        run.state["wildcards_gen_llm.progress"] = progress
        with pipeline.paused_gc(), engine_mod.Engine(1) as engine:
            cats = user_lists.build(sources, run, reg, engine, synset)
        text = user_lists.render(sources, cats, run, fmt)
        _finish(run, output, text, stats_file, started, progress)
        if not run.quiet:
            for event in run.stats.events.get("too_short_to_arrange", []):
                click.echo(
                    f"{event['list']}: {event['terms']} terms, fewer than --min-items; written unchanged", err=True
                )

    arrange_params = [shared[name] for name in ARRANGE_OPTIONS if name != "semantic_arrange_min_items"]
    return click.Command(
        "categorize",
        callback=categorize,
        params=[
            click.Argument(["inputs"], nargs=-1, required=True),
            click.Option(
                ["--category"],
                default=None,
                metavar="NAME|SYNSET",
                help="What the lists are (a noun, a synset name such as dog.n.01, or a WNID). Default: each "
                "list's file name or key, else the terms' common WordNet ancestor.",
            ),
            click.Option(
                ["--min-items"],
                type=click.IntRange(min=2),
                default=4,
                show_default=True,
                help="Sort only lists with at least this many terms.",
            ),
            *arrange_params,
            *_output_options(),
            *model_options(60),
        ],
        help=categorize.__doc__,
        short_help="Sort your own lists into named groups with the model.",
    )


# -- enrich ------------------------------------------------------------------------------------


def enrich_command() -> click.Command:
    def enrich(file, output, stats_file, **options):
        """Add an instruction to every key of a YAML wildcard file that has none; everything else stays as it is.

        WordNet's gloss where the key is a WordNet noun among its siblings, else the model's (a few of the key's
        items are shown to it). Comments, quoting, indentation and line ends are kept byte for byte.
        """
        from wildcards_gen.errors import UsageError
        from wildcards_gen.yaml_input import read_text
        from wildcards_gen_llm.enrich import enrich as add_instructions

        started = time.perf_counter()
        if Path(file).suffix.lower() not in (".yaml", ".yml"):
            raise UsageError(f"{file}: enrich edits YAML wildcard files (.yaml, .yml)")
        output, _ = _start(output, stats_file)
        text = read_text(file, "wildcard file")
        llm = _llm_settings(options)
        run = _run("llm enrich", {**options, **llm})
        progress = _progress(run)
        result = add_instructions(text, Path(file).name, run, progress)
        _finish(run, output, result, stats_file, started, progress)
        if not run.quiet:
            c = run.stats.counters
            click.echo(
                f"Instructions added: {c['llm.enrich.wordnet']} from WordNet, {c['llm.enrich.model']} from the "
                f"model, {c['llm.enrich.fallback']} fallbacks; {c['llm.enrich.kept']} kept, "
                f"{c['llm.enrich.skipped']} keys that cannot take one (see --stats)",
                err=True,
            )

    return click.Command(
        "enrich",
        callback=enrich,
        params=[
            click.Argument(["file"], type=click.Path(exists=True, dir_okay=False)),
            *_output_options(formats=False),
            *model_options(30),
        ],
        help=enrich.__doc__,
        short_help="Add an instruction to every key that has none (comments and layout kept).",
    )


# -- cache -------------------------------------------------------------------------------------


def cache_command() -> click.Command:
    def cache(clear, model):
        """Show the LLM response cache (path, size, answers per model), or clear it."""
        from wildcards_gen import paths
        from wildcards_gen_llm.cache import ResponseCache

        store = ResponseCache(paths.cache_dir())
        if clear:
            removed = store.clear(model)
            click.echo(f"Removed {removed} cached answer{'s' if removed != 1 else ''} from {store.path}")
            return
        info = store.info()
        click.echo(f"{info['path']}: {info['bytes']} bytes")
        for name, count in sorted(info["models"].items()):
            click.echo(f"  {name}: {count} answers")

    return click.Command(
        "cache",
        callback=cache,
        params=[
            click.Option(["--clear"], is_flag=True, help="Remove the cached answers."),
            click.Option(["--model"], default=None, help="With --clear: only this model's answers (its full id)."),
        ],
        help=cache.__doc__,
        short_help="Show or clear the LLM response cache.",
    )


def llm_group() -> click.Group:
    group = click.Group(
        "llm",
        help="Create, categorize and enrich wildcard files with a language model, through the llm library.\n\n"
        "The model is llm's: --model NAME, else your default ('llm models default'); keys are llm's "
        "('llm keys set'). Every answer is checked; a bad one is asked again, then the command stops "
        "without writing.",
        short_help="Create, categorize and enrich with a language model (llm).",
    )
    for command in (create_command(), categorize_command(), enrich_command(), cache_command()):
        group.add_command(command)
    return group
