"""Which WordNet sense each term of a list means, decided by the rest of the list.

A term alone is ambiguous ("banana": the fruit or the plant; "toaster": the
appliance or a person who proposes toasts); its list says which. Used for every
list that is arranged or cleaned, in dataset runs and by ``wildcards-gen arrange``.

1. **Candidates** (:func:`candidates`): the term as a WordNet noun (spaces or
   underscores, hyphens, ``&`` as ``and``, plural forms), else a split compound
   (``coffeemaker``), else its longest head phrase WordNet knows
   (``Salt and pepper shakers`` -> pepper shaker, ``Human face`` -> face).
2. **Choice in context** (:func:`choose_senses`): a sense scores by how well the
   rest of the list explains it. Under "each other term picks a WordNet node a
   with probability D(a)/n (D: how many other terms lie below a), then a synset
   uniformly below a", P(sense) = sum over its ancestors of D(a)/size(a): specific
   nodes many terms share explain a sense best, huge nodes (artifact) or one-off
   coincidences little. WordNet's sense order is a prior, the list's category a
   small bonus (a hint, not a veto: foods are not "objects" in WordNet), and for
   text embedders each sense's gloss embedding is compared with the term's
   nearest list neighbours (:func:`gloss_evidence`). Two rounds.
3. **A dataset's class names** (:func:`match_senses`, behind
   ``WordNet.match_all``): a supercategory's few classes are too few to agree,
   so each sense scores by its Lin similarity to the parent's synset and to the
   siblings' senses, and by the words its gloss shares with their names.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from wildcards_gen.wordnet_measures import closure, subtree_size

DEFAULTS: dict[str, Any] = {
    "rank_decay": 0.35,  # WordNet's first sense is a little more likely than its second ...
    "category_bonus": 0.5,  # ... a sense below the list's category a little more likely still
    "scale": 2.0,  # weight of the list's agreement
    "min_support": 3,  # a node explains nothing until this many other terms lie below it
    "rounds": 2,
    "ambiguous_margin": 0.25,  # a choice is ambiguous when the best two senses are this close
    "gloss_weight": 20.0,  # text embedders: weight of the gloss-vs-neighbours evidence
    "gloss_neighbours": 10,
}


@dataclass(frozen=True)
class SenseChoice:
    """A term's chosen WordNet sense (``wnid`` None: WordNet does not know it)."""

    wnid: str | None
    ambiguous: bool
    how: str | None  # exact, compound, head, or None
    confidence: float = 0.0  # the chosen sense's probability
    candidates: tuple = field(default=())  # every candidate WNID, in WordNet's order


def _singulars(word: str) -> list[str]:
    """The word and the singular forms it may come from (WordNet's detachment rules)."""
    out = [word]
    for suffix, repl in (
        ("ies", "y"),
        ("ses", "s"),
        ("xes", "x"),
        ("zes", "z"),
        ("ches", "ch"),
        ("shes", "sh"),
        ("men", "man"),
        ("ves", "f"),  # leaves, halves, shelves (before "s": "leave" is a noun too)
        ("s", ""),
        ("ves", "fe"),  # knives, wives (after "s": caves are not cafes)
    ):
        if word.endswith(suffix) and len(word) > len(suffix) + 1:
            out.append(word[: -len(suffix)] + repl)
    return out


def _keys(words: list[str]) -> list[str]:
    """The lemmas a word sequence may be (joined by '_' or nothing), trying singular forms of its last word."""
    out = []
    for form in _singulars(words[-1]):
        out += [form] if len(words) == 1 else ["_".join([*words[:-1], form]), "".join([*words[:-1], form])]
    return out


def _lookup(wn: Any, words: list[str]) -> list:
    """Noun senses of a word sequence: those of the first of its :func:`_keys` WordNet knows."""
    if not words:
        return []
    for key in _keys(words):
        senses = wn.senses(key)
        if senses:
            return senses
    return []


