"""``wildcards-gen compare A B``: how far apart two wildcard files are.

Content overlap is the Jaccard index of the two item sets; structural
agreement is the adjusted Rand index of the item -> leaf-list assignment over
the items both files share (1.0: the same grouping, ~0: unrelated). Keys are
identified by name: added, removed, or moved (same name, other parent path).
"""

from __future__ import annotations

import json

import click


def first_lists(wfile) -> dict:
    """item -> the leaf path it first appears under (document order)."""
    where: dict = {}
    for leaf in wfile.leaves:
        for item in leaf.items:
            where.setdefault(str(item), "/".join(leaf.path))
    return where


def key_parents(wfile) -> dict:
    """key name -> sorted parent paths it appears under."""
    parents: dict = {}
    for key in wfile.keys:
        name = str(key.name)
        parents.setdefault(name, set()).add("/".join(key.parent))
    return {name: sorted(paths) for name, paths in parents.items()}


def compare_files(a, b) -> dict:
    """The comparison of two loaded :class:`~wildcards_gen.wildcard_file.WildcardFile`."""
    items_a, items_b = first_lists(a), first_lists(b)
    set_a, set_b = set(items_a), set(items_b)
    union = set_a | set_b
    common = sorted(set_a & set_b)
    jaccard = len(common) / len(union) if union else 1.0
    ari = None
    if len(common) >= 2:
        from sklearn.metrics import adjusted_rand_score

        ari = float(adjusted_rand_score([items_a[i] for i in common], [items_b[i] for i in common]))
    multi = {side: sum(1 for n in _item_counts(f).values() if n > 1) for side, f in (("a", a), ("b", b))}
    keys_a, keys_b = key_parents(a), key_parents(b)
    added = sorted(set(keys_b) - set(keys_a), key=_sort)
    removed = sorted(set(keys_a) - set(keys_b), key=_sort)
    moved = [
        {"key": name, "from": keys_a[name], "to": keys_b[name]}
        for name in sorted(set(keys_a) & set(keys_b), key=_sort)
        if keys_a[name] != keys_b[name]
    ]
    return {
        "a": str(a.path),
        "b": str(b.path),
        "items": {
            "a": len(set_a),
            "b": len(set_b),
            "common": len(common),
            "only_a": len(set_a - set_b),
            "only_b": len(set_b - set_a),
            "in_several_lists": multi,
        },
        "lists": {"a": len(a.leaves), "b": len(b.leaves)},
        "jaccard": round(jaccard, 6),
        "ari": None if ari is None else round(ari, 6),
        "keys": {"a": len(keys_a), "b": len(keys_b), "added": added, "removed": removed, "moved": moved},
    }


def _item_counts(wfile) -> dict:
    counts: dict = {}
    for leaf in wfile.leaves:
        for item in set(map(str, leaf.items)):
            counts[item] = counts.get(item, 0) + 1
    return counts


def _sort(name: str):
    return (name.casefold(), name)


def _path(p: str) -> str:
    return p or "(top level)"


def render_text(report: dict, limit: int) -> str:
    it, keys = report["items"], report["keys"]
    ari = "n/a (fewer than 2 common items)" if report["ari"] is None else f"{report['ari']:.4f}"
    lines = [
        f"A: {report['a']}  ({it['a']} items in {report['lists']['a']} lists, {keys['a']} key names)",
        f"B: {report['b']}  ({it['b']} items in {report['lists']['b']} lists, {keys['b']} key names)",
        f"Content overlap (Jaccard of items): {report['jaccard']:.4f}  "
        f"({it['common']} common, {it['only_a']} only in A, {it['only_b']} only in B)",
        f"Structural agreement (ARI over common items): {ari}",
    ]
    if it["in_several_lists"]["a"] or it["in_several_lists"]["b"]:
        lines.append(
            f"  (items in several lists, counted where they first appear: "
            f"A {it['in_several_lists']['a']}, B {it['in_several_lists']['b']})"
        )

    def block(title, entries):
        lines.append(f"{title}: {len(entries)}")
        for entry in entries[:limit]:
            lines.append(f"  {entry}")
        if len(entries) > limit:
            lines.append(f"  ... and {len(entries) - limit} more (--format json lists all)")

    block("Keys added", keys["added"])
    block("Keys removed", keys["removed"])
    block(
        "Keys moved",
        [f"{m['key']}: {', '.join(map(_path, m['from']))} -> {', '.join(map(_path, m['to']))}" for m in keys["moved"]],
    )
    return "\n".join(lines)


def register(cli) -> None:
    @cli.command()
    @click.argument("a", type=click.Path(exists=True, dir_okay=False))
    @click.argument("b", type=click.Path(exists=True, dir_okay=False))
    @click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
    @click.option(
        "--limit",
        type=click.IntRange(min=0),
        default=50,
        show_default=True,
        help="Text format: at most this many keys per added/removed/moved list.",
    )
    @click.option(
        "--min-jaccard",
        type=click.FloatRange(0, 1),
        default=None,
        help="Exit 1 when the Jaccard index is below this (regression checks).",
    )
    @click.option(
        "--min-ari",
        type=click.FloatRange(-1, 1),
        default=None,
        help="Exit 1 when the adjusted Rand index is below this (or cannot be computed).",
    )
    @click.pass_context
    def compare(ctx, a, b, fmt, limit, min_jaccard, min_ari):
        """Compare two wildcard files: item overlap, grouping agreement, key changes.

        Jaccard: shared items / all items. ARI: adjusted Rand index of which list
        each common item is in (1 = same grouping). A key is identified by its
        name; "moved" means the same name under a different parent path.
        """
        from wildcards_gen.wildcard_file import load

        report = compare_files(load(a), load(b))
        if fmt == "json":
            click.echo(json.dumps(report, indent=2, ensure_ascii=False))
        else:
            click.echo(render_text(report, limit))
        below = []
        if min_jaccard is not None and report["jaccard"] < min_jaccard:
            below.append(f"Jaccard {report['jaccard']:.4f} < {min_jaccard}")
        if min_ari is not None and (report["ari"] is None or report["ari"] < min_ari):
            below.append(f"ARI {report['ari']} < {min_ari}")
        if below:
            click.echo(f"Error: below threshold: {'; '.join(below)}", err=True)
            ctx.exit(1)
