"""Workers against time: Tencent balanced, plain and with semantic arrangement, at --workers 1, 2, 4 and the CPU count.

From one run: for each case (the plain run; arrangement with each embedder on a
warm and on an empty embedding cache) every worker count is timed, the counts
alternating so that machine noise spreads evenly; the medians and each one's
ratio to ``--workers 1`` are printed, and whether every run wrote the same bytes.
An empty cache keeps the WordNet snapshot and the model, not the vectors. Runs
unchanged on a machine with more cores (the worker counts follow the CPU count).

    .venv/bin/python benchmarks/bench_engine.py [--repeat 5] [--cold-repeat 1] [--embedder wordnet ...]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("WILDCARDS_GEN_SHARED_DATA", ROOT.parent / "shared" / "data"))
BIN = Path(sys.executable).parent / "wildcards-gen"
TENCENT = [
    "dataset",
    "tencent",
    "--hierarchy-file",
    str(SHARED / "tencent" / "dictionary_and_semantic_hierarchy.txt"),
    "--smart",
    "--preset",
    "balanced",
]


def run(args: list[str], workers: int, cache: Path, out: Path) -> tuple[float, str]:
    """Wall seconds of one CLI process, and a digest of what it wrote."""
    env = {**os.environ, "WILDCARDS_GEN_CACHE": str(cache)}
    start = time.perf_counter()
    subprocess.run([str(BIN), "-q", *args, "--workers", str(workers), "-o", str(out)], check=True, env=env)
    wall = time.perf_counter() - start
    return wall, hashlib.sha256(out.read_bytes()).hexdigest()[:16]


def worker_counts() -> list[int]:
    cpus = os.cpu_count() or 1
    return sorted({w for w in (1, 2, 4, cpus) if w <= max(cpus, 2)})


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="warm runs per worker count")
    parser.add_argument("--cold-repeat", type=int, default=1, help="empty-cache runs per worker count")
    parser.add_argument("--embedder", action="append", help="repeatable; default: wordnet and sentence-transformers")
    parser.add_argument("--no-cold", action="store_true", help="skip the empty-cache cases")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args(argv)
    embedders = args.embedder or ["wordnet", "sentence-transformers"]
    counts = worker_counts()
    work = Path(tempfile.mkdtemp(prefix="wg-bench-engine-"))
    cases = [("plain", TENCENT, "warm", args.repeat)]
    for embedder in embedders:
        arranged = [*TENCENT, "--semantic-arrange", "--embedder", embedder]
        cases.append((f"arranged, {embedder}", arranged, "warm", args.repeat))
        if not args.no_cold:
            cases.append((f"arranged, {embedder}", arranged, "empty", args.cold_repeat))
    report = {"cpus": os.cpu_count(), "workers": counts, "cases": []}
    try:
        warm = work / "warm"
        for _, case_args, _, _ in cases:  # snapshot, model and vectors cached once
            run(case_args, 1, warm, work / "seed.yaml")
        for name, case_args, cache_kind, repeat in cases:
            times: dict[int, list[float]] = {w: [] for w in counts}
            digests = set()
            for i in range(repeat):
                for workers in counts:
                    cache = warm
                    if cache_kind == "empty":
                        cache = work / f"empty-{i}-{workers}"
                        shutil.copytree(warm, cache, ignore=shutil.ignore_patterns("embeddings*"))
                    wall, digest = run(case_args, workers, cache, work / "out.yaml")
                    times[workers].append(wall)
                    digests.add(digest)
                    if cache is not warm:
                        shutil.rmtree(cache)
            medians = {w: statistics.median(v) for w, v in times.items()}
            report["cases"].append(
                {"case": name, "cache": cache_kind, "runs": repeat, "medians": medians, "same_bytes": len(digests) == 1}
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"machine: {os.cpu_count()} CPUs; Tencent --smart --preset balanced; medians of alternating runs")
    header = " | ".join(f"--workers {w}" for w in counts)
    print(f"| case | cache | runs | {header} | same bytes |")
    print("|---|---|---:|" + "---:|" * len(counts) + "---|")
    for case in report["cases"]:
        one = case["medians"][counts[0]]
        cells = [
            f"{case['medians'][w]:.2f} s" + ("" if w == counts[0] else f" ({case['medians'][w] / one:.2f})")
            for w in counts
        ]
        print(
            f"| {case['case']} | {case['cache']} | {case['runs']} | "
            + " | ".join(cells)
            + f" | {'yes' if case['same_bytes'] else 'NO'} |"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