def _variants(term: str) -> list[list[str]]:
    """The term's words, as written and with hyphens read as a space or as nothing."""
    text = term.strip().lower().replace("&", " and ")
    variants: list[list[str]] = []
    for v in (text, text.replace("-", " "), text.replace("-", "")):
        words = [w for w in re.split(r"[^a-z0-9'-]+", v) if w]
        if words and words not in variants:
            variants.append(words)
    return variants


def prefetch_candidates(wn: Any, terms: Sequence[str]) -> None:
    """Fetch, in a few queries, the lemmas :func:`candidates` tries first for each term (thousands of terms)."""
    wn.prefetch_senses([key for term in terms for words in _variants(term) for key in _keys(words)])


@functools.lru_cache(maxsize=1 << 16)
def candidates(wn: Any, term: str) -> tuple[list, str | None]:
    """``(senses, how)``: the noun senses ``term`` may mean, in WordNet's order, and how they were found
    (memoised: a term is looked up for its sense, its glosses and its category)."""
    variants = _variants(term)
    for words in variants:
        senses = _lookup(wn, words)
        if senses:
            return senses, "exact"
    if variants and len(variants[0]) == 1 and len(variants[0][0]) >= 6:
        word = variants[0][0]
        for cut in range(3, len(word) - 2):
            senses = _lookup(wn, [word[:cut], word[cut:]])
            if senses:
                return senses, "compound"
    for words in variants:
        for start in range(1, len(words)):
            if words[start] in ("and", "of", "or"):
                continue
            if start == len(words) - 1 and (len(words[start]) < 2 or words[start].isdigit()):
                continue  # "ukiyo-e", "room 101": a letter or a number alone names nothing (einsteinium, one)
            senses = _lookup(wn, words[start:])
            if senses:
                return senses, "head"
    return [], None


