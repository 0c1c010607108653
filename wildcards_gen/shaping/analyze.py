"""``--analyze``: the raw tree's shape, and what each preset would make of it."""

from __future__ import annotations

from wildcards_gen import presets, tree
from wildcards_gen.engine import RawNode
from wildcards_gen.shaping.options import SETTING_NAMES, explicit_flags, preset_values, resolve_settings
from wildcards_gen.shaping.shaper import descendant_counts, shape_tree

TARGET_LIST = 20  # lists of roughly 10-50 terms sample well as wildcards


def tree_statistics(raw_roots: list[RawNode], run) -> dict:
    """Counts, depth histogram, branching and size percentiles of a raw tree (one pass)."""
    counts = descendant_counts(raw_roots, id if run.options.get("preview_truncated") else None)
    levels: dict[int, int] = {}
    branching: list[int] = []
    sizes: list[int] = []
    wn_depths: dict[int, int] = {}
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
        "nodes": nodes,
        "unique_ids": len(ids),
        "leaves": leaves,
        "unique_leaf_names": len(leaf_names),
        "inner": len(branching),
        "levels": dict(sorted(levels.items())),
        "branching": sorted(branching),
        "sizes": sorted(sizes),
        "wordnet_depths": dict(sorted(wn_depths.items())),
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
    return {
        "categories": n,
        "lists": len(lists),
        "median": statistics.median(lists) if lists else 0,
        "smallest": lists[0] if lists else 0,
        "levels": deepest,
    }


def _row(label, min_depth, min_hyponyms, min_leaf, r) -> str:
    return (
        f"  {label:<15} {f'{min_depth}/{min_hyponyms}/{min_leaf}':<10} -> {r['categories']:>6} categories, "
        f"{r['lists']:>6} lists, median {r['median']:g}, smallest {r['smallest']}, {r['levels']} levels"
    )


def analyze_report(raw_roots, dataset, run) -> str:
    """The text ``--analyze`` prints: the tree's shape, then what each preset makes of it."""
    import statistics

    st = tree_statistics(raw_roots, run)
    b, sizes = st["branching"], st["sizes"]
    out = [
        f"Tree statistics: {dataset.name}, {len(raw_roots)} root(s)"
        + (" (preview: truncated)" if run.options.get("preview_truncated") else ""),
        f"  nodes: {st['nodes']} ({st['unique_ids']} unique ids)",
        f"  leaves: {st['leaves']} ({st['unique_leaf_names']} unique names); inner nodes: {st['inner']}",
        f"  depth: {max(st['levels'], default=0)} levels",
        "  depth histogram (level: nodes): " + ", ".join(f"{k}: {v}" for k, v in st["levels"].items()),
    ]
    if b:
        out.append(
            f"  branching (children per inner node): mean {statistics.mean(b):.1f}, median {statistics.median(b):g}, "
            f"p90 {_pct(b, 0.9)}, max {b[-1]}"
        )
        out.append(
            f"  descendants per inner node: median {statistics.median(sizes):g}, p75 {_pct(sizes, 0.75)}, "
            f"p90 {_pct(sizes, 0.9)}, p99 {_pct(sizes, 0.99)}, max {sizes[-1]}"
        )
    if st["wordnet_depths"]:
        out.append(
            "  WordNet min depth of inner nodes (depth: nodes): "
            + ", ".join(f"{k}: {v}" for k, v in st["wordnet_depths"].items())
        )
    if not b:
        return "\n".join(out)
    out.append("")
    out.append(
        "Presets on this tree (min-depth/min-hyponyms/min-leaf -> categories, lists, median and smallest list\n"
        "below the roots, levels):"
    )
    rows = {}
    names = presets.names(dataset)
    for name in names:
        cleared = {k: None for k in SETTING_NAMES}
        rows[name] = trial(raw_roots, dataset, run, {**cleared, "preset": name, "depth": None})
        v = preset_values(name, dataset)
        r = rows[name]
        out.append(_row(name, v["min_depth"], v["min_hyponyms"], v["min_leaf"], r))
    if run.options.get("smart") or explicit_flags(run.options):
        s = resolve_settings(run.options, dataset)
        r = trial(raw_roots, dataset, run, {})
        out.append(_row("your settings", s.min_depth, s.min_hyponyms, s.min_leaf, r))
    best = min(names, key=lambda n: (abs(rows[n]["median"] - TARGET_LIST), names.index(n)))
    out.append("")
    out.append(
        f"Suggested: --smart --preset {best} (median list of {rows[best]['median']:g} terms; "
        f"lists of about {TARGET_LIST} terms sample well). For finer control: --min-hyponyms near "
        f"{_pct(sizes, 0.9)} (p90 of descendants) keeps roughly the largest tenth of inner nodes."
    )
    return "\n".join(out)
