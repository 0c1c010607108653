"""``--labels all`` on a descriptions file written here, in the published format (LabelName,DisplayName)."""

from __future__ import annotations

import csv
import json

import pytest
from openimages_reference import CLASSES, keys_and_items, read_names, rt_load, sample_with_dynamicprompts

from wildcards_gen.sanitize import clean_item
from wildcards_gen.testing import assert_wildcards_clean

# Labels beyond the boxable ones, as the v7 list has them: plain nouns, phrases, names with a comma
# (quoted in the file), /g/ ids, and some that WordNet cannot place at all.
EXTRA = [
    "Architecture",
    "Sky",
    "Cloud",
    "Tree",
    "Grass",
    "Sunset",
    "Mountain",
    "Beach",
    "Bridge",
    "Road",
    "Smile",
    "Fun",
    "Leisure",
    "Recreation",
    "Painting",
    "Art",
    "Drawing",
    "Illustration",
    "Wedding",
    "Ceremony",
    "Dress",
    "Gown",
    "Jeans",
    "T-shirt",
    "Sneakers",
    "Poodle",
    "Beagle",
    "Labrador retriever",
    "Golden retriever",
    "Siamese cat",
    "Persian cat",
    "Oak",
    "Pine",
    "Maple",
    "Tulip",
    "Daisy",
    "Orchid",
    "Pasta",
    "Spaghetti",
    "Sushi",
    "Soup",
    "Salad",
    "Steak",
    "Violin family",
    "Electric guitar",
    "Bass guitar",
    "Acoustic guitar",
    "Skyline",
    "Cityscape",
    "Metropolis",
    "Chocolate chip cookie",
    "Purple sky",
    "Cat, domestic",
    "Xyzzy frobnicator",
    "Blorptastic",
    "Qwzx",
    "Snarfblat plumbus",
]
UNPLACEABLE = {"Xyzzy frobnicator", "Blorptastic", "Qwzx", "Snarfblat plumbus"}


@pytest.fixture(scope="module")
def descriptions(shared_data, tmp_path_factory):
    """A few hundred labels: the boxable classes and EXTRA, ids /m/ and /g/, header as in oidv7."""
    rows = list(read_names(shared_data / CLASSES).items())
    rows += [(f"/g/11bx{i:04d}", name) for i, name in enumerate(EXTRA)]
    path = tmp_path_factory.mktemp("labels") / "oidv7-class-descriptions.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["LabelName", "DisplayName"])
        writer.writerows(rows)
    assert '"Cat, domestic"' in path.read_text(encoding="utf-8")
    return path, dict(rows)


