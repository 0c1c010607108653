"""A thread-safe run report: counters, per-phase timings and events."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from contextlib import contextmanager


class Stats:
    """Shared by every worker; each method takes the lock, so any thread may call it."""

    def __init__(self):
        self._lock = threading.Lock()
        self.counters: Counter = Counter()
        self.timings: dict[str, float] = {}
        self.events: dict[str, list] = {}

    def incr(self, name: str, n: int = 1) -> None:
        with self._lock:
            self.counters[name] += n

    def event(self, kind: str, **data) -> None:
        """Record something the user should be able to find in the report (a removal, a fallback...)."""
        with self._lock:
            self.events.setdefault(kind, []).append(data)
            self.counters[f"events.{kind}"] += 1

    def merge(self, counters: dict, events: dict) -> None:
        """Add what another report (a worker process's) recorded."""
        with self._lock:
            self.counters.update(counters)
            for kind, items in events.items():
                self.events.setdefault(kind, []).extend(items)

    def add_time(self, phase: str, seconds: float) -> None:
        with self._lock:
            self.timings[phase] = self.timings.get(phase, 0.0) + seconds

    @contextmanager
    def timer(self, phase: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.add_time(phase, time.perf_counter() - start)

    def as_dict(self) -> dict:
        """A JSON-ready dict; events sorted so the report does not depend on thread timing."""
        with self._lock:
            events = {
                kind: sorted(items, key=lambda d: json.dumps(d, sort_keys=True, default=str))
                for kind, items in sorted(self.events.items())
            }
            return {
                "counts": dict(sorted(self.counters.items())),
                "timings_s": {k: round(v, 4) for k, v in sorted(self.timings.items())},
                "events": events,
            }

    def summary(self) -> str:
        c = self.counters
        parts = [
            f"{c['output.categories']} categories",
            f"{c['output.items']} items",
            f"glosses {c['glosses.found']} found / {c['glosses.missing']} missing",
        ]
        removed = sum(len(v) for k, v in self.events.items() if k.startswith("removed"))
        if removed:
            parts.append(f"{removed} removal events (see --stats)")
        total = self.timings.get("total") or sum(self.timings.values())
        return "Done: " + ", ".join(parts) + f" in {total:.2f}s"
