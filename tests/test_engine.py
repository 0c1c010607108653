"""The parallel engine: no deadlock, byte-identical output for any --workers, clean failure."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import pytest

from wildcards_gen import Dataset, Node, hookimpl
from wildcards_gen.engine import Engine

BIN = Path(sys.executable).parent


class SyntheticTree:
    """A dataset whose shape is chosen by the test: ``branching[level]`` children per node."""

    def __init__(self, name: str, branching: list[int]):
        self.name = name
        self.branching = branching
        self.threads = set()

    @hookimpl
    def register_datasets(self, register):
        register(Dataset(self.name, "synthetic tree", find_roots=lambda run: [Node("r", "root")]))

    @hookimpl
    def iter_children(self, dataset, node, run):
        if dataset != self.name:
            return None
        self.threads.add(threading.get_ident())
        level = node.id.count(".")
        if level >= len(self.branching):
            return []
        # ids encode the path; names stay short (a hash of the path) so deep trees stay small
        return [
            Node(f"{node.id}.{i}", f"node {zlib.crc32(f'{node.id}.{i}'.encode()):08x}")
            for i in range(self.branching[level])
        ]


SHAPES = {
    # deep and narrow: a long chain with a fan-out of 5 every few levels
    "deep": [1, 1, 5, 1, 1, 1, 5] + [1] * 60 + [2],
    # wide and shallow: 400 children, each with 6 leaves
    "wide": [400, 6],
    # bushy: every node fans out, nested waits everywhere
    "bushy": [6, 6, 6, 5],
}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_no_deadlock_and_same_bytes_for_any_worker_count(cli, register_plugin, tmp_path, shape):
    plugin = register_plugin(SyntheticTree(f"synthetic-{shape}", SHAPES[shape]), name=f"synthetic-{shape}")
    outputs = {}
    for workers in ("1", "2", "8"):
        out = tmp_path / f"{workers}.yaml"
        stats = tmp_path / f"{workers}.json"
        result = cli("dataset", plugin.name, "--workers", workers, "-o", out, "--stats", stats)
        assert result.exit_code == 0, result.stderr
        outputs[workers] = (out.read_bytes(), json.loads(stats.read_text())["counts"])
    assert outputs["1"] == outputs["2"] == outputs["8"]
    leaves = 1
    for b in SHAPES[shape]:
        leaves *= b
    assert outputs["1"][1]["input.leaf_names"] == leaves


def test_pool_is_used_and_workers_1_runs_inline(cli, register_plugin, tmp_path):
    plugin = register_plugin(SyntheticTree("synthetic-threads", [8, 8, 4]), name="synthetic-threads")
    assert cli("dataset", plugin.name, "--workers", "1", "-o", tmp_path / "a.yaml").exit_code == 0
    assert plugin.threads == {threading.get_ident()}
    plugin.threads.clear()
    assert cli("dataset", plugin.name, "--workers", "4", "-o", tmp_path / "b.yaml").exit_code == 0
    assert len(plugin.threads) > 1


def test_engine_map_keeps_order_and_nests_without_deadlock():
    with Engine(2) as engine:

        def tree(depth):
            if depth == 0:
                return 1
            return sum(engine.map(tree, [(depth - 1,)] * 5))

        assert tree(5) == 5**5
        assert engine.map(lambda x: x * x, [(i,) for i in range(50)]) == [i * i for i in range(50)]


def test_engine_failure_cancels_and_propagates():
    calls = []

    def task(i):
        calls.append(i)
        if i == 0:
            raise ValueError("boom")
        time.sleep(0.01)
        return i

    with pytest.raises(ValueError, match="boom"), Engine(2) as engine:
        engine.map(task, [(i,) for i in range(200)])
    assert len(calls) < 200  # the rest were cancelled


# -- the real datasets ----------------------------------------------------------------


def tencent_args(shared_data):
    return [
        "dataset",
        "tencent",
        "--hierarchy-file",
        shared_data / "tencent" / "dictionary_and_semantic_hierarchy.txt",
        "--smart",
        "--preset",
        "balanced",
    ]


def imagenet21k_args(shared_data):
    return [
        "dataset",
        "imagenet",
        "--root",
        "entity.n.01",
        "--depth",
        "4",
        "--class-list",
        shared_data / "imagenet" / "imagenet21k_goog_synsets.txt",
    ]


def generate(cli, args, out: Path, workers: str):
    stats = out.with_suffix(".json")
    result = cli(*args, "--workers", workers, "-o", out, "--stats", stats)
    assert result.exit_code == 0, result.stderr
    return out.read_bytes(), json.loads(stats.read_text())["counts"]


@pytest.mark.parametrize("which", ["tencent", "imagenet21k"])
def test_real_datasets_identical_for_workers_1_2_8(cli, shared_data, tmp_path, which):
    args = tencent_args(shared_data) if which == "tencent" else imagenet21k_args(shared_data)
    runs = {w: generate(cli, args, tmp_path / f"{w}.yaml", w) for w in ("1", "2", "8")}
    assert runs["1"] == runs["2"] == runs["8"]
    assert runs["1"][1]["output.items"] > 5000


def test_stress_tencent_8_workers_20_times(shared_data):
    """20 in-process runs walking on 8 workers give the same categories as a sequential run."""
    from wildcards_gen import pipeline as gen
    from wildcards_gen import writer
    from wildcards_gen.cli import dataset_command
    from wildcards_gen.plugins import get_registry

    registry = get_registry()
    command = dataset_command(registry.datasets["tencent"])
    ctx = command.make_context("tencent", [str(a) for a in tencent_args(shared_data)[2:]])
    options = dict(ctx.params)
    for key in ("output", "fmt", "stats_file"):
        options.pop(key)
    dataset = registry.datasets["tencent"]

    on_pool = dataclasses.replace(dataset, parallel_walk=True)  # Tencent walks inline by default

    def render(dataset, workers):
        cats, run = gen.build(dataset, {**options, "workers": workers}, registry, quiet=True)
        return writer.render_yaml(cats), run.stats.as_dict()["counts"]

    expected = render(dataset, 1)
    for _ in range(20):
        assert render(on_pool, 8) == expected


def test_same_bytes_under_different_hash_seeds(shared_data, tmp_path):
    outs = []
    for seed in ("0", "12345"):
        out = tmp_path / f"seed{seed}.yaml"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run(
            [str(BIN / "wildcards-gen"), *map(str, tencent_args(shared_data)), "-o", str(out)],
            capture_output=True,
            text=True,
            env=env,
        )
        assert result.returncode == 0, result.stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


def test_ctrl_c_leaves_no_output_and_keeps_previous(tmp_path):
    out = tmp_path / "entity.yaml"
    out.write_text("previous: [kept]\n")
    proc = subprocess.Popen(
        [str(BIN / "wildcards-gen"), "dataset", "imagenet", "--root", "entity.n.01", "--workers", "2", "-o", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Interrupted; no output written." in err
    assert "Traceback" not in err
    assert out.read_text() == "previous: [kept]\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["entity.yaml"]


def test_summary_on_stderr_and_quiet(cli, register_plugin, tmp_path):
    plugin = register_plugin(SyntheticTree("synthetic-summary", [3, 3]), name="synthetic-summary")
    loud = cli("dataset", plugin.name, "-o", tmp_path / "a.yaml")
    assert "Done: 4 categories, 9 items" in loud.stderr
    quiet = cli("-q", "dataset", plugin.name, "-o", tmp_path / "b.yaml")
    assert quiet.stderr == ""


def test_parallel_walk_off_walks_inline_and_on_uses_the_pool(shared_data, tmp_path):
    """Tencent declares parallel_walk=False: no task reaches the pool; forced on, tasks do; same tree."""
    from wildcards_gen import engine as engine_mod
    from wildcards_gen import pipeline as gen
    from wildcards_gen.model import Run
    from wildcards_gen.plugins import get_registry
    from wildcards_gen.stats import Stats

    registry = get_registry()
    inline = registry.datasets["tencent"]
    assert inline.parallel_walk is False
    options = {"hierarchy_file": str(shared_data / "tencent" / "dictionary_and_semantic_hierarchy.txt"), "roots": ()}

    def walk(dataset):
        run = Run(dataset="tencent", options=options, stats=Stats(), cache_dir=tmp_path)
        roots = gen.find_roots(dataset, run)
        with Engine(2) as eng:
            submitted = []
            real_submit = eng.pool.submit
            eng.pool.submit = lambda *a, **k: submitted.append(1) or real_submit(*a, **k)
            raw = engine_mod.walk(eng, registry.pm.hook, dataset, run, roots)
        flat = []
        stack = list(raw)
        while stack:
            node = stack.pop()
            flat.append(node.node.id)
            stack.extend(node.children)
        return flat, len(submitted)

    inline_ids, inline_tasks = walk(inline)
    pooled_ids, pooled_tasks = walk(dataclasses.replace(inline, parallel_walk=True))
    assert inline_tasks == 0 and pooled_tasks > 0
    assert inline_ids == pooled_ids and len(inline_ids) == 11166