def choose_senses(
    wn: Any,
    terms: Sequence[str],
    category: str | None = None,
    evidence: dict | None = None,
    known: dict | None = None,
    **options: Any,
) -> list[SenseChoice]:
    """One :class:`SenseChoice` per term, each sense chosen by agreement with the rest of the list.

    ``logit(s) = -rank_decay * rank(s) + category_bonus * [s below category] + evidence
    + scale * log P(s | list)``, with ``P`` as in the module docstring; nodes at or
    above the category explain nothing. ``evidence`` is ``{term index: [(wnid,
    bonus)]}`` (see :func:`gloss_evidence`). ``known`` is ``{term: [wnid, ...]}``:
    the synsets a dataset gave the nodes of that name, which replace WordNet's
    candidates for it (``how`` is then ``"dataset"``).
    """
    import numpy as np
    from scipy import sparse

    opts = {**DEFAULTS, **{k: v for k, v in options.items() if v is not None}}
    n = len(terms)
    cands: list[list[str]] = []
    hows: list[str | None] = []
    for term in terms:
        given = (known or {}).get(term)
        if given:
            cands.append(sorted(set(given)))
            hows.append("dataset")
            continue
        senses, how = candidates(wn, term)
        cands.append([s.wnid for s in senses])
        hows.append(how)
    owner_list, flat, rank_list = [], [], []
    for i, senses in enumerate(cands):
        for r, wnid in enumerate(senses):
            owner_list.append(i)
            flat.append(wnid)
            rank_list.append(r)
    if not flat:
        return [SenseChoice(None, False, h) for h in hows]
    owner = np.asarray(owner_list)
    rank = np.asarray(rank_list, dtype=np.float64)
    m = len(flat)
    size = subtree_size(wn)
    col: dict[str, int] = {}
    r_idx, c_idx = [], []
    for k, wnid in enumerate(flat):
        for a in sorted(closure(wn, wnid)):
            r_idx.append(k)
            c_idx.append(col.setdefault(a, len(col)))
    nodes = sorted(col, key=col.__getitem__)
    rows, cols = np.asarray(r_idx), np.asarray(c_idx)  # sorted by row already
    starts = np.searchsorted(rows, np.arange(m))
    B = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(m, len(col)))
    node_size = np.array([size.get(a, 1) for a in nodes], dtype=np.float64)
    useless = np.zeros(len(nodes), dtype=bool)
    prior = -float(opts["rank_decay"]) * rank
    if category:
        above = closure(wn, category)
        useless = np.array([a in above for a in nodes], dtype=bool)
        prior = prior + float(opts["category_bonus"]) * np.array(
            [category in closure(wn, w) and w != category for w in flat], dtype=np.float64
        )
    for i, extra in (evidence or {}).items():
        bonus = dict(extra)
        for row in np.nonzero(owner == i)[0]:
            prior[row] += bonus.get(flat[row], 0.0)
    logits = prior.copy()
    # a sense that is the category itself ("hair" in "black hair", listed under hair) needs no other
    # term's support: the list's name explains it fully (nodes at or above the category count for nothing)
    itself = np.array([w == category for w in flat], dtype=bool) if category else np.zeros(m, dtype=bool)
    min_support, scale = int(opts["min_support"]), float(opts["scale"])
    for _ in range(int(opts["rounds"])):
        probs = _softmax_by_owner(logits, owner, n)
        T = np.minimum((sparse.csr_matrix((probs, (owner, np.arange(m))), shape=(n, m)) @ B).toarray(), 1.0)
        others = T.sum(axis=0)[cols] - T[owner[rows], cols]
        G = np.maximum(others - (min_support - 1), 0.0) / node_size[cols]
        G[useless[cols]] = 0.0
        logits = prior + scale * np.log(np.add.reduceat(G, starts) / max(1, n - 1) + 1e-7)
        logits[itself] = prior[itself]
    probs = _softmax_by_owner(logits, owner, n)
    out = []
    margin = float(opts["ambiguous_margin"])
    for i in range(n):
        mine = np.nonzero(owner == i)[0]
        if len(mine) == 0:
            out.append(SenseChoice(None, False, hows[i]))
            continue
        order = sorted(mine, key=lambda r: (-round(float(probs[r]), 9), rank[r]))
        p1 = float(probs[order[0]])
        p2 = float(probs[order[1]]) if len(order) > 1 else 0.0
        out.append(SenseChoice(flat[order[0]], (p1 - p2) < margin, hows[i], round(p1, 6), tuple(flat[r] for r in mine)))
    return out


def _softmax_by_owner(logits: Any, owner: Any, n: int) -> Any:
    import numpy as np

    top = np.full(n, -np.inf)
    np.maximum.at(top, owner, logits)
    e = np.exp(logits - top[owner])
    total = np.zeros(n)
    np.add.at(total, owner, e)
    return e / total[owner]


def _options(wn: Any, term: str, known: dict | None) -> list:
    """The senses a term may mean: those the dataset gave it, else WordNet's candidates."""
    given = (known or {}).get(term)
    if given:
        return [s for s in (wn.synset(w) for w in sorted(set(given))) if s is not None]
    return candidates(wn, term)[0]


def gloss_texts(wn: Any, terms: Sequence[str], known: dict | None = None) -> list[str]:
    """The texts :func:`gloss_evidence` needs embedded: ``'{lemma}: {gloss}'`` per sense of each polysemous term."""
    texts: list[str] = []
    for term in terms:
        senses = _options(wn, term, known)
        if len(senses) > 1:
            texts.extend(gloss_text(sense) for sense in senses)
    return texts


def gloss_text(sense: Any) -> str:
    """How a sense is shown to a text embedder: ``'{lemma}: {gloss}'``."""
    return f"{sense.display}: {sense.gloss}"


