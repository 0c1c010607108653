"""Each category's WordNet synset, chosen in its supercategory's context by the host's mapper.

One ``run.wordnet.match_all`` call per supercategory, with its name as the context: "mouse"
under electronic is the computer mouse, "orange" under food the fruit. The supercategory's
own name is matched too, its categories as siblings ("plant" among tree, grass and moss is
the organism), and names its key, unless that sense is an abstraction while its categories
are physical things (WordNet's only "sport" is an activity; COCO's sports are balls and
boards): then the key gets the host's "Kinds of X." instead. A class that is the
supercategory's remainder or a kind of it by material (``wall-other``, ``floor-wood``) means
what the supercategory means. Nothing is decided here that the mapper could decide.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from wildcards_gen_coco.names import Name

PHYSICAL = "physical_entity.n.01"
ABSTRACT = "abstraction.n.06"


class Choice(NamedTuple):
    """A name's synset (``wnid`` None: WordNet has no noun for it) and how the mapper found it.

    ``how``: the mapper's ``exact``, ``compound`` or ``head``, or ``supercategory`` for a
    class that takes its supercategory's sense.
    """

    wnid: str | None
    how: str | None
    ambiguous: bool = False


NONE = Choice(None, None)


class GroupSenses(NamedTuple):
    """The senses of one supercategory and its categories (in the order given)."""

    supercategory: Choice
    categories: list[Choice]
    rejected: str | None = None  # the supercategory's sense when it was not used for the key


def senses_of(wn: Any, parent: str | None, names: Sequence[Name]) -> GroupSenses:
    """Map one supercategory (``parent``, as shown; None: no supercategory) and its categories' ``names``."""
    texts = list(dict.fromkeys(n.match for n in names if not n.of_supercategory))
    chosen = {text: _choice(c) for text, c in zip(texts, wn.match_all(texts, parent))} if texts else {}
    top, rejected = NONE, None
    if parent:
        top = _choice(wn.match(parent, None, siblings=texts))
        members = [c.wnid for c in chosen.values() if c.wnid]
        if top.wnid and abstract_over_things(wn, top.wnid, members):
            top, rejected = NONE, top.wnid
    out = []
    for name in names:
        if name.of_supercategory:
            out.append(Choice(top.wnid, "supercategory", top.ambiguous) if top.wnid else NONE)
        else:
            out.append(chosen[name.match])
    return GroupSenses(top, out, rejected)


def abstract_over_things(wn: Any, sense: str, members: Sequence[str]) -> bool:
    """True when ``sense`` is an abstraction and most of ``members`` are physical things."""
    physical, abstract = wn.synset(PHYSICAL).wnid, wn.synset(ABSTRACT).wnid
    if not members or wn.is_below(sense, physical) or not wn.is_below(sense, abstract):
        return False
    return 2 * sum(wn.is_below(m, physical) for m in members) > len(members)


def _choice(sense: Any) -> Choice:
    return Choice(sense.wnid, sense.how, bool(sense.ambiguous)) if sense.wnid else Choice(None, sense.how)
