"""The checked hierarchy and its glosses, kept in the cache between runs.

Parsing and checking the 11,166 lines and fetching their glosses from WordNet
takes ~80 ms; reading them back from JSON takes ~30 ms. The stored copy is
keyed by the file (path, size, modification time) and the WordNet snapshot
(path, size, modification time), so a changed file or a rebuilt snapshot is
read afresh. Only a file that passed every check is stored. JSON, never pickle.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from wildcards_gen import DataError
from wildcards_gen_tencent import hierarchy

FORMAT = 1
NAME = "parsed-hierarchy.json"

_memo: dict[tuple, tuple] = {}  # key -> (hierarchy, glosses): one read per process
_lock = threading.Lock()


def key(path: Path, wordnet) -> list:
    source, snapshot = path.stat(), Path(wordnet.path).stat()
    return [
        FORMAT,
        str(path),
        source.st_size,
        source.st_mtime_ns,
        str(wordnet.path),
        snapshot.st_size,
        snapshot.st_mtime_ns,
    ]


def load(path: Path, run) -> tuple[hierarchy.Hierarchy, dict]:
    """``(hierarchy, {wnid: gloss})`` for the file at ``path``: memo, else stored copy, else parse."""
    path = Path(path).resolve()
    wordnet = run.wordnet
    try:
        current = key(path, wordnet)
    except OSError as exc:
        raise DataError(f"cannot read the Tencent hierarchy file {path}: {exc.strerror or exc}") from exc
    with _lock:
        hit = _memo.get(tuple(current))
        if hit is None:
            stored_at = Path(run.cache_dir) / "tencent" / NAME
            hit = _read(stored_at, path, current)
            if hit is None:
                h = hierarchy.load(path)
                hit = (h, wordnet.glosses([c.wnid for c in h.by_index.values()]))  # one batch, not 11k lookups
                _write(stored_at, current, *hit)
            _memo.clear()  # only the latest version is worth keeping
            _memo[tuple(current)] = hit
        return hit


def _read(stored_at: Path, path: Path, current: list):
    try:
        data = json.loads(stored_at.read_bytes())
        if data["key"] != current:
            return None
        categories = [
            hierarchy.Category(index, wnid, parent, tuple(names), line, id_)
            for index, wnid, parent, names, line, id_ in data["categories"]
        ]
        return hierarchy.Hierarchy(path, categories), dict(data["glosses"])
    except (OSError, ValueError, TypeError, KeyError):
        return None  # missing, damaged or from another version: parse again and rewrite it


def _write(stored_at: Path, current: list, h: hierarchy.Hierarchy, glosses: dict) -> None:
    """Atomically; a cache that cannot be written only costs the next run a parse."""
    data = {
        "key": current,
        "categories": [[c.index, c.wnid, c.parent, list(c.names), c.line, c.id] for c in h.by_index.values()],
        "glosses": glosses,
    }
    tmp = stored_at.with_name(f".{NAME}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        stored_at.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, stored_at)
    except OSError:
        try:
            tmp.unlink()
        except OSError:
            pass
