"""One generation: roots, walk, shape, arrange, finalize, write. Every front-end calls this.

``generate`` is what ``dataset`` and ``batch`` run (and any later front-end):
build the categories, write the output and the run report. ``build`` alone
returns the categories without writing anything (a preview).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from wildcards_gen import engine as engine_mod
from wildcards_gen import output as output_mod
from wildcards_gen import tree, writer
from wildcards_gen.errors import DataError, UsageError, blame
from wildcards_gen.gc_pause import paused_gc
from wildcards_gen.model import Category, Dataset, Node, Run
from wildcards_gen.stats import Stats


def output_format(output, fmt: str | None) -> str:
    if fmt:
        return fmt
    return "jsonl" if str(output).lower().endswith(".jsonl") else "yaml"


def find_roots(dataset: Dataset, run: Run) -> list[Node]:
    """The dataset's roots, checked like every node; no root at all is an error."""
    with blame(dataset.plugin, "find_roots failed"):
        roots = dataset.find_roots(run)
    roots = engine_mod.check_nodes(roots, dataset.plugin, "find_roots")
    if not roots:
        raise DataError(
            f"dataset {dataset.name!r} has no root for these options "
            f"(plugin {dataset.plugin!r}: find_roots returned an empty list)"
        )
    return roots


def build(
    dataset: Dataset,
    options: dict,
    registry,
    *,
    verbose: int = 0,
    quiet: bool = False,
    engine=None,
    progress=None,
) -> tuple[list[Category] | None, Run]:
    """Run the pipeline and return ``(categories, run)``; writes nothing (categories None after --analyze).

    ``progress``: a tqdm-like object (``set_description``, ``update``, ``total``) that a front-end
    watches instead of the terminal's bar: told each phase, advanced per node walked and list arranged.
    """
    with paused_gc():
        return _build(dataset, options, registry, verbose=verbose, quiet=quiet, engine=engine, progress=progress)


def _phase(progress, text: str) -> None:
    if progress is not None:
        progress.set_description(text)


def _build(dataset: Dataset, options: dict, registry, *, verbose: int, quiet: bool, engine, progress=None):
    from wildcards_gen import paths

    stats = Stats()
    run = Run(
        dataset=dataset.name, options=options, stats=stats, cache_dir=paths.cache_dir(), verbose=verbose, quiet=quiet
    )
    own_engine = engine is None
    engine = engine or engine_mod.Engine(options.get("workers"))
    try:
        with stats.timer("roots"):
            roots = find_roots(dataset, run)
        stats.incr("input.roots", len(roots))
        bar = engine_mod.progress_bar(quiet, f"Walking {dataset.name}") if progress is None else progress
        _phase(progress, f"Walking {dataset.name}")
        with stats.timer("walk"):
            if options.get("preview"):  # --preview N: ask the plugin for the first N nodes only
                from wildcards_gen import shaping

                raw = shaping.walk_preview(registry.pm.hook, dataset, run, roots, options["preview"])
            else:
                raw = engine_mod.walk(engine, registry.pm.hook, dataset, run, roots, bar)
        if bar is not None and progress is None:
            bar.close()
        count_input(raw, stats)
        _phase(progress, "Shaping")
        with stats.timer("shape"):
            if options.get("smart") or options.get("analyze") or options.get("preview"):
                from wildcards_gen import shaping

                categories = shaping.shape(raw, dataset, run)
            else:
                categories = tree.to_categories(raw, options.get("depth"), run)
        if categories is None:  # --analyze: statistics printed, nothing to write
            return None, run
        if options.get("semantic_arrange") or options.get("semantic_clean"):
            from wildcards_gen import arrangement

            _phase(progress, "Arranging")
            with stats.timer("arrange"):
                categories = arrangement.arrange_tree(
                    categories, run, engine, registry, arrangement.known_senses(raw), progress=progress
                )
        _phase(progress, "Finishing")
        with stats.timer("finalize"):
            categories = tree.finalize(categories, run)
        count_output(categories, stats)
        return categories, run
    except KeyboardInterrupt:
        engine.cancelled.set()
        raise
    finally:
        if own_engine:
            engine.close()


