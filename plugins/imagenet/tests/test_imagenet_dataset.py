"""The imagenet dataset through the real CLI, real WordNet and the reference class lists."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from imagenet_helpers import item_names, keys_and_items, load_yaml, names, raw_nodes, read_jsonl, walk_plugin

from wildcards_gen.sanitize import clean_item, clean_key

BIN = Path(sys.executable).parent
DOG = "n02084071"


def gen(cli, tmp_path, *args, name="out.yaml"):
    out = tmp_path / name
    result = cli("dataset", "imagenet", *args, "-o", out)
    assert result.exit_code == 0, result.output
    return out, result


def closure(wn, classes) -> set:
    out = set(classes)
    for c in classes:
        out |= wn.ancestors(c)
    return out


def assert_clean_failure(result, out: Path, *fragments):
    assert result.exit_code != 0
    lines = [l for l in result.stderr.splitlines() if l.startswith("Error:")]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert not out.exists()


# -- root forms -----------------------------------------------------------------


def test_root_forms_give_the_same_bytes(cli, tmp_path, wn):
    outs = {}
    for form in (DOG, "dog.n.01", "dog"):
        out, result = gen(cli, tmp_path, "--root", form, "--depth", "3", name=f"{form}.yaml")
        outs[form] = (out.read_bytes(), result.stderr)
    assert outs[DOG][0] == outs["dog.n.01"][0] == outs["dog"][0]
    assert b"dog: # instruction: a member of the genus Canis" in outs[DOG][0]
    # a plain lemma with several noun senses says which one it took and names the others
    notice = outs["dog"][1]
    assert "dog: using dog.n.01" in notice
    for other in wn.senses("dog")[1:]:
        assert other.name in notice
    assert "using" not in outs[DOG][1] and "using" not in outs["dog.n.01"][1]


@pytest.mark.parametrize(
    "root, fragments",
    [
        ("xyzzyplugh", ["'xyzzyplugh' is not a WordNet noun"]),
        ("poodel", ["did you mean", "poodle"]),
        ("quickly", ["'quickly' is not a WordNet noun"]),
        ("run.v.01", ["run.v.01"]),
        ("n99999999", ["'n99999999' is not a WordNet 3.0 noun synset"]),
    ],
)
def test_bad_root_fails_cleanly(cli, tmp_path, root, fragments, wn):
    out = tmp_path / "out.yaml"
    result = cli("dataset", "imagenet", "--root", root, "-o", out)
    assert_clean_failure(result, out, *fragments)


@pytest.mark.parametrize("option", ["--root", "--exclude-subtree"])
@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_synset_is_a_usage_error_not_the_whole_tree(cli, tmp_path, option, value):
    out = tmp_path / "out.yaml"
    result = cli("dataset", "imagenet", option, value, "--depth", "1", "-o", out)
    assert result.exit_code == 2
    assert_clean_failure(result, out, f"Invalid value for '{option}': is empty")


def test_default_root_is_entity(seeded_cache, cli, tmp_path):
    out, _ = gen(cli, tmp_path, "--filter", "1k", "--depth", "1")
    data = load_yaml(out)
    assert list(data) == ["entity"]
    assert isinstance(data["entity"], list)


# -- the 1k filter: every class present, nothing outside the closure ---------------------


@pytest.fixture(scope="module")
def entity_1k(seeded_cache, tmp_path_factory, class_sets, wn):
    from click.testing import CliRunner

    from wildcards_gen.cli import create_cli

    folder = tmp_path_factory.mktemp("entity1k")
    out, stats = folder / "entity-1k.yaml", folder / "stats.json"
    result = CliRunner().invoke(
        create_cli(),
        [
            "dataset",
            "imagenet",
            "--root",
            "entity.n.01",
            "--filter",
            "1k",
            "--depth",
            "3",
            "-o",
            str(out),
            "--stats",
            str(stats),
        ],
    )
    assert result.exit_code == 0, result.output
    raw, _run = walk_plugin({"root": "entity.n.01", "filter": "1k"})
    return out, json.loads(stats.read_text()), raw


def test_1k_every_class_appears_by_name(entity_1k, class_sets, wn):
    out, _, _ = entity_1k
    present = names(load_yaml(out))
    missing = [
        (w, wn.synset(w).lemmas[0])
        for w in class_sets["1k"]
        if clean_item(wn.synset(w).lemmas[0]) not in present and clean_key(wn.synset(w).lemmas[0]) not in present
    ]
    assert not missing


def test_1k_every_class_appears_by_wnid_and_nothing_outside_the_closure(entity_1k, class_sets, wn):
    _, _, raw = entity_1k
    synsets = {r.node.synset for r in raw_nodes(raw)}
    assert class_sets["1k"] <= synsets
    assert synsets <= closure(wn, class_sets["1k"])
    # 1k classes are never ancestors of one another, so every class is a leaf of the walk
    leaves = {r.node.synset for r in raw_nodes(raw) if not r.children}
    assert leaves == class_sets["1k"]


def test_1k_names_all_come_from_the_closure(entity_1k, class_sets, wn):
    out, _, _ = entity_1k
    keys, items = keys_and_items(load_yaml(out))
    allowed = set()
    for w in closure(wn, class_sets["1k"]):
        for lemma in wn.synset(w).lemmas:
            allowed |= {clean_item(lemma), clean_key(lemma)}
    bad_items = {i for _, i in items} - allowed
    bad_keys = {k[-1] for k in keys if not k[-1].startswith("other_")} - allowed
    assert not bad_items and not bad_keys
    assert max(len(k) for k in keys) <= 3


def test_1k_gloss_on_every_key(entity_1k):
    out, stats, _ = entity_1k
    text = out.read_text()
    keys, _ = keys_and_items(load_yaml(out))
    assert text.count("# instruction:") == len(keys) == stats["counts"]["output.categories"]
    for line in text.splitlines():
        if line.rstrip().endswith(":") or ": #" in line:
            assert re.search(r": # instruction: \S", line), line


def test_no_glosses(cli, tmp_path):
    out, _ = gen(cli, tmp_path, "--root", DOG, "--depth", "2", "--no-glosses")
    assert "# instruction:" not in out.read_text()
    assert load_yaml(out)["dog"]


# -- bigger filters: the class itself survives as an item -------------------------------


def test_12k_class_with_subclasses_keeps_its_own_name(seeded_cache, cli, tmp_path, class_sets, wn):
    assert DOG in class_sets["12k"]  # dog is a 12k class and so are many breeds below it
    out, _ = gen(cli, tmp_path, "--root", DOG, "--filter", "12k", "--depth", "1")
    items = load_yaml(out)["dog"]
    assert "dog" in items
    # every item is a 12k class below dog (or dog itself): nothing else is listed
    below = {w for w in class_sets["12k"] if wn.is_below(w, DOG)}
    assert set(items) == {wn.synset(w).lemmas[0] for w in below}


def test_21k_with_class_list_equals_filter(seeded_cache, cli, tmp_path, shared_data):
    a, _ = gen(cli, tmp_path, "--root", "vegetable.n.01", "--filter", "21k", name="a.yaml")
    b, _ = gen(
        cli,
        tmp_path,
        "--root",
        "vegetable.n.01",
        "--class-list",
        shared_data / "imagenet" / "imagenet21k_goog_synsets.txt",
        name="b.yaml",
    )
    assert a.read_bytes() == b.read_bytes()


def test_root_outside_the_filter_is_an_error(seeded_cache, cli, tmp_path):
    out = tmp_path / "out.yaml"
    result = cli("dataset", "imagenet", "--root", "emotion.n.01", "--filter", "1k", "-o", out)
    assert_clean_failure(result, out, "ImageNet-1k", "emotion")


# -- class lists ------------------------------------------------------------------


def test_class_list_with_comments(cli, tmp_path, wn):
    beagle, poodle, sun = wn.synset("beagle.n.01"), wn.synset("poodle.n.01"), wn.synset("sun.n.01")
    listing = tmp_path / "classes.txt"
    listing.write_text(f"# my classes\n\n{beagle.wnid}\n  {poodle.wnid}  # a comment\n{sun.wnid}\n")
    out, _ = gen(cli, tmp_path, "--class-list", listing, "--format", "jsonl", name="out.jsonl")
    rows = read_jsonl(out)
    assert {r["item"] for r in rows} == {"beagle", "poodle", "sun"}
    # an instance hyponym (the Sun is an instance of star) is kept when it is a class
    sun_row = next(r for r in rows if r["item"] == "sun")
    assert sun_row["path"][-1] == "star"
    # dog has two parents (canine, domestic animal): the classes appear under both
    assert {r["path"][-4] for r in rows if r["item"] == "beagle"} == {"canine", "domestic animal"}
    # without a filter, instance hyponyms are not children
    raw, _ = walk_plugin({"root": "star.n.01"})
    walked = [r.node.synset for r in raw_nodes(raw)]
    assert len(walked) > 10 and sun.wnid not in walked
    assert not [w for w in walked if wn.synset(w).instance_hypernyms]
    assert wn.synset("star.n.01").instance_hyponyms  # there were some to leave out


@pytest.mark.parametrize(
    "content, fragment",
    [
        ("n02084071\n# fine\nn0208407\n", ":3:"),
        ("n02084071\ndog\n", ":2:"),
        ("\n\nn99999999\n", ":3:"),
        ("# nothing\n\n", "no WNIDs"),
    ],
)
def test_bad_class_list(cli, tmp_path, content, fragment, wn):
    listing = tmp_path / "classes.txt"
    listing.write_text(content)
    out = tmp_path / "out.yaml"
    result = cli("dataset", "imagenet", "--class-list", listing, "-o", out)
    assert_clean_failure(result, out, fragment)
    if fragment.startswith(":"):
        assert f"{listing}{fragment}" in result.stderr


def test_class_list_with_a_bom_reads_like_one_without(cli, tmp_path, wn):
    """Issue 16, finding 8: Windows editors start UTF-8 files with a BOM; Tencent's reader took it, this one refused it."""
    beagle, poodle = wn.synset("beagle.n.01"), wn.synset("poodle.n.01")
    plain, bom = tmp_path / "plain.txt", tmp_path / "bom.txt"
    plain.write_bytes(f"{beagle.wnid}\r\n{poodle.wnid}\r\n".encode())
    bom.write_bytes(b"\xef\xbb\xbf" + plain.read_bytes())
    a, _ = gen(cli, tmp_path, "--class-list", plain, name="a.yaml")
    b, _ = gen(cli, tmp_path, "--class-list", bom, name="b.yaml")
    assert a.read_bytes() == b.read_bytes() and "beagle" in a.read_text()


