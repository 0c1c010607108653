"""Full-tree generations from the shared hierarchy file: nothing lost, every key explained."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from ruamel.yaml import YAML
from tencent_reference import HIERARCHY, flatten_yaml, leaves_below, read_input, read_output, subtree

from wildcards_gen.sanitize import clean_item, clean_key
from wildcards_gen.writer import one_line

ANIMAL = "n00015388"


@pytest.fixture(scope="module")
def source(shared_data):
    return shared_data / HIERARCHY


@pytest.fixture(scope="module")
def reference(source):
    return read_input(source)


@pytest.fixture(scope="module")
def generate(source, tmp_path_factory):
    """Run the real CLI once per argument set; module-scoped because a full tree takes seconds."""
    from click.testing import CliRunner

    from wildcards_gen.cli import create_cli

    done = {}

    def run(*args, suffix=".yaml"):
        key = (args, suffix)
        if key not in done:
            folder = tmp_path_factory.mktemp("tencent")
            out, stats = folder / f"out{suffix}", folder / "stats.json"
            argv = [
                "-q",
                "dataset",
                "tencent",
                "--hierarchy-file",
                str(source),
                "-o",
                str(out),
                "--stats",
                str(stats),
                *map(str, args),
            ]
            result = CliRunner().invoke(create_cli(), argv, catch_exceptions=False)
            assert result.exit_code == 0, result.output
            done[key] = (out.read_text(encoding="utf-8"), json.loads(stats.read_text()))
        return done[key]

    return run


def check_tree(text, report, roots, depth, wn):
    """The acceptance checks of issue 4 for one output, against the input read independently."""
    keys, lists = read_output(text)
    loaded = YAML(typ="safe").load(text)
    assert flatten_yaml(loaded) == lists, "line reader and YAML loader disagree"

    # 1. the set of leaf names under the roots equals the set of all items
    expected_items = {clean_item(leaf.name) for root in roots for leaf in leaves_below(root)}
    all_items = {item for items in lists.values() for item in items}
    assert all_items == expected_items

    # 2. every category with children at a level <= depth is a key, with its gloss as instruction
    below_key = {}
    for k in keys:
        below_key.setdefault(k[:-1], set()).add(k[-1])
    renamed = {e["id"]: e["renamed_to"] for e in report["events"].get("name_collision", [])}
    limit = depth or 10**6
    expected_collisions = 0
    non_leaf_keys = 0

    def key_of(cat):
        return renamed.get(cat.wnid, clean_key(cat.name))

    def check(cat, path, level):
        nonlocal expected_collisions, non_leaf_keys
        here = path + (key_of(cat),)
        assert here in keys, f"category {cat.wnid} {cat.name!r} missing at {'/'.join(here)}"
        assert keys[here] == one_line(wn.synset(cat.wnid).gloss), f"wrong instruction for {here}"
        non_leaf_keys += 1
        if level == limit:
            below = sorted({clean_item(leaf.name) for leaf in leaves_below(cat)}, key=lambda s: (s.casefold(), s))
            assert lists[here] == below, f"flattened list of {'/'.join(here)}"
            assert here not in below_key
            return
        branches = [c for c in cat.children if c.children]
        leaves = sorted({clean_item(c.name) for c in cat.children if not c.children}, key=lambda s: (s.casefold(), s))
        counts = Counter(clean_key(c.name).casefold() for c in branches)
        expected_collisions += sum(n - 1 for n in counts.values())
        sub_keys = below_key.get(here, set())
        wanted = {key_of(c) for c in branches}
        assert len(wanted) == len(branches), f"two sub-categories share a key under {'/'.join(here)}"
        if branches and leaves:
            other = clean_key(f"other_{key_of(cat)}")
            wanted.add(other)
            assert lists[here + (other,)] == leaves
        elif leaves:
            assert lists[here] == leaves
        assert sub_keys == wanted, f"keys under {'/'.join(here)}"
        for child in branches:
            check(child, here, level + 1)

    for root in roots:
        check(root, (), 1)
    assert {k[0] for k in keys} == {key_of(r) for r in roots}
    assert len(renamed) == expected_collisions
    for event in report["events"].get("name_collision", []):
        assert event["renamed_to"] != event["name"]

    # 3. the run report's counts
    counts = report["counts"]
    assert counts["input.nodes"] == sum(1 for r in roots for _ in subtree(r))
    assert counts["input.leaf_names"] == len({leaf.name for r in roots for leaf in leaves_below(r)})
    assert counts["output.categories"] == len(keys)
    assert counts["output.items"] == sum(len(v) for v in lists.values())
    assert counts["glosses.found"] == non_leaf_keys
    assert counts.get("glosses.missing", 0) == 0
    return keys, lists


@pytest.mark.parametrize("depth", [1, 2, 4, None], ids=["depth1", "depth2", "depth4", "unlimited"])
def test_no_data_loss(generate, reference, wn, depth):
    cats, roots = reference
    args = ("--depth", depth) if depth else ()
    text, report = generate(*args)
    keys, _ = check_tree(text, report, roots, depth, wn)
    assert report["counts"]["input.file_categories"] == len(cats) == 11166
    assert report["counts"]["input.roots"] == 4
    if depth:
        assert max(len(k) for k in keys) <= depth
    else:  # the whole tree: every non-leaf category in the file is a key
        assert report["counts"]["glosses.found"] == sum(1 for c in cats.values() if c.children)


def test_collisions_keep_both_categories(generate, reference):
    """Sibling categories sharing a display name (two `land` under `object`) both survive, renamed and reported."""
    _, roots = reference
    text, report = generate()
    keys, _ = read_output(text)
    events = report["events"]["name_collision"]
    assert events and all(e["renamed_to"] for e in events)
    land = [e for e in events if e["path"] == "object" and e["name"] == "land"]
    assert len(land) == 1 and ("object", "land") in keys and ("object", land[0]["renamed_to"]) in keys
    # every group of same-named siblings, keys or items, is listed in the report
    expected = []
    for cat in (c for r in roots for c in subtree(r)):
        groups = {}
        for child in cat.children:
            groups.setdefault(child.name.casefold(), []).append(child.wnid)
        expected += [(cat.wnid, ids) for ids in groups.values() if len(ids) > 1]
    listed = [(e["parent"], e["ids"]) for e in report["events"]["shared_display_name"]]
    assert sorted(listed) == sorted(expected) and len(expected) > 100


def test_jsonl_has_the_same_items(generate, reference):
    _, roots = reference
    text, _ = generate("--depth", 2, suffix=".jsonl")
    rows = [json.loads(line) for line in text.splitlines()]
    assert {r["item"] for r in rows} == {clean_item(leaf.name) for r in roots for leaf in leaves_below(r)}
    assert all(1 <= len(r["path"]) <= 3 for r in rows)  # 2 levels + a possible other_ key
    yaml_text, _ = generate("--depth", 2)
    _, lists = read_output(yaml_text)
    assert sorted((tuple(r["path"]), r["item"]) for r in rows) == sorted(
        (p, i) for p, items in lists.items() for i in items
    )


def test_header_attributes_the_data(generate):
    text, _ = generate("--depth", 1)
    header = [line for line in text.splitlines() if line.startswith("#")]
    joined = "\n".join(header)
    assert "Tencent ML-Images" in joined and "CC BY 4.0" in joined and "WordNet 3.0" in joined
    assert "https://github.com/Tencent/tencent-ml-images" in joined
    assert text.startswith("#")


def test_root_by_wnid_gives_the_animal_subtree(generate, reference, wn):
    cats, _ = reference
    animal = next(c for c in cats.values() if c.wnid == ANIMAL)
    text, report = generate("--root", ANIMAL)
    keys, _ = check_tree(text, report, [animal], None, wn)
    assert {k[0] for k in keys} == {"animal"}
    assert report["counts"]["input.roots"] == 1


def test_root_by_name_equals_root_by_wnid(generate):
    by_id, _ = generate("--root", ANIMAL, "--depth", 3)
    by_name, _ = generate("--root", "Animal", "--depth", 3)
    assert by_name == by_id


def test_root_by_synonym_and_several_roots(generate, reference, wn):
    cats, roots = reference
    # "physical object" is only a synonym (of "object"); "matter" a display name
    assert not [c for c in cats.values() if c.name == "physical object"]
    text, report = generate("--root", "physical object", "--root", "matter", "--depth", 2)
    chosen = [next(c for c in roots if c.name == "object"), next(c for c in roots if c.name == "matter")]
    check_tree(text, report, chosen, 2, wn)


def test_ambiguous_root_name_lists_candidates(cli, source, reference, tmp_path):
    cats, _ = reference
    by_name = Counter(c.name for c in cats.values())
    name = "land"
    assert by_name[name] == 2
    out = tmp_path / "out.yaml"
    result = cli("dataset", "tencent", "--hierarchy-file", source, "--root", name, "-o", out)
    assert result.exit_code != 0
    for cat in cats.values():
        if cat.name == name:
            assert cat.wnid in result.stderr
    assert "ambiguous" in result.stderr and "Traceback" not in result.output
    assert not out.exists()


@pytest.mark.parametrize("root", ["n99999999", "no such category here", "n0001538"])
def test_unknown_root_is_a_usage_error(cli, source, tmp_path, root):
    out = tmp_path / "out.yaml"
    result = cli("dataset", "tencent", "--hierarchy-file", source, "--root", root, "-o", out)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("Error: ") and root in result.stderr
    assert not out.exists()


def test_output_is_deterministic(generate, source, tmp_path, cli):
    first, _ = generate("--depth", 4)
    out = tmp_path / "again.yaml"
    result = cli("-q", "dataset", "tencent", "--hierarchy-file", source, "--depth", 4, "--workers", 1, "-o", out)
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == first


@pytest.mark.parametrize("preset", ["balanced", "compact", "flat"])
def test_smart_presets_keep_every_leaf(generate, reference, preset):
    """The dataset's own presets drive smart shaping; no leaf name is dropped by any of them."""
    _, roots = reference
    text, report = generate("--smart", "--preset", preset)
    _, lists = read_output(text)
    assert {i for items in lists.values() for i in items} == {
        clean_item(l.name) for r in roots for l in leaves_below(r)
    }
    _full_text, full_report = generate()
    assert report["counts"]["output.categories"] < full_report["counts"]["output.categories"]
    skipped = {e["name"] for e in report["events"].get("skipped_node", [])}
    assert {"object", "whole", "organism", "placental"} <= skipped


