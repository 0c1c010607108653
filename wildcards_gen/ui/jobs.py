"""The web UI's jobs: one process each, per session, the newest superseding the older, cancellable.

A job runs :func:`wildcards_gen.ui.work.main` in a process of its own, forked
from a fork server that imported the pipeline and loaded the plugins and
WordNet once (:mod:`wildcards_gen.ui.preload`), so it starts in milliseconds
and shares nothing mutable with the server or with other jobs. A thread per
job reads what the process sends (progress, then the result or one line of
error) and wakes whoever waits on the job. Cancelling a job ends its process;
a new job of one kind in a session cancels that session's previous one.

Jobs belong to the session that started them: :meth:`Jobs.get` answers only
that session, and job ids are 128-bit random tokens. At most
:data:`MAX_RUNNING` processes run at once (others wait, queued); each session
keeps its newest job and the last finished one of each kind (the result on the
page may be downloaded while a newer one runs), and idle sessions are dropped.
"""

from __future__ import annotations

import multiprocessing
import os
import secrets
import shutil
import threading
import time
from pathlib import Path
from typing import Any

MAX_RUNNING = max(2, os.cpu_count() or 1)
MAX_SESSIONS = 200
SESSION_IDLE_S = 2 * 3600
FINISHED = ("done", "failed", "cancelled")


def context() -> Any:
    """The fork server where there is one (POSIX), else spawned processes (Windows)."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["wildcards_gen.ui.preload"])
        return ctx
    return multiprocessing.get_context("spawn")


class Job:
    """One run of ``generate``, ``arrange`` or ``check`` and what came of it."""

    def __init__(
        self,
        kind: str,
        args: list[str],
        session: str,
        cli: str,
        where: Path | None = None,
        folder: Path | None = None,
        notes: dict | None = None,
    ):
        self.id = secrets.token_urlsafe(16)
        self.kind, self.args, self.session, self.cli = kind, args, session, cli
        self.notes = notes or {}  # shown with the status (the export command of a generation)
        self.where, self.folder = where, folder  # the stored upload, and its temporary folder
        self.state = "queued"
        self.progress: dict = {"phase": "Waiting for a free worker", "done": 0, "total": None}
        self.result: dict | None = None
        self.error: str | None = None
        self.version = 0
        self.started = time.monotonic()
        self.seconds: float | None = None
        self.process: Any = None
        self._changed = threading.Condition()

    def _set(self, **changes) -> None:
        with self._changed:
            if self.state in FINISHED and "state" not in changes:
                return
            for key, value in changes.items():
                setattr(self, key, value)
            if changes.get("state") in FINISHED:
                self.seconds = round(time.monotonic() - self.started, 3)
            self.version += 1
            self._changed.notify_all()

    def finish(self, state: str, result: dict | None = None, error: str | None = None) -> bool:
        """Record the outcome once; False when the job had finished already (e.g. cancelled)."""
        with self._changed:
            if self.state in FINISHED:
                return False
            self._set(state=state, result=result, error=error)
            return True

    def cancel(self, why: str = "cancelled") -> None:
        if self.finish("cancelled", error=why) and self.process is not None:
            try:
                self.process.terminate()
            except (OSError, ValueError, AttributeError):
                pass

    def wait(self, after: int, timeout: float) -> None:
        """Return when the job changed past version ``after``, or after ``timeout`` seconds."""
        with self._changed:
            self._changed.wait_for(lambda: self.version > after, timeout)

    def status(self) -> dict:
        """What the page polls: state, progress, error, and the result without the downloads' texts."""
        with self._changed:
            shown = None
            if self.result is not None:
                hidden = ("jsonl", "report") if self.kind != "generate" else ("yaml", "jsonl", "report")
                shown = {k: v for k, v in self.result.items() if k not in hidden}
            return {
                "id": self.id,
                "kind": self.kind,
                "state": self.state,
                "version": self.version,
                "progress": self.progress,
                "error": self.error,
                "seconds": self.seconds,
                "cli": self.cli,
                "notes": self.notes,
                "result": shown,
            }


