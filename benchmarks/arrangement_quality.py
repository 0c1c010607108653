"""Quality of semantic arrangement, from one run: WordNet's own grouping and taxonomies nobody here wrote.

Sets (read from ``../shared/data`` or ``--shared-data``; nothing is copied into the repository):

- **8 WordNet roots** (dog, bird, musical instrument, tree, vehicle, fish, fruit,
  tool): the items are the names of the leaf synsets below the root; an item's true
  group is the root's child it descends from (items under two children dropped,
  then children with fewer than 3 items).
- **Open Images** boxable hierarchy: the 412 leaf labels with exactly one top-level
  category under "Entity" (categories of fewer than 3 such leaves dropped: 24
  groups), one flat list with category ``object.n.01``; the second level for the top
  categories that have sub-categories, each arranged as its own list.
- **Tune / report split**: the 24 categories sorted by size and dealt A B B A A B B A
  ...; settings were chosen on the A half (tune) and the B half is reported apart,
  scored inside the whole list and arranged alone.
- **Held out**: COCO's 80 object categories under their 12 supercategories and
  COCO-Stuff's 91 stuff classes under theirs (public metadata, written below).

Each list goes through the product's own path (``arrangement.embed_lists``: senses
in context, one embedding call; ``arrangement.arrange_level``: the ``arrange`` hook
and deeper levels) and is scored on its first level: ARI, NMI and homogeneity
against the truth (a rest group counts as one extra group), coverage (share not in
a rest group), group count, largest group, informative names (a synset covering
more than half of the group under the chosen senses, or a member's name), and the
ARI of the deepest groups. The baseline is MiniLM of "a photo of a {term}" +
scikit-learn's agglomerative clustering (average linkage, cosine) told the true k.
Sense choice is scored on the polysemous terms; timing runs ``wildcards-gen
arrange`` on the 412-term list in fresh processes with a warm embedding cache.

Run: ``.venv/bin/python benchmarks/arrangement_quality.py [--embedder NAME] [--only SET]
[--no-protocol] [--no-external] [--no-senses] [--no-timing] [--names] [--json FILE]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOTS = (
    "dog.n.01",
    "bird.n.01",
    "musical_instrument.n.01",
    "tree.n.01",
    "vehicle.n.01",
    "fish.n.01",
    "fruit.n.01",
    "tool.n.01",
)
EMBEDDERS = ("wordnet", "sentence-transformers")
OPENIMAGES_ROOT = "/m/0bl9f"  # "Entity"
BIN = Path(sys.executable).parent / "wildcards-gen"


def default_options() -> dict:
    """The CLI's defaults for the arrangement options (the installed arrangers' included)."""
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


def coco_tables() -> tuple[dict, dict]:
    """COCO 2017's 80 things and COCO-Stuff's 91 classes, each ``{supercategory: [names]}`` in id
    order, from the coco plugin's table (one copy of COCO's metadata in the project)."""
    from wildcards_gen_coco.table import packaged

    things: dict = defaultdict(list)
    stuff: dict = defaultdict(list)
    for category in packaged(stuff=True):
        (stuff if category.branch else things)[category.supercategory].append(category.name)
    return dict(things), dict(stuff)


def shared_data_dir(arg: str | None = None) -> Path:
    """``--shared-data``, else ``$WILDCARDS_GEN_SHARED_DATA``, else ``../shared/data`` beside the checkout."""
    if arg:
        return Path(arg)
    env = os.environ.get("WILDCARDS_GEN_SHARED_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared" / "data"


def openimages(shared) -> tuple[dict, dict]:
    """``(top, second)`` for the Open Images boxable hierarchy (read, never copied).

    ``top``: ``{leaf label: top-level category}`` for the leaves with exactly one top-level
    category under Entity, categories of fewer than 3 such leaves dropped (412 / 24).
    ``second``: ``{top category: {leaf: second-level category}}`` for the top categories with
    at least two second-level categories of 3 or more of those leaves (leaves directly under the
    top category, or under two second-level categories, dropped).
    """
    import csv

    folder = shared / "openimages"
    with open(folder / "bbox_labels_600_hierarchy.json", encoding="utf-8") as fh:
        root = json.load(fh)
    with open(folder / "class-descriptions-boxable.csv", encoding="utf-8", newline="") as fh:
        names = {row[0]: row[1] for row in csv.reader(fh) if len(row) >= 2}
    assert root["LabelName"] == OPENIMAGES_ROOT, root["LabelName"]
    tops: dict = defaultdict(set)
    seconds: dict = defaultdict(lambda: defaultdict(set))

    def walk(node, top, second):
        subs = node.get("Subcategory")
        if not subs:
            tops[node["LabelName"]].add(top)
            seconds[top][node["LabelName"]].add(second)
            return
        for child in subs:
            walk(child, top, second if second is not None else child["LabelName"])

    for child in root["Subcategory"]:
        if child.get("Subcategory"):
            for grandchild in child["Subcategory"]:
                walk(grandchild, child["LabelName"], grandchild["LabelName"] if grandchild.get("Subcategory") else None)
    single = {leaf: next(iter(t)) for leaf, t in tops.items() if len(t) == 1}
    size = defaultdict(int)
    for t in single.values():
        size[t] += 1
    top = {names[leaf]: names[t] for leaf, t in single.items() if size[t] >= 3}
    second = {}
    for t, leaves in seconds.items():
        if names[t] not in set(top.values()):
            continue
        labels = {
            names[leaf]: names[next(iter(s))]
            for leaf, s in leaves.items()
            if leaf in single and len(s) == 1 and None not in s
        }
        count = defaultdict(int)
        for v in labels.values():
            count[v] += 1
        labels = {k: v for k, v in labels.items() if count[v] >= 3}
        if len(set(labels.values())) >= 2:
            second[names[t]] = labels
    return top, second


def halves(labels: dict) -> tuple[set, set]:
    """The tune (A) and report (B) halves of the categories: by size, dealt A B B A A B B A ..."""
    count = defaultdict(int)
    for v in labels.values():
        count[v] += 1
    order = sorted(count, key=lambda c: (-count[c], c))
    pattern = "ABBA"
    a = {c for i, c in enumerate(order) if pattern[i % 4] == "A"}
    return a, set(order) - a


def coco_items(table: dict, stuff: bool) -> dict:
    """``{term: supercategory}``; COCO-Stuff's catch-all ``*-other`` classes dropped, ``x-stuff`` read as x,
    ``floor-wood`` as 'wood floor'; supercategories with fewer than 3 items dropped."""
    out = {}
    for sup, names in table.items():
        for name in names:
            if stuff:
                if name.endswith("-other"):
                    continue
                name = name.removesuffix("-stuff").removesuffix("-merged")
                if "-" in name:
                    head, _, modifier = name.partition("-")
                    name = f"{modifier} {head}"
                name = {"playingfield": "playing field", "waterdrops": "water drops"}.get(name, name)
            out[name] = sup
    count = defaultdict(int)
    for v in out.values():
        count[v] += 1
    return {k: v for k, v in out.items() if count[v] >= 3}


class Arranged:
    """A list's first-level groups as the scorer sees them, plus where each term ended up deepest."""

    def __init__(self, groups, senses: dict, deepest: dict, seconds: float = float("nan")):
        self.groups = groups  # [(name, synset, terms, is_rest)]
        self.senses = senses  # term -> WNID or None
        self.deepest = deepest  # term -> path of group names
        self.seconds = seconds


