"""Smart shaping on a throwaway WordNet-hyponym dataset: options, config files, preview, analyze.

The dataset (tests/shaping_support.py) is registered like any plugin; shaping
never knows which plugin produced the tree.
"""

from __future__ import annotations

import re

import pytest
from shaping_support import (
    NAME,
    WordNetHyponyms,
    accounted,
    count_categories,
    invariant_violations,
    load_yaml_tree,
    options_for,
    raw_leaf_names,
    shaped,
    walk,
)

from wildcards_gen import shaping

HUNTING_DOG = "n02087122"


@pytest.fixture(scope="module")
def wn_dataset():
    from wildcards_gen.plugins import get_registry

    registry = get_registry()
    registry.register(WordNetHyponyms(), name="shaping-test")
    yield registry.datasets[NAME]
    registry.unregister("shaping-test")


@pytest.fixture(scope="module")
def dog_tree(wn_dataset):
    return walk(NAME, "--wn-root", "dog.n.01")


@pytest.fixture(scope="module")
def carnivore_tree(wn_dataset):
    return walk(NAME, "--wn-root", "carnivore.n.01")


def paths_of(categories) -> dict:
    out = {}

    def visit(cat, prefix):
        here = f"{prefix}/{cat.name}" if prefix else cat.name
        out[here] = cat
        for child in cat.children:
            visit(child, here)

    for root in categories:
        visit(root, "")
    return out


@pytest.mark.parametrize("preset", list(shaping.PRESETS))
def test_every_preset_keeps_every_item_and_the_invariants(carnivore_tree, preset):
    dataset, raw = carnivore_tree
    categories, run = shaped(dataset, raw, "--smart", "--preset", preset)
    expected, got = accounted(raw, categories, run)
    assert expected == got
    min_leaf = shaping.resolve_settings(run.options, dataset).min_leaf
    assert invariant_violations(categories, min_leaf) == []


def test_presets_are_monotone(carnivore_tree):
    dataset, raw = carnivore_tree
    counts = [count_categories(shaped(dataset, raw, "--smart", "--preset", p)[0]) for p in shaping.PRESETS]
    assert counts == sorted(counts, reverse=True)
    assert counts[0] > counts[-1]


def test_explicit_flags_beat_the_preset_and_dataset_overrides_apply(carnivore_tree):
    dataset, raw = carnivore_tree
    # the test dataset overrides balanced's min-hyponyms with 40
    assert shaping.resolve_settings(options_for(dataset, "--smart"), dataset).min_hyponyms == 40
    assert shaping.resolve_settings(options_for(dataset, "--smart", "--min-hyponyms", 7), dataset).min_hyponyms == 7
    flat, _ = shaped(dataset, raw, "--smart", "--preset", "flat")
    finer, run = shaped(dataset, raw, "--smart", "--preset", "flat", "--min-hyponyms", 5, "--min-leaf", 1)
    assert count_categories(finer) > count_categories(flat)
    assert run.stats.counters["shaping.orphans_merged"] == 0  # min-leaf 1: nothing is short


def test_descendant_counts_match_a_naive_count(carnivore_tree):
    _, raw = carnivore_tree

    def naive(node):
        return sum(1 + naive(c) for c in node.children)

    by_id = shaping.descendant_counts(raw)  # memoised per node id
    by_object = shaping.descendant_counts(raw, key=id)
    stack, seen = list(raw), 0
    while stack:
        node = stack.pop()
        seen += 1
        assert by_id[node.node.id] == by_object[id(node)] == naive(node)
        stack.extend(node.children)
    assert len(by_object) == seen


def test_depth_still_applies_with_smart(carnivore_tree):
    dataset, raw = carnivore_tree
    categories, run = shaped(dataset, raw, "--smart", "--preset", "detailed", "--depth", 2)

    def levels(cat):
        return 1 + max((levels(c) for c in cat.children), default=0)

    assert max(levels(c) for c in categories) <= 2
    assert invariant_violations(categories, shaping.PRESETS["detailed"]["min_leaf"]) == []
    deeper, _ = shaped(dataset, raw, "--smart", "--preset", "detailed")
    assert max(levels(c) for c in deeper) > 2
    expected, got = accounted(raw, categories, run)
    assert expected == got


def test_skip_nodes_default_explicit_and_none(dog_tree):
    dataset, raw = dog_tree
    default, run = shaped(dataset, raw, "--smart")
    names = {c.name for root in default for c in root.walk()}
    assert "working dog" not in names  # the dataset's default skip node
    assert [e["name"] for e in run.stats.events["skipped_node"]] == ["working dog"]

    none, _ = shaped(dataset, raw, "--smart", "--skip-nodes", "")
    assert "working dog" in {c.name for c in none[0].children}

    before = paths_of(default)
    hunting_children = [p.split("/")[-1] for p in before if p.startswith("dog/hunting dog/") and p.count("/") == 2]
    assert hunting_children
    skipped, run = shaped(dataset, raw, "--smart", "--skip-nodes", HUNTING_DOG, "--skip-nodes", "Working Dog")
    after = paths_of(skipped)
    assert not any("hunting dog" in p for p in after)
    for child in hunting_children:
        if not child.startswith("other_"):
            assert f"dog/{child}" in after
    expected, got = accounted(raw, skipped, run)
    assert expected == got


