"""The host's ``arrange``: scikit-learn HDBSCAN clusters, named from WordNet.

Registered with ``trylast=True`` so a plugin's arranger answers first.

1. Cluster the (optionally PCA-reduced) unit vectors with HDBSCAN; keep a
   cluster when its members' mean membership probability reaches the
   threshold. A large remainder gets a second, finer pass (leaf selection,
   smaller clusters).
2. Name each cluster from WordNet: the deepest hypernym of the medoid that
   most members share and that lies strictly below the list's own category;
   else the medoid's direct hypernym; else a word that distinguishes the
   cluster's terms from the rest. A cluster that gets no name joins the rest.
3. Tidy with WordNet: clusters with the same name merge, a cluster whose name
   is a kind of another cluster's name merges into it (siblings are never
   hypernyms of each other), a member WordNet does not place below its
   group's synset leaves it, a leftover term that WordNet places below a
   group's synset joins that group, and leftovers sharing a hypernym form
   groups of their own.
4. What remains goes to a labelled rest group (``other_<parent>``).

Everything is sorted and seeded, so the same input gives the same groups.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from wildcards_gen import hookimpl
from wildcards_gen.model import ArrangeContext, Group

DEFAULTS = {
    "semantic_arrange_min_cluster": 5,
    "semantic_arrange_threshold": 0.5,
    "semantic_arrange_method": "leaf",
    "semantic_arrange_min_samples": 2,
    "semantic_arrange_pca": 32,
    "orphans_label_template": "other_{}",
    "semantic_arrange_wordnet_tidy": True,  # step 3; off only to measure what it adds
}
MAJORITY = 0.5
_WORD = re.compile(r"[a-z][a-z'-]+")
_STOP = frozenset({"and", "the", "for", "with", "from", "other", "kind", "type", "common", "wild", "small", "large"})


NAME = "builtin"


def option(run, name):
    value = run.options.get(name) if run is not None else None
    return DEFAULTS.get(name) if value is None else value


@hookimpl
def register_arrangers(register):
    register(NAME, "embedding clusters (HDBSCAN) named and tidied with WordNet; needs scikit-learn")


@hookimpl(trylast=True)
def arrange(arranger, name, terms, vectors, context, run):
    if arranger != NAME:
        return None
    _require_libraries()
    if len(context.term_synsets) != len(terms):  # called without the host's sense choice
        from wildcards_gen.arrangement import context_for

        context = context_for(name, context.synset, terms, context.taken, context.level)
    return arrange_groups(name, list(terms), vectors, run, context)


def _require_libraries() -> None:
    import importlib.util

    missing = [m for m in ("numpy", "sklearn") if importlib.util.find_spec(m) is None]
    if missing:
        from wildcards_gen.errors import UsageError

        names = ", ".join("scikit-learn" if m == "sklearn" else m for m in missing)
        raise UsageError(f"the builtin arranger needs {names}: pip install 'wildcards-gen[arrange]'")


# -- clustering ------------------------------------------------------------------

def cluster(vectors, min_cluster: int, min_samples: int, method: str, threshold: float, pca: int):
    """HDBSCAN labels as lists of row indices (kept clusters) plus the leftover rows."""
    import numpy as np
    from sklearn import config_context
    from sklearn.cluster import HDBSCAN

    X = np.asarray(vectors, dtype=np.float64)
    n = X.shape[0]
    if n < max(min_cluster * 2, 4):
        return [], list(range(n))
    if pca and X.shape[1] > pca and n > pca + 1:
        X = reduce(X, pca)
    model = HDBSCAN(min_cluster_size=min_cluster, min_samples=max(1, min(min_samples, n - 1)),
                    cluster_selection_method=method, metric="euclidean", copy=True)
    # Hundreds of small fits per run: scikit-learn's per-call parameter and finiteness
    # checks cost more than many of the fits (the parameters are ours, the vectors unit length).
    with config_context(assume_finite=True, skip_parameter_validation=True):
        labels = model.fit_predict(X)
    probs = model.probabilities_
    clusters, leftovers = [], []
    for label in sorted(set(labels.tolist())):
        rows = [i for i in range(n) if labels[i] == label]
        if label < 0 or float(np.mean(probs[rows])) < threshold:
            leftovers.extend(rows)
        else:
            clusters.append(rows)
    return clusters, sorted(leftovers)


def reduce(X, k: int):
    """PCA to ``k`` components through the smaller of the Gram and covariance matrices.

    An exact eigendecomposition (no random projections), with each component's
    sign fixed, so the result depends on the input only; much faster than a
    full SVD of the data matrix for lists of thousands of terms.
    """
    import numpy as np

    Xc = X - X.mean(axis=0)
    n, d = Xc.shape
    if n <= d:
        values, vectors = np.linalg.eigh(Xc @ Xc.T)
        order = np.argsort(-values, kind="stable")[:k]
        coords = vectors[:, order] * np.sqrt(np.clip(values[order], 0, None))
    else:
        values, vectors = np.linalg.eigh(Xc.T @ Xc)
        order = np.argsort(-values, kind="stable")[:k]
        coords = Xc @ vectors[:, order]
    for j in range(coords.shape[1]):
        pivot = int(np.argmax(np.abs(coords[:, j])))
        if coords[pivot, j] < 0:
            coords[:, j] = -coords[:, j]
    return coords


def arrange_groups(name: str, terms: list, vectors, run, ctx: ArrangeContext):
    """Groups covering every term exactly once, or None when no useful split exists."""
    import numpy as np

    from wildcards_gen import wordnet
    from wildcards_gen.embeddings import cosine_normalise

    n = len(terms)
    min_cluster = max(2, int(option(run, "semantic_arrange_min_cluster")))
    threshold = float(option(run, "semantic_arrange_threshold"))
    method = option(run, "semantic_arrange_method")
    min_samples = int(option(run, "semantic_arrange_min_samples"))
    pca = int(option(run, "semantic_arrange_pca") or 0)
    if n < 2 * min_cluster:
        return None
    X = cosine_normalise(np.asarray(vectors, dtype=np.float64))
    clusters, leftovers = cluster(X, min_cluster, min_samples, method, threshold, pca)
    if len(leftovers) >= 2 * min_cluster and len(leftovers) >= 0.2 * n:  # finer second pass
        finer = max(2, min_cluster // 2 + 1)
        sub, rest = cluster(X[leftovers], finer, min(min_samples, finer), "leaf", threshold, pca)
        clusters.extend([[leftovers[i] for i in rows] for rows in sub])
        leftovers = [leftovers[i] for i in rest]

    wn = wordnet.get()
    namer = Namer(wn, name, ctx, terms, X)
    named = []  # [synset-or-None, display name, instruction, rows]
    for rows in clusters:
        choice = namer.name(rows, [r for other in clusters if other is not rows for r in other])
        if choice is None:
            leftovers.extend(rows)
        else:
            named.append([choice[0], choice[1], choice[2], sorted(rows)])
    if option(run, "semantic_arrange_wordnet_tidy"):
        named = merge_groups(wn, named)
        named, leftovers = evict(wn, named, leftovers, ctx)
        named, leftovers = absorb(wn, named, sorted(leftovers), ctx)
        named, leftovers = rest_groups(wn, namer, named, leftovers, ctx, min_cluster)
    named, unnamed = unique_names(namer, named, ctx)
    leftovers = sorted(leftovers + unnamed)
    if len(named) < 2:
        return None
    groups = [Group(display, [terms[i] for i in sorted(rows)], instruction, synset)
              for synset, display, instruction, rows in sorted(named, key=lambda g: (g[1].casefold(), g[1]))]
    if leftovers:
        label = (option(run, "orphans_label_template") or "other_{}").format(name)
        groups.append(Group(label, [terms[i] for i in sorted(leftovers)], _rest_instruction(name), None))
    return groups


def _rest_instruction(name):
    return f"Other kinds of {name}."


def _ancestors(wn, wnid):
    """Memoised (shared with :mod:`wildcards_gen.arrangement`) hypernym closure."""
    from wildcards_gen.arrangement import ancestors

    return ancestors(wn, wnid)


# -- naming ------------------------------------------------------------------------

class Namer:
    """WordNet names for clusters of one list."""

    def __init__(self, wn, parent: str, ctx: ArrangeContext, terms: list, X):
        self.wn = wn
        self.parent = parent
        self.ctx = ctx
        self.terms = terms
        self.X = X

    def ancestors(self, wnid):
        return _ancestors(self.wn, wnid)

    def allowed(self, wnid: str) -> bool:
        """Strictly below the list's category (when known), and not named like it."""
        if self.ctx.synset and (wnid == self.ctx.synset or self.ctx.synset not in self.ancestors(wnid)):
            return False
        synset = self.wn.synset(wnid)
        return synset is not None and synset.display.casefold() != self.parent.casefold()

    def medoid(self, rows):
        sub = self.X[rows]
        scores = (sub @ sub.T).sum(axis=1)
        best = max(range(len(rows)), key=lambda i: (round(float(scores[i]), 6), -rows[i]))
        return rows[best]

    def name(self, rows, other_rows):
        """``(wnid or None, display, instruction)`` for a cluster, or None."""
        synsets = [self.ctx.term_synsets[r] for r in rows]
        known = [s for s in synsets if s]
        medoid = self.medoid(rows)
        medoid_synset = self.ctx.term_synsets[medoid]
        if medoid_synset is None and known:
            medoid_synset = max(known, key=lambda s: (sum(1 for t in known if t == s), s))
        if medoid_synset is not None:
            counts: Counter = Counter()
            for s in known:
                counts.update(self.ancestors(s))
            need = MAJORITY * len(rows)
            candidates = [a for a in self.ancestors(medoid_synset) if counts[a] > need and self.allowed(a)]
            if candidates:
                best = max(candidates, key=lambda a: (self.wn.synset(a).min_depth, counts[a], a))
                return self._synset_choice(best)
            medoid_obj = self.wn.synset(medoid_synset)
            for parent in sorted(medoid_obj.hypernyms + medoid_obj.instance_hypernyms):
                if self.allowed(parent):
                    return self._synset_choice(parent)
        word = self.keyword(rows, other_rows)
        if word is None:
            return None
        return None, word, f"Kinds of {self.parent} called '{word}'."

    def _synset_choice(self, wnid):
        synset = self.wn.synset(wnid)
        return wnid, synset.display, synset.gloss

    def keyword(self, rows, other_rows):
        """A word most of the cluster's terms share and the other terms mostly lack."""
        inside = Counter(w for r in rows for w in set(_WORD.findall(self.terms[r].lower())))
        outside = Counter(w for r in other_rows for w in set(_WORD.findall(self.terms[r].lower())))
        parent_words = set(_WORD.findall(self.parent.lower()))
        best = None
        for word, count in sorted(inside.items()):
            if count < max(2, math.ceil(0.5 * len(rows))) or word in _STOP or word in parent_words or len(word) < 3:
                continue
            score = (count / len(rows) - outside[word] / max(1, len(other_rows)), count, word)
            if best is None or score > best:
                best = score
        return None if best is None or best[0] <= 0 else best[2]