def arrange(terms, category: str | None, embedder: str, name: str | None = None, options: dict | None = None):
    """Arrange one list through the product's own path; an :class:`Arranged`."""
    from wildcards_gen import arrangement, wordnet
    from wildcards_gen.model import ArrangeContext, Run
    from wildcards_gen.paths import cache_dir
    from wildcards_gen.plugins import get_registry
    from wildcards_gen.stats import Stats

    wn = wordnet.get()
    registry = get_registry()
    opts = {**default_options(), **(options or {}), "embedder": embedder}
    opts.setdefault("embed_threads", 1)
    run = Run("benchmark", opts, Stats(), cache_dir())
    name = name or (wn.synset(category).display if category else "items")
    started = time.perf_counter()
    job = arrangement.Job(name, name, category, sorted(set(terms), key=lambda t: (t.casefold(), t)))
    matrix, vectors_of = arrangement.embed_lists([job], run, registry)
    context = ArrangeContext(
        job.synset, tuple(c.wnid for c in job.senses), (), 1, tuple(c.ambiguous for c in job.senses), vectors_of
    )
    result = arrangement.arrange_level(name, job.terms, matrix[job.rows], context, run, registry)
    seconds = time.perf_counter() - started
    senses = {t: c.wnid for t, c in zip(job.terms, job.senses)}
    rest = (opts.get("orphans_label_template") or "other_{}").format(name)
    if not result:
        return Arranged([(rest, None, list(job.terms), True)], senses, {t: (rest,) for t in job.terms}, seconds)
    deepest: dict = {}

    def walk(groups, path):
        for group, sub in groups:
            if sub:
                walk(sub, path + (group.name,))
            else:
                for t in group.terms:
                    deepest[t] = path + (group.name,)

    walk(result, ())
    groups = [(g.name, g.synset, list(g.terms), g.synset is None and g.name == rest) for g, _ in result]
    return Arranged(groups, senses, deepest, seconds)


