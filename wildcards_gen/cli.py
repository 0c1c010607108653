"""The click CLI. ``create_cli()`` builds the group; nothing is built at import.

Errors are handled in one place (:class:`CLI`): a :class:`WildcardsError`
becomes ``Error: <message>`` and its exit code, anything else a one-line
internal error (a traceback only with ``-vv``), Ctrl-C exit code 130.
``-v``, ``-vv`` and ``-q`` work before and after the subcommand.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import sys
import traceback

import click

from wildcards_gen import __version__
from wildcards_gen.errors import UsageError, WildcardsError

# Modules that add commands: each has ``register(cli)`` and imports heavy code lazily.
COMMAND_MODULES = (
    "wildcards_gen.commands.cache",
    "wildcards_gen.commands.batch",
    "wildcards_gen.commands.lint",
    "wildcards_gen.commands.compare",
    "wildcards_gen.commands.check",
    "wildcards_gen.commands.export",
    "wildcards_gen.commands.arrange",
    "wildcards_gen.commands.ui",
)


class Settings:
    """What ``-v``/``-q`` chose, wherever on the command line they were given."""

    def __init__(self, verbose: int = 0, quiet: bool = False):
        self._verbose = verbose
        self.quiet = quiet

    @property
    def verbose(self) -> int:
        return 0 if self.quiet else self._verbose

    def add(self, verbose: int = 0, quiet: bool = False) -> None:
        self._verbose += verbose
        self.quiet = self.quiet or quiet


def settings(ctx: click.Context | None = None) -> Settings:
    """The run's :class:`Settings` (a fresh default outside the CLI)."""
    ctx = ctx or click.get_current_context(silent=True)
    found = ctx.find_object(Settings) if ctx is not None else None
    return found or Settings()


def _add_verbosity(ctx, param, value):
    found = ctx.find_object(Settings)
    if found is None:
        found = ctx.ensure_object(Settings)
    if param.name == "verbose_after":
        found.add(verbose=value or 0)
    elif value:
        found.add(quiet=True)


def verbosity_options() -> list[click.Option]:
    """``-v``/``-q`` for a subcommand: they add to what was given before it."""
    return [
        click.Option(
            ["-v", "--verbose", "verbose_after"],
            count=True,
            expose_value=False,
            callback=_add_verbosity,
            help="More detail on stderr (-vv: tracebacks).",
        ),
        click.Option(
            ["-q", "--quiet", "quiet_after"],
            is_flag=True,
            expose_value=False,
            callback=_add_verbosity,
            help="Only errors on stderr.",
        ),
    ]


def registry():
    """The plugin registry; broken plugins are reported once per process (unless -q)."""
    from wildcards_gen.plugins import get_registry

    reg = get_registry()
    reg.declarations("dataset")  # collected now, so a refused declaration is reported with the rest
    if reg.broken and not settings().quiet and not reg.warned:
        for broken in reg.broken:
            click.echo(f"Warning: plugin {broken.name!r} failed to load: {broken.error}", err=True)
        reg.warned = True
    return reg


def report_error(exc: BaseException, verbose: int) -> int:
    """One line on stderr; returns the exit code. A traceback only with -vv."""
    if verbose >= 2:
        traceback.print_exception(exc)
    if isinstance(exc, WildcardsError):
        click.echo(f"Error: {exc}", err=True)
        return exc.exit_code
    click.echo(f"Error: internal error: {type(exc).__name__}: {exc} (run with -vv for the traceback)", err=True)
    return 1


def interrupted_message(exc: BaseException | None = None) -> str:
    """What an interrupted run tells the user: true to what was written before the interruption."""
    from wildcards_gen import output

    reason = getattr(exc, "reason", "Interrupted")
    done = output.written()
    if not done:
        return f"{reason}; no output written."
    shown = ", ".join(done[:3]) + (f" and {len(done) - 3} more" if len(done) > 3 else "")
    return f"{reason}; output written before that: {shown}."


