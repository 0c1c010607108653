"""Temporary files in the cache: named after their process, removed once that process is dead.

Every cache write goes to a temporary file that is renamed into place when
complete. A process killed meanwhile (SIGKILL, a power cut) leaves that file
behind; a full disk can leave a large one. Each is named
``.<name>.<pid>[-<thread>].tmp`` (downloads: ``.part``), so the next start
can tell whose it is: in the cache folder and its subfolders, a temporary
file whose process no longer runs is removed, once per process and folder.
A file of a live process is kept, however old.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

# ".<name>.<pid>.tmp", ".<name>.<pid>-<thread>.part", and the journal an older snapshot build left.
_TEMPORARY = re.compile(r"\..+\.([0-9]{1,10})(?:-[0-9]{1,24})?\.(?:tmp|part)(?:-journal)?")

_cleaned: set[str] = set()
_lock = threading.Lock()


def temporary(target: Path, suffix: str = "tmp") -> Path:
    """The temporary file to write ``target`` through (this process and thread)."""
    return target.with_name(f".{target.name}.{os.getpid()}-{threading.get_ident()}.{suffix}")


def clean_once(cache: Path) -> None:
    """:func:`clean_stale` the first time this process uses ``cache``."""
    key = str(cache)
    with _lock:
        if key in _cleaned:
            return
        _cleaned.add(key)
    clean_stale(cache)


def clean_stale(cache: Path) -> list[str]:
    """Remove the temporary files of dead processes in ``cache`` and its subfolders; their paths.

    Best effort: a folder that cannot be read or written is left as it is.
    """
    removed = []
    for folder in [str(cache), *_subfolders(cache)]:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            found = _TEMPORARY.fullmatch(entry.name)
            if found is None or alive(int(found.group(1))):
                continue
            try:
                if entry.is_file(follow_symlinks=False):
                    os.unlink(entry.path)
                    removed.append(entry.path)
            except OSError:
                pass
    return removed


def _subfolders(cache: Path) -> list[str]:
    try:
        return [e.path for e in os.scandir(cache) if e.is_dir(follow_symlinks=False)]
    except OSError:
        return []


def alive(pid: int) -> bool:
    """Whether process ``pid`` runs (this process counts as running)."""
    if pid == os.getpid():
        return True
    if not 0 < pid < 2**31:
        return False  # never a process id; os.kill(0, ...) would signal our own group
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, not ours to signal
    return True