def baseline(terms, k: int) -> Arranged:
    """MiniLM of 'a photo of a {term}' + agglomerative clustering (average, cosine), told the true k."""
    from sklearn.cluster import AgglomerativeClustering

    from wildcards_gen import embeddings

    X = embeddings.embed_texts(
        [f"a photo of a {t}" for t in terms], {"embedder": "sentence-transformers", "embed_threads": 1}
    )
    labels = AgglomerativeClustering(n_clusters=k, metric="cosine", linkage="average").fit_predict(X)
    by = defaultdict(list)
    for t, label in zip(terms, labels.tolist()):
        by[label].append(t)
    groups = [(f"cluster {label}", None, ts, False) for label, ts in sorted(by.items())]
    return Arranged(groups, {}, {t: (f"cluster {label}",) for t, label in zip(terms, labels.tolist())})


def score(wn, terms, labels, arranged: Arranged) -> dict:
    """Figures of a first-level arrangement against true labels (a rest group is one extra group)."""
    from sklearn import metrics

    from wildcards_gen.wordnet_measures import closure

    predicted = {}
    named = []
    for name, synset, members, is_rest in arranged.groups:
        for t in members:
            predicted[t] = "<rest>" if is_rest else "g:" + name
        if not is_rest:
            named.append((name, synset, members))
    pred = [predicted[t] for t in terms]
    informative = 0
    for name, synset, members in named:
        if synset:
            below = sum(1 for t in members if arranged.senses.get(t) and synset in closure(wn, arranged.senses[t]))
            informative += below > len(members) / 2
        else:
            informative += name.casefold() in {t.casefold() for t in members}
    deep = ["/".join(arranged.deepest.get(t, ())) for t in terms]
    return {
        "items": len(terms),
        "true_groups": len(set(labels)),
        "ari": metrics.adjusted_rand_score(labels, pred),
        "nmi": metrics.normalized_mutual_info_score(labels, pred),
        "homogeneity": metrics.homogeneity_score(labels, pred),
        "coverage": sum(1 for p in pred if p != "<rest>") / len(terms),
        "groups": len(named),
        "largest": max((len(m) for _, _, m in named), default=0),
        "informative": informative / len(named) if named else 0.0,
        "parentheses": sum(1 for n, _, _ in named if "(" in n),
        "ari_deepest": metrics.adjusted_rand_score(labels, deep),
        "seconds": arranged.seconds,
        "names": sorted(n for n, _, _ in named),
    }


