"""Finding a dataset root in WordNet as the user types: a WNID, a synset name, a name or a typo.

The same lookups as the command line's ``--root`` (:meth:`WordNet.resolve` and its
"did you mean"), returned as a list of candidates the page can show and pick from.
"""

from __future__ import annotations

from typing import Any

MAX_QUERY = 100  # characters: a root's name is a few words


def search(wn: Any, text: str, limit: int = 12) -> list[dict]:
    """Synsets matching ``text``, best first: the synset it names, the senses of the name, names
    that start with it, and close names when nothing else matched. Each says how it was found."""
    text = " ".join(text.split())[:MAX_QUERY]
    if not text:
        return []
    found: list[dict] = []
    seen: set[str] = set()

    def add(synset: Any, how: str) -> None:
        if synset is not None and synset.wnid not in seen and len(found) < limit:
            seen.add(synset.wnid)
            found.append(
                {
                    "wnid": synset.wnid,
                    "name": synset.name,
                    "lemmas": list(synset.lemmas),
                    "gloss": synset.gloss,
                    "how": how,
                }
            )

    add(wn.synset(text), "exact")
    for synset in wn.senses(text):
        add(synset, "name")
    for lemma in wn.lemmas_starting(text, limit):
        if lemma != text.lower().replace(" ", "_"):
            for synset in wn.senses(lemma)[:2]:
                add(synset, "starts with")
    if not found:
        for lemma in wn.close_lemmas(text):
            for synset in wn.senses(lemma)[:2]:
                add(synset, "did you mean")
    return found
