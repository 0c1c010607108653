"""The three commands and the arranger with a real local model: Gemma 3 270M through llama.cpp.

A base model (not instruction-tuned), so what it writes is poor; these tests
hold the plumbing and every guarantee, not its taste: the answers are JSON of
the asked shape (the schema is a llama.cpp grammar), every term ends in
exactly one list, every key gets an instruction, the files pass ``check``, and
a rerun is answered from the cache with the same bytes.
"""

from __future__ import annotations

import json
import re

import pytest
import yaml

from wildcards_gen.testing import assert_wildcards_clean

pytestmark = pytest.mark.slow

TERMS = ["apple", "banana", "carrot", "cherry", "hammer", "lettuce", "pliers", "saw", "spinach", "wrench"]


def leaf_items(data):
    out = []
    for value in data.values():
        out += leaf_items(value) if isinstance(value, dict) else list(value)
    return out


def run_twice(cli, tmp_path, *args):
    """The command, then again: the second run must send nothing and write the same bytes."""
    outputs = []
    for n in (1, 2):
        out, stats = tmp_path / f"out{n}.yaml", tmp_path / f"stats{n}.json"
        result = cli(*args, "-o", out, "--stats", stats)
        assert result.exit_code == 0, result.stderr
        outputs.append((out, json.loads(stats.read_text())["counts"], result))
    (first, counts, result), (second, again, _) = outputs
    assert again["llm.cached"] == again["llm.requests"] == counts["llm.requests"] >= 1
    assert second.read_bytes() == first.read_bytes()
    return first, counts, result


def test_categorize_keeps_every_term_exactly_once(cli, gemma, tmp_path):
    src = tmp_path / "things.txt"
    src.write_text("\n".join(TERMS) + "\n")
    out, counts, result = run_twice(cli, tmp_path, "llm", "categorize", src, "--target", "impact")
    assert sorted(leaf_items(yaml.safe_load(out.read_text()))) == TERMS
    assert counts.get("llm.invented", 0) == 0  # the grammar offers only the list's terms
    assert_wildcards_clean(out, "impact")
    assert f"Model {gemma}:" in result.stderr


def test_categorize_in_batches(cli, gemma, tmp_path):
    src = tmp_path / "things.txt"
    src.write_text("\n".join(TERMS) + "\n")
    out, counts, _ = run_twice(cli, tmp_path, "llm", "categorize", src, "--batch-size", "4")
    assert counts["llm.requests"] - counts.get("llm.retries", 0) == 3
    assert sorted(leaf_items(yaml.safe_load(out.read_text()))) == TERMS


def test_create_writes_a_skeleton_with_an_instruction_on_every_key(cli, gemma, tmp_path):
    out, _, _ = run_twice(cli, tmp_path, "llm", "create", "--topic", "fantasy creatures", "--size", "small")
    assert_wildcards_clean(out, "all", strict=True)
    data = yaml.safe_load(out.read_text())
    assert list(data) == ["fantasy creatures"] and isinstance(data["fantasy creatures"], dict)
    assert all(isinstance(v, list) and v for v in data["fantasy creatures"].values())


def test_enrich_adds_instructions_and_keeps_the_rest(cli, gemma, tmp_path):
    src = tmp_path / "mine.yaml"
    source = "# mine\nanimals:  # keep me\n  dog: [beagle, pug]\n  zorblax:\n    - glorp\n    - blip\n"
    src.write_text(source)
    out, counts, _ = run_twice(cli, tmp_path, "llm", "enrich", src)
    text = out.read_text()
    assert re.sub(r" # instruction: [^\n]*", "", text) == source
    assert counts["llm.enrich.wordnet"] == 2
    assert counts.get("llm.enrich.model", 0) + counts.get("llm.enrich.fallback", 0) == 1
    assert_wildcards_clean(out, "generator", strict=True)


def test_the_arranger_in_a_dataset_run(cli, gemma, tmp_path):
    base = ["dataset", "imagenet", "--root", "toy_dog.n.01", "--depth", "1"]
    out = tmp_path / "toy-dogs.yaml"
    stats = tmp_path / "stats.json"
    result = cli(
        *base, "--semantic-arrange", "--arranger", "llm", "--embedder", "wordnet", "--semantic-arrange-min-items",
        "5", "--workers", "2", "-o", out, "--stats", stats,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    counts = json.loads(stats.read_text())["counts"]
    assert counts["llm.requests"] >= 1 and counts.get("llm.invented", 0) == 0
    plain = tmp_path / "plain.yaml"
    assert cli(*base, "-o", plain).exit_code == 0
    assert sorted(leaf_items(yaml.safe_load(out.read_text()))) == sorted(leaf_items(yaml.safe_load(plain.read_text())))
