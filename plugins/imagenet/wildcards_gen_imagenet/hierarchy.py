"""The WordNet noun tree below a root, as this run's options shape it.

One :class:`Hierarchy` per run holds the resolved options, the filter's
closure (its classes plus every ancestor of one) and a memo of each synset's
children. The host may ask for children from several threads at once: the
memo is a dict filled with ``setdefault`` (two threads may compute the same
entry; both get equal results), and report events go through a lock so each
removed or skipped synset is reported once.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

from wildcards_gen import Node

SELF_SUFFIX = ":self"

# --blacklist-abstract: WordNet's abstract top of the noun tree (abstraction.n.06
# and its abstract branches); group.n.01 (people, biological groups) stays.
ABSTRACT = (
    "abstraction.n.06",
    "attribute.n.02",
    "measure.n.02",
    "relation.n.01",
    "communication.n.02",
    "psychological_feature.n.01",
    "set.n.02",
    "otherworld.n.01",
)

_closures: dict = {}
_closures_lock = threading.Lock()


def closure_of(wn, classes: frozenset) -> frozenset:
    """The classes and all their ancestors (regular and instance hypernyms), cached per class set."""
    with _closures_lock:
        hit = _closures.get(classes)
    if hit is not None:
        return hit
    result = frozenset(wn.upward_closure(classes))
    with _closures_lock:
        if len(_closures) > 8:
            _closures.clear()
        return _closures.setdefault(classes, result)


@dataclass
class Hierarchy:
    """Children of any synset under this run's filter, strict mode and exclusions."""

    wn: Any  # wildcards_gen.wordnet.WordNet
    stats: Any  # wildcards_gen.stats.Stats
    classes: frozenset | None = None  # None: no filter
    strict: bool = False
    regexes: tuple = ()  # compiled patterns, matched against display names
    excluded: dict = field(default_factory=dict)  # wnid -> reason (subtrees and --blacklist-abstract)
    closure: frozenset | None = None
    _children: dict = field(default_factory=dict)
    _nodes: dict = field(default_factory=dict)
    _raw_counts: dict = field(default_factory=dict)
    _counts: dict = field(default_factory=dict)
    _reported: set = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self):
        if self.classes is not None and self.closure is None:
            self.closure = closure_of(self.wn, self.classes)
        # With a filter, a non-class synset is only worth keeping while something survives below it.
        self.prune = self.classes is not None and bool(self.regexes or self.excluded)

    # -- nodes -----------------------------------------------------------------
    def node(self, wnid: str) -> Node:
        hit = self._nodes.get(wnid)
        if hit is None:
            s = self.wn.synset(wnid)
            hit = self._nodes.setdefault(
                wnid,
                Node(id=s.wnid, name=s.lemmas[0], synonyms=tuple(s.lemmas[1:]), gloss=s.gloss or None, synset=s.wnid),
            )
        return hit

    def self_node(self, wnid: str) -> Node:
        """The leaf that keeps a class's own name in the lists when the class also has sub-classes."""
        n = self.node(wnid)
        return Node(id=wnid + SELF_SUFFIX, name=n.name, synonyms=n.synonyms, gloss=n.gloss, synset=wnid)

    # -- the tree ----------------------------------------------------------------
    def candidates(self, wnid: str) -> list:
        """Hyponyms under the filter alone (WordNet order; instance hyponyms only when they are classes)."""
        s = self.wn.synset(wnid)
        if self.closure is None:
            return list(s.hyponyms)
        kids = [h for h in s.hyponyms if h in self.closure]
        kids += [h for h in s.instance_hyponyms if h in (self.classes or ()) and h not in kids]
        return kids

    def children(self, node_id: str) -> tuple:
        """The child nodes of ``node_id``, memoised."""
        if node_id.endswith(SELF_SUFFIX):
            return ()
        hit = self._children.get(node_id)
        if hit is None:
            hit = self._children.setdefault(node_id, self._compute(node_id))
        return hit

    def _compute(self, wnid: str) -> tuple:
        out: list = []
        seen: set = set()

        def add(node: Node) -> None:
            if node.id not in seen:
                seen.add(node.id)
                out.append(node)

        for child in self.candidates(wnid):
            reason = self.exclusion(child)
            if reason:
                self._report_removed(child, reason)
                continue
            if self.prune and child not in (self.classes or ()) and not self.children(child):
                continue  # everything below it was excluded (and reported)
            if self.strict:
                primary = self.ambiguous(child)
                if primary is not None:
                    below = self.children(child)
                    if below:
                        self._report_strict(child, primary)
                        for node in below:
                            add(node)
                        continue
            add(self.node(child))
        if out and self.classes is not None and wnid in self.classes:
            out.insert(0, self.self_node(wnid))
        return tuple(out)

    # -- options -----------------------------------------------------------------
    def exclusion(self, wnid: str) -> str | None:
        """Why ``wnid`` and its subtree are removed, or None."""
        reason = self.excluded.get(wnid)
        if reason:
            return reason
        if self.regexes:
            name = self.wn.synset(wnid).lemmas[0]
            for pattern in self.regexes:
                if pattern.search(name):
                    return f"--exclude-regex {pattern.pattern}"
        return None

    def ambiguous(self, wnid: str):
        """For --strict: the primary noun sense of this synset's name, when it is another synset."""
        s = self.wn.synset(wnid)
        primary = self.wn.primary(s.lemmas[0])
        if primary is not None and primary.wnid != s.wnid:
            return primary
        return None

    def classes_below(self, wnid: str) -> int:
        """How many filter classes are ``wnid`` or below it (before exclusions)."""
        seen, stack = {wnid}, [wnid]
        while stack:
            for child in self.candidates(stack.pop()):
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
        return len(seen & self.classes) if self.classes is not None else 0

    # -- counting and reporting ------------------------------------------------------
    def raw_leaf_count(self, wnid: str) -> int:
        """Leaf items below ``wnid`` under the filter alone (per path, as the tree would list them)."""
        hit = self._raw_counts.get(wnid)
        if hit is None:
            kids = self.candidates(wnid)
            if not kids:
                hit = 1
            else:
                hit = sum(self.raw_leaf_count(k) for k in kids)
                if self.classes is not None and wnid in self.classes:
                    hit += 1  # its own name, kept as a leaf
            self._raw_counts[wnid] = hit
        return hit

    def leaf_count(self, node_id: str) -> int:
        """Leaf items below ``node_id`` in this run's tree."""
        hit = self._counts.get(node_id)
        if hit is None:
            kids = self.children(node_id)
            hit = sum(self.leaf_count(k.id) for k in kids) if kids else 1
            self._counts[node_id] = hit
        return hit

    def _first(self, key: tuple) -> bool:
        with self._lock:
            if key in self._reported:
                return False
            self._reported.add(key)
            return True

    def _report_removed(self, wnid: str, reason: str) -> None:
        if self._first(("removed", wnid)):
            s = self.wn.synset(wnid)
            n = self.raw_leaf_count(wnid)
            self.stats.event(
                "removed_excluded", id=wnid, name=s.lemmas[0], synset=s.name, reason=reason, items_removed=n
            )
            self.stats.incr("imagenet.excluded_items", n)

    def _report_strict(self, wnid: str, primary) -> None:
        if self._first(("strict", wnid)):
            s = self.wn.synset(wnid)
            n = self.leaf_count(wnid)
            self.stats.event(
                "strict_skipped", id=wnid, name=s.lemmas[0], synset=s.name, primary=primary.name, items_below=n
            )


def compile_regexes(patterns) -> tuple:
    """``--exclude-regex`` patterns, case-insensitive; a bad one is a UsageError naming it."""
    from wildcards_gen import UsageError

    compiled = []
    for pattern in patterns or ():
        try:
            compiled.append(re.compile(pattern, re.IGNORECASE))
        except re.error as exc:
            raise UsageError(f"--exclude-regex {pattern!r} does not compile: {exc}") from None
    return tuple(compiled)
