"""What the readers do in the wild (issue 19): Impact Pack's on-demand mode, non-ASCII names,
weights, `.txt` folders in `check`, and check's former false alarms."""

from __future__ import annotations

import json
import logging

import pytest
import yaml

from wildcards_gen.commands.check import check_text


def leaves(data: dict, path: tuple = ()) -> dict:
    out = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update(leaves(value, (*path, key)))
        else:
            out[(*path, key)] = value
    return out


def codes(problems, code=None):
    return [(p.code, p.targets, p.severity) for p in problems if code is None or p.code == code]


# -- 1. Impact Pack's on-demand mode ---------------------------------------------------


@pytest.fixture(scope="module")
def tencent_pair(shared_data, tmp_path_factory):
    """Tencent balanced written for every reader and for Impact Pack's on-demand mode."""
    from click.testing import CliRunner

    from wildcards_gen.cli import create_cli

    tmp = tmp_path_factory.mktemp("ondemand")
    hierarchy = shared_data / "tencent" / "dictionary_and_semantic_hierarchy.txt"
    common = ["dataset", "tencent", "--hierarchy-file", hierarchy, "--smart", "--preset", "balanced", "-q"]
    out = {}
    for target in ("all", "impact-ondemand"):
        path = tmp / f"{target}.yaml"
        stats = tmp / f"{target}.json"
        args = [str(a) for a in [*common, "--target", target, "-o", path, "--stats", stats]]
        result = CliRunner().invoke(create_cli(), args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        out[target] = (path, json.loads(stats.read_text()))
    return out


def test_ondemand_file_has_two_levels_and_every_leaf(tencent_pair):
    full = leaves(yaml.safe_load(tencent_pair["all"][0].read_text()))
    flat = leaves(yaml.safe_load(tencent_pair["impact-ondemand"][0].read_text()))
    assert max(len(path) for path in full) > 2  # the ordinary file is deeper
    assert max(len(path) for path in flat) <= 2
    assert sorted(i for v in full.values() for i in v) == sorted(i for v in flat.values() for i in v)
    assert len(flat) == len(full)  # every list kept, none merged
    written = " ".join(" ".join(path) for path in flat)
    assert all(path[-1] in written for path in full)  # every original leaf name present
    events = tencent_pair["impact-ondemand"][1]["events"]["flattened"]
    assert len(events) == sum(1 for path in full if len(path) > 2)


def test_check_knows_the_on_demand_limit(tencent_pair, cli):
    deep, flat = tencent_pair["all"][0], tencent_pair["impact-ondemand"][0]
    assert cli("check", "--target", "impact-ondemand", "--strict", flat).exit_code == 0
    result = cli("check", "--target", "impact-ondemand", deep)
    assert result.exit_code == 1 and "too-deep [impact-ondemand]" in result.output
    assert "too-deep" not in cli("check", deep).output  # not a problem for the ordinary readers


def test_on_demand_txt_names_without_spaces(tmp_path, cli):
    folder = tmp_path / "wildcards"
    (folder / "big cats").mkdir(parents=True)
    (folder / "big cats" / "snow leopard.txt").write_text("irbis\n")
    (folder / "dogs.txt").write_text("pug\n")
    result = cli("check", "--target", "impact-ondemand", folder)
    assert result.exit_code == 1
    assert result.output.count("txt-name [impact-ondemand]") == 2  # the folder's name and the file's
    assert "dogs" not in result.output.split("error", 1)[0]


# -- 2. Non-ASCII names ------------------------------------------------------------------


def test_check_reports_non_ascii_for_impact_pack(tmp_path):
    text = "animals: # instruction: x\n  café: # instruction: y\n    - crème brûlée\n    - tea\n"
    problems = check_text(text, "f.yaml")
    impact = [p for p in problems if p.code in ("key-char", "item-char") and "impact" in p.targets]
    assert {p.line for p in impact} == {2, 3} and all("ISO-8859-1" in p.message for p in impact)
    assert not [p for p in problems if "dynamicprompts" in p.targets and p.code == "item-char"]


@pytest.mark.parametrize(
    ("target", "extra", "ascii"),
    [("all", [], True), ("impact", [], True), ("dynamicprompts", [], False), ("dynamicprompts", ["--ascii"], True)],
)
def test_writer_transliterates_for_impact_and_on_request(tmp_path, cli, target, extra, ascii):
    out = tmp_path / "out.yaml"
    terms = ["café au lait", "Ångström meter", "crème brûlée", "Москва", "tea"]
    result = cli("arrange", "-", "--category", "food", "--target", target, *extra, "-o", out, input="\n".join(terms))
    assert result.exit_code == 0, result.output
    items = [i for v in leaves(yaml.safe_load(out.read_text())).values() for i in v]
    assert len(items) == len(terms)
    if ascii:
        assert all(i.isascii() for i in items)
        assert {"cafe au lait", "Angstrom meter", "creme brulee", "Moskva"} <= set(items)
    else:
        assert "café au lait" in items and "Москва" in items


# -- 3. Weights ----------------------------------------------------------------------------


def test_weights_flagged_for_impact_pack_too():
    problems = check_text("a: # instruction: x\n  b: # instruction: y\n    - 2::heavy\n    - light\n", "f.yaml")
    flagged = {t for p in problems if p.code == "item-char" for t in p.targets}
    assert flagged == {"dynamicprompts", "impact"}


# -- 4. Former false alarms ------------------------------------------------------------------


def test_slash_in_a_key_is_no_impact_finding_but_stays_one_for_the_web_app():
    problems = check_text("probe: # instruction: x\n  a/b: # instruction: y\n    - one\n    - two\n", "f.yaml")
    targets = {t for p in problems if p.code == "key-char" for t in p.targets}
    assert "impact" not in targets and "generator" in targets


def test_dynamicprompts_really_expands_a_slash_key(tmp_path):
    from dynamicprompts.generators import RandomPromptGenerator
    from dynamicprompts.wildcards import WildcardManager

    logging.getLogger("dynamicprompts").setLevel(logging.CRITICAL)
    (tmp_path / "w").mkdir()
    (tmp_path / "w" / "probe.yaml").write_text("probe:\n  a/b:\n    - one\n")
    manager = WildcardManager(tmp_path / "w")
    assert RandomPromptGenerator(wildcard_manager=manager, seed=1).generate("__probe/a/b__", 1) == ["one"]


def test_case_only_collision_is_a_warning_for_dynamic_prompts(tmp_path, cli):
    path = tmp_path / "case.yaml"
    path.write_text(
        "pets: # instruction: x\n  Dog: # instruction: y\n    - pug\n  dog: # instruction: z\n    - collie\n"
    )
    problems = check_text(path.read_text(), str(path), "dynamicprompts")
    assert codes(problems) == [("collision", ("dynamicprompts",), "warning")]
    assert "Windows" in problems[0].message and "macOS" in problems[0].message
    assert cli("check", "--target", "dynamicprompts", path).exit_code == 0
    assert cli("check", "--target", "dynamicprompts", "--strict", path).exit_code == 1
    impact = check_text(path.read_text(), str(path), "impact")
    assert codes(impact) == [("collision", ("impact",), "error")]  # Impact Pack always lowercases


def test_numbers_are_a_warning_for_the_web_app():
    problems = check_text("sizes: # instruction: x\n  screens: # instruction: y\n    - 1920\n    - wide\n", "f.yaml")
    by_target = {p.targets: p.severity for p in problems if p.code == "coerced-item"}
    assert by_target == {("dynamicprompts", "impact"): "error", ("generator",): "warning"}


# -- 5. check on a folder --------------------------------------------------------------------


def test_check_a_folder_of_txt_wildcards(tmp_path, cli):
    folder = tmp_path / "wildcards"
    (folder / "animals").mkdir(parents=True)
    (folder / "animals" / "cats.txt").write_text("# big and small\ntabby\nsiamese\ntabby\n{a|b}\n")
    (folder / "animals" / "Cats2.txt").write_text("lynx\n")
    (folder / "animals" / "empty.txt").write_text("# nothing\n")
    (folder / "colors.yaml").write_text("colors: # instruction: hues\n  warm: # instruction: x\n    - red\n")
    (folder / "notes.md").write_text("ignored\n")
    result = cli("check", "--format", "json", folder)
    assert result.exit_code == 1
    report = json.loads(result.output)
    by_file = {f["file"]: f["problems"] for f in report["files"]}
    cats = by_file[str(folder / "animals" / "cats.txt")]
    assert ("duplicate-item", 4) in {(p["code"], p["line"]) for p in cats}
    assert {(p["code"], p["line"], tuple(p["targets"])) for p in cats if p["code"] == "item-char"} == {
        ("item-char", 5, ("dynamicprompts",)),
        ("item-char", 5, ("impact",)),
    }
    assert all(p["path"] == "animals/cats" for p in cats)
    assert by_file[str(folder / "animals" / "empty.txt")][0]["code"] == "empty-value"
    assert by_file[str(folder / "colors.yaml")] == []
    assert str(folder / "notes.md") not in by_file
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "dogs.txt").write_text("pug\ncollie\n")
    assert cli("check", "--strict", clean).exit_code == 0