def restrict(wn, terms, labels, arranged: Arranged, keep: set) -> dict:
    """Figures over the items whose true label is in ``keep`` (the list was arranged whole)."""
    idx = [i for i, label in enumerate(labels) if label in keep]
    sub_terms = [terms[i] for i in idx]
    inside = set(sub_terms)
    groups = [(n, s, [t for t in m if t in inside], r) for n, s, m, r in arranged.groups]
    part = Arranged([g for g in groups if g[2]], arranged.senses, arranged.deepest)
    return score(wn, sub_terms, [labels[i] for i in idx], part)


def evaluate(embedder: str, roots=ROOTS, options: dict | None = None) -> dict:
    """The 8-root protocol: ``{root: figures}`` plus ``"mean"``."""
    from wildcards_gen import wordnet

    wn = wordnet.get()
    out = {}
    for root_name in roots:
        root, terms, labels, _ = truth(wn, root_name)
        out[root_name] = score(wn, terms, labels, arrange(terms, root.wnid, embedder, root.display, options))
    keys = (
        "items",
        "true_groups",
        "ari",
        "nmi",
        "homogeneity",
        "coverage",
        "groups",
        "informative",
        "parentheses",
        "ari_deepest",
    )
    out["mean"] = {k: sum(out[r][k] for r in roots) / len(roots) for k in keys}
    return out


def external_sets(wn, shared: Path) -> list:
    """``[(name, split, terms, labels, category WNID or None, halves to score apart)]``."""
    from wildcards_gen.senses import resolve_category

    top, second = openimages(shared)
    a, b = halves(top)
    obj = wn.synset("object.n.01").wnid
    terms = sorted(top, key=lambda t: (t.casefold(), t))
    sets = [("OI top, all 412", "tune+report", terms, [top[t] for t in terms], obj, {"A (tune)": a, "B (report)": b})]
    for half, cats, split in (("A", a, "tune"), ("B", b, "report")):
        ts = [t for t in terms if top[t] in cats]
        sets.append((f"OI top, half {half} alone", split, ts, [top[t] for t in ts], obj, None))
    for cat in sorted(second):
        labels = second[cat]
        ts = sorted(labels, key=lambda t: (t.casefold(), t))
        sets.append(
            (
                f"OI 2nd level: {cat}",
                "tune" if cat in a else "report",
                ts,
                [labels[t] for t in ts],
                resolve_category(wn, cat, ts),
                None,
            )
        )
    things, stuff_table = coco_tables()
    for name, table, stuff in (("COCO things", things, False), ("COCO-Stuff", stuff_table, True)):
        items = coco_items(table, stuff)
        ts = sorted(items, key=lambda t: (t.casefold(), t))
        sets.append((name, "held out", ts, [items[t] for t in ts], None if stuff else obj, None))
    return sets


def external_rows(wn, shared: Path, embedders, with_baseline: bool = True, only=None) -> list:
    """One row of figures per (set, arranger), plus per-half rows of the whole Open Images list."""
    rows = []
    for set_name, split, terms, labels, category, report_halves in external_sets(wn, shared):
        if only and not any(o in set_name for o in only):
            continue
        runs = [(f"product / {e}", e) for e in embedders]
        if with_baseline:
            runs.append(("baseline: MiniLM photo + agglomerative, true k", None))
        for arranger, embedder in runs:
            arranged = arrange(terms, category, embedder) if embedder else baseline(terms, len(set(labels)))
            rows.append({**score(wn, terms, labels, arranged), "set": set_name, "split": split, "arranger": arranger})
            for half, keep in (report_halves or {}).items():
                rows.append(
                    {
                        **restrict(wn, terms, labels, arranged, keep),
                        "set": f"{set_name}, scored on {half}",
                        "split": "tune" if "A" in half else "report",
                        "arranger": arranger,
                        "seconds": float("nan"),
                    }
                )
    return rows


