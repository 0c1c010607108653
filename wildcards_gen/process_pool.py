"""Parallel map over worker processes for the work that holds the GIL (sense choice, arranging lists).

Threads cannot overlap pure-Python work, so the lists of an arrangement run go to
worker processes. They are forked when a map starts, after the parent has
prepared everything (WordNet loaded, vectors computed, plugins registered), so a
worker inherits that state instead of rebuilding it: starting one costs a few
milliseconds, and only an index travels to it and a result back. Forking needs a
POSIX system; elsewhere, or for one worker, the map runs on the calling thread.

A worker ignores Ctrl-C (the parent handles it and stops the workers), dies with
its parent (Linux: ``PR_SET_PDEATHSIG``), and runs BLAS on one thread. A worker
that dies (a crash, a kill, out of memory) ends the run with a one-line error.
Results come back in the order of the inputs, so the output does not depend on
which worker finished first.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from wildcards_gen.errors import WildcardsError

_task: tuple[Callable[..., Any], Sequence[tuple]] | None = None  # what forked workers run (inherited)


def available() -> bool:
    """Whether worker processes can be forked here."""
    return hasattr(os, "fork") and "fork" in multiprocessing.get_all_start_methods()


def die_with_parent(parent: int | None = None) -> None:
    """Make this worker process end when its parent does, even by SIGKILL (Linux: ``PR_SET_PDEATHSIG``).

    ``parent``: the pid the worker was started by; if that process is already
    gone (it died before this call), exit now. Every kind of worker calls this
    first thing: the arrangement's forked ones and ``batch``'s spawned ones.
    """
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG: SIGTERM when the parent dies
        except (OSError, AttributeError):
            pass
    if parent is not None and os.getppid() != parent:
        os._exit(1)  # the parent died before the line above took effect


def _init_worker(parent: int | None = None) -> None:
    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=1)  # the workers are the parallelism
    except ImportError:
        pass


def _run(indices: list[int]) -> list:
    assert _task is not None
    fn, args = _task
    return [fn(*args[index]) for index in indices]


CHUNKS_PER_WORKER = 16  # few round trips (each costs a pickle and the pool's queues), yet some balancing left


def _chunks(count: int, workers: int, costs: Sequence[float] | None) -> list[list[int]]:
    """Items dealt into a few chunks of about equal cost (largest first to the lightest chunk),
    the costliest chunk first."""
    n = min(count, workers * CHUNKS_PER_WORKER)
    weight = list(costs) if costs is not None else [1.0] * count
    order = sorted(range(count), key=lambda i: (-weight[i], i))
    bins: list[list[int]] = [[] for _ in range(n)]
    loads = [0.0] * n
    for index in order:
        lightest = min(range(n), key=lambda b: (loads[b], b))
        bins[lightest].append(index)
        loads[lightest] += weight[index]
    ranked = sorted(range(n), key=lambda b: (-loads[b], b))
    return [bins[b] for b in ranked if bins[b]]


def fork_map(fn: Callable[..., Any], args: Sequence[tuple], workers: int, costs: Sequence[float] | None = None) -> list:
    """``[fn(*a) for a in args]`` on up to ``workers`` forked processes, in order.

    ``fn`` and ``args`` are inherited by the workers, never pickled; results are.
    With ``costs`` (an estimate per item) the costliest items start first, so the
    workers finish together. Exceptions travel back and are raised here.
    """
    global _task
    workers = min(workers, len(args))
    if workers < 2 or not available():
        return [fn(*a) for a in args]
    _task = (fn, args)
    pool = ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("fork"), initializer=_init_worker, initargs=(os.getpid(),)
    )
    try:
        chunks = _chunks(len(args), workers, costs)
        results: list = [None] * len(args)
        for chunk, answers in zip(chunks, pool.map(_run, chunks)):
            for index, result in zip(chunk, answers):
                results[index] = result
        return results
    except BrokenProcessPool:
        raise WildcardsError("a worker process died (killed, or out of memory); no output written") from None
    except BaseException:
        stop_workers(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _task = None


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """End the pool's workers now (Ctrl-C, a signal, an error in one of them): nothing is left running."""
    for process in list(getattr(pool, "_processes", {}).values()):
        try:
            process.terminate()
        except (OSError, AttributeError):
            pass
