"""``wildcards-gen llm create`` with a scripted model: levels, cleaning, instructions, retries."""

from __future__ import annotations

import json

import yaml
from scripted_model import SCRIPT, SENT

from wildcards_gen.testing import assert_wildcards_clean


def level(*categories, instruction="What a topic holds."):
    return json.dumps(
        {"instruction": instruction, "categories": [dict(zip(("name", "instruction", "items"), c)) for c in categories]}
    )


def test_a_two_level_file_with_an_instruction_on_every_key(cli, tmp_path):
    SCRIPT.append(
        level(
            ("dragons", "Winged reptiles of legend.", ["wyvern", "drake", " wyvern ", ""]),
            ("spirits", "Beings without bodies.", ["wisp", "banshee"]),
            ("Dragons", "A repeat, merged.", ["lindworm"]),
            ("", "A category without a name.", ["orphan"]),
            ("golems", "", ["clay golem", "iron golem"]),
        )
    )
    out = tmp_path / "creatures.yaml"
    stats = tmp_path / "stats.json"
    result = cli("llm", "create", "--topic", "fantasy creatures", "-m", "scripted", "-o", out, "--stats", stats)
    assert result.exit_code == 0, result.stderr
    assert_wildcards_clean(out, "all", strict=True)  # strict: every key has an instruction
    text = out.read_text()
    assert text.startswith("# Created by wildcards-gen llm create with scripted: fantasy creatures\n")
    data = yaml.safe_load(text)
    assert data == {
        "fantasy creatures": {
            "dragons": ["drake", "lindworm", "wyvern"],
            "golems": ["clay golem", "iron golem"],
            "spirits": ["banshee", "wisp"],
        }
    }
    assert "dragons: # instruction: Winged reptiles of legend." in text
    assert "golems: # instruction: (Jewish folklore) an artificially created human being" in text  # WordNet's
    assert "fantasy creatures: # instruction: What a topic holds." in text
    counts = json.loads(stats.read_text())["counts"]
    assert counts["llm.create.discarded"] == 1 and counts["llm.create.merged"] == 1
    (sent,) = SENT
    assert 'Propose 5 distinct sub-categories of "fantasy creatures"' in sent["prompt"]
    assert sent["schema"]["properties"]["categories"]["maxItems"] == 5


def test_deeper_files_ask_level_by_level_and_size_sets_the_counts(cli, tmp_path):
    SCRIPT.append(level(("land", "On land.", []), ("sea", "In the sea.", [])))

    def leaves(prompt):
        return level(("big", "Big ones.", ["a", "b"]), ("small", "Small ones.", ["c"]))

    SCRIPT.extend([leaves, leaves])
    out = tmp_path / "animals.yaml"
    result = cli("llm", "create", "--topic", "animals", "--depth", "3", "--size", "small", "-m", "scripted", "-o", out)
    assert result.exit_code == 0, result.stderr
    data = yaml.safe_load(out.read_text())
    assert data == {
        "animals": {"land": {"big": ["a", "b"], "small": ["c"]}, "sea": {"big": ["a", "b"], "small": ["c"]}}
    }
    assert len(SENT) == 3
    assert "items" not in SENT[0]["schema"]["properties"]["categories"]["items"]["properties"]
    assert SENT[1]["schema"]["properties"]["categories"]["items"]["properties"]["items"]["maxItems"] == 5
    assert "Category path: animals > land." in SENT[1]["prompt"]
    assert_wildcards_clean(out, "all", strict=True)


def test_depth_one_is_a_single_list_and_an_empty_answer_is_asked_again(cli, tmp_path):
    SCRIPT.extend(
        [
            json.dumps({"instruction": "x", "items": ["", "  "]}),
            json.dumps({"instruction": "Kinds of light.", "items": ["dawn", "dusk"]}),
        ]
    )
    out = tmp_path / "light.yaml"
    result = cli("llm", "create", "--topic", "lighting", "--depth", "1", "-m", "scripted", "-o", out)
    assert result.exit_code == 0, result.stderr
    assert yaml.safe_load(out.read_text()) == {"lighting": ["dawn", "dusk"]}
    assert "Your previous answer was rejected: no usable item was given" in SENT[1]["prompt"]


def test_a_model_that_never_answers_validly_writes_nothing(cli, tmp_path):
    SCRIPT.extend(["{}"] * 3)
    out = tmp_path / "none.yaml"
    result = cli("llm", "create", "--topic", "anything", "-m", "scripted", "-o", out)
    assert result.exit_code == 1 and not out.exists()
    assert result.stderr.startswith("Error: model scripted gave no valid answer for category 'anything' in 3 tries")
    assert len(result.stderr.strip().splitlines()) == 1
