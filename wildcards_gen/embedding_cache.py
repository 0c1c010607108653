"""The persistent embedding cache: (embedder, model, text) -> float32 vector in SQLite.

Why SQLite in WAL mode: readers never block the one writer, several processes
may share the file (``busy_timeout`` makes a writer wait its turn instead of
failing), and a half-written transaction can never be read. Each thread gets
its own connection. A damaged or unreadable file is reported once as a
warning, moved aside and rebuilt; if even that fails the run goes on without a
cache. The cache never fails a run.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import threading
import time
from pathlib import Path

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


def _warn(message: str) -> None:
    print(f"Warning: {message}", file=sys.stderr)


class EmbeddingCache:
    """Thread- and process-safe vector store; every method swallows database damage."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._generation = 0  # bumped on rebuild so threads drop stale connections
        self.disabled = False

    # -- connections -----------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=60, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA busy_timeout = 60000")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.executescript(_SCHEMA)
        conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
        return conn

    def _db(self) -> sqlite3.Connection:
        local = self._local
        if getattr(local, "generation", None) != self._generation:
            old = getattr(local, "conn", None)
            if old is not None:
                old.close()
            local.conn = None
        if getattr(local, "conn", None) is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            local.conn = self._connect()
            local.generation = self._generation
        return local.conn

    def _guard(self, action, default):
        """Run ``action(conn)``; on damage warn, rebuild once and retry, else give up quietly."""
        if self.disabled:
            return default
        for attempt in (1, 2):
            try:
                return action(self._db())
            except sqlite3.OperationalError as exc:
                if "locked" in str(exc) or "busy" in str(exc):
                    if attempt == 1:
                        time.sleep(0.5)
                        continue
                    _warn(f"embedding cache {self.path} is busy ({exc}); continuing without it")
                    return default
                if attempt == 2 or not self._rebuild(exc):
                    return self._give_up(exc, default)
            except sqlite3.DatabaseError as exc:
                if attempt == 2 or not self._rebuild(exc):
                    return self._give_up(exc, default)
        return default

    def _give_up(self, exc, default):
        with self._lock:
            if not self.disabled:
                self.disabled = True
                _warn(f"embedding cache {self.path} is unusable ({exc}); continuing without it")
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
                    _warn(f"embedding cache {self.path} is damaged ({exc}); rebuilding it")
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
                _warn(f"embedding cache {self.path} cannot be rebuilt ({os_exc})")
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
        """``{text: float32 vector}`` for the texts already stored."""
        import numpy as np

        texts = list(dict.fromkeys(texts))

        def action(conn):
            found = {}
            for start in range(0, len(texts), _CHUNK):
                chunk = texts[start : start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = conn.execute(
                    f"SELECT text, dim, vec FROM vectors WHERE embedder = ? AND model = ? AND text IN ({marks})",
                    (embedder, model, *chunk),
                ).fetchall()
                for text, dim, blob in rows:
                    vec = np.frombuffer(blob, dtype="<f4")
                    if vec.shape[0] == dim:
                        found[text] = vec.astype(np.float32)
            return found

        return self._guard(action, {})

    def put_many(self, embedder: str, model: str, mapping: dict) -> None:
        """Store vectors (one transaction); an existing entry is kept as it is."""
        import numpy as np

        rows = []
        for text, vec in mapping.items():
            arr = np.asarray(vec, dtype="<f4").ravel()
            rows.append((embedder, model, text, int(arr.shape[0]), arr.tobytes()))
        if not rows:
            return

        def action(conn):
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany("INSERT OR IGNORE INTO vectors VALUES (?,?,?,?,?)", rows)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

        self._guard(action, None)

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
        """Delete entries (all, or one model's / one embedder's); returns how many."""
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
            n = conn.execute(f"DELETE FROM vectors{clause}", params).rowcount
            conn.execute("COMMIT")
            if not where:
                conn.execute("VACUUM")
            return n

        return self._guard(action, 0)

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


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