def test_orphans_label_template(carnivore_tree, cli, tmp_path):
    dataset, raw = carnivore_tree
    categories, _run = shaped(dataset, raw, "--smart", "--orphans-label-template", "more {}")
    names = {c.name: c for root in categories for c in root.walk()}
    more = [n for n in names if n.startswith("more ")]
    assert more and not any(n.startswith("other_") for n in names)
    parent = next(c for c in names.values() if any(ch.name == more[0] for ch in c.children))
    assert names[more[0]].instruction.startswith(f"Other kinds of {parent.name}:")
    result = cli("dataset", NAME, "--smart", "--orphans-label-template", "other", "-o", tmp_path / "x.yaml")
    assert result.exit_code == 2 and "{}" in result.output
    assert not (tmp_path / "x.yaml").exists()


def test_cli_output_has_instructions_everywhere_and_no_chains(wn_dataset, cli, tmp_path):
    out = tmp_path / "carnivore.yaml"
    result = cli("dataset", NAME, "--wn-root", "carnivore.n.01", "--smart", "--preset", "compact", "-o", out)
    assert result.exit_code == 0, result.output
    categories, missing = load_yaml_tree(out)
    assert missing == []
    assert invariant_violations(categories, shaping.PRESETS["compact"]["min_leaf"]) == []
    again = tmp_path / "again.yaml"
    cli("dataset", NAME, "--wn-root", "carnivore.n.01", "--smart", "--preset", "compact", "-o", again)
    assert out.read_bytes() == again.read_bytes()


# -- --smart-config ---------------------------------------------------------------------


def test_smart_config_applies_to_its_subtree_only(dog_tree, tmp_path):
    dataset, raw = dog_tree
    base = paths_of(shaped(dataset, raw, "--smart", "--skip-nodes", "")[0])
    for key in (HUNTING_DOG, "hunting dog", "hunting_dog.n.01"):
        config = tmp_path / "config.yaml"
        config.write_text(f"# finer hunting dogs\n{key}:\n  preset: ultra-detailed\n  min_leaf: 1\n")
        categories, run = shaped(dataset, raw, "--smart", "--skip-nodes", "", "--smart-config", config)
        after = paths_of(categories)
        inside = lambda ps: {p for p in ps if p.startswith("dog/hunting dog/")}  # noqa: E731
        assert len(inside(after)) > len(inside(base))
        assert set(after) - inside(after) == set(base) - inside(base)
        expected, got = accounted(raw, categories, run)
        assert expected == got


def test_smart_config_skip_entry(dog_tree, tmp_path):
    dataset, raw = dog_tree
    config = tmp_path / "config.yaml"
    config.write_text("hunting dog: {skip: true}\n")
    categories, _ = shaped(dataset, raw, "--smart", "--smart-config", config)
    assert not any("hunting dog" in p for p in paths_of(categories))


BAD_CONFIGS = [
    ("hunting dog:\n  min_leaf: 2\n  colour: red\n", 3, 3, "unknown setting 'colour'"),
    ("dog:\n  min_leaf: many\n", 2, 13, "must be an integer"),
    ("dog:\n  min_hyponyms: true\n", 2, 17, "must be an integer"),
    ("dog:\n  min_leaf: 0\n", 2, 13, "must be >= 1"),
    ("dog:\n  merge_orphans: 3\n", 2, 18, "must be true or false"),
    ("dog:\n  preset: tiny\n", 2, 11, "must be one of"),
    ("- dog\n- cat\n", 1, 1, "expected a mapping"),
    ("dog: 3\n", 1, 6, "must be a mapping"),
    ("dog:\n  min_leaf: [1\n", None, None, "is not valid YAML"),
    ("dog:\n  min_leaf: 2\ndog:\n  min_leaf: 3\n", None, None, "is not valid YAML"),
    # values of the wrong type, whatever YAML made of them (issue 16)
    ("dog:\n  min_leaf: &t true\n", 2, 13, "must be an integer, got True"),
    ("dog:\n  skip: !!binary aGVsbG8=\n", 2, 9, "must be true or false, got binary data"),
    ("dog:\n  preset: [compact]\n", 2, 11, "got a list"),
    ("dog:\n  min_leaf: 2001-01-01\n", 2, 13, "got a date"),
    ("dog: !!set {a}\n", 1, 6, "must be a mapping of setting: value, found a set"),
    ("!!set {a}\n", 1, 1, "expected a mapping"),
    ("base: &b {colour: red}\ndog:\n  <<: *b\n", 1, 11, "unknown setting 'colour'"),
    ("dog:\n  1: 2\n", 2, 3, "unknown setting 1"),
    ("dog: {skip: true}\n' dog': {skip: false}\n", 2, 1, "'dog' is given twice"),
]


