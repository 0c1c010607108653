"""The documentation says what the code does: generated reference, real options, working links."""

from __future__ import annotations

import ast
import importlib.util
import os
import re
from pathlib import Path

import click
import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [
    ROOT / "README.md",
    ROOT / "CONTRIBUTING.md",
    *sorted((ROOT / "docs").glob("*.md")),
    *sorted((ROOT / "examples").glob("*/README.md")),
]
# flags of other tools that the docs quote (pip, pytest, apt-get)
OTHER_TOOLS = {"--no-deps", "--no-build-isolation", "--user", "--disable-pip-version-check"}


def _generator():
    spec = importlib.util.spec_from_file_location("gen_reference", ROOT / "scripts" / "gen_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_reference_is_generated_from_the_current_code(monkeypatch):
    generator = _generator()
    monkeypatch.setenv("WILDCARDS_GEN_LOAD_PLUGINS", generator.BUNDLED)
    import wildcards_gen.plugins as plugins
    from wildcards_gen.plugins import _build_registry, get_registry  # the bundled plugins alone

    monkeypatch.setattr(plugins, "_registry", _build_registry(use_cache=False))
    assert get_registry().datasets.keys() == {"coco", "imagenet", "openimages", "tencent"}
    expected = generator.render()
    actual = (ROOT / "docs" / "reference.md").read_text()
    assert actual == expected, "docs/reference.md is out of date: run .venv/bin/python scripts/gen_reference.py"


def _cli_flags() -> set[str]:
    from wildcards_gen.cli import create_cli

    flags: set[str] = set()

    def visit(command, ctx):
        for param in command.params:
            flags.update(o for o in param.opts + param.secondary_opts if o.startswith("--"))
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                if sub is not None:
                    visit(sub, click.Context(sub, info_name=name, parent=ctx))

    cli = create_cli()
    visit(cli, click.Context(cli, info_name="wildcards-gen"))
    return flags | {"--help", "--version"}


def _script_flags() -> set[str]:
    """Flags of the benchmarks and scripts (argparse), which the docs also quote."""
    flags = set()
    for path in [*ROOT.glob("benchmarks/*.py"), *ROOT.glob("scripts/*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "add_argument":
                flags.update(
                    a.value for a in node.args if isinstance(a, ast.Constant) and str(a.value).startswith("--")
                )
    for path in ROOT.glob("scripts/*"):
        if path.suffix != ".py":
            flags.update(re.findall(r'"(--[a-z][a-z-]+)"', path.read_text()))
    return flags | {"--check"}


def _declared_in(text: str) -> set[str]:
    """Options that example code declares (``click.Option(["--x"], ...)``), in a page or a package."""
    return set(re.findall(r'click\.Option\(\s*\[\s*"(--[a-z][a-z0-9-]*)"', text))


def test_every_option_the_docs_mention_exists():
    examples = "".join(p.read_text() for p in ROOT.glob("examples/*/*/*.py"))
    known = _cli_flags() | _script_flags() | OTHER_TOOLS | _declared_in(examples)
    unknown = {}
    for path in DOCS:
        text = path.read_text()
        if path.name == "reference.md":
            continue
        for flag in re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*[a-z0-9](?![\w*-])", text):
            if flag in _declared_in(text):
                continue
            if flag not in known:
                unknown.setdefault(str(path.relative_to(ROOT)), set()).add(flag)
    assert unknown == {}


def test_links_between_documents_resolve():
    broken = []
    for path in DOCS:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", path.read_text()):
            if "://" in target:
                continue
            if not (path.parent / target).exists():
                broken.append(f"{path.relative_to(ROOT)} -> {target}")
    assert broken == []


def test_the_readme_is_an_entry_not_a_manual():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 250
    assert "scripts/demo" in readme and "scripts/test" in readme
    for path in DOCS:
        text = path.read_text().lower()
        for phrase in ("prior tool", "this work's", "issue 7", "before this work"):
            assert phrase not in text, f"{path.name}: project history ({phrase!r}) in the reference"


@pytest.mark.parametrize("script", ["demo", "test", "lint", "bootstrap", "check-example"])
def test_the_scripts_the_docs_name_exist_and_are_executable(script):
    path = ROOT / "scripts" / script
    assert path.exists() and os.access(path, os.X_OK)
