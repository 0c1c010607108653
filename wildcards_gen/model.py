"""The data types that plugins and the host exchange."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    import click

    from wildcards_gen.stats import Stats
    from wildcards_gen.wordnet import WordNet


class Node(NamedTuple):
    """One category or term of a dataset (immutable; a named tuple because a
    plugin builds one per node, 11,166 for Tencent, at half a frozen dataclass's cost).

    ``id`` is stable across runs and unique within the dataset (for
    WordNet-backed data the WNID such as ``n02084071``); ``name`` is what the
    wildcard file shows; both must be non-empty strings. ``synonyms`` are the
    other names (used to keep same-named siblings apart); ``gloss`` becomes the
    ``# instruction:`` comment; ``synset`` is the WordNet WNID behind the node,
    if any, which smart shaping and arrangement use.
    """

    id: str
    name: str
    synonyms: tuple[str, ...] = ()
    gloss: str | None = None
    synset: str | None = None


@dataclass
class Dataset:
    """A dataset a plugin provides.

    :param name: the CLI name (``wildcards-gen dataset NAME``).
    :param help: one line for listings and ``--help``.
    :param find_roots: ``find_roots(run) -> list[Node]``, at least one root;
        raise :class:`wildcards_gen.UsageError` for bad options.
    :param options: extra :mod:`click` parameters; their values arrive in
        ``run.options`` under the parameter names.
    :param presets: smart-shaping presets, ``{name: {setting: value}}``.
        Settings: ``min_depth`` (int >= 0), ``min_hyponyms`` (int >= 0),
        ``min_leaf`` (int >= 1), ``merge_orphans`` (bool), ``drop_self_items``
        (bool); the CLI spelling (``min-depth``) is accepted too. A built-in
        name (``ultra-detailed``, ``detailed``, ``balanced``, ``compact``,
        ``flat``, ``ultra-flat``) may be overridden in part; a new name adds a
        preset (it must set the three ``min_*`` thresholds) that ``--preset``
        offers for this dataset. A broken preset makes the dataset unusable
        (``wildcards-gen plugins`` says why); the others keep working.
    :param skip_nodes: default ``--skip-nodes`` for smart presets (ids or names).
    :param header: lines written as comments at the top of the output
        (attribution of the source data, for instance).
    :param parallel_walk: walk sibling subtrees on the shared pool. Keep it
        when ``iter_children`` waits on I/O or native code; turn it off when it
        answers from memory in pure Python, where threads under the GIL only
        add hand-offs.
    """

    name: str
    help: str
    find_roots: Callable[[Run], Sequence[Node]]
    options: list[click.Parameter] = field(default_factory=list)
    presets: dict[str, dict[str, Any]] = field(default_factory=dict)
    skip_nodes: tuple[str, ...] = ()
    header: tuple[str, ...] = ()
    parallel_walk: bool = True
    plugin: str = ""  # set by the host: the plugin that registered it


@dataclass
class Category:
    """A category key of the output: sub-categories and/or a list of items."""

    name: str
    instruction: str | None = None
    id: str | None = None
    synset: str | None = None
    synonyms: tuple[str, ...] = ()
    children: list[Category] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    # where the instruction came from: "gloss" (WordNet), "fallback" (no gloss known),
    # "derived" (from the parent's, for other_<parent> lists); the report counts each
    instruction_kind: str | None = None

    def walk(self) -> Iterator[Category]:
        """Yield this category and every category below it, depth first."""
        stack = [self]
        while stack:
            cat = stack.pop()
            yield cat
            stack.extend(reversed(cat.children))


@dataclass
class Group:
    """A named sub-group that ``arrange`` returns."""

    name: str
    terms: list[str]
    instruction: str | None = None
    synset: str | None = None


@dataclass(frozen=True)
class ArrangeContext:
    """What the host knows about a list beyond its terms and vectors (the ``arrange`` hook's ``context``).

    :param synset: the WNID of the list's category, or None when unknown.
    :param term_synsets: per term (same order as ``terms``), the WNID of the
        WordNet sense chosen for it in the context of its list, or None.
    :param taken: names already used by the category's other children; a
        group must not take one of them.
    :param level: 1 for a list, 2 when a large group is arranged again, and so on.
    :param ambiguous: per term, True when its sense was a close call.
    :param vectors_of: what the vectors embed: ``"text"`` (the terms) or
        ``"synset"`` (each term's chosen sense, for an embedder of WordNet synsets).
    """

    synset: str | None = None
    term_synsets: tuple[str | None, ...] = ()
    taken: tuple[str, ...] = ()
    level: int = 1
    ambiguous: tuple[bool, ...] = ()
    vectors_of: str = "text"


@dataclass
class Run:
    """Everything a plugin may need during one generation.

    ``state`` is for plugins' own per-run data (key it by your plugin's name);
    the run ends when the output is written, and ``state`` with it.
    """

    dataset: str
    options: dict[str, Any]
    stats: Stats
    cache_dir: Path
    verbose: int = 0
    quiet: bool = False
    state: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def wordnet(self) -> WordNet:
        """The shared WordNet 3.0 API (see :mod:`wildcards_gen.wordnet`)."""
        from wildcards_gen import wordnet

        wn = wordnet.get(self.verbose)
        self.log(f"WordNet 3.0 from {wn.origin}; snapshot {wn.path}")
        return wn

    def log(self, message: str, level: int = 1) -> None:
        """Print ``message`` to stderr when ``-v`` is at least ``level``."""
        if self.verbose >= level and not self.quiet:
            import click

            click.echo(message, err=True)

    def notice(self, message: str) -> None:
        """Print ``message`` to stderr unless ``-q`` (a choice the user should know about)."""
        if not self.quiet:
            import click

            click.echo(message, err=True)
