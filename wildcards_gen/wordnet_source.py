"""Find Princeton WordNet 3.0's database files, without importing NLTK unless it must download.

Resolution order: NLTK's own data path (a ``corpora/wordnet`` folder or
``wordnet.zip``); a database folder (``$WORDNET_DIR``, else Debian's
``/usr/share/wordnet``); what ``nltk.download`` fetched into the cache
earlier; ``nltk.download`` into the cache now; else an error naming the
remedies. The snapshot builder reads the noun files straight from there:
nothing is copied, so nothing can be half-copied.
"""

from __future__ import annotations

import hashlib
import io
import os
import sys
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from wildcards_gen.errors import DataError

SYSTEM_WORDNET = "/usr/share/wordnet"
# The files the snapshot is built from; lexnames is optional (Debian leaves it out).
NOUN_FILES = ("data.noun", "index.noun", "noun.exc")
LEXNAMES_FILE = "lexnames"

# `man 5 lexnames`: the fixed table Debian's packages leave out.
LEXNAMES = [
    "adj.all",
    "adj.pert",
    "adv.all",
    "noun.Tops",
    "noun.act",
    "noun.animal",
    "noun.artifact",
    "noun.attribute",
    "noun.body",
    "noun.cognition",
    "noun.communication",
    "noun.event",
    "noun.feeling",
    "noun.food",
    "noun.group",
    "noun.location",
    "noun.motive",
    "noun.object",
    "noun.person",
    "noun.phenomenon",
    "noun.plant",
    "noun.possession",
    "noun.process",
    "noun.quantity",
    "noun.relation",
    "noun.shape",
    "noun.state",
    "noun.substance",
    "noun.time",
    "verb.body",
    "verb.change",
    "verb.cognition",
    "verb.communication",
    "verb.competition",
    "verb.consumption",
    "verb.contact",
    "verb.creation",
    "verb.emotion",
    "verb.motion",
    "verb.perception",
    "verb.possession",
    "verb.social",
    "verb.stative",
    "verb.weather",
    "adj.ppl",
]

REMEDIES = (
    "WordNet 3.0 not found. Fix it one of three ways: "
    "(1) python -c \"import nltk; nltk.download('wordnet')\"; "
    "(2) install the Debian/Ubuntu packages: apt-get install wordnet-base wordnet-sense-index "
    "(or point WORDNET_DIR at a WordNet 3.0 database folder); "
    "(3) allow network access so wildcards-gen can download it into its cache"
)