def test_check_folder_matches_what_dynamic_prompts_loads(tmp_path):
    """The names check accepts in a .txt folder are the wildcards Dynamic Prompts exposes."""
    from dynamicprompts.wildcards import WildcardManager

    from wildcards_gen.commands.check import check_folder

    folder = tmp_path / "w"
    (folder / "animals").mkdir(parents=True)
    (folder / "animals" / "cats.txt").write_text("tabby\n")
    (folder / "animals" / "big dogs.txt").write_text("mastiff\n")
    assert not any(check_folder(folder, "dynamicprompts").values())
    assert set(WildcardManager(folder).get_collection_names()) == {"animals/cats", "animals/big dogs"}


def test_export_for_on_demand_mode_has_no_space_in_any_name(tencent_pair, tmp_path, cli):
    folder = tmp_path / "txt"
    result = cli("export", tencent_pair["impact-ondemand"][0], "--txt-dir", folder, "--target", "impact-ondemand")
    assert result.exit_code == 0, result.output
    paths = [p.relative_to(folder) for p in folder.rglob("*")]
    assert paths and not [p for p in paths if " " in str(p)]
    assert max(len(p.parts) for p in paths) <= 2
    assert cli("check", "--target", "impact-ondemand", "--strict", folder).exit_code == 0


@pytest.mark.parametrize(
    ("target", "extra", "ascii"),
    [("all", [], True), ("dynamicprompts", [], False), ("dynamicprompts", ["--ascii"], True)],
)
def test_export_transliterates_for_impact_pack(tmp_path, cli, target, extra, ascii):
    source = tmp_path / "in.yaml"
    source.write_text("drinks:\n  café:\n    - crème brûlée\n    - tea\n", encoding="utf-8")
    folder = tmp_path / "txt"
    assert cli("export", source, "--txt-dir", folder, "--target", target, *extra).exit_code == 0
    (written,) = list(folder.rglob("*.txt"))
    text = written.read_text(encoding="utf-8")
    if ascii:
        assert written.name == "cafe.txt" and "creme brulee" in text
    else:
        assert written.name == "café.txt" and "crème brûlée" in text
