"""The one way every command writes a file: atomically, with the permissions the user expects.

A regular file is written to a temporary file in the same folder and renamed
over the target, so a reader never sees half of it and an interrupted run
leaves the previous file untouched. The new file gets the mode a plain
``open()`` would give it (``0666`` less the umask); a replaced file keeps its
own mode. ``-`` means standard output; an existing character device, FIFO or
socket (``/dev/stdout``, ``/dev/null``, a named pipe) is written to directly,
never replaced; a symbolic link is followed and its target replaced in its
own folder.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from pathlib import Path

from wildcards_gen.errors import UsageError

STDOUT = "-"


def is_stdout(path: object) -> bool:
    return str(path) == STDOUT


def current_umask() -> int:
    """The process umask, read without changing it where the system allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # no /proc: read it by setting it (main thread only)
    os.umask(mask)
    return mask


def write_text(path: str | Path, text: str | bytes) -> None:
    """Write ``text`` (str as UTF-8 with ``\\n`` line ends, or bytes) to ``path``; see the module docstring.

    :raises UsageError: one line naming the path when it cannot be written.
    """
    data = text.encode("utf-8") if isinstance(text, str) else text
    if is_stdout(path):
        _write_stream(data)
        return
    path = Path(path)
    try:
        info = os.stat(path)  # follows a link
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise UsageError(f"cannot write {path}: it is a folder")
    if info is not None and not stat.S_ISREG(info.st_mode):  # a device, FIFO or socket: write into it
        try:
            with open(path, "wb") as fh:
                fh.write(data)
        except OSError as exc:
            raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
        return
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    _replace(target, data, None if info is None else stat.S_IMODE(info.st_mode))


def _write_stream(data: bytes) -> None:
    stream = getattr(sys.stdout, "buffer", None)
    try:
        if stream is not None:
            sys.stdout.flush()
            stream.write(data)
            stream.flush()
        else:  # a text-only stream (click's test runner, an embedding application)
            sys.stdout.write(data.decode("utf-8"))
            sys.stdout.flush()
    except BrokenPipeError:
        pass  # the reader went away (| head): what it wanted it has


def _replace(target: Path, data: bytes, mode: int | None) -> None:
    folder = target.parent if str(target.parent) else Path(".")
    try:
        if folder.exists() and not folder.is_dir():
            raise UsageError(f"cannot write {target}: {folder} is a file, not a folder")
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode if mode is not None else 0o666 & ~current_umask())
        os.replace(tmp, target)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError):
            raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
        raise
