"""Acceptance: the full Tencent balanced output and an ImageNet 21k depth-4 output are clean for every reader.

Generated once per module with the real CLI and the real bundled plugins;
checked with ``wildcards-gen check --target all`` (the installed entry point),
then read by the real ``dynamicprompts`` package, as YAML and as an exported
``.txt`` folder, sampling every wildcard.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from test_writer_targets import leaf_lists, rt_load

BIN = Path(sys.executable).parent / "wildcards-gen"


def generate(name: str, args: list, folder: Path) -> Path:
    from click.testing import CliRunner

    from wildcards_gen.cli import create_cli
    from wildcards_gen.plugins import get_registry

    if name not in get_registry().datasets:
        pytest.skip(f"the {name} plugin is not installed (pip install -e plugins/{name})")
    out = folder / f"{name}.yaml"
    result = CliRunner().invoke(
        create_cli(), ["-q", "dataset", name, *map(str, args), "-o", str(out)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def tencent_balanced(tmp_path_factory, shared_data):
    hierarchy = shared_data / "tencent" / "dictionary_and_semantic_hierarchy.txt"
    return generate(
        "tencent",
        ["--smart", "--preset", "balanced", "--hierarchy-file", hierarchy],
        tmp_path_factory.mktemp("tencent"),
    )


@pytest.fixture(scope="module")
def imagenet_21k_depth4(tmp_path_factory, shared_data):
    classes = shared_data / "imagenet" / "imagenet21k_goog_synsets.txt"
    return generate(
        "imagenet",
        ["--root", "entity.n.01", "--class-list", classes, "--depth", "4"],
        tmp_path_factory.mktemp("imagenet"),
    )


def check_cli(path: Path) -> dict:
    result = subprocess.run(
        [str(BIN), "check", "--target", "all", "--strict", "--format", "json", str(path)],
        capture_output=True,
        text=True,
    )
    report = json.loads(result.stdout)
    problems = report["files"][0]["problems"]
    assert result.returncode == 0, "\n".join(f"{p['line']}: {p['code']} {p['message']}" for p in problems[:30])
    return report


def read_with_dynamicprompts(path: Path, folder: Path) -> None:
    """The YAML and its exported .txt folder expose every leaf list; every wildcard samples its own items."""
    from click.testing import CliRunner
    from dynamicprompts.generators import RandomPromptGenerator
    from dynamicprompts.wildcards import WildcardManager

    from wildcards_gen.cli import create_cli

    logging.getLogger("dynamicprompts").setLevel(logging.ERROR)
    expected = leaf_lists(rt_load(path))
    (folder / "yaml").mkdir()
    (folder / "yaml" / path.name).write_bytes(path.read_bytes())
    result = CliRunner().invoke(create_cli(), ["export", str(path), "--txt-dir", str(folder / "txt")])
    assert result.exit_code == 0, result.output
    assert "Renamed" not in result.output
    for kind in ("yaml", "txt"):
        manager = WildcardManager(folder / kind)
        assert manager.get_collection_names() == set(expected), kind
        generator = RandomPromptGenerator(wildcard_manager=manager, seed=0)
        for name, items in sorted(expected.items()):
            values = list(manager.get_values(name))
            assert sorted(values) == sorted(items), (kind, name)
            samples = generator.generate(f"__{name}__", 2)
            assert samples and all(s in values for s in samples), (kind, name, samples)


def test_tencent_balanced_is_clean_for_all_readers(tencent_balanced, tmp_path):
    report = check_cli(tencent_balanced)
    assert report["clean"] and report["warnings"] == 0
    read_with_dynamicprompts(tencent_balanced, tmp_path)


def test_imagenet_21k_depth4_is_clean_for_all_readers(imagenet_21k_depth4, tmp_path):
    report = check_cli(imagenet_21k_depth4)
    assert report["clean"] and report["warnings"] == 0
    read_with_dynamicprompts(imagenet_21k_depth4, tmp_path)
