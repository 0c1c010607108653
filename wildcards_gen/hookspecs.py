"""Hook specifications: the whole contract between wildcards-gen and its plugins.

A plugin is a module (or object) with functions decorated by
``wildcards_gen.hookimpl`` whose names match the specifications below.
Install it with an entry point in the ``wildcards_gen`` group::

    [project.entry-points.wildcards_gen]
    mydataset = "my_package.plugin"

An implementation may declare fewer arguments than its specification (the
host passes only the ones it declares), and hook wrappers are honoured.

Every hook may be called from several threads at once, after all plugins have
been registered; implementations must not register or unregister plugins.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click

    from wildcards_gen.model import ArrangeContext, Dataset, Group, Node, Run

hookspec = pluggy.HookspecMarker("wildcards_gen")


@hookspec
def register_datasets(register: Callable[[Dataset], None]) -> None:
    """Declare the datasets this plugin provides.

    Called once, on the main thread, before any dataset runs.

    :param register: call ``register(Dataset(...))`` once per dataset. A name
        that another plugin also registers becomes ambiguous: using it is an
        error naming both plugins, every other dataset keeps working.
        A dataset whose ``presets`` break the preset contract (see
        :class:`wildcards_gen.Dataset`) is listed as unusable by
        ``wildcards-gen plugins``.
    """


@hookspec(firstresult=True)
def iter_children(dataset: str, node: Node, run: Run) -> Sequence[Node] | None:
    """Return the children of ``node`` in ``dataset``.

    The plugin that owns ``dataset`` answers; every other plugin returns None.
    Stops at the first non-None result.

    :param dataset: the dataset name, e.g. ``"imagenet"``.
    :param node: a :class:`wildcards_gen.Node` this plugin returned earlier
        (from ``Dataset.find_roots`` or from this hook).
    :param run: the :class:`wildcards_gen.Run` of this generation: options,
        stats collector, WordNet access, cache folder, ``state`` for your own
        per-run data.
    :returns: a list of :class:`wildcards_gen.Node` in the dataset's own order
        (an empty list for a leaf), or None if the dataset is not this plugin's.
        Every element must be a ``Node`` with a non-empty string ``id`` and
        ``name``; a node that is its own ancestor is reported as a cycle.

    Called once per node, on the pool's threads unless the dataset sets
    ``parallel_walk=False``. Trees of any depth are walked without recursion.
    """


@hookspec
def register_embedders(register: Callable[..., None]) -> None:
    """Declare the embedders this plugin provides.

    :param register: call ``register(name, description, model_key=None,
        input="text", template="{}")`` once per embedder; ``--embedder NAME``
        selects one and ``wildcards-gen plugins`` lists it. ``model_key(model) ->
        str`` names the model in the embedding cache (default: ``--embed-model``
        as given, or ``""``); change it whenever your vectors change.
        ``input="synset"`` declares an embedder of WordNet synsets: it is given
        each term's chosen sense as a synset name (``dog.n.01``), or the term
        when WordNet does not know it. A text embedder is given the terms (for
        outliers), ``template.format(term)`` (for arrangement; e.g. ``"a photo
        of a {}"``) and ``"<lemma>: <gloss>"`` for each candidate sense of a
        term with several.
    """


@hookspec(firstresult=True)
def embed_batch(texts: list[str], embedder: str, model: str | None, options: dict[str, Any]) -> Any:
    """Return one vector per text.

    Stops at the first non-None result.

    :param texts: a list of strings, in the order the vectors must follow.
    :param embedder: the selected embedder name (``--embedder``); answer only
        for the names you registered and return None otherwise (an answer for
        another plugin's embedder is an error).
    :param model: the model name or folder (``--embed-model``), or None.
    :param options: a dict of run options (``batch_size``, ``threads``,
        ``cache_dir`` among them).
    :returns: a sequence of equal-length finite float vectors (a 2-D numpy
        array is fine), one per text, or None.
    """


@hookspec
def register_arrangers(register: Callable[..., None]) -> None:
    """Declare the arrangers this plugin provides.

    :param register: call ``register(name, description, options=())`` once
        per arranger; ``--arranger NAME`` selects one and ``wildcards-gen
        plugins`` lists it. ``options`` is a list of :class:`click.Option`
        added to every command that arranges (name them ``--<arranger>-...``;
        a name the host or another arranger uses makes the arranger
        unusable); their values arrive in ``run.options``.
    """


@hookspec(firstresult=True)
def arrange(
    arranger: str, name: str, terms: list[str], vectors: Any, context: ArrangeContext, run: Run
) -> Sequence[Group] | None:
    """Group a flat list of terms into named sub-groups.

    Stops at the first non-None result.

    :param arranger: the selected arranger name (``--arranger``); answer only
        for the names you registered and return None otherwise.
    :param name: the category whose list is being arranged (a group must not
        be named like it).
    :param terms: the list of terms, sorted, without duplicates.
    :param vectors: their embeddings (a numpy array), row ``i`` for ``terms[i]``.
    :param context: a :class:`wildcards_gen.ArrangeContext`: the list's
        category synset, each term's WordNet sense chosen in context, the
        names already taken by the category's other children, and the level.
    :param run: the :class:`wildcards_gen.Run`.
    :returns: a list of :class:`wildcards_gen.Group` covering every term
        exactly once, or None to leave the list as it is. A group larger than
        ``--semantic-arrange-max-group`` is arranged again, one level deeper.

    With several workers this runs in worker processes forked from the main one
    (the plugin is already loaded there); what it records in ``run.stats`` is
    merged into the run's report.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add commands (or a group of them) to the ``wildcards-gen`` CLI.

    Called once, on the main thread, each time the CLI is built, after the
    host's own commands. Add with ``cli.command()``, ``cli.group()`` or
    ``cli.add_command(...)``; every command added gets ``-v``/``-q``, and a
    :class:`wildcards_gen.WildcardsError` it raises becomes the usual one-line
    ``Error:``. Import heavy modules inside the command, not at registration:
    the CLI is built for every invocation, ``--help`` included.

    :param cli: the root :class:`click.Group`. A command named like one that is
        already there (the host's, or an earlier plugin's) is refused: the
        plugin is reported as broken and the existing command stays.
    """