def gloss_evidence(
    wn: Any,
    terms: Sequence[str],
    X: Any,
    vectors_of: Callable[[list[str]], Any],
    weight: float = DEFAULTS["gloss_weight"],
    k: int = DEFAULTS["gloss_neighbours"],
    known: dict | None = None,
) -> dict:
    """``{term index: [(wnid, bonus)]}`` for polysemous terms, from their list neighbours.

    Each candidate sense's ``'{lemma}: {gloss}'`` (embedded by ``vectors_of``) is
    compared with the mean vector of the term's ``k`` nearest neighbours in the list
    (rows of the unit matrix ``X``); bonus = ``weight`` x (that cosine - its mean over
    the term's senses).
    """
    import numpy as np

    from wildcards_gen.vectors import cosine_normalise

    n = len(terms)
    texts, owners = [], []
    for i, term in enumerate(terms):
        senses = _options(wn, term, known)
        if len(senses) > 1:
            for sense in senses:
                texts.append(f"{sense.display}: {sense.gloss}")
                owners.append((i, sense.wnid))
    if not texts or n < 2:
        return {}
    G = cosine_normalise(np.asarray(vectors_of(texts), dtype=np.float64))
    sim = X @ X.T
    np.fill_diagonal(sim, -np.inf)
    k = max(1, min(k, n - 1))
    nearest = np.argsort(-sim, axis=1, kind="stable")[:, :k]
    context = cosine_normalise(X[nearest].mean(axis=1))
    out: dict[int, list] = {}
    for (i, wnid), g in zip(owners, G):
        out.setdefault(i, []).append((wnid, float(g @ context[i])))
    for i, pairs in out.items():
        mean = sum(v for _, v in pairs) / len(pairs)
        out[i] = [(w, weight * (v - mean)) for w, v in pairs]
    return out


def resolve_category(wn: Any, name: str, terms: Sequence[str]) -> str | None:
    """The WNID a category name means for these terms, or None.

    A WNID or synset name as given; a word: its sense under which most terms have
    some sense ("Plant" for a list of trees and flowers is the organism, not the
    factory). Among senses that tie (often: no term lies under any), the one that
    shares the most information with the terms that do not decide the tie
    ("tops" over blazers and parkas is the garment, not "the upper part"); then
    WordNet's order.
    """
    options = category_options(wn, name, terms)
    if len(options) < 2:
        return options[0].wnid if options else None
    wnids = [s.wnid for s in options]
    undecided = [t for t in terms if not any(w in _reach(wn, t) for w in wnids)]
    shared = _shared_information(wn, wnids, undecided)
    return wnids[max(range(len(wnids)), key=lambda j: (shared[j], -j))]


def category_options(wn: Any, name: str, terms: Sequence[str]) -> list:
    """The senses a category name may mean for these terms: those under which the most terms have
    some sense, in WordNet's order (one when the name is a synset or has one sense)."""
    synset = wn.synset(name) if name else None
    if synset is not None:
        return [synset]
    senses = candidates(wn, name)[0] if name else []
    if len(senses) < 2:
        return list(senses)
    reach = [_reach(wn, term) for term in terms]
    counts = [sum(1 for c in reach if sense.wnid in c) for sense in senses]
    return [sense for sense, count in zip(senses, counts) if count == max(counts)]


@functools.lru_cache(maxsize=1 << 16)
def _reach(wn: Any, term: str) -> frozenset:
    """Every synset any sense of the term lies under (memoised: a category's options, then its tie)."""
    found: set = set()
    for sense in candidates(wn, term)[0]:
        found |= closure(wn, sense.wnid)
    return frozenset(found)


SHARED_MAX_TERMS = 300  # enough to break a tie; bounds the cost on huge lists