def generate(
    dataset: Dataset,
    options: dict[str, Any],
    registry,
    *,
    output: str | Path | None = None,
    fmt: str | None = None,
    stats_file: str | Path | None = None,
    verbose: int = 0,
    quiet: bool = False,
    engine=None,
) -> tuple[list[Category] | None, Run]:
    """Build, then write the output (default ``./<dataset>.yaml``) and the run report.

    Nothing is written when the build fails, and the output is written before
    the report. Returns ``(categories, run)`` (categories None after --analyze).
    """
    started = time.perf_counter()
    output = output if output is not None else Path(f"{dataset.name}.yaml")
    check_outputs(output, stats_file)
    categories, run = build(dataset, options, registry, verbose=verbose, quiet=quiet, engine=engine)
    if categories is not None:
        write(categories, run, dataset, output, fmt)
    run.stats.add_time("total", time.perf_counter() - started)
    if stats_file:
        write_stats(run, stats_file)
    return categories, run


def check_outputs(output, stats_file) -> None:
    """Fail before the run if an output can never be written, or both outputs are one file."""
    output_mod.check_target(output)
    if stats_file is None:
        return
    output_mod.check_target(stats_file)
    if output_mod.is_stdout(output) and output_mod.is_stdout(stats_file):
        raise UsageError("-o - and --stats - would both write to standard output; name a file for one of them")
    if output_mod.is_stdout(output) or output_mod.is_stdout(stats_file):
        return
    if _same_file(Path(output), Path(stats_file)):
        raise UsageError(f"--stats {stats_file} is the output file {output}; the report would replace the wildcards")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except OSError:
        return False


def count_input(raw_roots, stats: Stats) -> None:
    """Input counts: nodes as walked (a node reached by two parents counts twice)."""
    seen_ids, leaves = set(), set()
    stack = list(raw_roots)
    nodes = 0
    while stack:
        raw = stack.pop()
        nodes += 1
        seen_ids.add(raw.node.id)
        if not raw.children:
            leaves.add(raw.node.name)
        stack.extend(raw.children)
    stats.incr("input.nodes", nodes)
    stats.incr("input.unique_ids", len(seen_ids))
    stats.incr("input.leaf_names", len(leaves))


def count_output(categories, stats: Stats) -> None:
    """Output counts, including where each key's instruction came from."""
    cats = items = 0
    kinds: dict = {}
    for root in categories:
        for cat in root.walk():
            cats += 1
            items += len(cat.items)
            if cat.instruction:
                kinds[cat.instruction_kind] = kinds.get(cat.instruction_kind, 0) + 1
    stats.counters["output.categories"] = cats
    stats.counters["output.items"] = items
    stats.counters["glosses.found"] = kinds.get("gloss", 0)
    stats.counters["glosses.missing"] = kinds.get("fallback", 0)
    stats.counters["instructions.derived"] = kinds.get("derived", 0)


def render(categories: list[Category], run: Run, dataset: Dataset, fmt: str) -> str:
    """The output text: YAML with the dataset's header, or JSONL."""
    if fmt == "jsonl":
        return writer.render_jsonl(categories)
    header = list(dataset.header)
    if run.options.get("preview_truncated"):
        header.insert(0, f"PARTIAL OUTPUT: --preview stopped after {run.options.get('preview')} nodes")
    return writer.render_yaml(categories, header)


def write(categories: list[Category], run: Run, dataset: Dataset, output, fmt: str | None) -> None:
    fmt = output_format(output, fmt)
    with run.stats.timer("write"):
        text = render(categories, run, dataset, fmt)
        output_mod.write_text(output, text)
    run.stats.counters["output.bytes"] = len(text.encode("utf-8"))


def report(run: Run) -> dict:
    """The run report (``--stats``) as a JSON-ready dict."""
    return {"dataset": run.dataset, **run.stats.as_dict(), "options": _jsonable(run.options)}


def write_stats(run: Run, path) -> None:
    import json

    output_mod.write_text(path, json.dumps(report(run), indent=2, sort_keys=False, default=str) + "\n")


def _jsonable(options: dict) -> dict:
    out = {}
    for k, v in sorted(options.items()):
        if isinstance(v, Path):
            v = str(v)
        elif isinstance(v, tuple):
            v = [str(x) for x in v]
        out[k] = v
    return out


def report_summary(run: Run, quiet: bool) -> None:
    if not quiet:
        print(run.stats.summary(), file=sys.stderr)
