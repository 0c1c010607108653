"""``wildcards-gen check``: each kind of problem, reported with the right line, for the right readers.

The files are real YAML written to disk and checked through the real CLI;
where a problem is Dynamic Prompts', the real ``dynamicprompts`` package
confirms that it does break there.
"""

from __future__ import annotations

import json
import logging
import textwrap

import pytest

from wildcards_gen.commands.check import CODES, check_file, check_text, line_comment

BAD = textwrap.dedent("""\
    # a header comment
    animals: # instruction: living things
      yes: # instruction: a coerced key
        - pug
      pets: # instruction: a coerced item, duplicates, an empty item
        - no
        - "on"
        - 1920
        - dog
        - dog
        - ""
      x ray: # instruction: first spelling
        - a#b
        - '{a|b}'
        - 2::x
      X-Ray: # instruction: the second spelling collides for Impact Pack
        - ray
      empty: # instruction: no value
      instruction: # instruction: a reserved name
        - [1, 2]
        - {k: v}
      # instruction: on a line of its own
      a(b: # instruction: one instruction: two
        - fine
      dup: # instruction: a
        - x
      dup: # instruction: b
        - y
      no comment:
        - z
      empty list: [] # instruction: nothing in it
    ~sampler: # instruction: a top-level key that Dynamic Prompts reads as a sampler
      - item
    """)


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """1-based line of the nth line containing ``needle``."""
    hits = [i for i, line in enumerate(text.splitlines(), start=1) if needle in line]
    return hits[nth - 1]


def found(problems, code, line):
    return [p for p in problems if p.code == code and p.line == line]


