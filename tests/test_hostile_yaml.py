"""Every command that reads YAML refuses hostile files cleanly (issue 16, findings 3, 10, 11).

Each case runs the real CLI in a child process under an address-space limit
(``run_bounded``): a billion-laughs file that expanded, or a FIFO that blocked,
would fail the test by memory or by time instead of hanging the suite.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from wildcards_gen.testing import assert_clean_exit, run_bounded

# A kilobyte of nested anchors: ten levels of ten aliases each, 10**10 items expanded.
LAUGHS = "\n".join(
    ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    + ["top:", "  laughs: *a9", ""]
)


def commands(path: Path, tmp: Path) -> dict[str, list]:
    """Every command that reads a YAML file the user names, reading ``path``."""
    return {
        "check": ["check", path],
        "lint": ["lint", path],
        "compare": ["compare", path, path],
        "export": ["export", path, "--txt-dir", tmp / "exported"],
        "arrange": ["arrange", path, "-o", tmp / "arranged.yaml"],
        "batch": ["batch", path, "--dry-run"],
        "smart-config": ["dataset", "tencent", "--smart-config", path, "-o", tmp / "tencent.yaml"],
    }


COMMANDS = list(commands(Path("x"), Path("y")))


def refused(result, *words: str) -> str:
    """The run ended with a clean non-zero exit whose message holds every word; returns it."""
    assert_clean_exit(result, allowed=(1, 2))
    assert result.returncode != 0
    said = (result.stderr + result.stdout).decode("utf-8", "replace")
    for word in words:
        assert word in said, said
    return said


def nothing_written(tmp: Path) -> None:
    for name in ("exported", "arranged.yaml", "tencent.yaml"):
        assert not (tmp / name).exists(), name


def test_billion_laughs_is_small():
    assert len(LAUGHS.encode()) < 1024


@pytest.mark.parametrize("command", COMMANDS)
def test_billion_laughs_refused_with_bounded_memory(tmp_path, command):
    path = tmp_path / "laughs.yaml"
    path.write_text(LAUGHS)
    result = run_bounded(commands(path, tmp_path)[command], seconds=60, mib=1024)
    said = refused(result, "aliases expand", "laughs.yaml:6")
    assert "billion laughs" in said
    nothing_written(tmp_path)


@pytest.mark.parametrize("command", COMMANDS)
def test_recursive_alias_refused(tmp_path, command):
    path = tmp_path / "loop.yaml"
    path.write_text("a: &loop\n  b: *loop\n")
    refused(run_bounded(commands(path, tmp_path)[command]), "recursive alias *loop")
    nothing_written(tmp_path)


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("style", ["block", "flow"])
def test_deep_nesting_refused(tmp_path, command, style):
    path = tmp_path / "deep.yaml"
    if style == "block":  # 150 levels of mappings: past the reader's bound, far below Python's recursion limit
        path.write_text("".join(f"{'  ' * i}k{i}:\n" for i in range(150)) + "  " * 150 + "- x\n")
        words = ["deep.yaml:101", "nests deeper than 100 levels"]
    else:  # 20,000 levels of flow lists: libyaml's own bound
        path.write_text("a: " + "[" * 20_000 + "]" * 20_000 + "\n")
        words = ["nesting depth"]
    refused(run_bounded(commands(path, tmp_path)[command]), *words)
    nothing_written(tmp_path)


@pytest.mark.parametrize("command", COMMANDS)
def test_fifo_refused_without_blocking(tmp_path, command):
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)  # nobody writes to it: opening it for reading the usual way would block forever
    refused(run_bounded(commands(path, tmp_path)[command], seconds=60), "FIFO", "regular file")
    nothing_written(tmp_path)


@pytest.mark.parametrize("command", ["check", "lint", "export", "arrange", "batch", "smart-config"])
def test_endless_device_refused(tmp_path, command):
    args = commands(Path("/dev/zero"), tmp_path)[command]
    refused(run_bounded(args, seconds=60, mib=1024), "character device")
    nothing_written(tmp_path)


@pytest.mark.parametrize("command", COMMANDS)
def test_size_limit_configurable(tmp_path, command, monkeypatch):
    path = tmp_path / "big.yaml"
    path.write_text("animals:\n" + "".join(f"- animal {i}\n" for i in range(2000)))
    monkeypatch.setenv("WILDCARDS_GEN_MAX_INPUT_MB", "0.01")
    refused(run_bounded(commands(path, tmp_path)[command]), "larger than", "WILDCARDS_GEN_MAX_INPUT_MB")
    nothing_written(tmp_path)


def test_multiple_documents_refused(tmp_path):
    path = tmp_path / "two.yaml"
    path.write_text("a: [x, y]\n---\nb: [z]\n")
    result = run_bounded(["lint", path])
    refused(result, "two.yaml:2", "more than one YAML document")


def test_merge_keys_resolved_as_yaml_11_readers_do(tmp_path, cli):
    """Dynamic Prompts and Impact Pack (PyYAML) resolve '<<': check and lint see what they see."""
    import yaml

    path = tmp_path / "merged.yaml"
    text = (
        "base: &base\n  cats: [tabby, siamese]\n  dogs: [beagle, pug]\n"
        "pets:\n  <<: *base\n  dogs: [collie, boxer]\n  fish: [guppy, tetra]\n"
    )
    path.write_text(text)
    from wildcards_gen.wildcard_file import load

    leaves = {"/".join(leaf.path): leaf.items for leaf in load(path).leaves}
    loaded = yaml.safe_load(text)
    for key, items in loaded["pets"].items():
        assert leaves[f"pets/{key}"] == items
    assert len([p for p in leaves if p.startswith("pets/")]) == len(loaded["pets"])
    result = cli("check", path)
    assert "'<<'" not in result.output and "collision" not in result.output, result.output


def test_merge_of_a_scalar_refused(tmp_path):
    path = tmp_path / "bad-merge.yaml"
    path.write_text("a:\n  <<: just text\n  b: [x]\n")
    refused(run_bounded(["lint", path]), "bad-merge.yaml:2", "merge key")


def test_omap_root_is_not_a_mapping_of_categories(tmp_path):
    path = tmp_path / "omap.yaml"
    path.write_text("--- !!omap\n- a: [x, y]\n- b: [z]\n")
    assert "not-a-mapping" in run_bounded(["check", path]).stdout.decode()
    refused(run_bounded(["lint", path]), "expected a mapping")


def test_empty_key_is_reported_not_a_crash(tmp_path):
    path = tmp_path / "empty-key.yaml"
    path.write_text("'':\n  - a\n  - b\nx: [c]\n")
    result = run_bounded(["lint", "--no-outliers", path])
    assert_clean_exit(result)
    assert "an empty key" in result.stdout.decode()


@pytest.mark.parametrize("command", ["lint", "compare"])
def test_deep_jsonl_refused(tmp_path, command):
    path = tmp_path / "deep.jsonl"
    path.write_text('{"path": ' + "[" * 5000 + "]" * 5000 + ', "item": "x"}\n')
    args = ["lint", path] if command == "lint" else ["compare", path, path]
    refused(run_bounded(args), "deep.jsonl:1", "nested too deeply")


def test_not_utf8_is_a_positioned_error(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("a:\n  - caf\xe9\n".encode("latin-1"))
    refused(run_bounded(["lint", path]), "latin1.yaml:2", "not UTF-8")
    assert "not UTF-8" in run_bounded(["check", path]).stdout.decode()


def test_a_folder_is_refused_by_the_reader(tmp_path):
    """Found by the COCO plugin's tests: a folder gave a raw IsADirectoryError."""
    from wildcards_gen.errors import UsageError
    from wildcards_gen.yaml_input import read_bytes

    with pytest.raises(UsageError, match="is a folder; give a regular file"):
        read_bytes(tmp_path, "wildcard file")
