"""The dishes plugin as a user meets it: installed, discovered through its entry point, run by the CLI."""

from __future__ import annotations

import json

import pytest


def test_installed_and_listed_through_its_entry_point(cli):
    listing = json.loads(cli("plugins", "--json").stdout)
    dishes = next(p for p in listing["plugins"] if p["name"] == "dishes")
    assert dishes["distribution"] == "wildcards-gen-dishes"
    assert dishes["datasets"] == ["dishes"] and dishes["presets"] == {"dishes": ["tasting-menu"]}


def test_the_packaged_csv_is_read():
    from wildcards_gen_dishes.plugin import packaged_rows

    rows = packaged_rows()
    assert len(rows) == 48 and rows[0].id == "dish:all"


def test_every_dish_is_written_with_an_instruction_on_every_key(cli, tmp_path):
    out, stats = tmp_path / "dishes.yaml", tmp_path / "stats.json"
    result = cli("dataset", "dishes", "-o", out, "--stats", stats)  # the fixture also runs `check` on it
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert text.startswith("# Dishes: example data written for wildcards-gen-dishes, CC0.")
    assert "Japanese cuisine: # instruction: Dishes from Japan." in text
    assert "- sushi" in text and "- baba ghanoush" in text
    counts = json.loads(stats.read_text())["counts"]
    assert counts["output.items"] == 41 and counts["dishes.mapped"] == 35 and counts["dishes.unmapped"] == 13


def test_one_cuisine_and_the_plugins_own_preset(cli, tmp_path):
    out = tmp_path / "jp.yaml"
    assert (
        cli("dataset", "dishes", "--cuisine", "japanese", "--smart", "--preset", "tasting-menu", "-o", out).exit_code
        == 0
    )
    text = out.read_text()
    assert "sushi" in text and "pizza" not in text


@pytest.mark.parametrize("cuisine", ["klingon", ""])
def test_an_unknown_cuisine_is_a_one_line_error(cli, tmp_path, cuisine):
    result = cli("dataset", "dishes", "--cuisine", cuisine or " ", "-o", tmp_path / "x.yaml")
    assert result.exit_code == 2
    assert "no such cuisine (available: french, indian, italian, japanese, mexican, middle-eastern)" in result.stderr
    assert not (tmp_path / "x.yaml").exists()


def test_a_malformed_csv_names_its_line():
    from wildcards_gen_dishes.plugin import read_rows

    from wildcards_gen import DataError

    with pytest.raises(DataError, match="dishes.csv:3: expected 5 columns"):
        read_rows("id,name,parent,synset,description\ndish:all,dish,,,\nbroken,row\n")