OPENIMAGES_SENSE_MAP = {
    "Animal": ["animal.n.01"],
    "Auto part": ["auto_part.n.01", "wheel.n.01", "plate.n.02", "restraint.n.06", "tire.n.01"],
    "Building": ["building.n.01", "structure.n.01"],
    "Musical instrument": ["musical_instrument.n.01"],
    "Person": ["person.n.01"],
    "Plant": ["plant.n.02"],
    "Plumbing fixture": ["plumbing_fixture.n.01", "faucet.n.01"],
    "Sculpture": ["sculpture.n.01", "sculpture.n.02", "figure.n.04"],
    "Sports equipment": ["sports_equipment.n.01", "equipment.n.01", "ball.n.01", "game_equipment.n.01", "racket.n.04"],
    "Tool": ["tool.n.01", "implement.n.01", "device.n.01", "container.n.01", "instrument.n.01", "equipment.n.01"],
    "Toy": ["plaything.n.01"],
    "Vehicle": ["vehicle.n.01", "craft.n.02", "conveyance.n.03"],
    "Food": ["food.n.01", "food.n.02", "produce.n.01", "foodstuff.n.02"],
    "Drink": ["beverage.n.01"],
    "Clothing": [
        "clothing.n.01",
        "accessory.n.01",
        "headdress.n.01",
        "footwear.n.02",
        "bag.n.04",
        "jewelry.n.01",
        "covering.n.02",
    ],
    "Furniture": ["furniture.n.01", "furnishing.n.02"],
    "Kitchenware": ["kitchen_utensil.n.01", "tableware.n.01", "container.n.01", "kitchenware.n.01"],
    "Weapon": ["weapon.n.01", "weaponry.n.01"],
    "Home appliance": ["home_appliance.n.01", "appliance.n.01", "device.n.01"],
    "Office supplies": [
        "writing_implement.n.01",
        "device.n.01",
        "container.n.01",
        "paper.n.01",
        "stationery.n.01",
        "sheet.n.06",
    ],
    "Cosmetics": ["cosmetic.n.01", "toiletry.n.01"],
    "Personal care": ["toiletry.n.01", "device.n.01", "garment.n.01", "spectacles.n.01", "medical_instrument.n.01"],
    "Medical equipment": ["medical_instrument.n.01", "bandage.n.01", "device.n.01", "equipment.n.01", "stretcher.n.03"],
    "Bathroom accessory": ["towel.n.01", "toilet_tissue.n.01", "dispenser.n.01", "holder.n.01"],
}


def sense_rows(wn, shared: Path, embedders) -> list:
    """Share of polysemous terms whose chosen sense is right: WordNet's first sense against the choice in context.

    8-root union (2,581 items, one list, no category): right = below the item's root.
    Open Images 412 (category object.n.01): right = below a synset of its category in
    :data:`OPENIMAGES_SENSE_MAP` (used only here, never by the arranger).
    """
    from wildcards_gen import arrangement, senses
    from wildcards_gen.wordnet_measures import closure

    roots_of: dict = defaultdict(set)
    for r in ROOTS:
        root, terms, _, _ = truth(wn, r)
        for t in terms:
            roots_of[t].add(root.wnid)
    union = sorted(roots_of, key=lambda t: (t.casefold(), t))
    top, _ = openimages(shared)
    a, b = halves(top)
    oi = sorted(top, key=lambda t: (t.casefold(), t))
    obj = wn.synset("object.n.01").wnid
    anchors = {c: [wn.synset(x).wnid for x in names] for c, names in OPENIMAGES_SENSE_MAP.items()}
    cases = [
        ("8-root union, no category", union, None, lambda t, w: not closure(wn, w).isdisjoint(roots_of[t]), None),
        ("OI 412, half A (tune)", oi, obj, lambda t, w: not closure(wn, w).isdisjoint(anchors[top[t]]), a),
        ("OI 412, half B (report)", oi, obj, lambda t, w: not closure(wn, w).isdisjoint(anchors[top[t]]), b),
    ]
    rows = []
    for name, terms, category, right, keep in cases:
        cands = {t: [s.wnid for s in senses.candidates(wn, t)[0]] for t in terms}
        pool = [
            t
            for t in terms
            if len(cands[t]) > 1 and any(right(t, w) for w in cands[t]) and (keep is None or top[t] in keep)
        ]
        methods = {"WordNet's first sense": {t: cands[t][0] for t in pool}}
        for embedder in embedders:
            job = arrangement.Job(name, "items", category, list(terms))
            arrangement.embed_lists([job], {"embedder": embedder, "embed_threads": 1})
            methods[f"in context ({embedder})"] = {t: c.wnid for t, c in zip(job.terms, job.senses)}
        for method, chosen in methods.items():
            hits = sum(1 for t in pool if chosen.get(t) and right(t, chosen[t]))
            rows.append({"case": name, "method": method, "terms": len(pool), "right": hits / len(pool)})
    return rows