@pytest.mark.parametrize("text,line,col,message", BAD_CONFIGS)
def test_bad_smart_config_is_a_clear_error_with_its_position(wn_dataset, cli, tmp_path, text, line, col, message):
    config = tmp_path / "bad.yaml"
    config.write_text(text)
    out = tmp_path / "out.yaml"
    result = cli("dataset", NAME, "--smart", "--smart-config", config, "-o", out)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert message in result.output
    if line is not None:
        assert f"{config}:{line}:{col}:" in result.output
    else:
        assert re.search(re.escape(str(config)) + r":\d+:\d+:", result.output)
    assert not out.exists()


@pytest.mark.parametrize(
    "text",
    [
        "base: &b {skip: true}\nhunting dog:\n  <<: *b\n",
        "hunting dog:\n  <<: {skip: true}\n",
        "!!omap\n- hunting dog: {skip: true}\n",
        "hunting dog: !!omap [skip: true]\n",
    ],
)
def test_smart_config_merge_keys_and_ordered_maps(dog_tree, tmp_path, text):
    """A merged key (``<<: *anchor``) or an ``!!omap`` is a mapping like any other."""
    dataset, raw = dog_tree
    config = tmp_path / "config.yaml"
    config.write_text(text)
    categories, _ = shaped(dataset, raw, "--smart", "--smart-config", config)
    assert not any("hunting dog" in p for p in paths_of(categories))


