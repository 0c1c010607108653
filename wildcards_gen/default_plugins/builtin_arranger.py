"""The host's ``arrange`` (``--arranger builtin``): embeddings and WordNet as partners.

One list, one level (the host arranges a group larger than
``--semantic-arrange-max-group`` again, one level deeper):

1. **Similarity**: the embeddings' cosine blended with the Lin similarity of the
   terms' senses chosen in context (WordNet's share: 0.3 with a text embedder,
   0.7 with synset vectors, where the words of each sense's gloss add what is-a
   lacks: "a kitchen appliance for toasting bread"). Terms WordNet does not know
   follow the embeddings alone.
2. **First split**: when the list's category says something (information content
   >= 0.25: dog, vehicle, food; not object or artifact) WordNet proposes it: the
   category's kinds, if they cover 60% of the terms. Otherwise the embeddings
   decide: average-linkage partitions for k = 2 .. 2 sqrt(n) (at most 40), groups
   smaller than ``--semantic-arrange-min-cluster`` re-homed to the group they are
   closest to, k chosen by silhouette.
3. **Names**: the synset (below the category, informative enough) with the best
   F-score of recall (the share of the group under it, above one half) and
   precision (the share of the list's terms under it that are in this group);
   else the group's most central member, with an instruction listing members.
4. **WordNet tidies, the embeddings consent**: clusters named alike merge when
   their members are as similar across as within; a member whose sense was
   chosen confidently and lies under another group's synset moves there unless
   its embedding objects. WordNet never dissolves a cluster.
5. Names are unique among siblings (another lemma, else a member's name), never
   the parent's, without parentheses or numbers.

Every term ends in exactly one group; everything is sorted and ties are broken
by text, so the same input gives the same groups. Needs numpy and scipy
(``pip install 'wildcards-gen[arrange]'``).
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from typing import Any

import click

from wildcards_gen import hookimpl
from wildcards_gen.model import ArrangeContext, Group
from wildcards_gen.senses import STOPWORDS

NAME = "builtin"
DEFAULTS: dict[str, Any] = {
    "semantic_arrange_min_cluster": 3,  # smaller clusters are re-homed to the nearest group
    "k_cap": 40,  # most clusters the embedding step tries
    "specific_ic": 0.25,  # a category this informative is split by its WordNet kinds first ...
    "proposal_coverage": 0.6,  # ... when they cover this share of the terms
    "name_min_ic": 0.25,  # a synset name must be this informative (animal 0.28; artifact 0.19 fails)
    "name_majority": 0.5,  # ... and cover more than this share of the group
    "merge_consent": 0.8,  # same-named clusters merge when cross-similarity >= this x within
    "move_margin": 0.0,  # a WordNet move needs sim(new group) >= sim(own group) - margin
    "min_silhouette": 0.1,  # an embedding split this weak is no structure: the list stays whole
}
# WordNet's (Lin) share of the similarity, and the gloss words' share of the embedding similarity
FOR_VECTORS = {
    "synset": {"wordnet_weight": 0.7, "gloss_words": 0.3},
    "text": {"wordnet_weight": 0.3, "gloss_words": 0.0},
}


@hookimpl
def register_arrangers(register):
    register(
        NAME,
        "embedding clusters and WordNet kinds, named from WordNet (numpy + scipy)",
        options=[
            click.Option(
                ["--semantic-arrange-wordnet-weight"],
                type=click.FloatRange(0, 1),
                default=None,
                help="builtin arranger: WordNet's share of the similarity between terms (the rest is the "
                "embeddings'). Default: 0.3 with a text embedder, 0.7 with the wordnet embedder.",
            ),
        ],
    )


@hookimpl(trylast=True)
def arrange(arranger, name, terms, vectors, context, run):
    if arranger != NAME:
        return None
    _require_libraries()
    if len(context.term_synsets) != len(terms):  # called without the host's sense choice
        from wildcards_gen.arrangement import context_for

        context = context_for(name, context.synset, terms, context.taken, context.level, context.vectors_of)
    return arrange_groups(name, list(terms), vectors, context, run.options if run is not None else {})


def _require_libraries() -> None:
    from wildcards_gen.embeddings import require_numpy

    require_numpy("the builtin arranger", ("scipy",))


def _sort_key(text: str):
    return (text.casefold(), text)


class _List:
    """One list being arranged: its terms, senses, similarity matrix and settings."""

    def __init__(self, wn, terms: list, context: ArrangeContext, S, opts: dict):
        self.wn = wn
        self.terms = terms
        self.synsets = list(context.term_synsets)
        self.ambiguous = list(context.ambiguous) or [True] * len(terms)
        self.S = S
        self.opts = opts


def settings(options: dict, vectors_of: str) -> dict:
    """The arranger's settings: its defaults, the kind of vectors' defaults, then the run's options."""
    opts = {**DEFAULTS, **FOR_VECTORS.get(vectors_of, FOR_VECTORS["text"])}
    for key in ("semantic_arrange_min_cluster",):
        if options.get(key) is not None:
            opts[key] = options[key]
    if options.get("semantic_arrange_wordnet_weight") is not None:
        opts["wordnet_weight"] = float(options["semantic_arrange_wordnet_weight"])
    return opts


