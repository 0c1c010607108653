"""Smart shaping: turn any dataset's raw node tree into a usable wildcard tree.

Raw taxonomies are too deep and uneven for prompt wildcards. ``--smart`` keeps
a node as a category only when it is significant (shallow in WordNet, or
large in the tree being shaped), flattens the rest into lists of their leaf
names, elides ``--skip-nodes``, collapses single-child chains and merges lists
shorter than ``--min-leaf`` into the parent's ``other_<parent>`` list.

Every leaf item of the raw tree ends up in the output, or in the run report
with the reason (only ``--drop-self-items`` removes items). Descendant counts
come from one post-order pass; WordNet depths are memoised per synset.
"""

from __future__ import annotations

import gc
import re
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import click

from wildcards_gen import tree
from wildcards_gen.engine import RawNode, children_of
from wildcards_gen.plugins import first_result_caller
from wildcards_gen.errors import UsageError
from wildcards_gen.model import Category
from wildcards_gen.sanitize import clean_item

# (min-depth, min-hyponyms, min-leaf), from most to least detailed.
PRESETS = {
    "ultra-detailed": {"min_depth": 8, "min_hyponyms": 5, "min_leaf": 1},
    "detailed": {"min_depth": 6, "min_hyponyms": 10, "min_leaf": 3},
    "balanced": {"min_depth": 4, "min_hyponyms": 50, "min_leaf": 5},
    "compact": {"min_depth": 3, "min_hyponyms": 100, "min_leaf": 8},
    "flat": {"min_depth": 2, "min_hyponyms": 500, "min_leaf": 10},
    "ultra-flat": {"min_depth": 1, "min_hyponyms": 1000, "min_leaf": 20},
}
DEFAULT_PRESET = "balanced"
THRESHOLDS = ("min_depth", "min_hyponyms", "min_leaf")  # what a preset sets
SETTING_NAMES = THRESHOLDS + ("merge_orphans", "drop_self_items")
_WNID = re.compile(r"^n\d{8}$")
_SYNSET_NAME = re.compile(r"^.+\.n\.\d+$")


@dataclass(frozen=True)
class Settings:
    """The thresholds in force for one subtree."""

    min_depth: int
    min_hyponyms: int
    min_leaf: int
    merge_orphans: bool = True
    drop_self_items: bool = False


# -- CLI ------------------------------------------------------------------------

def click_options() -> list:
    """Fresh option objects (each dataset command gets its own)."""
    return [
        click.Option(["--smart"], is_flag=True, default=False, callback=_check_smart,
                     help="Reshape the tree: keep significant categories, flatten the rest, collapse chains, merge small lists (see --preset)."),
        click.Option(["--preset"], type=click.Choice(list(PRESETS)), default=None,
                     help="Smart-shaping thresholds, most to least detailed. Default with --smart: balanced. Explicit flags beat the preset."),
        click.Option(["--min-depth"], type=click.IntRange(min=0), default=None, metavar="N",
                     help="Smart: keep a node as a category when its WordNet minimum depth is <= N (preset value by default)."),
        click.Option(["--min-hyponyms"], type=click.IntRange(min=0), default=None, metavar="N",
                     help="Smart: keep a node as a category when it has >= N descendants in the tree (preset value by default)."),
        click.Option(["--min-leaf"], type=click.IntRange(min=1), default=None, metavar="N",
                     help="Smart: merge lists shorter than N into the parent's other_<parent> list (preset value by default)."),
        click.Option(["--merge-orphans/--no-merge-orphans"], default=None,
                     help="Smart: merge lists shorter than --min-leaf upward. Default: on."),
        click.Option(["--orphans-label-template"], default=tree.DEFAULT_ORPHANS_TEMPLATE, show_default=True,
                     callback=_check_template,
                     help="Name of the list that holds a category's own items beside its sub-categories; {} is the category."),
        click.Option(["--skip-nodes"], multiple=True, metavar="ID|NAME",
                     help="Smart: elide this node (WNID, synset name or display name) and promote its children; repeatable. "
                          "Replaces the dataset's default skip nodes; --skip-nodes '' skips none."),
        click.Option(["--drop-self-items"], is_flag=True, default=None,
                     help="Smart: drop an item identical to its own category's name (counted in the report either way)."),
        click.Option(["--smart-config"], type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
                     callback=_check_config, metavar="FILE",
                     help="Smart: YAML mapping from WNID or category name to settings for that subtree "
                          "(preset, min_depth, min_hyponyms, min_leaf, merge_orphans, drop_self_items, skip)."),
        click.Option(["--preview"], type=click.IntRange(min=1), default=None, metavar="N",
                     help="Use only the first N nodes (breadth first) and mark the output as partial, for quick tuning."),
        click.Option(["--analyze"], is_flag=True, default=False,
                     help="Print the tree's statistics and suggested thresholds to stdout; write nothing."),
    ]