def merge_groups(wn, named):
    """Same synset: one group. A group named by a kind of another group's synset joins it."""
    by_synset: dict = {}
    out = []
    for group in named:
        key = group[0] or ("word:" + group[1])
        if key in by_synset:
            by_synset[key][3] = sorted(by_synset[key][3] + group[3])
        else:
            by_synset[key] = group
            out.append(group)
    changed = True
    while changed:
        changed = False
        for child in sorted(out, key=lambda g: (-(wn.synset(g[0]).min_depth if g[0] else -1), g[1])):
            if not child[0]:
                continue
            above = _ancestors(wn, child[0])
            parents = [g for g in out if g is not child and g[0] and g[0] in above]
            if parents:
                target = max(parents, key=lambda g: (wn.synset(g[0]).min_depth, g[0]))
                target[3] = sorted(target[3] + child[3])
                out.remove(child)
                changed = True
                break
    return out


def evict(wn, named, leftovers, ctx: ArrangeContext):
    """A member that WordNet knows and does not place below its group's synset leaves the group.

    The embedding put it there, but the group's name would then be wrong for
    it; :func:`absorb` gives it a better home if one exists. Groups left
    without members are dropped.
    """
    out: list = []
    extra: list = []
    for group in named:
        if not group[0]:
            out.append(group)
            continue
        inside, outside = [], []
        for row in group[3]:
            synset = ctx.term_synsets[row]
            if synset is not None and synset != group[0] and group[0] not in _ancestors(wn, synset):
                outside.append(row)
            else:
                inside.append(row)
        if inside:
            group[3] = inside
            out.append(group)
        extra.extend(outside if inside else group[3])
    return out, sorted(leftovers + extra)


