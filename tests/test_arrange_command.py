"""``wildcards-gen arrange``: people's own lists (.txt, folders, YAML in place, stdin), through the real CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

BIN = Path(sys.executable).parent / "wildcards-gen"
FRUIT = ["apple", "banana", "cherry", "grape", "mango", "orange", "peach", "pear", "plum", "lemon", "lime", "kiwi"]
TOOLS = ["hammer", "screwdriver", "wrench", "saw", "drill", "chisel", "pliers", "trowel", "rake", "shovel", "hoe"]
MADE_UP = ["zorblax", "quennic", "vrellish"]  # nothing WordNet knows
W = ["--embedder", "wordnet"]  # instant and deterministic; the embedding tests cover MiniLM


def leaves(data, path=()):
    """``{path: items}`` of a loaded wildcard mapping."""
    out = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update(leaves(value, (*path, key)))
        else:
            out[(*path, key)] = value
    return out


def test_a_txt_list_is_arranged_and_nothing_is_lost(cli, tmp_path):
    source = tmp_path / "things.txt"
    source.write_text("# my list\n\n" + "\n".join(FRUIT + TOOLS + MADE_UP + ["apple", "hammer"]) + "\n")
    out, stats = tmp_path / "things.yaml", tmp_path / "s.json"
    result = cli("arrange", source, *W, "-o", out, "--stats", stats)
    assert result.exit_code == 0, result.output
    data = YAML(typ="safe").load(out.read_text())
    placed = [t for items in leaves(data).values() for t in items]
    assert sorted(placed) == sorted(FRUIT + TOOLS + MADE_UP)  # each once; the comment line is no term
    assert list(data) == ["things"] and len(data["things"]) >= 2  # one key per file, groups below it
    groups = {path[-1]: set(items) for path, items in leaves(data).items()}
    fruit_home = max(groups.values(), key=lambda g: len(g & set(FRUIT)))
    assert len(fruit_home & set(FRUIT)) >= 10 and not fruit_home & set(TOOLS)
    report = json.loads(stats.read_text())
    assert report["counts"]["items.duplicates_merged"] == 2 and report["counts"]["input.terms"] == 28
    assert report["counts"]["senses.unknown"] == 3
    senses = {e["term"]: e for e in report["events"]["sense"]}
    assert senses["zorblax"]["synset"] is None and senses["banana"]["synset"] == "banana.n.02"
    assert "# instruction:" in out.read_text()


def test_the_same_bytes_for_any_order_and_any_workers(cli, tmp_path):
    outputs = set()
    for workers, terms in (("1", FRUIT + TOOLS), ("2", list(reversed(FRUIT + TOOLS))), ("8", TOOLS + FRUIT)):
        source = tmp_path / f"w{workers}" / "things.txt"
        source.parent.mkdir()
        source.write_text("\n".join(terms) + "\n")
        result = cli("arrange", source, *W, "--workers", workers, "-o", source.with_suffix(".yaml"))
        assert result.exit_code == 0, result.output
        outputs.add(source.with_suffix(".yaml").read_bytes())
    assert len(outputs) == 1


def test_a_folder_of_txt_wildcards_keeps_its_layout(cli, tmp_path):
    folder = tmp_path / "wildcards"
    (folder / "garden").mkdir(parents=True)
    (folder / "fruit.txt").write_text("\n".join(FRUIT) + "\n")
    (folder / "garden" / "tools.txt").write_text("\n".join(TOOLS) + "\n")
    (folder / "garden" / "few.txt").write_text("rose\ntulip\n")
    (folder / ".hidden.txt").write_text("secret\n")
    out = tmp_path / "out.yaml"
    result = cli("arrange", folder, *W, "-o", out)
    assert result.exit_code == 0, result.output
    data = YAML(typ="safe").load(out.read_text())
    assert set(data) == {"fruit", "garden"} and set(data["garden"]) == {"few", "tools"}
    assert data["garden"]["few"] == ["rose", "tulip"]  # too short: written unchanged ...
    assert "garden/few: 2 terms, fewer than --semantic-arrange-min-items; written unchanged" in result.stderr
    assert sorted(t for items in leaves(data).values() for t in items) == sorted(FRUIT + TOOLS + ["rose", "tulip"])


def test_a_yaml_file_is_edited_in_place(cli, tmp_path):
    source = tmp_path / "mine.yaml"
    text = (
        "# hand-written, keep me\n"
        "subjects: # instruction: what the picture shows\n"
        "  fruit: # instruction: my fruit\n"
        + "".join(f"    - {t}\n" for t in FRUIT[:6] + TOOLS)
        + "    - kiwi  # the best one\n"
        + "".join(f"    - {t}\n" for t in FRUIT[7:])
        + "  places: [forest, beach]  # short: left alone\n"
        "  things: [" + ", ".join(TOOLS + FRUIT[:4]) + "]  # instruction: in the shed\n"
        "styles:\n  - watercolor\n"
    )
    source.write_text(text)
    out = tmp_path / "out.yaml"
    result = cli("arrange", source, *W, "-o", out)
    assert result.exit_code == 0, result.output
    new = out.read_text()
    for line in (
        "# hand-written, keep me",
        "subjects: # instruction: what the picture shows",
        "  fruit: # instruction: my fruit",
        "  places: [forest, beach]  # short: left alone",
        "  things: # instruction: in the shed",
        "styles:",
        "  - watercolor",
    ):
        assert line + "\n" in new, line
    assert "kiwi # the best one" in new  # an item's own comment travels with it
    data = YAML(typ="safe").load(new)
    assert isinstance(data["subjects"]["fruit"], dict) and isinstance(data["subjects"]["things"], dict)
    assert sorted(t for items in leaves(data).values() for t in items) == sorted(
        FRUIT[:6] + FRUIT[7:] + TOOLS + TOOLS + FRUIT[:4] + ["forest", "beach", "watercolor"]
    )
    assert cli("check", out).exit_code == 0


def test_stdin_and_stdout_and_jsonl(tmp_path):
    done = subprocess.run(
        [str(BIN), "-q", "arrange", "-", *W, "--category", "edible_fruit.n.01"],
        input="\n".join(FRUIT) + "\n",
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    data = YAML(typ="safe").load(done.stdout)
    assert sorted(t for items in leaves(data).values() for t in items) == sorted(FRUIT)
    lines = subprocess.run(
        [str(BIN), "-q", "arrange", "-", *W, "--format", "jsonl"],
        input="\n".join(TOOLS) + "\n",
        capture_output=True,
        text=True,
    )
    rows = [json.loads(line) for line in lines.stdout.splitlines()]
    assert sorted(r["item"] for r in rows) == sorted(TOOLS) and all(len(r["path"]) >= 2 for r in rows)


@pytest.mark.parametrize(
    ("content", "extra", "message"),
    [
        (None, (), "no such file or folder"),
        ("# only a comment\n\n", (), "no terms to arrange"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", (), "a binary file, not a text wildcard file"),
        (b"caf\xe9\n", (), "not UTF-8 text"),
        ("\n".join(FRUIT), ("--category", "frut"), "did you mean"),
    ],
)
def test_bad_input_is_a_one_line_error_and_writes_nothing(cli, tmp_path, content, extra, message):
    source = tmp_path / "list.txt"
    if isinstance(content, bytes):
        source.write_bytes(content)
    elif content is not None:
        source.write_text(content)
    out = tmp_path / "out.yaml"
    result = cli("arrange", source, *W, *extra, "-o", out)
    assert result.exit_code == 2, result.output
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output and not out.exists()


def test_a_list_of_one_term_is_written_unchanged_and_said(cli, tmp_path):
    source = tmp_path / "solo.txt"
    source.write_text("unicorn\n")
    out = tmp_path / "out.yaml"
    result = cli("arrange", source, *W, "-o", out)
    assert result.exit_code == 0
    assert YAML(typ="safe").load(out.read_text()) == {"solo": ["unicorn"]}
    assert "solo: 1 term, fewer than --semantic-arrange-min-items; written unchanged" in result.stderr


# a prompt writer's style list: art movements, media, lighting, camera words; a fifth unknown to WordNet
STYLES = [
    "cyberpunk",
    "steampunk",
    "art nouveau",
    "art deco",
    "baroque",
    "impressionism",
    "cubism",
    "surrealism",
    "pop art",
    "minimalism",
    "watercolor",
    "oil painting",
    "charcoal sketch",
    "pencil drawing",
    "ink wash",
    "digital painting",
    "3d render",
    "low poly",
    "pixel art",
    "vaporwave",
    "synthwave",
    "ukiyo-e",
    "gothic",
    "renaissance",
    "rococo",
    "bauhaus",
    "brutalism",
    "film noir",
    "anime",
    "manga",
    "chibi",
    "comic book",
    "cel shading",
    "photorealistic",
    "hyperrealism",
    "golden hour",
    "blue hour",
    "rim lighting",
    "volumetric lighting",
    "cinematic lighting",
    "studio lighting",
    "neon lights",
    "candlelight",
    "bokeh",
    "tilt-shift",
    "fisheye lens",
    "wide angle",
    "macro photography",
    "long exposure",
    "double exposure",
]


def test_a_style_list_with_terms_wordnet_lacks_gets_named_groups(cli, tmp_path):
    """Unknown terms (hyperrealism, brutalism) neither block a group's WordNet name nor take a wrong sense."""
    source = tmp_path / "styles.txt"
    source.write_text("\n".join(STYLES) + "\n")
    out, stats = tmp_path / "styles.yaml", tmp_path / "s.json"
    result = cli("arrange", source, "--embedder", "sentence-transformers", "-o", out, "--stats", stats)
    assert result.exit_code == 0, result.output
    groups = leaves(YAML(typ="safe").load(out.read_text()))
    assert sorted(t for items in groups.values() for t in items) == sorted(STYLES)
    movements = groups[("styles", "artistic movement")]
    assert {"cubism", "surrealism", "pop art"} <= set(movements)
    assert set(movements) & {"hyperrealism", "brutalism", "photorealistic"}  # unknown, yet inside the named group
    # half of this group says "lighting" and a quarter is unknown (synthwave, vaporwave): still named for it
    lighting = groups[("styles", "lighting")]
    assert {"rim lighting", "studio lighting", "volumetric lighting", "cinematic lighting"} <= set(lighting)
    senses = {e["term"]: e["synset"] for e in json.loads(stats.read_text())["events"]["sense"]}
    assert senses["ukiyo-e"] is None  # not einsteinium (head "e")
    assert senses["cubism"] == "cubism.n.01"


