"""The persistent embedding cache: (embedder, model, text) -> float32 vector in SQLite.

Why SQLite in WAL mode: readers never block the one writer, several processes
may share the file (``busy_timeout`` makes a writer wait its turn instead of
failing), and a half-written transaction can never be read. Each thread gets
its own connection. A damaged or unreadable file is reported once as a
warning, moved aside and rebuilt; if even that fails the run goes on without a
cache. The cache never fails a run.

Rows are checked on every read: a vector whose length is not the model's
dimension (recorded when vectors are stored) or that holds NaN or infinity is
a cache miss, reported to the caller to embed again and rewrite. A cache that
cannot be written (a read-only folder, a full disk) is still read; new
vectors are then not kept, with one warning.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import sys
import threading
import time
from pathlib import Path
from typing import NamedTuple

FILE_NAME = "embeddings.sqlite"
SCHEMA_VERSION = "1"
_CHUNK = 400  # parameters per SELECT, below every SQLite build's limit
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS vectors(
    embedder TEXT NOT NULL, model TEXT NOT NULL, text TEXT NOT NULL,
    dim INTEGER NOT NULL, vec BLOB NOT NULL,
    PRIMARY KEY (embedder, model, text)
) WITHOUT ROWID;
"""


def default_path(cache_dir=None) -> Path:
    from wildcards_gen import paths

    return Path(cache_dir or paths.cache_dir()) / FILE_NAME


def warn(message: str) -> None:
    print(f"Warning: {message}", file=sys.stderr)


def _problem(exc: BaseException) -> str:
    """What an error from SQLite or the OS means here: busy, unwritable, full or damaged."""
    text = str(exc).lower()
    if isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text):
        return "busy"
    if "full" in text or "disk i/o" in text or getattr(exc, "errno", None) in (errno.ENOSPC, errno.EDQUOT, errno.EIO):
        return "full"
    if isinstance(exc, OSError) or any(w in text for w in ("readonly", "read-only", "unable to open", "permission")):
        return "unwritable"
    return "damaged"


class Lookup(NamedTuple):
    """What :meth:`EmbeddingCache.lookup` found: good vectors, and texts whose stored row is damaged."""

    found: dict
    damaged: list


def _dim_key(embedder: str, model: str) -> str:
    return f"dim\t{embedder}\t{model}"


