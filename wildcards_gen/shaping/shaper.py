"""The shaper: significant nodes stay categories, the rest flatten; then orphans merge and chains collapse.

Every pass is iterative (an explicit stack), so trees of any depth shape
without recursion limits. Descendant counts come from one post-order pass;
WordNet depths are memoised per synset.
"""

from __future__ import annotations

from dataclasses import replace

from wildcards_gen import tree
from wildcards_gen.engine import RawNode
from wildcards_gen.model import Category
from wildcards_gen.sanitize import clean_item
from wildcards_gen.shaping.config import Matcher, load_config
from wildcards_gen.shaping.options import (
    SETTING_NAMES,
    THRESHOLDS,
    Settings,
    preset_values,
    resolve_settings,
    skip_list,
)


def _node_id(raw: RawNode):
    return raw.node.id


def descendant_counts(raw_roots: list[RawNode], key=None) -> dict:
    """``{key(raw): number of nodes below it}`` in one post-order pass.

    ``key`` defaults to the node id: a node reached through two parents
    (WordNet multiple inheritance) has the same subtree, so it is counted once.
    Pass ``key=id`` when subtrees of one id may differ (a truncated preview).
    """
    key = key or _node_id
    counts: dict = {}
    for root in raw_roots:
        stack = [(root, False)]
        while stack:
            raw, children_done = stack.pop()
            k = key(raw)
            if k in counts:
                continue
            if children_done:
                n = 0
                for child in raw.children:
                    n += 1 + counts[key(child)]
                counts[k] = n
            else:
                stack.append((raw, True))
                stack.extend((c, False) for c in raw.children if key(c) not in counts)
    return counts


