"""Arrangement on worker processes: the same bytes for any --workers, and clean ends (Ctrl-C, a failure, a kill)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from wildcards_gen import process_pool

BIN = Path(sys.executable).parent / "wildcards-gen"
pytestmark = pytest.mark.skipif(not process_pool.available(), reason="worker processes need fork")


def tencent(shared_data, *extra):
    return [
        "dataset",
        "tencent",
        "--hierarchy-file",
        str(shared_data / "tencent" / "dictionary_and_semantic_hierarchy.txt"),
        "--smart",
        "--preset",
        "balanced",
        "--semantic-arrange",
        *extra,
    ]


def run_cli(*args, env=None, **kwargs):
    return subprocess.run([str(BIN), *map(str, args)], capture_output=True, text=True, env=env, **kwargs)


@pytest.mark.parametrize("embedder", ["wordnet", "sentence-transformers"])
def test_tencent_arranged_gives_the_same_bytes_and_counts_for_1_2_and_8_workers(shared_data, tmp_path, embedder):
    outputs = {}
    for workers in ("1", "2", "8"):
        out, stats = tmp_path / f"{workers}.yaml", tmp_path / f"{workers}.json"
        done = run_cli(
            "-v", *tencent(shared_data, "--embedder", embedder, "--workers", workers), "-o", out, "--stats", stats
        )
        assert done.returncode == 0, done.stderr
        report = json.loads(stats.read_text())
        counts = {k: v for k, v in report["counts"].items() if not k.startswith("embeddings.")}
        outputs[workers] = (out.read_bytes(), counts, report["events"])
        expected = "lists in this process" if workers == "1" else f"lists on {workers} worker processes"
        assert expected in done.stderr
    assert outputs["1"] == outputs["2"] == outputs["8"]


def test_twenty_runs_at_the_most_workers_are_identical(shared_data, tmp_path):
    workers = str(max(os.cpu_count() or 2, 4))
    digests = set()
    for i in range(20):
        out = tmp_path / f"{i}.yaml"
        done = run_cli("-q", *tencent(shared_data, "--embedder", "wordnet", "--workers", workers), "-o", out)
        assert done.returncode == 0, done.stderr
        digests.add(out.read_bytes())
        out.unlink()
    assert len(digests) == 1


def test_a_small_run_stays_in_this_process(tmp_path):
    done = run_cli(
        "-v",
        "dataset",
        "imagenet",
        "--root",
        "dog.n.01",
        "--smart",
        "--semantic-arrange",
        "--embedder",
        "wordnet",
        "--workers",
        "2",
        "-o",
        tmp_path / "d.yaml",
    )
    assert done.returncode == 0, done.stderr
    assert "lists in this process" in done.stderr


def _children_alive(marker: str) -> list[int]:
    """Processes whose command line names ``marker`` (the workers share the parent's)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_ctrl_c_while_workers_arrange_leaves_no_output_and_no_process(shared_data, tmp_path):
    out = tmp_path / "interrupted.yaml"
    out.write_text("previous: [kept]\n")
    proc = subprocess.Popen(
        [str(BIN), "-v", *tencent(shared_data, "--embedder", "wordnet", "--workers", "2"), "-o", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen = ""
    deadline = time.monotonic() + 60
    while "worker processes" not in seen and time.monotonic() < deadline:
        seen += proc.stderr.readline()
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, seen + err
    assert "Interrupted; no output written." in err and "Traceback" not in err
    assert out.read_text() == "previous: [kept]\n"
    time.sleep(0.5)
    assert _children_alive(str(out)) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["interrupted.yaml"]


FAULTY = """
import os, sys
from wildcards_gen import Group, hookimpl
from wildcards_gen.cli import run
from wildcards_gen.plugins import get_registry

MAIN = os.getpid()
WHAT = sys.argv.pop(1)

class Faulty:
    @hookimpl
    def register_arrangers(self, register):
        register("faulty")

    @hookimpl
    def arrange(self, arranger, name, terms):
        if arranger != "faulty":
            return None
        if os.getpid() != MAIN and name == "dog":
            if WHAT == "kill":
                os.kill(os.getpid(), 9)
            raise RuntimeError("the arranger broke on dog")
        return [Group("a to m", [t for t in terms if t[0].lower() <= "m"]),
                Group("n to z", [t for t in terms if t[0].lower() > "m"])]

get_registry().register(Faulty(), name="faulty-plugin")
sys.exit(run(sys.argv[1:]))
"""


@pytest.mark.parametrize(
    ("what", "message"),
    [
        ("raise", "plugin 'faulty-plugin': arrange failed on list 'dog': RuntimeError: the arranger broke on dog"),
        ("kill", "a worker process died (killed, or out of memory); no output written"),
    ],
)
def test_a_failing_or_killed_worker_ends_the_run_cleanly(shared_data, tmp_path, what, message):
    out = tmp_path / "o.yaml"
    out.write_text("previous: [kept]\n")
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            FAULTY,
            what,
            *tencent(shared_data, "--embedder", "wordnet", "--arranger", "faulty", "--workers", "2"),
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr
    assert out.read_text() == "previous: [kept]\n"
    assert _children_alive(str(out)) == []
