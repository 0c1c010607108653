"""The tree a run walks: built whole before the walk, then read by ``iter_children`` from memory.

Both modes (the boxable hierarchy, all labels in WordNet's) need every class
mapped before any node can be named, so the tree is built once per run and
the host's walk only looks children up by node id.
"""

from __future__ import annotations

from typing import NamedTuple

from wildcards_gen import Node


class Tree(NamedTuple):
    roots: list[Node]
    children: dict[str, list[Node]]  # node id -> its children in order; leaves are absent

    def of(self, node_id: str) -> list[Node]:
        return list(self.children.get(node_id, ()))
