"""Helpers for tests of the cache under faults: a cache root cannot write, a disk that fills up."""

from __future__ import annotations

import ctypes
import os
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from wildcards_gen import wordnet_snapshot


def without_root_powers():
    """As root, drop the capabilities that let root write anywhere, so file modes apply (a preexec_fn)."""
    if os.geteuid() != 0:
        return None
    libc = ctypes.CDLL(None, use_errno=True)

    def drop():
        for capability in (1, 2, 3):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER
            if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP, effective from the exec on
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")

    return drop


def limited_file_size(limit: int):
    """A preexec_fn: writing a file past ``limit`` bytes fails (EFBIG), as on a full disk."""

    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def cache_with_wordnet(folder: Path, session_cache: Path) -> Path:
    """A new cache folder holding a copy of the session's WordNet snapshot (no build needed)."""
    folder.mkdir(parents=True)
    for name in (wordnet_snapshot.SNAPSHOT_NAME, wordnet_snapshot.MANIFEST_NAME):
        shutil.copy2(session_cache / name, folder / name)
    return folder


def run_cli(cache: Path, *args, preexec_fn=None, timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -m wildcards_gen ARGS`` on ``cache``, stdout and stderr as text."""
    env = {**os.environ, "WILDCARDS_GEN_CACHE": str(cache)}
    return subprocess.run(
        [sys.executable, "-m", "wildcards_gen", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        preexec_fn=preexec_fn,
        timeout=timeout,
        check=False,
    )


def read_only(folder: Path) -> None:
    """Take write permission off ``folder``, its subfolders and files (undo with :func:`writable`)."""
    for path in [*sorted(folder.rglob("*"), reverse=True), folder]:
        path.chmod(path.stat().st_mode & ~0o222)


def writable(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        path.chmod(path.stat().st_mode | 0o200)


def listing(folder: Path) -> dict:
    """Every file under ``folder`` with its size and modification time: what a run changed."""
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(folder.rglob("*"))}
