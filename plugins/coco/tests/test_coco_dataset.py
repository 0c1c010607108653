"""``wildcards-gen dataset coco`` as a user runs it: the real CLI, entry point, WordNet and readers.

The expected names below are COCO 2017's and COCO-Stuff's published categories (the stuff ones
as the plugin shows them), written out here independently of the packaged table.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from wildcards_gen.testing import assert_wildcards_clean

SCRIPT = Path(sys.executable).parent / "wildcards-gen"

THINGS = {
    "person": ["person"],
    "vehicle": ["bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat"],
    "outdoor": ["traffic light", "fire hydrant", "stop sign", "parking meter", "bench"],
    "animal": ["bird", "cat", "dog", "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe"],
    "accessory": ["backpack", "umbrella", "handbag", "tie", "suitcase"],
    "sports": [
        "frisbee",
        "skis",
        "snowboard",
        "sports ball",
        "kite",
        "baseball bat",
        "baseball glove",
        "skateboard",
        "surfboard",
        "tennis racket",
    ],
    "kitchen": ["bottle", "wine glass", "cup", "fork", "knife", "spoon", "bowl"],
    "food": ["banana", "apple", "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake"],
    "furniture": ["chair", "couch", "potted plant", "bed", "dining table", "toilet"],
    "electronic": ["tv", "laptop", "mouse", "remote", "keyboard", "cell phone"],
    "appliance": ["microwave", "oven", "toaster", "sink", "refrigerator"],
    "indoor": ["book", "clock", "vase", "scissors", "teddy bear", "hair drier", "toothbrush"],
}
STUFF = {  # COCO-Stuff's 91 classes as shown: floor-wood as wood floor, wall-other as wall, desk-stuff as desk
    "textile": [
        "banner",
        "blanket",
        "cloth",
        "clothes",
        "curtain",
        "mat",
        "napkin",
        "pillow",
        "rug",
        "textile",
        "towel",
    ],
    "plant": ["branch", "bush", "flower", "grass", "leaves", "moss", "plant", "straw", "tree"],
    "building": ["bridge", "building", "house", "roof", "skyscraper", "tent"],
    "structural": ["cage", "fence", "net", "railing", "structural"],
    "raw material": ["cardboard", "metal", "paper", "plastic"],
    "furniture": [
        "cabinet",
        "counter",
        "cupboard",
        "desk",
        "door",
        "furniture",
        "light",
        "mirror",
        "shelf",
        "stairs",
        "table",
    ],
    "window": ["window blind", "window"],
    "floor": ["carpet", "marble floor", "floor", "stone floor", "tile floor", "wood floor"],
    "ceiling": ["ceiling", "tile ceiling"],
    "wall": ["brick wall", "concrete wall", "wall", "wall panel", "stone wall", "tile wall", "wood wall"],
    "sky": ["clouds", "sky"],
    "ground": [
        "dirt",
        "gravel",
        "ground",
        "mud",
        "pavement",
        "platform",
        "playing field",
        "railroad",
        "road",
        "sand",
        "snow",
    ],
    "solid": ["hill", "mountain", "rock", "solid", "stone", "wood"],
    "water": ["fog", "river", "sea", "water", "water drops"],
    "food": ["food", "fruit", "salad", "vegetable"],
}
# the senses the supercategory decides: none of them is the word's first WordNet sense alone
IN_CONTEXT = {
    "mouse": "mouse.n.04",  # the computer mouse, not the rodent
    "keyboard": "keyboard.n.01",
    "remote": "remote_control.n.01",
    "orange": "orange.n.01",  # the fruit, not the colour
    "apple": "apple.n.01",  # the fruit, not the tree
    "tie": "necktie.n.01",
}


def invoke(*args):
    from click.testing import CliRunner

    from wildcards_gen.cli import create_cli

    return CliRunner().invoke(create_cli(), [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """``dataset coco`` and ``dataset coco --stuff``, with their run reports."""
    folder = tmp_path_factory.mktemp("coco")
    out = {}
    for label, extra in (("things", []), ("stuff", ["--stuff"])):
        path, stats = folder / f"{label}.yaml", folder / f"{label}.json"
        result = invoke("-q", "dataset", "coco", *extra, "-o", path, "--stats", stats)
        assert result.exit_code == 0, result.output
        out[label] = (path, json.loads(stats.read_text()))
    return out


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def leaf_lists(tree: dict, prefix: tuple = ()) -> dict:
    """``{"a/b": [items]}`` for every list in a loaded wildcard file."""
    found = {}
    for key, value in tree.items():
        here = (*prefix, str(key))
        if isinstance(value, dict):
            found.update(leaf_lists(value, here))
        else:
            found["/".join(here)] = [str(v) for v in value]
    return found


def test_every_thing_category_under_its_supercategory(generated):
    path, stats = generated["things"]
    tree = load(path)
    assert {k: sorted(v) for k, v in tree.items()} == {k: sorted(v) for k, v in THINGS.items()}
    assert sum(len(v) for v in THINGS.values()) == 80 == stats["counts"]["output.items"]
    assert path.read_text().startswith("# COCO 2017 object categories (https://cocodataset.org")


def test_stuff_adds_every_stuff_class_in_its_own_branch(generated):
    path, stats = generated["stuff"]
    tree = load(path)
    assert {k: sorted(v) for k, v in tree.items() if k != "stuff"} == {k: sorted(v) for k, v in THINGS.items()}
    assert {k: sorted(v) for k, v in tree["stuff"].items()} == {k: sorted(v) for k, v in STUFF.items()}
    assert sum(len(v) for v in STUFF.values()) == 91
    assert stats["counts"]["output.items"] == 171 and stats["counts"]["coco.categories"] == 171


def test_supercategories_are_keys_with_a_gloss_or_a_derived_instruction(generated):
    text = generated["stuff"][0].read_text()
    assert "\nvehicle: # instruction: a conveyance that transports people or objects\n" in text
    assert "\n  plant: # instruction: (botany) a living organism lacking the power of locomotion\n" in text
    assert "\nelectronic: # instruction: Kinds of electronic.\n" in text  # an adjective: no noun to match
    assert "\nsports: # instruction: Kinds of sports.\n" in text  # WordNet's sport is an activity
    stats = generated["stuff"][1]
    rejected = {e["name"]: e["rejected"] for e in stats["events"]["coco_supercategory"] if e["rejected"]}
    assert rejected == {"sports": "sport.n.01"}
    assert stats["counts"]["coco.supercategories"] == 27


@pytest.mark.parametrize(("name", "synset"), sorted(IN_CONTEXT.items()))
def test_the_supercategory_decides_the_sense(generated, name, synset):
    events = generated["stuff"][1]["events"]["coco_mapped"]
    (event,) = [e for e in events if e["name"] == name]
    assert event["synset"] == synset


def test_the_report_lists_the_mapping_and_what_is_unmapped(generated):
    stats = generated["stuff"][1]
    counts, events = stats["counts"], stats["events"]
    assert counts["coco.mapped"] + counts["coco.unmapped"] == 171
    assert counts["coco.mapped"] >= 165  # 170 of 171 when written
    assert len(events["coco_mapped"]) == counts["coco.mapped"]
    assert len(events.get("coco_unmapped", [])) == counts["coco.unmapped"]
    wood = next(e for e in events["coco_mapped"] if e["id"] == 118)
    assert wood == {
        "id": 118,
        "name": "floor-wood",
        "supercategory": "floor",
        "match": "floor",
        "synset": "floor.n.01",
        "wnid": "n03365592",
        "how": "supercategory",
        "ambiguous": False,
    }
    assert all({"id", "name", "supercategory", "match"} <= set(e) for e in events.get("coco_unmapped", []))


def test_nodes_carry_cocos_ids_and_their_synsets(wn, tmp_path):
    """Node.id is COCO's category id; Node.synset the WNID the name was mapped to."""
    from wildcards_gen import Run
    from wildcards_gen.stats import Stats
    from wildcards_gen_coco import table, tree

    run = Run(dataset="coco", options={}, stats=Stats(), cache_dir=tmp_path)
    built = tree.build(table.packaged(stuff=True), run)
    nodes = {n.id: n for kids in built.children.values() for n in kids}
    assert nodes["coco:18"].name == "dog" and nodes["coco:18"].synset == wn.synset("dog.n.01").wnid
    assert nodes["coco:74"].synset == wn.synset("mouse.n.04").wnid
    assert nodes["coco:118"].name == "wood floor" and nodes["coco:118"].synonyms == ("floor-wood",)
    assert [r.id for r in built.roots][:2] == ["coco:supercategory:person", "coco:supercategory:vehicle"]
    assert built.roots[-1].id == "coco:stuff" and len(built.children["coco:stuff"]) == 15
    assert sum(1 for i in nodes if i.split(":")[1].isdigit()) == 171


