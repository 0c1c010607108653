"""``check`` and ``lint`` on a large wildcard file: wall time and peak memory (not a test).

The file is generated (deterministic, ``--megabytes`` of it): keys with
``# instruction:`` comments, eight lists of forty two-word items under each,
words drawn from WordNet's own lemmas. Each command runs in its own process;
its peak resident memory comes from ``wait4``. Timings are noisy on a shared
machine: compare within one run.

    .venv/bin/python benchmarks/bench_large_files.py [--megabytes 50] [--outliers]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent / "wildcards-gen"


def lemmas() -> list[str]:
    from wildcards_gen import wordnet

    rows = wordnet.get()._rows("SELECT lemmas FROM synset ORDER BY id")
    return sorted({lemma for (lemmas,) in rows for lemma in lemmas.split("\t") if lemma.isalpha()})


def write_file(path: Path, megabytes: float) -> int:
    """A wildcard file of about ``megabytes``; returns its number of items."""
    rng = random.Random(1)
    words = lemmas()
    target, size, group, items = int(megabytes * 1024 * 1024), 0, 0, 0
    with path.open("w", encoding="utf-8") as out:
        while size < target:
            lines = [f"group_{group}:  # instruction: things of kind {group}, for a large-file benchmark"]
            for sub in range(8):
                lines.append(f"  {rng.choice(words)}_{group}_{sub}:  # instruction: one kind of thing in group {group}")
                lines += [f"    - {rng.choice(words)} {rng.choice(words)}" for _ in range(40)]
                items += 40
            text = "\n".join(lines) + "\n"
            out.write(text)
            size += len(text.encode())
            group += 1
    return items


def measure(args: list[str]) -> tuple[float, float, int]:
    """``(seconds, peak MiB, exit status)`` of one run of the CLI."""
    start = time.perf_counter()
    process = subprocess.Popen([str(BIN), *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=50)
    parser.add_argument("--outliers", action="store_true", help="also lint with the semantic outlier check")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "large.yaml"
        items = write_file(path, options.megabytes)
        print(f"{path.stat().st_size / 2**20:.1f} MiB, {items:,} items")
        runs = {"check": ["check", str(path)], "lint --no-outliers": ["lint", "--no-outliers", str(path)]}
        if options.outliers:
            runs["lint"] = ["lint", str(path)]
        print("| command | seconds | peak MiB | exit |\n|---|---:|---:|---:|")
        for name, args in runs.items():
            seconds, peak, code = measure(args)
            print(f"| {name} | {seconds:.1f} | {peak:.0f} | {code} |", flush=True)


if __name__ == "__main__":
    main()