class CLI(click.Group):
    """The root group: the one place where errors become a message and an exit code."""

    def invoke(self, ctx: click.Context):
        from wildcards_gen import output

        output.forget_written()
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except KeyboardInterrupt as exc:
            click.echo(interrupted_message(exc), err=True)
            ctx.exit(getattr(exc, "exit_code", 130))
        except Exception as exc:
            ctx.exit(report_error(exc, settings(ctx).verbose))


def dataset_options(dataset) -> list[click.Parameter]:
    """Every option of ``wildcards-gen dataset NAME``, in ``--help`` order."""
    from wildcards_gen import arrangement, shaping
    from wildcards_gen.options import common_options

    return (
        verbosity_options()
        + common_options()
        + shaping.click_options(dataset)
        + arrangement.click_options()
        + list(dataset.options)
    )


def dataset_command(dataset) -> click.Command:
    def callback(**options):
        run_dataset(dataset, options, settings())

    return click.Command(
        dataset.name, callback=callback, params=dataset_options(dataset), help=dataset.help, short_help=dataset.help
    )


def run_dataset(dataset, options: dict, chosen: Settings) -> None:
    from wildcards_gen import pipeline

    output = options.pop("output", None)
    fmt = options.pop("fmt", None)
    stats_file = options.pop("stats_file", None)
    categories, run = pipeline.generate(
        dataset,
        options,
        registry(),
        output=output,
        fmt=fmt,
        stats_file=stats_file,
        verbose=chosen.verbose,
        quiet=chosen.quiet,
    )
    if categories is not None:
        if chosen.verbose:
            click.echo(f"Wrote {output or f'{dataset.name}.yaml'}", err=True)
        pipeline.report_summary(run, chosen.quiet)


class DatasetGroup(click.Group):
    """``dataset <name>``: one subcommand per dataset the installed plugins declare."""

    def list_commands(self, ctx):
        return list(registry().datasets)

    def get_command(self, ctx, name):
        reg = registry()
        if name in reg.datasets:
            return dataset_command(reg.datasets[name])
        return None

    def resolve_command(self, ctx, args):
        name = args[0] if args else None
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            reg = registry()
            declared = reg.declarations("dataset")
            if name in declared.claims or name in declared.unusable:
                reg.dataset(name)  # raises the UsageError that says how to fix it
            available = ", ".join(self.list_commands(ctx)) or "none installed"
            raise UsageError(
                f"unknown dataset {name!r}. Available: {available}. Datasets come from plugins: "
                "pip install wildcards-gen-imagenet wildcards-gen-tencent, then see 'wildcards-gen plugins'."
            )
        return super().resolve_command(ctx, args)