@dataclass(frozen=True)
class Source:
    """A WordNet database: a folder of files or NLTK's ``wordnet.zip``, and how it was found."""

    kind: str  # "nltk-data", "wordnet-dir", "system", "downloaded"
    location: Path  # a folder or a wordnet.zip
    origin: str  # human description for -v

    @property
    def is_zip(self) -> bool:
        return self.location.suffix == ".zip"

    def describe(self, name: str) -> str:
        """Where file ``name`` is, for error messages."""
        return f"{self.location}:{self._member(name)}" if self.is_zip else str(self.location / name)

    def _member(self, name: str) -> str:
        with zipfile.ZipFile(self.location) as archive:
            names = archive.namelist()
        for candidate in (f"wordnet/{name}", name):
            if candidate in names:
                return candidate
        return next((n for n in names if n.endswith(f"/{name}")), f"wordnet/{name}")

    def size(self, name: str) -> int:
        """Bytes in file ``name`` (uncompressed), 0 if unknown."""
        try:
            if self.is_zip:
                with zipfile.ZipFile(self.location) as archive:
                    return archive.getinfo(self._member(name)).file_size
            return (self.location / name).stat().st_size
        except (OSError, zipfile.BadZipFile, KeyError):
            return 0

    def has(self, name: str) -> bool:
        if self.is_zip:
            with zipfile.ZipFile(self.location) as archive:
                return self._member(name) in archive.namelist()
        return (self.location / name).is_file()

    @contextmanager
    def open(self, name: str):
        """The lines of file ``name`` (UTF-8 text, as NLTK reads it), streamed."""
        try:
            if self.is_zip:
                with zipfile.ZipFile(self.location) as archive, archive.open(self._member(name)) as raw:
                    yield io.TextIOWrapper(raw, encoding="utf-8")
            else:
                with open(self.location / name, encoding="utf-8") as fh:
                    yield fh
        except (OSError, zipfile.BadZipFile, KeyError) as exc:
            raise DataError(
                f"cannot read WordNet's {self.describe(name)}: {getattr(exc, 'strerror', None) or exc}"
            ) from exc
        except UnicodeDecodeError as exc:
            raise DataError(
                f"WordNet's {self.describe(name)} is not UTF-8 text ({exc.reason} at byte {exc.start})"
            ) from exc

    def files(self) -> list[str]:
        """The files a snapshot is built from, as present here."""
        return [*NOUN_FILES, *([LEXNAMES_FILE] if self.has(LEXNAMES_FILE) else [])]

    def lexnames(self) -> list[str]:
        """The lexicographer file names, from ``lexnames`` or the fixed table."""
        if not self.has(LEXNAMES_FILE):
            return list(LEXNAMES)
        from wildcards_gen.wordnet_build import read_lexnames

        with self.open(LEXNAMES_FILE) as lines:
            return read_lexnames(lines)

    def stat_key(self) -> list:
        """Identity of the files as the OS sees them: any write changes it (ctime included)."""
        paths = [self.location] if self.is_zip else [self.location / n for n in self.files()]
        key = []
        for path in paths:
            try:
                st = path.stat()
            except OSError as exc:
                raise DataError(f"cannot read WordNet's {path}: {exc.strerror}") from exc
            key.append([str(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns])
        return key

    def fingerprint(self, version: str) -> str:
        """A hash of what the snapshot is built from: the same WordNet anywhere gives the same one.

        Size and SHA-256 of each noun file's content, the lexicographer names
        (read or fixed, so Debian's folder and NLTK's copy agree) and ``version``
        (the snapshot format).
        """
        h = hashlib.sha256(f"wordnet-snapshot:{version}\n".encode())
        for name in NOUN_FILES:
            size, digest = self._digest(name)
            h.update(f"{name}:{size}:{digest}\n".encode())
        h.update("\n".join(self.lexnames()).encode())
        return h.hexdigest()

    def _digest(self, name: str) -> tuple[int, str]:
        h, size = hashlib.sha256(), 0
        try:
            if self.is_zip:
                with zipfile.ZipFile(self.location) as archive, archive.open(self._member(name)) as fh:
                    size = _hash_stream(fh, h)
            else:
                with open(self.location / name, "rb") as fh:
                    size = _hash_stream(fh, h)
        except (OSError, zipfile.BadZipFile, KeyError) as exc:
            raise DataError(
                f"cannot read WordNet's {self.describe(name)}: {getattr(exc, 'strerror', None) or exc}"
            ) from exc
        return size, h.hexdigest()

    def check(self) -> Source:
        """Raise :class:`DataError` naming any noun file this database lacks."""
        missing = [n for n in NOUN_FILES if not self.has(n)]
        if missing:
            raise DataError(
                f"WordNet at {self.location} lacks {', '.join(missing)}; "
                "reinstall it (apt-get install --reinstall wordnet-base, or nltk.download('wordnet'))"
            )
        return self


def _hash_stream(fh, h) -> int:
    size = 0
    while chunk := fh.read(1 << 20):
        h.update(chunk)
        size += len(chunk)
    return size


def nltk_data_dirs() -> list[Path]:
    """NLTK's default search path, computed the way ``nltk.data.path`` is."""
    dirs = []
    env = os.environ.get("NLTK_DATA")
    if env:
        dirs.extend(env.split(os.pathsep))
    dirs.append(os.path.expanduser("~/nltk_data"))
    for prefix in {sys.prefix, getattr(sys, "base_prefix", sys.prefix)}:
        dirs.extend(os.path.join(prefix, sub) for sub in ("nltk_data", "share/nltk_data", "lib/nltk_data"))
    dirs.extend(
        ["/usr/share/nltk_data", "/usr/local/share/nltk_data", "/usr/lib/nltk_data", "/usr/local/lib/nltk_data"]
    )
    return [Path(d) for d in dirs]


def _corpus_in(data_dir: Path) -> Path | None:
    """NLTK's WordNet under an NLTK data folder: the unzipped folder first, as NLTK looks."""
    folder = data_dir / "corpora" / "wordnet"
    if (folder / "data.noun").is_file():
        return folder
    archive = data_dir / "corpora" / "wordnet.zip"
    if archive.is_file():
        return archive
    return None


def locate(cache: Path, allow_download: bool = True) -> Source:
    """Resolve the WordNet database following the documented chain (only ``stat`` calls, unless downloading)."""
    for data_dir in nltk_data_dirs():
        corpus = _corpus_in(data_dir)
        if corpus is not None:
            return Source("nltk-data", corpus, f"NLTK data path {data_dir}").check()

    folder_env = os.environ.get("WORDNET_DIR")
    folder = Path(folder_env) if folder_env else Path(SYSTEM_WORDNET)
    if (folder / "data.noun").is_file():
        kind, what = ("wordnet-dir", "WORDNET_DIR") if folder_env else ("system", "system WordNet")
        return Source(kind, folder, f"{what} {folder}").check()
    if folder_env:
        raise DataError(f"WORDNET_DIR={folder_env} is not a WordNet database folder (no data.noun)")

    downloads = cache / "nltk_data"
    cached = _corpus_in(downloads)
    if cached is not None:
        return Source("downloaded", cached, f"wildcards-gen cache {downloads}").check()
    if allow_download and _download(downloads):
        corpus = _corpus_in(downloads)
        if corpus is not None:
            return Source("downloaded", corpus, f"nltk.download into {downloads}").check()
    raise DataError(REMEDIES)


def _download(target: Path) -> bool:
    """``nltk.download('wordnet')`` into ``target`` (the caller holds the snapshot lock)."""
    try:
        import nltk

        return bool(nltk.download("wordnet", download_dir=str(target), quiet=True, raise_on_error=False))
    except Exception:
        return False


def main() -> int:
    """``python -m wildcards_gen.wordnet_source``: where WordNet is (exit 0), else the remedies (exit 1).

    Never downloads; ``scripts/setup-wordnet`` uses it to decide whether to install.
    """
    from wildcards_gen import paths

    try:
        source = locate(paths.cache_dir(), allow_download=False)
    except DataError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(source.origin)
    return 0


if __name__ == "__main__":
    sys.exit(main())