def test_dynamic_prompts_exposes_every_list(generate, tmp_path):
    """The full tree loads in the real Dynamic Prompts: one wildcard per leaf list, same values."""
    from pathlib import Path

    from dynamicprompts.wildcards import WildcardManager

    text, _ = generate()
    (tmp_path / "tencent.yaml").write_text(text, encoding="utf-8")
    manager = WildcardManager(Path(tmp_path))
    _, lists = read_output(text)
    assert set(manager.get_collection_names()) == {"/".join(p) for p in lists}
    for path, items in lists.items():
        assert sorted(manager.get_values("/".join(path))) == sorted(items)


def test_wordnet_synset_outside_the_file_points_to_its_ancestor(cli, source, reference, wn, tmp_path):
    cats, _ = reference
    in_file = {c.wnid for c in cats.values()}
    bird = next(c for c in cats.values() if c.name == "bird")
    outside = next(h for h in wn.synset(bird.wnid).hyponyms if h not in in_file)
    result = cli("dataset", "tencent", "--hierarchy-file", source, "--root", outside, "-o", tmp_path / "o.yaml")
    assert result.exit_code == 2
    assert outside in result.stderr and f"closest ancestor here: {bird.wnid} bird" in result.stderr


def test_root_name_with_underscores(generate):
    by_name, _ = generate("--root", "Musical_Instrument", "--depth", 2)
    assert by_name.count("\nmusical instrument: # instruction:") == 1