@pytest.fixture(scope="module")
def bad_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("check") / "bad.yaml"
    path.write_text(BAD, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def report(bad_file):
    from click.testing import CliRunner

    from wildcards_gen.cli import create_cli

    result = CliRunner().invoke(create_cli(), ["check", "--format", "json", str(bad_file)])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["clean"] is False and data["target"] == "all"
    return data


EXPECTED = [
    # (code, line needle, nth, targets)
    ("coerced-key", "  yes:", 1, {"dynamicprompts", "impact"}),
    ("coerced-item", "    - no", 1, {"dynamicprompts", "impact"}),
    ("coerced-item", "    - 1920", 1, {"dynamicprompts", "impact"}),
    ("coerced-item", "    - 1920", 1, {"generator"}),  # a warning: the web app keeps the text
    ("duplicate-item", "    - dog", 2, {"dynamicprompts", "impact", "generator"}),
    ("empty-item", '    - ""', 1, {"dynamicprompts", "impact", "generator"}),
    ("item-char", "    - a#b", 1, {"dynamicprompts"}),
    ("item-char", "    - '{a|b}'", 1, {"dynamicprompts"}),
    ("item-char", "    - '{a|b}'", 1, {"impact"}),
    ("item-char", "    - 2::x", 1, {"dynamicprompts"}),
    ("collision", "  X-Ray:", 1, {"impact"}),
    ("empty-value", "  empty:", 1, {"dynamicprompts", "impact", "generator"}),
    ("empty-value", "  empty list:", 1, {"dynamicprompts", "impact", "generator"}),
    ("reserved-key", "  instruction:", 1, {"generator"}),
    ("nested-list", "    - [1, 2]", 1, {"dynamicprompts", "impact", "generator"}),
    ("nested-list", "    - {k: v}", 1, {"dynamicprompts", "impact", "generator"}),
    ("misplaced-instruction", "  # instruction: on a line", 1, {"generator"}),
    ("instruction-count", "  a(b:", 1, {"generator"}),
    ("key-char", "  a(b:", 1, {"dynamicprompts"}),
    ("key-char", "  a(b:", 1, {"impact"}),
    ("key-char", "~sampler:", 1, {"dynamicprompts"}),
    ("key-char", "~sampler:", 1, {"impact"}),
    ("collision", "  dup:", 2, {"dynamicprompts", "impact", "generator"}),
    ("missing-instruction", "  no comment:", 1, {"generator"}),
]


@pytest.mark.parametrize("code,needle,nth,targets", EXPECTED, ids=[f"{c}@{n.strip()}" for c, n, _, _ in EXPECTED])
def test_each_problem_is_reported_on_its_line(report, code, needle, nth, targets):
    line = line_of(BAD, needle, nth)
    problems = report["files"][0]["problems"]
    hits = [p for p in problems if p["code"] == code and p["line"] == line and set(p["targets"]) == targets]
    assert hits, (
        f"{code} on line {line} for {sorted(targets)}; got {[(p['code'], p['line'], p['targets']) for p in problems]}"
    )
    syntax = code == "item-char" and "a#b" not in needle  # well-formed {a|b}, N:: (people's own wildcards)
    warning = code == "missing-instruction" or (code.startswith("coerced") and targets == {"generator"}) or syntax
    assert all(p["severity"] == ("warning" if warning else "error") for p in hits)


def test_nothing_else_is_reported(report):
    expected = {(code, line_of(BAD, needle, nth)) for code, needle, nth, _ in EXPECTED}
    extra = [
        (p["code"], p["line"], p["message"])
        for p in report["files"][0]["problems"]
        if (p["code"], p["line"]) not in expected
    ]
    # the only other line with a problem: 'y' under the second 'dup' is fine, 'no' under 'pets' was counted
    assert extra == [], extra
    assert report["errors"] == sum(1 for p in report["files"][0]["problems"] if p["severity"] == "error")
    assert report["warnings"] == 6  # missing instruction, 1920 for the web app, {a|b} and 2::x for two readers each


def test_every_code_is_exercised():
    exercised = {code for code, *_ in EXPECTED} | {
        "yaml-error",
        "not-a-mapping",
        "file-suffix",
        "complex-key",
        "too-deep",  # test_check_readers_in_the_wild.py
        "txt-name",
    }
    assert exercised == set(CODES)


def test_text_report_names_file_line_and_target(bad_file, cli):
    result = cli("check", bad_file)
    assert result.exit_code == 1
    line = line_of(BAD, "  X-Ray:")
    assert f"{bad_file}:{line}:3: error collision [impact] animals/X-Ray:" in result.stdout
    assert "warning missing-instruction" in result.stdout
    assert result.stdout.rstrip().endswith("in 1 file (target: all)")


def test_target_selects_the_readers(bad_file):
    impact = check_file(bad_file, "impact")
    assert all(p.targets == ("impact",) for p in impact)
    assert found(impact, "collision", line_of(BAD, "  X-Ray:"))
    dp = check_file(bad_file, "dynamicprompts")
    assert not found(dp, "collision", line_of(BAD, "  X-Ray:"))  # 'x ray' and 'X-Ray' differ there
    assert not [p for p in dp if p.code in ("reserved-key", "missing-instruction", "instruction-count")]
    generator = check_file(bad_file, "generator")
    assert not [p for p in generator if p.code in ("item-char", "coerced-key")]
    assert found(generator, "reserved-key", line_of(BAD, "  instruction:"))


def test_dynamicprompts_really_fails_where_check_says_so(bad_file, tmp_path):
    """The problems check reports for Dynamic Prompts are real: the real package loses or mangles them."""
    from dynamicprompts.generators import RandomPromptGenerator
    from dynamicprompts.wildcards import WildcardManager

    logging.getLogger("dynamicprompts").setLevel(logging.CRITICAL)
    (tmp_path / "w").mkdir()
    (tmp_path / "w" / "bad.yaml").write_text(BAD)
    manager = WildcardManager(tmp_path / "w")
    names = manager.get_collection_names()
    assert "animals/yes" not in names  # coerced key: dropped (it became True)
    assert "animals/empty" not in names and "animals/empty list" not in names  # empty values: skipped
    values = list(manager.get_values("animals/pets"))
    assert "no" not in values and "1920" not in values and "" not in values  # coerced/empty items lost
    assert values.count("dog") == 1  # deduplicated by default...
    manager.dedup_wildcards = False
    assert list(manager.get_values("animals/pets")).count("dog") == 2  # ...else twice the odds
    generator = RandomPromptGenerator(wildcard_manager=manager, seed=1)
    with pytest.raises(Exception):  # noqa: B017 (the parser raises several types)
        generator.generate("__animals/a(b__", 1)  # '(' breaks the parser
    truncated = RandomPromptGenerator(wildcard_manager=manager, seed=1).generate("__animals/x ray__", 30)
    assert "a#b" not in truncated and "{a|b}" not in truncated and "2::x" not in truncated


def test_clean_file_exits_zero_and_says_so(tmp_path, cli):
    path = tmp_path / "good.yaml"
    path.write_text('animals: # instruction: living things\n  "yes": # instruction: agreement\n    - "no"\n    - pug\n')
    result = cli("check", path, "--strict")
    assert result.exit_code == 0, result.stdout
    assert result.stdout.strip() == "1 file clean for target all"
    assert check_file(path) == []
    # valid JSON for a clean file too
    data = json.loads(cli("check", path, "--format", "json").stdout)
    assert data == {
        "target": "all",
        "clean": True,
        "errors": 0,
        "warnings": 0,
        "files": [{"file": str(path), "clean": True, "problems": []}],
    }


def test_missing_instructions_warn_and_fail_only_with_strict(tmp_path, cli):
    path = tmp_path / "plain.yaml"
    path.write_text("animals:\n  dogs:\n    - pug\n")
    loose = cli("check", path)
    assert loose.exit_code == 0
    assert "warning missing-instruction" in loose.stdout and "no key has" in loose.stdout
    assert loose.stdout.count("missing-instruction") == 1  # one file-level warning, not one per key
    assert cli("check", path, "--strict").exit_code == 1
    assert cli("check", path, "--target", "dynamicprompts", "--strict").exit_code == 0


def test_invalid_yaml_reports_its_line(tmp_path, cli):
    path = tmp_path / "broken.yaml"
    path.write_text("animals:\n  dogs:\n    - pug\n  cats: [unclosed\n")
    result = cli("check", path)
    assert result.exit_code == 1
    problems = check_file(path)
    assert [p.code for p in problems] == ["yaml-error"]
    assert problems[0].line >= 4
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "text,code",
    [
        ("- a\n- b\n", "not-a-mapping"),
        ("", "not-a-mapping"),
        ("? [a, b]\n: - x\n", "complex-key"),
    ],
)
def test_structure_problems(text, code):
    problems = check_text(text, "t.yaml")
    assert code in {p.code for p in problems}
    assert all(p.line == 1 for p in problems if p.code == code)