def timing_rows(embedders, shared: Path) -> list:
    """``wildcards-gen arrange`` of the 412-term list in fresh processes (two hash seeds), warm embedding cache."""
    top, _ = openimages(shared)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp, "openimages.txt")
        source.write_text("\n".join(sorted(top)) + "\n", encoding="utf-8")
        for embedder in embedders:
            outputs, walls = set(), []
            for seed in ("warm-up", "1", "2"):
                out = Path(tmp, f"{embedder}-{seed}.yaml")
                env = {**os.environ, "PYTHONHASHSEED": "1" if seed == "warm-up" else seed}
                started = time.perf_counter()
                subprocess.run(
                    [
                        str(BIN),
                        "-q",
                        "arrange",
                        str(source),
                        "--category",
                        "object.n.01",
                        "--embedder",
                        embedder,
                        "-o",
                        str(out),
                    ],
                    check=True,
                    env=env,
                )
                if seed != "warm-up":
                    walls.append(time.perf_counter() - started)
                    outputs.add(out.read_bytes())
            rows.append({"embedder": embedder, "seconds": max(walls), "identical": len(outputs) == 1})
    return rows


def protocol_table(embedder: str, results: dict) -> str:
    lines = [
        f"8 WordNet roots, embedder {embedder}:",
        "| root | items | ARI | NMI | homogeneity | coverage | groups (truth) | informative | ARI deepest |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for root, r in results.items():
        label = "**mean**" if root == "mean" else root
        lines.append(
            f"| {label} | {r['items']:.0f} | {r['ari']:.2f} | {r['nmi']:.2f} | {r['homogeneity']:.2f} | "
            f"{r['coverage']:.2f} | {r['groups']:.1f} ({r['true_groups']:.1f}) | {100 * r['informative']:.0f}% | "
            f"{r['ari_deepest']:.2f} |"
        )
    return "\n".join(lines)


def external_table(rows) -> str:
    lines = [
        "| set | split | arranger | items | ARI | NMI | homog. | coverage | groups (truth) | largest | "
        "informative | ARI deepest | s |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        secs = "" if r["seconds"] != r["seconds"] else f"{r['seconds']:.2f}"
        lines.append(
            f"| {r['set']} | {r['split']} | {r['arranger']} | {r['items']} | {r['ari']:.2f} | {r['nmi']:.2f} | "
            f"{r['homogeneity']:.2f} | {r['coverage']:.2f} | {r['groups']} ({r['true_groups']}) | "
            f"{r['largest']} | {100 * r['informative']:.0f}% | {r['ari_deepest']:.2f} | {secs} |"
        )
    return "\n".join(lines)


def summary_table(results: dict) -> str:
    """One row per arranger: the Open Images figures, the held-out ones and the 8-root mean."""
    external = results.get("external") or []

    def row(set_name, arranger):
        return next((r for r in external if r["set"] == set_name and r["arranger"] == arranger), None)

    lines = [
        "| arranger | OI groups | OI ARI | OI homog. | OI coverage | OI ARI scored on B | OI B alone | "
        "COCO ARI | COCO-Stuff ARI | 8-root ARI |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for arranger in dict.fromkeys(r["arranger"] for r in external):
        full = row("OI top, all 412", arranger)
        if full is None:
            continue
        cells = [f"{full['groups']}", f"{full['ari']:.2f}", f"{full['homogeneity']:.2f}", f"{full['coverage']:.2f}"]
        for set_name in ("OI top, all 412, scored on B (report)", "OI top, half B alone", "COCO things", "COCO-Stuff"):
            r = row(set_name, arranger)
            cells.append("" if r is None else f"{r['ari']:.2f}")
        protocol = results.get(f"protocol/{arranger.partition(' / ')[2]}")
        cells.append(f"{protocol['mean']['ari']:.2f}" if protocol else "")
        lines.append(f"| {arranger} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--embedder", action="append", help="repeatable; default: wordnet and sentence-transformers")
    parser.add_argument("--only", action="append", help="external sets whose name contains this (repeatable)")
    parser.add_argument("--no-protocol", action="store_true", help="skip the 8-root WordNet protocol")
    parser.add_argument("--no-external", action="store_true", help="skip the external sets")
    parser.add_argument("--no-senses", action="store_true", help="skip the sense-choice figures")
    parser.add_argument("--no-timing", action="store_true", help="skip timing the arrange command")
    parser.add_argument("--shared-data", help="folder holding openimages/ (default: ../shared/data)")
    parser.add_argument("--names", action="store_true", help="also print the group names")
    parser.add_argument("--json", help="write all figures to this JSON file")
    args = parser.parse_args(argv)
    from wildcards_gen import wordnet
    from wildcards_gen.embeddings import sentence_transformers_installed

    st = sentence_transformers_installed()
    embedders = args.embedder or [e for e in EMBEDDERS if e != "sentence-transformers" or st]
    shared = shared_data_dir(args.shared_data)
    report: dict = {"cpu_count": os.cpu_count(), "results": {}}
    wn = wordnet.get()
    if not args.no_protocol:
        for embedder in embedders:
            results = evaluate(embedder)
            report["results"][f"protocol/{embedder}"] = results
            print(protocol_table(embedder, results))
            if args.names:
                for root in ROOTS:
                    print(f"  {root}: {', '.join(results[root]['names'])}")
            print()
    if not args.no_external:
        rows = external_rows(wn, shared, embedders, with_baseline=st, only=args.only)
        report["results"]["external"] = rows
        print(external_table(rows))
        if args.names:
            for r in rows:
                if ", scored on" not in r["set"]:
                    print(f"  {r['set']} / {r['arranger']}: {', '.join(r['names'])}")
        print("\nSummary:")
        print(summary_table(report["results"]))
    if not args.no_senses:
        rows = sense_rows(wn, shared, embedders)
        report["results"]["senses"] = rows
        print("\nSense choice on polysemous terms (share right):")
        print("| list | method | polysemous terms | right |\n|---|---|---:|---:|")
        for r in rows:
            print(f"| {r['case']} | {r['method']} | {r['terms']} | {100 * r['right']:.1f}% |")
    if not args.no_timing:
        rows = timing_rows(embedders, shared)
        report["results"]["timing"] = rows
        print("\n`wildcards-gen arrange` of the 412-term Open Images list, warm cache, fresh processes:")
        print("| embedder | wall time (slower of 2) | same output |\n|---|---:|---|")
        for r in rows:
            print(f"| {r['embedder']} | {r['seconds']:.2f} s | {'yes' if r['identical'] else 'NO'} |")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(report, fh, indent=2, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