def similarity(wn, terms: list, vectors, context: ArrangeContext, opts: dict):
    """The blended similarity of step 1 (terms x terms, 1 on the diagonal)."""
    import numpy as np

    from wildcards_gen.vectors import cosine_normalise
    from wildcards_gen.wordnet_measures import lin_matrix

    X = cosine_normalise(np.asarray(vectors, dtype=np.float64))
    S = np.clip(X @ X.T, -1.0, 1.0)
    gamma = float(opts["gloss_words"])
    if gamma > 0:
        B = gloss_word_vectors(wn, terms, context.term_synsets)
        S = (1.0 - gamma) * S + gamma * (B @ B.T)
    lin = lin_matrix(wn, list(context.term_synsets))
    beta = float(opts["wordnet_weight"])
    S = np.where(np.isnan(lin), S, (1.0 - beta) * S + beta * np.nan_to_num(lin))
    np.fill_diagonal(S, 1.0)
    return S


def arrange_groups(name: str, terms: list, vectors, context: ArrangeContext, options: dict):
    """Groups covering every term exactly once, or None when no useful split exists."""

    from wildcards_gen import wordnet
    from wildcards_gen.wordnet_measures import closure, information_content

    wn = wordnet.get()
    opts = settings(options, context.vectors_of)
    n = len(terms)
    min_cluster = max(2, int(opts["semantic_arrange_min_cluster"]))
    if n < 2 * min_cluster:
        return None
    S = similarity(wn, terms, vectors, context, opts)
    lst = _List(wn, terms, context, S, opts)
    rows = list(range(n))
    category = context.synset
    k_max = min(max(5, round(2 * math.sqrt(n))), int(opts["k_cap"]), max(2, n // min_cluster))
    labels = None
    if category and information_content(wn).get(category, 0.0) >= float(opts["specific_ic"]):
        proposal = _wordnet_proposal(lst, category, 2 * k_max, min_cluster)
        if proposal is not None:
            proposed, nodes = proposal
            covered = sum(1 for r in rows if (w := lst.synsets[r]) is not None and not closure(wn, w).isdisjoint(nodes))
            if covered >= float(opts["proposal_coverage"]) * n:
                labels = proposed
    if labels is None:
        partitions = _embedding_partitions(S, k_max, min_cluster)
        if not partitions:
            return None
        D = _distance(S)
        scores = [round(_silhouette(D, p), 9) for p in partitions]
        best = max(range(len(partitions)), key=lambda i: (scores[i], -i))
        if scores[best] < float(opts["min_silhouette"]):
            return None
        labels = partitions[best]
    groups = [[i for i in rows if labels[i] == g] for g in sorted(set(labels.tolist()))]
    level_counts: Counter = Counter()
    for wnid in lst.synsets:
        if wnid:
            level_counts.update(closure(wn, wnid))
    named = [_name(lst, g, category, level_counts) for g in groups]
    groups, named = _merge_same(groups, named, S, float(opts["merge_consent"]))
    groups = [g for g in _move(lst, groups, named, float(opts["move_margin"])) if g]
    if len(groups) < 2:
        return None
    named = [_name(lst, g, category, level_counts) for g in groups]
    named = _unique_names(lst, groups, named, name, context.taken, options)
    out = [
        Group(display, sorted((terms[r] for r in g), key=_sort_key), instruction, synset)
        for g, (synset, display, instruction) in zip(groups, named)
    ]
    return sorted(out, key=lambda grp: _sort_key(grp.name))


# -- step 1: gloss words --------------------------------------------------------------------------


@functools.lru_cache(maxsize=1 << 16)
def _stem(word: str) -> str:
    for suffix, repl in (("ies", "y"), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) > len(suffix) + 3 and not word.endswith("ss"):
            return word[: -len(suffix)] + repl
    return word


def _words(text: str) -> tuple:
    """The words of a text that say something (no stop words, plurals folded)."""
    return tuple(_stem(w) for w in re.findall(r"[a-z]+", text) if w not in STOPWORDS and len(w) > 2)


@functools.lru_cache(maxsize=1 << 16)
def _sense_words(wn, wnid: str) -> tuple:
    """The words of a sense's lemmas and gloss and of its first hypernym's gloss (memoised: sub-lists ask again)."""
    synset = wn.synset(wnid)
    text = " ".join(synset.lemmas).lower() + " " + synset.gloss.lower()
    for parent in synset.hypernyms[:1]:
        text += " " + wn.synset(parent).gloss.lower()
    return _words(text)


def gloss_word_vectors(wn, terms: list, synsets) -> Any:
    """Unit TF-IDF rows over the words of each term, its sense's lemmas and gloss and its first
    hypernym's gloss (stop words dropped, plurals folded, words only one term has dropped)."""
    import numpy as np

    docs = []
    for term, wnid in zip(terms, synsets):
        words = _words(term.lower()) + (_sense_words(wn, wnid) if wnid else ())
        docs.append(Counter(words))
    df = Counter(w for d in docs for w in d)
    vocab = {w: i for i, w in enumerate(sorted(w for w, c in df.items() if c > 1))}
    n = len(docs)
    B = np.zeros((n, max(1, len(vocab))))
    for i, d in enumerate(docs):
        for w, c in d.items():
            if w in vocab:
                B[i, vocab[w]] = (1.0 + math.log(c)) * math.log(n / df[w])
    norms = np.linalg.norm(B, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return B / norms


# -- step 2: the first split -------------------------------------------------------------------------


def _distance(S):
    import numpy as np

    D = np.clip(1.0 - (S + S.T) / 2.0, 0.0, None)
    np.fill_diagonal(D, 0.0)
    return D


def _rehome(S, labels, min_cluster: int):
    """``labels`` with every group smaller than ``min_cluster`` (and every -1) dissolved into the
    big group its terms are most similar to on average; None when fewer than two big groups."""
    import numpy as np

    labels = np.asarray(labels)
    uniq, counts = np.unique(labels[labels >= 0], return_counts=True)
    big = [int(u) for u, c in zip(uniq, counts) if c >= min_cluster]
    if len(big) < 2:
        return None
    out = labels.copy()
    loose = [i for i in range(len(labels)) if labels[i] not in big]
    if loose:
        onehot = np.zeros((len(labels), len(big)))
        for j, g in enumerate(big):
            onehot[labels == g, j] = 1.0
        mean = (S[loose] @ onehot) / onehot.sum(axis=0)
        out[loose] = np.asarray(big)[np.argmax(mean, axis=1)]
    return out


def average_linkage(D, k_max: int) -> dict:
    """``{k: labels}`` for k = 2..k_max: the partitions average linkage (UPGMA) passes through.

    Merges the closest pair of clusters (the first in row order on a tie) and updates
    the distances by the Lance-Williams rule for the mean distance. Written out with
    numpy because importing scipy's clustering costs a third of a second, more than
    clustering every list of a dataset run.
    """
    import numpy as np

    n = D.shape[0]
    dist = D.astype(np.float64, copy=True)
    np.fill_diagonal(dist, np.inf)
    size = np.ones(n)
    owner = np.arange(n)  # each term's cluster (the index of the row that stands for it)
    out: dict = {}
    for clusters in range(n, 1, -1):
        if clusters <= k_max:
            out[clusters] = _first_seen_order(owner)
        flat = int(np.argmin(dist))
        i, j = divmod(flat, n)
        i, j = min(i, j), max(i, j)
        merged = (size[i] * dist[i] + size[j] * dist[j]) / (size[i] + size[j])
        dist[i], dist[:, i] = merged, merged
        dist[i, i] = np.inf
        dist[j], dist[:, j] = np.inf, np.inf
        size[i] += size[j]
        owner[owner == j] = i
    return out


def _embedding_partitions(S, k_max: int, min_cluster: int) -> list:
    """Distinct average-linkage partitions of ``S`` for k = 2..k_max, small clusters re-homed."""
    n = S.shape[0]
    cuts = average_linkage(_distance(S), min(k_max, n - 1))
    out, seen = [], set()
    for k in sorted(cuts):
        labels = _rehome(S, cuts[k], min_cluster)
        if labels is not None and tuple(labels.tolist()) not in seen:
            seen.add(tuple(labels.tolist()))
            out.append(labels)
    return out


def _first_seen_order(labels):
    """Labels renumbered 0, 1, 2 ... in order of first appearance: the same partition, one numbering."""
    import numpy as np

    mapping: dict = {}
    return np.array([mapping.setdefault(int(label), len(mapping)) for label in labels])


def _silhouette(D, labels) -> float:
    """Mean silhouette on precomputed distances (numpy only)."""
    import numpy as np

    n = len(labels)
    _, inv = np.unique(labels, return_inverse=True)
    onehot = np.zeros((n, inv.max() + 1))
    onehot[np.arange(n), inv] = 1.0
    sums = D @ onehot
    counts = onehot.sum(axis=0)
    a_cnt = counts[inv] - 1
    a = np.where(a_cnt > 0, sums[np.arange(n), inv] / np.maximum(a_cnt, 1), 0.0)
    other = sums / np.maximum(counts, 1)
    other[np.arange(n), inv] = np.inf
    b = other.min(axis=1)
    return float(np.where(a_cnt > 0, (b - a) / np.maximum(np.maximum(a, b), 1e-12), 0.0).mean())


def _wordnet_proposal(lst: _List, category: str, k_max: int, min_cluster: int):
    """WordNet's first split of a list below ``category``: ``(labels, synsets)`` or None.

    Each term follows its sense's hypernym path, taking at each step the parent most
    of the list lies under. From the category down, the largest group is replaced
    by the children its terms lie under until at least two groups of
    ``min_cluster`` terms exist (a single dominant child is passed through). Terms
    WordNet does not place there are re-homed by similarity.
    """
    import numpy as np

    from wildcards_gen.wordnet_measures import closure

    wn = lst.wn
    count: Counter = Counter()
    for wnid in lst.synsets:
        if wnid:
            count.update(closure(wn, wnid))
    paths = {}
    for r, node in enumerate(lst.synsets):
        if not node or category not in closure(wn, node) or node == category:
            continue
        path = [node]
        while node != category:
            synset = wn.synset(node)
            parents = [p for p in synset.hypernyms + synset.instance_hypernyms if category in closure(wn, p)]
            node = max(sorted(parents), key=lambda p: count[p])
            path.append(node)
        paths[r] = path[::-1]
    frontier = {category: sorted(paths)} if paths else {}

    def child(r, node):
        path = paths[r]
        i = path.index(node)
        return path[i + 1] if i + 1 < len(path) else None

    for _ in range(200):
        expandable = [a for a, rs in frontier.items() if any(child(r, a) is not None for r in rs)]
        if not expandable:
            return None
        target = max(expandable, key=lambda a: (len(frontier[a]), a))
        for r in frontier.pop(target):
            c = child(r, target)
            if c is not None:
                frontier.setdefault(c, []).append(r)
        big = sorted(a for a, rs in frontier.items() if len(rs) >= min_cluster)
        if len(big) > k_max:
            return None
        if len(big) >= 2:
            labels = np.full(len(lst.terms), -1)
            for j, a in enumerate(big):
                for r in frontier[a]:
                    labels[r] = j
            labels = _rehome(lst.S, labels, min_cluster)
            return None if labels is None else (labels, frozenset(big))
    return None


# -- steps 3 to 5: names ---------------------------------------------------------------------------------


def _allowed(lst: _List, wnid: str, category) -> bool:
    """A possible group name: informative enough, and neither the category nor above it."""
    from wildcards_gen.wordnet_measures import closure, information_content

    if category and wnid in closure(lst.wn, category):
        return False
    return information_content(lst.wn).get(wnid, 1.0) >= float(lst.opts["name_min_ic"])


def _central(lst: _List, group: list) -> list:
    """The group's members, most central (highest mean similarity to the others) first."""
    import numpy as np

    scores = lst.S[np.ix_(group, group)].mean(axis=1)
    order = sorted(range(len(group)), key=lambda i: (-round(float(scores[i]), 9), _sort_key(lst.terms[group[i]])))
    return [lst.terms[group[i]] for i in order]


def _name(lst: _List, group: list, category, level_counts: Counter):
    """``(synset or None, name, instruction)`` for a group (step 3)."""
    from wildcards_gen.wordnet_measures import closure, information_content

    wn = lst.wn
    counts: Counter = Counter()
    for r in group:
        if lst.synsets[r]:
            counts.update(closure(wn, lst.synsets[r]))
    ic = information_content(wn)
    known = sum(1 for r in group if lst.synsets[r])
    # terms WordNet does not know say nothing for or against a name: the majority is counted among
    # the known ones, as long as they are most of the group ("art movement" over cubism, surrealism,
    # pop art, ... beside steampunk and hyperrealism)
    voters = known if 2 * known >= len(group) else len(group)
    best, best_key = None, None
    for a, c in counts.items():
        if c <= float(lst.opts["name_majority"]) * voters or not _allowed(lst, a, category):
            continue
        recall, precision = c / len(group), c / level_counts[a]
        key = (round(2 * recall * precision / (recall + precision), 9), ic.get(a, 0.0), a)
        if best_key is None or key > best_key:
            best, best_key = a, key
    if best is not None:
        synset = wn.synset(best)
        return best, synset.display, synset.gloss
    central = _central(lst, group)
    return None, central[0], _instruction(central)


def _instruction(central: list) -> str:
    shown = central[:3]
    listed = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
    return f"Things like {listed}."


def _merge_same(groups: list, named: list, S, consent: float):
    """Groups named alike merge when their mean cross-similarity reaches ``consent`` x the
    smaller of their mean within-similarities (the embeddings agree)."""
    import numpy as np

    def within(g):
        if len(g) < 2:
            return 1.0
        sub = S[np.ix_(g, g)]
        return float((sub.sum() - np.trace(sub)) / (len(g) * (len(g) - 1)))

    def key(nm):
        return nm[0] or ("term:" + nm[1].casefold())

    out_g: list = []
    out_n: list = []
    for g, nm in zip(groups, named):
        target = next(
            (
                i
                for i, other in enumerate(out_n)
                if key(other) == key(nm)
                and float(S[np.ix_(out_g[i], g)].mean()) >= consent * min(within(out_g[i]), within(g))
            ),
            None,
        )
        if target is None:
            out_g.append(list(g))
            out_n.append(nm)
        else:
            out_g[target] = sorted(out_g[target] + g)
    return out_g, out_n


def _move(lst: _List, groups: list, named: list, margin: float) -> list:
    """A confidently disambiguated member under another group's synset (not its own) moves to the
    most specific such group, unless its similarity there is below that to its own group minus ``margin``."""
    from wildcards_gen.wordnet_measures import closure, information_content

    wn = lst.wn
    ic = information_content(wn)
    where = {r: i for i, g in enumerate(groups) for r in g}
    new = [list(g) for g in groups]
    for r in sorted(where):
        wnid = lst.synsets[r]
        if wnid is None or lst.ambiguous[r]:
            continue
        up = closure(wn, wnid)
        own = named[where[r]][0]
        if own is not None and own in up:
            continue
        homes = [i for i, nm in enumerate(named) if nm[0] is not None and nm[0] in up and i != where[r]]
        if not homes:
            continue
        home = max(homes, key=lambda i: (ic.get(named[i][0], 0.0), named[i][0]))
        own_rows = [x for x in groups[where[r]] if x != r]
        own_sim = float(lst.S[r, own_rows].mean()) if own_rows else -1.0
        if float(lst.S[r, groups[home]].mean()) >= own_sim - margin:
            new[where[r]].remove(r)
            new[home].append(r)
    return [sorted(g) for g in new]


def _unique_names(lst: _List, groups: list, named: list, parent: str, taken_names, options: dict) -> list:
    """Sibling names unique (case-insensitively), never the parent's, no parentheses or numbers:
    the synset's name, else another of its lemmas (unless a sibling has that synset), else the
    group's most central member; larger groups choose first."""
    template = options.get("orphans_label_template") or "other_{}"
    taken = {parent.casefold(), template.format(parent).casefold()} | {t.casefold() for t in taken_names}
    used: set = set()
    out = list(named)
    for i in sorted(range(len(groups)), key=lambda i: (-len(groups[i]), _sort_key(named[i][1]))):
        synset, display, instruction = named[i]
        central = _central(lst, groups[i])
        choices = [display] if synset is None or synset not in used else []
        if synset and synset not in used:
            choices += list(lst.wn.synset(synset).lemmas)
        used.add(synset)
        choices += central
        choice = next((_clean(o) for o in choices if _clean(o) and _clean(o).casefold() not in taken), None)
        if choice is None:  # every option taken: the name with one member's, then two members'
            base = _clean(display) or "group"
            combos = [f"{base} {_clean(o)}" for o in central] + [
                f"{base} {_clean(a)} {_clean(b)}" for a in central[:5] for b in central[:5] if a != b
            ]
            choice = next((c for c in combos if c.casefold() not in taken), f"{base} {len(taken)}")
        if synset and choice not in lst.wn.synset(synset).lemmas and choice != _clean(display):
            synset, instruction = None, _instruction(central)
        taken.add(choice.casefold())
        out[i] = (synset, choice, instruction)
    return out


def _clean(name: str) -> str:
    name = re.sub(r"\s*\([^)]*\)", "", name)
    name = re.sub(r"[0-9]+", "", name)
    return re.sub(r"\s+", " ", name).strip()
