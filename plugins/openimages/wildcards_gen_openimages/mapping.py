"""Open Images class names to WordNet synsets, through the host's shared mapper.

Open Images ids are Freebase ids (``/m/0bt9lr``), not WordNet's, so each
display name is mapped with ``run.wordnet.match_all(names, context)``: one
parent's children together, with the parent's name as context, for the
boxable hierarchy; the whole label list, in groups, for ``--labels all``.

What a choice means here:

- ``exact`` or ``compound``: the class's own synset (``Node.synset``), whose
  gloss becomes the key's instruction;
- ``head``: WordNet knows only the head phrase ("Land vehicle": vehicle), so
  the class has no synset of its own; it is a kind of the head, and is
  reported with it (some heads are wrong: "Vehicle registration plate" finds
  home plate, so the head's sense never stands for the class);
- none: WordNet has no noun for it ("Nightstand").

Each unmapped and each ambiguous choice is an event of the run report.
"""

from __future__ import annotations

from typing import NamedTuple

OWN = ("exact", "compound")
GROUP_SIZE = 2_000  # names per match_all call for long lists: its agreement model holds a names x synsets matrix


class Mapped(NamedTuple):
    """One class name's place in WordNet."""

    synset: str | None  # the class's own synset
    head: str | None  # for a head match: the synset of the head phrase
    how: str | None
    ambiguous: bool
    candidates: tuple


def of(choice) -> Mapped:
    if choice.wnid is None:
        return Mapped(None, None, None, False, ())
    if choice.how in OWN:
        return Mapped(choice.wnid, None, choice.how, bool(choice.ambiguous), tuple(choice.candidates))
    return Mapped(None, choice.wnid, choice.how, bool(choice.ambiguous), tuple(choice.candidates))


def match(wn, names: list[str], context: str | None, kinds: list | None = None) -> list[Mapped]:
    """Every name mapped, ``GROUP_SIZE`` at a time (in the order given: Open Images' ids are in no
    semantic order); ``kinds``: each name's own kinds' names, which its sense should lie above."""
    if not names:
        return []
    groups = -(-len(names) // GROUP_SIZE)
    size = -(-len(names) // groups)  # equal groups, none tiny
    out: list[Mapped] = []
    for start in range(0, len(names), size):
        part = kinds[start : start + size] if kinds else None
        out.extend(of(choice) for choice in wn.match_all(names[start : start + size], context, part))
    return out


def instruction(wn, mapped: Mapped) -> str | None:
    """The key's instruction: its synset's gloss; for a head match, what it is a kind of."""
    if mapped.synset:
        synset = wn.synset(mapped.synset)
        return synset.gloss if synset is not None else None
    if mapped.head:
        head = wn.synset(mapped.head)
        if head is not None:
            return f"A kind of {head.display}: {head.gloss}"
    return None


def report(run, label: str, name: str, mapped: Mapped, context: str | None) -> None:
    """Record an unmapped or ambiguous class in the run report."""
    wn = run.wordnet
    if mapped.synset is None:
        run.stats.event(
            "unmapped_class",
            id=label,
            name=name,
            parent=context,
            how=mapped.how,
            head=wn.synset(mapped.head).name if mapped.head else None,
        )
    elif mapped.ambiguous:
        run.stats.event(
            "ambiguous_class",
            id=label,
            name=name,
            parent=context,
            synset=wn.synset(mapped.synset).name,
            candidates=[wn.synset(c).name for c in mapped.candidates],
        )


def count(run, mapped: dict[str, Mapped]) -> None:
    """Per distinct class: mapped to its own synset, kinds of a head only, unmapped, ambiguous somewhere."""
    stats = run.stats
    stats.incr("openimages.classes", len(mapped))
    stats.incr("openimages.mapped", sum(1 for m in mapped.values() if m.synset))
    stats.incr("openimages.head_only", sum(1 for m in mapped.values() if m.synset is None and m.head))
    stats.incr("openimages.unmapped", sum(1 for m in mapped.values() if m.synset is None))
    stats.incr("openimages.ambiguous", sum(1 for m in mapped.values() if m.synset and m.ambiguous))
