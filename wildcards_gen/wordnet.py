"""WordNet 3.0 nouns at memory speed: one small API over a SQLite snapshot.

The snapshot is built once from the NLTK corpus that :mod:`wordnet_source`
resolves (NLTK stays the source of truth) and rebuilt when that corpus or the
snapshot format changes. Reads use one SQLite connection per thread and a
memo of decoded synsets, so any thread may call any method.
"""

from __future__ import annotations

import difflib
import os
import re
import sqlite3
import sys
import threading
from pathlib import Path
from typing import NamedTuple

from wildcards_gen import paths, wordnet_source
from wildcards_gen.errors import UsageError

FORMAT_VERSION = "3"
SNAPSHOT_NAME = f"wordnet-3.0-nouns-v{FORMAT_VERSION}.sqlite"
_WNID = re.compile(r"^n(\d{8})$")
_SYNSET_NAME = re.compile(r"^.+\.n\.\d+$")


class Synset(NamedTuple):
    """A WordNet noun synset, as the snapshot stores it (a tuple: cheap to build by the thousand)."""

    wnid: str
    name: str  # e.g. dog.n.01
    lemmas: tuple  # display names, spaces instead of underscores
    gloss: str
    lexname: str
    min_depth: int
    hypernyms: tuple  # wnids
    hyponyms: tuple
    instance_hypernyms: tuple
    instance_hyponyms: tuple

    @property
    def display(self) -> str:
        return self.lemmas[0]


def wnid_of(offset: int) -> str:
    return f"n{offset:08d}"