def test_listed_by_plugins_through_its_entry_point(cli):
    listing = json.loads(cli("plugins", "--json").stdout)
    coco = next(p for p in listing["plugins"] if p["name"] == "coco")
    assert coco["distribution"] == "wildcards-gen-coco" and coco["datasets"] == ["coco"]
    assert "coco" in cli("dataset", "--help").stdout


def run_script(*args, seed="0"):
    """The installed console script: entry points found as a user's run finds them."""
    return subprocess.run(
        [str(SCRIPT), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=600,
        env=dict(os.environ, PYTHONHASHSEED=seed),
    )


def test_output_passes_check_strict_for_every_reader(generated):
    for label in ("things", "stuff"):
        proc = run_script("check", "--target", "all", "--strict", generated[label][0])
        assert proc.returncode == 0, proc.stdout + proc.stderr


def test_dynamic_prompts_samples_every_list_as_yaml_and_as_txt(generated, tmp_path, cli):
    from dynamicprompts.generators import RandomPromptGenerator
    from dynamicprompts.wildcards import WildcardManager

    logging.getLogger("dynamicprompts").setLevel(logging.ERROR)
    path = generated["stuff"][0]
    expected = leaf_lists(load(path))
    assert len(expected) == 12 + 15
    (tmp_path / "yaml").mkdir()
    (tmp_path / "yaml" / "coco.yaml").write_bytes(path.read_bytes())
    result = cli("export", path, "--txt-dir", tmp_path / "txt")
    assert result.exit_code == 0, result.output
    for kind in ("yaml", "txt"):
        manager = WildcardManager(tmp_path / kind)
        assert manager.get_collection_names() == set(expected), kind
        generator = RandomPromptGenerator(wildcard_manager=manager, seed=0)
        for name, items in sorted(expected.items()):
            assert sorted(manager.get_values(name)) == sorted(items), (kind, name)
            samples = generator.generate(f"__{name}__", 3)
            assert samples and all(s in items for s in samples), (kind, name, samples)


def test_same_bytes_whatever_the_workers_or_hash_seed(tmp_path):
    args = ["dataset", "coco", "--stuff", "--semantic-arrange", "--embedder", "wordnet"]
    one, four = tmp_path / "one.yaml", tmp_path / "four.yaml"
    assert invoke("-q", *args, "--workers", "1", "-o", one).exit_code == 0
    assert invoke("-q", *args, "--workers", "4", "-o", four).exit_code == 0
    proc = run_script("-q", *args, "--workers", "2", "-o", tmp_path / "script.yaml", seed="4242")
    assert proc.returncode == 0, proc.stderr
    assert one.read_bytes() == four.read_bytes() == (tmp_path / "script.yaml").read_bytes()


def test_depth_one_flattens_each_supercategory_and_the_stuff_branch(cli, tmp_path):
    out = tmp_path / "flat.yaml"
    assert cli("dataset", "coco", "--stuff", "--depth", "1", "-o", out).exit_code == 0
    tree = load(out)
    assert sorted(tree["stuff"]) == sorted(n for names in STUFF.values() for n in names)
    assert sorted(tree["vehicle"]) == sorted(THINGS["vehicle"])


@pytest.mark.parametrize("preset", ["balanced", "flat", "ultra-flat"])
def test_smart_presets_keep_every_item(cli, tmp_path, preset):
    out = tmp_path / f"{preset}.yaml"
    assert cli("dataset", "coco", "--stuff", "--smart", "--preset", preset, "-o", out).exit_code == 0
    items = [i for items in leaf_lists(load(out)).values() for i in items]
    assert set(items) == {n for names in [*THINGS.values(), *STUFF.values()] for n in names}


def test_semantic_arrange_groups_the_flattened_stuff(cli, tmp_path):
    out = tmp_path / "arranged.yaml"
    args = ["dataset", "coco", "--stuff", "--depth", "1", "--semantic-arrange", "--embedder", "wordnet"]
    assert cli(*args, "-o", out).exit_code == 0
    stuff = load(out)["stuff"]
    assert isinstance(stuff, dict) and len(stuff) > 1  # 91 items arranged into named groups
    assert sorted(i for items in leaf_lists(stuff).values() for i in items) == sorted(
        n for names in STUFF.values() for n in names
    )


@pytest.mark.parametrize(
    ("target", "style"),
    [("impact", "kebab"), ("impact-ondemand", "as-is"), ("dynamicprompts", "snake"), ("generator", "as-is")],
)
def test_each_reader_target(cli, tmp_path, target, style):
    out = tmp_path / f"{target}.yaml"  # the cli fixture checks the file for its target
    result = cli("dataset", "coco", "--stuff", "--target", target, "--key-style", style, "-o", out)
    assert result.exit_code == 0, result.output
    assert_wildcards_clean(out, target, strict=True)
    if style == "kebab":
        assert "\n  raw-material: # instruction:" in out.read_text()
