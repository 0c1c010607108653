"""The parallel engine: one shared thread pool for sibling branches.

Why it cannot deadlock: a task that waits for its children first takes back
every child that has not started yet (``Future.cancel`` succeeds only on a
pending future) and runs it inline, so it only ever waits for tasks that are
already running on another thread, and those make progress by the same rule.
"""

from __future__ import annotations

import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from wildcards_gen.errors import Cancelled, PluginError, WildcardsError
from wildcards_gen.model import Node
from wildcards_gen.plugins import first_result_caller

FAN_OUT_MIN_CHILDREN = 5


@dataclass
class RawNode:
    """A node of the dataset tree as the plugin returned it, with its children."""

    node: Node
    children: list = field(default_factory=list)


class Engine:
    """Owns the pool; ``workers=1`` means no pool at all (everything inline)."""

    def __init__(self, workers: int | None = None):
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.pool = ThreadPoolExecutor(self.workers, thread_name_prefix="wildcards-gen") if self.workers > 1 else None
        self.cancelled = threading.Event()
        self._queued = 0  # submitted tasks not yet started
        self._queued_lock = threading.Lock()

    def _saturated(self) -> bool:
        """Enough work is already waiting for idle threads: a new group runs inline.

        Submitting costs far more than a small task under the GIL, so tasks are
        only created while the queue could starve a worker.
        """
        return self._queued >= 2 * self.workers

    def _started(self, fn, args):
        with self._queued_lock:
            self._queued -= 1
        return self._guarded(fn, args)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self.cancelled.set()
        self.close()

    def _guarded(self, fn, args):
        if self.cancelled.is_set():
            raise Cancelled()
        try:
            return fn(*args)
        except BaseException:
            self.cancelled.set()
            raise

    def map(self, fn, arg_tuples, parallel: bool = True) -> list:
        """``[fn(*a) for a in arg_tuples]``, siblings on the pool when worth it; order kept."""
        arg_tuples = list(arg_tuples)
        if self.pool is None or not parallel or len(arg_tuples) < 2 or self._saturated():
            return [self._guarded(fn, a) for a in arg_tuples]
        with self._queued_lock:
            self._queued += len(arg_tuples)
        futures = [self.pool.submit(self._started, fn, a) for a in arg_tuples]
        results = []
        try:
            for future, args in zip(futures, arg_tuples):
                if future.cancel():  # not started: run it here rather than wait behind it
                    with self._queued_lock:
                        self._queued -= 1
                    results.append(self._guarded(fn, args))
                else:
                    results.append(future.result())
        except BaseException:
            self.cancelled.set()
            for future in futures:
                if future.cancel():
                    with self._queued_lock:
                        self._queued -= 1
            raise
        return results


def children_of(iter_children, dataset, run, node: Node) -> list[Node]:
    """The owning plugin's answer to ``iter_children``, checked; errors name the plugin and node.

    Called once per node (11,166 times for Tencent), so the checks are written
    out here rather than through :func:`~wildcards_gen.errors.blame`.
    """
    try:
        result = iter_children(dataset=dataset.name, node=node, run=run)
    except (WildcardsError, Cancelled):
        raise
    except Exception as exc:
        raise PluginError(dataset.plugin, f"iter_children failed on node {node.id} ({node.name}): "
                                          f"{type(exc).__name__}: {exc}") from exc
    if result is None:
        raise PluginError(dataset.plugin, f"no plugin answered iter_children for dataset {dataset.name!r} on node {node.id}")
    if not isinstance(result, (list, tuple)) or not all(type(c) is Node or isinstance(c, Node) for c in result):
        raise PluginError(dataset.plugin, f"iter_children returned {type(result).__name__} on node {node.id}; expected a list of wildcards_gen.Node")
    return list(result)


def walk(engine: Engine, hook, dataset, run, roots, progress=None) -> list[RawNode]:
    """Build the raw tree below ``roots`` through the ``iter_children`` hook.

    Siblings go to the pool when the dataset allows it and there are enough of
    them; everything else recurses inline, checking for cancellation per node.
    """
    iter_children = first_result_caller(hook.iter_children)
    on_pool = dataset.parallel_walk and engine.pool is not None
    cancelled = engine.cancelled

    def build(node: Node) -> RawNode:
        if cancelled.is_set():
            raise Cancelled()
        children = children_of(iter_children, dataset, run, node)
        if progress is not None:
            progress.update(1)
        if on_pool and len(children) >= FAN_OUT_MIN_CHILDREN:
            return RawNode(node, engine.map(build, [(c,) for c in children]))
        return RawNode(node, [build(c) for c in children])

    if on_pool:
        return engine.map(build, [(r,) for r in roots])
    try:
        return [build(r) for r in roots]
    except BaseException:
        cancelled.set()
        raise


def progress_bar(quiet: bool, desc: str):
    """A tqdm bar on stderr for runs longer than a second; None when hidden."""
    if quiet or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(desc=desc, unit=" nodes", file=sys.stderr, delay=1.0, leave=False)