@pytest.fixture(scope="module")
def generated(descriptions, tmp_path_factory):
    from click.testing import CliRunner

    from wildcards_gen.cli import create_cli

    path, _ = descriptions
    folder = tmp_path_factory.mktemp("all")
    out, stats = folder / "all.yaml", folder / "stats.json"
    argv = ["-q", "dataset", "openimages", "--labels", "all", "--descriptions-file", str(path)]
    result = CliRunner().invoke(create_cli(), [*argv, "-o", str(out), "--stats", str(stats)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out, json.loads(stats.read_text())


@pytest.fixture(scope="module")
def built(descriptions, wn, session_cache):
    """The plugin's own tree, built by its real code (no CLI)."""
    from wildcards_gen import Run
    from wildcards_gen.stats import Stats
    from wildcards_gen_openimages import plugin

    path, _ = descriptions
    run = Run("openimages", {"labels": "all", "descriptions_file": str(path)}, Stats(), session_cache)
    return plugin.build_tree(run), run


def test_every_label_is_an_item(generated, descriptions):
    out, report = generated
    _, labels = descriptions
    assert len(labels) > 600
    _, lists = keys_and_items(rt_load(out))
    items = {i for values in lists.values() for i in values}
    assert not [n for n in labels.values() if clean_item(n) not in items]
    assert report["counts"]["openimages.classes"] == len(labels)


def test_unplaceable_labels_stay_in_other_entity(generated):
    out, report = generated
    _, lists = keys_and_items(rt_load(out))
    assert set(lists[("entity", "other_entity")]) >= UNPLACEABLE
    unmapped = {e["name"]: e for e in report["events"]["unmapped_class"]}
    for name in UNPLACEABLE:
        assert unmapped[name]["how"] is None and unmapped[name]["head"] is None


def test_head_matches_hang_under_their_head(built, wn):
    """ "Vehicle registration plate": no synset of its own; listed under its head phrase's synset."""
    tree, run = built
    unmapped = {e["name"]: e for e in run.stats.events["unmapped_class"]}
    heads = {name: e["head"] for name, e in unmapped.items() if e["how"] == "head"}
    assert "Vehicle registration plate" in heads and "Purple sky" in heads
    for name, head in heads.items():
        parents = [p for p, kids in tree.children.items() for n in kids if n.name == name]
        assert parents == [wn.synset(head).wnid], name
        leaf = next(n for kids in tree.children.values() for n in kids if n.name == name)
        assert leaf.synset is None and leaf.id.startswith(("/m/", "/g/"))
    assert run.stats.counters["openimages.kinds_of_head"] == len(heads)


def test_report_lists_every_unmapped_and_ambiguous_label(built):
    tree, run = built
    counts, events = run.stats.counters, run.stats.events
    leaves = [n for kids in tree.children.values() for n in kids if n.id.startswith(("/m/", "/g/"))]
    unmapped_leaves = {n.id for n in leaves if n.synset is None}
    assert {e["id"] for e in events["unmapped_class"]} == unmapped_leaves
    assert counts["openimages.unmapped"] == len(unmapped_leaves)
    assert counts["openimages.mapped"] + counts["openimages.unmapped"] == counts["openimages.classes"]
    assert counts["openimages.mapped"] / counts["openimages.classes"] > 0.85
    ambiguous = events.get("ambiguous_class", [])
    assert len(ambiguous) == counts["openimages.ambiguous"]
    assert all(e["synset"] in e["candidates"] and len(e["candidates"]) > 1 for e in ambiguous)


def test_keys_are_wordnet_nodes_with_glosses(built, wn):
    """Keys: WordNet synsets holding labels or branching, the gloss as instruction; no single-child chains."""
    tree, _ = built
    keys = [*tree.roots, *(n for kids in tree.children.values() for n in kids if n.id in tree.children)]
    assert tree.roots[0].id == "n00001740"  # entity
    for key in keys:
        assert key.synset == key.id and key.gloss == wn.synset(key.id).gloss, key
        children = tree.children[key.id]
        labels_here = [n for n in children if not n.id.startswith("n")]
        assert len(children) > 1 or labels_here, key  # a chain of one key below another is collapsed
    # a synset that holds a label is named after it
    assert any(k.name == "Food" and k.synset in {s.wnid for s in wn.senses("food")} for k in keys)


def test_labels_sit_below_their_synset(built, wn):
    """A mapped label's list is its synset's, or (for a synset with nothing below) its parent's."""
    tree, _ = built
    parent_of = {n.id: p for p, kids in tree.children.items() for n in kids}
    checked = 0
    for kids in tree.children.values():
        for leaf in kids:
            if leaf.synset and leaf.id.startswith(("/m/", "/g/")):
                holder = parent_of[leaf.id]
                assert holder == leaf.synset or holder in wn.ancestors(leaf.synset), leaf
                checked += 1
    assert checked > 500


def test_clean_for_every_reader_and_sampled(generated, tmp_path):
    out, _ = generated
    assert_wildcards_clean(out, "all", strict=True)
    sample_with_dynamicprompts(out, tmp_path / "dp")


@pytest.mark.parametrize("args", [("--smart",), ("--depth", "3"), ("--smart", "--preset", "flat")], ids=" ".join)
def test_shaping(cli, descriptions, tmp_path, args):
    path, _labels = descriptions
    out = tmp_path / "shaped.yaml"
    result = cli("-q", "dataset", "openimages", "--labels", "all", "--descriptions-file", path, *args, "-o", out)
    assert result.exit_code == 0, result.output
    assert_wildcards_clean(out, "all", strict=True)
    _, lists = keys_and_items(rt_load(out))
    items = {i for values in lists.values() for i in values}
    assert items >= UNPLACEABLE and "Vehicle registration plate" in items


def test_same_bytes_whatever_the_workers(cli, descriptions, tmp_path):
    path, _ = descriptions
    outputs = []
    for workers in ("1", "2"):
        out = tmp_path / f"w{workers}.yaml"
        args = ("-q", "dataset", "openimages", "--labels", "all", "--descriptions-file", path, "--smart")
        assert cli(*args, "--workers", workers, "-o", out).exit_code == 0
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


@pytest.mark.parametrize(
    "args, words",
    [
        (("--labels", "all", "--parts", "exclude"), "--parts applies to --labels boxable"),
        (("--labels", "all", "--root", "Vehicle"), "--root applies to --labels boxable"),
        (("--labels", "all", "--hierarchy-file", "x.json"), "--hierarchy-file applies to --labels boxable"),
        (("--descriptions-file", "x.csv"), "--descriptions-file applies to --labels all"),
    ],
)
def test_options_of_the_other_mode_are_refused(cli, tmp_path, args, words):
    out = tmp_path / "out.yaml"
    result = cli("dataset", "openimages", *args, "-o", out)
    assert result.exit_code == 2 and result.stderr.strip() == f"Error: {words}, not --labels " + (
        "all" if "all" in args else "boxable"
    )
    assert not out.exists()