def test_smart_config_unknown_synset_name(wn_dataset, cli, tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("huntnig_dog.n.01: {min_leaf: 2}\n")
    out = tmp_path / "out.yaml"
    result = cli("dataset", NAME, "--smart", "--smart-config", config, "-o", out)
    assert result.exit_code == 2
    assert result.output.count("Error:") == 1 and "huntnig_dog.n.01" in result.output
    assert not out.exists()


# -- --preview and --analyze ---------------------------------------------------------------


def first_nodes(raw_roots, n):
    queue, out = list(raw_roots), []
    while queue and len(out) < n:
        node = queue.pop(0)
        out.append(node)
        queue.extend(node.children)
    return out


@pytest.mark.parametrize("smart", [True, False])
def test_preview_is_a_marked_valid_prefix(dog_tree, cli, tmp_path, smart):
    _, raw = dog_tree
    out = tmp_path / "preview.yaml"
    args = ["dataset", NAME, "--preview", 12] + (["--smart"] if smart else []) + ["-o"]
    result = cli(*args, out)
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert text.startswith("# PARTIAL OUTPUT")
    categories, missing = load_yaml_tree(out)
    assert missing == []
    items = {i for root in categories for c in root.walk() for i in c.items}
    assert items and items <= {n.node.name for n in first_nodes(raw, 12)}
    again = tmp_path / "again.yaml"
    cli(*args, again)
    assert again.read_bytes() == out.read_bytes()


def test_preview_walks_only_n_nodes_and_matches_truncating_the_full_tree(dog_tree, cli, tmp_path):
    _, raw = dog_tree
    WordNetHyponyms.calls = 0
    result = cli("dataset", NAME, "--smart", "--preview", 25, "-o", tmp_path / "p.yaml")
    assert result.exit_code == 0, result.output
    assert WordNetHyponyms.calls == 25

    from wildcards_gen.model import Run
    from wildcards_gen.plugins import get_registry
    from wildcards_gen.stats import Stats

    dataset = get_registry().datasets[NAME]
    run = Run(NAME, options_for(dataset, "--preview", 25), Stats(), None)
    walked = shaping.walk_preview(get_registry().pm.hook, dataset, run, [r.node for r in raw], 25)
    truncated, cut = shaping.truncate(raw, 25)
    assert cut and run.options["preview_truncated"]

    def shape_of(nodes):
        return [(n.node.id, shape_of(n.children)) for n in nodes]

    assert shape_of(walked) == shape_of(truncated)
    assert sum(1 for _ in first_nodes(truncated, 10**6)) == 25

    categories, api_run = shaped(dataset, raw, "--smart", "--preview", 25)  # a full tree given to shape()
    assert api_run.options["preview_truncated"]
    assert output_items_of(categories) <= {n.node.name for n in first_nodes(raw, 25)}


def output_items_of(categories):
    return {i for root in categories for c in root.walk() for i in c.items}


def test_preview_larger_than_the_tree_is_not_partial(dog_tree, tmp_path, cli):
    out = tmp_path / "whole.yaml"
    result = cli("dataset", NAME, "--smart", "--preview", 100000, "-o", out)
    assert result.exit_code == 0, result.output
    assert "PARTIAL" not in out.read_text()
    categories, _ = load_yaml_tree(out)
    _, raw = dog_tree
    assert {i for r in categories for c in r.walk() for i in c.items} == raw_leaf_names(raw)


@pytest.mark.parametrize("smart", [True, False])
def test_analyze_prints_statistics_and_writes_nothing(dog_tree, cli, tmp_path, smart):
    _, raw = dog_tree
    out = tmp_path / "never.yaml"
    result = cli("dataset", NAME, "--analyze", "-o", out, *(["--smart"] if smart else []))
    assert result.exit_code == 0, result.output
    assert not out.exists()
    nodes, stack, leaves = 0, list(raw), 0
    while stack:
        node = stack.pop()
        nodes += 1
        leaves += not node.children
        stack.extend(node.children)
    assert f"nodes: {nodes} " in result.stdout
    assert f"leaves: {leaves} " in result.stdout
    assert "depth histogram" in result.stdout and "branching" in result.stdout
    for preset in shaping.PRESETS:
        assert f"  {preset} " in result.stdout
    assert re.search(r"Suggested: --smart --preset (\S+)", result.stdout).group(1) in shaping.PRESETS
    assert ("your settings" in result.stdout) == smart


@pytest.fixture(scope="module")
def toy_tree():
    from shaping_support import TOY, ToyZoo

    from wildcards_gen.plugins import get_registry

    registry = get_registry()
    registry.register(ToyZoo(), name="shaping-toy")
    yield walk(TOY)
    registry.unregister("shaping-toy")


def as_dict(categories):
    return {c.name: as_dict(c.children) if c.children else c.items for c in categories}


def test_rules_on_a_hand_made_tree(toy_tree):
    dataset, raw = toy_tree
    every_node = ("--smart", "--min-depth", 0, "--min-hyponyms", 0, "--min-leaf", 3)
    categories, run = shaped(dataset, raw, *every_node)
    assert as_dict(categories) == {
        "zoo": {
            "big cats": ["cheetah", "cougar", "jaguar", "leopard", "lion", "tiger"],  # cats > big cats collapsed
            "other_zoo": ["fish", "owl", "parrot"],  # birds (2) and fish (1) were too short
            "pets": ["cat", "dog", "hamster", "rabbit"],
        }
    }
    assert [e["category"] for e in run.stats.events["collapsed_chain"]] == ["zoo/cats"]
    assert sorted(e["list"] for e in run.stats.events["merged_orphan"]) == ["zoo/birds", "zoo/fish"]
    assert run.stats.counters["shaping.self_items"] == 1 and "removed_self_item" not in run.stats.events

    dropped, run = shaped(dataset, raw, *every_node, "--drop-self-items")
    assert as_dict(dropped)["zoo"]["other_zoo"] == ["owl", "parrot"]  # a root's own list may stay short
    assert run.stats.events["removed_self_item"] == [{"category": "zoo/fish", "item": "fish"}]
    assert run.stats.events["removed_empty_category"] == [{"category": "zoo/fish"}]

    flat, _ = shaped(dataset, raw, "--smart", "--min-depth", 0, "--min-hyponyms", 100, "--min-leaf", 1)
    assert as_dict(flat)["zoo"]["cats"] == ["cheetah", "cougar", "jaguar", "leopard", "lion", "tiger"]  # flattened

    kept, _ = shaped(dataset, raw, *every_node, "--no-merge-orphans")
    assert as_dict(kept)["zoo"]["birds"] == ["owl", "parrot"]


@pytest.mark.parametrize(
    "args", [["--preset", "flat"], ["--min-leaf", 3, "--skip-nodes", "hound"], ["--preview", 5, "--drop-self-items"]]
)
def test_smart_settings_without_smart_are_an_error(wn_dataset, cli, tmp_path, args):
    out = tmp_path / "out.yaml"
    result = cli("dataset", NAME, *args, "-o", out)
    assert result.exit_code == 2
    assert "add --smart" in result.output and "Traceback" not in result.output
    assert not out.exists()
    assert cli("dataset", NAME, *args, "--smart", "-o", out).exit_code == 0  # either order of flags works
    assert cli("dataset", NAME, "--smart", *args, "-o", out).exit_code == 0


def test_analyze_shows_the_given_settings_without_smart(wn_dataset, cli, tmp_path):
    result = cli("dataset", NAME, "--analyze", "--min-leaf", 2, "-o", tmp_path / "x.yaml")
    assert result.exit_code == 0, result.output
    assert re.search(r"your settings\s+\d+/\d+/2 ", result.stdout)
