"""The ``wordnet`` embedder: vectors from WordNet's hypernym closure, no model weights.

A text that names a synset (``dog.n.01``, ``n02084071``) or a noun lemma
(first sense) becomes the hashed sum of its synset and every ancestor, each
weighted by how deep it sits, so two terms are as close as the specific
ancestors they share. A text WordNet does not know borrows its words'
synsets (the last word, the head of an English noun phrase, counting most);
failing that, hashed tokens. Deterministic, no model weights: the default embedder when
sentence-transformers is not installed.
"""

from __future__ import annotations

import re
import threading

from wildcards_gen import hookimpl

NAME = "wordnet"
DIM = 1024
DEPTH_POWER = 1.5
MODEL_ID = f"hypernym-hash-v1-d{DIM}-p{DEPTH_POWER}"
_WORD = re.compile(r"[a-z0-9]+")

_memo: dict[str, dict] = {}
_memo_lock = threading.Lock()


@hookimpl
def register_embedders(register):
    register(
        NAME,
        "WordNet hypernym-closure vectors (no model weights; deterministic)",
        model_key=lambda model: MODEL_ID,
        input="synset",
    )


@hookimpl
def embed_batch(texts, embedder, model, options):
    if embedder != NAME:
        return None
    import numpy as np

    from wildcards_gen import wordnet

    wn = wordnet.get()
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    for row, text in enumerate(texts):
        for index, value in features(wn, text).items():
            out[row, index] += value
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return out / norms


def _slot(key: str) -> tuple[int, float]:
    import hashlib  # here, not at the top: every CLI start imports this plugin

    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()
    number = int.from_bytes(digest, "little")
    return number % DIM, (1.0 if (number >> 40) & 1 else -1.0)


def synset_features(wn, wnid: str) -> dict:
    """``{slot: weight}`` for a synset and its ancestors (memoised, thread-safe)."""
    hit = _memo.get(wnid)
    if hit is not None:
        return hit
    feats: dict[int, float] = {}
    for node in {wnid} | wn.ancestors(wnid):
        synset = wn.synset(node)
        slot, sign = _slot(node)
        feats[slot] = feats.get(slot, 0.0) + sign * float(synset.min_depth + 1) ** DEPTH_POWER
    with _memo_lock:
        _memo[wnid] = feats
    return feats


def term_synset(wn, text: str):
    """The synset a text names: a synset id or name, else the lemma's first sense."""
    synset = wn.synset(text) if text else None
    if synset is not None:
        return synset
    return wn.primary(text)


def features(wn, text: str) -> dict:
    synset = term_synset(wn, text.strip())
    if synset is not None:
        return synset_features(wn, synset.wnid)
    words = _WORD.findall(text.lower())
    feats: dict[int, float] = {}
    found = False
    for position, word in enumerate(words):
        sense = wn.primary(word) if len(word) > 2 else None
        if sense is None:
            continue
        found = True
        weight = 1.0 if position == len(words) - 1 else 0.5  # the head noun counts most
        for slot, value in synset_features(wn, sense.wnid).items():
            feats[slot] = feats.get(slot, 0.0) + weight * value
    if found:
        return feats
    for word in words or [text]:
        slot, sign = _slot("token:" + word)
        feats[slot] = feats.get(slot, 0.0) + sign
    return feats
