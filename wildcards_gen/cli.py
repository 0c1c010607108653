"""The click CLI. ``create_cli()`` builds the group; nothing is built at import."""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import sys
import time
import traceback
from pathlib import Path

import click

from wildcards_gen import __version__
from wildcards_gen.errors import WildcardsError

# Modules that add commands: each has ``register(cli)`` and imports heavy code lazily.
COMMAND_MODULES = (
    "wildcards_gen.commands.cache",
    "wildcards_gen.commands.batch",
    "wildcards_gen.commands.lint",
    "wildcards_gen.commands.compare",
    "wildcards_gen.commands.check",
    "wildcards_gen.commands.export",
)


class Settings:
    def __init__(self, verbose: int = 0, quiet: bool = False):
        self.verbose = verbose
        self.quiet = quiet


def registry():
    from wildcards_gen.plugins import get_registry

    reg = get_registry()
    settings = click.get_current_context().find_object(Settings)
    if reg.broken and not (settings and settings.quiet) and not getattr(reg, "_warned", False):
        for broken in reg.broken:
            click.echo(f"Warning: plugin {broken.name!r} failed to load: {broken.error}", err=True)
        reg._warned = True
    return reg


def fail(exc: Exception, verbose: int) -> None:
    """One line on stderr and the error's exit code; a traceback only with -vv."""
    if verbose >= 2:
        traceback.print_exc()
    if isinstance(exc, WildcardsError):
        click.echo(f"Error: {exc}", err=True)
        sys.exit(exc.exit_code)
    click.echo(f"Error: internal error: {type(exc).__name__}: {exc} (run with -vv for the traceback)", err=True)
    sys.exit(1)


def common_options() -> list:
    """Options every dataset shares; the dataset's own come after them."""
    return [
        click.Option(["-o", "--output"], type=click.Path(dir_okay=False, path_type=Path), default=None,
                     help="Output file. Default: ./<dataset>.yaml in the current folder."),
        click.Option(["--format", "fmt"], type=click.Choice(["yaml", "jsonl"]), default=None,
                     help="Output format. Default: yaml, or jsonl when the output ends in .jsonl."),
        click.Option(["--depth"], type=click.IntRange(min=1), default=None,
                     help="At most N levels of category keys (the root is level 1); deeper nodes are flattened into the lists of level N. Default: the whole tree."),
        click.Option(["--glosses/--no-glosses"], default=True, show_default=True,
                     help="Write each category's WordNet definition as a '# instruction:' comment."),
        click.Option(["--workers"], type=click.IntRange(min=1), default=None,
                     help="Threads in the shared pool. Default: the CPU count; 1 runs without a pool."),
        click.Option(["--stats", "stats_file"], type=click.Path(dir_okay=False, path_type=Path), default=None,
                     help="Write the JSON run report (counts, timings, removals, rewrites) to this file."),
        click.Option(["--target"], type=click.Choice(["dynamicprompts", "impact", "generator", "all"]),
                     default="all", show_default=True,
                     help="Make names clean for this reader: Dynamic Prompts, ComfyUI-Impact-Pack, the wildcards-generator web app, or all three (each rewrite counted in --stats)."),
        click.Option(["--key-style"], type=click.Choice(["as-is", "snake", "kebab"]), default="as-is",
                     show_default=True, help="Write keys as they are, as snake_case or as kebab-case."),
    ]


def extension_options() -> list:
    """Options from the shaping and arrangement modules, when present."""
    params = []
    for module_name in ("wildcards_gen.shaping", "wildcards_gen.arrangement"):
        if _exists(module_name):
            params.extend(importlib.import_module(module_name).click_options())
    return params


def dataset_command(dataset) -> click.Command:
    def callback(**options):
        ctx = click.get_current_context()
        settings = ctx.find_object(Settings) or Settings()
        run_dataset(dataset, options, settings)

    params = common_options() + extension_options() + list(dataset.options)
    return click.Command(dataset.name, callback=callback, params=params, help=dataset.help,
                         short_help=dataset.help)


def run_dataset(dataset, options: dict, settings: Settings) -> None:
    from wildcards_gen import generate

    started = time.perf_counter()
    output = options.pop("output", None) or Path(f"{dataset.name}.yaml")
    fmt = options.pop("fmt", None)
    stats_file = options.pop("stats_file", None)
    reg = registry()
    try:
        categories, run = generate.build(dataset, options, reg, verbose=settings.verbose, quiet=settings.quiet)
        if categories is not None:
            generate.write(categories, run, dataset, output, fmt)
        run.stats.add_time("total", time.perf_counter() - started)
        if stats_file:
            generate.write_stats(run, stats_file)
        if categories is not None:
            if settings.verbose:
                click.echo(f"Wrote {output}", err=True)
            generate.report_summary(run, settings.quiet)
    except KeyboardInterrupt:
        click.echo("Interrupted; no output written.", err=True)
        sys.exit(130)
    except Exception as exc:
        fail(exc, settings.verbose)