def test_a_term_that_can_mean_the_list_itself_means_it(cli, tmp_path):
    """In hair.txt "black hair" is hair, not the other sense its head noun has ("hair's-breadth")."""
    colours = ["black hair", "blonde hair", "red hair", "silver hair", "long hair", "short hair", "wavy hair"]
    styles = ["ponytail", "pigtails", "braid", "afro", "mohawk", "crew cut", "dreadlocks", "pompadour"]
    source = tmp_path / "hair.txt"
    source.write_text("\n".join(colours + styles) + "\n")
    stats = tmp_path / "s.json"
    result = cli("arrange", source, *W, "-o", tmp_path / "hair.yaml", "--stats", stats)
    assert result.exit_code == 0, result.output
    senses = {e["term"]: e["synset"] for e in json.loads(stats.read_text())["events"]["sense"]}
    assert {senses[t] for t in colours} == {"hair.n.01"}
    assert senses["ponytail"] == "ponytail.n.01"
    assert "breadth" not in (tmp_path / "hair.yaml").read_text()


def test_prompt_syntax_in_terms_is_kept_as_written(cli, tmp_path):
    """{a|b}, __name__ and N:: in people's own terms are theirs: arranged, never rewritten; check accepts them."""
    syntax = ["{red|blue|green} hat", "__colors__ dress", "2::leather jacket", "(denim jacket:1.2)"]
    source = tmp_path / "clothes.txt"
    source.write_text("\n".join(syntax + ["coat", "parka", "raincoat", "sweater", "cardigan", "blazer"]) + "\n")
    out, stats = tmp_path / "clothes.yaml", tmp_path / "s.json"
    result = cli("arrange", source, *W, "-o", out, "--stats", stats)
    assert result.exit_code == 0, result.output
    placed = [t for items in leaves(YAML(typ="safe").load(out.read_text())).values() for t in items]
    assert set(syntax) <= set(placed)
    assert json.loads(stats.read_text())["counts"].get("rewrites.items", 0) == 0
    assert cli("check", out).exit_code == 0


