"""WordNet measures for arrangement: hypernym closures, information content, Lin similarity.

Information content is WordNet's intrinsic one (Seco et al. 2004):
``IC(c) = 1 - log(1 + descendants(c)) / log(1 + descendants(entity))``, 0 at the
root and 1 for a leaf, so ``artifact`` (0.19) says little and ``dog`` (0.6) a lot.
The counts of descendants come from the WordNet snapshot (``WordNet.subtree_sizes``).
Everything is memoised and safe to share between threads (a lost race only
computes a value twice).
"""

from __future__ import annotations

import math
import threading
from typing import Any

_closure_memo: dict[str, frozenset] = {}
_tables: dict[int, tuple[dict, dict]] = {}
_tables_lock = threading.Lock()


def closure(wn: Any, wnid: str) -> frozenset:
    """``wnid`` and every hypernym above it (regular and instance), memoised per synset.

    Built from the parents' memoised sets; WordNet's noun hierarchy is at most
    20 levels deep, so the recursion is shallow.
    """
    hit = _closure_memo.get(wnid)
    if hit is None:
        synset = wn.synset(wnid)
        found = {wnid}
        for parent in (synset.hypernyms + synset.instance_hypernyms) if synset is not None else ():
            found |= closure(wn, parent)
        hit = _closure_memo[wnid] = frozenset(found)
    return hit


def _ic_tables(wn: Any) -> tuple[dict, dict]:
    """``(ic, size)`` per WNID; ``size`` is 1 + the number of descendants."""
    key = id(wn)
    hit = _tables.get(key)
    if hit is not None:
        return hit
    with _tables_lock:
        hit = _tables.get(key)
        if hit is not None:
            return hit
        size = wn.subtree_sizes()  # stored in the snapshot
        top = math.log(max(size.values()))
        hit = ({w: 1.0 - math.log(n) / top for w, n in size.items()}, size)
        _tables[key] = hit
        return hit


def information_content(wn: Any) -> dict[str, float]:
    """``{wnid: IC}`` for every noun synset."""
    return _ic_tables(wn)[0]


def subtree_size(wn: Any) -> dict[str, int]:
    """``{wnid: 1 + number of synsets below it}``."""
    return _ic_tables(wn)[1]


_steps: dict[str, float] = {}


def _ic_step(wn: Any, wnid: str, ic: dict) -> float:
    """What a node adds to the information its parents already carry (>= 0), memoised."""
    hit = _steps.get(wnid)
    if hit is None:
        synset = wn.synset(wnid)
        base = max([0.0] + [ic.get(p, 0.0) for p in synset.hypernyms + synset.instance_hypernyms])
        hit = _steps[wnid] = max(0.0, ic.get(wnid, 1.0) - base)
    return hit


def lin_matrix(wn: Any, wnids: list, measure: str = "lin") -> Any:
    """Lin similarity ``2 IC(lcs) / (IC(a) + IC(b))`` between synsets; NaN where a WNID is None.

    ``measure="resnik"``: ``IC(lcs)`` itself, divided by the largest IC in WordNet (0 to 1).

    IC(lcs) comes from one sparse product: closure indicator rows weighted by each
    node's information step, whose dot product is IC(lcs) on a tree (about it on
    WordNet's graph).
    """
    import numpy as np
    from scipy import sparse

    n = len(wnids)
    out = np.full((n, n), np.nan)
    idx = [i for i, w in enumerate(wnids) if w is not None]
    if not idx:
        return out
    ic = information_content(wn)
    col: dict[str, int] = {}
    rows, cols, vals = [], [], []
    for i, k in enumerate(idx):
        for a in sorted(closure(wn, wnids[k])):
            rows.append(i)
            cols.append(col.setdefault(a, len(col)))
            vals.append(_ic_step(wn, a, ic))
    M = sparse.csr_matrix((vals, (rows, cols)), shape=(len(idx), len(col)), dtype=np.float64)
    dot = (M @ M.T).toarray()
    if measure == "resnik":
        out[np.ix_(idx, idx)] = dot / max(ic.values())
        return out
    own = np.diag(dot)
    out[np.ix_(idx, idx)] = 2.0 * dot / np.maximum(own[:, None] + own[None, :], 1e-9)
    return out
