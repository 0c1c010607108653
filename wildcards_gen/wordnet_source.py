"""Find Princeton WordNet 3.0 as an NLTK corpus, without importing NLTK unless needed.

Resolution order: NLTK's own data path; a database folder (``$WORDNET_DIR``,
else Debian's ``/usr/share/wordnet``) imported into the cache as an NLTK
corpus; ``nltk.download`` into the cache; else an error naming all three.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sys
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from wildcards_gen.errors import DataError

SYSTEM_WORDNET = "/usr/share/wordnet"
# Files NLTK's WordNetCorpusReader opens; index.sense and lexnames included.
CORPUS_FILES = (
    "data.adj", "data.adv", "data.noun", "data.verb",
    "index.adj", "index.adv", "index.noun", "index.verb",
    "adj.exc", "adv.exc", "noun.exc", "verb.exc",
    "index.sense", "lexnames",
)
OPTIONAL_FILES = ("cntlist.rev", "LICENSE", "README", "citation.bib")

# `man 5 lexnames`: the fixed table Debian's packages leave out.
LEXNAMES = [
    "adj.all", "adj.pert", "adv.all", "noun.Tops", "noun.act", "noun.animal",
    "noun.artifact", "noun.attribute", "noun.body", "noun.cognition",
    "noun.communication", "noun.event", "noun.feeling", "noun.food", "noun.group",
    "noun.location", "noun.motive", "noun.object", "noun.person", "noun.phenomenon",
    "noun.plant", "noun.possession", "noun.process", "noun.quantity", "noun.relation",
    "noun.shape", "noun.state", "noun.substance", "noun.time", "verb.body",
    "verb.change", "verb.cognition", "verb.communication", "verb.competition",
    "verb.consumption", "verb.contact", "verb.creation", "verb.emotion",
    "verb.motion", "verb.perception", "verb.possession", "verb.social",
    "verb.stative", "verb.weather", "adj.ppl",
]
_CATEGORY = {"noun": 1, "verb": 2, "adj": 3, "adv": 4}

REMEDIES = (
    "WordNet 3.0 not found. Fix it one of three ways: "
    "(1) python -c \"import nltk; nltk.download('wordnet')\"; "
    "(2) install the Debian/Ubuntu packages: apt-get install wordnet-base wordnet-sense-index "
    "(or point WORDNET_DIR at a WordNet 3.0 database folder); "
    "(3) allow network access so wildcards-gen can download it into its cache"
)


@dataclass(frozen=True)
class Source:
    """Where the NLTK-format corpus lives, and how it got there."""

    kind: str  # "nltk-data", "imported", "downloaded"
    corpus: Path  # a folder or a wordnet.zip
    origin: str  # human description for -v

    def fingerprint(self) -> str:
        """Changes whenever the corpus files change (size and mtime)."""
        h = hashlib.sha256()
        if self.corpus.is_file():
            st = self.corpus.stat()
            h.update(f"{self.corpus}:{st.st_size}:{st.st_mtime_ns}".encode())
        else:
            for name in ("data.noun", "index.noun", "index.sense", "lexnames"):
                p = self.corpus / name
                st = p.stat()
                h.update(f"{name}:{st.st_size}:{st.st_mtime_ns}".encode())
        return h.hexdigest()[:16]


def nltk_data_dirs() -> list[Path]:
    """NLTK's default search path, computed the way ``nltk.data.path`` is."""
    dirs = []
    env = os.environ.get("NLTK_DATA")
    if env:
        dirs.extend(env.split(os.pathsep))
    dirs.append(os.path.expanduser("~/nltk_data"))
    for prefix in {sys.prefix, getattr(sys, "base_prefix", sys.prefix)}:
        dirs.extend(os.path.join(prefix, sub) for sub in ("nltk_data", "share/nltk_data", "lib/nltk_data"))
    dirs.extend(["/usr/share/nltk_data", "/usr/local/share/nltk_data", "/usr/lib/nltk_data", "/usr/local/lib/nltk_data"])
    return [Path(d) for d in dirs]


def _corpus_in(data_dir: Path) -> Path | None:
    folder = data_dir / "corpora" / "wordnet"
    if (folder / "data.noun").is_file() and (folder / "lexnames").is_file():
        return folder
    archive = data_dir / "corpora" / "wordnet.zip"
    if archive.is_file():
        return archive
    return None