class WordNet:
    """Read-only access to the snapshot; safe to share between threads."""

    def __init__(self, path: Path, origin: str = ""):
        self.path = Path(path)
        self.origin = origin
        self._local = threading.local()
        self._memo: dict[str, Synset] = {}

    def _db(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(f"file:{self.path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
            self._local.conn = conn
        return conn

    # -- lookups -------------------------------------------------------------
    def synset(self, key: str) -> Synset | None:
        """The synset for a WNID (``n02084071``) or synset name (``dog.n.01``)."""
        key = key.strip()
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        match = _WNID.match(key)
        if match:
            row = self._db().execute("SELECT * FROM synset WHERE id = ?", (int(match.group(1)),)).fetchone()
        elif _SYNSET_NAME.match(key):
            row = self._db().execute("SELECT * FROM synset WHERE name = ?", (key.lower(),)).fetchone()
        else:
            return None
        if row is None:
            return None
        synset = self._decode(row)
        self._memo[key] = synset
        self._memo[synset.wnid] = self._memo[synset.name] = synset
        return synset

    def prefetch(self, wnids) -> None:
        """Load many synsets in a few queries (a plugin about to ask for thousands)."""
        wanted = sorted({int(w[1:]) for w in wnids if w not in self._memo and _WNID.match(w)})
        db = self._db()
        for start in range(0, len(wanted), 900):
            chunk = wanted[start:start + 900]
            rows = db.execute(f"SELECT * FROM synset WHERE id IN ({','.join('?' * len(chunk))})", chunk)
            for row in rows:
                synset = self._decode(row)
                self._memo[synset.wnid] = self._memo[synset.name] = synset

    def glosses(self, wnids) -> dict[str, str]:
        """``{wnid: gloss}`` for the WNIDs among ``wnids`` that WordNet has, in a few queries.

        Cheaper than :meth:`prefetch` (a quarter of the time) when a plugin
        needs only the definitions of thousands of nodes.
        """
        found = {w: s.gloss for w in wnids if (s := self._memo.get(w)) is not None}
        by_id = {int(w[1:]): w for w in wnids if w not in found and _WNID.match(w)}
        wanted = sorted(by_id)
        db = self._db()
        for start in range(0, len(wanted), 900):
            chunk = wanted[start:start + 900]
            for id_, gloss in db.execute(f"SELECT id, gloss FROM synset WHERE id IN ({','.join('?' * len(chunk))})", chunk):
                found[by_id[id_]] = gloss
        return found

    def hyponym_table(self) -> dict[str, tuple]:
        """``{wnid: (hyponym and instance hyponym WNIDs)}`` for every noun synset, in one query."""
        rows = self._db().execute("SELECT id, hyponyms, instance_hyponyms FROM synset")
        return {f"n{id_:08d}": tuple((hypo + " " + ihypo).split()) for id_, hypo, ihypo in rows}

    def _decode(self, row) -> Synset:
        id_, name, lemmas, gloss, lexname, depth, hyper, hypo, ihyper, ihypo = row
        return Synset(f"n{id_:08d}", name, tuple(lemmas.split("\t")), gloss, lexname, depth,
                      tuple(hyper.split()), tuple(hypo.split()), tuple(ihyper.split()), tuple(ihypo.split()))

    def senses(self, lemma: str) -> list[Synset]:
        """The noun senses of ``lemma`` in WordNet's sense order (most frequent first)."""
        key = lemma.strip().lower().replace(" ", "_")
        rows = self._db().execute("SELECT id FROM lemma WHERE lemma = ? ORDER BY rank", (key,)).fetchall()
        return [self.synset(wnid_of(r[0])) for r in rows]

    def primary(self, lemma: str) -> Synset | None:
        """The first (most frequent) noun sense of ``lemma``."""
        senses = self.senses(lemma)
        return senses[0] if senses else None

    def resolve(self, text: str) -> tuple[Synset, list[Synset]]:
        """A WNID, synset name or lemma to a synset; also the lemma's other senses.

        Raises :class:`UsageError` with close matches when nothing fits.
        """
        synset = self.synset(text)
        if synset is not None:
            return synset, []
        if _WNID.match(text.strip()) or _SYNSET_NAME.match(text.strip()):
            raise UsageError(f"{text!r} is not a WordNet 3.0 noun synset{self._suggest(text)}")
        senses = self.senses(text)
        if not senses:
            raise UsageError(f"{text!r} is not a WordNet noun{self._suggest(text)}")
        return senses[0], senses[1:]

    def _suggest(self, text: str) -> str:
        base = text.strip().lower().split(".")[0].replace(" ", "_")
        prefix = base[:1]  # one letter: typos in the second letter ('dgo') still find 'dog'
        rows = self._db().execute("SELECT DISTINCT lemma FROM lemma WHERE lemma LIKE ?", (prefix + "%",)).fetchall()
        lemmas = [r[0] for r in rows]
        swapped = sorted(l for l in lemmas if l != base and sorted(l) == sorted(base))  # 'dgo' -> 'dog'
        close = swapped + [l for l in difflib.get_close_matches(base, lemmas, n=5, cutoff=0.6) if l not in swapped]
        close = close[:5]
        return f"; did you mean: {', '.join(close)}?" if close else ""

    def ancestors(self, wnid: str) -> set[str]:
        """Every hypernym (regular and instance) above ``wnid``, transitively."""
        return self.upward_closure([wnid]) - {wnid}

    def upward_closure(self, wnids) -> set[str]:
        """``wnids`` and all their hypernyms (regular and instance), fetched a level at a time."""
        seen = set(wnids)
        frontier = list(seen)
        while frontier:
            if len(frontier) > 50:
                self.prefetch(frontier)
            parents = set()
            for wnid in frontier:
                s = self.synset(wnid)
                parents.update(s.hypernyms)
                parents.update(s.instance_hypernyms)
            frontier = [p for p in parents if p not in seen]
            seen.update(frontier)
        return seen

    def is_below(self, wnid: str, ancestor: str) -> bool:
        return wnid == ancestor or ancestor in self.ancestors(wnid)


# -- building and opening the snapshot -------------------------------------------

_instance: WordNet | None = None
_instance_lock = threading.Lock()


def get(verbose: int = 0) -> WordNet:
    """The process-wide WordNet, resolving and (re)building the snapshot on first use."""
    global _instance
    with _instance_lock:
        if _instance is None:
            _instance = open_snapshot(paths.cache_dir(), verbose=verbose)
        return _instance


def reset() -> None:
    """Forget the open WordNet (tests that change the cache folder)."""
    global _instance
    with _instance_lock:
        _instance = None


def open_snapshot(cache: Path, verbose: int = 0) -> WordNet:
    source = wordnet_source.locate(cache)
    fingerprint = f"{FORMAT_VERSION}:{source.fingerprint()}"
    path = cache / SNAPSHOT_NAME
    state = _snapshot_state(path, fingerprint)
    if state != "ok":
        import fcntl

        with open(cache / (SNAPSHOT_NAME + ".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # a second process waits here, then reuses
            state = _snapshot_state(path, fingerprint)
            if state != "ok":
                if state == "corrupt":
                    _warn(f"WordNet snapshot {path} is unreadable; rebuilding it")
                elif state == "stale":
                    _log(verbose, f"WordNet source changed; rebuilding snapshot {path}")
                _build(source, path, fingerprint)
    return WordNet(path, source.origin)


def _snapshot_state(path: Path, fingerprint: str) -> str:
    if not path.exists():
        return "missing"
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
            count = conn.execute("SELECT count(*) FROM synset").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return "corrupt"
    if meta.get("synsets") != str(count) or count == 0:
        return "corrupt"
    return "ok" if meta.get("fingerprint") == fingerprint else "stale"


def _build(source, path: Path, fingerprint: str) -> None:
    """Write the snapshot to a temporary file, then rename it into place."""
    reader = wordnet_source.open_reader(source)
    synsets = list(reader.all_synsets("n"))
    from tqdm import tqdm

    bar = tqdm(total=len(synsets), desc="Building WordNet snapshot", unit="synset",
               file=sys.stderr, disable=not sys.stderr.isatty(), leave=False)
    rows, lemma_rows = [], []
    depth: dict[int, int] = {}
    for s in synsets:
        depth[s.offset()] = s.min_depth()
    for s in synsets:
        rows.append((
            s.offset(), s.name(), "\t".join(l.replace("_", " ") for l in s.lemma_names()),
            s.definition(), s.lexname(), depth[s.offset()],
            _offsets(s.hypernyms()), _offsets(s.hyponyms()),
            _offsets(s.instance_hypernyms()), _offsets(s.instance_hyponyms()),
        ))
        bar.update()
    bar.close()
    for lemma in {name.lower() for s in synsets for name in s.lemma_names()}:
        for rank, s in enumerate(reader.synsets(lemma, "n")):
            lemma_rows.append((lemma, rank, s.offset()))
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    conn = sqlite3.connect(tmp)
    try:
        conn.executescript(
            """
            CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);
            CREATE TABLE synset(id INTEGER PRIMARY KEY, name TEXT, lemmas TEXT, gloss TEXT,
                lexname TEXT, min_depth INTEGER, hypernyms TEXT, hyponyms TEXT,
                instance_hypernyms TEXT, instance_hyponyms TEXT);
            CREATE TABLE lemma(lemma TEXT, rank INTEGER, id INTEGER);
            """
        )
        conn.executemany("INSERT INTO synset VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
        conn.executemany("INSERT INTO lemma VALUES (?,?,?)", lemma_rows)
        conn.execute("CREATE INDEX synset_name ON synset(name)")
        conn.execute("CREATE INDEX lemma_lemma ON lemma(lemma, rank)")
        conn.executemany("INSERT INTO meta VALUES (?,?)", [
            ("fingerprint", fingerprint), ("synsets", str(len(rows))),
            ("source", str(source.corpus)), ("wordnet_version", "3.0"),
        ])
        conn.commit()
    finally:
        conn.close()
    os.replace(tmp, path)


def _offsets(synsets) -> str:
    """WNIDs by ascending offset: NLTK keeps pointers in a set, whose order varies per process."""
    return " ".join(wnid_of(o) for o in sorted(x.offset() for x in synsets))


def _warn(message: str) -> None:
    print(f"Warning: {message}", file=sys.stderr)


def _log(verbose: int, message: str) -> None:
    if verbose:
        print(message, file=sys.stderr)
