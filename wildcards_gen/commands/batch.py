"""``wildcards-gen batch MANIFEST``: many generations, one process each, one summary.

Tasks run in a ``ProcessPoolExecutor`` (spawned workers: each registers the
plugins afresh on its own main thread, nothing is inherited by fork). Each
task gets ``cpu_count // workers`` threads so the machine is not
oversubscribed. A task that raises is reported and the others go on; a task
that kills its worker process (a segfault, ``os._exit``, the OOM killer)
breaks the pool, so the tasks that had not finished are run again: the ones
that had not started in a fresh pool, the ones that had started each alone,
which pins the crash on the task that caused it.

Nothing outlives the batch: each worker dies with the parent, even one killed
by SIGKILL (:func:`wildcards_gen.process_pool.die_with_parent`); SIGTERM and
SIGHUP end the run like Ctrl-C (workers stopped, exit status 128 + the signal);
the temporary folder is removed on the way out, and one left by a parent that
was killed outright is removed when the next batch starts (its name holds the
dead parent's pid).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

import click

from wildcards_gen.batch_manifest import MAX_TASKS

TEMPORARY = "wildcards-gen-batch"  # the temporary folder's name: wildcards-gen-batch.<pid>.<random>.tmp


def cpu_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


# -- worker side -----------------------------------------------------------


_worker_verbose = 0  # the parent's -v, set in each worker process by _init_worker


def _init_worker(verbose: int, parent: int | None = None) -> None:
    """Runs in each worker process: dies with the parent; stdout goes to stderr (the summary owns stdout); plugins load here."""
    global _worker_verbose
    from wildcards_gen.process_pool import die_with_parent

    die_with_parent(parent)
    try:
        sys.stdout.flush()
        os.dup2(2, 1)
    except OSError:
        pass
    sys.stdout = sys.stderr
    _worker_verbose = verbose
    from wildcards_gen.plugins import get_registry

    get_registry()  # on this process's main thread, before any task thread exists


def run_task(spec: dict, marks: str | None = None) -> dict:
    """Run one task in this process through the generation pipeline; always returns a result dict (never raises)."""
    if marks:
        Path(marks, f"{spec['index']}.started").touch()
    started = time.perf_counter()
    result = {
        "index": spec["index"],
        "status": "failed",
        "error": None,
        "wall_s": None,
        "categories": None,
        "items": None,
        "output": spec["output"],
    }
    try:
        from wildcards_gen import pipeline
        from wildcards_gen.batch_manifest import parse_options
        from wildcards_gen.cli import dataset_command
        from wildcards_gen.plugins import get_registry

        registry = get_registry()
        dataset = registry.dataset(spec["dataset"])
        options = parse_options(dataset_command(dataset), dataset.name, spec["argv"])
        output = options.pop("output", None) or Path(spec["output"])
        fmt = options.pop("fmt", None)
        stats_file = options.pop("stats_file", None)
        categories, run = pipeline.generate(
            dataset,
            options,
            registry,
            output=output,
            fmt=fmt,
            stats_file=stats_file,
            verbose=_worker_verbose,
            quiet=True,
        )
        result["status"] = "ok"
        if categories is not None:
            result["categories"] = run.stats.counters["output.categories"]
            result["items"] = run.stats.counters["output.items"]
        else:
            result["output"] = None  # --analyze: statistics only
    except BaseException as exc:  # one task's failure must not reach the pool
        from wildcards_gen.errors import WildcardsError

        if isinstance(exc, WildcardsError):
            result["error"] = " ".join(str(exc).split())
        elif isinstance(exc, click.ClickException):  # a check that only runs with the whole run
            result["error"] = " ".join(exc.format_message().split())
        elif isinstance(exc, KeyboardInterrupt):
            result["status"], result["error"] = "interrupted", "interrupted"
        else:
            import traceback

            result["error"] = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
            result["traceback"] = traceback.format_exc()
    result["wall_s"] = round(time.perf_counter() - started, 3)
    return result


# -- parent side -----------------------------------------------------------


def temporary_folder() -> Path:
    """A private folder for this batch's marks, named after this process (see :mod:`wildcards_gen.leftovers`)."""
    import tempfile

    from wildcards_gen import leftovers

    folder = Path(tempfile.gettempdir()) / leftovers.temporary_name(TEMPORARY, hidden=False)
    folder.mkdir(mode=0o700)
    return folder


def remove_stale_folders() -> int:
    """Remove the temporary folders of earlier batches whose parent process is gone (killed outright)."""
    import tempfile

    from wildcards_gen import leftovers

    return leftovers.remove_stale(tempfile.gettempdir(), TEMPORARY, hidden=False)


