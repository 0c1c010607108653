"""Where the tool keeps its cache (WordNet snapshot, class lists, embeddings)."""

import os
from pathlib import Path

from wildcards_gen.errors import DataError


def cache_dir() -> Path:
    """The cache folder: ``$WILDCARDS_GEN_CACHE``, else the platform's user cache dir.

    A folder that cannot be created is a one-line :class:`DataError` naming it. The first call
    of a process removes the temporary files that dead processes left there (:mod:`cache_files`).
    """
    override = os.environ.get("WILDCARDS_GEN_CACHE")
    if override:
        path = Path(override)
    else:
        import platformdirs

        path = Path(platformdirs.user_cache_dir("wildcards-gen"))
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(
            f"cannot create the cache folder {path} ({exc.strerror or exc}); "
            "set WILDCARDS_GEN_CACHE to a folder you can write to"
        ) from exc
    from wildcards_gen import cache_files

    cache_files.clean_once(path)  # temporary files of processes killed while writing
    return path
