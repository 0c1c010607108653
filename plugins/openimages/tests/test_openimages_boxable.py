"""The boxable hierarchy from the shared files: every class kept, parts per --parts, glosses, readers."""

from __future__ import annotations

import json
import re

import pytest
from openimages_reference import (
    CLASSES,
    HIERARCHY,
    ROOT,
    instructions,
    keys_and_items,
    read_names,
    read_tree,
    rt_load,
    sample_with_dynamicprompts,
)

from wildcards_gen.sanitize import clean_item, clean_key
from wildcards_gen.testing import assert_wildcards_clean

WNID = re.compile(r"^n\d{8}$")
CLASS_ID = re.compile(r"^/[mg]/[0-9a-z_]+$")


@pytest.fixture(scope="module")
def files(shared_data):
    return ["--hierarchy-file", shared_data / HIERARCHY, "--classes-file", shared_data / CLASSES]


@pytest.fixture(scope="module")
def names(shared_data):
    return read_names(shared_data / CLASSES)


@pytest.fixture(scope="module")
def tree(shared_data):
    return read_tree(shared_data / HIERARCHY)


@pytest.fixture(scope="module")
def generate(files, tmp_path_factory):
    """Run the real CLI once per argument set: ``(output path, text, report)``."""
    from click.testing import CliRunner

    from wildcards_gen.cli import create_cli

    done = {}

    def run(*args):
        if args not in done:
            folder = tmp_path_factory.mktemp("openimages")
            out, stats = folder / "out.yaml", folder / "stats.json"
            argv = ["-q", "dataset", "openimages", *map(str, files), "-o", str(out), "--stats", str(stats)]
            result = CliRunner().invoke(create_cli(), argv + [str(a) for a in args], catch_exceptions=False)
            assert result.exit_code == 0, result.output
            target = args[args.index("--target") + 1] if "--target" in args else "all"
            assert_wildcards_clean(out, target, strict=True)
            done[args] = (out, out.read_text(encoding="utf-8"), json.loads(stats.read_text()))
        return done[args]

    return run


def present(text: str) -> tuple[set, set, list]:
    keys, lists = keys_and_items(rt_load_text(text))
    return {k[-1] for k in keys}, {i for items in lists.values() for i in items}, keys


def rt_load_text(text: str):
    from ruamel.yaml import YAML

    return YAML(typ="safe").load(text)


def assert_all_classes(text: str, names: dict, report: dict, target: str = "all") -> None:
    key_names, items, _ = present(text)
    renamed = {e["name"] for e in report["events"].get("name_collision", [])}
    missing = [
        name
        for name in names.values()
        if clean_key(name, target) not in key_names and clean_item(name, target) not in items and name not in renamed
    ]
    assert not missing, missing


def test_every_boxable_class_is_a_key_or_an_item(generate, names):
    assert len(names) == 601
    _, text, report = generate()
    assert_all_classes(text, names, report)
    assert report["counts"]["openimages.classes"] == 602  # and the root, Entity
    assert text.count("\nEntity: # instruction: ") == 1


def test_parts_separate_go_under_their_own_key(generate, names, tree):
    _, text, _ = generate()
    kinds, parts = read_tree_named(tree, names)
    keys, lists = keys_and_items(rt_load_text(text))
    # Person's kinds are its list (other_Person, beside the parts key); its body is under "parts of
    # Person", and the body's parts under its own key
    person = ("Entity", "Person")
    assert sorted(lists[(*person, "other_Person")]) == sorted(kinds["Person"])
    assert (*person, "parts of Person", "Human body") in keys
    body_parts = lists[(*person, "parts of Person", "Human body", "parts of Human body")]
    assert sorted(body_parts) == sorted(parts["Human body"])
    assert "Human face" in body_parts and "Human hand" in body_parts
    assert lists[("Entity", "Door", "parts of Door")] == ["Door handle"]
    # every part is listed under a "parts of <its parent>" key, wherever the parent is
    for parent, its_parts in parts.items():
        holders = [k for k in keys if k[-1] == f"parts of {parent}"]
        assert holders, parent
        for holder in holders:
            below = {k[len(holder)] for k in keys if k[: len(holder)] == holder and len(k) > len(holder)}
            below |= {
                i for k, items in lists.items() if k[: len(holder)] == holder for i in items if len(k) == len(holder)
            }
            below |= set(lists.get(holder + (f"other_parts of {parent}",), []))
            assert {clean_item(p) for p in its_parts} <= below, (parent, its_parts, below)


def read_tree_named(tree, names):
    kinds, parts = tree
    name = {**names, ROOT: "Entity"}
    return (
        {name[p]: [name[c] for c in cs] for p, cs in kinds.items()},
        {name[p]: [name[c] for c in cs] for p, cs in parts.items()},
    )