@contextlib.contextmanager
def signals_interrupt():
    """SIGTERM and SIGHUP raise :class:`~wildcards_gen.errors.Stopped` (a KeyboardInterrupt) while the batch runs.

    So the workers are stopped and the temporary folder removed, as on Ctrl-C,
    instead of the parent vanishing at once.
    """
    from wildcards_gen.errors import Stopped

    def stop(signum, frame):
        raise Stopped(signum)

    previous: dict = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
            if signum is not None:
                previous[signum] = signal.signal(signum, stop)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def run_tasks(tasks, workers: int, verbose: int, on_done) -> dict:
    """Run every task; ``{index: result}``. ``on_done(task, result)`` after each."""
    import multiprocessing
    import shutil
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    from wildcards_gen.process_pool import stop_workers

    results: dict = {}
    context = multiprocessing.get_context("spawn")
    isolated: set = set()
    unstarted_breaks: dict = {}

    def finish(task, result):
        results[task.index] = result
        on_done(task, result)

    marks = str(temporary_folder())
    try:
        pending = list(tasks)
        while pending:
            rounds = [[t for t in pending if t.index not in isolated]]
            rounds += [[t] for t in pending if t.index in isolated]
            pending = []
            for group in rounds:
                if not group:
                    continue
                broken = []
                pool = ProcessPoolExecutor(
                    min(workers, len(group)),
                    mp_context=context,
                    initializer=_init_worker,
                    initargs=(verbose, os.getpid()),
                )
                try:
                    futures = {pool.submit(run_task, t.spec(), marks): t for t in group}
                    for future in as_completed(futures):
                        task = futures[future]
                        try:
                            finish(task, future.result())
                        except BrokenProcessPool:
                            broken.append(task)
                        except Exception as exc:  # e.g. a result that cannot be pickled back
                            finish(task, failure(task, f"{type(exc).__name__}: {exc}"))
                except BaseException:  # Ctrl-C, SIGTERM, SIGHUP: the running tasks are stopped too
                    stop_workers(pool)
                    # waiting (for stopped workers: a moment) lets the pool release its semaphores, or
                    # multiprocessing's resource tracker warns about them after the run's last line
                    pool.shutdown(wait=True, cancel_futures=True)
                    raise
                pool.shutdown(wait=True)
                started = [t for t in broken if Path(marks, f"{t.index}.started").exists()]
                for task in broken:
                    if not started:  # the pool died outside any task (a worker could not start?)
                        unstarted_breaks[task.index] = unstarted_breaks.get(task.index, 0) + 1
                    if task.index in isolated or unstarted_breaks.get(task.index, 0) >= 2:
                        # it crashed its worker alone, or no worker could ever run it
                        finish(
                            task,
                            failure(
                                task,
                                "the worker process died while running this task (a crash, a signal or out of memory)",
                                status="crashed",
                            ),
                        )
                    elif task in started:
                        isolated.add(task.index)  # one of these crashed the pool: run each alone
                        Path(marks, f"{task.index}.started").unlink()
                        pending.append(task)
                    else:
                        pending.append(task)
    finally:
        shutil.rmtree(marks, ignore_errors=True)
    return results


def invalid_result(task) -> dict:
    detail = "; ".join(f"line {p.line}: {p.message}" for p in task.problems)
    return {
        "index": task.index,
        "status": "invalid",
        "error": detail,
        "wall_s": None,
        "categories": None,
        "items": None,
        "output": None,
    }


def failure(task, message: str, status: str = "failed") -> dict:
    return {
        "index": task.index,
        "status": status,
        "error": message,
        "wall_s": None,
        "categories": None,
        "items": None,
        "output": task.output,
    }


