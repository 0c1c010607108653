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

    def _first_error(self, error: BaseException, later: list) -> BaseException:
        """The error to report once a branch failed: the first in order that is not a mere Cancelled.

        Later siblings still pending are taken back; running ones are waited
        for (they stop at their next node), so a branch that failed first in
        time is never hidden behind a sibling that was only cancelled.
        """
        for future in later:
            if future.cancel():
                with self._queued_lock:
                    self._queued -= 1
        if not isinstance(error, Cancelled):
            return error
        for future in later:
            if future.cancelled():
                continue
            exc = future.exception()
            if exc is not None and not isinstance(exc, Cancelled):
                return exc
        return error

    def map(self, fn, arg_tuples, parallel: bool = True) -> list:
        """``[fn(*a) for a in arg_tuples]``, siblings on the pool when worth it; order kept."""
        arg_tuples = list(arg_tuples)
        if self.pool is None or not parallel or len(arg_tuples) < 2 or self._saturated():
            return [self._guarded(fn, a) for a in arg_tuples]
        with self._queued_lock:
            self._queued += len(arg_tuples)
        futures = [self.pool.submit(self._started, fn, a) for a in arg_tuples]
        results = []
        for position, (future, args) in enumerate(zip(futures, arg_tuples)):
            try:
                if future.cancel():  # not started: run it here rather than wait behind it
                    with self._queued_lock:
                        self._queued -= 1
                    results.append(self._guarded(fn, args))
                else:
                    results.append(future.result())
            except BaseException as exc:
                self.cancelled.set()
                raise self._first_error(exc, futures[position + 1 :]) from None
        return results


def check_nodes(result, plugin: str, what: str) -> list[Node]:
    """``result`` as a list of valid nodes, else a PluginError naming ``plugin``, ``what`` and the bad element.

    Called once per node (11,166 times for Tencent), so the checks are written out.
    """
    if not isinstance(result, (list, tuple)):
        raise PluginError(plugin, f"{what} returned {type(result).__name__}; expected a list of wildcards_gen.Node")
    for index, child in enumerate(result):
        if not isinstance(child, Node):
            raise PluginError(
                plugin,
                f"{what} returned a list whose element {index} is {type(child).__name__} "
                f"{_short(child)}; expected wildcards_gen.Node",
            )
        node_id, name = child[0], child[1]
        if type(node_id) is not str or not node_id:
            raise PluginError(
                plugin,
                f"{what}: element {index} ({_short(name)}) has id {node_id!r}; a node id must be a non-empty string",
            )
        if type(name) is not str or not name.strip():
            raise PluginError(
                plugin,
                f"{what}: element {index} (id {node_id}) has name {name!r}; a node name must be a non-empty string",
            )
        if child[3] is not None and type(child[3]) is not str:
            raise PluginError(
                plugin,
                f"{what}: element {index} (id {node_id}) has a gloss of type "
                f"{type(child[3]).__name__}; expected a string or None",
            )
    return list(result)


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def children_of(iter_children, dataset, run, node: Node) -> list[Node]:
    """The owning plugin's answer to ``iter_children``, checked; errors name the plugin and node."""
    try:
        result = iter_children(dataset=dataset.name, node=node, run=run)
    except (WildcardsError, Cancelled):
        raise
    except Exception as exc:
        raise PluginError(
            dataset.plugin, f"iter_children failed on node {node.id} ({node.name}): {type(exc).__name__}: {exc}"
        ) from exc
    if result is None:
        raise PluginError(
            dataset.plugin, f"no plugin answered iter_children for dataset {dataset.name!r} on node {node.id}"
        )
    if type(result) is list and not result:
        return result
    return check_nodes(result, dataset.plugin, f"iter_children on node {node.id} ({node.name})")


def cycle_error(plugin: str, path: list[Node], child: Node) -> PluginError:
    """A node that is its own ancestor: the loop, started at its smallest id so any walk reports the same."""
    ids = [n.id for n in path]
    loop = path[ids.index(child.id) :]
    start = min(range(len(loop)), key=lambda i: loop[i].id)
    loop = loop[start:] + loop[:start]
    shown = " -> ".join(f"{n.id} ({n.name})" for n in loop + loop[:1])
    return PluginError(plugin, f"iter_children made a cycle: {shown}; a node must not be its own ancestor")


class _Frame:
    """A node of the walk's explicit stack: its raw node, its children once asked, the next child."""

    __slots__ = ("index", "kids", "raw")

    def __init__(self, raw: RawNode):
        self.raw = raw
        self.kids: list[Node] | None = None
        self.index = 0


MAX_NESTED_FAN_OUT = 32  # nested engine.map calls on one thread; deeper fan-outs walk inline
_nesting = threading.local()


def walk(engine: Engine, hook, dataset, run, roots, progress=None) -> list[RawNode]:
    """Build the raw tree below ``roots`` through the ``iter_children`` hook, without recursion.

    Each subtree is walked depth first with an explicit stack, so trees of any
    depth work; a node with enough children hands them to the pool when the
    dataset allows it. A node that is its own ancestor is a cycle error.
    """
    iter_children = first_result_caller(hook.iter_children)
    on_pool = dataset.parallel_walk and engine.pool is not None
    cancelled = engine.cancelled
    plugin = dataset.plugin

    def expand(node: Node, above: tuple) -> RawNode:
        """The subtree below ``node``; ``above`` holds its ancestors, root first."""
        path = list(above)
        on_path = {n.id for n in path}
        top = RawNode(node)
        frames = [_Frame(top)]
        while frames:
            frame = frames[-1]
            raw, kids, index = frame.raw, frame.kids, frame.index
            if kids is None:
                if cancelled.is_set():
                    raise Cancelled()
                if raw.node.id in on_path:
                    raise cycle_error(plugin, path, raw.node)
                kids = frame.kids = children_of(iter_children, dataset, run, raw.node)
                if progress is not None:
                    progress.update(1)
                if not kids:
                    frames.pop()
                    continue
                path.append(raw.node)
                on_path.add(raw.node.id)
                depth = getattr(_nesting, "depth", 0)
                if on_pool and len(kids) >= FAN_OUT_MIN_CHILDREN and depth < MAX_NESTED_FAN_OUT:
                    _nesting.depth = depth + 1
                    try:
                        raw.children = engine.map(expand, [(c, tuple(path)) for c in kids])
                    finally:
                        _nesting.depth = depth
                    index = len(kids)
            if index < len(kids):
                frame.index = index + 1
                child = RawNode(kids[index])
                raw.children.append(child)
                frames.append(_Frame(child))
            else:
                frames.pop()
                path.pop()
                on_path.discard(raw.node.id)
        return top

    if on_pool:
        return engine.map(expand, [(r, ()) for r in roots])
    try:
        return [expand(r, ()) for r in roots]
    except BaseException:
        cancelled.set()
        raise


def progress_bar(quiet: bool, desc: str):
    """A tqdm bar on stderr for runs longer than a second; None when hidden."""
    if quiet or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(desc=desc, unit=" nodes", file=sys.stderr, delay=1.0, leave=False)