SMART_ONLY = ("preset", "min_depth", "min_hyponyms", "min_leaf", "merge_orphans", "drop_self_items",
              "skip_nodes", "smart_config")


def explicit_flags(params: dict) -> list:
    """The smart-shaping settings given on the command line (their defaults are all empty)."""
    return [name for name in SMART_ONLY if params.get(name) not in (None, (), [])]


def _check_smart(ctx, param, value):
    # Without --smart this runs after every option the user gave (click processes given
    # options first), so it sees them all and fails before the walk instead of ignoring them.
    given = explicit_flags(ctx.params)
    if not value and given and not ctx.params.get("analyze"):
        flags = ", ".join("--" + name.replace("_", "-") for name in given)
        raise click.UsageError(f"{flags} only apply to smart shaping: add --smart (or --analyze to compare)")
    return value


def _check_template(ctx, param, value):
    if value is None:
        return value
    rest = value.replace("{}", "")
    if value.count("{}") != 1 or "{" in rest or "}" in rest or not rest.strip():
        raise click.BadParameter("must contain '{}' exactly once, e.g. 'other_{}'")
    return value


def _check_config(ctx, param, value):
    if value is not None:
        try:
            load_config(value)
        except UsageError as exc:
            raise click.BadParameter(str(exc)) from None
    return value


# -- settings ---------------------------------------------------------------------

def preset_values(name: str, dataset) -> dict:
    """A preset's settings, with the dataset's own overrides applied."""
    if name not in PRESETS:
        raise UsageError(f"unknown preset {name!r} (choose from {', '.join(PRESETS)})")
    values = {"merge_orphans": True, "drop_self_items": False, **PRESETS[name]}
    values.update((getattr(dataset, "presets", None) or {}).get(name, {}))
    return values


def resolve_settings(options: dict, dataset) -> Settings:
    """Preset (default balanced), then the explicit flags on top."""
    values = preset_values(options.get("preset") or DEFAULT_PRESET, dataset)
    for key in SETTING_NAMES:
        if options.get(key) is not None:
            values[key] = options[key]
    return Settings(**{k: values[k] for k in SETTING_NAMES})


def skip_list(options: dict, dataset) -> tuple:
    given = tuple(options.get("skip_nodes") or ())
    if given:
        return tuple(s for s in given if s.strip())
    return tuple(getattr(dataset, "skip_nodes", ()) or ())


# -- --smart-config ---------------------------------------------------------------

_CONFIG_TYPES = {
    "preset": "preset", "min_depth": "int0", "min_hyponyms": "int0", "min_leaf": "int1",
    "merge_orphans": "bool", "drop_self_items": "bool", "skip": "bool",
}


def load_config(path) -> dict:
    """``{key: {setting: value}}`` from a YAML file; errors carry file:line:column."""
    from ruamel.yaml.comments import CommentedMap

    from wildcards_gen.yaml_input import read_yaml

    path = Path(path)
    data = read_yaml(path, "smart config")
    if data is None:
        return {}
    if not isinstance(data, CommentedMap):
        raise UsageError(f"{path}:1:1: expected a mapping from WNID or category name to settings")
    config = {}
    for key, entry in data.items():
        line, col = data.lc.key(key)
        if not isinstance(key, str) or not key.strip():
            raise UsageError(f"{path}:{line + 1}:{col + 1}: key {key!r} must be a WNID, synset name or category name")
        if entry is None:
            entry = {}
        elif not isinstance(entry, CommentedMap):
            vline, vcol = data.lc.value(key)
            raise UsageError(f"{path}:{vline + 1}:{vcol + 1}: settings for {key!r} must be a mapping of setting: value")
        settings = {}
        for name, value in entry.items():
            sline, scol = entry.lc.key(name)
            kind = _CONFIG_TYPES.get(name)
            if kind is None:
                raise UsageError(f"{path}:{sline + 1}:{scol + 1}: unknown setting {name!r} for {key!r} "
                                 f"(known: {', '.join(_CONFIG_TYPES)})")
            vline, vcol = entry.lc.value(name)
            problem = _type_problem(kind, value)
            if problem:
                raise UsageError(f"{path}:{vline + 1}:{vcol + 1}: {name} for {key!r} {problem}, got {value!r}")
            settings[name] = value
        config[key.strip()] = settings
    return config


