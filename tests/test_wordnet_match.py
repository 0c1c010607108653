"""WordNet.match_all / match: a dataset's class names mapped to synsets in context (issue 18).

The cases are COCO's supercategories (names and groups as COCO publishes them) and
Open Images parents; each polysemous name's right sense is the one a reader of the
dataset means, checked against real WordNet 3.0.
"""

from __future__ import annotations

import pytest

COCO = {
    "vehicle": ["bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat"],
    "accessory": ["backpack", "umbrella", "handbag", "tie", "suitcase"],
    "kitchen": ["bottle", "wine glass", "cup", "fork", "knife", "spoon", "bowl"],
    "food": ["banana", "apple", "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake"],
    "electronic": ["tv", "laptop", "mouse", "remote", "keyboard", "cell phone"],
}

EXPECTED = [
    ("electronic", "mouse", "mouse.n.04"),  # the computer mouse, not the rodent (its first sense)
    ("electronic", "keyboard", "keyboard.n.01"),
    ("electronic", "remote", "remote_control.n.01"),
    ("food", "orange", "orange.n.01"),  # the fruit, not the colour
    ("food", "apple", "apple.n.01"),  # the fruit, not the tree
    ("accessory", "tie", "necktie.n.01"),  # not the beam, the draw or the affiliation
    ("vehicle", "boat", "boat.n.01"),  # not the gravy boat (wheeled vehicles are also containers)
    ("vehicle", "bus", "bus.n.01"),  # not the jalopy
]


@pytest.mark.parametrize(("context", "name", "synset"), EXPECTED)
def test_coco_names_mean_what_their_supercategory_says(wn, context, name, synset):
    names = COCO[context]
    chosen = wn.match_all(names, context)[names.index(name)]
    assert wn.synset(chosen.wnid).name == synset, wn.synset(chosen.wnid).name


def test_match_one_name_with_its_siblings(wn):
    chosen = wn.match("mouse", "electronic", siblings=COCO["electronic"])
    assert wn.synset(chosen.wnid).name == "mouse.n.04"
    assert chosen.how == "exact" and len(chosen.candidates) > 1


def test_context_changes_the_sense(wn):
    """The same word, two parents: 'mouse' among animals is the rodent."""
    animals = ["cat", "dog", "mouse", "rabbit", "squirrel"]
    assert wn.synset(wn.match_all(animals, "animal")[2].wnid).name == "mouse.n.01"


def test_names_as_datasets_write_them(wn):
    """Plurals, multiword names, '&' and head nouns ("Human face" -> face)."""
    names = ["Human face", "Salt and pepper shakers", "Kitchen & dining room table", "Tablet computer", "Skis"]
    chosen = wn.match_all(names, "Entity")
    got = [wn.synset(c.wnid).name if c.wnid else None for c in chosen]
    assert got[0] == "face.n.01"
    assert got[1] is not None and chosen[1].how == "head"  # pepper shaker
    assert got[3] == "computer.n.01" and chosen[3].how == "head"  # WordNet 3.0 has no tablet computer
    assert got[4] == "ski.n.01"
    assert all(g is not None for g in got)


def test_a_letter_or_a_number_alone_is_no_head_noun(wn):
    """ "ukiyo-e" is not einsteinium (symbol "e"), "room 101" not the number one; "flat screen tv" is a television."""
    chosen = wn.match_all(["ukiyo-e", "room 101", "flat screen tv", "art deco"], "style")
    assert [c.wnid for c in chosen[:2]] == [None, None]
    assert wn.synset(chosen[2].wnid).name.startswith("television") and chosen[2].how == "head"
    assert chosen[3].how == "exact"


def test_unknown_names_stay_unmapped(wn):
    chosen = wn.match_all(["Zxqv blorfle", "dog", "cat"], "animal")
    assert chosen[0].wnid is None and chosen[0].how is None
    assert chosen[1].wnid is not None


def test_adjective_context_falls_back_to_the_siblings(wn):
    """'electronic' is no noun: the synset most first choices share stands in for it."""
    from wildcards_gen import senses

    assert senses.resolve_category(wn, "electronic", COCO["electronic"]) is None
    assert wn.synset(wn.match_all(COCO["electronic"], "electronic")[2].wnid).name == "mouse.n.04"


def test_long_lists_are_matched_by_agreement(wn):
    from wildcards_gen import senses

    breeds = [s.display for s in (wn.synset(h) for h in wn.synset("dog.n.01").hyponyms) if s is not None]
    names = (breeds * 3)[: senses.MATCH_MAX_NAMES + 5]
    chosen = wn.match_all(names)
    assert len(chosen) == len(names)
    assert sum(1 for c in chosen if c.wnid) >= 0.9 * len(names)


def test_a_names_own_kinds_decide_its_sense(wn, shared_data):
    """Open Images' top level: 'Person' among 90 mostly man-made classes is the human body by
    similarity alone; its own kinds (man, woman, boy, girl) make it the human being."""
    import csv
    import json

    folder = shared_data / "openimages"
    root = json.loads((folder / "bbox_labels_600_hierarchy.json").read_text())
    with open(folder / "class-descriptions-boxable.csv", encoding="utf-8", newline="") as fh:
        display = {row[0]: row[1] for row in csv.reader(fh) if len(row) >= 2}
    children = root["Subcategory"]
    names = [display[c["LabelName"]] for c in children]
    kinds = [[display[k["LabelName"]] for k in c.get("Subcategory", ())] for c in children]
    person = names.index("Person")
    assert wn.synset(wn.match_all(names, "Entity")[person].wnid).name == "person.n.02"  # without kinds
    assert wn.synset(wn.match_all(names, "Entity", kinds)[person].wnid).name == "person.n.01"
