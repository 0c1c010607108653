"""What the web UI's forms mean on the command line: each form becomes the arguments of a command.

The page sends a form; :func:`generate_args`, :func:`arrange_args` and
:func:`check_args` turn it into the arguments ``wildcards-gen`` would be given
(shown on the page for copy-paste), and :func:`parse` reads them with the
command's own click parameters, callbacks and checks included. So the options
a job runs with are, by construction, those of the command line shown.
:func:`describe` lists what the forms may offer: the installed datasets (from
the plugin registry) with their own options and presets, embedders, readers.
"""

from __future__ import annotations

import shlex
from typing import Any

import click

from wildcards_gen.errors import UsageError

# The host's options the Generate form offers (the dataset's own options come on top).
GENERATE_FIELDS = (
    "smart",
    "preset",
    "min_depth",
    "min_hyponyms",
    "min_leaf",
    "depth",
    "glosses",
    "semantic_arrange",
    "embedder",
    "target",
    "key_style",
)
ARRANGE_FIELDS = ("category", "embedder", "target", "key_style")
SMART_ONLY = ("preset", "min_depth", "min_hyponyms", "min_leaf")
ROOT_OPTIONS = ("root", "roots")  # a dataset option with one of these names gets the WordNet search
MAX_VALUE = 4096  # characters in one form value


def long_flag(param: click.Option) -> str:
    return next((o for o in param.opts if o.startswith("--")), param.opts[0])


def option_args(param: click.Option, value: Any) -> list[str]:
    """The command-line arguments that give ``param`` the form's ``value`` (none for its default)."""
    if value is None or value == "" or value == []:
        return []
    if param.is_flag:
        if not isinstance(value, bool):
            raise UsageError(f"{long_flag(param)} is on or off, not {value!r}")
        if param.secondary_opts:
            if value == param.default or (not value and param.default is None):
                return []
            return [long_flag(param) if value else param.secondary_opts[0]]
        return [long_flag(param)] if value else []
    if not param.multiple and str(value) == str(param.default):
        return []  # the command line's default: left out, as a person would
    values = value if isinstance(value, list) else [value]
    if param.multiple and isinstance(value, str):
        values = [v.strip() for v in value.split(",")]
    out = []
    for one in values:
        if isinstance(one, bool) or not isinstance(one, (str, int, float)):
            raise UsageError(f"{long_flag(param)} takes text or a number, not {one!r}")
        text = str(one).strip()
        if len(text) > MAX_VALUE:
            raise UsageError(f"{long_flag(param)}: the value is longer than {MAX_VALUE} characters")
        if text:
            out += [long_flag(param), text]
    return out if param.multiple else out[:2]


def _params(command: click.Command) -> dict[str, click.Option]:
    return {p.name: p for p in command.params if isinstance(p, click.Option) and p.name}


def _form(form: Any) -> dict:
    if not isinstance(form, dict):
        raise UsageError("the form must be a JSON object")
    return form


def generate_args(registry: Any, form: Any) -> list[str]:
    """``["dataset", NAME, ...]`` for the Generate form."""
    from wildcards_gen.cli import dataset_command

    form = _form(form)
    name = form.get("dataset")
    if not isinstance(name, str) or not name:
        raise UsageError("choose a dataset")
    dataset = registry.dataset(name)  # an unknown or ambiguous name: the CLI's own message
    params = _params(dataset_command(dataset))
    args = ["dataset", name]
    smart = form.get("smart") is True
    for field in GENERATE_FIELDS:
        if field in SMART_ONLY and not smart:
            continue
        args += option_args(params[field], form.get(field))
    own = form.get("options") or {}
    if not isinstance(own, dict):
        raise UsageError("the dataset's options must be a JSON object")
    for option in dataset.options:
        if isinstance(option, click.Option) and option.name in own:
            args += option_args(option, own[option.name])
    return args


def arrange_args(form: Any, filename: str) -> list[str]:
    """``["arrange", FILE, ...]`` for the Arrange form."""
    from wildcards_gen.cli import create_cli

    form = _form(form)
    params = _params(create_cli().commands["arrange"])
    args = ["arrange", filename]
    for field in ARRANGE_FIELDS:
        args += option_args(params[field], form.get(field))
    return args