class DatasetGroup(click.Group):
    """``dataset <name>``: one subcommand per dataset the installed plugins declare."""

    def list_commands(self, ctx):
        return list(registry().datasets)

    def get_command(self, ctx, name):
        try:
            datasets = registry().datasets
        except WildcardsError as exc:
            fail(exc, 0)
        if name in datasets:
            return dataset_command(datasets[name])
        return None

    def resolve_command(self, ctx, args):
        name = args[0] if args else None
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            available = ", ".join(self.list_commands(ctx)) or "none installed"
            click.echo(
                f"Error: unknown dataset {name!r}. Available: {available}. "
                "Datasets come from plugins: pip install wildcards-gen-imagenet wildcards-gen-tencent, "
                "then see 'wildcards-gen plugins'.",
                err=True,
            )
            ctx.exit(2)
        return super().resolve_command(ctx, args)


def create_cli() -> click.Group:
    @click.group(context_settings={"help_option_names": ["-h", "--help"]})
    @click.version_option(__version__, prog_name="wildcards-gen")
    @click.option("-v", "--verbose", count=True, help="More detail on stderr (-vv: tracebacks).")
    @click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
    @click.pass_context
    def cli(ctx, verbose, quiet):
        """Turn computer-vision dataset taxonomies into wildcard YAML files.

        Datasets come from plugins; see 'wildcards-gen plugins'.
        """
        ctx.obj = Settings(verbose=0 if quiet else verbose, quiet=quiet)

    @cli.group(cls=DatasetGroup, invoke_without_command=True)
    @click.pass_context
    def dataset(ctx):
        """Generate a wildcard file from a dataset: wildcards-gen dataset NAME [OPTIONS]."""
        if ctx.invoked_subcommand is None:
            try:
                datasets = registry().datasets
            except WildcardsError as exc:
                fail(exc, 0)
            if not datasets:
                click.echo("No datasets installed. Install a plugin, e.g. pip install wildcards-gen-imagenet.")
                return
            click.echo("Available datasets:")
            width = max(len(n) for n in datasets)
            for name, ds in datasets.items():
                click.echo(f"  {name.ljust(width)}  {ds.help}  (plugin {ds.plugin})")

    @cli.command()
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
    def plugins(as_json):
        """List installed plugins: version, hooks, datasets and embedders."""
        reg = registry()
        try:
            described = reg.describe()
        except WildcardsError as exc:
            fail(exc, 0)
        broken = [{"name": b.name, "error": b.error} for b in reg.broken]
        if as_json:
            click.echo(json.dumps({"plugins": described, "broken": broken}, indent=2))
            return
        for p in described:
            version = f" {p['version']}" if p["version"] else ""
            dist = f" ({p['distribution']}{version})" if p["distribution"] else ""
            click.echo(f"{p['name']}{dist}")
            click.echo(f"  hooks: {', '.join(p['hooks']) or '-'}")
            if p["datasets"]:
                click.echo(f"  datasets: {', '.join(p['datasets'])}")
            if p["embedders"]:
                click.echo(f"  embedders: {', '.join(p['embedders'])}")
        for b in broken:
            click.echo(f"{b['name']} (BROKEN)\n  error: {b['error']}")

    for module_name in COMMAND_MODULES:
        if _exists(module_name):
            importlib.import_module(module_name).register(cli)
    return cli


def _exists(module_name: str) -> bool:
    try:
        return importlib.util.find_spec(module_name) is not None
    except ModuleNotFoundError:
        return False


def run(args: list[str] | None = None) -> int | str:
    """Run the CLI in this process and return its exit status (tests, embedding applications)."""
    try:
        create_cli().main(args=args, prog_name="wildcards-gen")
    except SystemExit as exc:
        return 0 if exc.code is None else exc.code
    except KeyboardInterrupt:
        click.echo("Interrupted; no output written.", err=True)
        return 130
    return 0


def main() -> None:
    """The console script: run, flush, and leave without freeing the heap object by object.

    Every output file is closed by the time ``run`` returns; the interpreter's
    own teardown would only spend ~0.1 s freeing a large run's trees and caches.
    """
    code = run()
    if not isinstance(code, int):
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can reach it
            pass
    os._exit(code)
