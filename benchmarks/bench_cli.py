"""End-to-end CLI timings: median wall time and peak memory per command (not a test).

Runs every command several times, alternating between them so that machine noise
spreads evenly, with a warm cache; then one cold run (empty cache: WordNet
snapshot build) separately.

    .venv/bin/python benchmarks/bench_cli.py [--repeat 7]
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
TENCENT = ["--hierarchy-file", str(SHARED / "tencent" / "dictionary_and_semantic_hierarchy.txt")]

COMMANDS = {
    "tencent --smart --preset balanced": ["dataset", "tencent", *TENCENT, "--smart", "--preset", "balanced"],
    "tencent --depth 4": ["dataset", "tencent", *TENCENT, "--depth", "4"],
    "imagenet --smart --root n02084071": ["dataset", "imagenet", "--smart", "--root", "n02084071"],
    "imagenet entity --depth 4 --filter 21k": ["dataset", "imagenet", "--root", "entity.n.01", "--depth", "4", "--filter", "21k"],
    "--help": ["--help"],
}


def run_once(args: list[str], out: Path, env: dict) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one CLI process."""
    cmd = [str(BIN), "-q", *args]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    compile_bytecode()
    work = Path(tempfile.mkdtemp(prefix="wg-bench-"))
    try:
        cache = work / "cache"
        seed_cache(cache)
        env = {**os.environ, "WILDCARDS_GEN_CACHE": str(cache)}
        cold_wall, cold_rss = run_once(COMMANDS["imagenet --smart --root n02084071"], work / "cold.yaml", env)
        results = {name: [] for name in COMMANDS}
        for cmd in COMMANDS.values():  # warm-up
            run_once(cmd, work / "warm.yaml", env)
        for _ in range(args.repeat):
            for name, cmd in COMMANDS.items():
                results[name].append(run_once(cmd, work / "out.yaml", env))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}; {args.repeat} alternating runs, warm cache")
    print(f"{'command':42} {'median s':>9} {'min s':>7} {'peak MiB':>9}")
    for name, runs in results.items():
        walls = [w for w, _ in runs]
        print(f"{name:42} {statistics.median(walls):9.3f} {min(walls):7.3f} {max(r for _, r in runs):9.1f}")
    print(f"{'cold: imagenet dogs, empty cache (snapshot build)':42} {cold_wall:9.3f} {'':7} {cold_rss:9.1f}")


if __name__ == "__main__":
    main()
