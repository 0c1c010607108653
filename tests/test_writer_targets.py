"""The writer makes files clean for each --target, in each --key-style, and the real readers agree.

A throwaway plugin (registered through the real registry) returns nodes with
the names that break wildcard readers; the real CLI generates files from it;
``check`` and the real ``dynamicprompts`` package judge them.
"""

from __future__ import annotations

import json
import logging
import re

import pytest

from wildcards_gen import Dataset, Node, hookimpl
from wildcards_gen.commands.check import check_file
from wildcards_gen.sanitize import RESERVED_KEYS, collision_key, needs_quotes, yaml11_type
from wildcards_gen.testing import assert_wildcards_clean

COERCIBLE = ["yes", "no", "on", "off", "null", "1920", "2001-01-02", "~", "="]

# category name -> (synonyms, gloss, leaf names)
NASTY = {
    "x ray": (
        (),
        "electromagnetic radiation; instruction: not a second comment # nor this",
        ["pug", "Pug"] + COERCIBLE,
    ),
    "X-Ray": (
        ("roentgen ray",),
        "the same wildcard for Impact Pack",
        ["a#b", "{a|b}", "2::x", "x__y", "100% cotton", "$5", "tail_", "#hash", "Sprite"],
    ),
    "yes": ((), None, ["beagle"]),
    "null": ((), None, ["collie"]),
    "1920": ((), None, ["husky"]),
    "instruction": ((), None, ["sheepdog"]),
    "wildcards": ((), None, ["terrier"]),
    "_id": ((), None, ["spaniel"]),
    "a(b)": ((), None, ["setter"]),
    "100% wool": ((), None, ["wool"]),
    "R&D": ((), None, ["lab"]),
    "jack-o'-lantern": ((), None, ["pumpkin"]),
    "__init__": ((), None, ["start"]),
    "~tilde": ((), None, ["tilde item"]),
    "a..b": ((), None, ["ab"]),
    "a/b": ((), None, ["slash"]),
    "Hot Dog": ((), None, ["frank"]),
    "hot-dog": ((), None, ["wiener"]),
    "café": ((), None, ["latte", "crème brûlée"]),
    "cafe": ((), None, ["mocha"]),  # one key with 'café' once transliterated for Impact Pack
    "{x|y}": ((), None, ["curly"]),
    "a[1]*?": ((), None, ["glob"]),
}


class NastyPlugin:
    """One root whose categories carry every kind of name that breaks a reader."""

    @hookimpl
    def register_datasets(self, register):
        register(
            Dataset(
                "nasty",
                "names that break wildcard readers",
                find_roots=lambda run: [Node("root", "Nasty root", gloss="the top")],
            )
        )

    @hookimpl
    def iter_children(self, dataset, node, run):
        if dataset != "nasty":
            return None
        if node.id == "root":
            return [
                Node(f"c{i}", name, synonyms=syn, gloss=gloss)
                for i, (name, (syn, gloss, _)) in enumerate(NASTY.items())
            ]
        if node.id.startswith("c") and "." not in node.id:
            leaves = list(NASTY.values())[int(node.id[1:])][2]
            return [Node(f"{node.id}.{j}", leaf) for j, leaf in enumerate(leaves)]
        return []


@pytest.fixture(scope="module")
def nasty():
    from wildcards_gen.plugins import get_registry

    registry = get_registry()
    registry.register(NastyPlugin(), name="nasty-names")
    yield
    registry.unregister("nasty-names")


@pytest.fixture(scope="module")
def generated(nasty, tmp_path_factory):
    """target/key-style -> (yaml path, stats dict), generated once with the real CLI."""
    from click.testing import CliRunner

    from wildcards_gen.cli import create_cli

    folder = tmp_path_factory.mktemp("targets")
    out = {}
    for target, style in [
        ("all", "as-is"),
        ("dynamicprompts", "as-is"),
        ("impact", "as-is"),
        ("generator", "as-is"),
        ("impact-ondemand", "as-is"),
        ("dynamicprompts", "snake"),
        ("all", "snake"),
        ("all", "kebab"),
    ]:
        path = folder / f"{target}-{style}.yaml"
        stats = folder / f"{target}-{style}.json"
        result = CliRunner().invoke(
            create_cli(),
            [
                "dataset",
                "nasty",
                "-o",
                str(path),
                "--stats",
                str(stats),
                "--target",
                target,
                "--key-style",
                style,
                "--workers",
                "1",
            ],
            catch_exceptions=False,
        )
        assert result.exit_code == 0, result.output
        out[(target, style)] = (path, json.loads(stats.read_text()))
    return out


