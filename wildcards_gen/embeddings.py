"""The one way to get embeddings: resolve the embedder, read the cache, embed only what is missing.

``embed_texts(texts, run_or_options, registry=None)`` returns a float32 numpy
array, row ``i`` for ``texts[i]``. It deduplicates the texts, takes what the
persistent cache (:mod:`wildcards_gen.embedding_cache`) already holds, and
calls the ``embed_batch`` hook once for the rest, then stores the new vectors.
Arrangement and lint both use it, so every caller shares the cache and the
counters ``embeddings.requested``, ``embeddings.cache_hits``,
``embeddings.embedded`` and ``embeddings.cache_damaged`` (stored rows that
failed their check, embedded again and rewritten) in the run report.

Options it reads (the CLI names them ``--embedder``, ``--embed-model``,
``--embed-batch-size``, ``--embed-threads``): ``embedder``, ``embed_model``,
``embed_batch_size``, ``embed_threads``, and ``embed_cache`` (False skips the
cache). numpy is imported here only, inside functions.
"""

from __future__ import annotations

import importlib.util
import math
import os

from wildcards_gen.errors import PluginError, UsageError

FALLBACK_EMBEDDER = "wordnet"  # no weights needed
PREFERRED_EMBEDDER = "sentence-transformers"  # better on lists whose structure WordNet does not know
DEFAULT_BATCH_SIZE = 64


def sentence_transformers_installed() -> bool:
    try:
        return importlib.util.find_spec("sentence_transformers") is not None
    except (ImportError, ValueError):
        return False


def require_numpy(what: str, also: tuple[str, ...] = ()) -> None:
    """numpy (and ``also``) must be installed; else a one-line error naming the extra that brings them."""
    missing = [m for m in ("numpy", *also) if importlib.util.find_spec(m) is None]
    if missing:
        raise UsageError(f"{what} needs {', '.join(missing)}: pip install 'wildcards-gen[arrange]'")


def _registry(registry):
    if registry is None:
        from wildcards_gen.plugins import get_registry

        registry = get_registry()
    return registry


def resolve_embedder(options: dict, registry=None) -> str:
    """The selected embedder name, checked against what the plugins registered."""
    registry = _registry(registry)
    name = options.get("embedder") or default_embedder(registry)
    try:
        registry.embedder(name)
    except UsageError as exc:
        if name == "sentence-transformers" and not sentence_transformers_installed():
            raise UsageError(
                f"{exc}; sentence-transformers is not installed: pip install 'wildcards-gen[embeddings]'"
            ) from None
        raise
    return name


def default_embedder(registry=None) -> str:
    """all-MiniLM-L6-v2 (sentence-transformers) when installed: it arranges lists nobody wrote
    for WordNet better (Open Images: ARI 0.78 against 0.66); else the ``wordnet`` embedder."""
    available = _registry(registry).embedders
    return PREFERRED_EMBEDDER if PREFERRED_EMBEDDER in available else FALLBACK_EMBEDDER


def embedder_input(embedder: str, registry=None) -> tuple[str, str]:
    """What the embedder embeds (``"text"`` or ``"synset"``) and its template for arranged terms
    (see the ``register_embedders`` hook)."""
    found = _registry(registry).embedder(embedder)
    return found.input, found.template


def model_id(embedder: str, model: str | None, registry=None) -> str:
    """The model part of the cache key, as the embedder's plugin names it."""
    return _registry(registry).embedder(embedder).cache_model(model)


def _split(run_or_options):
    """``(options, stats)`` from a Run or a plain options dict."""
    options = getattr(run_or_options, "options", None)
    if options is None:
        return dict(run_or_options or {}), None, None
    return options, run_or_options.stats, getattr(run_or_options, "cache_dir", None)