def _type_problem(kind: str, value) -> str | None:
    if kind == "bool":
        return None if isinstance(value, bool) else "must be true or false"
    if kind == "preset":
        return None if isinstance(value, str) and value in PRESETS else f"must be one of {', '.join(PRESETS)}"
    if isinstance(value, bool) or not isinstance(value, int):
        return "must be an integer"
    low = 1 if kind == "int1" else 0
    return None if value >= low else f"must be >= {low}"


class Matcher:
    """Finds the nodes a list of keys (WNID, synset name, display name) means."""

    def __init__(self, keys, wordnet):
        self.by_id, self.by_name = {}, {}
        for key in keys:
            text = key.strip()
            if _WNID.match(text):
                self.by_id[text] = key
            elif _SYNSET_NAME.match(text):
                synset = wordnet.synset(text)
                if synset is None:
                    raise UsageError(f"{text!r} is not a WordNet 3.0 noun synset")
                self.by_id[synset.wnid] = key
            else:
                self.by_name[text.casefold()] = key
        self.matched: set = set()

    def __bool__(self):
        return bool(self.by_id or self.by_name)

    def match(self, node):
        key = self.by_id.get(node.id) or (self.by_id.get(node.synset) if node.synset else None)
        if key is None:
            key = self.by_name.get(node.name.casefold())
        if key is not None:
            self.matched.add(key)
        return key

    def unmatched(self) -> list:
        return sorted((set(self.by_id.values()) | set(self.by_name.values())) - self.matched)


# -- the pass over the raw tree ----------------------------------------------------

def truncate(raw_roots: list[RawNode], limit: int) -> tuple[list[RawNode], bool]:
    """The first ``limit`` nodes breadth first, in dataset order (copies; the input is kept)."""
    queue = [(r, None) for r in raw_roots]
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
    ``run.options["preview_truncated"]`` when nodes were left out.
    """
    iter_children = first_result_caller(hook.iter_children)
    queue = [(r, None) for r in roots]
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


def descendant_counts(raw_roots: list[RawNode], key=None) -> dict:
    """``{key(raw): number of nodes below it}`` in one post-order pass.

    ``key`` defaults to the node id: a node reached through two parents
    (WordNet multiple inheritance) has the same subtree, so it is counted once.
    Pass ``key=id`` when subtrees of one id may differ (a truncated preview).
    """
    key = key or _node_id
    counts: dict = {}

    def count(raw: RawNode) -> int:  # recursion: as deep as the walk that built the tree, and 4x faster
        k = key(raw)
        n = counts.get(k)
        if n is None:
            n = 0
            for child in raw.children:
                n += 1 + count(child)
            counts[k] = n
        return n

    for root in raw_roots:
        count(root)
    return counts


def _node_id(raw: RawNode):
    return raw.node.id


def leaf_names(raw: RawNode, memo: dict, key) -> list:
    """Names of every leaf below ``raw``, memoised like the descendant counts."""
    k = key(raw)
    names = memo.get(k)
    if names is None:
        if not raw.children:
            names = [raw.node.name]
        else:
            names = []
            for child in raw.children:
                names.extend(leaf_names(child, memo, key))
        memo[k] = names
    return names


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
        """Pieces for the parent: leaf RawNodes (items) and Categories."""
        if not raw.children:
            return [raw]
        s, skip = self.settings_for(raw, inherited)
        if skip:
            self.stats.event("skipped_node", id=raw.node.id, name=raw.node.name)
            self.stats.incr("shaping.skipped_nodes")
            pieces = []
            for child in raw.children:
                pieces.extend(self.build(child, s, is_root))
            return pieces
        cat = tree.category_of(raw, self.run)
        self.settings_of[id(cat)] = s
        if is_root or self.significant(raw, s):
            for child in raw.children:
                for piece in self.build(child, s, False):
                    if isinstance(piece, Category):
                        cat.children.append(piece)
                    else:
                        cat.items.append(piece.node.name)
        else:
            cat.items = list(leaf_names(raw, self.leaf_memo, self.key))
            self.stats.incr("shaping.flattened")
        return [cat]

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

    def post(self, cat: Category, path: str) -> None:
        """Bottom-up: fix the children (orphans merged, chains collapsed), then own self-items."""
        children = []
        for child in cat.children:
            child_path = f"{path}/{child.name}"
            self.post(child, child_path)
            if not child.items and not child.children:  # its only item was itself, dropped (reported)
                self.stats.event("removed_empty_category", category=child_path)
                continue
            cs = self.settings_of.get(id(child), self.base)
            if cs.merge_orphans and child.items and _shorter(child.items, cs.min_leaf):
                label = child.name if not child.children else self.template.format(child.name)
                self.stats.event("merged_orphan", list=f"{path}/{label}" if child.children else child_path,
                                 into=f"{path}/{self.template.format(cat.name)}", items=_size(child.items))
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
        self.self_items(cat, path)

    def flatten_below(self, cat: Category, level: int) -> None:
        """``--depth``: at level N a category's list gathers every item below it."""
        if level >= self.depth and cat.children:
            items = []
            for sub in cat.walk():
                items.extend(sub.items)
            cat.items = items
            cat.children = []
            self.stats.incr("shaping.depth_flattened")
            return
        for child in cat.children:
            self.flatten_below(child, level + 1)

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
                self.flatten_below(root, 1)
                self.post(root, root.name)
        explicit_skip = bool(self.run.options.get("skip_nodes"))
        for kind, matcher in (("skip_nodes", self.skip if explicit_skip else None), ("smart_config", self.config_match)):
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