def _database_version(folder: Path) -> str | None:
    """The version in data.adj's licence header, as NLTK's get_version reads it."""
    with open(folder / "data.adj", encoding="latin-1") as fh:
        for _, line in zip(range(40), fh):
            match = re.search(r"Word[nN]et (\d+\+?|\d+\.\d+) Copyright", line)
            if match:
                return match.group(1)
    return None


def import_database(folder: Path, cache: Path) -> Path:
    """Copy a WordNet database folder into ``cache/nltk_data`` as an NLTK corpus."""
    missing = [n for n in CORPUS_FILES if n != "lexnames" and not (folder / n).is_file()]
    if missing:
        hint = " (install wordnet-sense-index)" if missing == ["index.sense"] else ""
        raise DataError(f"WordNet folder {folder} lacks {', '.join(missing)}{hint}")
    version = _database_version(folder)
    if version != "3.0":
        raise DataError(f"WordNet in {folder} is version {version or 'unknown'}; wildcards-gen needs WordNet 3.0 (ImageNet and Tencent ids are 3.0 offsets)")
    target = cache / "nltk_data" / "corpora" / "wordnet"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".wordnet-", dir=target.parent))
    try:
        for name in CORPUS_FILES + OPTIONAL_FILES:
            src = folder / name
            if src.is_file():
                shutil.copyfile(src, tmp / name)  # real copies: NLTK refuses symlinks
        if not (tmp / "lexnames").is_file():
            lines = [
                f"{i:02d}\t{name}\t{_CATEGORY[name.split('.')[0]]}\n" for i, name in enumerate(LEXNAMES)
            ]
            (tmp / "lexnames").write_text("".join(lines))
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def locate(cache: Path, allow_download: bool = True) -> Source:
    """Resolve the WordNet corpus following the documented chain."""
    for data_dir in nltk_data_dirs():
        corpus = _corpus_in(data_dir)
        if corpus is not None:
            return Source("nltk-data", corpus, f"NLTK data path {data_dir}")

    cached = _corpus_in(cache / "nltk_data")
    folder_env = os.environ.get("WORDNET_DIR")
    folder = Path(folder_env) if folder_env else Path(SYSTEM_WORDNET)
    if (folder / "data.noun").is_file():
        origin = f"{'WORDNET_DIR' if folder_env else 'system WordNet'} {folder}, imported into {cache / 'nltk_data'}"
        if cached is not None and cached.is_dir() and _same_import(folder, cached):
            return Source("imported", cached, origin)
        return Source("imported", import_database(folder, cache), origin)
    if folder_env:
        raise DataError(f"WORDNET_DIR={folder_env} is not a WordNet database folder (no data.noun)")

    if cached is not None:
        return Source("downloaded", cached, f"wildcards-gen cache {cache / 'nltk_data'}")
    if allow_download and _download(cache):
        corpus = _corpus_in(cache / "nltk_data")
        if corpus is not None:
            return Source("downloaded", corpus, f"nltk.download into {cache / 'nltk_data'}")
    raise DataError(REMEDIES)


def _same_import(folder: Path, cached: Path) -> bool:
    """True when the cached copy was imported from these very files."""
    for name in ("data.noun", "index.sense"):
        src, dst = folder / name, cached / name
        if not dst.is_file() or src.stat().st_size != dst.stat().st_size:
            return False
    return True


def _download(cache: Path) -> bool:
    try:
        import nltk

        return bool(nltk.download("wordnet", download_dir=str(cache / "nltk_data"), quiet=True, raise_on_error=False))
    except Exception:
        return False


def open_reader(source: Source):
    """An NLTK ``WordNetCorpusReader`` over ``source`` (imports NLTK)."""
    import nltk
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    data_dir = source.corpus.parent.parent
    if str(data_dir) not in nltk.data.path:
        nltk.data.path.insert(0, str(data_dir))
    root = nltk.data.find("corpora/wordnet.zip/wordnet/" if source.corpus.suffix == ".zip" else "corpora/wordnet")
    with warnings.catch_warnings():  # "multilingual functions are not available": no OMW, as intended
        warnings.simplefilter("ignore", UserWarning)
        reader = WordNetCorpusReader(root, None)
    version = reader.get_version()
    if version != "3.0":
        raise DataError(f"WordNet at {source.corpus} is version {version}; wildcards-gen needs WordNet 3.0")
    return reader
