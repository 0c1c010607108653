"""Keep the WordNet snapshot in the cache: found warm in a few ``stat`` calls, rebuilt when it must be.

Beside the snapshot lies a small manifest (JSON) holding the source's content
fingerprint (:meth:`Source.fingerprint`: a hash of the noun files, so the same
WordNet found at another path is reused) and the snapshot's own SHA-256.
Hashing costs ~30 ms, so the manifest also remembers the ``stat`` identity of
both (device, inode, size, mtime, ctime: any write changes it); only when that
changed is anything hashed. A snapshot whose hash no longer matches (zeroed
pages, truncation) is rebuilt with a warning.

Building happens under a file lock, so a second process waits and then reuses
the first one's work; it writes a temporary file that is renamed into place,
and temporary files left by killed processes are removed at the next build.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sys
import time
from pathlib import Path

from wildcards_gen import cache_files, wordnet_build, wordnet_source
from wildcards_gen.errors import DataError

FORMAT_VERSION = "5"
SNAPSHOT_NAME = f"wordnet-3.0-nouns-v{FORMAT_VERSION}.sqlite"
MANIFEST_NAME = f"wordnet-3.0-nouns-v{FORMAT_VERSION}.json"
LOCK_NAME = SNAPSHOT_NAME + ".lock"
# Our temporary files: ".<name>.<pid>.tmp" (the old format also left "-journal" beside it).
_TEMPORARY = re.compile(r"^\.wordnet-3\.0-nouns-v([0-9]+)\.(sqlite|json)\.([0-9]{1,10})\.tmp(-journal)?\Z")


class Snapshot:
    """The snapshot file in ``cache`` and what is known about it."""

    def __init__(self, cache: Path):
        self.cache = Path(cache)
        self.path = self.cache / SNAPSHOT_NAME
        self.manifest_path = self.cache / MANIFEST_NAME
        self.checked: dict | None = None  # the manifest as state() last verified it

    # -- checking ------------------------------------------------------------
    def manifest(self) -> dict | None:
        try:
            data = json.loads(self.manifest_path.read_bytes())
        except (OSError, ValueError):
            return None
        valid = (
            isinstance(data, dict)
            and data.get("format") == FORMAT_VERSION
            and isinstance(data.get("origin"), str)
            and isinstance(data.get("fingerprint"), str)
            and isinstance(data.get("source"), list)
            and isinstance(data.get("snapshot"), dict)
        )
        return data if valid else None

    def state(self, source) -> tuple[str, dict | None]:
        """``ok``, ``refresh`` (valid, but the remembered ``stat`` is out of date), ``missing``,
        ``stale`` (another WordNet or format) or ``corrupt`` (content no longer matches its hash).

        ``source`` None: no WordNet found; a snapshot that checks out is still usable.
        """
        if not self.path.is_file():
            return "missing", None
        manifest = self.manifest()
        if manifest is None:
            return "stale", None
        # stat before hashing: a write in between shows as a changed stat next time
        checked = {**manifest, "snapshot": dict(manifest["snapshot"])}
        if source is not None:
            checked["source"] = source.stat_key()
            if (
                checked["source"] != manifest["source"]
                and source.fingerprint(FORMAT_VERSION) != manifest["fingerprint"]
            ):
                return "stale", manifest
        checked["snapshot"]["stat"] = stat_key(self.path)
        if checked["snapshot"]["stat"] != manifest["snapshot"].get("stat") and _sha256(self.path) != manifest[
            "snapshot"
        ].get("sha256"):
            return "corrupt", manifest
        self.checked = checked  # what remember() records
        return ("ok" if checked == manifest else "refresh"), manifest

    # -- building ------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self, blocking: bool = True):
        """The build lock (yields False when ``blocking`` is off and another process holds it)."""
        try:
            self.cache.mkdir(parents=True, exist_ok=True)
            handle = open(self.cache / LOCK_NAME, "a")  # noqa: SIM115 (closed by the with below)
        except OSError as exc:
            _raise_write_error(exc, self.cache)
        with handle:
            import fcntl

            try:
                fcntl.flock(handle, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            yield True

    def clean_stale(self) -> list[str]:
        """Remove temporary files of builds that died (call with the lock held). Returns their names."""
        removed = []
        for entry in os.scandir(self.cache):
            found = _TEMPORARY.match(entry.name)
            if not found:
                continue
            ours = found.group(1) == FORMAT_VERSION  # under our lock, ours are all stale
            if ours or not cache_files.alive(int(found.group(3))):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
                    removed.append(entry.name)
        return removed

    def build(self, source, progress=None) -> dict:
        """Write the snapshot and its manifest (call with the lock held)."""
        started = time.perf_counter()
        source_key = source.stat_key()  # before hashing, as in state()
        fingerprint = source.fingerprint(FORMAT_VERSION)
        tmp = self.cache / f".{SNAPSHOT_NAME}.{os.getpid()}.tmp"
        try:
            tmp.unlink(missing_ok=True)
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))  # a clear error if we cannot
        except OSError as exc:
            _raise_write_error(exc, self.cache)
        meta = {
            "format": FORMAT_VERSION,
            "fingerprint": fingerprint,
            "source": str(source.location),
            "origin": source.origin,
            "wordnet_version": "3.0",
        }
        try:
            count = wordnet_build.write(tmp, source, meta, progress or wordnet_build.Progress())
            digest = _sha256(tmp)
            os.replace(tmp, self.path)
        except BaseException as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            _raise_write_error(exc, self.cache)
        manifest = {
            "format": FORMAT_VERSION,
            "fingerprint": fingerprint,
            "source": source_key,
            "snapshot": {"stat": stat_key(self.path), "sha256": digest},
            "origin": source.origin,
            "synsets": count,
            "built_in_s": round(time.perf_counter() - started, 3),
        }
        self.write_manifest(manifest)
        return manifest

    def write_manifest(self, manifest: dict) -> None:
        tmp = self.cache / f".{MANIFEST_NAME}.{os.getpid()}.tmp"
        try:
            tmp.write_text(json.dumps(manifest, indent=1))
            os.replace(tmp, self.manifest_path)
        except BaseException as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            _raise_write_error(exc, self.cache)

    def remember(self, manifest: dict | None) -> None:
        """Record the ``stat`` identities that :meth:`state` just verified by hash, if nobody is building.

        Best effort: in a read-only cache the next start simply hashes again.
        """
        with contextlib.suppress(DataError, OSError), self.lock(blocking=False) as held:
            if held and self.checked is not None and self.manifest() == manifest:
                self.write_manifest(self.checked)


def _raise_write_error(exc: BaseException, cache: Path):
    """Raise ``exc``, a full disk or an unwritable folder as one line naming the folder."""
    error = _write_error(exc, cache)
    if error is exc:
        raise exc
    raise error from exc


def _write_error(exc: BaseException, cache: Path) -> BaseException:
    """A full disk or an unwritable folder as one line naming the folder; anything else unchanged."""
    import errno
    import sqlite3

    if isinstance(exc, sqlite3.OperationalError) and any(
        w in str(exc) for w in ("full", "I/O", "readonly", "unable to open")
    ):
        reason, full = str(exc), "full" in str(exc) or "I/O" in str(exc)
    elif isinstance(exc, OSError):
        reason, full = exc.strerror or str(exc), exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EIO)
    else:
        return exc
    remedy = (
        "free some space there or set WILDCARDS_GEN_CACHE to another folder"
        if full
        else "set WILDCARDS_GEN_CACHE to a writable folder"
    )
    return DataError(f"cannot write the WordNet snapshot into the cache folder {cache} ({reason}); {remedy}")


def stat_key(path: Path) -> list | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def _sha256(path: Path) -> str | None:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()


class _Bar(wordnet_build.Progress):
    """tqdm on stderr, shown only on a terminal and only once the build has taken a second."""

    def __init__(self, total: int):
        from tqdm import tqdm

        self.bar = tqdm(
            total=total,
            desc="Building WordNet snapshot",
            unit="B",
            unit_scale=True,
            file=sys.stderr,
            delay=1.0,
            leave=False,
        )

    def update(self, n: int) -> None:
        self.bar.update(n)

    def close(self) -> None:
        self.bar.close()


def _progress(source):
    if not sys.stderr.isatty():
        return None
    return _Bar(source.size("index.noun") + source.size("data.noun"))


def ensure(cache: Path, verbose: int = 0) -> tuple[Path, str]:
    """The path of a valid snapshot in ``cache`` and the origin of its WordNet; builds it if needed."""
    snapshot = Snapshot(cache)
    try:
        source = wordnet_source.locate(cache, allow_download=False)
    except DataError:
        source = None  # perhaps only downloadable; a valid snapshot still serves
    state, manifest = snapshot.state(source)
    if state in ("ok", "refresh"):
        if state == "refresh":
            snapshot.remember(manifest)
        built_from = (manifest or {}).get("origin", "?")
        origin = source.origin if source else f"the snapshot (built from {built_from}; no WordNet found now)"
        return snapshot.path, origin
    with snapshot.lock():
        removed = snapshot.clean_stale()
        if removed:
            _log(verbose, f"removed temporary files of an interrupted build: {', '.join(removed)}")
        source = wordnet_source.locate(cache, allow_download=True)
        state, manifest = snapshot.state(source)  # another process may have built it meanwhile
        if state == "refresh":
            snapshot.remember(manifest)
        elif state != "ok":
            if state == "corrupt":
                _warn(
                    f"WordNet snapshot {snapshot.path} is damaged (its content no longer matches its hash); rebuilding it"
                )
            elif state == "stale" and manifest is not None:
                _log(verbose, f"WordNet source or snapshot format changed; rebuilding {snapshot.path}")
            progress = _progress(source)
            try:
                built = snapshot.build(source, progress)
            finally:
                if progress is not None:
                    progress.close()
            _log(
                verbose,
                f"Built the WordNet snapshot from {source.origin} in {built['built_in_s']:.2f} s "
                f"({built['synsets']} synsets): {snapshot.path}",
            )
    return snapshot.path, source.origin


def rebuild(cache: Path, opened: list | None, verbose: int = 0) -> None:
    """Rebuild after SQLite reported damage, unless another process already replaced the file we read.

    ``opened``: :func:`stat_key` of the file when it was opened; a new inode means a new file.
    """
    snapshot = Snapshot(cache)
    with snapshot.lock():
        current = stat_key(snapshot.path)
        if opened is not None and current is not None and current[:2] != opened[:2]:
            return  # replaced since we opened it
        snapshot.clean_stale()
        source = wordnet_source.locate(cache, allow_download=True)
        _warn(f"WordNet snapshot {snapshot.path} is damaged (SQLite could not read it); rebuilding it")
        snapshot.build(source)


def _warn(message: str) -> None:
    print(f"Warning: {message}", file=sys.stderr)


def _log(verbose: int, message: str) -> None:
    if verbose:
        print(message, file=sys.stderr)