# -- entry point --------------------------------------------------------------------

@contextmanager
def _no_gc():
    """Pause the cyclic GC: shaping allocates many small acyclic lists next to a large
    raw tree, and full collections rescanning that tree took two thirds of the time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def shape(raw_roots: list[RawNode], dataset, run):
    """Shape ``raw_roots`` as ``run.options`` asks; None after ``--analyze`` printed its report."""
    with _no_gc():
        return _shape(raw_roots, dataset, run)


def _shape(raw_roots: list[RawNode], dataset, run):
    options = run.options
    limit = options.get("preview")
    if limit and not options.get("preview_truncated"):  # a full tree (the API); the CLI walks only N nodes
        raw_roots, cut = truncate(raw_roots, limit)
        if cut:
            options["preview_truncated"] = True
            run.stats.event("preview_truncated", nodes=limit)
    if options.get("analyze"):
        click.echo(analyze_report(raw_roots, dataset, run))
        return None
    if not options.get("smart"):
        return tree.to_categories(raw_roots, options.get("depth"), run)
    return shape_tree(raw_roots, dataset, run)


def shape_tree(raw_roots, dataset, run) -> list[Category]:
    options = run.options
    settings = resolve_settings(options, dataset)
    config = load_config(options["smart_config"]) if options.get("smart_config") else {}
    shaper = Shaper(raw_roots, dataset, run, settings, skip_list(options, dataset), config, options.get("depth"))
    return shaper.shape()


# -- --analyze ------------------------------------------------------------------------

TARGET_LIST = 20  # lists of roughly 10-50 terms sample well as wildcards


def tree_statistics(raw_roots: list[RawNode], run) -> dict:
    """Counts, depth histogram, branching and size percentiles of a raw tree (one pass)."""
    counts = descendant_counts(raw_roots, id if run.options.get("preview_truncated") else None)
    levels: dict[int, int] = {}
    branching, sizes, wn_depths = [], [], {}
    ids, leaf_names = set(), set()
    nodes = leaves = 0
    wordnet = run.wordnet
    stack = [(r, 1) for r in raw_roots]
    while stack:
        raw, level = stack.pop()
        nodes += 1
        ids.add(raw.node.id)
        levels[level] = levels.get(level, 0) + 1
        if raw.children:
            branching.append(len(raw.children))
            sizes.append(counts[id(raw) if run.options.get("preview_truncated") else raw.node.id])
            synset = wordnet.synset(raw.node.synset) if raw.node.synset else None
            if synset is not None:
                wn_depths[synset.min_depth] = wn_depths.get(synset.min_depth, 0) + 1
            stack.extend((c, level + 1) for c in raw.children)
        else:
            leaves += 1
            leaf_names.add(raw.node.name)
    return {
        "nodes": nodes, "unique_ids": len(ids), "leaves": leaves, "unique_leaf_names": len(leaf_names),
        "inner": len(branching), "levels": dict(sorted(levels.items())), "branching": sorted(branching),
        "sizes": sorted(sizes), "wordnet_depths": dict(sorted(wn_depths.items())),
    }


def _pct(values: list, q: float):
    return values[min(len(values) - 1, int(q * len(values)))] if values else 0


def trial(raw_roots, dataset, run, overrides: dict) -> dict:
    """Shape and finalize with other settings, on a private report; the figures of the result."""
    import statistics  # --analyze only
    from wildcards_gen.model import Run
    from wildcards_gen.stats import Stats

    options = {**run.options, "smart": True, **overrides}
    trial_run = Run(run.dataset, options, Stats(), run.cache_dir, 0)
    cats = tree.finalize(shape_tree(raw_roots, dataset, trial_run), trial_run)
    lists, n, deepest = [], 0, 0
    template = options.get("orphans_label_template") or tree.DEFAULT_ORPHANS_TEMPLATE
    stack = [(c, 1, True) for c in cats]
    while stack:
        cat, level, exempt = stack.pop()  # a root's own lists have nowhere to merge into
        n += 1
        deepest = max(deepest, level)
        if not cat.children and not exempt:
            lists.append(len(cat.items))
        stack.extend((c, level + 1, level == 1 and c.name == template.format(cat.name)) for c in cat.children)
    lists.sort()
    return {"categories": n, "lists": len(lists), "median": statistics.median(lists) if lists else 0,
            "smallest": lists[0] if lists else 0, "levels": deepest}


def _row(label, min_depth, min_hyponyms, min_leaf, r) -> str:
    return (f"  {label:<15} {f'{min_depth}/{min_hyponyms}/{min_leaf}':<10} -> {r['categories']:>6} categories, "
            f"{r['lists']:>6} lists, median {r['median']:g}, smallest {r['smallest']}, {r['levels']} levels")


def analyze_report(raw_roots, dataset, run) -> str:
    """The text ``--analyze`` prints: the tree's shape, then what each preset makes of it."""
    import statistics
    st = tree_statistics(raw_roots, run)
    b, sizes = st["branching"], st["sizes"]
    out = [f"Tree statistics: {dataset.name}, {len(raw_roots)} root(s)"
           + (" (preview: truncated)" if run.options.get("preview_truncated") else ""),
           f"  nodes: {st['nodes']} ({st['unique_ids']} unique ids)",
           f"  leaves: {st['leaves']} ({st['unique_leaf_names']} unique names); inner nodes: {st['inner']}",
           f"  depth: {max(st['levels'], default=0)} levels",
           "  depth histogram (level: nodes): " + ", ".join(f"{k}: {v}" for k, v in st["levels"].items())]
    if b:
        out.append(f"  branching (children per inner node): mean {statistics.mean(b):.1f}, median {statistics.median(b):g}, "
                   f"p90 {_pct(b, 0.9)}, max {b[-1]}")
        out.append(f"  descendants per inner node: median {statistics.median(sizes):g}, p75 {_pct(sizes, 0.75)}, "
                   f"p90 {_pct(sizes, 0.9)}, p99 {_pct(sizes, 0.99)}, max {sizes[-1]}")
    if st["wordnet_depths"]:
        out.append("  WordNet min depth of inner nodes (depth: nodes): "
                   + ", ".join(f"{k}: {v}" for k, v in st["wordnet_depths"].items()))
    if not b:
        return "\n".join(out)
    out.append("")
    out.append("Presets on this tree (min-depth/min-hyponyms/min-leaf -> categories, lists, median and smallest list\n"
               "below the roots, levels):")
    rows = {}
    for name in PRESETS:
        cleared = {k: None for k in SETTING_NAMES}
        rows[name] = trial(raw_roots, dataset, run, {**cleared, "preset": name, "depth": None})
        v = preset_values(name, dataset)
        r = rows[name]
        out.append(_row(name, v["min_depth"], v["min_hyponyms"], v["min_leaf"], r))
    if run.options.get("smart") or explicit_flags(run.options):
        s = resolve_settings(run.options, dataset)
        r = trial(raw_roots, dataset, run, {})
        out.append(_row("your settings", s.min_depth, s.min_hyponyms, s.min_leaf, r))
    best = min(PRESETS, key=lambda n: (abs(rows[n]["median"] - TARGET_LIST), list(PRESETS).index(n)))
    out.append("")
    out.append(f"Suggested: --smart --preset {best} (median list of {rows[best]['median']:g} terms; "
               f"lists of about {TARGET_LIST} terms sample well). For finer control: --min-hyponyms near "
               f"{_pct(sizes, 0.9)} (p90 of descendants) keeps roughly the largest tenth of inner nodes.")
    return "\n".join(out)