def test_parts_exclude_drops_them_and_says_so(generate, names, tree):
    _, text, report = generate("--parts", "exclude")
    keys, lists = keys_and_items(rt_load_text(text))
    assert not [k for k in keys if k[-1].startswith("parts of")]
    assert "Human body" not in lists[("Entity", "Person")]
    _kinds, parts = tree
    edges = {(p, c) for p, cs in parts.items() for c in cs}
    events = report["events"]["part_excluded"]
    assert {(e["parent"], e["id"]) for e in events} == edges
    assert report["counts"]["openimages.parts_excluded"] == len(edges)
    # the published file also lists every part at the top level: no class is lost
    assert report["counts"]["openimages.classes_excluded"] == 0
    assert_all_classes(text, names, report)


def test_parts_as_children_are_listed_with_the_kinds(generate, names):
    _, text, report = generate("--parts", "as-children")
    keys, lists = keys_and_items(rt_load_text(text))
    assert not [k for k in keys if k[-1].startswith("parts of")]
    assert ("Entity", "Person", "Human body") in keys
    assert "Human face" in lists[("Entity", "Person", "Human body")]
    assert "Door handle" in lists[("Entity", "Door")]
    assert_all_classes(text, names, report)


def test_a_class_under_several_parents_is_under_each(generate):
    _, text, _ = generate()
    keys, lists = keys_and_items(rt_load_text(text))
    holders = {k[:-1] for k, items in lists.items() for i in items if i == "Knife" for k in [(*k, i)]}
    assert len(holders) >= 3, holders  # kitchen utensil (twice: under Kitchenware and Tool) and weapon
    bicycles = [k for k in keys if k[-1] == "Bicycle"]
    assert len(bicycles) >= 2  # under Sports equipment and Land vehicle, each with its wheel


@pytest.fixture(scope="module")
def built(wn, shared_data, session_cache):
    """The plugin's own tree and run report, built by its real code (no CLI)."""
    from wildcards_gen import Run
    from wildcards_gen.stats import Stats
    from wildcards_gen_openimages import plugin

    run = Run(
        "openimages",
        {"hierarchy_file": str(shared_data / HIERARCHY), "classes_file": str(shared_data / CLASSES)},
        Stats(),
        session_cache,
    )
    tree = plugin.build_tree(run)
    return tree, run


def under(tree, parent_name: str, name: str):
    """The node called ``name`` among the children of the node called ``parent_name``."""
    ids = {n.id: n for kids in tree.children.values() for n in kids} | {n.id: n for n in tree.roots}
    parents = [i for i, n in ids.items() if n.name == parent_name]
    return next(n for p in parents for n in tree.children.get(p, ()) if n.name == name)


def test_nodes_carry_ids_synsets_and_glosses(wn, built):
    """The plugin's tree: /m/ ids, the WNID as synset when mapped, its gloss as instruction."""
    tree, run = built
    nodes = list(tree.roots) + [n for kids in tree.children.values() for n in kids]
    mapped = 0
    for node in nodes:
        if node.id.endswith("#parts"):
            assert node.name.startswith("parts of ") and node.synset is None and node.gloss
            continue
        assert CLASS_ID.match(node.id), node
        if node.synset:
            mapped += 1
            assert WNID.match(node.synset) and node.gloss == wn.synset(node.synset).gloss, node
    assert mapped > 0.85 * len([n for n in nodes if not n.id.endswith("#parts")])
    unmapped = {e["id"] for e in run.stats.events["unmapped_class"]}
    assert unmapped == {n.id for n in nodes if not n.synset and not n.id.endswith("#parts")}


def test_mapping_in_context(wn, built):
    """Names whose first WordNet sense is wrong here: the parent's context picks the right one."""
    tree, _ = built
    expected = [
        ("Home appliance", "Toaster", "toaster.n.02"),  # the appliance, not the person who proposes toasts
        ("Entity", "Computer mouse", "mouse.n.04"),
        ("Entity", "Telephone", "telephone.n.01"),
        ("Sports equipment", "Racket", "racket.n.04"),
        ("Clothing", "Helmet", "helmet.n.02"),  # headgear among clothes
        ("Kitchen utensil", "Spoon", "spoon.n.01"),
    ]
    for parent, name, synset in expected:
        assert under(tree, parent, name).synset == wn.synset(synset).wnid, (parent, name)


def test_every_mapped_key_carries_its_gloss(generate, wn, names):
    """Each class key's instruction is the gloss of one of its name's WordNet senses, or names its head."""
    from wildcards_gen.senses import candidates

    _, text, report = generate()
    found = instructions(text)
    class_keys = {clean_key(n): n for n in names.values()}
    checked = 0
    for key, texts in found.items():
        name = class_keys.get(key)
        if name is None:
            continue
        senses, how = candidates(wn, name)
        for instruction in texts:
            if how in ("exact", "compound"):
                assert instruction in {s.gloss for s in senses}, (name, instruction)
                checked += 1
            elif how == "head":
                assert instruction.startswith("A kind of "), (name, instruction)
    assert checked >= 60
    counts = report["counts"]
    assert counts["openimages.mapped"] + counts["openimages.unmapped"] == counts["openimages.classes"]
    assert counts["openimages.mapped"] / counts["openimages.classes"] > 0.85
    assert counts["glosses.missing"] == 0


