"""One web UI job, in its own process: the same functions the commands call, results sent back.

:func:`main` runs in a worker process (see :mod:`wildcards_gen.ui.jobs`): it
parses the job's command line with the command's own parameters, runs
:func:`pipeline.build` and :func:`pipeline.render` (``dataset``),
:func:`arranged_text` (``arrange``) or :func:`check_paths` (``check``), and
sends back the texts the page offers for download, the tree it shows, and the
run report's counts. Progress goes back while it runs; errors go back as the
one line the command line would print. A process per job means a cancelled or
superseded job simply ends, and jobs share no state but what they inherited.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

PROGRESS_EVERY_S = 0.1


class Progress:
    """A tqdm-like object (``set_description``, ``update``, ``total``) that reports to the server."""

    def __init__(self, send):
        self._send = send
        self.phase = "Starting"
        self.n = 0
        self.total: int | None = None
        self._last = 0.0

    def set_description(self, text: str) -> None:
        self.phase, self.n, self.total = text, 0, None
        self._report(force=True)

    def update(self, n: int = 1) -> None:
        self.n += n
        self._report()

    def close(self) -> None:
        pass

    def _report(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last >= PROGRESS_EVERY_S:
            self._last = now
            self._send(("progress", {"phase": self.phase, "done": self.n, "total": self.total}))


def main(conn, kind: str, args: list[str], where: str | None, parent: int | None) -> None:
    """The worker process: run one job and send ``("done", result)`` or ``("error", message)``."""
    from wildcards_gen.process_pool import die_with_parent

    die_with_parent(parent)
    try:
        progress = Progress(conn.send)
        conn.send(("done", run(kind, args, where, progress)))
    except BaseException as exc:  # anything at all becomes one line for the page
        try:
            conn.send(("error", message(exc)))
        except (OSError, ValueError):
            pass
    finally:
        conn.close()


def message(exc: BaseException) -> str:
    """The line the command line prints for ``exc`` (without its ``Error:``)."""
    from wildcards_gen.errors import WildcardsError

    if isinstance(exc, WildcardsError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return "out of memory"
    return f"internal error: {type(exc).__name__}: {' '.join(str(exc).split())}"


def run(kind: str, args: list[str], where: str | None, progress: Progress) -> dict:
    """Run one job; an upload's job runs in the upload's folder, so messages name the file as uploaded."""
    if kind == "generate":
        return generate(args, progress)
    upload = Path(str(where))
    os.chdir(upload.parent)  # this process's own working folder: no other job shares it
    if kind == "arrange":
        return arrange(args, Path(upload.name), progress)
    if kind == "check":
        return check(args, Path(upload.name))
    raise ValueError(f"unknown job kind {kind!r}")


def generate(args: list[str], progress: Progress) -> dict:
    """``wildcards-gen dataset NAME ...``: the YAML and JSONL it writes, its report, the tree."""
    from wildcards_gen import pipeline
    from wildcards_gen.cli import registry
    from wildcards_gen.ui.forms import parse_generate
    from wildcards_gen.ui.outline import outline

    reg = registry()
    dataset, options = parse_generate(reg, args)
    started = time.perf_counter()
    categories, run = pipeline.build(dataset, options, reg, quiet=True, progress=progress)
    if categories is None:
        raise ValueError("--analyze writes nothing")
    progress.set_description("Writing")
    text = pipeline.render(categories, run, dataset, "yaml")
    jsonl = pipeline.render(categories, run, dataset, "jsonl")
    run.stats.counters["output.bytes"] = len(text.encode("utf-8"))
    run.stats.add_time("total", time.perf_counter() - started)
    report = pipeline.report(run)
    return {"yaml": text, "jsonl": jsonl, "report": report, "counts": counts(report), "tree": outline(text)}


def arrange(args: list[str], where: Path, progress: Progress) -> dict:
    """``wildcards-gen arrange FILE ...`` on the stored upload: the text it writes, the tree."""
    from wildcards_gen.commands.arrange import arranged_text
    from wildcards_gen.pipeline import report
    from wildcards_gen.ui.forms import parse_arrange
    from wildcards_gen.ui.outline import outline

    params = parse_arrange([args[0], str(where), *args[2:]])
    inputs = list(params.pop("inputs"))
    category = params.pop("category")
    for key in ("output", "fmt", "stats_file"):
        params.pop(key, None)
    progress.set_description("Arranging")
    text, run = arranged_text(inputs, category, "yaml", params, quiet=True, progress=progress)
    counters = run.stats.counters
    summary = {
        "terms": counters.get("input.terms", 0),
        "lists": counters.get("input.lists", 0),
        "arranged": counters.get("arrange.lists", 0),
        "groups": counters.get("arrange.groups", 0),
        "ambiguous": counters.get("senses.ambiguous", 0),
        "unknown": counters.get("senses.unknown", 0),
        "too_short": [e["list"] for e in run.stats.events.get("too_short_to_arrange", [])],
    }
    return {"yaml": text, "report": report(run), "counts": summary, "tree": outline(text)}


def check(args: list[str], where: Path) -> dict:
    """``wildcards-gen check FILE_OR_DIR --target T`` on the stored upload: findings with lines, by reader."""
    from wildcards_gen.commands.check import check_paths, report_text
    from wildcards_gen.sanitize import ALL_TARGETS

    target = args[3]
    results = {}
    for file, problems in check_paths([where], target).items():
        shown = Path(file).as_posix()
        for problem in problems:
            problem.file = shown
        results[shown] = problems
    if not results:
        from wildcards_gen.errors import UsageError

        raise UsageError(f"{where.name} holds no .txt or YAML wildcard files to check")
    findings = [p.as_dict() for problems in results.values() for p in problems]
    by_reader = {reader: [f for f in findings if reader in f["targets"]] for reader in ALL_TARGETS}
    return {
        "files": list(results),
        "findings": findings,
        "by_reader": {reader: found for reader, found in by_reader.items() if found},
        "errors": sum(f["severity"] == "error" for f in findings),
        "warnings": sum(f["severity"] == "warning" for f in findings),
        "text": report_text(results, target),
    }


def counts(report: dict) -> dict:
    """The run report's headline numbers for the page."""
    c = report["counts"]
    events = report["events"]
    return {
        "categories": c.get("output.categories", 0),
        "items": c.get("output.items", 0),
        "removals": sum(len(v) for k, v in events.items() if k.startswith("removed")),
        "rewrites": sum(v for k, v in c.items() if k.startswith("rewrites.")),
        "collisions": len(events.get("name_collision", [])),
        "seconds": report["timings_s"].get("total", 0.0),
    }