@pytest.mark.parametrize("wnid", ["n0208407\u0661", "n\uff10\uff12\uff10\uff18\uff14\uff10\uff17\uff11"])
def test_class_list_wnids_have_ascii_digits(cli, tmp_path, wnid, wn):
    """int() reads other scripts' digits: 'n0208407\u0661' must not become dog's n02084071."""
    listing = tmp_path / "classes.txt"
    listing.write_text(f"n02121620\n{wnid}\n", encoding="utf-8")
    out = tmp_path / "out.yaml"
    result = cli("dataset", "imagenet", "--class-list", listing, "-o", out)
    assert_clean_failure(result, out, f"{listing}:2:")
    assert wn.synset(wnid) is None


def test_class_list_missing_file_and_conflict(seeded_cache, cli, tmp_path, wn):
    out = tmp_path / "out.yaml"
    result = cli("dataset", "imagenet", "--class-list", tmp_path / "nope.txt", "-o", out)
    assert_clean_failure(result, out, "nope.txt")
    listing = tmp_path / "classes.txt"
    listing.write_text(DOG + "\n")
    result = cli("dataset", "imagenet", "--class-list", listing, "--filter", "1k", "-o", out)
    assert_clean_failure(result, out, "--class-list", "--filter 1k")


# -- strict ---------------------------------------------------------------------