def _shared_information(wn: Any, wnids: list, terms: Sequence[str]) -> list:
    """For each synset, the information (IC of the most specific common ancestor, Resnik) it shares
    with each term's closest sense, summed over the terms (rounded: the same on every machine)."""
    from wildcards_gen.wordnet_measures import information_content

    ic = information_content(wn)
    ups = [closure(wn, w) for w in wnids]
    out = [0.0] * len(wnids)
    for term in list(terms)[:SHARED_MAX_TERMS]:
        found = [closure(wn, s.wnid) for s in candidates(wn, term)[0]]
        for j, up in enumerate(ups):
            out[j] += max((max(ic.get(a, 0.0) for a in up & other) for other in found if up & other), default=0.0)
    return [round(v, 9) for v in out]


def common_category(wn: Any, choices: Sequence[SenseChoice], share: float = 0.6, min_ic: float = 0.25) -> str | None:
    """The most specific synset that at least ``share`` of the known terms lie below, when it says something.

    For a list with no name (stdin): ``dog`` for a list of breeds; None for a
    mixed list whose common ancestor is ``object`` or ``entity``.
    """
    from collections import Counter

    from wildcards_gen.wordnet_measures import information_content

    known = [c.wnid for c in choices if c.wnid]
    if len(known) < 2:
        return None
    counts: Counter = Counter()
    for wnid in known:
        counts.update(closure(wn, wnid))
    ic = information_content(wn)
    shared = [a for a, c in counts.items() if c >= share * len(known) and ic.get(a, 0.0) >= min_ic]
    if not shared:
        return None
    return max(shared, key=lambda a: (ic.get(a, 0.0), a))


MATCH_MAX_NAMES = 200  # match_senses compares every sense with every sibling's: quadratic

MATCH_DEFAULTS: dict[str, Any] = {
    "rank_decay": 0.05,  # WordNet's order breaks near-ties
    "context_weight": 1.0,  # similarity to the parent's synset
    "sibling_weight": 1.0,  # mean similarity to the closest sense of each sibling
    "measure": "lin",
    "derived_min_ic": 0.2,  # a stand-in category more specific than artifact (0.19): instrumentality (0.25) will do
    "kinds_weight": 1.0,  # a sense above the name's own kinds (its children in the dataset)
    "gloss_weight": 0.05,  # per word a sense's gloss shares with the parent's and the siblings' names
}

# Words a gloss or a name shares with another by grammar, not meaning.
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "or",
        "and",
        "in",
        "on",
        "for",
        "to",
        "with",
        "by",
        "as",
        "at",
        "from",
        "that",
        "which",
        "who",
        "is",
        "are",
        "be",
        "used",
        "usually",
        "especially",
        "any",
        "some",
        "other",
        "its",
        "it",
        "into",
        "one",
        "two",
        "their",
        "there",
        "this",
        "than",
        "such",
        "etc",
        "something",
        "someone",
        "kind",
        "kinds",
        "type",
        "types",
        "various",
        "several",
        "many",
        "often",
        "very",
        "made",
        "make",
        "small",
        "large",
        "long",
        "short",
    ]
)


def _words(text: str) -> set[str]:
    """Content words, crudely singular: what a gloss and a class name may share."""
    out = set()
    for word in re.findall(r"[a-z]+", text.lower().replace("_", " ")):
        if word not in STOPWORDS and len(word) > 2:
            out.add(word[:-1] if word.endswith("s") and not word.endswith("ss") else word)
    return out


