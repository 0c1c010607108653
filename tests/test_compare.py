"""``wildcards-gen compare``: item overlap, grouping agreement and key changes, on generated files."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from wildcards_gen.cli import create_cli


def generate(path, *args):
    result = CliRunner().invoke(create_cli(), ["-q", "dataset", "imagenet", *map(str, args), "-o", str(path)])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("compare")
    return {
        "d2": generate(folder / "dogs2.yaml", "--root", "dog.n.01", "--depth", "2"),
        "d3": generate(folder / "dogs3.yaml", "--root", "dog.n.01", "--depth", "3"),
        "d3jsonl": generate(folder / "dogs3.jsonl", "--root", "dog.n.01", "--depth", "3"),
        "cats": generate(folder / "cats.yaml", "--root", "cat.n.01", "--depth", "2"),
    }


def compare_json(cli, a, b, *extra):
    result = cli("compare", a, b, "--format", "json", *extra)
    return result, json.loads(result.stdout) if result.stdout.strip().startswith("{") else None


def leaf_items(path):
    """item -> list path, read with a plain YAML loader (independent of the command's loader)."""
    out = {}

    def walk(mapping, prefix):
        for key, value in mapping.items():
            here = prefix + (str(key),)
            if isinstance(value, dict):
                walk(value, here)
            else:
                for item in value:
                    out.setdefault(str(item), here)

    walk(YAML(typ="safe").load(path.read_text()), ())
    return out


def key_names(path):
    names = set()

    def walk(mapping):
        for key, value in mapping.items():
            names.add(str(key))
            if isinstance(value, dict):
                walk(value)

    walk(YAML(typ="safe").load(path.read_text()))
    return names


def test_a_file_against_itself(cli, files):
    result, report = compare_json(cli, files["d3"], files["d3"])
    assert result.exit_code == 0
    assert report["jaccard"] == 1.0 and report["ari"] == 1.0
    assert report["keys"]["added"] == report["keys"]["removed"] == report["keys"]["moved"] == []
    assert report["items"]["common"] == len(leaf_items(files["d3"]))


def test_depth_two_against_depth_three(cli, files):
    """Same leaves (flattened at depth 2), finer lists at depth 3: full overlap, partial agreement."""
    result, report = compare_json(cli, files["d2"], files["d3"])
    assert result.exit_code == 0
    assert set(leaf_items(files["d2"])) == set(leaf_items(files["d3"]))
    assert report["jaccard"] == 1.0
    assert 0.0 < report["ari"] < 1.0
    assert report["keys"]["removed"] == []
    assert set(report["keys"]["added"]) == key_names(files["d3"]) - key_names(files["d2"])
    assert report["keys"]["added"]  # depth 3 has keys depth 2 flattened away
    assert report["lists"]["a"] < report["lists"]["b"]


def test_moved_key_keeps_the_grouping(cli, files, tmp_path):
    """Moving a whole list to another parent: the same grouping (ARI 1), one key moved."""
    yaml = YAML()
    data = yaml.load(files["d3"].read_text())
    hunting = data["dog"]["hunting dog"]
    name = next(k for k, v in hunting.items() if isinstance(v, list))
    data["dog"][name] = hunting.pop(name)
    moved = tmp_path / "moved.yaml"
    with moved.open("w") as fh:
        yaml.dump(data, fh)
    _result, report = compare_json(cli, files["d3"], moved)
    assert report["jaccard"] == 1.0 and report["ari"] == 1.0
    assert report["keys"]["moved"] == [{"key": name, "from": ["dog/hunting dog"], "to": ["dog"]}]
    assert report["keys"]["added"] == report["keys"]["removed"] == []

    text = cli("compare", files["d3"], moved)
    assert text.exit_code == 0
    assert "Content overlap (Jaccard of items): 1.0000" in text.stdout
    assert "Structural agreement (ARI over common items): 1.0000" in text.stdout
    assert "Keys moved: 1" in text.stdout
    assert f"  {name}: dog/hunting dog -> dog" in text.stdout


def test_disjoint_files(cli, files):
    _result, report = compare_json(cli, files["d2"], files["cats"])
    assert report["jaccard"] == 0.0
    assert report["ari"] is None
    assert report["items"]["common"] == 0
    assert set(report["keys"]["removed"]) == key_names(files["d2"]) - key_names(files["cats"])
    assert set(report["keys"]["added"]) == key_names(files["cats"]) - key_names(files["d2"])
    text = cli("compare", files["d2"], files["cats"], "--limit", "2")
    assert "n/a (fewer than 2 common items)" in text.stdout
    assert "more (--format json lists all)" in text.stdout


def test_partial_overlap_counts(cli, files, tmp_path):
    yaml = YAML()
    data = yaml.load(files["d2"].read_text())
    first_key = next(iter(data["dog"]))
    removed_items = list(data["dog"][first_key])
    del data["dog"][first_key]
    data["dog"]["robots"] = ["robot dog", "tin dog"]
    edited = tmp_path / "edited.yaml"
    with edited.open("w") as fh:
        yaml.dump(data, fh)
    _, report = compare_json(cli, files["d2"], edited)
    a_items = set(leaf_items(files["d2"]))
    b_items = set(leaf_items(edited))
    assert report["items"]["only_a"] == len(a_items - b_items) == len(set(removed_items) - b_items)
    assert report["items"]["only_b"] == 2
    assert report["jaccard"] == round(len(a_items & b_items) / len(a_items | b_items), 6)
    assert report["ari"] == 1.0  # the remaining lists are untouched
    assert report["keys"]["added"] == ["robots"]
    assert first_key in report["keys"]["removed"]


def test_yaml_and_jsonl_of_one_run_agree(cli, files):
    _, report = compare_json(cli, files["d3"], files["d3jsonl"])
    assert report["jaccard"] == 1.0 and report["ari"] == 1.0
    assert report["keys"]["added"] == report["keys"]["removed"] == report["keys"]["moved"] == []


def test_thresholds_for_regression_checks(cli, files):
    ok = cli("compare", files["d3"], files["d3"], "--min-jaccard", "1", "--min-ari", "1")
    assert ok.exit_code == 0
    low = cli("compare", files["d2"], files["d3"], "--min-ari", "0.99")
    assert low.exit_code == 1
    assert "Error: below threshold: ARI" in low.stderr
    none = cli("compare", files["d2"], files["cats"], "--min-ari", "0")
    assert none.exit_code == 1


def test_bad_inputs_fail_in_one_line(cli, files, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("a: [unclosed\n")
    result = cli("compare", files["d2"], broken)
    assert result.exit_code == 2
    assert re.match(re.escape(f"Error: {broken}:") + r"\d+:\d+: the wildcard file is not valid YAML", result.stderr)
    assert len(result.stderr.strip().splitlines()) == 1
    scalar = tmp_path / "scalar.yaml"
    scalar.write_text("just text\n")
    result = cli("compare", scalar, files["d2"])
    assert result.exit_code == 2 and "expected a mapping of categories" in result.stderr
    missing = cli("compare", files["d2"], tmp_path / "nope.yaml")
    assert missing.exit_code == 2 and "does not exist" in missing.stderr
