"""End-to-end CLI timings: median wall time and peak memory per command (not a test).

Cold rows first: each run on its own empty cache (the WordNet snapshot is built,
the entry points scanned, the Tencent file parsed), the three cold commands
alternating; then warm rows: every command several times on one warm cache,
alternating so that machine noise spreads evenly. One run gives both tables.

    .venv/bin/python benchmarks/bench_cli.py [--repeat 7] [--cold-repeat 3]
"""

from __future__ import annotations

import argparse
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
TENCENT = ["--hierarchy-file", str(SHARED / "tencent" / "dictionary_and_semantic_hierarchy.txt")]

COMMANDS = {
    "tencent --smart --preset balanced": ["dataset", "tencent", *TENCENT, "--smart", "--preset", "balanced"],
    "tencent --depth 4": ["dataset", "tencent", *TENCENT, "--depth", "4"],
    "imagenet --smart --root n02084071": ["dataset", "imagenet", "--smart", "--root", "n02084071"],
    "imagenet entity --depth 4 --filter 21k": [
        "dataset",
        "imagenet",
        "--root",
        "entity.n.01",
        "--depth",
        "4",
        "--filter",
        "21k",
    ],
    "--help": ["--help"],
}


# The snapshot build alone: a process that only opens WordNet on an empty cache.
BUILD = [
    sys.executable,
    "-c",
    "import sys; from pathlib import Path; from wildcards_gen import wordnet; wordnet.open_snapshot(Path(sys.argv[1]))",
]
COLD = {
    "cold: WordNet snapshot build alone": None,
    "cold: tencent --smart --preset balanced": COMMANDS["tencent --smart --preset balanced"],
    "cold: imagenet --smart --root n02084071": COMMANDS["imagenet --smart --root n02084071"],
}


def run_once(args: list[str], out: Path, env: dict) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one CLI process (``args`` a full command if it starts with '/')."""
    cmd = list(args) if args[0].startswith("/") else [str(BIN), "-q", *args]
    if args[0] == "dataset":
        cmd += ["-o", str(out)]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode()
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{err}")
    return wall, usage.ru_maxrss / 1024


def seed_cache(cache: Path) -> None:
    (cache / "imagenet").mkdir(parents=True, exist_ok=True)
    for name in ("imagenet_synsets.txt", "imagenet12k_synsets.txt", "imagenet21k_goog_synsets.txt"):
        shutil.copyfile(SHARED / "imagenet" / name, cache / "imagenet" / name)


def compile_bytecode() -> None:
    """Byte-compile the host and plugins, as pip does for a regular install.

    An editable install under PYTHONDONTWRITEBYTECODE=1 (set on our dev
    machines) would otherwise compile every module on every run: ~0.1 s.
    """
    import compileall

    for folder in [ROOT / "wildcards_gen", *sorted(ROOT.glob("plugins/*/wildcards_gen_*"))]:
        compileall.compile_dir(folder, quiet=1)


def cold_runs(work: Path, repeat: int) -> tuple[dict, list]:
    """``{name: [(wall, MiB), ...]}`` of cold runs, each on a fresh empty cache; and the builds' own times."""
    results: dict = {name: [] for name in COLD}
    builds = []
    for i in range(repeat):
        for name, args in COLD.items():
            cache = work / f"cold-{i}-{len(results[name])}-{abs(hash(name))}"
            env = {**os.environ, "WILDCARDS_GEN_CACHE": str(cache)}
            results[name].append(run_once(args or [*BUILD, str(cache)], work / "cold.yaml", env))
            for manifest in cache.glob("wordnet-*.json"):  # the build's own time (absent before v4)
                builds.append(json.loads(manifest.read_text())["built_in_s"])
            shutil.rmtree(cache)
    return results, builds


def row(name: str, runs: list) -> str:
    walls = [w for w, _ in runs]
    return f"| {name} | {statistics.median(walls):.3f} | {min(walls):.3f} | {max(r for _, r in runs):.1f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--cold-repeat", type=int, default=3)
    args = parser.parse_args()
    compile_bytecode()
    work = Path(tempfile.mkdtemp(prefix="wg-bench-"))
    try:
        cold, builds = cold_runs(work, args.cold_repeat)
        cache = work / "cache"
        seed_cache(cache)
        env = {**os.environ, "WILDCARDS_GEN_CACHE": str(cache)}
        results = {name: [] for name in COMMANDS}
        for cmd in COMMANDS.values():  # warm-up
            run_once(cmd, work / "warm.yaml", env)
        for _ in range(args.repeat):
            for name, cmd in COMMANDS.items():
                results[name].append(run_once(cmd, work / "out.yaml", env))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, load average "
        f"{os.getloadavg()[0]:.2f}; {args.cold_repeat} cold runs each (empty cache), "
        f"{args.repeat} alternating warm runs"
    )
    print("| command | median s | min s | peak MiB |")
    print("|---|---:|---:|---:|")
    for name, runs in cold.items():
        print(row(name, runs))
    if builds:
        print(
            f"| cold: the build itself, as the process times it | {statistics.median(builds):.3f} | {min(builds):.3f} | |"
        )
    for name, runs in results.items():
        print(row(f"warm: {name}", runs))


if __name__ == "__main__":
    main()