def embed_texts(texts, run_or_options, registry=None):
    """Vectors for ``texts`` (float32 numpy array, one row per text, in order).

    :param texts: strings; duplicates are embedded once.
    :param run_or_options: a :class:`wildcards_gen.Run` (its options, stats and
        cache folder are used) or a plain dict of the options listed above.
    :param registry: the plugin registry; the process-wide one by default.
    :raises UsageError: unknown embedder.
    :raises PluginError: the embedder returned something that is not one
        finite vector per text.
    """
    require_numpy("embedding")
    import numpy as np

    from wildcards_gen import embedding_cache

    options, stats, cache_dir = _split(run_or_options)
    registry = _registry(registry)
    embedder = resolve_embedder(options, registry)
    model = options.get("embed_model")
    key_model = model_id(embedder, model, registry)
    texts = [str(t) for t in texts]
    unique = list(dict.fromkeys(texts))
    use_cache = options.get("embed_cache", True) is not False
    cache = embedding_cache.get_cache(cache_dir) if use_cache else None
    found, damaged = cache.lookup(embedder, key_model, unique) if cache is not None else ({}, [])
    missing = [t for t in unique if t not in found]
    if missing:
        vectors = _call_embed_batch(registry, missing, embedder, model, options, cache_dir)
        fresh = dict(zip(missing, vectors))
        stale = [t for t, v in found.items() if v.shape[0] != vectors[0].shape[0]]
        if stale:  # stored by an earlier build of the model, with another size: all of them again
            fresh.update(zip(stale, _call_embed_batch(registry, stale, embedder, model, options, cache_dir)))
            damaged += stale
            missing += stale
        if cache is not None:
            cache.put_many(embedder, key_model, fresh, replace=damaged)
        found.update(fresh)
    if damaged and cache is not None:
        embedding_cache.warn(
            f"embedding cache {cache.path}: {len(damaged)} stored vectors were damaged (wrong length, "
            "NaN or infinity) or of another size; computed again" + ("" if cache.read_only else " and rewritten")
        )
    if stats is not None:
        stats.incr("embeddings.requested", len(texts))
        stats.incr("embeddings.cache_hits", len(unique) - len(missing))
        stats.incr("embeddings.embedded", len(missing))
        if damaged:
            stats.incr("embeddings.cache_damaged", len(damaged))
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    dims = {found[t].shape[0] for t in unique}
    if len(dims) != 1:  # a cached vector from another model build with the same id
        raise PluginError(
            registry.embedder(embedder).plugin,
            f"embedder {embedder!r} gave vectors of different sizes {sorted(dims)}; run 'wildcards-gen cache clear --model {key_model}'",
        )
    out = np.empty((len(texts), dims.pop()), dtype=np.float32)
    for row, text in enumerate(texts):  # cheaper than np.stack of thousands of rows
        out[row] = found[text]
    return out


def _call_embed_batch(registry, texts, embedder, model, options, cache_dir=None):
    """Call the ``embed_batch`` hook for the chosen embedder; check the answer."""
    import numpy as np

    from wildcards_gen.plugins import call_first

    hook_options = dict(options)
    hook_options.setdefault("batch_size", options.get("embed_batch_size") or DEFAULT_BATCH_SIZE)
    # inference runs alone (the pool waits for it): it may use every CPU. Not tied to --workers, so
    # the vectors' last bits (and so the output) do not depend on it
    hook_options.setdefault("threads", options.get("embed_threads") or os.cpu_count())
    hook_options.setdefault("cache_dir", str(cache_dir) if cache_dir else None)
    owner = registry.embedder(embedder).plugin
    plugin, result = call_first(
        registry.pm.hook.embed_batch,
        "embed_batch failed",
        texts=list(texts),
        embedder=embedder,
        model=model,
        options=hook_options,
    )
    if result is None:
        raise PluginError(owner, f"no plugin answered embed_batch for embedder {embedder!r}")
    if plugin is not None and plugin != owner:
        raise PluginError(
            plugin,
            f"answered embed_batch for embedder {embedder!r}, which plugin {owner!r} "
            "declared; return None for embedders that are not your own",
        )
    plugin = plugin or owner
    try:
        arr = np.asarray(result, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise PluginError(plugin, f"embed_batch returned {type(result).__name__}, not vectors ({exc})") from exc
    if arr.ndim != 2 or arr.shape[0] != len(texts) or arr.shape[1] == 0:
        raise PluginError(
            plugin, f"embed_batch returned shape {arr.shape} for {len(texts)} texts; expected ({len(texts)}, dim)"
        )
    if not np.all(np.isfinite(arr)):
        raise PluginError(plugin, "embed_batch returned non-finite values (NaN or inf)")
    return list(arr)


def default_threads() -> int:
    """Half the CPUs: PyTorch's spinning OpenMP threads otherwise starve everything else."""
    import os

    return max(1, math.floor((os.cpu_count() or 2) / 2))
