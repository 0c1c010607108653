"""``--preview N``: only the first N nodes, breadth first, for quick tuning."""

from __future__ import annotations

from wildcards_gen.engine import RawNode, check_nodes, children_of
from wildcards_gen.model import Node
from wildcards_gen.plugins import first_result_caller


def truncate(raw_roots: list[RawNode], limit: int) -> tuple[list[RawNode], bool]:
    """The first ``limit`` nodes breadth first, in dataset order (copies; the input is kept)."""
    queue: list[tuple[RawNode, RawNode | None]] = [(r, None) for r in raw_roots]
    roots: list[RawNode] = []
    kept = 0
    head = 0
    while head < len(queue) and kept < limit:
        raw, parent = queue[head]
        head += 1
        copy = RawNode(raw.node)
        (roots if parent is None else parent.children).append(copy)
        kept += 1
        queue.extend((c, copy) for c in raw.children)
    return roots, head < len(queue)


def walk_preview(hook, dataset, run, roots, limit: int) -> list[RawNode]:
    """Walk breadth first and stop after ``limit`` nodes (``iter_children`` is called ``limit`` times).

    Same nodes as :func:`truncate` on the full tree; sets
    ``run.options["preview_truncated"]`` when nodes were left out. Breadth
    first never loops on a cycle: it stops after ``limit`` nodes.
    """
    iter_children = first_result_caller(hook.iter_children)
    queue: list[tuple[Node, RawNode | None]] = [(r, None) for r in check_nodes(roots, dataset.plugin, "find_roots")]
    out: list[RawNode] = []
    head = 0
    while head < len(queue) and head < limit:
        node, parent = queue[head]
        head += 1
        raw = RawNode(node)
        (out if parent is None else parent.children).append(raw)
        children = children_of(iter_children, dataset, run, node)
        queue.extend((c, raw) for c in children)
    if head < len(queue):
        run.options["preview_truncated"] = True
        run.stats.event("preview_truncated", nodes=limit)
    return out
