"""Temporary files and folders named after the process that made them, and removing those whose maker died.

A process killed outright (SIGKILL, the OOM killer, a power cut) cannot
remove its temporaries. Naming them ``[.]<stem>.<pid>.<random>.tmp`` lets the
next process that writes the same place see that their maker is gone and
remove them, while the temporaries of a live process (another run writing
next to ours) are left alone.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from pathlib import Path

SUFFIX = ".tmp"
_STEM_BYTES = 150  # leaves room for the pid and the random part within a 255-byte file name


def _stem(name: str) -> str:
    """``name`` cut to a length (and characters) any file system takes; the same for the same name."""
    return name.encode("utf-8", "surrogatepass")[:_STEM_BYTES].decode("utf-8", "ignore")


def _prefix(name: str, hidden: bool) -> str:
    return f"{'.' if hidden else ''}{_stem(name)}."


def temporary_name(name: str, hidden: bool = True) -> str:
    """A fresh name for a temporary that stands for ``name``, tagged with this process's pid."""
    return f"{_prefix(name, hidden)}{os.getpid()}.{secrets.token_hex(4)}{SUFFIX}"


def is_alive(pid: int) -> bool:
    """Whether a process with this pid exists (one of another user counts as alive)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True
    return True


def remove_stale(folder: str | Path, name: str, hidden: bool = True) -> int:
    """Remove the temporaries for ``name`` in ``folder`` whose process is gone; returns how many.

    Only entries this user owns are touched; anything unreadable is left as it is.
    """
    prefix = _prefix(name, hidden)
    pattern = re.compile(re.escape(prefix) + r"(\d+)\.[0-9a-f]{8}" + re.escape(SUFFIX) + r"$")
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        if not entry.name.startswith(prefix):
            continue
        found = pattern.match(entry.name)
        if found is None or is_alive(int(found.group(1))):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if info.st_uid != os.getuid():
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
            removed += 1
        except OSError:
            pass  # removed meanwhile by another process, or not ours to remove
    return removed
