"""One generation run: roots, walk, shape, arrange, finalize, write."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

from wildcards_gen import engine as engine_mod
from wildcards_gen import tree, writer
from wildcards_gen.errors import PluginError, blame
from wildcards_gen.model import Dataset, Node, Run
from wildcards_gen.stats import Stats


def output_format(output: Path, fmt: str | None) -> str:
    if fmt:
        return fmt
    return "jsonl" if Path(output).suffix.lower() == ".jsonl" else "yaml"


def find_roots(dataset: Dataset, run: Run) -> list[Node]:
    with blame(dataset.plugin, "find_roots failed"):
        roots = dataset.find_roots(run)
    if not isinstance(roots, (list, tuple)) or not all(isinstance(r, Node) for r in roots):
        raise PluginError(dataset.plugin, f"find_roots returned {type(roots).__name__}; expected a list of wildcards_gen.Node")
    return list(roots)


def build(dataset: Dataset, options: dict, registry, *, verbose: int = 0, quiet: bool = False, engine=None):
    """Run the pipeline and return ``(categories, run)``; writes nothing.

    The cyclic garbage collector is paused meanwhile: the trees are large and
    acyclic, and collections only rescan them (two thirds of shaping time).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _build(dataset, options, registry, verbose=verbose, quiet=quiet, engine=engine)
    finally:
        if was_enabled:
            gc.enable()


def _build(dataset: Dataset, options: dict, registry, *, verbose: int, quiet: bool, engine):
    from wildcards_gen import paths

    stats = Stats()
    run = Run(dataset=dataset.name, options=options, stats=stats, cache_dir=paths.cache_dir(), verbose=verbose)
    own_engine = engine is None
    engine = engine or engine_mod.Engine(options.get("workers"))
    try:
        with stats.timer("roots"):
            roots = find_roots(dataset, run)
        stats.incr("input.roots", len(roots))
        bar = engine_mod.progress_bar(quiet, f"Walking {dataset.name}")
        with stats.timer("walk"):
            if options.get("preview"):  # --preview N: ask the plugin for the first N nodes only
                from wildcards_gen import shaping

                raw = shaping.walk_preview(registry.pm.hook, dataset, run, roots, options["preview"])
            else:
                raw = engine_mod.walk(engine, registry.pm.hook, dataset, run, roots, bar)
        if bar is not None:
            bar.close()
        count_input(raw, stats)
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

            with stats.timer("arrange"):
                categories = arrangement.arrange_tree(categories, run, engine, registry)
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


def write(categories, run: Run, dataset: Dataset, output: Path, fmt: str | None) -> None:
    fmt = output_format(output, fmt)
    with run.stats.timer("write"):
        if fmt == "jsonl":
            text = writer.render_jsonl(categories)
        else:
            header = list(dataset.header)
            if run.options.get("preview_truncated"):
                header.insert(0, f"PARTIAL OUTPUT: --preview stopped after {run.options.get('preview')} nodes")
            text = writer.render_yaml(categories, header)
        writer.write_atomic(Path(output), text)
    run.stats.counters["output.bytes"] = len(text.encode("utf-8"))


def write_stats(run: Run, path: Path) -> None:
    import json

    report = {"dataset": run.dataset, **run.stats.as_dict(), "options": _jsonable(run.options)}
    writer.write_atomic(Path(path), json.dumps(report, indent=2, sort_keys=False, default=str) + "\n")


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
