"""``wildcards-gen export FILE --txt-dir DIR``: .txt wildcard folders the real Dynamic Prompts reads."""

from __future__ import annotations

import logging
import textwrap

import pytest
from test_writer_targets import NastyPlugin, leaf_lists, rt_load

from wildcards_gen.commands.export import fs_safe


def manager_for(folder):
    from dynamicprompts.wildcards import WildcardManager

    logging.getLogger("dynamicprompts").setLevel(logging.ERROR)
    return WildcardManager(folder)


def sample_every_wildcard(manager) -> dict:
    """name -> sampled values, for every wildcard the manager exposes; each sample is one of its values."""
    from dynamicprompts.generators import RandomPromptGenerator

    out = {}
    for i, name in enumerate(sorted(manager.get_collection_names())):
        values = list(manager.get_values(name))
        samples = RandomPromptGenerator(wildcard_manager=manager, seed=i).generate(f"__{name}__", 3)
        assert samples and all(s in values for s in samples), (name, samples)
        out[name] = sorted(values)
    return out


@pytest.fixture(scope="module")
def nasty_yaml(tmp_path_factory):
    from click.testing import CliRunner

    from wildcards_gen.cli import create_cli
    from wildcards_gen.plugins import get_registry

    registry = get_registry()
    registry.register(NastyPlugin(), name="nasty-names-export")
    try:
        path = tmp_path_factory.mktemp("export") / "nasty.yaml"
        result = CliRunner().invoke(create_cli(), ["dataset", "nasty", "-o", str(path), "--workers", "1"])
        assert result.exit_code == 0, result.output
    finally:
        registry.unregister("nasty-names-export")
    return path


def test_exported_folder_exposes_the_same_wildcards_as_the_yaml(nasty_yaml, tmp_path, cli):
    out = tmp_path / "txt"
    result = cli("export", nasty_yaml, "--txt-dir", out)
    assert result.exit_code == 0, result.output
    expected = leaf_lists(rt_load(nasty_yaml))
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert files == sorted(f"{name}.txt" for name in expected)  # one .txt per leaf list, nothing else
    assert f"Wrote {len(expected)} .txt files to {out}" in result.stderr
    assert "Renamed" not in result.stderr  # the writer's names are already safe everywhere

    from_txt = sample_every_wildcard(manager_for(out))
    assert from_txt == {name: sorted(items) for name, items in expected.items()}
    # the YAML itself, read by the same package, gives the same wildcards
    (tmp_path / "yaml").mkdir()
    (tmp_path / "yaml" / "nasty.yaml").write_bytes(nasty_yaml.read_bytes())
    assert sample_every_wildcard(manager_for(tmp_path / "yaml")) == from_txt
    # YAML 1.1 words are plain lines in a .txt file
    lines = (out / "Nasty root" / "x ray.txt").read_text(encoding="utf-8").splitlines()
    assert {"yes", "no", "null", "1920", "~", "="} <= set(lines)


UNSAFE = textwrap.dedent("""\
    top:
      CON:
        - console
      aux.list:
        - auxiliary
      "a:b?":
        - colon
      "trail. ":
        - trailing
      .hidden:
        inner:
          - hidden item
      Dogs:
        - upper
      dogs:
        - lower
      'pipe|star*':
        - pipe
      fine:
        - "two  spaces\\nand a newline"
        - ""
      nothing: []
    """)


def test_names_are_made_safe_for_windows_and_reported(tmp_path, cli):
    source = tmp_path / "unsafe.yaml"
    source.write_text(UNSAFE)
    out = tmp_path / "txt"
    result = cli("export", source, "--txt-dir", out)
    assert result.exit_code == 0, result.output
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert files == sorted(
        [
            "top/_CON.txt",
            "top/_aux.list.txt",
            "top/a_b.txt",
            "top/trail.txt",
            "top/_hidden/inner.txt",
            "top/Dogs.txt",
            "top/dogs 2.txt",
            "top/pipe_star.txt",
            "top/fine.txt",
        ]
    )
    for before, after in [
        ("top/CON", "top/_CON"),
        ("top/a:b?", "top/a_b"),
        ("top/.hidden", "top/_hidden"),
        ("top/dogs", "top/dogs 2"),
        ("top/trail. ", "top/trail"),
    ]:
        assert f"Renamed for the file system: {before} -> {after}" in result.stderr
    assert "Skipped top/nothing: no items" in result.stderr
    assert (out / "top" / "fine.txt").read_text() == "two spaces and a newline\n"
    names = sample_every_wildcard(manager_for(out))
    assert names["top/_hidden/inner"] == ["hidden item"]  # a '.' folder would have been skipped
    assert names["top/dogs 2"] == ["lower"] and names["top/Dogs"] == ["upper"]


