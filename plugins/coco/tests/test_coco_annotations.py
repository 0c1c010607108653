"""``--annotations FILE``: the categories of a COCO-format file written by the test, and every way one can be wrong."""

from __future__ import annotations

import json

import pytest
import yaml

# a custom dataset as annotation tools export it: two supercategories sharing a word, panoptic names,
# an entry without a supercategory and Roboflow's "none"
CATEGORIES = [
    {"id": 0, "name": "pets", "supercategory": "none"},
    {"id": 1, "name": "cat", "supercategory": "animal"},
    {"id": 2, "name": "dog", "supercategory": "animal"},
    {"id": 3, "name": "mouse", "supercategory": "animal"},
    {"id": 4, "name": "rabbit", "supercategory": "animal"},
    {"id": 5, "name": "squirrel", "supercategory": "animal"},
    {"id": 11, "name": "tv", "supercategory": "electronic"},
    {"id": 12, "name": "laptop", "supercategory": "electronic"},
    {"id": 13, "name": "mouse", "supercategory": "electronic"},
    {"id": 14, "name": "remote", "supercategory": "electronic"},
    {"id": 15, "name": "keyboard", "supercategory": "electronic"},
    {"id": 21, "name": "wall-other-merged", "supercategory": "wall", "isthing": 0},
    {"id": 22, "name": "wall-brick", "supercategory": "wall", "isthing": 0},
    {"id": 31, "name": "skateboard"},
]


def write(folder, document, name="ann.json"):
    path = folder / name
    path.write_text(document if isinstance(document, str) else json.dumps(document), encoding="utf-8")
    return path


def test_a_coco_format_file_is_read_mapped_and_reported(cli, tmp_path):
    path = write(tmp_path, {"images": [], "annotations": [], "categories": CATEGORIES})
    out, stats = tmp_path / "custom.yaml", tmp_path / "stats.json"
    result = cli("dataset", "coco", "--annotations", path, "-o", out, "--stats", stats)
    assert result.exit_code == 0, result.output
    tree = yaml.safe_load(out.read_text())
    assert tree == {
        "animal": ["cat", "dog", "mouse", "rabbit", "squirrel"],
        "electronic": ["keyboard", "laptop", "mouse", "remote", "tv"],
        "uncategorized": ["pets", "skateboard"],
        "wall": ["brick wall", "wall"],
    }
    report = json.loads(stats.read_text())
    senses = {e["id"]: e["synset"] for e in report["events"]["coco_mapped"]}
    assert senses[3] == "mouse.n.01" and senses[13] == "mouse.n.04"  # one word, two supercategories
    assert senses[21] == senses[22] == "wall.n.01"
    assert report["counts"]["coco.categories"] == len(CATEGORIES)


def test_the_file_alone_decides_the_categories(cli, tmp_path):
    path = write(tmp_path, {"categories": [{"id": 7, "name": "giraffe", "supercategory": "animal"}]})
    out = tmp_path / "one.yaml"
    assert cli("dataset", "coco", "--annotations", path, "-o", out).exit_code == 0
    assert yaml.safe_load(out.read_text()) == {"animal": ["giraffe"]}