def match_senses(
    wn: Any,
    names: Sequence[str],
    category: str | None = None,
    context: str | None = None,
    kinds: Sequence[Sequence[str]] | None = None,
    _derive: bool = True,
    **options: Any,
) -> list[SenseChoice]:
    """Senses of a few sibling class names (a dataset's supercategory), by similarity.

    ``score(s) = -rank_decay * rank(s) + context_weight * Lin(s, category)
    + sibling_weight * mean_j max_t Lin(s, t) + gloss_weight * overlap(s)`` over
    the other names' candidate senses ``t``; ``overlap`` counts the words the
    sense's gloss and lemmas share with ``context`` (the parent's name as the
    dataset writes it) and the other names (a little Lesk: the computer mouse's
    gloss says "electronic" and "computer"). Lin similarity weighs a shared ancestor by its information
    content, so what a huge node (artifact, instrumentality) shares says little
    and a close common parent (clothing for "tie" among accessories) a lot; for
    short lists this is steadier than :func:`choose_senses`' agreement counts.
    Without a category (a parent named by an adjective, "electronic"), the synset
    most of a first choice lie below (:func:`common_category`) stands in for it.
    ``kinds``: for each name, the names of its own kinds in the dataset (its
    children); ``+ kinds_weight * share of them below s``: "Person" over man,
    woman, boy and girl is the human being, not the human body.
    """
    if category is None and _derive and len(names) >= 3:
        first = _match_senses(wn, names, None, context, kinds, **options)
        category = common_category(wn, first, min_ic=float(MATCH_DEFAULTS["derived_min_ic"]))
        if category is None:
            return first
    return _match_senses(wn, names, category, context, kinds, **options)


def _below_share(wn: Any, senses: list[str], kinds: Sequence[str]) -> list[float]:
    """For each sense, the share of ``kinds`` that have some candidate sense below it."""
    reach = []
    for kind in kinds:
        found: set = set()
        for sense in candidates(wn, kind)[0]:
            found |= closure(wn, sense.wnid)
        if found:
            reach.append(found)
    if not reach:
        return [0.0] * len(senses)
    return [sum(1 for r in reach if s in r) / len(reach) for s in senses]


def _match_senses(
    wn: Any,
    names: Sequence[str],
    category: str | None,
    context: str | None,
    kinds: Sequence[Sequence[str]] | None = None,
    **options: Any,
) -> list[SenseChoice]:
    import numpy as np

    from wildcards_gen.wordnet_measures import lin_matrix

    opts = {**MATCH_DEFAULTS, **{k: v for k, v in options.items() if v is not None}}
    cands: list[list[str]] = []
    hows: list[str | None] = []
    for name in names:
        senses, how = candidates(wn, name)
        cands.append([s.wnid for s in senses])
        hows.append(how)
    flat = [w for c in cands for w in c]
    if not flat:
        return [SenseChoice(None, False, h) for h in hows]
    universe = sorted(set(flat) | ({category} if category else set()))
    index = {w: i for i, w in enumerate(universe)}
    lin = np.nan_to_num(lin_matrix(wn, universe, str(opts["measure"])))
    out = []
    margin = float(opts["rank_decay"])  # ambiguous: closer than one step of WordNet's order
    for i, mine in enumerate(cands):
        if not mine:
            out.append(SenseChoice(None, False, hows[i]))
            continue
        rows = [index[w] for w in mine]
        score = -float(opts["rank_decay"]) * np.arange(len(mine), dtype=np.float64)
        if category:
            score += float(opts["context_weight"]) * lin[rows, index[category]]
        others = [[index[w] for w in c] for j, c in enumerate(cands) if j != i and c]
        if others:
            score += float(opts["sibling_weight"]) * np.mean(
                [lin[np.ix_(rows, cols)].max(axis=1) for cols in others], axis=0
            )
        if kinds and i < len(kinds) and kinds[i] and len(mine) > 1:
            score += float(opts["kinds_weight"]) * np.array(_below_share(wn, mine, kinds[i]))
        bag = _words(" ".join([context or "", *(n for j, n in enumerate(names) if j != i)])) - _words(names[i])
        if bag and len(mine) > 1:
            for r, wnid in enumerate(mine):
                synset = wn.synset(wnid)
                score[r] += float(opts["gloss_weight"]) * len(
                    _words(synset.gloss + " " + " ".join(synset.lemmas)) & bag
                )
        order = sorted(range(len(mine)), key=lambda r: (-round(float(score[r]), 9), r))
        gap = float(score[order[0]] - score[order[1]]) if len(order) > 1 else 1.0
        out.append(SenseChoice(mine[order[0]], gap < margin, hows[i], round(gap, 6), tuple(mine)))
    return out