class Jobs:
    """Every job of one server, by session."""

    def __init__(self, ctx: Any = None):
        self._ctx = ctx if ctx is not None else context()
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}
        self._kept: dict[tuple[str, str], list[Job]] = {}  # (session, kind) -> newest first
        self._seen: dict[str, float] = {}  # session -> last use
        self._slots = threading.BoundedSemaphore(MAX_RUNNING)
        self._closed = False

    def warm(self) -> None:
        """Start the fork server now (it imports and loads what every job uses), not on the first job."""
        try:
            process = self._ctx.Process(target=_nothing, daemon=True)
            process.start()
            process.join()
        except (OSError, ValueError, AssertionError):
            pass  # the first job tries again and reports what fails

    def start(
        self,
        session: str,
        kind: str,
        args: list[str],
        cli: str,
        where: Path | None = None,
        folder: Path | None = None,
        notes: dict | None = None,
    ) -> Job:
        """A new job; the session's previous job of this kind, if still running, is cancelled."""
        job = Job(kind, args, session, cli, where, folder, notes)
        with self._lock:
            if self._closed:
                raise RuntimeError("the server is stopping")
            self._touch(session)
            kept = self._kept.setdefault((session, kind), [])
            superseded = [j for j in kept if j.state not in FINISHED]
            for older in superseded:
                older.cancel("superseded by a newer request")
            done = [j for j in kept if j.state == "done"][:1]
            for dropped in kept:
                if dropped not in done and dropped not in superseded:
                    self._jobs.pop(dropped.id, None)
            kept[:] = [job, *superseded, *done]  # a superseded job says so until the next request
            self._jobs[job.id] = job
        threading.Thread(target=self._run, args=(job,), name=f"job-{kind}", daemon=True).start()
        return job

    def get(self, session: str, job_id: str) -> Job | None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or not secrets.compare_digest(job.session, session):
                return None
            self._touch(session)
            return job

    def close(self) -> None:
        """Cancel every job (the server is stopping)."""
        with self._lock:
            self._closed = True
            jobs = list(self._jobs.values())
        for job in jobs:
            job.cancel("the server stopped")

    def _touch(self, session: str) -> None:
        now = time.monotonic()
        self._seen.pop(session, None)
        self._seen[session] = now  # dicts keep insertion order: the oldest session first
        for old, last in list(self._seen.items()):
            if len(self._seen) <= MAX_SESSIONS and now - last < SESSION_IDLE_S:
                break
            del self._seen[old]
            for key in [k for k in self._kept if k[0] == old]:
                for job in self._kept.pop(key):
                    job.cancel("the session expired")
                    self._jobs.pop(job.id, None)

    def _run(self, job: Job) -> None:
        """The job's thread: wait for a slot, start the process, relay what it sends."""
        try:
            while not self._slots.acquire(timeout=0.2):
                if job.state in FINISHED:
                    return
            try:
                if job.state not in FINISHED:
                    self._relay(job)
            finally:
                self._slots.release()
        finally:
            if job.folder is not None:
                shutil.rmtree(job.folder, ignore_errors=True)

    def _relay(self, job: Job) -> None:
        from wildcards_gen.ui import work

        receiver, sender = self._ctx.Pipe(duplex=False)
        process = self._ctx.Process(
            target=work.main,
            args=(sender, job.kind, job.args, str(job.where) if job.where else None, None),
            daemon=False,  # a daemonic process may not fork the arrangement's workers
        )
        job._set(state="running", progress={"phase": "Starting", "done": 0, "total": None})
        try:
            process.start()
        except (OSError, ValueError, AssertionError) as exc:
            job.finish("failed", error=f"cannot start a worker process: {exc}")
            return
        finally:
            sender.close()
        job.process = process
        if job.state in FINISHED:  # cancelled while it started
            process.terminate()
        try:
            while True:
                try:
                    what, payload = receiver.recv()
                except (EOFError, OSError):
                    break
                if what == "progress":
                    job._set(progress=payload)
                elif what == "done":
                    job.finish("done", result=payload)
                elif what == "error":
                    job.finish("failed", error=payload)
        finally:
            receiver.close()
            process.join(5)
            if process.is_alive():
                process.kill()
                process.join()
            job.finish("failed", error=f"the worker process ended unexpectedly (exit code {process.exitcode})")


def _nothing() -> None:
    pass
