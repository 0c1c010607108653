"""The ``wildcards_gen`` entry points, remembered between runs.

Scanning every installed distribution (and importing :mod:`importlib.metadata`,
which pulls in the email package) costs ~30 ms on each CLI start. The answer
only changes when a distribution is installed or removed, which creates or
deletes a ``*.dist-info`` folder and so changes the modification time of a
folder on ``sys.path``. The cache file is keyed by those times; JSON, never
pickle. A plugin that fails to load from a cached answer makes the registry
scan again (see :func:`wildcards_gen.plugins.get_registry`).

The cache file is not trusted to name what gets imported: each entry records
the ``entry_points.txt`` of the distribution that declares it, and a cached
entry is used only if that file lies in a ``*.dist-info`` or ``*.egg-info``
folder directly on ``sys.path`` (where importlib.metadata finds installed
distributions) and declares exactly this entry point in the group. Reading
those few small files costs microseconds; anything else (a file of another
shape, an entry nobody installed declares) means a scan and a rewrite.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path
from typing import NamedTuple

from wildcards_gen import cache_files

CACHE_NAME = "entry-points.json"
FORMAT = 2


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


def scan(group: str) -> list[tuple[EntryPoint, str | None]]:
    """Every entry point of ``group``, first of each name, sorted by name (importlib.metadata), each
    with the ``entry_points.txt`` that declares it (None where the distribution is not a folder)."""
    from importlib.metadata import entry_points

    found: dict[str, tuple[EntryPoint, str | None]] = {}
    for ep in entry_points(group=group):
        if ep.name in found:
            continue
        dist = getattr(ep, "dist", None)
        found[ep.name] = (
            EntryPoint(ep.name, ep.value, dist.metadata["Name"] if dist else None, dist.version if dist else None),
            _declaring_file(dist),
        )
    return [found[name] for name in sorted(found)]


def _declaring_file(dist) -> str | None:
    """The ``entry_points.txt`` of a distribution installed as a folder (None for a zip or a custom finder)."""
    try:
        folder = os.fspath(dist._path)  # PathDistribution's metadata folder
    except (AttributeError, TypeError):
        return None
    return os.path.abspath(os.path.join(folder, "entry_points.txt"))


def discover(group: str, cache_dir, use_cache: bool = True) -> tuple[list[EntryPoint], bool]:
    """The group's entry points and whether they came from the cache file in ``cache_dir``."""
    key = path_key()
    path = os.path.join(cache_dir, CACHE_NAME) if cache_dir else None
    if path and use_cache:
        cached = _read(path, group, key)
        if cached is not None:
            return cached, True
    found = scan(group)
    if path:
        rows = [[*ep, source] for ep, source in found]
        _save(path, {"format": FORMAT, "group": group, "sys_path": key, "entry_points": rows})
    return [ep for ep, _ in found], False


def _read(path: str, group: str, key: list) -> list[EntryPoint] | None:
    """The cached entry points, if the file has the right shape, key and every entry is declared."""
    try:
        with open(path, encoding="utf-8") as fh:
            cached = json.load(fh)
    except (OSError, ValueError):
        return None  # missing or not JSON: scan and rewrite it
    if not (
        isinstance(cached, dict)
        and cached.get("format") == FORMAT
        and cached.get("group") == group
        and cached.get("sys_path") == key
        and isinstance(cached.get("entry_points"), list)
    ):
        return None
    found, declared = [], _Declared(group)
    for row in cached["entry_points"]:
        if not (
            isinstance(row, list)
            and len(row) == 5
            and all(isinstance(x, str) for x in row[:2])
            and all(x is None or isinstance(x, str) for x in row[2:])
        ):
            return None
        name, value, distribution, version, source = row
        if source is None or not declared.by(source, name, value):
            return None
        found.append(EntryPoint(name, value, distribution, version))
    return found


class _Declared:
    """What the ``entry_points.txt`` files of installed distributions declare in one group."""

    def __init__(self, group: str):
        self.group = group
        self.installed = {os.path.abspath(entry or ".") for entry in sys.path}
        self.files: dict[str, set] = {}

    def by(self, source: str, name: str, value: str) -> bool:
        """Whether ``source`` is an installed distribution's ``entry_points.txt`` declaring ``name = value``."""
        folder = os.path.dirname(source)
        if not (
            os.path.basename(source) == "entry_points.txt"
            and folder.endswith((".dist-info", ".egg-info"))
            and os.path.dirname(folder) in self.installed
        ):
            return False
        if source not in self.files:
            try:
                with open(source, encoding="utf-8") as fh:
                    self.files[source] = set(declared_in(fh.read(), self.group))
            except (OSError, ValueError):
                self.files[source] = set()
        return (name, value) in self.files[source]


def declared_in(text: str, group: str):
    """``(name, value)`` of each entry point of ``group`` in an ``entry_points.txt``, read as
    importlib.metadata reads it (stripped lines, ``#`` comments, ``[section]``, ``name = value``)."""
    section = None
    for line in map(str.strip, text.splitlines()):
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line.strip("[]")
        elif section == group and "=" in line:
            name, value = line.split("=", 1)
            yield name.strip(), value.strip()


def _save(path: str, data: dict) -> None:
    """Write atomically; a cache folder that cannot be written only costs the next run a scan."""
    tmp = str(cache_files.temporary(Path(path)))  # a dead process's leftover is removed at a later start
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