def test_strict_elides_ambiguous_names_and_keeps_every_item(cli, tmp_path, wn):
    loose, _ = gen(cli, tmp_path, "--root", "carnivore.n.01", "--no-strict", "--format", "jsonl", name="l.jsonl")
    stats = tmp_path / "strict.json"
    strict, _ = gen(
        cli, tmp_path, "--root", "carnivore.n.01", "--strict", "--format", "jsonl", "--stats", stats, name="s.jsonl"
    )
    loose_rows, strict_rows = read_jsonl(loose), read_jsonl(strict)
    # canine (primary sense: the tooth) is a key without --strict, gone with it
    assert any("canine" in r["path"] for r in loose_rows)
    assert not any("canine" in r["path"] for r in strict_rows)
    # no item is lost: the same leaf names, only moved up
    assert {r["item"] for r in loose_rows} == {r["item"] for r in strict_rows}
    events = json.loads(stats.read_text())["events"]["strict_skipped"]
    canine = wn.synset("canine.n.02")
    hit = [e for e in events if e["id"] == canine.wnid]
    assert hit and hit[0]["name"] == "canine" and hit[0]["primary"] == "canine.n.01"
    under_canine = {r["item"] for r in loose_rows if "canine" in r["path"]}
    assert hit[0]["items_below"] >= len(under_canine) > 100
    # every skipped synset really has a different primary sense, and none is a key any more
    strict_keys = {p for r in strict_rows for p in r["path"]}
    for e in events:
        assert wn.primary(e["name"]).wnid != e["id"]
    assert "canine" not in strict_keys
    # the root itself is never skipped
    out, _ = gen(cli, tmp_path, "--root", "canine.n.02", "--strict", "--depth", "1", name="root.yaml")
    assert list(load_yaml(out)) == ["canine"]


