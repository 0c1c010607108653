"""The checked hierarchy and its glosses, kept in the cache between runs.

Parsing and checking the 11,166 lines and fetching their glosses from WordNet
takes ~80 ms; reading them back from JSON takes ~30 ms. The stored copy is
keyed by a SHA-256 of the file's content (not its path, size or modification
time, which an edit can keep) and by the WordNet snapshot (path, size,
modification time), so a changed file or a rebuilt snapshot is read afresh.

The copy is a header line (format, key, SHA-256 of the rest) and the JSON
payload. The checksum is verified on every read: a damaged copy (even one
that is still valid JSON) is reported, and the file parsed again and the copy
rewritten. Only a file that passed every check is stored. JSON, never pickle.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path

from wildcards_gen import DataError, cache_files
from wildcards_gen_tencent import hierarchy

FORMAT = 2
NAME = "parsed-hierarchy.json"

_memo: dict[tuple, tuple] = {}  # (key, copy) -> (hierarchy, glosses): one read per process
_lock = threading.Lock()


def key(sha256: str, wordnet) -> list:
    """What the stored copy must match: the file's content and the snapshot its glosses came from."""
    snapshot = Path(wordnet.path).stat()
    return [FORMAT, sha256, str(wordnet.path), snapshot.st_size, snapshot.st_mtime_ns]


def load(path: Path, run) -> tuple[hierarchy.Hierarchy, dict]:
    """``(hierarchy, {wnid: gloss})`` for the file at ``path``: memo, else stored copy, else parse."""
    path = Path(path).resolve()
    data = hierarchy.read(path)
    sha256 = hierarchy.digest(data)
    wordnet = run.wordnet
    try:
        current = key(sha256, wordnet)
    except OSError as exc:
        raise DataError(f"cannot read the WordNet snapshot {wordnet.path}: {exc.strerror or exc}") from exc
    stored_at = Path(run.cache_dir) / "tencent" / NAME
    memo_key = (*current, str(stored_at))  # a hit also means: that cache holds the copy
    with _lock:
        hit = _memo.get(memo_key)
        if hit is None:
            hit, damage = _read(stored_at, path, current)
            if damage:
                run.stats.incr("tencent.stored_copy_damaged")
                run.notice(
                    f"Warning: the stored copy of the Tencent hierarchy {stored_at} is damaged ({damage}); "
                    f"reading {path} again"
                )
            if hit is None:
                h = hierarchy.load_bytes(path, data, sha256)
                hit = (h, wordnet.glosses([c.wnid for c in h.by_index.values()]))  # one batch, not 11k lookups
                _write(stored_at, current, *hit)
            _memo.clear()  # only the latest version is worth keeping
            _memo[memo_key] = hit
        return hit


def _read(stored_at: Path, path: Path, current: list) -> tuple[tuple | None, str | None]:
    """``(copy, None)``; ``(None, None)`` when there is none for this key; ``(None, why)`` when damaged."""
    try:
        raw = stored_at.read_bytes()
    except OSError:
        return None, None
    head, _, body = raw.partition(b"\n")
    try:
        header = json.loads(head)
    except ValueError:
        return None, "not a stored copy"
    if not isinstance(header, dict) or header.get("format") != FORMAT or header.get("key") != current:
        return None, None  # another version, file or snapshot: parse again and rewrite it
    if header.get("sha256") != hashlib.sha256(body).hexdigest():
        return None, "its checksum does not match"
    try:
        data = json.loads(body)
        categories = [
            hierarchy.Category(int(index), str(wnid), int(parent), tuple(map(str, names)), int(line), str(id_))
            for index, wnid, parent, names, line, id_ in data["categories"]
        ]
        glosses = {str(k): str(v) for k, v in data["glosses"].items()}
        return (hierarchy.Hierarchy(path, categories), glosses), None
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        return None, f"unreadable: {type(exc).__name__}"


def _write(stored_at: Path, current: list, h: hierarchy.Hierarchy, glosses: dict) -> None:
    """Atomically; a cache that cannot be written only costs the next run a parse."""
    body = json.dumps(
        {
            "categories": [[c.index, c.wnid, c.parent, list(c.names), c.line, c.id] for c in h.by_index.values()],
            "glosses": glosses,
        },
        ensure_ascii=False,
    ).encode("utf-8")
    header = json.dumps({"format": FORMAT, "key": current, "sha256": hashlib.sha256(body).hexdigest()})
    tmp = cache_files.temporary(stored_at)  # a dead process's leftover is removed at a later start
    try:
        stored_at.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(header.encode("ascii") + b"\n" + body)
        os.replace(tmp, stored_at)
    except OSError:
        try:
            tmp.unlink()
        except OSError:
            pass
