"""Hook specifications: the whole contract between wildcards-gen and its plugins.

A plugin is a module (or object) with functions decorated by
``wildcards_gen.hookimpl`` whose names match the specifications below.
Install it with an entry point in the ``wildcards_gen`` group::

    [project.entry-points.wildcards_gen]
    mydataset = "my_package.plugin"

Every hook may be called from several threads at once, after all plugins have
been registered; implementations must not register or unregister plugins.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("wildcards_gen")


@hookspec
def register_datasets(register):
    """Declare the datasets this plugin provides.

    Called once, on the main thread, before any dataset runs.

    :param register: call ``register(Dataset(...))`` once per dataset. A name
        that another plugin already registered is an error naming both plugins.
    """


@hookspec(firstresult=True)
def iter_children(dataset, node, run):
    """Return the children of ``node`` in ``dataset``.

    The plugin that owns ``dataset`` answers; every other plugin returns None.
    Stops at the first non-None result.

    :param dataset: the dataset name, e.g. ``"imagenet"``.
    :param node: a :class:`wildcards_gen.Node` this plugin returned earlier
        (from ``Dataset.find_roots`` or from this hook).
    :param run: the :class:`wildcards_gen.Run` of this generation: options,
        stats collector, WordNet access, cache folder.
    :returns: a list of :class:`wildcards_gen.Node` in the dataset's own order
        (an empty list for a leaf), or None if the dataset is not this plugin's.

    Called once per node, on the pool's threads unless the dataset sets
    ``parallel_walk=False``. For speed the host calls the implementations
    directly, in pluggy's order; a hook wrapper makes it go through pluggy.
    """


@hookspec
def register_embedders(register):
    """Declare the embedders this plugin provides.

    :param register: call ``register(name, description)`` once per embedder;
        ``--embedder NAME`` selects one and ``wildcards-gen plugins`` lists it.
    """


@hookspec(firstresult=True)
def embed_batch(texts, embedder, model, options):
    """Return one vector per text.

    Stops at the first non-None result.

    :param texts: a list of strings, in the order the vectors must follow.
    :param embedder: the selected embedder name (``--embedder``); answer only
        for your own names and return None otherwise.
    :param model: the model name or folder (``--embed-model``), or None.
    :param options: a dict of run options (``batch_size`` among them).
    :returns: a sequence of equal-length float vectors (a 2-D numpy array is
        fine), one per text, or None.
    """


@hookspec(firstresult=True)
def arrange(name, terms, vectors, run):
    """Group a flat list of terms into named sub-groups.

    The host's own implementation (HDBSCAN + WordNet naming) is registered
    with ``trylast=True``, so a plugin implementation runs first.
    Stops at the first non-None result.

    :param name: the category whose list is being arranged (used to avoid
        naming a group after its own parent).
    :param terms: the list of terms, sorted.
    :param vectors: their embeddings, row ``i`` for ``terms[i]``.
    :param run: the :class:`wildcards_gen.Run`.
    :returns: a list of :class:`wildcards_gen.Group` covering every term
        exactly once, or None to leave the list as it is.
    """
