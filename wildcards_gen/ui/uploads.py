"""Files people upload to the web UI, stored where a job can read them, or refused in one line.

An upload is held in memory, so the UI has a smaller default limit than the
command line: ``$WILDCARDS_GEN_MAX_INPUT_MB`` when set (the limit every reader
of the project uses), else :data:`DEFAULT_UPLOAD_MB`. A zip is extracted only
when every member is a plain file or folder whose path stays inside the
extraction folder (no absolute path, no drive, no ``..``, no link, no
encryption), the members are at most :data:`MAX_MEMBERS`, and their bytes, as
counted while extracting (a zip's declared sizes can lie), stay within the
upload limit. Whatever is stored is then read by the project's own readers,
which execute no YAML tags and bound depth and aliases (:mod:`yaml_input`).
"""

from __future__ import annotations

import io
import os
import re
import stat
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from wildcards_gen.errors import UsageError

DEFAULT_UPLOAD_MB = 32
MAX_MEMBERS = 10_000
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a zip's first bytes (an empty zip is only its directory)
_CHUNK = 1 << 20


def upload_limit() -> int:
    """The largest upload in bytes, and the largest total a zip may extract to."""
    from wildcards_gen.yaml_input import SIZE_ENV, max_input_bytes

    if os.environ.get(SIZE_ENV, "").strip():
        return max_input_bytes()
    return DEFAULT_UPLOAD_MB * 1024 * 1024


def too_large(size: int, limit: int) -> str:
    from wildcards_gen.yaml_input import SIZE_ENV

    return (
        f"the upload is {size / (1024 * 1024):.1f} MB, more than the {limit / (1024 * 1024):g} MB this UI accepts "
        f"(start it with {SIZE_ENV}=N to change the limit)"
    )


def safe_name(name: str, default: str) -> str:
    """The last part of an uploaded file's name, in safe characters (its suffix kept), else ``default``."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[^\w.+ -]", "_", base).strip(" .")[:100]
    return base if base and not base.startswith(".") else default


def is_zip(data: bytes) -> bool:
    return data[:4] in ZIP_MAGIC


def refuse_binary(data: bytes, name: str) -> None:
    """A file with NUL bytes is no wildcard file: say so rather than show a parser's complaint."""
    if b"\0" in data[:65536]:
        raise UsageError(f"{name} is a binary file, not a wildcard file (.yaml, .txt) or a .zip of them")


def store(data: bytes, name: str, folder: Path, allow_zip: bool) -> Path:
    """Write an upload into ``folder``: a zip extracted into a sub-folder, anything else as one file."""
    if is_zip(data):
        if not allow_zip:
            raise UsageError(f"{name} is a zip; give a .txt list or a YAML wildcard file")
        stem = safe_name(name, "upload.zip").rsplit(".", 1)[0] or "upload"
        target = folder / stem
        extract_zip(data, target, name, upload_limit())
        return target
    refuse_binary(data, name)
    path = folder / name
    path.write_bytes(data)
    return path


def member_parts(member: str) -> tuple[str, ...]:
    """A zip member's path as parts, or a UsageError when it would leave the extraction folder."""
    if "\\" in member or "\0" in member:
        raise UsageError(f"member {member!r} has a backslash or NUL in its path")
    path = PurePosixPath(member)
    if path.is_absolute() or re.match(r"^[A-Za-z]:", member):
        raise UsageError(f"member {member!r} has an absolute path")
    parts = tuple(p for p in path.parts if p not in ("", "."))
    if ".." in parts:
        raise UsageError(f"member {member!r} leaves the folder ('..')")
    return parts


def extract_zip(data: bytes, target: Path, name: str, limit: int) -> None:
    """Extract a zip's plain files and folders into ``target`` (created), within the limits above."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise UsageError(f"{name} is not a readable zip ({exc})") from None
    if len(members) > MAX_MEMBERS:
        raise UsageError(f"{name} holds {len(members):,} members, more than the {MAX_MEMBERS:,} this UI extracts")
    declared = 0
    plan = []
    for info in members:
        try:
            parts = member_parts(info.filename)
        except UsageError as exc:
            raise UsageError(f"{name}: {exc}; nothing extracted") from None
        kind = stat.S_IFMT(info.external_attr >> 16)  # 0: no Unix file type given (a plain file)
        if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
            raise UsageError(f"{name}: member {info.filename!r} is a link or a special file; nothing extracted")
        if info.flag_bits & 0x1:
            raise UsageError(f"{name}: member {info.filename!r} is encrypted; nothing extracted")
        declared += info.file_size
        if declared > limit:
            raise UsageError(f"{name} extracts to more than {limit // (1024 * 1024)} MB; nothing extracted")
        if parts:
            plan.append((info, parts))
    target.mkdir(parents=True)
    root = target.resolve()
    written = 0
    for info, parts in plan:
        path = target.joinpath(*parts)
        if root not in path.resolve().parents:
            raise UsageError(f"{name}: member {info.filename!r} leaves the folder")
        try:
            if info.is_dir():
                path.mkdir(parents=True, exist_ok=True)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as source, open(path, "xb") as sink:
                while chunk := source.read(_CHUNK):
                    written += len(chunk)
                    if written > limit:
                        raise UsageError(f"{name} extracts to more than {limit // (1024 * 1024)} MB")
                    sink.write(chunk)
        except FileExistsError:
            raise UsageError(f"{name}: member {info.filename!r} is in the zip twice") from None
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError, ValueError) as exc:
            raise UsageError(f"{name}: member {info.filename!r} cannot be extracted ({exc})") from None
        except OSError as exc:
            raise UsageError(f"{name}: member {info.filename!r} cannot be extracted: {exc.strerror or exc}") from None