def check_args(form: Any, filename: str) -> list[str]:
    """``["check", FILE, "--target", T]`` for the Check form."""
    from wildcards_gen.sanitize import TARGET_CHOICES

    target = _form(form).get("target") or "all"
    if target not in TARGET_CHOICES:
        raise UsageError(f"unknown reader {target!r}; choose one of {', '.join(TARGET_CHOICES)}")
    return ["check", filename, "--target", target]


def command_line(args: list[str], output: str | None = None) -> str:
    """The shell command for ``args``, ready to copy."""
    return shlex.join(["wildcards-gen", *args, *(["-o", output] if output else [])])


def parse(command: click.Command, args: list[str], name: str) -> dict:
    """``command``'s parameters for ``args``, as the command line reads them; one-line UsageError otherwise."""
    try:
        with command.make_context(name, list(args)) as ctx:
            return dict(ctx.params)
    except click.ClickException as exc:
        raise UsageError(exc.format_message()) from None
    except click.exceptions.Exit:
        raise UsageError(f"{name}: nothing to run") from None


def parse_generate(registry: Any, args: list[str]) -> tuple[Any, dict]:
    """The dataset and the pipeline's options for ``["dataset", NAME, ...]`` (what ``run_dataset`` gets)."""
    from wildcards_gen.cli import dataset_command

    dataset = registry.dataset(args[1])
    options = parse(dataset_command(dataset), args[2:], f"wildcards-gen dataset {args[1]}")
    for key in ("output", "fmt", "stats_file"):
        options.pop(key, None)
    return dataset, options


def parse_arrange(args: list[str]) -> dict:
    from wildcards_gen.cli import create_cli

    return parse(create_cli().commands["arrange"], args[1:], "wildcards-gen arrange")


# -- what the forms offer ----------------------------------------------------------------------


def describe(registry: Any) -> dict:
    """Datasets (with their options and presets), embedders, arrangers and readers, for the page."""
    from wildcards_gen import presets
    from wildcards_gen.options import common_options
    from wildcards_gen.sanitize import TARGET_CHOICES

    common = {p.name: p for p in common_options()}
    datasets = []
    for name, dataset in registry.datasets.items():
        datasets.append(
            {
                "name": name,
                "help": dataset.help,
                "plugin": dataset.plugin,
                "presets": [
                    {"name": preset, **_jsonable(presets.values(preset, dataset))} for preset in presets.names(dataset)
                ],
                "default_preset": presets.DEFAULT,
                "options": [_describe_option(o) for o in dataset.options if isinstance(o, click.Option)],
            }
        )
    return {
        "datasets": datasets,
        "embedders": [{"name": n, "description": e.description} for n, e in registry.embedders.items()],
        "arrangers": [{"name": n, "description": a.description} for n, a in registry.arrangers.items()],
        "targets": list(_choices(common["target"])),
        "key_styles": list(_choices(common["key_style"])),
        "check_targets": list(TARGET_CHOICES),
        "conflicts": [c for c in registry.conflicts() if c["kind"] == "dataset"],
    }


def _choices(param: click.Parameter) -> tuple:
    return tuple(param.type.choices) if isinstance(param.type, click.Choice) else ()


def _describe_option(param: click.Option) -> dict:
    if param.is_flag:
        kind = "flag"
    elif isinstance(param.type, click.Choice):
        kind = "choice"
    elif isinstance(param.type, (click.types.IntParamType, click.types.FloatParamType)):
        kind = "number"
    else:
        kind = "text"
    default = param.default if not callable(param.default) else None
    return {
        "name": param.name,
        "flag": long_flag(param),
        "off_flag": param.secondary_opts[0] if param.secondary_opts else None,
        "help": param.help or "",
        "kind": kind,
        "multiple": bool(param.multiple),
        "choices": list(_choices(param)),
        "default": _jsonable(default),
        "root": param.name in ROOT_OPTIONS,
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)
