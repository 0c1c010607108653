"""``wildcards-gen batch``: manifests, matrices, validation with line numbers, worker processes.

The runs go through the installed ``wildcards-gen`` entry point in a
subprocess (workers are spawned processes: they only see plugins installed
through entry points), with the bundled ImageNet plugin on real WordNet. The
crash and exception tests add a tiny test plugin, installed with pip into a
folder of its own and put on PYTHONPATH, like a third party's.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from wildcards_gen.testing import pip_install_to

BIN = Path(sys.executable).parent

PLUGIN = '''
"""A dataset for batch tests: a synthetic tree, and modes that fail in each way a task can."""

import os
import time

import click

from wildcards_gen import Dataset, Node, UsageError, hookimpl


def find_roots(run):
    mode = run.options["mode"]
    if mode == "crash":
        os._exit(3)  # the worker process dies, as in a segfault
    if mode == "usage":
        raise UsageError("this task's options are wrong on purpose")
    if mode == "sleep":
        time.sleep(120)  # a long task: the parent is killed meanwhile
    return [Node("r", run.options["root_name"], gloss="the root of the test tree")]


@hookimpl
def register_datasets(register):
    register(Dataset(
        name="batchtest",
        help="A synthetic tree for batch tests.",
        find_roots=find_roots,
        options=[
            click.Option(["--mode"], type=click.Choice(["ok", "raise", "crash", "usage", "sleep"]), default="ok"),
            click.Option(["--width"], type=int, default=3),
            click.Option(["--levels"], type=int, default=2),
            click.Option(["--root-name"], default="thing"),
        ],
    ))


@hookimpl
def iter_children(dataset, node, run):
    if dataset != "batchtest":
        return None
    if run.options["mode"] == "raise":
        raise RuntimeError("exploded on purpose")
    if node.id.count("/") >= run.options["levels"]:
        return []
    return [Node(f"{node.id}/{i}", f"{node.name} {i}", gloss=f"part {i} of {node.name}")
            for i in range(run.options["width"])]
'''

PYPROJECT = """
[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "wildcards-gen-batchtest"
version = "0.0.1"
dependencies = ["wildcards-gen"]

[project.entry-points.wildcards_gen]
batchtest = "wildcards_gen_batchtest"

[tool.setuptools]
py-modules = ["wildcards_gen_batchtest"]
"""


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory) -> Path:
    """The test plugin, installed with pip into a folder of its own (not into the venv)."""
    src = tmp_path_factory.mktemp("batchtest-src")
    (src / "pyproject.toml").write_text(PYPROJECT)
    (src / "wildcards_gen_batchtest.py").write_text(PLUGIN)
    site = tmp_path_factory.mktemp("batchtest-site")
    pip_install_to(site, src)
    return site


def run_cli(*args, site: Path | None = None, cwd=None):
    env = dict(os.environ)
    if site is not None:
        env["PYTHONPATH"] = str(site)
    return subprocess.run(
        [str(BIN / "wildcards-gen"), *map(str, args)], capture_output=True, text=True, env=env, cwd=cwd
    )


def write_manifest(folder: Path, text: str, name: str = "manifest.yaml") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def line_of(path: Path, needle: str) -> int:
    """1-based line of the first line containing ``needle``."""
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if needle in line:
            return n
    raise AssertionError(f"{needle!r} not in {path}")


def counts(path: Path) -> tuple[int, int]:
    """(categories, items) of a written wildcard file, counted from the file itself."""
    data = YAML(typ="safe").load(path.read_text())
    cats = items = 0
    stack = [data]
    while stack:
        mapping = stack.pop()
        for value in mapping.values():
            cats += 1
            if isinstance(value, dict):
                stack.append(value)
            else:
                items += len(value)
    return cats, items


DONE_WHEN = """
    # six tasks once expanded: a 2x2 matrix, one plain task, one broken task
    tasks:
      - dataset: imagenet
        output: out/dogs.yaml
        root: dog.n.01
        matrix:
          depth: [2, 3]
          glosses: [true, false]
      - name: cats
        dataset: imagenet
        root: cat.n.01
        exclude-regex: [lion, tiger]    # a repeatable option takes a list
        output: out/cats.yaml
      - name: broken
        dataset: imagenet
        root: nosuchthing.n.01          # valid syntax, fails when it runs
        output: out/broken.yaml
"""


@pytest.fixture(scope="module")
def done_when(tmp_path_factory, wn):  # wn: the WordNet snapshot exists before the workers start
    folder = tmp_path_factory.mktemp("batch-done")
    manifest = write_manifest(folder, DONE_WHEN)
    # run from another folder: paths are relative to the manifest
    result = run_cli(
        "batch",
        manifest,
        "--workers",
        "2",
        "--report",
        folder / "report.json",
        cwd=tmp_path_factory.mktemp("elsewhere"),
    )
    return folder, manifest, result


def test_done_when_five_outputs_broken_reported_nonzero_exit(done_when):
    folder, _manifest, result = done_when
    assert result.returncode == 1, result.stderr
    written = sorted(p.name for p in (folder / "out").iterdir())
    assert written == [
        "cats.yaml",
        "dogs-depth2-glosses.yaml",
        "dogs-depth2-no-glosses.yaml",
        "dogs-depth3-glosses.yaml",
        "dogs-depth3-no-glosses.yaml",
    ]
    assert "broken: failed: 'nosuchthing.n.01' is not a WordNet 3.0 noun synset" in result.stderr
    assert "Traceback" not in result.stderr
    # summary table on stdout, one row per task
    assert result.stdout.splitlines()[0].split() == ["task", "status", "time", "categories", "items", "output"]
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines()[2:8]}
    assert rows["broken"][1] == "failed"
    assert rows["cats"][1] == "ok"
    assert "5 of 6 tasks succeeded" in result.stdout
    # no progress bar when stderr is not a terminal
    assert "Tasks:" not in result.stderr and "task/s" not in result.stderr


def test_done_when_report_json_matches_the_files(done_when):
    folder, manifest, _result = done_when
    report = json.loads((folder / "report.json").read_text())
    assert report["total"] == 6 and report["ok"] == 5 and report["failed"] == 1
    assert report["workers"] == 2
    tasks = {t["task"]: t for t in report["tasks"]}
    assert list(tasks) == [
        "dogs-depth2-glosses",
        "dogs-depth2-no-glosses",
        "dogs-depth3-glosses",
        "dogs-depth3-no-glosses",
        "cats",
        "broken",
    ]
    for name, task in tasks.items():
        if name == "broken":
            assert task["status"] == "failed"
            assert "nosuchthing.n.01" in task["error"]
            assert task["categories"] is None and not Path(task["output"]).exists()
            assert task["manifest_line"] == line_of(manifest, "name: broken")
            continue
        assert task["status"] == "ok", task
        assert task["error"] is None
        assert (task["categories"], task["items"]) == counts(Path(task["output"]))
        assert task["wall_s"] >= 0
    assert tasks["dogs-depth3-no-glosses"]["matrix"] == {"depth": 3, "glosses": False}
    assert tasks["dogs-depth2-glosses"]["manifest_line"] == line_of(manifest, "output: out/dogs.yaml") - 1


def test_matrix_outputs_equal_direct_cli_runs(done_when, tmp_path):
    """Each expanded task passes exactly its options: same bytes as the plain CLI."""
    folder, _, _ = done_when
    direct = tmp_path / "d.yaml"
    result = run_cli("dataset", "imagenet", "--root", "dog.n.01", "--depth", "3", "--no-glosses", "-o", direct)
    assert result.returncode == 0, result.stderr
    assert (folder / "out" / "dogs-depth3-no-glosses.yaml").read_bytes() == direct.read_bytes()
    assert "# instruction:" not in direct.read_text()
    assert "# instruction:" in (folder / "out" / "dogs-depth3-glosses.yaml").read_text()
    cats = tmp_path / "c.yaml"
    run_cli(
        "dataset", "imagenet", "--root", "cat.n.01", "--exclude-regex", "lion", "--exclude-regex", "tiger", "-o", cats
    )
    assert (folder / "out" / "cats.yaml").read_bytes() == cats.read_bytes()
    assert "lion" not in cats.read_text().lower()


def test_crash_exception_and_usage_error_do_not_stop_the_others(plugin_site, tmp_path):
    manifest = write_manifest(
        tmp_path,
        """
        defaults:
          dataset: batchtest
        tasks:
          - {name: first, output: a.yaml}
          - {name: crasher, output: b.yaml, mode: crash}
          - {name: raiser, output: c.yaml, mode: raise}
          - {name: misused, output: d.yaml, mode: usage}
          - name: wide
            output: e.yaml
            matrix:
              width: [2, 4]
            root-name: widget
    """,
    )
    result = run_cli("batch", manifest, "--workers", "2", "--report", tmp_path / "r.json", site=plugin_site)
    assert result.returncode == 1, result.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    status = {t["task"]: t["status"] for t in report["tasks"]}
    assert status == {
        "first": "ok",
        "crasher": "crashed",
        "raiser": "failed",
        "misused": "failed",
        "wide-width2": "ok",
        "wide-width4": "ok",
    }
    errors = {t["task"]: t["error"] for t in report["tasks"]}
    assert "worker process died" in errors["crasher"]
    assert "exploded on purpose" in errors["raiser"] and "'batchtest'" in errors["raiser"]
    assert errors["misused"] == "this task's options are wrong on purpose"
    assert sorted(p.name for p in tmp_path.glob("*.yaml")) == [
        "a.yaml",
        "e-width2.yaml",
        "e-width4.yaml",
        "manifest.yaml",
    ]
    # width 2, two levels below the root: 1 + 2 categories, 4 leaves; width 4: 1 + 4, 16
    by_name = {t["task"]: t for t in report["tasks"]}
    assert (by_name["wide-width2"]["categories"], by_name["wide-width2"]["items"]) == (3, 4)
    assert (by_name["wide-width4"]["categories"], by_name["wide-width4"]["items"]) == (5, 16)
    assert "widget 3 3" in (tmp_path / "e-width4.yaml").read_text()


def test_worker_threads_share_the_cpus(plugin_site, tmp_path):
    manifest = write_manifest(
        tmp_path,
        """
        tasks:
          - {dataset: batchtest, output: a.yaml}
          - {dataset: batchtest, output: b.yaml}
          - {dataset: batchtest, output: c.yaml, workers: 1}
    """,
    )
    result = run_cli("batch", manifest, "--workers", "2", "--dry-run", site=plugin_site)
    assert result.returncode == 0, result.stderr
    cpus = len(os.sched_getaffinity(0))
    threads = max(1, cpus // 2)
    assert f"3 tasks, 2 at once, {threads} thread" in result.stdout
    commands = [line.strip() for line in result.stdout.splitlines() if line.startswith("  wildcards-gen")]
    assert len(commands) == 3
    assert commands[0].endswith(f"--workers={threads} --embed-threads={threads}")
    assert commands[2].count("--workers=") == 1 and "--workers=1" in commands[2]
    assert not list(tmp_path.glob("?.yaml"))


def test_dry_run_lists_expanded_tasks_and_writes_nothing(cli, tmp_path):
    manifest = write_manifest(tmp_path, DONE_WHEN)
    result = cli("batch", manifest, "--dry-run", "--workers", "1")
    assert result.exit_code == 0, result.output
    names = [line.split()[0] for line in result.stdout.splitlines()[1:] if not line.startswith(" ")]
    assert names == [
        "dogs-depth2-glosses",
        "dogs-depth2-no-glosses",
        "dogs-depth3-glosses",
        "dogs-depth3-no-glosses",
        "cats",
        "broken",
    ]
    assert "--exclude-regex=lion --exclude-regex=tiger" in result.stdout
    assert f"--output={tmp_path / 'out' / 'dogs-depth2-no-glosses.yaml'}" in result.stdout
    assert not (tmp_path / "out").exists()


# -- failure modes caught before anything runs --------------------------------


def check_rejected(cli, tmp_path, text: str, expected: list[tuple[str, str]]):
    """--strict: exit 2, nothing written, and each (line marker, message part) reported at its line."""
    manifest = write_manifest(tmp_path, text)
    result = cli("batch", manifest, "--strict", "--report", tmp_path / "report.json")
    assert result.exit_code == 2, result.output
    assert "nothing was run" in result.stderr
    assert "Traceback" not in result.stderr
    for marker, message in expected:
        line = line_of(manifest, marker)
        assert any(
            entry.startswith(f"{manifest}:{line}: ") and message in entry for entry in result.stderr.splitlines()
        ), (marker, message, result.stderr)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.yaml"]
    return result


def test_invalid_tasks_are_reported_first_and_the_valid_ones_run(tmp_path):
    manifest = write_manifest(
        tmp_path,
        """
        tasks:
          - dataset: imagenet
            root: dog.n.01
            depth: 2
            output: good.yaml
          - dataset: imagenet
            root: cat.n.01
            depht: 2
            output: typo.yaml
          - dataset: imagenet
            output: two.yaml
            matrix:
              depth: [2, 0]
            root: cat.n.01
    """,
    )
    result = run_cli("batch", manifest, "--workers", "2", "--report", tmp_path / "report.json")
    assert result.returncode == 1, result.stderr
    problems = [line for line in result.stderr.splitlines() if line.startswith(f"{manifest}:")]
    assert problems == [
        f"{manifest}:{line_of(manifest, 'depht')}: task 2: unknown option 'depht' for dataset 'imagenet' (did you mean 'depth'?)",
        f"{manifest}:{line_of(manifest, 'depth: [2, 0]')}: task 3: Invalid value for '--depth': 0 is not in the range x>=1.",
    ]
    assert sorted(p.name for p in tmp_path.glob("*.yaml")) == ["good.yaml", "manifest.yaml", "two-depth2.yaml"]
    report = json.loads((tmp_path / "report.json").read_text())
    status = {t["task"]: (t["status"], t["manifest_line"]) for t in report["tasks"]}
    assert status == {
        "good": ("ok", line_of(manifest, "output: good.yaml") - 3),
        "typo": ("invalid", line_of(manifest, "output: typo.yaml") - 3),
        "two-depth2": ("ok", line_of(manifest, "output: two.yaml") - 1),
        "two-depth0": ("invalid", line_of(manifest, "output: two.yaml") - 1),
    }
    typo = next(t for t in report["tasks"] if t["task"] == "typo")
    assert typo["error"].startswith(f"line {line_of(manifest, 'depht')}: task 2: unknown option 'depht'")
    assert typo["output"] is None and typo["command"] is None
    assert report["ok"] == 2 and report["failed"] == 2 and report["statuses"] == {"invalid": 2, "ok": 2}
    rows = {line.split()[0]: line.split()[1] for line in result.stdout.splitlines()[2:6]}
    assert rows == {"good": "ok", "typo": "invalid", "two-depth2": "ok", "two-depth0": "invalid"}


def test_nothing_valid_means_nothing_runs(cli, tmp_path):
    manifest = write_manifest(
        tmp_path,
        """
        tasks:
          - {dataset: nope, output: a.yaml}
    """,
    )
    result = cli("batch", manifest)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == f"Error: 1 problem in manifest {manifest}; nothing was run"
    dry = cli("batch", manifest, "--dry-run")
    assert dry.exit_code == 2


def test_unknown_dataset_reported_with_line(cli, tmp_path):
    check_rejected(
        cli,
        tmp_path,
        """
        tasks:
          - dataset: imagenet
            root: dog.n.01
            output: ok.yaml
          - dataset: imagenett
            output: typo.yaml
    """,
        [("imagenett", "unknown dataset 'imagenett' (did you mean 'imagenet'?)")],
    )


def test_unknown_option_reported_with_line_and_suggestion(cli, tmp_path):
    result = check_rejected(
        cli,
        tmp_path,
        """
        tasks:
          - dataset: imagenet
            rooot: dog.n.01
            output: a.yaml
          - dataset: imagenet
            output: b.yaml
            matrix:
              depht: [1, 2]
    """,
        [
            ("rooot", "unknown option 'rooot' for dataset 'imagenet' (did you mean 'root'?)"),
            ("depht", "unknown option 'depht'"),
        ],
    )
    assert "2 problems" in result.stderr


def test_option_spellings_and_bad_values(cli, tmp_path):
    """Underscores and dashes both work; values are checked by the dataset command's own types."""
    check_rejected(
        cli,
        tmp_path,
        """
        tasks:
          - dataset: imagenet
            exclude_regex: [x]
            exclude-subtree: cat.n.01
            depth: zero
            output: a.yaml
          - dataset: imagenet
            glosses: maybe
            output: b.yaml
          - dataset: imagenet
            filter: 99k
            output: c.yaml
          - dataset: imagenet
            depth: [2, 3]
            output: d.yaml
          - dataset: imagenet
            output: e.yaml
            matrix:
              depth: [2, -1]
          - dataset: imagenet
            output: f.yaml
            preset: compact       # a check across options (needs smart: true)
    """,
        [
            ("depth: zero", "Invalid value for '--depth': 'zero' is not a valid integer range"),
            ("preset: compact", "--preset"),
            ("maybe", "option 'glosses': expects true or false"),
            ("99k", "Invalid value for '--filter'"),
            ("depth: [2, 3]", "put the list under 'matrix:'"),
            ("depth: [2, -1]", "Invalid value for '--depth': -1"),
        ],
    )


def test_colliding_outputs_after_matrix_expansion(cli, tmp_path):
    result = check_rejected(
        cli,
        tmp_path,
        """
        tasks:
          - dataset: imagenet
            output: dogs.yaml
            matrix:
              preset_name: [x]
          - dataset: imagenet     # first
            output: dogs.yaml
            matrix:
              root: [dog.n.01, cat.n.01]
          - dataset: imagenet     # second
            root: cat.n.01
            output: dogs-cat.n.01.yaml
          - dataset: imagenet     # third
            stats: dogs-dog.n.01.yaml
            output: other.yaml
    """,
        [
            ("# first", "output dogs-cat.n.01.yaml is also written by task 'dogs-cat.n.01'"),
            ("# second", "output dogs-cat.n.01.yaml is also written by task"),
            ("# first", "output dogs-dog.n.01.yaml is also written by task 'other'"),
            ("# third", "stats file dogs-dog.n.01.yaml is also written by task"),
        ],
    )
    assert "preset_name" in result.stderr  # and the unknown matrix key in the first task


def test_manifest_structure_errors(cli, tmp_path):
    check_rejected(
        cli,
        tmp_path,
        """
        tasks:
          - just a string
          - output: x.yaml
          - dataset: imagenet
            output: y.yaml
            matrix: [depth, 2]
          - dataset: imagenet
            output: z.yaml
            matrix:
              output: [a.yaml, b.yaml]
              depth: []
    """,
        [
            ("just a string", "expected a mapping with 'dataset' and options"),
            ("output: x.yaml", "no 'dataset'"),
            ("matrix: [depth", "'matrix' must map option names to lists"),
            ("output: [a.yaml", "'output' cannot be a matrix key"),
            ("depth: []", "matrix 'depth' must be a non-empty list"),
        ],
    )


def test_bad_defaults_stop_everything(cli, tmp_path):
    manifest = write_manifest(
        tmp_path,
        """
        defaults:
          output: same.yaml
        tasks:
          - {dataset: imagenet, root: dog.n.01}
    """,
    )
    result = cli("batch", manifest)
    assert result.exit_code == 2
    assert f"{manifest}:2: 'output' cannot be a default" in result.stderr
    assert "nothing was run" in result.stderr
    assert not (tmp_path / "same.yaml").exists()


def test_unreadable_manifests_fail_in_one_line(cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("tasks:\n  - dataset: [imagenet\n")
    result = cli("batch", bad)
    assert result.exit_code == 2
    assert re.match(re.escape(f"Error: {bad}:") + r"\d+:\d+: the manifest is not valid YAML", result.stderr)
    assert len(result.stderr.strip().splitlines()) == 1
    bad.write_text("tasks: 3\n")
    result = cli("batch", bad)
    assert result.exit_code == 2 and "'tasks' must be a non-empty list" in result.stderr
    result = cli("batch", tmp_path / "missing.yaml")
    assert result.exit_code == 2 and "does not exist" in result.stderr


@pytest.mark.parametrize("command,word", [("batch", "matrix"), ("lint", "outlier"), ("compare", "Jaccard")])
def test_help_does_not_import_heavy_libraries(command, word):
    code = (
        "import sys; from wildcards_gen.cli import create_cli; from click.testing import CliRunner; "
        f"r = CliRunner().invoke(create_cli(), [{command!r}, '--help']); assert r.exit_code == 0, r.output; "
        f"assert {word!r} in r.output, r.output; "
        "print(sorted(m for m in ('numpy', 'torch', 'sklearn', 'tqdm', 'ruamel.yaml') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_tasks_share_the_embedding_cache(tmp_path):
    """Four processes embed overlapping lists at once; a second run embeds nothing new."""
    manifest = write_manifest(
        tmp_path,
        """
        defaults:
          semantic-clean: true
          embedder: wordnet
        tasks:
          - dataset: imagenet
            output: out.yaml
            stats: out.json
            matrix:
              root: [dog.n.01, cat.n.01]
              depth: [2, 3]
    """,
    )
    for _attempt in ("first", "second"):
        result = run_cli("batch", manifest, "--workers", "2")
        assert result.returncode == 0, result.stderr
        stats = {p.name: json.loads(p.read_text())["counts"] for p in tmp_path.glob("out-*.json")}
        assert len(stats) == 4
        for counts in stats.values():
            assert counts["embeddings.requested"] > 0
            assert counts["embeddings.cache_hits"] + counts["embeddings.embedded"] == counts["embeddings.requested"]
    assert all(counts["embeddings.embedded"] == 0 for counts in stats.values()), stats


def test_progress_bar_counts_finished_tasks_on_a_terminal(plugin_site, tmp_path):
    import fcntl
    import pty
    import struct
    import termios

    manifest = write_manifest(
        tmp_path,
        """
        tasks:
          - {dataset: batchtest, output: a.yaml}
          - {dataset: batchtest, output: b.yaml, mode: raise}
          - {dataset: batchtest, output: c.yaml}
    """,
    )
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a terminal has a size
    env = dict(os.environ, PYTHONPATH=str(plugin_site))
    proc = subprocess.Popen(
        [str(BIN / "wildcards-gen"), "batch", str(manifest), "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=slave,
        env=env,
        text=True,
    )
    os.close(slave)
    stdout, _ = proc.communicate(timeout=120)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    stderr = b"".join(chunks).decode(errors="replace")
    assert proc.returncode == 1
    assert "Tasks" in stderr and "3/3" in stderr  # the bar reached the task count
    assert "c: ok" not in stderr and "b: failed:" in stderr
    assert "Tasks" not in stdout and "3/3" not in stdout  # the table owns stdout
    assert "2 of 3 tasks succeeded" in stdout


# -- hostile manifests and faults (issue 16) -------------------------------------------------


def test_a_huge_matrix_is_refused_before_it_is_expanded(cli, tmp_path):
    """10 lists of 10 values would be 10^10 tasks: refused at once, naming the line and --max-tasks."""
    lists = "\n".join(f"      o{i}: [{', '.join(str(j) for j in range(10))}]" for i in range(10))
    manifest = tmp_path / "manifest.yaml"
    manifest.write_text(f"tasks:\n  - dataset: imagenet\n    output: x.yaml\n    matrix:\n{lists}\n")
    started = time.perf_counter()
    result = cli("batch", manifest, "--dry-run")
    assert time.perf_counter() - started < 10
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"{manifest}:4: task 1's matrix alone expands to more than 1,000 tasks (--max-tasks 1,000); "
        "split the manifest or raise --max-tasks",
        f"Error: 1 problem in manifest {manifest}; nothing was run",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.yaml"]


def test_max_tasks_counts_every_task_and_can_be_raised(cli, tmp_path):
    manifest = write_manifest(
        tmp_path,
        """
        tasks:
          - dataset: imagenet
            output: a.yaml
            matrix: {depth: [1, 2, 3], glosses: [true, false]}
          - {dataset: imagenet, output: b.yaml}
    """,
    )
    refused = cli("batch", manifest, "--dry-run", "--max-tasks", "6")
    assert refused.exit_code == 2
    assert f"{manifest}:5: the tasks up to this one expand to more than 6 tasks" in refused.stderr
    assert cli("batch", manifest, "--dry-run", "--max-tasks", "7").exit_code == 0
    assert "--max-tasks" in cli("batch", "--help").output


def test_many_tasks_writing_one_file_are_reported_in_linear_space(cli, tmp_path):
    """1,500 tasks on one output: each problem names a few of the others, not all 1,499."""
    manifest = tmp_path / "manifest.yaml"
    manifest.write_text(
        "tasks:\n" + "".join(f"  - {{dataset: imagenet, output: same.yaml, depth: {n % 3 + 1}}}\n" for n in range(1500))
    )
    result = cli("batch", manifest, "--dry-run", "--max-tasks", "2000")
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1501 and max(len(line) for line in lines) < 300
    assert lines[0] == (
        f"{manifest}:2: task 'same': output same.yaml is also written by task "
        "'same' (line 3), 'same' (line 4), 'same' (line 5) and 1,496 more"
    )


def test_values_of_the_wrong_type_are_errors_naming_the_line_and_key(cli, tmp_path):
    result = check_rejected(
        cli,
        tmp_path,
        """
        tasks:
          - {dataset: imagenet, output: [a, b]}
          - {dataset: imagenet, output: "a\\0b.yaml"}
          - {dataset: [imagenet], output: c.yaml}
          - {name: {x: 1}, dataset: imagenet, output: d.yaml}
          - {dataset: imagenet, output: e.yaml, root: 2001-01-01}
          - {dataset: imagenet, output: f.yaml, exclude-regex: [a, [b]]}
          - {dataset: imagenet, output: g.yaml, root: !!binary aGVsbG8=}
          - {dataset: imagenet, output: h.yaml, class-list: "x\\0.txt"}
          - {dataset: imagenet, output: ""}
          - {dataset: imagenet, output: .}
          - {dataset: imagenet, output: i.yaml, root: !!set {a}}
    """,
        [
            ("output: [a, b]", "task 1: 'output' must be a file name, got a list"),
            ("a\\0b", "task 2: 'output' contains a NUL character"),
            ("[imagenet]", "task 3: 'dataset' must be text, got a list"),
            ("{x: 1}", "task 4: 'name' must be text, got a mapping"),
            ("2001-01-01", "option 'root': expects text, a number or true/false, got a date"),
            ("[a, [b]]", "option 'exclude-regex': expects text, a number or true/false, got a list"),
            ("!!binary", "option 'root': expects text, a number or true/false, got binary data"),
            ("class-list", "option 'class-list': contains a NUL character"),
            ('output: ""', "'output' must be a file name, got an empty text"),
            ("output: .}", "is a folder"),
            ("!!set", "got a set"),
        ],
    )
    assert "Traceback" not in result.output
    assert not (tmp_path / "['a', 'b']").exists()


def test_merge_keys_and_ordered_maps_in_a_manifest(cli, tmp_path):
    """Whatever mapping type the YAML reader gives (merged ``<<:`` keys, ``!!omap``) is a mapping."""
    manifest = write_manifest(
        tmp_path,
        """
        !!omap
        - defaults: {depth: 2}
        - tasks:
          - {dataset: imagenet, root: dog.n.01, output: dogs.yaml}
    """,
    )
    result = cli("batch", manifest, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "--depth=2" in result.stdout
    manifest = write_manifest(
        tmp_path,
        """
        - &dogs
          dataset: imagenet
          root: dog.n.01
          output: dogs.yaml
        - <<: *dogs
          output: cats.yaml
          root: cat.n.01
        - !!omap
          - dataset: imagenet
          - output: birds.yaml
          - root: bird.n.01
    """,
    )
    result = cli("batch", manifest, "--dry-run")
    assert result.exit_code == 0, result.output
    commands = [line.strip() for line in result.stdout.splitlines() if line.startswith("  wildcards-gen")]
    assert "--root=cat.n.01" in commands[1] and commands[1].count("--root") == 1
    assert "--root=bird.n.01" in commands[2] and "birds.yaml" in commands[2]


def descendants(pid: int) -> set[int]:
    """Every process below ``pid``, from /proc."""
    children: dict = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found: set = set()
    stack = [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.add(child)
            stack.append(child)
    return found


def running(pid: int) -> bool:
    """A process that exists and is not a zombie."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def start_sleeping_batch(plugin_site, tmp_path):
    """A batch of two long tasks in a private TMPDIR; returns (process, workers, tmpdir) once both run."""
    manifest = write_manifest(
        tmp_path,
        """
        tasks:
          - {dataset: batchtest, mode: sleep, output: a.yaml}
          - {dataset: batchtest, mode: sleep, output: b.yaml}
    """,
    )
    private = tmp_path / "tmp"
    private.mkdir()
    env = dict(os.environ, PYTHONPATH=str(plugin_site), TMPDIR=str(private))
    with open(tmp_path / "stdout", "wb") as out, open(tmp_path / "stderr", "wb") as err:
        process = subprocess.Popen(
            [str(BIN / "wildcards-gen"), "batch", str(manifest), "--workers", "2"], stdout=out, stderr=err, env=env
        )
    deadline = time.monotonic() + 90
    while len(list(private.glob("wildcards-gen-batch*/*.started"))) < 2 and time.monotonic() < deadline:
        assert process.poll() is None, (tmp_path / "stderr").read_text()
        time.sleep(0.1)
    workers = descendants(process.pid)
    assert len(list(private.glob("wildcards-gen-batch*/*.started"))) == 2, (tmp_path / "stderr").read_text()
    return process, workers, private, env, manifest


def wait_gone(pids, seconds: float = 15) -> list:
    deadline = time.monotonic() + seconds
    while any(running(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return sorted(p for p in pids if running(p))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="dying with the parent is Linux's PR_SET_PDEATHSIG")
def test_sigkilled_parent_leaves_no_worker_and_its_folder_goes_at_the_next_start(plugin_site, tmp_path):
    process, workers, private, env, manifest = start_sleeping_batch(plugin_site, tmp_path)
    try:
        assert len(workers) >= 2
        process.kill()
        process.wait()
        assert wait_gone(workers) == []  # no worker holds on to the terminal's pipes
    finally:
        for pid in workers:
            if running(pid):
                os.kill(pid, signal.SIGKILL)
    left = [p.name for p in private.iterdir()]
    assert len(left) == 1 and left[0].startswith(f"wildcards-gen-batch.{process.pid}.")
    again = subprocess.run(
        [str(BIN / "wildcards-gen"), "batch", str(manifest), "--dry-run"], capture_output=True, text=True, env=env
    )
    assert again.returncode == 0, again.stderr
    assert list(private.iterdir()) == []  # the dead parent's folder was removed


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_stop_the_workers_and_remove_the_folder(plugin_site, tmp_path, signum):
    process, workers, private, _env, _manifest = start_sleeping_batch(plugin_site, tmp_path)
    try:
        process.send_signal(signum)
        assert process.wait(timeout=30) == 128 + signum
        assert wait_gone(workers) == []
    finally:
        for pid in workers:
            if running(pid):
                os.kill(pid, signal.SIGKILL)
    assert list(private.iterdir()) == []
    err = (tmp_path / "stderr").read_text()
    assert err.strip().splitlines()[-1] == f"Stopped by {signal.Signals(signum).name}; no output written."
    assert "Traceback" not in err
