"""Parallel engine: Tencent balanced + semantic arrangement at --workers 1 vs the CPU count (not a test).

The two settings alternate, several times, on a warm embedding cache and on a
cold one (where embedding inference, which releases the GIL, dominates); the
script prints the median wall time of each and their ratio.

    .venv/bin/python benchmarks/bench_engine.py [--repeat 5] [--embedder sentence-transformers]
"""

from __future__ import annotations

import argparse
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


def run(workers: int, cache: Path, out: Path, embedder: str) -> float:
    cmd = [str(BIN), "-q", "dataset", "tencent",
           "--hierarchy-file", str(SHARED / "tencent" / "dictionary_and_semantic_hierarchy.txt"),
           "--smart", "--preset", "balanced", "--semantic-arrange", "--embedder", embedder,
           "--workers", str(workers), "-o", str(out)]
    env = {**os.environ, "WILDCARDS_GEN_CACHE": str(cache)}
    start = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--embedder", default="sentence-transformers")
    args = parser.parse_args()
    cpus = os.cpu_count() or 1
    work = Path(tempfile.mkdtemp(prefix="wg-bench-engine-"))
    try:
        warm = work / "warm-cache"
        run(1, warm, work / "seed.yaml", args.embedder)  # snapshot, model and embeddings cached
        results: dict[str, list[float]] = {"warm 1": [], f"warm {cpus}": [], "cold 1": [], f"cold {cpus}": []}
        for i in range(args.repeat):
            for workers in (1, cpus):
                results[f"warm {workers}"].append(run(workers, warm, work / "out.yaml", args.embedder))
                cold = work / f"cold-{i}-{workers}"
                shutil.copytree(warm, cold, ignore=shutil.ignore_patterns("embeddings*"))
                results[f"cold {workers}"].append(run(workers, cold, work / "out.yaml", args.embedder))
                shutil.rmtree(cold)
        same = (work / "seed.yaml").read_bytes() == (work / "out.yaml").read_bytes()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"machine: {cpus} CPUs; embedder {args.embedder}; {args.repeat} alternating runs each")
    for kind in ("cold", "warm"):
        one, many = statistics.median(results[f"{kind} 1"]), statistics.median(results[f"{kind} {cpus}"])
        label = "empty embedding cache" if kind == "cold" else "warm embedding cache"
        print(f"{label:24} --workers 1: {one:6.2f} s   --workers {cpus}: {many:6.2f} s   ratio {many / one:5.2f}")
    print(f"outputs identical across runs: {same}")


if __name__ == "__main__":
    main()