def summary_table(tasks, results: dict) -> str:
    from wildcards_gen.batch_manifest import display_path

    rows = [("task", "status", "time", "categories", "items", "output")]
    for task in tasks:
        r = results.get(task.index) or failure(task, "not run", status="not run")
        rows.append(
            (
                task.name,
                r["status"],
                "-" if r["wall_s"] is None else f"{r['wall_s']:.1f}s",
                "-" if r["categories"] is None else str(r["categories"]),
                "-" if r["items"] is None else str(r["items"]),
                display_path(r["output"]) if r["output"] else "-",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    right = {2, 3, 4}
    lines = []
    for n, row in enumerate(rows):
        cells = [c.rjust(w) if i in right and n else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def report_json(manifest, tasks, results: dict, workers: int, threads: int, wall: float) -> dict:
    entries = []
    for task in tasks:
        r = results.get(task.index) or failure(task, "not run", status="not run")
        entry = {
            "task": task.name,
            "dataset": task.dataset,
            "status": r["status"],
            "wall_s": r["wall_s"],
            "categories": r["categories"],
            "items": r["items"],
            "output": r["output"],
            "error": r["error"],
            "manifest_line": task.line,
            "matrix": task.matrix,
            "command": None if task.problems else task.command_line(),
        }
        if r.get("traceback"):
            entry["traceback"] = r["traceback"]
        entries.append(entry)
    counts: dict = {}
    for e in entries:
        counts[e["status"]] = counts.get(e["status"], 0) + 1
    return {
        "manifest": str(manifest),
        "workers": workers,
        "threads_per_task": threads,
        "wall_s": round(wall, 3),
        "total": len(entries),
        "ok": counts.get("ok", 0),
        "failed": len(entries) - counts.get("ok", 0),
        "statuses": dict(sorted(counts.items())),
        "tasks": entries,
    }


def run_batch(ctx, manifest, workers, report_file, dry_run, strict, max_tasks) -> None:
    """The ``batch`` command's body: expand and check the manifest, then run the valid tasks."""
    from wildcards_gen.batch_manifest import ManifestError, assign_threads, display_path, expand, problems_of
    from wildcards_gen.cli import registry, settings
    from wildcards_gen.errors import UsageError
    from wildcards_gen.output import check_target

    chosen = settings(ctx)
    cpus = cpu_count()
    remove_stale_folders()
    if report_file is not None:
        check_target(report_file)  # now, not after every task has run
    try:
        tasks = expand(manifest, registry(), max_tasks)
    except ManifestError as exc:
        for line in exc.lines():
            click.echo(line, err=True)
        raise
    valid = [t for t in tasks if not t.problems]
    pool_size = max(1, min(workers or cpus, len(valid) or 1))
    threads = max(1, cpus // pool_size)
    assign_threads(tasks, threads)
    problems = problems_of(tasks)
    for problem in problems:
        click.echo(f"{manifest}:{problem.line}: {problem.message}", err=True)
    if problems and (strict or not valid):
        count = len(problems)
        raise UsageError(f"{count} problem{'s' if count != 1 else ''} in manifest {manifest}; nothing was run")

    if dry_run:
        click.echo(
            f"{len(valid)} task{'s' if len(valid) != 1 else ''}, {pool_size} at once, "
            f"{threads} thread{'s' if threads != 1 else ''} each:"
        )
        for task in tasks:
            where = display_path(task.output) if task.output else "-"
            flag = "  INVALID" if task.problems else ""
            click.echo(f"{task.name}  [{task.dataset}] -> {where}  (line {task.line}){flag}")
            if not task.problems:
                click.echo(f"  {task.command_line()}")
        if problems:
            ctx.exit(2)
        return

    from tqdm import tqdm

    started = time.perf_counter()
    bar = tqdm(
        total=len(valid),
        desc="Tasks",
        unit="task",
        file=sys.stderr,
        disable=chosen.quiet or not sys.stderr.isatty(),
        dynamic_ncols=True,
    )

    def on_done(task, result):
        from wildcards_gen.output import note_written

        if result["status"] == "ok":
            for path in (result["output"], task.stats):
                if path:
                    note_written(path)
        bar.update(1)
        if result["status"] != "ok" and not chosen.quiet:
            bar.write(f"{task.name}: {result['status']}: {result['error']}", file=sys.stderr)
        elif chosen.verbose:
            bar.write(f"{task.name}: ok ({result['wall_s']:.1f}s)", file=sys.stderr)

    results = {t.index: invalid_result(t) for t in tasks if t.problems}
    try:
        results.update(run_tasks(valid, pool_size, chosen.verbose, on_done))
    finally:
        bar.close()
    wall = time.perf_counter() - started

    click.echo(summary_table(tasks, results))
    report = report_json(manifest, tasks, results, pool_size, threads, wall)
    click.echo(f"{report['ok']} of {report['total']} tasks succeeded in {wall:.1f}s.")
    if report_file:
        from wildcards_gen.output import write_text

        write_text(report_file, json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    if report["failed"]:
        ctx.exit(1)


def register(cli) -> None:
    @cli.command()
    @click.argument("manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option(
        "--workers",
        type=click.IntRange(min=1),
        default=None,
        help="Tasks run at once, one process each. Default: the CPU count.",
    )
    @click.option(
        "--report",
        "report_file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Also write the summary as JSON to this file.",
    )
    @click.option(
        "--dry-run", is_flag=True, help="Print the expanded task list and exit (status 2 if a task is invalid)."
    )
    @click.option("--strict", is_flag=True, help="Run nothing when any task is invalid.")
    @click.option(
        "--max-tasks",
        type=click.IntRange(min=1),
        default=MAX_TASKS,
        show_default=True,
        help="Refuse a manifest whose tasks and matrices expand to more tasks than this (counted before expanding).",
    )
    @click.pass_context
    def batch(ctx, manifest, workers, report_file, dry_run, strict, max_tasks):
        """Run the generation tasks listed in MANIFEST (YAML), several at once.

        \b
        tasks:
          - dataset: imagenet
            output: dogs.yaml          # relative to the manifest's folder
            root: dog.n.01             # any option of 'wildcards-gen dataset imagenet'
            smart: true
            matrix:                    # one task per combination: dogs-compact.yaml ...
              preset: [compact, flat]

        Every task is checked before anything runs (unknown datasets or
        options, bad values, two tasks writing one file) and each problem is
        reported with its line number; the valid tasks then run (with
        --strict, none does). Exit status: 0 when every task succeeded, 1 when
        any failed or was invalid, 2 when nothing could run.
        """
        with signals_interrupt():
            run_batch(ctx, manifest, workers, report_file, dry_run, strict, max_tasks)