def test_yml_suffix_is_reported_for_the_readers_that_ignore_it(tmp_path):
    path = tmp_path / "animals.yml"
    path.write_text("animals: # instruction: x\n  dogs: # instruction: y\n    - pug\n")
    problems = check_file(path)
    assert [(p.code, p.line, p.targets) for p in problems] == [("file-suffix", 1, ("dynamicprompts", "impact"))]
    assert check_file(path, "generator") == []


def test_generator_only_rules():
    text = "top: # instruction: t\n  __proto__: # instruction: p\n    - x\n  a/b: # instruction: s\n    - y\n"
    problems = check_text(text, "g.yaml", "generator")
    assert [(p.code, p.line) for p in problems] == [("key-char", 2), ("key-char", 4)]
    assert "prototype" in problems[0].message and "'/'" in problems[1].message
    assert [p.code for p in check_text(text, "g.YAML", "dynamicprompts", suffix=".YAML")].count("file-suffix") == 1


def test_several_files_and_exit_status(tmp_path, bad_file, cli):
    good = tmp_path / "good.yaml"
    good.write_text("animals: # instruction: x\n  dogs: # instruction: y\n    - pug\n")
    assert cli("check", good, good).exit_code == 0
    result = cli("check", good, bad_file, "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert [f["clean"] for f in data["files"]] == [True, False]
    missing = cli("check", tmp_path / "nope.yaml")
    assert missing.exit_code == 2 and "does not exist" in missing.output


@pytest.mark.parametrize(
    "line,comment",
    [
        ("a: # instruction: x", "# instruction: x"),
        ("  - 'it''s # not' # yes", "# yes"),
        ('  - "a \\" # b" # c', "# c"),
        ("carpenter's kit: # instruction: tools", "# instruction: tools"),
        ("a#b: [x]", None),
        ("# whole line", "# whole line"),
    ],
)
def test_line_comment(line, comment):
    assert line_comment(line) == comment


def test_well_formed_prompt_syntax_in_peoples_own_items_is_a_warning(tmp_path, cli):
    """A hand-kept wildcard uses {a|b}, __name__ and N:: on purpose; only broken syntax is an error."""
    from dynamicprompts.generators import RandomPromptGenerator
    from dynamicprompts.wildcards import WildcardManager

    folder = tmp_path / "wildcards"
    folder.mkdir()
    (folder / "colors.txt").write_text("red\nblue\n")
    (folder / "hats.txt").write_text("{red|blue} hat\n__colors__ beret\n2::straw hat\n{a|{b|c}} cap\n")
    result = cli("check", "--format", "json", folder)
    assert result.exit_code == 0, result.stdout
    hats = next(f for f in json.loads(result.stdout)["files"] if f["file"].endswith("hats.txt"))
    found = {(p["line"], p["severity"], p["targets"][0]) for p in hats["problems"]}
    assert {(line, severity) for line, severity, _ in found} == {
        (1, "warning"),
        (2, "warning"),
        (3, "warning"),
        (4, "warning"),
    }
    assert (3, "warning", "dynamicprompts") not in found  # Dynamic Prompts reads no weight in a .txt line (below)
    assert cli("check", "--strict", folder).exit_code == 1
    # and it is syntax indeed: Dynamic Prompts expands it
    prompts = RandomPromptGenerator(wildcard_manager=WildcardManager(folder), seed=3).generate("__hats__", 40)
    assert {"red hat", "blue hat", "red beret", "2::straw hat"} <= set(prompts)  # the weight stays text in .txt
    (folder / "broken.txt").write_text("{red|blue hat\nsnake__case\nC# coder\n")
    result = cli("check", "--format", "json", folder)
    assert result.exit_code == 1
    problems = next(f for f in json.loads(result.stdout)["files"] if f["file"].endswith("broken.txt"))["problems"]
    assert {p["line"] for p in problems if p["severity"] == "error"} == {1, 2, 3}
