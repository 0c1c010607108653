"""COCO's naming conventions made readable, and the text WordNet is asked about (real WordNet)."""

from __future__ import annotations

import pytest

from wildcards_gen_coco import mapping, names
from wildcards_gen_coco.names import Name


@pytest.mark.parametrize(
    ("raw", "parent", "expected"),
    [
        ("dog", "animal", Name("dog", "dog")),
        ("hot dog", "food", Name("hot dog", "hot dog")),
        ("person", "person", Name("person", "person", True)),  # the supercategory's own word
        ("wall-other", "wall", Name("wall", "wall", True)),  # the remainder of its supercategory
        ("sky-other-merged", "sky", Name("sky", "sky", True)),  # panoptic's suffix first
        ("floor-wood", "floor", Name("wood floor", "floor", True)),  # a kind of floor, by material
        ("wall-brick", "wall", Name("brick wall", "wall", True)),
        ("ceiling-tile", "ceiling", Name("tile ceiling", "ceiling", True)),
        ("window-blind", "window", Name("window blind", "window blind")),  # WordNet's own compound
        ("wall-panel", "wall", Name("wall panel", "wall panel")),
        ("desk-stuff", "furniture", Name("desk", "desk")),
        ("tree-merged", "plant", Name("tree", "tree")),
        ("playingfield", "ground", Name("playing field", "playing field")),  # closed compounds opened
        ("waterdrops", "water", Name("water drops", "water drops")),
        ("skyscraper", "building", Name("skyscraper", "skyscraper")),  # a word WordNet knows stays whole
        ("railroad", "ground", Name("railroad", "railroad")),
        ("background-other-merged", "other", Name("background", "background")),  # not its supercategory's
        ("t-shirt", "clothing", Name("t-shirt", "t-shirt")),
        ("traffic_light", "outdoor", Name("traffic light", "traffic light")),
        ("  Wine   glass ", "kitchen", Name("Wine glass", "Wine glass")),
        ("zzqxv", None, Name("zzqxv", "zzqxv")),
        ("--other", None, Name("--other", "--other")),  # nothing before the suffix: kept as written
        ("floor--", "floor", Name("floor--", "floor--")),
        ("-stuff", None, Name("-stuff", "-stuff")),
    ],
)
def test_category_names(wn, raw, parent, expected):
    assert names.category(raw, parent, wn) == expected


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("vehicle", "vehicle"),
        ("raw-material", "raw material"),
        ("furniture-stuff", "furniture"),
        ("food-stuff", "food"),
        ("stuff", "stuff"),  # a suffix alone is a name
    ],
)
def test_supercategory_names(raw, shown):
    assert names.supercategory(raw) == shown


def test_an_activity_does_not_name_a_supercategory_of_things(wn):
    """WordNet's only "sport" is an activity; COCO's sports are equipment, so the key gets no gloss from it."""
    things = [wn.synset(n).wnid for n in ("frisbee.n.01", "ski.n.01", "surfboard.n.01")]
    assert mapping.abstract_over_things(wn, wn.synset("sport.n.01").wnid, things)
    assert not mapping.abstract_over_things(wn, wn.synset("vehicle.n.01").wnid, things)
    assert not mapping.abstract_over_things(wn, wn.synset("sport.n.01").wnid, [])


def test_a_group_is_mapped_in_its_supercategorys_context(wn):
    prepared = [names.category(n, "electronic", wn) for n in ("tv", "laptop", "mouse", "remote", "keyboard")]
    senses = mapping.senses_of(wn, "electronic", prepared)
    assert senses.supercategory.wnid is None and senses.rejected is None  # an adjective: no noun to match
    assert wn.synset(senses.categories[2].wnid).name == "mouse.n.04"
    floors = [names.category(n, "floor", wn) for n in ("floor-wood", "floor-other", "carpet")]
    senses = mapping.senses_of(wn, "floor", floors)
    assert wn.synset(senses.supercategory.wnid).name == "floor.n.01"
    assert [c.how for c in senses.categories[:2]] == ["supercategory", "supercategory"]
    assert senses.categories[0].wnid == senses.categories[1].wnid == senses.supercategory.wnid
