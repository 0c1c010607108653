"""Quality of semantic arrangement against WordNet's own grouping (issue 7 protocol).

For each root (dog, bird, musical instrument, tree, vehicle, fish, fruit,
tool) the items are the names of the leaf synsets below the root; an item's
true group is the direct child of the root it descends from. Items under two
children are dropped, then children with fewer than 3 items. Each list is
arranged once (first level only, exactly as ``--semantic-arrange`` does) and
scored:

- ARI and NMI against the true groups (leftovers count as one extra group),
- homogeneity (same labelling), coverage (share of items in a named group),
- groups (named groups; the truth's count beside it),
- informative names: share of named groups whose WordNet synset is an
  ancestor of most of the group's members and lies strictly below the root.

Run: ``.venv/bin/python benchmarks/arrangement_quality.py [--embedder wordnet]
[--embedder sentence-transformers] [--json FILE]``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict

ROOTS = ("dog.n.01", "bird.n.01", "musical_instrument.n.01", "tree.n.01",
         "vehicle.n.01", "fish.n.01", "fruit.n.01", "tool.n.01")
EMBEDDERS = ("wordnet", "sentence-transformers")


def default_options() -> dict:
    """The CLI's defaults for the arrangement options."""
    from wildcards_gen import arrangement

    options = {p.name: p.default for p in arrangement.click_options()}
    options["semantic_arrange"] = True
    return options


def truth(wn, root_name: str):
    """``(root synset, items, true labels, leaf synsets per item)`` per the protocol."""
    root = wn.synset(root_name)
    by_name: dict[str, set] = defaultdict(set)  # item -> children it descends from
    leaves_of: dict[str, set] = defaultdict(set)  # item -> its leaf synsets below root
    for child in root.hyponyms:
        stack, seen = [child], set()
        while stack:
            wnid = stack.pop()
            if wnid in seen:
                continue
            seen.add(wnid)
            synset = wn.synset(wnid)
            if synset.hyponyms:
                stack.extend(synset.hyponyms)
            else:
                by_name[synset.display].add(child)
                leaves_of[synset.display].add(wnid)
    items = {name: next(iter(children)) for name, children in by_name.items() if len(children) == 1}
    sizes = defaultdict(int)
    for child in items.values():
        sizes[child] += 1
    items = {name: child for name, child in items.items() if sizes[child] >= 3}
    terms = sorted(items, key=lambda t: (t.casefold(), t))
    return root, terms, [items[t] for t in terms], {t: leaves_of[t] for t in terms}


def score(wn, root, terms, labels, leaves, groups):
    from sklearn import metrics

    if groups is None:  # left as one list: everything is "leftover"
        predicted = {t: "<rest>" for t in terms}
        named = []
    else:
        predicted = {}
        named = []
        for g in groups:
            is_rest = g.synset is None and g.name.startswith("other_")
            for t in g.terms:
                predicted[t] = "<rest>" if is_rest else g.name
            if not is_rest:
                named.append(g)
    pred = [predicted[t] for t in terms]
    covered = sum(1 for p in pred if p != "<rest>")
    informative = 0
    for g in named:
        if not g.synset or g.synset == root.wnid or not wn.is_below(g.synset, root.wnid):
            continue
        below = sum(1 for t in g.terms if any(wn.is_below(leaf, g.synset) for leaf in leaves[t]))
        if below > len(g.terms) / 2:
            informative += 1
    return {
        "items": len(terms),
        "true_groups": len(set(labels)),
        "ari": metrics.adjusted_rand_score(labels, pred),
        "nmi": metrics.normalized_mutual_info_score(labels, pred),
        "homogeneity": metrics.homogeneity_score(labels, pred),
        "coverage": covered / len(terms),
        "groups": len(named),
        "informative": informative / len(named) if named else 0.0,
        "parentheses": sum(1 for g in named if "(" in g.name) / len(named) if named else 0.0,
        "names": sorted(g.name for g in named),
    }


def evaluate(embedder: str, roots=ROOTS, options: dict | None = None) -> dict:
    """``{root: figures}`` plus ``"mean"`` for one embedder (the product's own code path)."""
    from wildcards_gen import arrangement, embeddings, wordnet
    from wildcards_gen.model import Run
    from wildcards_gen.paths import cache_dir
    from wildcards_gen.plugins import get_registry
    from wildcards_gen.stats import Stats

    wn = wordnet.get()
    registry = get_registry()
    opts = default_options()
    opts.update(options or {})
    opts["embedder"] = embedder
    run = Run("benchmark", opts, Stats(), cache_dir())
    out = {}
    for root_name in roots:
        root, terms, labels, leaves = truth(wn, root_name)
        job = arrangement.prepare(arrangement.Job(root.display, root.display, root.wnid, terms), embedder)
        vectors = embeddings.embed_texts(job.texts, run, registry)
        context = arrangement.ArrangeContext(root.wnid, tuple(job.term_synsets))
        groups = arrangement.arrange_list(root.display, terms, vectors, context, run, registry)
        out[root_name] = score(wn, root, terms, labels, leaves, groups)
    keys = ("items", "true_groups", "ari", "nmi", "homogeneity", "coverage", "groups", "informative", "parentheses")
    out["mean"] = {k: sum(out[r][k] for r in roots) / len(roots) for k in keys}
    return out


def table(embedder: str, results: dict) -> str:
    lines = [f"embedder: {embedder}",
             "| root | items | ARI | NMI | homogeneity | coverage | groups (truth) | informative names |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for root, r in results.items():
        label = "**mean**" if root == "mean" else root
        lines.append(f"| {label} | {r['items']:.0f} | {r['ari']:.2f} | {r['nmi']:.2f} | {r['homogeneity']:.2f} | "
                     f"{r['coverage']:.2f} | {r['groups']:.1f} ({r['true_groups']:.1f}) | {100 * r['informative']:.0f}% |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--embedder", action="append", help="repeatable; default: wordnet and sentence-transformers")
    parser.add_argument("--root", action="append", help="repeatable; default: the protocol's 8 roots")
    parser.add_argument("--names", action="store_true", help="also print the group names per root")
    parser.add_argument("--json", help="write all figures to this JSON file")
    parser.add_argument("--set", action="append", default=[], metavar="OPTION=VALUE",
                        help="override an arrangement option, e.g. --set semantic_arrange_method=leaf")
    args = parser.parse_args(argv)
    from wildcards_gen.embeddings import sentence_transformers_installed

    embedders = args.embedder or [e for e in EMBEDDERS if e != "sentence-transformers" or sentence_transformers_installed()]
    roots = tuple(args.root or ROOTS)
    overrides = {}
    for item in args.set:
        key, _, value = item.partition("=")
        overrides[key] = value if not value.replace(".", "", 1).isdigit() else (float(value) if "." in value else int(value))
    report = {"options": overrides, "cpu_count": os.cpu_count(), "results": {}}
    for embedder in embedders:
        started = time.perf_counter()
        results = evaluate(embedder, roots, overrides)
        report["results"][embedder] = results
        print(table(embedder, results))
        if args.names:
            for root in roots:
                print(f"  {root}: {', '.join(results[root]['names'])}")
        print(f"({time.perf_counter() - started:.1f}s)\n")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(report, fh, indent=2, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