def test_strict_keeps_person_and_what_was_below_whole(seeded_cache, cli, tmp_path):
    """A prior tool's strict mode lost person, location and most of whole from an entity tree."""
    args = ("--root", "object.n.01", "--filter", "21k", "--depth", "2", "--format", "jsonl")
    loose = read_jsonl(gen(cli, tmp_path, *args, name="loose.jsonl")[0])
    strict = read_jsonl(gen(cli, tmp_path, *args, "--strict", name="strict.jsonl")[0])
    loose_keys = {r["path"][1] for r in loose if len(r["path"]) > 1}
    strict_keys = {r["path"][1] for r in strict if len(r["path"]) > 1}
    assert "whole" in loose_keys and "whole" not in strict_keys  # whole.n.01 is "all of something"
    assert {"artifact", "living thing", "location"} <= strict_keys
    assert {r["item"] for r in loose} == {r["item"] for r in strict}
    rows = read_jsonl(
        gen(
            cli,
            tmp_path,
            "--root",
            "organism.n.01",
            "--filter",
            "21k",
            "--depth",
            "2",
            "--strict",
            "--format",
            "jsonl",
            name="person.jsonl",
        )[0]
    )
    assert "person" in {r["path"][1] for r in rows if len(r["path"]) > 1}


# -- exclusions -------------------------------------------------------------------


def test_exclude_regex(cli, tmp_path):
    stats = tmp_path / "stats.json"
    out, _ = gen(cli, tmp_path, "--root", DOG, "--exclude-regex", "HOUND", "--exclude-regex", "^pug$", "--stats", stats)
    data = load_yaml(out)
    present = names(data)
    assert not [n for n in present if "hound" in n.lower()]
    assert "pug" not in present
    assert "beagle" not in present  # only below hound: gone with its subtree
    events = json.loads(stats.read_text())["events"]["removed_excluded"]
    hound = next(e for e in events if e["name"] == "hound")
    assert hound["reason"] == "--exclude-regex HOUND" and hound["items_removed"] > 20
    assert any(e["name"] == "pug" and e["items_removed"] == 1 for e in events)


def test_bad_regex(cli, tmp_path):
    out = tmp_path / "out.yaml"
    result = cli(
        "dataset", "imagenet", "--root", DOG, "--exclude-regex", "ok", "--exclude-regex", "(unclosed", "-o", out
    )
    assert_clean_failure(result, out, "'(unclosed'", "does not compile")


def test_exclude_subtree_forms(cli, tmp_path, wn):
    outs = []
    for form in ("hunting_dog.n.01", wn.synset("hunting_dog.n.01").wnid, "hunting dog"):
        stats = tmp_path / "stats.json"
        out, _ = gen(
            cli, tmp_path, "--root", DOG, "--exclude-subtree", form, "--stats", stats, name=f"{len(outs)}.yaml"
        )
        outs.append(out.read_bytes())
        events = json.loads(stats.read_text())["events"]["removed_excluded"]
        assert [e["synset"] for e in events] == ["hunting_dog.n.01"]
        assert events[0]["items_removed"] > 50
    assert outs[0] == outs[1] == outs[2]
    present = names(load_yaml(tmp_path / "0.yaml"))
    assert "hunting dog" not in present and "beagle" not in present and "corgi" in present


def test_exclude_subtree_of_the_root_is_an_error(cli, tmp_path):
    out = tmp_path / "out.yaml"
    result = cli("dataset", "imagenet", "--root", DOG, "--exclude-subtree", "canine.n.02", "-o", out)
    assert_clean_failure(result, out, "would remove the root")
    result = cli("dataset", "imagenet", "--root", DOG, "--exclude-subtree", "nosuchthingy", "-o", out)
    assert_clean_failure(result, out, "nosuchthingy")


def test_blacklist_abstract(seeded_cache, cli, tmp_path, class_sets, wn):
    stats = tmp_path / "stats.json"
    out, _ = gen(cli, tmp_path, "--filter", "1k", "--depth", "2", "--blacklist-abstract", "--stats", stats)
    keep, _ = gen(cli, tmp_path, "--filter", "1k", "--depth", "2", name="keep.yaml")
    assert "abstraction" in load_yaml(keep)["entity"]
    assert "abstraction" not in load_yaml(out)["entity"]
    events = json.loads(stats.read_text())["events"]["removed_excluded"]
    assert [e["synset"] for e in events] == ["abstraction.n.06"]
    abstract_classes = {w for w in class_sets["1k"] if wn.is_below(w, wn.synset("abstraction.n.06").wnid)}
    assert abstract_classes and events[0]["items_removed"] >= len(abstract_classes)
    # with a filter, a category whose whole subtree was excluded disappears instead of becoming an item
    canine = wn.synset("canine.n.02")
    in_closure = closure(wn, class_sets["1k"])
    kids = [wn.synset(h).lemmas[0] for h in canine.hyponyms if h in in_closure]
    assert len(kids) >= 3
    patterns = [a for k in kids for a in ("--exclude-regex", f"^{re.escape(k)}$")]
    out2, _ = gen(cli, tmp_path, "--filter", "1k", "--root", "carnivore.n.01", *patterns, name="canine.yaml")
    present = names(load_yaml(out2))
    assert "canine" not in present and not set(kids) & present and "feline" in present


