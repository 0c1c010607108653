"""The category table shipped as package data: COCO's ids, its source and licence, and a wheel that carries it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from wildcards_gen import DataError
from wildcards_gen.testing import pip_install_to
from wildcards_gen_coco import table

PLUGIN = Path(__file__).resolve().parents[1]
# COCO 2017 numbers its 80 detection classes 1..90: these ten ids (and 91) were dropped from the 2014 list
GAPS = {12, 26, 29, 30, 45, 66, 68, 69, 71, 83}


def test_things_keep_cocos_ids():
    things = table.packaged()
    assert len(things) == 80
    assert {c.id for c in things} == set(range(1, 91)) - GAPS
    by_id = {c.id: c for c in things}
    assert by_id[1] == table.Category(1, "person", "person")
    assert by_id[18] == table.Category(18, "dog", "animal")
    assert by_id[90] == table.Category(90, "toothbrush", "indoor")
    assert len({c.supercategory for c in things}) == 12
    assert all(c.branch is None for c in things)


def test_stuff_classes_are_ids_92_to_182_in_their_own_branch():
    stuff = [c for c in table.packaged(stuff=True) if c.branch == "stuff"]
    assert len(stuff) == 91 and [c.id for c in stuff] == list(range(92, 183))
    by_id = {c.id: c for c in stuff}
    assert by_id[118] == table.Category(118, "floor-wood", "floor", "stuff")
    assert by_id[145] == table.Category(145, "playingfield", "ground", "stuff")
    assert by_id[182] == table.Category(182, "wood", "solid", "stuff")
    assert len({c.supercategory for c in stuff}) == 15


def test_the_table_names_its_source_and_licence():
    text = resources.files("wildcards_gen_coco").joinpath(table.FILE).read_text(encoding="utf-8")
    header = [line for line in text.splitlines() if line.startswith("#")]
    joined = " ".join(header)
    for needed in ("CC BY 4.0", "creativecommons.org/licenses/by/4.0", "cocodataset.org", "nightrome/cocostuff"):
        assert needed in joined


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "table.tsv: no categories"),
        ("id\tname\n", "table.tsv:1: expected the header"),
        ("id\tkind\tsupercategory\tname\n1\tthing\tperson\n", "table.tsv:2: expected 4 tab-separated columns"),
        ("id\tkind\tsupercategory\tname\nx\tthing\tperson\tperson\n", "table.tsv:2: id 'x' is not a whole number"),
        ("id\tkind\tsupercategory\tname\n1\tthingy\tperson\tperson\n", "table.tsv:2: kind 'thingy'"),
        ("id\tkind\tsupercategory\tname\n1\tthing\ta\tb\n\n1\tthing\ta\tc\n", "table.tsv:4: id 1 is also on line 2"),
    ],
)
def test_a_damaged_table_names_its_line(body, message):
    with pytest.raises(DataError, match=message):
        table.parse(body, "table.tsv")


def test_an_installed_copy_carries_the_table(tmp_path):
    """Package data is only in a wheel if declared: install a copy of the plugin (not editable) and read it there."""
    source = tmp_path / "src"
    shutil.copytree(PLUGIN, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__", "tests"))
    site = pip_install_to(tmp_path / "site", source)
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); from wildcards_gen_coco import table; "
        "assert table.__file__.startswith(sys.argv[1]), table.__file__; print(len(table.packaged(stuff=True)))"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(site)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "171", proc.stderr
    (entry_points,) = site.glob("wildcards_gen_coco-*.dist-info/entry_points.txt")
    assert "[wildcards_gen]\ncoco = wildcards_gen_coco.plugin" in entry_points.read_text()