BAD = [
    ("[1, 2]", "ann.json: expected a JSON object with a 'categories' list, found a list"),
    ({"images": []}, "ann.json: categories: missing"),
    ({"categories": {"id": 1}}, "ann.json: categories: expected a list, found an object"),
    ({"categories": []}, "ann.json: categories: empty"),
    ({"categories": [{"id": 1, "name": "a"}, "b"]}, "ann.json: categories[1]: expected an object, found a string"),
    ({"categories": [{"name": "a"}]}, "ann.json: categories[0].id: missing"),
    ({"categories": [{"id": "1", "name": "a"}]}, "ann.json: categories[0].id: expected an integer, found a string"),
    ({"categories": [{"id": 1.5, "name": "a"}]}, "ann.json: categories[0].id: expected an integer, found a number"),
    ({"categories": [{"id": True, "name": "a"}]}, "ann.json: categories[0].id: expected an integer, found a boolean"),
    ({"categories": [{"id": 1}]}, "ann.json: categories[0].name: missing"),
    (
        {"categories": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}, {"id": 3, "name": "c"}, {"id": 4, "name": 3}]},
        "ann.json: categories[3].name: expected a string, found a number",
    ),
    ({"categories": [{"id": 1, "name": None}]}, "ann.json: categories[0].name: expected a string, found null"),
    ({"categories": [{"id": 1, "name": " \t"}]}, "ann.json: categories[0].name: empty"),
    ({"categories": [{"id": 1, "name": "x" * 201}]}, "ann.json: categories[0].name: longer than 200 characters"),
    (
        {"categories": [{"id": 1, "name": "a", "supercategory": ["b"]}]},
        "ann.json: categories[0].supercategory: expected a string, found a list",
    ),
    (
        {"categories": [{"id": 1, "name": "a"}, {"id": 1, "name": "b"}]},
        "ann.json: categories[1].id: 1 is also the id of categories[0]",
    ),
    (
        {
            "categories": [
                {"id": 1, "name": "Dog", "supercategory": "pet"},
                {"id": 2, "name": "dog", "supercategory": "pet"},
            ]
        },
        "ann.json: categories[1].name: 'dog' under 'pet' is also categories[0]",
    ),
    ('{"categories": [', "ann.json:1:17: not valid JSON: Expecting value"),
    ("[" * 100_000 + "]" * 100_000, "ann.json: not valid JSON for this reader: nested too deeply"),
    ('{"categories": [{"id": 1' + "0" * 5000 + ', "name": "a"}]}', "ann.json: not valid JSON for this reader"),
]


@pytest.mark.parametrize(("document", "message"), BAD, ids=[m.split(": ", 1)[1][:40] for _, m in BAD])
def test_a_malformed_file_is_one_line_and_writes_nothing(cli, tmp_path, monkeypatch, document, message):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, document)
    result = cli("dataset", "coco", "--annotations", "ann.json", "-o", "out.yaml", "--stats", "stats.json")
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {message}"), result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ann.json"]


def test_not_utf8(cli, tmp_path):
    path = tmp_path / "ann.json"
    path.write_bytes(b'{"categories": [{"id": 1, "name": "caf\xe9"}]}')
    result = cli("dataset", "coco", "--annotations", path, "-o", tmp_path / "out.yaml")
    assert result.exit_code == 1 and "is not UTF-8 text (byte 38)" in result.stderr
    assert not (tmp_path / "out.yaml").exists()


def test_a_byte_order_mark_is_fine(cli, tmp_path):
    path = tmp_path / "ann.json"
    path.write_bytes(b'\xef\xbb\xbf{"categories": [{"id": 1, "name": "cat", "supercategory": "animal"}]}')
    assert cli("dataset", "coco", "--annotations", path, "-o", tmp_path / "out.yaml").exit_code == 0


@pytest.mark.parametrize("kind", ["missing", "folder", "device", "too large"])
def test_only_a_regular_file_within_the_size_limit(cli, tmp_path, monkeypatch, kind):
    path = {"missing": tmp_path / "nope.json", "folder": tmp_path, "device": "/dev/null"}.get(kind)
    if kind == "too large":
        monkeypatch.setenv("WILDCARDS_GEN_MAX_INPUT_MB", "1")
        path = write(tmp_path, {"categories": [{"id": 1, "name": "cat"}], "pad": "x" * (1 << 20)})
    result = cli("dataset", "coco", "--annotations", path, "-o", tmp_path / "out.yaml")
    expected = {
        "missing": "cannot read the COCO annotations file: No such file or directory",
        "folder": "the COCO annotations file is a folder; give a regular file",
        "device": "the COCO annotations file is a character device; give a regular file",
        "too large": "the COCO annotations file is larger than 1 MB; raise WILDCARDS_GEN_MAX_INPUT_MB",
    }[kind]
    assert result.exit_code == 2 and expected in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out.yaml").exists()


def test_stuff_and_annotations_exclude_each_other(cli, tmp_path):
    path = write(tmp_path, {"categories": CATEGORIES})
    result = cli("dataset", "coco", "--annotations", path, "--stuff", "-o", tmp_path / "out.yaml")
    assert result.exit_code == 2 and "pass one" in result.stderr
    assert not (tmp_path / "out.yaml").exists()