# -- depth and multiple inheritance --------------------------------------------------


def test_depth_one_lists_every_leaf(cli, tmp_path):
    out, _ = gen(cli, tmp_path, "--root", DOG, "--depth", "1")
    full, _ = gen(cli, tmp_path, "--root", DOG, name="full.yaml")
    data = load_yaml(out)
    assert list(data) == ["dog"] and isinstance(data["dog"], list)
    assert set(data["dog"]) == item_names(load_yaml(full))


def test_multiple_inheritance_appears_under_both_parents(cli, tmp_path, wn):
    root = wn.synset("vegetable.n.01")
    below, stack = {root.wnid}, [root.wnid]
    while stack:
        for h in wn.synset(stack.pop()).hyponyms:
            if h not in below:
                below.add(h)
                stack.append(h)
    shared = [
        w for w in below if not wn.synset(w).hyponyms and len([p for p in wn.synset(w).hypernyms if p in below]) >= 2
    ]
    assert shared  # radish: root vegetable and cruciferous vegetable
    out, _ = gen(cli, tmp_path, "--root", root.name, "--format", "jsonl", name="veg.jsonl")
    rows = read_jsonl(out)
    for w in shared:
        synset = wn.synset(w)
        parents = {wn.synset(p).lemmas[0] for p in synset.hypernyms if p in below}
        lists = {r["path"][-1] for r in rows if r["item"] == synset.lemmas[0]}
        assert parents <= {l.removeprefix("other_") for l in lists}, (synset.name, parents, lists)


# -- threads, subprocess, smart -----------------------------------------------------


def test_same_bytes_with_one_or_many_workers(seeded_cache, cli, tmp_path):
    args = ("--root", "mammal.n.01", "--filter", "21k", "--strict", "--exclude-regex", "^bat$", "--depth", "4")
    one, _ = gen(cli, tmp_path, *args, "--workers", "1", name="one.yaml")
    many, _ = gen(cli, tmp_path, *args, "--workers", "8", name="many.yaml")
    assert one.read_bytes() == many.read_bytes()


def test_installed_console_script(seeded_cache, cli, tmp_path):
    out = tmp_path / "sub.yaml"
    env = dict(os.environ, PYTHONHASHSEED="123")
    proc = subprocess.run(
        [str(BIN / "wildcards-gen"), "-q", "dataset", "imagenet", "--root", "dog", "--filter", "1k", "-o", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "dog: using dog.n.01" not in proc.stderr  # -q: only errors
    inproc, _ = gen(cli, tmp_path, "--root", DOG, "--filter", "1k", name="in.yaml")
    assert out.read_bytes() == inproc.read_bytes()
    # the 118 dog breeds of ImageNet-1k, all there
    assert len(item_names(load_yaml(out))) >= 110
    proc = subprocess.run(
        [str(BIN / "wildcards-gen"), "plugins", "--json"], capture_output=True, text=True, timeout=120
    )
    described = {p["name"]: p for p in json.loads(proc.stdout)["plugins"]}
    assert described["imagenet"]["distribution"] == "wildcards-gen-imagenet"
    assert described["imagenet"]["datasets"] == ["imagenet"]
    assert {"register_datasets", "iter_children"} <= set(described["imagenet"]["hooks"])


def test_other_datasets_are_not_answered(wn):
    from wildcards_gen import Node
    from wildcards_gen_imagenet import plugin

    assert plugin.iter_children(dataset="tencent", node=Node(DOG, "dog"), run=None) is None


def test_smart_root_forms(cli, tmp_path):
    pytest.importorskip("wildcards_gen.shaping")
    outs = [
        gen(cli, tmp_path, "--smart", "--root", form, name=f"s{i}.yaml")[0].read_bytes()
        for i, form in enumerate((DOG, "dog.n.01", "dog"))
    ]
    assert outs[0] == outs[1] == outs[2]
    assert b"hunting dog: # instruction:" in outs[0]