def absorb(wn, named, leftovers, ctx: ArrangeContext):
    """A leftover term that WordNet places below a group's synset joins the most specific such group."""
    if not named:
        return named, leftovers
    keep = []
    for row in leftovers:
        synset = ctx.term_synsets[row]
        if synset is None:
            keep.append(row)
            continue
        above = _ancestors(wn, synset) | {synset}
        homes = [g for g in named if g[0] and g[0] in above]
        if homes:
            home = max(homes, key=lambda g: (wn.synset(g[0]).min_depth, g[0]))
            home[3] = sorted(home[3] + [row])
        else:
            keep.append(row)
    return named, keep


def rest_groups(wn, namer: Namer, named, leftovers, ctx: ArrangeContext, min_cluster: int):
    """Regroup a remainder the clusters missed by what WordNet says its terms have in common.

    Repeatedly takes the hypernym (strictly below the list's category, and
    neither above nor below an existing group's synset) shared by the most
    leftover terms, when at least ``min_cluster`` share it.
    """
    taken = [g[0] for g in named if g[0]]
    while len(leftovers) >= min_cluster:
        counts: Counter = Counter()
        for row in leftovers:
            synset = ctx.term_synsets[row]
            if synset is not None:
                counts.update(_ancestors(wn, synset))
        best = None
        for wnid, count in counts.items():
            if count < min_cluster or (best is not None and count < best[0]):
                continue
            if not namer.allowed(wnid):
                continue
            above = _ancestors(wn, wnid)
            if any(t in above or wnid in _ancestors(wn, t) for t in taken):
                continue
            key = (count, wn.synset(wnid).min_depth, wnid)
            if best is None or key > best:
                best = key
        if best is None:
            break
        wnid = best[2]
        rows = [r for r in leftovers if ctx.term_synsets[r] and wnid in _ancestors(wn, ctx.term_synsets[r])]
        synset = wn.synset(wnid)
        named.append([wnid, synset.display, synset.gloss, rows])
        taken.append(wnid)
        chosen = set(rows)
        leftovers = [r for r in leftovers if r not in chosen]
    return named, leftovers


def unique_names(namer: Namer, named, ctx: ArrangeContext):
    """Sibling names unique (case-insensitively), no numbering: another lemma, else merge or rest.

    Returns ``(groups, rows_for_the_rest)``.
    """
    taken = {t.casefold() for t in ctx.taken} | {namer.parent.casefold()}
    out: list = []
    rest: list = []
    by_name: dict = {}
    for group in sorted(named, key=lambda g: (-len(g[3]), g[1], g[0] or "")):
        synset, display, _instruction, rows = group
        choice = display if display.casefold() not in taken else None
        if choice is None and synset:
            lemmas = namer.wn.synset(synset).lemmas
            choice = next((l for l in lemmas if l.casefold() not in taken), None)
        if choice is None:
            twin = by_name.get(display.casefold())
            if twin is not None:  # same words, another sense: one group
                twin[3] = sorted(twin[3] + rows)
            else:  # named like the parent or an existing sibling
                rest.extend(rows)
            continue
        group[1] = choice
        taken.add(choice.casefold())
        by_name[choice.casefold()] = group
        out.append(group)
    return out, rest
