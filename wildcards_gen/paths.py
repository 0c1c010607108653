"""Where the tool keeps its cache (WordNet corpus, snapshot, class lists, embeddings)."""

import os
from pathlib import Path


def cache_dir() -> Path:
    """The cache folder: ``$WILDCARDS_GEN_CACHE``, else the platform's user cache dir."""
    override = os.environ.get("WILDCARDS_GEN_CACHE")
    if override:
        path = Path(override)
    else:
        import platformdirs

        path = Path(platformdirs.user_cache_dir("wildcards-gen"))
    path.mkdir(parents=True, exist_ok=True)
    return path
