"""The batch manifest: parse, expand matrices, validate every task before anything runs.

Each task's options are turned into the argument list of the real
``wildcards-gen dataset NAME`` command and parsed by that click command, so
every option it takes works here, spelled as a YAML key (``min_leaf`` or
``min-leaf``), and bad values fail exactly as on the command line, but with
the manifest's line number. Lists under ``matrix:`` expand into one task per
combination; a list anywhere else is the value of a multiple option
(``exclude-regex: [a, b]``), so the two never get confused.
"""

from __future__ import annotations

import difflib
import itertools
import os
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import click

from wildcards_gen import yaml_values as yv
from wildcards_gen.errors import UsageError

RESERVED = ("name", "dataset", "matrix")
NOT_IN_DEFAULTS = ("name", "output", "matrix")
MAX_TASKS = 1000  # --max-tasks: a manifest that expands to more is refused before anything is expanded
SHOWN_CLASHES = 3  # other tasks named in a "also written by" problem


@dataclass
class Problem:
    line: int
    message: str


@dataclass
class Task:
    """One expanded task, ready to run: ``wildcards-gen dataset <dataset> <argv>``."""

    index: int
    name: str
    dataset: str
    argv: list
    output: str
    line: int
    matrix: dict = field(default_factory=dict)
    stats: str | None = None
    explicit_name: bool = False
    problems: list = field(default_factory=list)
    given: tuple = ()  # the option (parameter) names the manifest set for this task

    def command_line(self) -> str:
        return shlex.join(["wildcards-gen", "dataset", self.dataset, *self.argv])

    def spec(self) -> dict:
        """What a worker process needs (plain, picklable)."""
        return {
            "index": self.index,
            "name": self.name,
            "dataset": self.dataset,
            "argv": list(self.argv),
            "output": self.output,
        }