@pytest.mark.parametrize(
    "name,safe",
    [
        ("con", "_con"),
        ("NUL.txt", "_NUL.txt"),
        ("com1", "_com1"),
        ("LPT9 ", "_LPT9"),
        ("COM10", "COM10"),
        ("a<b>c", "a_b_c"),
        ('q"uote', "q_uote"),
        ("back\\slash", "back_slash"),
        ("dots...", "dots"),
        ("a:?", "a"),
        ("a<>b", "a_b"),
        ("conin$", "_conin$"),
        ("CON.tar.gz", "_CON.tar.gz"),
        ("icon", "icon"),
        ("...", "_"),
        (".", "_"),
        ("tab\there", "tab_here"),
        ("x" * 300, "x" * 200),
        ("é" * 150, "é" * 100),
        ("half\ud800pair", "half_pair"),  # a lone surrogate from a YAML escape is no character
    ],
)
def test_fs_safe(name, safe):
    assert fs_safe(name) == safe


def test_refuses_a_non_empty_folder_without_force(tmp_path, cli):
    source = tmp_path / "a.yaml"
    source.write_text("animals:\n  dogs:\n    - pug\n")
    out = tmp_path / "txt"
    out.mkdir()
    (out / "keep.txt").write_text("mine\n")
    refused = cli("export", source, "--txt-dir", out)
    assert refused.exit_code != 0
    assert refused.stderr.strip() == f"Error: {out} is not empty; use --force to write into it"
    assert sorted(p.name for p in out.rglob("*")) == ["keep.txt"]

    forced = cli("export", source, "--txt-dir", out, "--force")
    assert forced.exit_code == 0, forced.output
    assert (out / "animals" / "dogs.txt").read_text() == "pug\n"
    assert (out / "keep.txt").read_text() == "mine\n"
    # a second forced export replaces the file in place; no temporary file is left behind
    source.write_text("animals:\n  dogs:\n    - beagle\n    - pug\n")
    assert cli("export", source, "--txt-dir", out, "--force").exit_code == 0
    assert (out / "animals" / "dogs.txt").read_text() == "beagle\npug\n"
    assert sorted(p.name for p in out.rglob("*")) == ["animals", "dogs.txt", "keep.txt"]


def test_bad_input_is_one_line_error_and_writes_nothing(tmp_path, cli):
    out = tmp_path / "txt"
    broken = tmp_path / "broken.yaml"
    broken.write_text("animals: [unclosed\n")
    result = cli("export", broken, "--txt-dir", out)
    assert result.exit_code != 0
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.output and not out.exists()

    flat = tmp_path / "flat.yaml"
    flat.write_text("- a\n- b\n")
    result = cli("export", flat, "--txt-dir", out)
    assert result.exit_code != 0 and "top level must be a mapping" in result.stderr and not out.exists()

    a_file = tmp_path / "file"
    a_file.write_text("x")
    result = cli("export", broken, "--txt-dir", a_file)
    assert result.exit_code != 0


@pytest.mark.parametrize("text", ["x: [a, b]\nx.txt:\n  y: [c]\n", "x.txt:\n  y: [c]\nx: [a, b]\n"])
def test_a_list_and_a_key_one_name_apart_both_get_a_name(tmp_path, cli, text):
    """A list ``x`` is the file ``x.txt``; a key ``x.txt`` would be the folder ``x.txt``: one is numbered."""
    source = tmp_path / "clash.yaml"
    source.write_text(text)
    out = tmp_path / "txt"
    result = cli("export", source, "--txt-dir", out)
    assert result.exit_code == 0, result.output
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert len(files) == 2 and "Renamed for the file system" in result.stderr
    by_items = {p.read_text(): p.relative_to(out).as_posix() for p in out.rglob("*.txt") if p.is_file()}
    assert set(by_items) == {"a\nb\n", "c\n"}
    assert by_items["c\n"].endswith("/y.txt")


def test_a_failed_export_leaves_nothing_behind(tmp_path, cli):
    deep = "".join(f"{'  ' * n}{chr(97 + n % 26) * 190}:\n" for n in range(25)) + "  " * 25 + "- item\n"
    source = tmp_path / "deep.yaml"
    source.write_text("a: [first]\n" + deep)  # the first list fits; the deep one is too long a path
    out = tmp_path / "new" / "txt"
    result = cli("export", source, "--txt-dir", out)
    assert result.exit_code == 2
    assert "longer than this system allows" in result.stderr and result.stderr.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deep.yaml"]

    # --force into a folder where one list's file would have to replace a folder
    target = tmp_path / "existing"
    (target / "b.txt").mkdir(parents=True)
    (target / "keep.txt").write_text("mine\n")
    source.write_text("a: [x]\nb: [y]\n")
    result = cli("export", source, "--txt-dir", target, "--force")
    assert result.exit_code == 2 and f"{target / 'b.txt'} is a folder where the list b.txt goes" in result.stderr
    assert sorted(p.relative_to(target).as_posix() for p in target.rglob("*")) == ["b.txt", "keep.txt"]


def test_the_temporary_folder_of_a_killed_export_goes_at_the_next_export(tmp_path, cli):
    import subprocess
    import sys

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".txt.{dead.pid}.0123abcd.tmp"
    (stale / "animals").mkdir(parents=True)
    (stale / "animals" / "dogs.txt").write_text("half\n")
    source = tmp_path / "a.yaml"
    source.write_text("animals:\n  dogs: [pug]\n")
    result = cli("export", source, "--txt-dir", tmp_path / "txt")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml", "txt"]
    assert (tmp_path / "txt" / "animals" / "dogs.txt").read_text() == "pug\n"