def test_a_term_transliteration_would_empty_is_kept(cli, tmp_path):
    """For Impact Pack terms become ASCII ('café' -> 'cafe'); one that would become nothing stays as it is."""
    source = tmp_path / "odd.txt"
    source.write_text("\n".join(["café", "\u200b", "😀", *FRUIT[:6]]) + "\n", encoding="utf-8")
    out = tmp_path / "odd.yaml"
    result = cli("arrange", source, *W, "-o", out)
    assert result.exit_code == 0, result.output
    placed = [t for items in leaves(YAML(typ="safe").load(out.read_text(encoding="utf-8"))).values() for t in items]
    assert len(placed) == 9 and "" not in placed
    assert {"cafe", "\u200b", ":grinning:"} <= set(placed)


def test_a_list_name_is_read_in_the_context_of_its_terms(cli, tmp_path):
    """No term lies under any sense of "tops" or "backgrounds": the terms still decide which one."""
    tops = tmp_path / "tops.txt"
    tops.write_text("\n".join(["blazer", "cardigan", "parka", "raincoat", "sweater", "turtleneck", "hoodie", "vest"]))
    result = cli("arrange", tops, *W, "-o", tmp_path / "tops.yaml")  # WordNet alone: shared ancestors
    assert result.exit_code == 0, result.output
    assert "tops: # instruction: a garment (especially for women)" in (tmp_path / "tops.yaml").read_text()
    scenes = ["forest", "beach", "city street", "mountains", "castle", "desert", "space station", "meadow", "library"]
    backgrounds = tmp_path / "backgrounds.txt"
    backgrounds.write_text("\n".join(scenes))
    result = cli("arrange", backgrounds, "--embedder", "sentence-transformers", "-o", tmp_path / "b.yaml")
    assert result.exit_code == 0, result.output
    first = (tmp_path / "b.yaml").read_text().splitlines()[1]
    assert first.startswith("backgrounds: # instruction:") and "social heritage" not in first, first
