"""The installed console script and entry point, run as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tencent_reference import HIERARCHY

SCRIPT = Path(sys.executable).parent / "wildcards-gen"


def run_script(*args, cwd=None):
    assert SCRIPT.exists(), f"console script not installed: {SCRIPT}"
    return subprocess.run(
        [str(SCRIPT), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        env=dict(os.environ, PYTHONHASHSEED="123"),
    )


def test_console_script_generates_the_animal_subtree(shared_data, tmp_path, cli):
    out = tmp_path / "animal.yaml"
    proc = run_script(
        "-q",
        "dataset",
        "tencent",
        "--hierarchy-file",
        shared_data / HIERARCHY,
        "--root",
        "n00015388",
        "--depth",
        3,
        "-o",
        out,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    text = out.read_text(encoding="utf-8")
    top = [line for line in text.splitlines() if line and not line.startswith((" ", "#"))]
    assert len(top) == 1 and top[0].startswith("animal: # instruction: ")
    again = tmp_path / "again.yaml"
    result = cli(
        "-q",
        "dataset",
        "tencent",
        "--hierarchy-file",
        shared_data / HIERARCHY,
        "--root",
        "animal",
        "--depth",
        3,
        "-o",
        again,
    )
    assert result.exit_code == 0 and again.read_text(encoding="utf-8") == text


def test_console_script_bad_file_is_one_line(tmp_path, shared_data):
    lines = (shared_data / HIERARCHY).read_text(encoding="utf-8").split("\n")
    lines[41] = "41\tn00000000\t-7"
    bad = tmp_path / "bad.txt"
    bad.write_text("\n".join(lines), encoding="utf-8")
    proc = run_script("-q", "dataset", "tencent", "--hierarchy-file", bad, "-o", tmp_path / "out.yaml")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert (
        proc.stderr.strip().splitlines()[-1] == f"Error: {bad}:42: expected 4 tab-separated columns "
        "(category_index, category_id, index_of_parent_category, category name), found 3"
    )
    assert not (tmp_path / "out.yaml").exists()


def test_plugin_found_through_its_entry_point():
    proc = run_script("plugins", "--json")
    assert proc.returncode == 0, proc.stderr
    plugins = {p["name"]: p for p in json.loads(proc.stdout)["plugins"]}
    assert plugins["tencent"]["distribution"] == "wildcards-gen-tencent"
    assert plugins["tencent"]["datasets"] == ["tencent"]
    assert {"register_datasets", "iter_children"} <= set(plugins["tencent"]["hooks"])


def test_dataset_help_lists_the_options(cli):
    result = cli("dataset", "tencent", "--help")
    assert result.exit_code == 0
    for option in ("--hierarchy-file", "--root", "--depth", "--glosses"):
        assert option in result.output


def test_dataset_declares_presets_skip_nodes_and_header():
    from wildcards_gen.plugins import get_registry

    dataset = get_registry().datasets["tencent"]
    assert set(dataset.presets) == {"balanced", "compact", "flat"}
    assert all({"min_depth", "min_hyponyms", "min_leaf"} <= set(p) for p in dataset.presets.values())
    assert "placental" in dataset.skip_nodes
    assert any("CC BY 4.0" in line for line in dataset.header)


@pytest.mark.parametrize("flag", ["--no-glosses"])
def test_no_glosses(cli, shared_data, tmp_path, flag):
    out = tmp_path / "out.yaml"
    result = cli(
        "-q",
        "dataset",
        "tencent",
        "--hierarchy-file",
        shared_data / HIERARCHY,
        "--root",
        "matter",
        "--depth",
        2,
        flag,
        "-o",
        out,
    )
    assert result.exit_code == 0, result.output
    body = [l for l in out.read_text(encoding="utf-8").splitlines() if not l.startswith("#")]
    assert body and not any("# instruction:" in l for l in body)


def test_eight_processes_on_an_empty_cache_all_succeed_with_one_output(shared_data, tmp_path):
    """Issue 16, finding 6: the first run's race, for every cache at once (WordNet snapshot, entry
    points, Tencent's stored copy, embeddings). One builds the snapshot; all succeed, byte for byte."""
    cache = tmp_path / "cache"
    env = dict(os.environ, WILDCARDS_GEN_CACHE=str(cache), PYTHONHASHSEED="0")
    args = ["-v", "dataset", "tencent", "--hierarchy-file", shared_data / HIERARCHY, "--root", "animal"]
    args += ["--smart", "--preset", "balanced", "--semantic-arrange", "--embedder", "wordnet"]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "wildcards_gen", *map(str, args), "-o", tmp_path / f"o{i}.yaml"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for i in range(8)
    ]
    outs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0] * 8, [err for _, err in outs]
    assert sum("Built the WordNet snapshot" in err for _, err in outs) == 1
    assert not any("Warning" in err or "Error" in err for _, err in outs), [err for _, err in outs]
    texts = {(tmp_path / f"o{i}.yaml").read_bytes() for i in range(8)}
    assert len(texts) == 1 and b"dog" in texts.pop()
    assert not [p for p in cache.rglob("*") if p.name.endswith((".tmp", ".part", "-journal"))]
    again = subprocess.run(
        [sys.executable, "-m", "wildcards_gen", *map(str, args), "-o", tmp_path / "warm.yaml"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert again.returncode == 0 and (tmp_path / "warm.yaml").read_bytes() == (tmp_path / "o0.yaml").read_bytes()