def rt_load(path):
    from ruamel.yaml import YAML

    return YAML().load(path.read_text(encoding="utf-8"))


def leaf_lists(data, prefix=()):
    """``{"a/b/c": [items]}`` from a loaded YAML mapping (keys as written)."""
    found = {}
    for key, value in data.items():
        here = prefix + (str(key),)
        if isinstance(value, dict):
            found.update(leaf_lists(value, here))
        else:
            found["/".join(here)] = [str(v) for v in value]
    return found


def dynamicprompts_sample_all(folder, expected: dict) -> None:
    """Every expected list is a Dynamic Prompts wildcard, and sampling it yields its own items."""
    from dynamicprompts.generators import RandomPromptGenerator
    from dynamicprompts.wildcards import WildcardManager

    logging.getLogger("dynamicprompts").setLevel(logging.ERROR)
    manager = WildcardManager(folder)
    assert manager.get_collection_names() == set(expected)
    for i, (name, items) in enumerate(sorted(expected.items())):
        assert sorted(manager.get_values(name)) == sorted(items), name
        generator = RandomPromptGenerator(wildcard_manager=manager, seed=i)
        samples = generator.generate(f"__{name}__", 4)
        assert samples and all(s in items for s in samples), (name, samples, items)


@pytest.mark.parametrize(
    "target,style",
    [
        ("all", "as-is"),
        ("dynamicprompts", "as-is"),
        ("impact", "as-is"),
        ("generator", "as-is"),
        ("impact-ondemand", "as-is"),
        ("dynamicprompts", "snake"),
        ("all", "snake"),
        ("all", "kebab"),
    ],
)
def test_output_is_clean_for_its_target(generated, target, style):
    path, _ = generated[(target, style)]
    assert_wildcards_clean(path, target, strict=True)


def test_default_all_output_is_read_whole_by_dynamicprompts(generated, tmp_path):
    path, _ = generated[("all", "as-is")]
    folder = tmp_path / "wildcards"
    folder.mkdir()
    (folder / "nasty.yaml").write_bytes(path.read_bytes())
    expected = leaf_lists(rt_load(path))
    assert len(expected) == len(NASTY)  # every category survived, none merged or dropped
    dynamicprompts_sample_all(folder, expected)


def test_dynamicprompts_target_output_is_read_whole_by_dynamicprompts(generated, tmp_path):
    path, _ = generated[("dynamicprompts", "as-is")]
    (tmp_path / "w").mkdir()
    (tmp_path / "w" / "dp.yaml").write_bytes(path.read_bytes())
    dynamicprompts_sample_all(tmp_path / "w", leaf_lists(rt_load(path)))


def test_yaml11_coercible_names_survive_as_quoted_strings(generated, tmp_path):
    path, _ = generated[("all", "as-is")]
    text = path.read_text()
    for word in COERCIBLE:
        assert f'- "{word}"' in text, word  # items quoted
    for key in ("yes", "null", "1920"):
        assert re.search(rf'^  "{key}":', text, re.M), key  # keys quoted
    (tmp_path / "w").mkdir()
    (tmp_path / "w" / "f.yaml").write_bytes(path.read_bytes())
    from dynamicprompts.wildcards import WildcardManager

    manager = WildcardManager(tmp_path / "w")
    names = manager.get_collection_names()
    for key in ("yes", "null", "1920"):
        assert f"Nasty root/{key}" in names
    assert set(COERCIBLE) <= set(manager.get_values("Nasty root/x ray"))


def test_impact_normalisation_collision_is_resolved_and_reported(generated):
    data = rt_load(generated[("impact", "as-is")][0])["Nasty root"]
    keys = list(data)
    folded = [collision_key(k, "impact") for k in keys]
    assert len(set(folded)) == len(folded)  # no two keys are one Impact Pack wildcard
    assert "x ray" in keys and "roentgen ray" in keys and "X-Ray" not in keys  # the synonym took over
    assert "Hot Dog" in keys and "hot-dog" not in keys and "hot-dog c17" in keys  # <name> <id>: no synonym
    stats = generated[("impact", "as-is")][1]
    collisions = stats["events"]["name_collision"]
    assert {"name": "X-Ray", "renamed_to": "roentgen ray", "target": "impact"}.items() <= next(
        e for e in collisions if e["name"] == "X-Ray"
    ).items()
    hot = next(e for e in collisions if e["name"].lower().startswith("hot"))
    assert hot["target"] == "impact" and hot["renamed_to"].startswith(hot["name"] + " ")

    # Dynamic Prompts keeps 'x ray' and 'X-Ray' apart: no rename there
    dp = rt_load(generated[("dynamicprompts", "as-is")][0])["Nasty root"]
    assert "x ray" in dp and "X-Ray" in dp
    assert not any(
        e.get("target") == "dynamicprompts"
        for e in generated[("dynamicprompts", "as-is")][1]["events"].get("name_collision", [])
    )


