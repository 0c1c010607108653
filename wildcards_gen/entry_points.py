"""The ``wildcards_gen`` entry points, remembered between runs.

Scanning every installed distribution (and importing :mod:`importlib.metadata`,
which pulls in the email package) costs ~30 ms on each CLI start. The answer
only changes when a distribution is installed or removed, which creates or
deletes a ``*.dist-info`` folder and so changes the modification time of a
folder on ``sys.path``. The cache file is keyed by those times; JSON, never
pickle. A plugin that fails to load from a cached answer makes the registry
scan again (see :func:`wildcards_gen.plugins.get_registry`).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from typing import NamedTuple

CACHE_NAME = "entry-points.json"
FORMAT = 1


class EntryPoint(NamedTuple):
    name: str
    value: str  # "module" or "module:attribute.path"
    distribution: str | None
    version: str | None

    def load(self):
        """Import the module and follow the attribute path, as importlib.metadata does."""
        module_name, _, attribute = self.value.split("[", 1)[0].partition(":")  # "[extras]" named nothing to load
        target = importlib.import_module(module_name.strip())
        for part in filter(None, attribute.strip().split(".")):
            target = getattr(target, part)
        return target


def path_key() -> list:
    """``[folder, mtime_ns]`` for each ``sys.path`` entry (None where it does not exist)."""
    key = []
    for entry in sys.path:
        try:
            key.append([entry, os.stat(entry or ".").st_mtime_ns])
        except OSError:
            key.append([entry, None])
    return key


def scan(group: str) -> list[EntryPoint]:
    """Every entry point of ``group``, first of each name, sorted by name (importlib.metadata)."""
    from importlib.metadata import entry_points

    found: dict[str, EntryPoint] = {}
    for ep in entry_points(group=group):
        if ep.name in found:
            continue
        dist = getattr(ep, "dist", None)
        found[ep.name] = EntryPoint(
            ep.name, ep.value, dist.metadata["Name"] if dist else None, dist.version if dist else None
        )
    return [found[name] for name in sorted(found)]


def discover(group: str, cache_dir, use_cache: bool = True) -> tuple[list[EntryPoint], bool]:
    """The group's entry points and whether they came from the cache file in ``cache_dir``."""
    key = path_key()
    path = os.path.join(cache_dir, CACHE_NAME) if cache_dir else None
    if path and use_cache:
        try:
            with open(path, encoding="utf-8") as fh:
                cached = json.load(fh)
            if cached.get("format") == FORMAT and cached.get("group") == group and cached.get("sys_path") == key:
                return [EntryPoint(*row) for row in cached["entry_points"]], True
        except (OSError, ValueError, TypeError, KeyError):
            pass  # missing, unreadable or foreign: scan and rewrite it
    found = scan(group)
    if path:
        _save(path, {"format": FORMAT, "group": group, "sys_path": key, "entry_points": [list(ep) for ep in found]})
    return found, False


def _save(path: str, data: dict) -> None:
    """Write atomically; a cache folder that cannot be written only costs the next run a scan."""
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
