"""Time smart shaping of the full ImageNet noun tree and the full Tencent tree.

Not a test: prints figures for the README. The walk through the plugins (the
dataset's own cost) is timed once and reported apart; then every preset is
shaped from the same raw tree (median of --repeat runs), then finalized.

    .venv/bin/python benchmarks/bench_shaping.py [--repeat 3] [--shared-data ../shared/data]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

from wildcards_gen import engine, paths, pipeline, shaping, tree
from wildcards_gen.cli import dataset_command
from wildcards_gen.model import Run
from wildcards_gen.plugins import get_registry
from wildcards_gen.stats import Stats


def options_for(dataset, args):
    ctx = dataset_command(dataset).make_context(dataset.name, [str(a) for a in args])
    return dict(ctx.params)


def walk(name, args):
    registry = get_registry()
    dataset = registry.datasets[name]
    run = Run(name, options_for(dataset, args), Stats(), paths.cache_dir())
    started = time.perf_counter()
    roots = pipeline.find_roots(dataset, run)
    with engine.Engine() as eng:
        raw = engine.walk(eng, registry.pm.hook, dataset, run, roots)
    return dataset, raw, time.perf_counter() - started


def size(raw_roots):
    n, stack = 0, list(raw_roots)
    while stack:
        node = stack.pop()
        n += 1
        stack.extend(node.children)
    return n


def bench(label, name, args, repeat):
    dataset, raw, walk_s = walk(name, args)
    print(f"\n{label}: {size(raw)} nodes walked in {walk_s:.2f} s (plugin walk, not shaping)")
    started = time.perf_counter()
    shaping.descendant_counts(raw)
    print(f"  descendant counts, one pass: {time.perf_counter() - started:.3f} s")
    print(f"  {'preset':<15} {'shape s':>8} {'finalize s':>11} {'categories':>11}")
    for preset in shaping.PRESETS:
        shape_times, final_times = [], []
        for _ in range(repeat):
            run = Run(name, options_for(dataset, args + ["--smart", "--preset", preset]), Stats(), paths.cache_dir())
            t0 = time.perf_counter()
            with pipeline.paused_gc():  # as a real run has it
                categories = shaping.shape(raw, dataset, run)
            t1 = time.perf_counter()
            categories = tree.finalize(categories, run)
            t2 = time.perf_counter()
            shape_times.append(t1 - t0)
            final_times.append(t2 - t1)
        count = sum(1 for root in categories for _ in root.walk())
        print(
            f"  {preset:<15} {statistics.median(shape_times):>8.3f} {statistics.median(final_times):>11.3f} {count:>11}"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--shared-data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    args = parser.parse_args()
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; load average {os.getloadavg()[0]:.1f}"
    )
    bench(
        "ImageNet, full noun tree (entity.n.01, no filter)",
        "imagenet",
        ["--root", "entity.n.01", "--filter", "none"],
        args.repeat,
    )
    bench(
        "Tencent ML-Images, full tree",
        "tencent",
        ["--hierarchy-file", args.shared_data / "tencent" / "dictionary_and_semantic_hierarchy.txt"],
        args.repeat,
    )
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
