"""What a COCO category name shows in a wildcard file, and the text WordNet is asked about.

COCO-Stuff and COCO panoptic write conventions into their names: ``-stuff`` marks a stuff
class whose word a thing class already uses (``desk-stuff``), ``-merged`` a panoptic class
that merges several COCO-Stuff ones (``tree-merged``), ``X-other`` the rest of
supercategory X (``wall-other``), ``X-material`` a kind of X (``floor-wood``: a wooden
floor), and two compounds are closed up (``playingfield``, ``waterdrops``). A prompt
wants what a person would write (``wood floor``, ``playing field``); WordNet wants the
word the class is a kind of (``floor``). Nothing here chooses a sense: that is
``WordNet.match_all``'s job.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from wildcards_gen.senses import candidates

_SUFFIXES = ("-merged", "-stuff")  # panoptic's, then COCO-Stuff's: "sky-other-merged" -> "sky-other"
_OTHER = "-other"


class Name(NamedTuple):
    """A category name prepared: ``display`` for the file, ``match`` for WordNet.

    ``of_supercategory``: the class is its supercategory's remainder (``wall-other``) or a
    kind of it named by material (``floor-wood``), so it means what its supercategory means.
    """

    display: str
    match: str
    of_supercategory: bool = False


def base(text: str) -> str:
    """The name without COCO's disambiguating suffixes, spaces for underscores, one space between words."""
    name = " ".join(text.replace("_", " ").split())
    changed = True
    while changed:
        changed = False
        for suffix in _SUFFIXES:
            if name.lower().endswith(suffix) and len(name) > len(suffix):
                name, changed = name[: -len(suffix)].rstrip(), True
    return name


def supercategory(text: str) -> str:
    """A supercategory key as a prompt would write it: ``raw-material`` -> raw material, ``food-stuff`` -> food."""
    return base(text).replace("-", " ").strip() or text.strip()


def category(text: str, parent: str | None, wn: Any) -> Name:
    """``text`` (a category name) prepared under the supercategory shown as ``parent``."""
    name = base(text) or text.strip()
    head_of = parent.casefold() if parent else None
    rest = " ".join(name[: -len(_OTHER)].replace("-", " ").split()) if name.lower().endswith(_OTHER) else ""
    if rest:
        if rest.casefold() == head_of:
            return Name(rest, parent or rest, True)
        return Name(rest, rest)
    head, _, modifier = name.partition("-")
    modifier = " ".join(modifier.replace("-", " ").split())
    if modifier and head_of and head.casefold() == head_of:
        joined = f"{head} {modifier}"
        if _known(wn, joined):  # window-blind: WordNet's "window blind"
            return Name(joined, joined)
        return Name(f"{modifier} {head}", parent or head, True)  # floor-wood: a wood floor
    if head_of and name.casefold() == head_of:
        return Name(name, parent or name, True)  # person under person: the supercategory itself
    split = _split_closed(wn, name)
    return Name(split, split) if split else Name(name, name)


def _known(wn: Any, text: str) -> bool:
    """WordNet has ``text`` (or its singular) as a noun of its own, not only its head."""
    return candidates(wn, text)[1] == "exact"


def _split_closed(wn: Any, word: str) -> str | None:
    """A closed compound WordNet does not know, as two words it does: ``playingfield`` -> playing field."""
    if not word.isalpha() or len(word) < 6 or _known(wn, word):
        return None
    for cut in range(3, len(word) - 2):
        left, right = word[:cut], word[cut:]
        if _known(wn, left) and _known(wn, right):
            return f"{left} {right}"
    return None
