"""How well the coco dataset's names map to WordNet: the share mapped, and a fixed sample to judge by eye.

Builds the plugin's own tree (COCO 2017's 80 things and COCO-Stuff's 91 stuff classes, each
supercategory's names mapped in its context by ``WordNet.match_all``) and prints:

- the share of categories with a synset, for things, stuff and all;
- the unmapped names and the supercategories whose sense was not used;
- a deterministic sample of 50 categories across both (the ids in order, every
  171/50-th: ``ids[floor(k * 171 / 50)]`` for k = 0..49), each with its synset and gloss,
  for a person to judge (docs/datasets.md gives the verdict).

Run: ``.venv/bin/python benchmarks/coco_mapping.py [--sample N] [--all]``. Needs the coco plugin
installed (``scripts/bootstrap``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path


def build():
    from wildcards_gen import Run
    from wildcards_gen.stats import Stats
    from wildcards_gen_coco import table, tree

    run = Run(dataset="coco", options={"stuff": True}, stats=Stats(), cache_dir=Path(tempfile.gettempdir()))
    built = tree.build(table.packaged(stuff=True), run)
    return run, built


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=50, help="how many categories to list (default 50)")
    parser.add_argument("--all", action="store_true", help="list every category instead of a sample")
    args = parser.parse_args(argv)
    from wildcards_gen_coco import table

    run, built = build()
    wn = run.wordnet
    stuff_ids = {c.id for c in table.packaged(stuff=True) if c.branch == "stuff"}
    nodes = {n.id: n for kids in built.children.values() for n in kids if n.id.split(":")[1].isdigit()}
    ids = sorted(int(i.split(":")[1]) for i in nodes)
    for label, chosen in (
        ("things", [i for i in ids if i not in stuff_ids]),
        ("stuff", [i for i in ids if i in stuff_ids]),
        ("all", ids),
    ):
        mapped = sum(1 for i in chosen if nodes[f"coco:{i}"].synset)
        print(f"{label:7} {mapped}/{len(chosen)} mapped ({100 * mapped / len(chosen):.1f}%)")
    events = run.stats.as_dict()["events"]
    print("unmapped:", ", ".join(f"{e['name']} ({e['id']})" for e in events.get("coco_unmapped", [])) or "none")
    rejected = [f"{e['name']} ({e['rejected']})" for e in events["coco_supercategory"] if e["rejected"]]
    plain = [e["name"] for e in events["coco_supercategory"] if not e["wnid"] and not e["rejected"]]
    print("supercategory senses not used:", ", ".join(rejected) or "none")
    print("supercategories WordNet has no noun for:", ", ".join(plain) or "none")
    how = {e["id"]: e for e in events["coco_mapped"]}
    picked = ids if args.all else [ids[k * len(ids) // args.sample] for k in range(min(args.sample, len(ids)))]
    print(f"\n{'id':>4}  {'name':18} {'shown':16} {'synset':26} {'how':13} gloss")
    for i in picked:
        node, event = nodes[f"coco:{i}"], how.get(i, {})
        synset = wn.synset(node.synset) if node.synset else None
        raw = node.synonyms[0] if node.synonyms else node.name
        flag = " (ambiguous)" if event.get("ambiguous") else ""
        print(
            f"{i:>4}  {raw:18} {node.name:16} {synset.name if synset else '-':26} "
            f"{(event.get('how') or '-'):13} {(synset.gloss[:70] if synset else '')}{flag}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
