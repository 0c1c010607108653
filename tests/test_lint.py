"""``wildcards-gen lint``: outliers (the semantic-clean rule), duplicates, reader problems, --clean."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from click.testing import CliRunner

from wildcards_gen import hookimpl
from wildcards_gen.cli import create_cli


@pytest.fixture(scope="module")
def dogs(tmp_path_factory):
    """A real generation: ImageNet dogs, three levels."""
    path = tmp_path_factory.mktemp("lint") / "dogs.yaml"
    result = CliRunner().invoke(
        create_cli(), ["-q", "dataset", "imagenet", "--root", "dog.n.01", "--depth", "3", "-o", str(path)]
    )
    assert result.exit_code == 0, result.output
    return path


def lint_json(cli, path, *extra):
    result = cli("lint", path, "--format", "json", *extra)
    assert result.stdout.lstrip().startswith("{"), result.output
    return result, json.loads(result.stdout)


def inject(source, target, after: str, lines: list[str]):
    """Copy ``source`` to ``target`` with ``lines`` inserted after the first line equal to ``after``."""
    text = source.read_text().splitlines(keepends=True)
    index = next(i for i, line in enumerate(text) if line.rstrip("\n") == after)
    text[index + 1 : index + 1] = [line + "\n" for line in lines]
    target.write_text("".join(text))
    return target


def test_generated_file_is_clean_and_round_trips_byte_identical(cli, dogs, tmp_path):
    result, report = lint_json(cli, dogs)
    assert result.exit_code == 0
    assert report["findings"] == []
    assert report["lists"] > 10 and report["embedder"] == "wordnet"
    copy = tmp_path / "copy.yaml"
    cleaned = cli("lint", dogs, "--clean", "-o", copy)
    assert cleaned.exit_code == 0, cleaned.output
    assert copy.read_bytes() == dogs.read_bytes()
    assert "No problems found." in cleaned.stdout


def test_outlier_reported_and_clean_keeps_every_comment(cli, dogs, tmp_path):
    source = inject(
        dogs,
        tmp_path / "dirty.yaml",
        "      - whippet",
        [
            "      - carburetor",
            "      # a note that belongs to the next key",
        ],
    )
    text = source.read_text()
    assert text.startswith("# Source: WordNet")  # the writer's header comments are there to keep
    before = source.read_bytes()
    result, report = lint_json(cli, source)
    assert result.exit_code == 1
    outliers = [f for f in report["findings"] if f["kind"] == "outlier"]
    carb_line = text.splitlines().index("      - carburetor") + 1
    assert [(f["list"], f["text"], f["line"]) for f in outliers] == [("dog/hunting dog/hound", "carburetor", carb_line)]
    assert outliers[0]["distance"] > 0.6

    markdown = cli("lint", source)
    assert markdown.exit_code == 1
    assert "## Semantic outliers (1)" in markdown.stdout
    assert f"| {carb_line} | dog/hunting dog/hound | carburetor |" in markdown.stdout

    out = tmp_path / "clean.yaml"
    cleaned = cli("lint", source, "--clean", "-o", out)
    assert cleaned.exit_code == 0, cleaned.output
    assert "Wrote" in cleaned.stdout and "without 1 outlier" in cleaned.stdout
    assert source.read_bytes() == before  # the input is untouched
    expected = text.replace("      - carburetor\n", "", 1)
    assert out.read_text() == expected  # only the outlier's line went: every comment, the layout kept
    comments = [line for line in text.splitlines() if "#" in line]
    assert comments == [line for line in out.read_text().splitlines() if "#" in line]
    again, report = lint_json(cli, out)
    assert again.exit_code == 0 and report["findings"] == []


class Axes:
    """A test embedder: every text on one axis, except the named ones on another."""

    far = {"carburetor", "Pembroke", "Cardigan"}

    @hookimpl
    def register_embedders(self, register):
        register("axes", "two orthogonal directions (test)")

    @hookimpl
    def embed_batch(self, texts, embedder, model, options):
        if embedder != "axes":
            return None
        return np.array([[0.0, 1.0] if t in self.far else [1.0, 0.0] for t in texts], dtype=np.float32)


def test_terms_wordnet_places_below_the_category_are_never_outliers(cli, register_plugin, wn, tmp_path):
    """Pembroke and Cardigan (corgis) look as far as a carburetor to this embedder, but WordNet puts them under dog."""
    register_plugin(Axes(), "axes-embedder")
    dog = wn.synset("dog.n.01")
    breeds = sorted({s.display for s in (wn.synset(h) for h in wn.synset("hound.n.01").hyponyms)})[:18]
    items = breeds + ["Cardigan", "Pembroke", "carburetor"]
    for term in ("Pembroke", "Cardigan"):  # Cardigan's first sense is the jacket: any sense counts
        assert any(wn.is_below(s.wnid, dog.wnid) for s in wn.senses(term))
    path = tmp_path / "dogs.yaml"
    body = "".join(f"  - {t}\n" for t in sorted(items, key=str.casefold))
    path.write_text(f"dog: # instruction: {dog.gloss}\n{body}")
    _, report = lint_json(cli, path, "--embedder", "axes")
    assert [f["text"] for f in report["findings"] if f["kind"] == "outlier"] == ["carburetor"]
    # a key the writer rewrote (not a WordNet lemma): its instruction still finds the synset
    path.write_text(f"dogs (rewritten): # instruction: {dog.gloss}\n{body}")
    _, report = lint_json(cli, path, "--embedder", "axes")
    assert [f["text"] for f in report["findings"] if f["kind"] == "outlier"] == ["carburetor"]
    # the same list under a key WordNet does not know: nothing protects the corgis
    path.write_text(f"zorblax:\n{body}")
    _, report = lint_json(cli, path, "--embedder", "axes")
    assert sorted(f["text"] for f in report["findings"] if f["kind"] == "outlier") == ["Cardigan", "carburetor"]


def test_duplicates_and_names_the_readers_mishandle(cli, tmp_path):
    path = tmp_path / "odd.yaml"
    path.write_text(
        "# hand-written\n"
        "animals (misc): # instruction: assorted\n"  # 2: '(' breaks Dynamic Prompts
        "  - cat\n"
        "  - Cat\n"  # 4: differs only in case
        "  - cat\n"  # 5: exact duplicate
        "  - 1920\n"  # 6: an integer to YAML
        "  - '{red|blue} fish'\n"  # 7: prompt syntax
        "yes:\n"  # 8: a boolean to PyYAML
        "  - ok\n"
        "up/down:\n"  # 10: a path separator to wildcards-generator
        "  - x\n"
        "empty:\n"  # 12: no value
    )
    result, report = lint_json(cli, path, "--no-outliers")
    assert result.exit_code == 1
    found = {(f["kind"], f["line"]) for f in report["findings"]}
    assert {
        ("key", 2),
        ("duplicate", 4),
        ("duplicate", 5),
        ("item", 6),
        ("item", 7),
        ("key", 8),
        ("key", 10),
        ("structure", 12),
    } <= found
    by_line = {}
    for f in report["findings"]:
        by_line.setdefault(f["line"], []).append(f)
    assert "differs only in case" in by_line[4][0]["detail"]
    assert "the same item of line 3" in by_line[5][0]["detail"]
    assert any("int" in f["detail"] for f in by_line[6])
    assert any(f.get("reader") == "Dynamic Prompts" for f in by_line[7])
    assert any("boolean" in f["detail"] and f.get("reader") == "Dynamic Prompts" for f in by_line[8])
    assert any(f.get("reader") == "wildcards-generator" for f in by_line[10])
    assert report["counts"]["duplicate"] == 2
    assert report["embedder"] is None
    # one reader only: the wildcards-generator reserved key stays, Dynamic Prompts' '(' goes
    _, only = lint_json(cli, path, "--no-outliers", "--target", "generator")
    readers = {f.get("reader") for f in only["findings"]} - {None}
    assert readers == {"wildcards-generator"}


def test_clean_needs_an_output_and_overwrites_only_when_named(cli, dogs, tmp_path):
    source = inject(dogs, tmp_path / "dirty.yaml", "      - whippet", ["      - carburetor"])
    before = source.read_bytes()
    result = cli("lint", source, "--clean")
    assert result.exit_code == 2
    assert result.stderr.strip() == "Error: --clean needs -o OUT (the input is never overwritten unless -o names it)"
    assert source.read_bytes() == before
    result = cli("lint", source, "-o", tmp_path / "x.yaml")
    assert result.exit_code == 2 and not (tmp_path / "x.yaml").exists()
    result = cli("lint", source, "--clean", "-o", source)
    assert result.exit_code == 0
    assert source.read_text() == before.decode().replace("      - carburetor\n", "")
    assert not list(tmp_path.glob(".*.tmp"))  # atomic write left nothing behind


def test_bad_inputs_fail_in_one_line(cli, dogs, tmp_path):
    result = cli("lint", dogs, "--embedder", "nope")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: unknown embedder 'nope'")
    broken = tmp_path / "broken.yaml"
    broken.write_text("a: [x\n")
    result = cli("lint", broken)
    assert result.exit_code == 2
    assert re.match(re.escape(f"Error: {broken}:") + r"\d+:\d+: the wildcard file is not valid YAML", result.stderr)
    assert len(result.stderr.strip().splitlines()) == 1


def test_sentence_transformers_embedder(cli, tmp_path):
    """The real all-MiniLM-L6-v2: two non-fruits in a list of fruits."""
    fruits = [
        "apple",
        "apricot",
        "banana",
        "blackberry",
        "blueberry",
        "cherry",
        "fig",
        "grape",
        "grapefruit",
        "guava",
        "kiwi",
        "lemon",
        "lime",
        "mango",
        "melon",
        "nectarine",
        "orange",
        "papaya",
        "peach",
        "pear",
        "pineapple",
        "plum",
        "raspberry",
        "strawberry",
    ]
    path = tmp_path / "fruit.yaml"
    body = "".join(f"  - {t}\n" for t in sorted(fruits + ["spreadsheet", "bulldozer"]))
    path.write_text(f"fruit: # instruction: the ripened reproductive body of a seed plant\n{body}")
    _result, report = lint_json(cli, path, "--embedder", "sentence-transformers")
    assert report["embedder"] == "sentence-transformers"
    assert sorted(f["text"] for f in report["findings"] if f["kind"] == "outlier") == ["bulldozer", "spreadsheet"]


def test_jsonl_form_is_linted_too(cli, dogs, tmp_path):
    jsonl = tmp_path / "dogs.jsonl"
    result = CliRunner().invoke(
        create_cli(), ["-q", "dataset", "imagenet", "--root", "dog.n.01", "--depth", "3", "-o", str(jsonl)]
    )
    assert result.exit_code == 0, result.output
    _, from_yaml = lint_json(cli, dogs)
    result, from_jsonl = lint_json(cli, jsonl)
    assert result.exit_code == 0
    assert (from_jsonl["lists"], from_jsonl["items"]) == (from_yaml["lists"], from_yaml["items"])
    assert from_jsonl["findings"] == []
    refused = cli("lint", jsonl, "--clean", "-o", tmp_path / "x.jsonl")
    assert refused.exit_code == 2 and "--clean works on YAML files" in refused.stderr