class EmbeddingCache:
    """Thread- and process-safe vector store; every method swallows database damage."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._generation = 0  # bumped on rebuild so threads drop stale connections
        self.disabled = False
        self.read_only: str | None = None  # why the cache cannot be written, once found out
        self._warned_unwritable = False

    # -- connections -----------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        if self.read_only is None:
            try:
                return self._connect_writable()
            except (sqlite3.OperationalError, OSError) as exc:
                if _problem(exc) not in ("unwritable", "full"):
                    raise
                self.read_only = str(getattr(exc, "strerror", None) or exc)
        return self._connect_read_only()

    def _connect_writable(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=60, check_same_thread=False, isolation_level=None)
        try:
            conn.execute("PRAGMA busy_timeout = 60000")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.executescript(_SCHEMA)
            conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
        except BaseException:
            conn.close()
            raise
        return conn

    def _connect_read_only(self) -> sqlite3.Connection:
        """Read a cache this process cannot write. A WAL file needs its ``-shm`` beside it, or
        (when there is none: the last writer closed cleanly and nothing is in a WAL) ``immutable``."""
        from urllib.parse import quote

        if not self.path.is_file():
            raise sqlite3.OperationalError(f"unable to open database file (cannot create it: {self.read_only})")
        shm = Path(f"{self.path}-shm").exists()
        mode = "ro" if shm else "ro&immutable=1"
        conn = sqlite3.connect(
            f"file:{quote(str(self.path))}?mode={mode}", uri=True, timeout=60, check_same_thread=False
        )
        conn.execute("PRAGMA busy_timeout = 60000")
        return conn

    def _db(self) -> sqlite3.Connection:
        local = self._local
        if getattr(local, "pid", None) != os.getpid():  # a forked worker: the parent's connection is not its own
            local.conn, local.pid = None, os.getpid()
        if getattr(local, "generation", None) != self._generation:
            old = getattr(local, "conn", None)
            if old is not None:
                old.close()
            local.conn = None
        if getattr(local, "conn", None) is None:
            local.conn = self._connect()
            local.generation = self._generation
        return local.conn

    def _guard(self, action, default, writes: str = ""):
        """Run ``action(conn)``; on damage warn, rebuild once and retry, else give up quietly.

        A cache that cannot be written is not damaged: a read goes on read-only, a
        write is skipped (``writes="store"``: with one warning; ``"clear"``: the
        caller reports it).
        """
        if self.disabled:
            return default
        for attempt in (1, 2):
            try:
                if writes and self.read_only is not None:
                    return self._unwritable(self.read_only, default, writes)
                return action(self._db())
            except (sqlite3.DatabaseError, OSError) as exc:
                problem = _problem(exc)
                if problem == "busy":
                    if attempt == 1:
                        time.sleep(0.5)
                        continue
                    warn(f"embedding cache {self.path} is busy ({exc}); continuing without it")
                    return default
                if problem in ("unwritable", "full") and (writes or self.read_only is not None):
                    if writes:
                        self.read_only = str(getattr(exc, "strerror", None) or exc)
                        return self._unwritable(self.read_only, default, writes)
                    return default  # a read-only connection that cannot read either
                if problem in ("unwritable", "full"):
                    self.read_only = str(getattr(exc, "strerror", None) or exc)  # and read again, read-only
                    self._generation += 1
                    continue
                if attempt == 2 or not self._rebuild(exc):
                    return self._give_up(exc, default)
        return default

    def _unwritable(self, reason: str, default, writes: str):
        with self._lock:
            if writes == "store" and not self._warned_unwritable:
                self._warned_unwritable = True
                full = any(w in reason.lower() for w in ("full", "i/o", "too large", "quota"))
                remedy = "free some space there" if full else f"make {self.path.parent} writable"
                warn(
                    f"cannot store new vectors in the embedding cache {self.path} ({reason}); they are not kept. "
                    f"To keep them, {remedy} or set WILDCARDS_GEN_CACHE to another folder"
                )
        return default

    def _give_up(self, exc, default):
        with self._lock:
            if not self.disabled:
                self.disabled = True
                warn(f"embedding cache {self.path} is unusable ({exc}); continuing without it")
        return default

    def _rebuild(self, exc) -> bool:
        """Move the damaged file aside (under an inter-process lock) and start afresh."""
        import fcntl

        with self._lock:
            generation = self._generation
            conn = getattr(self._local, "conn", None)
            if conn is not None:
                conn.close()
                self._local.conn = None
            try:
                with open(self.path.with_name(self.path.name + ".lock"), "w") as lock:
                    fcntl.flock(lock, fcntl.LOCK_EX)
                    if self._healthy():  # another process or thread already rebuilt it
                        self._generation = generation + 1
                        return True
                    warn(f"embedding cache {self.path} is damaged ({exc}); rebuilding it")
                    stamp = f"{os.getpid()}.{int(time.time())}"
                    for suffix in ("", "-wal", "-shm"):
                        part = Path(str(self.path) + suffix)
                        if part.exists():
                            if suffix:
                                part.unlink()
                            else:
                                os.replace(part, part.with_name(f"{part.name}.corrupt-{stamp}"))
                                self._prune_corrupt()
                    self._connect().close()
            except OSError as os_exc:
                warn(f"embedding cache {self.path} cannot be rebuilt ({os_exc})")
                return False
            self._generation = generation + 1
            return True

    def _healthy(self) -> bool:
        if not self.path.exists():
            return False
        try:
            conn = sqlite3.connect(self.path, timeout=60)
            try:
                ok = conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
                conn.execute("SELECT count(*) FROM vectors").fetchone()
                return ok
            finally:
                conn.close()
        except sqlite3.DatabaseError:
            return False

    def _prune_corrupt(self) -> None:
        """Keep only the newest moved-aside copy, so damage never fills the disk."""
        copies = sorted(self.path.parent.glob(self.path.name + ".corrupt-*"), key=lambda p: p.stat().st_mtime)
        for old in copies[:-1]:
            old.unlink(missing_ok=True)

    # -- the API ---------------------------------------------------------------
    def get_many(self, embedder: str, model: str, texts) -> dict:
        """``{text: float32 vector}`` (read-only) for the texts stored with a sound vector."""
        return self.lookup(embedder, model, texts).found

    def lookup(self, embedder: str, model: str, texts) -> Lookup:
        """The stored vectors of ``texts``, each checked; the damaged ones listed apart.

        Damaged: a blob that is not whole float32s, a length that is not the
        model's dimension (as recorded when vectors were stored; else the
        dimension most rows have), NaN or infinity.
        """
        import numpy as np

        texts = list(dict.fromkeys(texts))

        def action(conn):
            rows = []
            for start in range(0, len(texts), _CHUNK):
                chunk = texts[start : start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                rows += conn.execute(
                    f"SELECT text, dim, vec FROM vectors WHERE embedder = ? AND model = ? AND text IN ({marks})",
                    (embedder, model, *chunk),
                ).fetchall()
            recorded = conn.execute("SELECT value FROM meta WHERE key = ?", (_dim_key(embedder, model),)).fetchone()
            return rows, recorded

        rows, recorded = self._guard(action, ([], None))
        found, damaged = {}, []
        by_dim: dict[int, list] = {}  # decoded a dimension at a time: one array, not one per row
        for text, dim, blob in rows:
            if isinstance(blob, bytes) and isinstance(dim, int) and dim > 0 and len(blob) == 4 * dim:
                by_dim.setdefault(dim, []).append((text, blob))
            else:
                damaged.append(text)
        for dim, group in by_dim.items():
            matrix = np.frombuffer(b"".join(blob for _, blob in group), dtype="<f4").reshape(len(group), dim)
            matrix = matrix.astype(np.float32, copy=False)  # native order (a copy only on big-endian machines)
            finite = np.isfinite(matrix).all(axis=1).tolist()
            for (text, _), row, ok in zip(group, matrix, finite):
                if ok:
                    found[text] = row
                else:
                    damaged.append(text)
        expected = int(recorded[0]) if recorded and str(recorded[0]).isdigit() else _most_common_dim(found)
        for text in [t for t, v in found.items() if v.shape[0] != expected]:
            del found[text]
            damaged.append(text)
        if damaged:
            order = {t: i for i, t in enumerate(texts)}
            damaged.sort(key=order.__getitem__)
        return Lookup(found, damaged)

    def put_many(self, embedder: str, model: str, mapping: dict, replace=()) -> None:
        """Store vectors (one transaction) and record their dimension as the model's.

        An existing entry is kept as it is, unless its text is in ``replace``
        (rows found damaged, now computed again).
        """
        import numpy as np

        replace = set(replace)
        rows: list[tuple] = []
        again: list[tuple] = []
        for text, vec in mapping.items():
            arr = np.asarray(vec, dtype="<f4").ravel()
            (again if text in replace else rows).append((embedder, model, text, int(arr.shape[0]), arr.tobytes()))
        if not rows and not again:
            return
        dim = (rows or again)[0][3]

        def action(conn):
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany("INSERT OR IGNORE INTO vectors VALUES (?,?,?,?,?)", rows)
                conn.executemany("INSERT OR REPLACE INTO vectors VALUES (?,?,?,?,?)", again)
                conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (_dim_key(embedder, model), str(dim)))
                conn.execute("COMMIT")
            except BaseException:
                _rollback(conn)
                raise

        self._guard(action, None, writes="store")

    def info(self) -> dict:
        """Path, size on disk and entries per (embedder, model)."""
        size = sum(
            Path(str(self.path) + s).stat().st_size for s in ("", "-wal", "-shm") if Path(str(self.path) + s).exists()
        )

        def action(conn):
            return conn.execute(
                "SELECT embedder, model, count(*), max(dim) FROM vectors GROUP BY embedder, model ORDER BY embedder, model"
            ).fetchall()

        rows = self._guard(action, []) if self.path.exists() else []
        return {
            "path": str(self.path),
            "bytes": size,
            "entries": sum(r[2] for r in rows),
            "models": [{"embedder": e, "model": m, "entries": n, "dim": d} for e, m, n, d in rows],
        }

    def clear(self, model: str | None = None, embedder: str | None = None) -> int:
        """Delete entries (all, or one model's / one embedder's); returns how many.

        :raises DataError: the cache cannot be written (nothing was deleted).
        """
        if not self.path.exists():
            return 0
        where, params = [], []
        if model is not None:
            where.append("model = ?")
            params.append(model)
        if embedder is not None:
            where.append("embedder = ?")
            params.append(embedder)
        clause = (" WHERE " + " AND ".join(where)) if where else ""

        def action(conn):
            conn.execute("BEGIN IMMEDIATE")
            try:
                n = conn.execute(f"DELETE FROM vectors{clause}", params).rowcount
                conn.execute("COMMIT")
            except BaseException:
                _rollback(conn)
                raise
            if not where:
                conn.execute("VACUUM")
            return n

        removed = self._guard(action, None, writes="clear")
        if removed is None:
            from wildcards_gen.errors import DataError

            raise DataError(
                f"cannot clear the embedding cache {self.path} ({self.read_only or 'unusable'}); nothing was "
                f"removed. Make {self.path.parent} writable (WILDCARDS_GEN_CACHE chooses the cache folder)"
            )
        return removed

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


def _rollback(conn: sqlite3.Connection) -> None:
    """End a failed transaction; a ROLLBACK that fails too (a full disk) must not hide the first error."""
    try:
        conn.execute("ROLLBACK")
    except sqlite3.Error:
        pass


def _most_common_dim(found: dict) -> int | None:
    """The dimension most vectors have (the smaller on a tie); None without vectors."""
    counts: dict[int, int] = {}
    for vec in found.values():
        counts[vec.shape[0]] = counts.get(vec.shape[0], 0) + 1
    return min(counts, key=lambda d: (-counts[d], d)) if counts else None


_caches: dict[str, EmbeddingCache] = {}
_caches_lock = threading.Lock()


def get_cache(cache_dir=None) -> EmbeddingCache:
    """The process-wide cache object for a cache folder (one per path)."""
    path = default_path(cache_dir)
    with _caches_lock:
        cache = _caches.get(str(path))
        if cache is None:
            cache = _caches[str(path)] = EmbeddingCache(path)
        return cache
