"""Answers already paid for: a model's response kept by (model, system, prompt, schema, options).

A rerun of the same command sends nothing: every request it makes is found
here. The key is a SHA-256 of everything the model was given, so a changed
prompt, schema, option or model asks again. Stored in
``<cache>/llm-responses.sqlite`` (the wildcards-gen cache folder); a damaged
file is set aside with a warning and the run goes on without it.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

FILE_NAME = "llm-responses.sqlite"


@dataclass
class Answer:
    """A model's raw text and what it cost."""

    text: str
    input_tokens: int = 0
    output_tokens: int = 0


def request_key(model_id: str, system: str, prompt: str, schema: dict | None, options: dict) -> str:
    """The cache key of one request: a hash of everything the model is given."""
    blob = json.dumps(
        {"model": model_id, "system": system, "prompt": prompt, "schema": schema, "options": options},
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class ResponseCache:
    """One SQLite file, one connection per process (workers fork), every call under a lock."""

    def __init__(self, folder: Path, warn=None):
        self.path = Path(folder) / FILE_NAME
        self._warn = warn or (lambda message: None)
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._pid = 0
        self.broken = False

    def _connect(self) -> sqlite3.Connection | None:
        if self.broken:
            return None
        if self._db is None or self._pid != os.getpid():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, model TEXT NOT NULL, "
                "text TEXT NOT NULL, input_tokens INTEGER, output_tokens INTEGER, created REAL)"
            )
            self._db, self._pid = db, os.getpid()
        return self._db

    def _guard(self, action):
        with self._lock:
            try:
                db = self._connect()
                return None if db is None else action(db)
            except sqlite3.DatabaseError as exc:
                self._set_aside(exc)
                return None

    def _set_aside(self, exc: Exception) -> None:
        self.broken = True
        self._db = None
        aside = self.path.with_name(f"{self.path.name}.damaged-{int(time.time())}")
        try:
            os.replace(self.path, aside)
            where = f"moved to {aside}"
        except OSError:
            where = "left where it is"
        self._warn(f"Warning: the LLM response cache {self.path} is unreadable ({exc}); {where}, not used this run")

    def get(self, key: str) -> Answer | None:
        row = self._guard(
            lambda db: db.execute(
                "SELECT text, input_tokens, output_tokens FROM responses WHERE key = ?", (key,)
            ).fetchone()
        )
        return Answer(row[0], row[1] or 0, row[2] or 0) if row else None

    def put(self, key: str, model_id: str, answer: Answer) -> None:
        def store(db: sqlite3.Connection) -> None:
            with db:
                db.execute(
                    "INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?, ?)",
                    (key, model_id, answer.text, answer.input_tokens, answer.output_tokens, time.time()),
                )

        self._guard(store)

    def info(self) -> dict:
        """Entries per model and the file's size (``wildcards-gen llm cache``)."""
        if not self.path.exists():
            return {"path": str(self.path), "bytes": 0, "models": {}}
        rows = self._guard(lambda db: db.execute("SELECT model, COUNT(*) FROM responses GROUP BY model").fetchall())
        return {"path": str(self.path), "bytes": self.path.stat().st_size, "models": dict(rows or [])}

    def clear(self, model_id: str | None = None) -> int:
        """Remove every entry (or one model's); returns how many went."""
        if not self.path.exists():
            return 0

        def remove(db: sqlite3.Connection) -> int:
            with db:
                if model_id is None:
                    return db.execute("DELETE FROM responses").rowcount
                return db.execute("DELETE FROM responses WHERE model = ?", (model_id,)).rowcount

        return self._guard(remove) or 0