class Shaper:
    """One shaping of one raw tree; ``shape()`` returns the root categories."""

    def __init__(self, raw_roots, dataset, run, settings: Settings, skip: tuple, config: dict, depth=None):
        self.raw_roots = raw_roots
        self.run = run
        self.stats = run.stats
        self.base = settings
        self.depth = depth
        self.dataset = dataset
        wordnet = run.wordnet
        self.wordnet = wordnet
        self.skip = Matcher(skip, wordnet)
        self.config = config
        self.config_match = Matcher(list(config), wordnet) if config else None
        self.template = run.options.get("orphans_label_template") or tree.DEFAULT_ORPHANS_TEMPLATE
        # per node id, except in a truncated preview where one id's subtrees may differ
        self.key = id if run.options.get("preview_truncated") else _node_id
        self.counts = descendant_counts(raw_roots, self.key)
        self.leaf_memo: dict = {}
        self.depth_memo: dict = {}
        self.settings_of: dict[int, Settings] = {}  # id(category) -> its settings
        self.reported_self: set = set()

    # significance --------------------------------------------------------------
    def wordnet_depth(self, node) -> int | None:
        key = node.synset
        if not key:
            return None
        if key not in self.depth_memo:
            synset = self.wordnet.synset(key)
            self.depth_memo[key] = synset.min_depth if synset is not None else None
        return self.depth_memo[key]

    def significant(self, raw: RawNode, s: Settings) -> bool:
        if self.counts[self.key(raw)] >= s.min_hyponyms:
            return True
        depth = self.wordnet_depth(raw.node)
        return depth is not None and depth <= s.min_depth

    def settings_for(self, raw: RawNode, inherited: Settings) -> tuple[Settings, bool]:
        """The node's settings (its --smart-config entry over the inherited ones) and whether to skip it."""
        skip = bool(self.skip) and self.skip.match(raw.node) is not None
        if self.config_match is None:
            return inherited, skip
        key = self.config_match.match(raw.node)
        if key is None:
            return inherited, skip
        entry = self.config[key]
        values = {}
        if "preset" in entry:
            values = {k: v for k, v in preset_values(entry["preset"], self.dataset).items() if k in THRESHOLDS}
        values.update({k: v for k, v in entry.items() if k in SETTING_NAMES})
        return replace(inherited, **values), entry.get("skip", skip)

    # build: significance, flattening, skipping -----------------------------------
    def build(self, raw: RawNode, inherited: Settings, is_root: bool) -> list:
        """Pieces for the parent: leaf RawNodes (items) and Categories, in the dataset's order.

        A skipped node passes its children's pieces up; a significant one (or a
        root) becomes a category holding them; any other becomes a category
        whose list is every leaf name below it.
        """
        pieces: list = []
        # frames: [raw, settings, is_root, sink for its pieces, category or None (skipped), next child, own pieces]
        frames: list[list] = []

        def enter(node: RawNode, inherited: Settings, is_root: bool, sink: list) -> None:
            if not node.children:
                sink.append(node)
                return
            s, skip = self.settings_for(node, inherited)
            if skip:
                self.stats.event("skipped_node", id=node.node.id, name=node.node.name)
                self.stats.incr("shaping.skipped_nodes")
                frames.append([node, s, is_root, sink, None, 0, sink])
                return
            cat = tree.category_of(node, self.run)
            self.settings_of[id(cat)] = s
            if is_root or self.significant(node, s):
                frames.append([node, s, False, sink, cat, 0, []])
            else:
                cat.items = list(tree.leaf_names(node, self.leaf_memo, self.key))
                self.stats.incr("shaping.flattened")
                sink.append(cat)

        enter(raw, inherited, is_root, pieces)
        while frames:
            frame = frames[-1]
            node, s, child_root, sink, cat, index, own = frame
            if index < len(node.children):
                frame[5] = index + 1
                enter(node.children[index], s, child_root, own)
                continue
            frames.pop()
            if cat is not None:
                for piece in own:
                    if isinstance(piece, Category):
                        cat.children.append(piece)
                    else:
                        cat.items.append(piece.node.name)
                sink.append(cat)
        return pieces

    # post: self items, orphans, chains --------------------------------------------
    def self_items(self, cat: Category, path: str) -> None:
        own = cat.name.casefold()
        hits = [i for i in cat.items if i.casefold() == own]
        if not hits:
            return
        key = (id(cat), own)
        drop = self.settings_of.get(id(cat), self.base).drop_self_items
        if key not in self.reported_self:
            self.reported_self.add(key)
            self.stats.incr("shaping.self_items", len(hits))
            if not drop:
                self.stats.event("self_item", category=path, item=hits[0])
        if drop:
            cat.items = [i for i in cat.items if i.casefold() != own]
            for item in sorted(set(hits)):
                self.stats.event("removed_self_item", category=path, item=item)

    def post(self, root: Category, root_path: str) -> None:
        """Bottom-up: each category's children are fixed (orphans merged, chains collapsed)
        once their own subtrees are, then its self-items."""
        order = []
        stack = [(root, root_path)]
        while stack:  # pre-order, reversed below: every category after its descendants
            cat, path = stack.pop()
            order.append((cat, path))
            stack.extend((child, f"{path}/{child.name}") for child in cat.children)
        for cat, path in reversed(order):
            self.fix_children(cat, path)
            self.self_items(cat, path)

    def fix_children(self, cat: Category, path: str) -> None:
        children = []
        for child in cat.children:
            child_path = f"{path}/{child.name}"
            if not child.items and not child.children:  # its only item was itself, dropped (reported)
                self.stats.event("removed_empty_category", category=child_path)
                continue
            cs = self.settings_of.get(id(child), self.base)
            if cs.merge_orphans and child.items and _shorter(child.items, cs.min_leaf):
                label = child.name if not child.children else self.template.format(child.name)
                self.stats.event(
                    "merged_orphan",
                    list=f"{path}/{label}" if child.children else child_path,
                    into=f"{path}/{self.template.format(cat.name)}",
                    items=_size(child.items),
                )
                self.stats.incr("shaping.orphans_merged")
                cat.items.extend(child.items)
                child.items = []
                if not child.children:
                    continue
            if not child.items and len(child.children) == 1:
                only = child.children[0]
                self.stats.event("collapsed_chain", category=child_path, into=only.name)
                self.stats.incr("shaping.chains_collapsed")
                child = only
            children.append(child)
        cat.children = children

    def flatten_below(self, root: Category) -> None:
        """``--depth``: at level N a category's list gathers every item below it."""
        stack = [(root, 1)]
        while stack:
            cat, level = stack.pop()
            if level >= self.depth and cat.children:
                items = []
                for sub in cat.walk():
                    items.extend(sub.items)
                cat.items = items
                cat.children = []
                self.stats.incr("shaping.depth_flattened")
                continue
            stack.extend((child, level + 1) for child in reversed(cat.children))

    def shape(self) -> list[Category]:
        roots = []
        for raw in self.raw_roots:
            for piece in self.build(raw, self.base, True):
                if isinstance(piece, Category):
                    roots.append(piece)
                else:  # a leaf at root level: a list of itself, as in depth mode
                    cat = tree.category_of(piece, self.run)
                    cat.items = [piece.node.name]
                    roots.append(cat)
        for root in roots:
            self.post(root, root.name)
        if self.depth is not None:
            for root in roots:
                self.flatten_below(root)
                self.post(root, root.name)
        explicit_skip = bool(self.run.options.get("skip_nodes"))
        for kind, matcher in (
            ("skip_nodes", self.skip if explicit_skip else None),
            ("smart_config", self.config_match),
        ):
            if matcher:
                for key in matcher.unmatched():
                    self.stats.event("unmatched_key", option=kind, key=key)
                    self.run.log(f"{kind.replace('_', '-')} entry {key!r} matched no node")
        return roots


def _shorter(items, n: int) -> bool:
    """Fewer than ``n`` distinct items as finalize will write them (stops cleaning at ``n``)."""
    if len(items) < n:
        return True
    seen = set()
    for item in items:
        seen.add(clean_item(item))
        if len(seen) >= n:
            return False
    return True


def _size(items) -> int:
    return len({clean_item(i) for i in items})


def shape_tree(raw_roots, dataset, run) -> list[Category]:
    """Smart-shape ``raw_roots`` with the run's settings (preset, flags, --smart-config, --depth)."""
    options = run.options
    settings = resolve_settings(options, dataset)
    config = load_config(options["smart_config"]) if options.get("smart_config") else {}
    shaper = Shaper(raw_roots, dataset, run, settings, skip_list(options, dataset), config, options.get("depth"))
    return shaper.shape()