def test_target_rewrites_are_counted_and_listed(generated):
    counts = {}
    for target in ("all", "dynamicprompts", "impact", "generator"):
        stats = generated[(target, "as-is")][1]
        keys = stats["events"].get("rewritten_key", [])
        items = stats["events"].get("rewritten_item", [])
        assert stats["counts"].get("rewrites.keys", 0) == len(keys)
        assert stats["counts"].get("rewrites.items", 0) == len(items)
        assert all(e["target"] == target for e in keys + items)
        counts[target] = ({e["before"]: e["after"] for e in keys}, {e["before"]: e["after"] for e in items})
    # what each reader needs, and only that
    assert counts["dynamicprompts"][0]["a(b)"] == "a b"
    assert "R&D" not in counts["dynamicprompts"][0]  # fine for Dynamic Prompts
    assert counts["impact"][0]["R&D"] == "R and D"  # Impact Pack cannot reference '&'
    assert counts["impact"][0]["jack-o'-lantern"] == "jack-o-lantern"
    assert "a(b)" not in counts["generator"][0] and counts["generator"][0]["a/b"] == "a b"
    assert "{a|b}" in counts["impact"][1] and "a#b" not in counts["impact"][1]
    assert "a#b" in counts["dynamicprompts"][1] and "a#b" not in counts["generator"][1]
    # all = the union
    for target in ("dynamicprompts", "impact", "generator"):
        assert set(counts[target][0]) <= set(counts["all"][0])
        assert set(counts[target][1]) <= set(counts["all"][1])
    assert generated[("all", "as-is")][1]["counts"]["rewrites.instructions"] == 1


def test_reserved_keys_renamed_only_for_the_generator(generated):
    for target, renamed in (("all", True), ("generator", True), ("dynamicprompts", False), ("impact", False)):
        keys = set(rt_load(generated[(target, "as-is")][0])["Nasty root"])
        assert bool({"instruction", "wildcards"} & keys) != renamed, target
        assert not keys & RESERVED_KEYS or not renamed


@pytest.mark.parametrize("style,sep", [("snake", "_"), ("kebab", "-")])
def test_key_styles(generated, style, sep, tmp_path):
    path, stats = generated[("all", style)]
    data = rt_load(path)
    pattern = re.compile(rf"^[^\sA-Z{'-' if sep == '_' else '_'}]+$")

    def keys(mapping):
        for key, value in mapping.items():
            yield str(key)
            if isinstance(value, dict):
                yield from keys(value)

    all_keys = list(keys(data))
    assert all(pattern.match(k) for k in all_keys), [k for k in all_keys if not pattern.match(k)]
    assert f"nasty{sep}root" in data and f"x{sep}ray" in data[f"nasty{sep}root"]
    assert f"hot{sep}dog" in data[f"nasty{sep}root"]
    assert stats["counts"]["rewrites.key_style"] > 0
    # the collision the style creates (x ray / X-Ray, Hot Dog / hot-dog) is resolved in the same style
    collisions = {e["name"]: e["renamed_to"] for e in stats["events"]["name_collision"]}
    assert all(pattern.match(v) for v in collisions.values()), collisions
    (tmp_path / "w").mkdir()
    (tmp_path / "w" / "f.yaml").write_bytes(path.read_bytes())
    dynamicprompts_sample_all(tmp_path / "w", leaf_lists(data))