def test_report_lists_unmapped_and_ambiguous(generate):
    _, _, report = generate()
    unmapped = {e["name"]: e for e in report["events"]["unmapped_class"]}
    assert {"Humidifier", "Whiteboard", "Jacuzzi", "Nightstand"} <= set(unmapped)
    assert unmapped["Nightstand"]["how"] is None
    assert unmapped["Land vehicle"]["how"] == "head" and unmapped["Land vehicle"]["head"] == "vehicle.n.01"
    assert len(unmapped) == report["counts"]["openimages.unmapped"]
    ambiguous = report["events"]["ambiguous_class"]
    assert ambiguous and all(e["synset"] in e["candidates"] for e in ambiguous)
    used = {e["role"]: e for e in report["events"]["input_file"]}
    assert used["hierarchy"]["sha256"] == "dbfb4df453228c95d4154772b615ec65a787abd5d451b8d20c4ba08a4041f3a6"
    assert used["classes"]["sha256"] == "ab3b51e15495ad250296dc1ba126883d5718abf43c51e17a7c6eaa54676144e1"


def test_clean_for_every_reader_and_sampled_by_dynamicprompts(generate, tmp_path):
    out, _, _ = generate()
    assert_wildcards_clean(out, "all", strict=True)
    sample_with_dynamicprompts(out, tmp_path / "dp")


def test_same_bytes_whatever_the_workers(cli, files, tmp_path):
    outputs = []
    for workers in ("1", "3"):
        out = tmp_path / f"w{workers}.yaml"
        result = cli("-q", "dataset", "openimages", *files, "--smart", "--workers", workers, "-o", out)
        assert result.exit_code == 0, result.output
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


@pytest.mark.parametrize(
    "args",
    [
        ("--depth", "2"),
        ("--smart",),
        ("--smart", "--preset", "compact"),
        ("--smart", "--preset", "flat"),
        ("--target", "impact", "--key-style", "kebab"),
        ("--target", "dynamicprompts"),
        ("--target", "impact-ondemand"),
    ],
    ids=lambda a: " ".join(a),
)
def test_shaping_and_targets_keep_every_class(generate, names, tree, args):
    """Shaped or renamed, every leaf class is still an item (a flattened key's name goes, as for any dataset)."""
    _, text, report = generate(*args)
    target = args[args.index("--target") + 1] if "--target" in args else "all"
    kinds, parts = tree
    leaves = [name for label, name in names.items() if label not in kinds and label not in parts]
    _, items, _ = present(text)
    assert not [n for n in leaves if clean_item(n, target) not in items]
    if args == ("--target", "dynamicprompts"):  # not shaped, keys as they are: every class is there
        assert_all_classes(text, names, report, target)


def test_depth_limits_the_keys(generate):
    _, text, _ = generate("--depth", "2")
    keys, _ = keys_and_items(rt_load_text(text))
    assert max(len(k) for k in keys) == 2


def test_root_selects_a_subtree(cli, files, tmp_path):
    out = tmp_path / "vehicles.yaml"
    result = cli("dataset", "openimages", *files, "--root", "vehicle", "-o", out)
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "\nVehicle: # instruction: " in text and "Ambulance" in text and "Dog" not in text
    same = tmp_path / "by-id.yaml"
    assert cli("dataset", "openimages", *files, "--root", "/m/07yv9", "-o", same).exit_code == 0
    assert same.read_bytes() == out.read_bytes()
    bad = cli("dataset", "openimages", *files, "--root", "Vehicel", "-o", tmp_path / "x.yaml")
    assert bad.exit_code == 2 and "did you mean: Vehicle" in bad.stderr and not (tmp_path / "x.yaml").exists()


def test_semantic_arrange(cli, files, tmp_path):
    out = tmp_path / "arranged.yaml"
    result = cli(
        "-q", "dataset", "openimages", *files, "--semantic-arrange", "--embedder", "wordnet", "--stats",
        tmp_path / "s.json", "-o", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "s.json").read_text())
    assert report["counts"]["arrange.lists"] > 0 and report["counts"]["arrange.groups"] > 0
    assert_wildcards_clean(out, "all", strict=True)


def test_export_and_check(cli, generate, tmp_path):
    out, _, _ = generate()
    assert cli("check", "--target", "all", "--strict", out).exit_code == 0
    folder = tmp_path / "txt"
    result = cli("export", out, "--txt-dir", folder)
    assert result.exit_code == 0, result.output
    _, lists = keys_and_items(rt_load(out))
    assert len(list(folder.rglob("*.txt"))) == len(lists)


def test_plugins_lists_the_dataset(cli):
    listing = cli("plugins")
    assert listing.exit_code == 0
    assert "openimages (wildcards-gen-openimages" in listing.stdout and "datasets: openimages" in listing.stdout
    plugins = {p["name"]: p for p in json.loads(cli("plugins", "--json").stdout)["plugins"]}
    assert plugins["openimages"]["datasets"] == ["openimages"]
    assert plugins["openimages"]["distribution"] == "wildcards-gen-openimages"


def test_found_through_its_entry_point():
    from importlib.metadata import entry_points

    found = {ep.name: ep.value for ep in entry_points(group="wildcards_gen")}
    assert found.get("openimages") == "wildcards_gen_openimages.plugin"
