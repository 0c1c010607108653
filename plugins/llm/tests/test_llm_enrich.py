"""``wildcards-gen llm enrich``: instructions added, every other byte of the file kept."""

from __future__ import annotations

import json
import re

from scripted_model import SCRIPT, SENT, enum_of

from wildcards_gen.testing import assert_wildcards_clean

SOURCE = """\
# my wildcards -- hand-written, keep this
subjects:   # things to draw
  dog: # instruction: my own words, kept
    - beagle   # the best
    - 'pug'
  vehicles:
    car: ["sedan", coupe]
    zorblax:
      - glorp
      - blip
  "my stuff":
    - thing  # trailing
# a comment between keys
places: {beach: [sand], forest: [tree]}
"""


def without_instructions(text: str) -> str:
    return re.sub(r" # instruction: [^\r\n]*", "", text)


def keyed(*pairs):
    return json.dumps({"instructions": [{"key": k, "instruction": v} for k, v in pairs]})


def test_instructions_from_wordnet_then_the_model_and_nothing_else_changes(cli, tmp_path):
    SCRIPT.append(
        keyed(
            ("subjects > vehicles > zorblax", "Sounds a zorblax makes."),
            ("subjects > my stuff", "Things of mine.\n# instruction: twice"),
            ("not a key", "invented"),
        )
    )
    src = tmp_path / "mine.yaml"
    src.write_text(SOURCE)
    out = tmp_path / "out.yaml"
    stats = tmp_path / "stats.json"
    result = cli("llm", "enrich", src, "-m", "scripted", "-o", out, "--stats", stats)
    assert result.exit_code == 0, result.stderr
    text = out.read_text()
    assert without_instructions(text) == without_instructions(SOURCE)
    lines = text.splitlines()
    assert lines[1].startswith("subjects:   # things to draw # instruction: ")
    assert lines[2] == "  dog: # instruction: my own words, kept"
    assert "  vehicles: # instruction: a conveyance that transports people or objects" in lines
    assert '    car: ["sedan", coupe] # instruction: a motor vehicle with four wheels' in text
    assert "    zorblax: # instruction: Sounds a zorblax makes." in lines
    assert '  "my stuff": # instruction: Things of mine. # twice' in lines
    assert lines[-1] == "places: {beach: [sand], forest: [tree]}"  # keys sharing a line: left alone
    (sent,) = SENT  # WordNet answered for the rest
    assert sorted(enum_of(sent["schema"])) == ["subjects > my stuff", "subjects > vehicles > zorblax"]
    assert "- subjects > vehicles > zorblax (holds: glorp, blip)" in sent["prompt"]
    counts = json.loads(stats.read_text())["counts"]
    assert counts["llm.enrich.model"] == 2 and counts["llm.enrich.kept"] == 1 and counts["llm.invented"] == 1
    assert counts["llm.enrich.skipped"] == 3  # places, beach, forest
    assert f"Instructions added: {counts['llm.enrich.wordnet']} from WordNet, 2 from the model" in result.stderr


def test_a_key_the_model_left_out_gets_a_fallback_and_crlf_files_stay_crlf(cli, tmp_path):
    SCRIPT.append(keyed(("zorblax", "Made-up things.")))
    src = tmp_path / "crlf.yaml"
    source = "zorblax:\r\n  - glorp\r\nquuxle: # old note\r\n  - blip\r\n"
    src.write_bytes(source.encode())
    out = tmp_path / "out.yaml"
    result = cli("llm", "enrich", src, "-m", "scripted", "-o", out)
    assert result.exit_code == 0, result.stderr
    assert out.read_bytes().decode() == (
        "zorblax: # instruction: Made-up things.\r\n  - glorp\r\n"
        "quuxle: # old note # instruction: Kinds of quuxle.\r\n  - blip\r\n"
    )
    assert_wildcards_clean(out, "generator", strict=True)


def test_a_file_where_every_key_has_an_instruction_is_written_unchanged_without_a_request(cli, tmp_path):
    src = tmp_path / "done.yaml"
    src.write_text("a: # instruction: x\n  - b\n")
    out = tmp_path / "out.yaml"
    assert cli("llm", "enrich", src, "-m", "scripted", "-o", out).exit_code == 0
    assert out.read_text() == src.read_text() and SENT == []


def test_bad_input_is_one_line_and_writes_nothing(cli, tmp_path):
    out = tmp_path / "out.yaml"
    for name, content, message in (
        ("list.txt", "a\nb\n", "enrich edits YAML wildcard files (.yaml, .yml)"),
        ("bad.yaml", "a: [b\n", "is not valid YAML"),
        ("seq.yaml", "- a\n- b\n", "expected a mapping of category keys at the top"),
    ):
        src = tmp_path / name
        src.write_text(content)
        result = cli("llm", "enrich", src, "-m", "scripted", "-o", out)
        assert result.exit_code == 2, (name, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr
    assert not out.exists()
