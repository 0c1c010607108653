"""Smart shaping on the real datasets: ImageNet animals (21k classes) and the full Tencent tree.

Each raw tree is walked once per module through the installed plugins; every
preset is then shaped from it (the walk is the slow part, shaping is not).
"""

from __future__ import annotations

import pytest
from shaping_support import accounted, count_categories, invariant_violations, load_yaml_tree, shaped, walk

from wildcards_gen import shaping


def require(dataset):
    from wildcards_gen.plugins import get_registry

    if dataset not in get_registry().datasets:
        pytest.fail(f"the {dataset} plugin is not installed (pip install -e plugins/{dataset})")


@pytest.fixture(scope="module")
def tencent(shared_data):
    require("tencent")
    return walk("tencent", "--hierarchy-file", shared_data / "tencent" / "dictionary_and_semantic_hierarchy.txt")


@pytest.fixture(scope="module")
def imagenet_animals(shared_data):
    require("imagenet")
    return walk(
        "imagenet", "--root", "animal.n.01", "--class-list", shared_data / "imagenet" / "imagenet21k_goog_synsets.txt"
    )


@pytest.fixture(params=["tencent", "imagenet_animals"])
def tree(request):
    return request.getfixturevalue(request.param)


@pytest.mark.parametrize("preset", list(shaping.PRESETS))
def test_conservation_and_invariants_for_every_preset(tree, preset):
    dataset, raw = tree
    categories, run = shaped(dataset, raw, "--smart", "--preset", preset)
    expected, got = accounted(raw, categories, run)
    assert sorted(expected - got)[:10] == [] and sorted(got - expected)[:10] == []
    min_leaf = shaping.resolve_settings(run.options, dataset).min_leaf
    assert invariant_violations(categories, min_leaf) == []
    assert all(c.instruction for root in categories for c in root.walk())


def test_presets_are_monotone(tree):
    dataset, raw = tree
    counts = [count_categories(shaped(dataset, raw, "--smart", "--preset", p)[0]) for p in shaping.PRESETS]
    assert counts == sorted(counts, reverse=True), counts
    assert counts[0] > counts[-1]


def test_tencent_presets_and_skip_nodes_come_from_the_plugin(tencent):
    dataset, raw = tencent
    assert dataset.presets and dataset.skip_nodes
    categories, run = shaped(dataset, raw, "--smart", "--preset", "balanced")
    skipped = {e["name"] for e in run.stats.events["skipped_node"]}
    assert skipped and not skipped & {c.name for root in categories for c in root.walk()}
    skip = {s.casefold() for s in dataset.skip_nodes}
    skipped_roots = {r.node.id for r in raw if r.node.name.casefold() in skip}
    assert skipped_roots  # Tencent's root 'object' is a default skip node: its children become roots
    assert not skipped_roots & {c.id for c in categories}
    for key, value in dataset.presets["balanced"].items():
        assert getattr(shaping.resolve_settings(run.options, dataset), key) == value


def test_self_items_are_counted_and_dropped_only_when_asked(imagenet_animals):
    dataset, raw = imagenet_animals
    _kept, run = shaped(dataset, raw, "--smart")
    found = run.stats.counters["shaping.self_items"]
    assert found > 0 and "removed_self_item" not in run.stats.events
    dropped, run = shaped(dataset, raw, "--smart", "--drop-self-items")
    assert run.stats.counters["shaping.self_items"] == found
    removed = run.stats.events["removed_self_item"]
    assert removed
    assert "empty_category_filled" not in run.stats.events  # a list left empty goes, it is not refilled
    by_path = {}
    for root in dropped:
        stack = [(root, root.name)]
        while stack:
            cat, path = stack.pop()
            by_path[path] = cat
            stack.extend((c, f"{path}/{c.name}") for c in cat.children)
    for event in removed[:50]:
        cat = by_path.get(event["category"])
        if cat is not None:  # a mixed category's items now sit in its other_ list
            lists = [cat] + [c for c in cat.children if not c.children]
            assert event["item"] not in {i for c in lists if c.name in (cat.name, f"other_{cat.name}") for i in c.items}
    expected, got = accounted(raw, dropped, run)
    assert expected == got


def test_cli_tencent_balanced(shared_data, cli, tmp_path):
    require("tencent")
    out = tmp_path / "universal.yaml"
    result = cli(
        "dataset",
        "tencent",
        "--hierarchy-file",
        shared_data / "tencent" / "dictionary_and_semantic_hierarchy.txt",
        "--smart",
        "--preset",
        "balanced",
        "-o",
        out,
    )
    assert result.exit_code == 0, result.output
    categories, missing = load_yaml_tree(out)
    assert missing == []
    assert len(categories) > 1
    assert invariant_violations(categories, 5) == []


def test_cli_imagenet_dogs(cli, tmp_path, wn):
    require("imagenet")
    out = tmp_path / "test.yaml"
    result = cli("dataset", "imagenet", "--smart", "--root", "n02084071", "-o", out)
    assert result.exit_code == 0, result.output
    categories, missing = load_yaml_tree(out)
    assert missing == []
    assert [c.name for c in categories] == ["dog"]
    assert categories[0].children  # shaped: sub-categories, not one flat list
    assert invariant_violations(categories, shaping.PRESETS["balanced"]["min_leaf"]) == []
    items = {i for c in categories[0].walk() for i in c.items}
    assert "beagle" in items and "Chihuahua" in items