def create_cli() -> click.Group:
    @click.group(cls=CLI, context_settings={"help_option_names": ["-h", "--help"]})
    @click.version_option(__version__, prog_name="wildcards-gen")
    @click.option("-v", "--verbose", count=True, help="More detail on stderr (-vv: tracebacks).")
    @click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
    @click.pass_context
    def cli(ctx, verbose, quiet):
        """Turn computer-vision dataset taxonomies into wildcard YAML files.

        Datasets, embedders and arrangers come from plugins; see 'wildcards-gen plugins'.
        """
        found = ctx.ensure_object(Settings)
        found.add(verbose=verbose, quiet=quiet)

    @cli.group(cls=DatasetGroup, invoke_without_command=True)
    @click.pass_context
    def dataset(ctx):
        """Generate a wildcard file from a dataset: wildcards-gen dataset NAME [OPTIONS]."""
        if ctx.invoked_subcommand is not None:
            return
        reg = registry()
        datasets = reg.datasets
        if not datasets:
            click.echo("No datasets installed. Install a plugin, e.g. pip install wildcards-gen-imagenet.")
        else:
            click.echo("Available datasets:")
            width = max(len(n) for n in datasets)
            for name, ds in datasets.items():
                click.echo(f"  {name.ljust(width)}  {ds.help}  (plugin {ds.plugin})")
        for conflict in reg.conflicts():
            if conflict["kind"] == "dataset":
                click.echo(f"  {conflict['name']}  not usable: {_conflict_text(conflict)}")

    @cli.command()
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
    def plugins(as_json):
        """List installed plugins: version, hooks, datasets, embedders, arrangers, and any conflict."""
        from wildcards_gen.arrangement import arranger_problems

        reg = registry()
        described = reg.describe()
        conflicts = reg.conflicts()
        conflicts += [
            {"kind": "arranger", "name": name, "plugins": [], "problem": why}
            for name, why in sorted(arranger_problems(reg).items())
        ]
        broken = [{"name": b.name, "error": b.error} for b in reg.broken]
        if as_json:
            click.echo(json.dumps({"plugins": described, "conflicts": conflicts, "broken": broken}, indent=2))
            return
        for p in described:
            version = f" {p['version']}" if p["version"] else ""
            dist = f" ({p['distribution']}{version})" if p["distribution"] else ""
            click.echo(f"{p['name']}{dist}")
            click.echo(f"  hooks: {', '.join(p['hooks']) or '-'}")
            for kind in ("datasets", "embedders", "arrangers", "commands"):
                if p[kind]:
                    click.echo(f"  {kind}: {', '.join(p[kind])}")
            for ds_name, names in p["presets"].items():
                click.echo(f"  presets of {ds_name}: {', '.join(names)}")
        for conflict in conflicts:
            click.echo(f"CONFLICT {conflict['kind']} {conflict['name']!r}: {_conflict_text(conflict)}")
        for b in broken:
            click.echo(f"{b['name']} (BROKEN)\n  error: {b['error']}")

    for module_name in COMMAND_MODULES:
        if _exists(module_name):
            importlib.import_module(module_name).register(cli)
    _plugin_commands(cli)
    _add_verbosity_everywhere(cli)
    return cli


def _plugin_commands(cli: click.Group) -> None:
    """Commands that plugins add (``register_commands``), after the host's own."""
    from wildcards_gen.plugins import get_registry

    get_registry().add_commands(cli)


def _conflict_text(conflict: dict) -> str:
    from wildcards_gen.plugins import LOAD_ENV

    if conflict["plugins"]:
        return (
            f"declared by plugins {' and '.join(repr(p) for p in conflict['plugins'])}; "
            f"choose with {LOAD_ENV} or uninstall one"
        )
    return conflict["problem"]


def _add_verbosity_everywhere(group: click.Group) -> None:
    """Every subcommand accepts -v/-q too (dataset commands get them when built)."""
    for command in group.commands.values():
        if not any(p.name == "verbose_after" for p in command.params):
            command.params[:0] = verbosity_options()
        if isinstance(command, click.Group) and not isinstance(command, DatasetGroup):
            _add_verbosity_everywhere(command)


def _exists(module_name: str) -> bool:
    try:
        return importlib.util.find_spec(module_name) is not None
    except ModuleNotFoundError:
        return False


def run(args: list[str] | None = None) -> int:
    """Run the CLI in this process and return its exit status (tests, embedding applications)."""
    try:
        create_cli().main(args=args, prog_name="wildcards-gen")
    except SystemExit as exc:
        if exc.code is None:
            return 0
        if isinstance(exc.code, int):
            return exc.code
        click.echo(str(exc.code), err=True)
        return 1
    except KeyboardInterrupt as exc:
        click.echo(interrupted_message(exc), err=True)
        return getattr(exc, "exit_code", 130)
    return 0


def main() -> None:
    """The console script: run, run the exit handlers, flush, and leave without freeing the heap.

    Every output file is closed by the time ``run`` returns; plugins' ``atexit``
    handlers run as usual, but the interpreter's own teardown (freeing a large
    run's trees and caches object by object) is skipped.
    """
    import atexit

    code = run()
    try:
        atexit._run_exitfuncs()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a closed pipe: nothing more can reach it
                pass
        os._exit(code)
