"""Write docs/reference.md from the code: every command's options and the check codes.

    .venv/bin/python scripts/gen_reference.py          # rewrite docs/reference.md
    .venv/bin/python scripts/gen_reference.py --check  # exit 1 if it is out of date

Only the bundled plugins are loaded (the datasets', and llm with its commands and arranger
options), so what else is installed does not change the page.
``tests/test_docs.py`` runs the check, so the page cannot drift from the code.
"""

from __future__ import annotations

import inspect
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "docs" / "reference.md"
BUNDLED = "coco,imagenet,llm,openimages,tencent"


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _kind(param) -> str:
    import click

    if isinstance(param, click.Option) and param.is_flag and not param.count:
        return "flag"
    if isinstance(param, click.Option) and param.count:
        return "count"
    kind = param.type
    if isinstance(kind, click.Choice):
        return " \\| ".join(f"`{c}`" for c in kind.choices)
    return {
        "INTEGER RANGE": "integer",
        "FLOAT RANGE": "number",
        "INTEGER": "integer",
        "FLOAT": "number",
        "PATH": "path",
        "FILE": "path",
        "TEXT": "text",
        "DIRECTORY": "folder",
    }.get(kind.name.upper(), kind.name)


def _default(param) -> str:
    import click

    if isinstance(param, click.Option) and (param.is_flag and not param.secondary_opts) and not param.default:
        return ""
    value = param.default
    if value is None or value == () or callable(value) or type(value).__name__ == "Sentinel":
        return ""
    if isinstance(value, bool) and isinstance(param, click.Option) and param.secondary_opts:
        names = param.opts if value else param.secondary_opts
        return f"`{names[-1]}`"
    return f"`{value}`"


def _options(command) -> list[str]:
    import click

    rows = ["| option | value | default | what it does |", "|---|---|---|---|"]
    for param in command.params:
        if isinstance(param, click.Argument):
            continue
        names = " / ".join(f"`{n}`" for n in param.opts + param.secondary_opts)
        rows.append(f"| {names} | {_kind(param)} | {_default(param)} | {_cell(param.help or '')} |")
    rows.append("| `-h` / `--help` | flag | | Show the command's help and exit. |")
    return rows


def _commands(group, prefix: tuple[str, ...]):
    import click

    ctx = click.Context(group, info_name=" ".join(prefix))
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None or command.hidden:
            continue
        yield prefix + (name,), command, ctx
        if isinstance(command, click.Group):
            yield from _commands(command, prefix + (name,))


def render() -> str:
    """The page's text."""
    import click

    from wildcards_gen.cli import create_cli
    from wildcards_gen.commands.check import CODES

    cli = create_cli()
    out = [
        "# Command reference",
        "",
        "Generated from the code by `scripts/gen_reference.py` (a test fails when it is out of date).",
        "`wildcards-gen dataset NAME` lists the options of the bundled datasets; a third-party dataset",
        "adds its own after them (`wildcards-gen dataset NAME --help`). The bundled llm plugin's commands",
        "(`wildcards-gen llm ...`, [llm.md](llm.md)) and its arranger's `--llm-*` options are listed too;",
        "another plugin's commands and options appear in `--help` once it is installed.",
        "",
    ]
    root_ctx = click.Context(cli, info_name="wildcards-gen")
    out += [
        "## wildcards-gen",
        "",
        "```",
        cli.get_usage(root_ctx).replace("Usage: ", ""),
        "```",
        "",
        _cell(inspect.cleandoc(cli.help or "")),
        "",
        *_options(cli),
        "",
    ]
    for path, command, parent_ctx in _commands(cli, ("wildcards-gen",)):
        ctx = click.Context(command, info_name=path[-1], parent=parent_ctx)
        out += [f"## {' '.join(path)}", "", "```", command.get_usage(ctx).replace("Usage: ", ""), "```", ""]
        help_text = inspect.cleandoc(command.help or "").split("\n\n")
        out += [_cell(help_text[0]), ""]
        for para in help_text[1:]:
            if para.startswith("\b"):
                out += ["```", para.replace("\b\n", "").rstrip(), "```", ""]
            elif not para.startswith("Problem codes:"):
                out += [_cell(para), ""]
        if not isinstance(command, click.Group) or command.params:
            out += [*_options(command), ""]
    out += ["## Check codes", "", "| code | what it means |", "|---|---|"]
    out += [f"| `{code}` | {_cell(what)} |" for code, what in CODES.items()]
    return "\n".join(out).rstrip() + "\n"


def main(argv: list[str]) -> int:
    os.environ["WILDCARDS_GEN_LOAD_PLUGINS"] = BUNDLED
    text = render()
    if "--check" in argv:
        if not TARGET.exists() or TARGET.read_text() != text:
            print(f"{TARGET} is out of date: run {Path(__file__).relative_to(ROOT)}", file=sys.stderr)
            return 1
        return 0
    TARGET.parent.mkdir(exist_ok=True)
    TARGET.write_text(text)
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