def test_yaml11_rules_match_pyyaml():
    """``check`` decides what YAML 1.1 coerces exactly as PyYAML (the readers' parser) does."""
    import random

    import yaml

    resolver = yaml.resolver.Resolver()
    words = [
        "yes",
        "No",
        "y",
        "n",
        "on",
        "OFF",
        "null",
        "~",
        "1920",
        "0x1F",
        "017",
        "1_000",
        "1:30",
        "1.5",
        "1e5",
        "1.0e+5",
        ".5",
        ".",
        ".inf",
        ".NaN",
        "2001-01-02",
        "2001-1-2 10:11:12",
        "<<",
        "=",
        "dog",
        "1920s",
        "+1",
        "-0",
        "0b101",
        "12:60",
        "1.2.3",
        "nan",
        "True",
        "tRue",
        "._1",
    ]
    rng = random.Random(7)
    words += ["".join(rng.choice("0123456789.-+_:eExob~yn") for _ in range(rng.randint(1, 6))) for _ in range(5000)]
    for word in words:
        pyyaml = resolver.resolve(yaml.ScalarNode, word, (True, False)) != "tag:yaml.org,2002:str"
        assert (yaml11_type(word) is not None) == pyyaml, word
        if pyyaml:
            assert needs_quotes(word), word  # the writer quotes at least what PyYAML coerces


def test_generated_file_has_no_problem_for_any_single_target(generated):
    path, _ = generated[("all", "as-is")]
    for target in ("dynamicprompts", "impact", "generator"):
        assert check_file(path, target) == []


def test_rewrites_leave_nothing_for_the_target_to_trip_on():
    """For any name, the rewritten key/item has no problem for its target and rewriting again changes nothing."""
    import random

    from wildcards_gen.sanitize import (
        KEY_STYLES,
        TARGET_CHOICES,
        clean_item,
        clean_key,
        item_problems,
        key_problems,
        targets_of,
    )

    rng = random.Random(11)
    alphabet = "ab XY-_.'()[]{}#$%\\/|*?~!@&:,;\"<>+=é0123" + "_" * 4 + ":" * 3
    for _ in range(3000):
        name = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
        for target in TARGET_CHOICES:
            for style in KEY_STYLES:
                key = clean_key(name, target, style)
                assert clean_key(key, target, style) == key, (name, target, style)
                for reader in targets_of(target):
                    assert key_problems(key, reader, top=True) == [], (name, target, style, key)
            item = clean_item(name, target)
            assert clean_item(item, target) == item, (name, target)
            for reader in targets_of(target):
                assert item_problems(item, reader) == [], (name, target, item)


def test_unique_for_target_keeps_the_sibling_without_an_alternative():
    from wildcards_gen.model import Category
    from wildcards_gen.stats import Stats
    from wildcards_gen.tree import unique_for_target

    stats = Stats()
    cats = [
        Category("x ray", id="a", synonyms=("roentgen ray",)),
        Category("X-Ray", id="b"),
        Category("X ray", id="c"),
        Category("gamma ray", id="d"),
    ]
    out = unique_for_target(cats, ("top",), stats, "impact", "as-is")
    names = [c.name for c in out]
    # sorted: 'X ray' < 'x ray' < 'X-Ray'; the first without a synonym keeps its name
    assert names == ["gamma ray", "roentgen ray", "X ray", "X-Ray b"]
    assert len({collision_key(n, "impact") for n in names}) == 4
    events = stats.as_dict()["events"]["name_collision"]
    assert {(e["name"], e["renamed_to"], e["target"]) for e in events} == {
        ("x ray", "roentgen ray", "impact"),
        ("X-Ray", "X-Ray b", "impact"),
    }
    # Dynamic Prompts reads them apart except by case: only 'X ray' / 'x ray' would collide there
    stats = Stats()
    cats = [Category("x ray", id="a"), Category("X-Ray", id="b")]
    assert [c.name for c in unique_for_target(cats, (), stats, "dynamicprompts", "as-is")] == ["x ray", "X-Ray"]
    assert "name_collision" not in stats.as_dict()["events"]


def test_transliteration_for_impact_pack_keeps_collisions_apart(generated):
    """Impact Pack reads files as ISO-8859-1: names become ASCII, and 'café' then meets 'cafe'."""
    for target in ("all", "impact", "impact-ondemand"):
        path, stats = generated[(target, "as-is")]
        data = rt_load(path)["Nasty root"]
        keys = [str(k) for k in data]
        assert all(k.isascii() for k in keys), target
        cafes = [k for k in keys if k.lower().startswith("cafe")]
        assert len(cafes) == 2 and len({collision_key(k, "impact") for k in cafes}) == 2
        items = [str(i) for v in data.values() for i in v]
        assert "creme brulee" in items and all(i.isascii() for i in items)
        assert any(e["name"].lower().startswith("caf") for e in stats["events"]["name_collision"])
    data = rt_load(generated[("dynamicprompts", "snake")][0])["nasty_root"]
    assert "café" in data and "crème brûlée" in data["café"]  # Dynamic Prompts reads UTF-8: left alone