class ManifestError(UsageError):
    """The manifest has problems; ``problems`` holds each one with its line."""

    def __init__(self, path, problems: list[Problem]):
        self.path = Path(path)
        unique = {(p.line, p.message): p for p in problems}  # matrix combinations repeat problems
        self.problems = [unique[k] for k in sorted(unique)]
        count = len(self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in manifest {path}; nothing was run")

    def lines(self) -> list[str]:
        return [f"{self.path}:{p.line}: {p.message}" for p in self.problems]


# -- loading ---------------------------------------------------------------


def load(path) -> tuple[list, Mapping | None]:
    """Return ``(tasks, defaults)`` as ruamel round-trip nodes (they carry line numbers)."""
    from wildcards_gen.yaml_input import read_yaml

    path = Path(path)
    data = read_yaml(path, "manifest")
    if yv.is_list(data):
        return data, None
    if yv.is_mapping(data):
        unknown = [k for k in data if k not in ("tasks", "defaults")]
        if unknown:
            raise ManifestError(
                path,
                [
                    Problem(
                        _key_line(data, k), f"unknown top-level key {k!r} (expected 'tasks' and optionally 'defaults')"
                    )
                    for k in unknown
                ],
            )
        tasks = data.get("tasks")
        if not yv.is_list(tasks) or not tasks:
            raise ManifestError(
                path,
                [
                    Problem(
                        _key_line(data, "tasks") if "tasks" in data else 1, "'tasks' must be a non-empty list of tasks"
                    )
                ],
            )
        defaults = data.get("defaults")
        if defaults is not None and not yv.is_mapping(defaults):
            raise ManifestError(
                path,
                [
                    Problem(
                        _key_line(data, "defaults"),
                        f"'defaults' must be a mapping of options, found {yv.kind(defaults)}",
                    )
                ],
            )
        return tasks, defaults
    raise UsageError(f"manifest {path}: expected a list of tasks or a mapping with 'tasks', found {yv.kind(data)}")


def _key_line(mapping, key, default: int = 1) -> int:
    return yv.line(yv.key_position(mapping, key), default)


def _item_line(seq, i) -> int:
    return yv.line(yv.item_position(seq, i))


# -- option lookup ---------------------------------------------------------


def normalize(key) -> str:
    return str(key).strip().lstrip("-").replace("-", "_").lower()


def option_table(command: click.Command) -> dict:
    """``normalized key -> (param, is_secondary)`` for every option of ``command``."""
    table: dict = {}
    for param in command.params:
        if not isinstance(param, click.Option):
            continue
        table.setdefault(normalize(param.name), (param, False))
        for opt in param.opts:
            table.setdefault(normalize(opt), (param, False))
        for opt in param.secondary_opts:
            table.setdefault(normalize(opt), (param, True))
    return table


def long_opt(opts) -> str:
    return next((o for o in opts if o.startswith("--")), opts[0])


_is_bool = yv.is_bool


def _text(value) -> str:
    if _is_bool(value):
        return "true" if value else "false"
    return str(value)


class ValueProblem(Exception):
    pass


def to_argv(param: click.Option, secondary: bool, value, base: Path) -> list[str]:
    """The command-line words for one option value (raises ValueProblem)."""
    if value is None:
        return []
    if param.is_flag and not param.count:
        if not _is_bool(value):
            raise ValueProblem(f"expects true or false, got {value!r}")
        on = bool(value) != secondary
        if on:
            return [long_opt(param.opts)]
        return [long_opt(param.secondary_opts)] if param.secondary_opts else []
    if param.count:
        if _is_bool(value) or not isinstance(value, int) or value < 0:
            raise ValueProblem(f"expects a count (0, 1, 2...), got {value!r}")
        return [long_opt(param.opts)] * int(value)
    if yv.is_mapping(value):
        raise ValueProblem("expects a value, got a mapping")
    values = list(value) if yv.is_list(value) else [value]
    if param.nargs not in (1, -1) and param.nargs > 1:
        groups = [values] if not (values and yv.is_list(values[0])) else values
        if not param.multiple and len(groups) > 1:
            raise ValueProblem(f"takes {param.nargs} values")
        out = []
        for group in groups:
            if not yv.is_list(group):
                raise ValueProblem(f"expects lists of {param.nargs} values, got {yv.kind(group)}")
            out += [long_opt(param.opts), *[_path_text(param, _scalar(v), base) for v in group]]
        return out
    if yv.is_list(value) and not param.multiple:
        raise ValueProblem("takes one value; to run one task per value, put the list under 'matrix:'")
    return [f"{long_opt(param.opts)}={_path_text(param, _scalar(v), base)}" for v in values]


def _scalar(value):
    """``value`` if it is text, a number or true/false (what a command line can say), else ValueProblem."""
    if not yv.is_scalar(value):
        raise ValueProblem(f"expects text, a number or true/false, got {yv.kind(value)}")
    problem = yv.text_problem(value)
    if problem:
        raise ValueProblem(problem)
    return value


def _path_text(param, value, base: Path) -> str:
    """Relative paths in the manifest are relative to the manifest's folder."""
    text = _text(value)
    if isinstance(param.type, click.Path):
        from wildcards_gen.output import path_problem

        problem = path_problem(text)
        if problem:
            raise ValueProblem(problem)
        if text and text != "-" and not os.path.isabs(text):
            text = str(base / os.path.expanduser(text))
    return text


# -- naming ----------------------------------------------------------------

_SLUG = re.compile(r"[^A-Za-z0-9.+_]+")


def _slug(text: str) -> str:
    return _SLUG.sub("-", text).strip("-.") or "x"


def suffix_part(key: str, value) -> str:
    """A readable, distinct file-name part for one matrix value."""
    label = normalize(key).replace("_", "-")
    if _is_bool(value):
        return label if value else f"no-{label}"
    if value is None:
        return f"{label}-default"
    if isinstance(value, (int, float)):
        return f"{label}{_slug(str(value))}"
    if isinstance(value, list):
        return "+".join(_slug(_text(v)) for v in value) or f"{label}-none"
    return _slug(str(value))


def with_suffix(path: Path, suffix: str) -> Path:
    if not suffix:
        return path
    return path.with_name(f"{path.stem}-{suffix}{path.suffix}")


# -- expansion and validation -----------------------------------------------


def expand(path, registry, max_tasks: int = MAX_TASKS) -> list[Task]:
    """Every task of the manifest in order, matrices expanded and each one validated.

    A task with problems is returned with ``problems`` set (it never runs);
    :class:`ManifestError` is raised only when the manifest as a whole is
    unusable (not YAML, no task list, bad ``defaults``, more than
    ``max_tasks`` tasks once expanded: counted before anything is expanded).
    """
    path = Path(path)
    base = path.resolve().parent
    raw_tasks, defaults = load(path)
    check_size(path, raw_tasks, max_tasks)
    fatal: list[Problem] = []
    if defaults is not None:
        for key in defaults:
            if normalize(key) in NOT_IN_DEFAULTS:
                fatal.append(
                    Problem(_key_line(defaults, key), f"{key!r} cannot be a default (it must differ per task)")
                )
    if fatal:
        raise ManifestError(path, fatal)
    commands: dict = {}
    tasks: list[Task] = []
    for n, raw in enumerate(raw_tasks):
        tasks += _expand_task(n, raw, raw_tasks, defaults, registry.datasets, commands, base)
    valid = [t for t in tasks if not t.problems]
    for task, problem in collisions(valid, base):
        task.problems.append(problem)
    unique_names(tasks, base)
    for index, task in enumerate(tasks):
        task.index = index
    return tasks


def matrix_size(raw, limit: int) -> int:
    """How many tasks ``raw`` expands to, counted without expanding (stops counting above ``limit``)."""
    node = raw.get("matrix") if yv.is_mapping(raw) else None
    size = 1
    if yv.is_mapping(node):
        for values in node.values():
            if yv.is_list(values) and values:
                size *= len(values)
                if size > limit:
                    return limit + 1
    return size


def check_size(path: Path, raw_tasks: list, max_tasks: int) -> None:
    """Refuse a manifest that expands to more than ``max_tasks`` tasks (``--max-tasks``)."""
    total, biggest, biggest_size = 0, 0, 0
    for n, raw in enumerate(raw_tasks):
        size = matrix_size(raw, max_tasks)
        if size > biggest_size:
            biggest, biggest_size = n, size
        total += size
        if total > max_tasks:
            break
    if total <= max_tasks:
        return
    if biggest_size > max_tasks:
        raw = raw_tasks[biggest]
        where = _key_line(raw, "matrix", _item_line(raw_tasks, biggest))
        message = f"task {biggest + 1}'s matrix alone expands to more than {max_tasks:,} tasks"
    else:
        where = _item_line(raw_tasks, n)
        message = f"the tasks up to this one expand to more than {max_tasks:,} tasks"
    raise ManifestError(
        path, [Problem(where, f"{message} (--max-tasks {max_tasks:,}); split the manifest or raise --max-tasks")]
    )


def problems_of(tasks: list[Task]) -> list[Problem]:
    """Every problem of every task, sorted by line, each once (matrix combinations repeat them)."""
    unique = {(p.line, p.message): p for t in tasks for p in t.problems}
    return [unique[k] for k in sorted(unique)]


def assign_threads(tasks: list[Task], threads: int) -> None:
    """Give each valid task its share of the CPUs (``--workers``, ``--embed-threads``), unless it set them."""
    for task in tasks:
        if task.problems:
            continue
        for name, flag in (("workers", "--workers"), ("embed_threads", "--embed-threads")):
            if name not in task.given:
                task.argv.append(f"{flag}={threads}")


def _expand_task(n, raw, raw_tasks, defaults, datasets, commands, base) -> list[Task]:
    from wildcards_gen.cli import dataset_command

    line = _item_line(raw_tasks, n)

    def invalid(name, dataset, problems, output=""):
        return [Task(0, name, dataset or "?", [], output, line, problems=problems)]

    if not yv.is_mapping(raw):
        return invalid(
            f"task-{n + 1}",
            None,
            [Problem(line, f"task {n + 1}: expected a mapping with 'dataset' and options, found {yv.kind(raw)}")],
        )
    problems: list[Problem] = []
    entries = _entries(defaults, raw, problems)
    dataset_given = "dataset" in entries
    typed = _reserved_problems(entries)  # name, dataset and output must be text (a bad one is removed)
    explicit = "name" in entries
    output_value = entries.get("output", (line, None))[1]
    name_base = (
        _text(entries["name"][1])
        if explicit
        else Path(_text(output_value)).stem or f"task-{n + 1}"
        if output_value is not None
        else f"task-{n + 1}"
    )
    label = f"task {name_base!r}" if explicit else f"task {n + 1}"
    for p in problems + typed:
        p.message = f"{label}: {p.message}"
    problems += typed
    if "dataset" not in entries:
        if not dataset_given:
            problems.append(
                Problem(line, f"{label}: no 'dataset' (available: {', '.join(datasets) or 'none installed'})")
            )
        return invalid(name_base, None, problems)
    ds_line, ds_name = entries["dataset"][0], _text(entries["dataset"][1])
    if ds_name not in datasets:
        hint = difflib.get_close_matches(ds_name, list(datasets), n=1)
        problems.append(
            Problem(
                ds_line,
                f"{label}: unknown dataset {ds_name!r}"
                + (f" (did you mean {hint[0]!r}?)" if hint else "")
                + f"; available: {', '.join(datasets) or 'none installed'}",
            )
        )
        return invalid(name_base, ds_name, problems)
    if ds_name not in commands:
        commands[ds_name] = dataset_command(datasets[ds_name])
    command = commands[ds_name]
    table = option_table(command)

    matrix: list[tuple] = []  # (key, line, values)
    if "matrix" in raw:
        matrix_node = raw["matrix"]
        if not yv.is_mapping(matrix_node) or not matrix_node:
            problems.append(
                Problem(_key_line(raw, "matrix"), f"{label}: 'matrix' must map option names to lists of values")
            )
        else:
            for key, values in matrix_node.items():
                kline = _key_line(matrix_node, key)
                if normalize(key) in ("name", "dataset", "output", "matrix", "stats", "stats_file"):
                    problems.append(
                        Problem(
                            kline, f"{label}: {key!r} cannot be a matrix key (outputs are named from the matrix values)"
                        )
                    )
                elif not yv.is_list(values) or not values:
                    problems.append(Problem(kline, f"{label}: matrix {key!r} must be a non-empty list of values"))
                else:
                    matrix.append((key, kline, list(values)))

    option_keys = [(k, ln, v) for k, (ln, v) in entries.items() if k not in RESERVED and k != "output"]
    for key, kline, _ in option_keys + [(k, ln, None) for k, ln, _ in matrix]:
        if normalize(key) not in table:
            choices = sorted({normalize(p.name) for p, _ in table.values()})
            hint = difflib.get_close_matches(normalize(key), choices, n=1)
            problems.append(
                Problem(
                    kline,
                    f"{label}: unknown option {key!r} for dataset {ds_name!r}"
                    + (f" (did you mean {hint[0]!r}?)" if hint else ""),
                )
            )
    if output_value is None:
        output_value = f"{_slug(name_base if explicit else ds_name)}.yaml"
    output_base = base / os.path.expanduser(_text(output_value))
    if problems:
        return invalid(name_base, ds_name, problems, str(output_base))

    stats_entry = next(((k, ln, v) for k, ln, v in option_keys if normalize(k) in ("stats", "stats_file")), None)
    overridden = {normalize(k) for k, _, _ in matrix}
    tasks = []
    combos = itertools.product(*[[(k, ln, v) for v in values] for k, ln, values in matrix]) if matrix else [()]
    for combo in combos:
        suffix = "-".join(suffix_part(k, v) for k, _, v in combo)
        output = with_suffix(output_base, suffix)
        name = f"{name_base}-{suffix}" if suffix else name_base
        argv: list[str] = []
        lines_by_param: dict = {}
        stats_path = None
        combo_problems: list[Problem] = []
        plain = [(k, ln, v) for k, ln, v in option_keys if normalize(k) not in overridden]
        for key, kline, value in plain + list(combo):
            param, secondary = table[normalize(key)]
            if stats_entry is not None and (key, kline, value) == stats_entry and value is not None:
                stats_path = with_suffix(base / os.path.expanduser(_text(value)), suffix)
                value = str(stats_path)
            try:
                argv += to_argv(param, secondary, value, base)
            except ValueProblem as exc:
                combo_problems.append(Problem(kline, f"{label}: option {key!r}: {exc}"))
            lines_by_param[param.name] = kline
        argv.append(f"--output={output}")
        if output.is_dir():
            combo_problems.append(
                Problem(entries.get("output", (line, None))[0], f"{label}: output {output} is a folder")
            )
        if not combo_problems:
            error = check_argv(command, ds_name, argv)
            if error is not None:
                message, param_name = error
                if param_name not in lines_by_param:  # e.g. a check across options: the first one named
                    named = [
                        table[normalize(o)][0].name for o in re.findall(r"--[\w-]+", message) if normalize(o) in table
                    ]
                    param_name = next((n for n in named if n in lines_by_param), param_name)
                combo_problems.append(Problem(lines_by_param.get(param_name, line), f"{label}: {message}"))
        tasks.append(
            Task(
                0,
                name,
                ds_name,
                argv,
                str(output),
                line,
                {str(k): _plain(v) for k, _, v in combo},
                str(stats_path) if stats_path else None,
                explicit,
                combo_problems,
                tuple(sorted(lines_by_param)),
            )
        )
    return tasks


def _entries(defaults, raw, problems) -> dict:
    """``normalized reserved key or original option key -> (line, value)``; task keys beat defaults."""
    out: dict = {}
    seen_norm: dict = {}
    for source in (defaults, raw):
        if source is None:
            continue
        for key, value in source.items():
            if key == "matrix" and source is raw:
                continue
            norm = normalize(key)
            k = norm if norm in RESERVED or norm == "output" else key
            if norm in seen_norm and seen_norm[norm][0] is source:
                problems.append(
                    Problem(_key_line(source, key), f"option {key!r} given twice in one task ({seen_norm[norm][1]!r})")
                )
                continue
            if norm in seen_norm:  # a task's own key replaces the default
                out.pop(seen_norm[norm][1], None)
            seen_norm[norm] = (source, k)
            out[k] = (_key_line(source, key), value)
    return out


def _reserved_problems(entries: dict) -> list[Problem]:
    """``name``, ``dataset`` and ``output`` must be text (a file name for ``output``); bad ones are removed."""
    from wildcards_gen.output import path_problem

    found = []
    for key in ("name", "dataset", "output"):
        if key not in entries:
            continue
        kline, value = entries[key]
        if key == "output" and value is None:
            continue  # the default file name
        what = "a file name" if key == "output" else "text"
        problem: str | None = None
        if not yv.is_scalar(value) or yv.is_bool(value):
            problem = f"'{key}' must be {what}, got {yv.kind(value)}"
        elif not str(value).strip():
            problem = f"'{key}' must be {what}, got an empty text"
        elif yv.text_problem(value):
            problem = f"'{key}' {yv.text_problem(value)}"
        elif key == "output" and path_problem(str(value)):
            problem = f"'{key}' {path_problem(str(value))}"
        if problem:
            found.append(Problem(kline, problem))
            del entries[key]
    return found


def _plain(value):
    """A JSON-ready copy of a manifest value (ruamel scalars become builtins)."""
    if _is_bool(value):
        return bool(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if value is None:
        return None
    for t in (int, float, str):
        if isinstance(value, t):
            return t(value)
    return str(value)


def check_argv(command: click.Command, name: str, argv: list[str]):
    """Parse ``argv`` with the dataset command; ``(message, param_name)`` on error, else None."""
    try:
        ctx = command.make_context(name, list(argv), resilient_parsing=False)
        ctx.close()
    except click.exceptions.Exit:
        return None
    except click.ClickException as exc:
        param = getattr(exc, "param", None)
        return " ".join(exc.format_message().split()), getattr(param, "name", None)
    return None


def parse_options(command: click.Command, name: str, argv: list[str]) -> dict:
    """The option dict ``run_dataset`` gets for ``argv`` (raises UsageError on bad input)."""
    try:
        ctx = command.make_context(name, list(argv), resilient_parsing=False)
    except click.ClickException as exc:
        raise UsageError(" ".join(exc.format_message().split())) from exc
    params = dict(ctx.params)
    ctx.close()
    return params


def unique_names(tasks: list[Task], base: Path) -> None:
    """Names derived from output file stems can repeat (two folders); use the relative path then."""
    count: dict = {}
    for task in tasks:
        count[task.name] = count.get(task.name, 0) + 1
    for task in tasks:
        if count[task.name] > 1 and not task.explicit_name and task.output:
            task.name = os.path.splitext(display_path(task.output, base))[0]


def display_path(path, start=None) -> str:
    """``path`` relative to ``start`` (default: the current folder) when below it, else absolute."""
    path = os.path.abspath(path)
    rel = os.path.relpath(path, start or os.getcwd())
    return path if rel.startswith("..") else rel


def collisions(tasks: list[Task], base: Path | None = None) -> list[tuple]:
    """``(task, problem)`` for two tasks writing one file (output or stats) or sharing a given name."""
    found = []
    writers: dict = {}
    for task in tasks:
        for what, target in (("output", task.output), ("stats file", task.stats)):
            if target:
                writers.setdefault(os.path.normcase(os.path.realpath(target)), []).append((task, what))
    for target, users in writers.items():
        if len(users) > 1:
            for task, what in users:
                # name a few of the others (not all: 10,000 tasks on one file would be quadratic)
                shown = [o for o, _ in users[: SHOWN_CLASHES + 1] if o is not task][:SHOWN_CLASHES]
                others = ", ".join(f"{o.name!r} (line {o.line})" for o in shown)
                if len(users) - 1 > len(shown):
                    others += f" and {len(users) - 1 - len(shown):,} more"
                found.append(
                    (
                        task,
                        Problem(
                            task.line,
                            f"task {task.name!r}: {what} {display_path(target, base)} is also written by task {others}",
                        ),
                    )
                )
    names: dict = {}
    for task in tasks:
        if task.explicit_name:
            names.setdefault(task.name, []).append(task)
    for name, users in names.items():
        if len(users) > 1:
            numbers = sorted({t.line for t in users})
            lines = ", ".join(map(str, numbers[: SHOWN_CLASHES + 1]))
            if len(numbers) > SHOWN_CLASHES + 1:
                lines += f" and {len(numbers) - SHOWN_CLASHES - 1:,} more"
            for task in users:
                found.append((task, Problem(task.line, f"task name {name!r} is given to the tasks at lines {lines}")))
    return found
