"""The data types that plugins and the host exchange."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable, NamedTuple, Optional, Sequence


class Node(NamedTuple):
    """One category or term of a dataset (immutable; a named tuple because a
    plugin builds one per node, 11,166 for Tencent, at half a frozen dataclass's cost).

    ``id`` is stable across runs (for WordNet-backed data the WNID such as
    ``n02084071``); ``name`` is what the wildcard file shows; ``synonyms``
    are the other names (used to disambiguate siblings); ``gloss`` becomes the
    ``# instruction:`` comment; ``synset`` is the WordNet id behind the node,
    if any, which smart shaping and arrangement use.
    """

    id: str
    name: str
    synonyms: tuple = ()
    gloss: Optional[str] = None
    synset: Optional[str] = None


@dataclass
class Dataset:
    """A dataset a plugin provides.

    :param name: the CLI name (``wildcards-gen dataset NAME``).
    :param help: one line for listings and ``--help``.
    :param find_roots: ``find_roots(run) -> list[Node]``; raise
        :class:`wildcards_gen.UsageError` for bad options.
    :param options: extra :mod:`click` parameters; their values arrive in
        ``run.options`` under the parameter names.
    :param presets: smart-shaping preset overrides, ``{name: {setting: value}}``.
    :param skip_nodes: default ``--skip-nodes`` for smart presets (ids or names).
    :param header: lines written as comments at the top of the output
        (attribution of the source data, for instance).
    :param parallel_walk: walk sibling subtrees on the shared pool. Keep it
        when ``iter_children`` waits on I/O or native code; turn it off when it
        answers from memory in pure Python, where threads under the GIL only
        add hand-offs (Tencent's walk: 0.10 s inline, 0.16 s on two threads).
    """

    name: str
    help: str
    find_roots: Callable[["Run"], Sequence[Node]]
    options: list = field(default_factory=list)
    presets: dict = field(default_factory=dict)
    skip_nodes: tuple = ()
    header: tuple = ()
    parallel_walk: bool = True
    plugin: str = ""


@dataclass
class Category:
    """A category key of the output: sub-categories and/or a list of items."""

    name: str
    instruction: Optional[str] = None
    id: Optional[str] = None
    synset: Optional[str] = None
    synonyms: tuple = ()
    children: list = field(default_factory=list)
    items: list = field(default_factory=list)
    # where the instruction came from: "gloss" (WordNet), "fallback" (no gloss known),
    # "derived" (from the parent's, for other_<parent> lists); the report counts each
    instruction_kind: Optional[str] = None

    def walk(self):
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
    terms: list
    instruction: Optional[str] = None
    synset: Optional[str] = None


@dataclass
class Run:
    """Everything a plugin may need during one generation."""

    dataset: str
    options: dict
    stats: Any
    cache_dir: Any
    verbose: int = 0

    @cached_property
    def wordnet(self):
        """The shared WordNet 3.0 API (see :mod:`wildcards_gen.wordnet`)."""
        from wildcards_gen import wordnet

        wn = wordnet.get(self.verbose)
        self.log(f"WordNet 3.0 from {wn.origin}; snapshot {wn.path}")
        return wn

    def log(self, message: str, level: int = 1) -> None:
        """Print ``message`` to stderr when ``-v`` is at least ``level``."""
        if self.verbose >= level:
            import click

            click.echo(message, err=True)
