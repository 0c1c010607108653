"""The one way every command writes a file: atomically, with the permissions the user expects.

A regular file is written to a temporary file in the same folder and renamed
over the target, so a reader never sees half of it and an interrupted run
leaves the previous file untouched. The new file gets the mode a plain
``open()`` would give it (``0666`` less the umask); a replaced file keeps its
own mode. ``-`` means standard output; an existing character device, FIFO or
socket (``/dev/stdout``, ``/dev/null``, a named pipe) is written to directly,
never replaced; a symbolic link is followed and its target replaced in its
own folder.

The temporary file is named ``.<name>.<pid>.<random>.tmp``: one left by a
killed process is removed the next time that path is written (see
:mod:`wildcards_gen.leftovers`). Every path replaced is remembered
(:func:`written`), so an interrupted command can say truthfully whether it
wrote anything.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from wildcards_gen import leftovers
from wildcards_gen.errors import UsageError

STDOUT = "-"

_written: list[str] = []  # what this process has written since forget_written()


def written() -> list[str]:
    """The paths written (replaced, or written into) since :func:`forget_written`, in order."""
    return list(_written)


def forget_written() -> None:
    """Start a new record (each command run in this process starts one)."""
    _written.clear()


def note_written(path: str | Path) -> None:
    """Record a path written on this process's behalf (e.g. by a batch worker)."""
    _written.append("standard output" if is_stdout(path) else str(path))


def path_problem(text: str) -> str | None:
    """Why no file system can have a file named ``text`` (a NUL, an unencodable character), or None."""
    if "\0" in text:
        return "contains a NUL character, which no file name can hold"
    try:
        os.fsencode(text)
    except UnicodeEncodeError as exc:
        return f"contains a character no file name can hold ({text[exc.start]!r})"
    return None


def folder_problem(folder: str | Path) -> str | None:
    """Why ``folder`` cannot be, or be made, a folder (a file or a broken link on the way), or None."""
    path = Path(folder)
    while True:
        try:
            if stat.S_ISDIR(os.stat(path).st_mode):
                return None
            return f"{path} is a file, not a folder"
        except FileNotFoundError:
            if os.path.islink(path):
                return f"{path} is a broken symbolic link (to {os.readlink(path)})"
        except NotADirectoryError:
            pass  # a file further up: found on the way up
        except (OSError, ValueError):
            return None  # let the write itself say what is wrong
        if path.parent == path:
            return None
        path = path.parent


def check_target(path: str | Path) -> None:
    """Fail now, before a long run, if ``path`` can never be written: a bad name, a folder, a file as folder."""
    if is_stdout(path):
        return
    problem = path_problem(str(path))
    if problem is None:
        if os.path.isdir(path):
            problem = "it is a folder"
        else:
            problem = folder_problem(Path(path).parent)
    if problem:
        raise UsageError(f"cannot write {path}: {problem}")


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


def write_text(path: str | Path, text: str | bytes, clean: bool = True) -> None:
    """Write ``text`` (str as UTF-8 with ``\\n`` line ends, or bytes) to ``path``; see the module docstring.

    ``clean``: first remove temporaries of this path left by dead processes
    (a caller writing many files into a fresh folder passes False).

    :raises UsageError: one line naming the path when it cannot be written.
    """
    data = text.encode("utf-8") if isinstance(text, str) else text
    if is_stdout(path):
        _write_stream(data)
        note_written(path)
        return
    problem = path_problem(str(path))
    if problem:
        raise UsageError(f"cannot write {path}: {problem}")
    path = Path(path)
    try:
        info = os.stat(path)  # follows a link
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {folder_problem(path.parent) or exc.strerror or exc}") from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise UsageError(f"cannot write {path}: it is a folder")
    if info is not None and not stat.S_ISREG(info.st_mode):  # a device, FIFO or socket: write into it
        try:
            with open(path, "wb") as fh:
                fh.write(data)
        except OSError as exc:
            raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
        note_written(path)
        return
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    _replace(target, data, None if info is None else stat.S_IMODE(info.st_mode), clean, path)


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


def _replace(target: Path, data: bytes, mode: int | None, clean: bool, shown: Path) -> None:
    folder = target.parent if str(target.parent) else Path(".")
    problem = folder_problem(folder)
    if problem:
        raise UsageError(f"cannot write {target}: {problem}")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if clean:
            leftovers.remove_stale(folder, target.name)
        tmp = str(folder / leftovers.temporary_name(target.name))
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode if mode is not None else 0o666 & ~current_umask())
        os.replace(tmp, target)
        note_written(shown)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except FileNotFoundError:  # renamed already (Ctrl-C just after): the output was written
            if str(shown) not in _written:
                note_written(shown)
        if isinstance(exc, OSError):
            raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
        raise
