"""WordNet 3.0 nouns at memory speed: one small API over a SQLite snapshot.

The snapshot is built once from the WordNet database files that
:mod:`wordnet_source` finds (:mod:`wordnet_build` reads them the way NLTK
does, and the tests hold it to NLTK's answers) and rebuilt when their content
or the snapshot format changes (:mod:`wordnet_snapshot`). Reads use one SQLite
connection per thread and a memo of decoded synsets, so any thread may call
any method. If SQLite finds the file damaged mid-run, it is rebuilt once and
the query retried.
"""

from __future__ import annotations

import difflib
import os
import re
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from wildcards_gen import paths, wordnet_snapshot
from wildcards_gen.errors import DataError, UsageError

FORMAT_VERSION = wordnet_snapshot.FORMAT_VERSION
_COLUMNS = "id, name, lemmas, gloss, lexname, min_depth, hypernyms, hyponyms, instance_hypernyms, instance_hyponyms"
SNAPSHOT_NAME = wordnet_snapshot.SNAPSHOT_NAME
_WNID = re.compile(r"^n([0-9]{8})\Z")  # ASCII digits: int() also reads other scripts' digits
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


def _like(text: str) -> str:
    """``text`` with SQL LIKE's wildcards escaped (``\\`` is the escape character)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class WordNet:
    """Read-only access to the snapshot; safe to share between threads."""

    def __init__(self, path: Path, origin: str = "", verbose: int = 0):
        self.path = Path(path)
        self.origin = origin
        self.verbose = verbose
        self._local = threading.local()
        self._memo: dict[str, Synset] = {}
        self._lemma_offsets: dict[str, tuple] = {}  # lemma -> its synsets' offsets (memo of senses())
        self._generation = 0  # bumped by a repair: every thread reconnects
        self._repair_lock = threading.Lock()
        self._opened = wordnet_snapshot.stat_key(self.path)

    def _db(self) -> sqlite3.Connection:
        """This thread's connection; a forked worker process opens its own (SQLite connections must not cross a fork)."""
        conn = getattr(self._local, "conn", None)
        if conn is None or self._local.generation != self._generation or self._local.pid != os.getpid():
            self._local.generation = self._generation
            self._local.pid = os.getpid()
            conn = sqlite3.connect(f"file:{self.path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
            self._local.conn = conn
        return conn

    def _rows(self, sql: str, args=()) -> list:
        """All rows of one query; damage that SQLite reports means one rebuild and one retry."""
        generation = getattr(self._local, "generation", self._generation)
        try:
            return self._db().execute(sql, args).fetchall()
        except (sqlite3.ProgrammingError, sqlite3.InterfaceError):
            raise
        except sqlite3.DatabaseError as exc:
            self._repair(generation, exc)
        try:
            return self._db().execute(sql, args).fetchall()
        except (sqlite3.ProgrammingError, sqlite3.InterfaceError):
            raise
        except sqlite3.DatabaseError as exc:
            raise DataError(
                f"WordNet snapshot {self.path} is unreadable even after a rebuild ({exc}); delete it and run again"
            ) from exc

    def _repair(self, generation: int, exc: Exception) -> None:
        with self._repair_lock:
            if generation != self._generation:
                return  # another thread repaired it meanwhile
            try:
                wordnet_snapshot.rebuild(self.path.parent, self._opened, self.verbose)
            except DataError as err:
                raise DataError(
                    f"WordNet snapshot {self.path} is damaged ({exc}) and could not be rebuilt: {err}"
                ) from err
            self._opened = wordnet_snapshot.stat_key(self.path)
            self._generation += 1

    # -- lookups -------------------------------------------------------------
    def synset(self, key: str) -> Synset | None:
        """The synset for a WNID (``n02084071``) or synset name (``dog.n.01``)."""
        key = key.strip()
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        match = _WNID.match(key)
        if match:
            rows = self._rows(f"SELECT {_COLUMNS} FROM synset WHERE id = ?", (int(match.group(1)),))
        elif _SYNSET_NAME.match(key):
            rows = self._rows(f"SELECT {_COLUMNS} FROM synset WHERE name = ?", (key.lower(),))
        else:
            return None
        if not rows:
            return None
        synset = self._decode(rows[0])
        self._memo[key] = synset
        self._memo[synset.wnid] = self._memo[synset.name] = synset
        return synset

    def prefetch(self, wnids) -> None:
        """Load many synsets in a few queries (a plugin about to ask for thousands)."""
        wanted = sorted({int(w[1:]) for w in wnids if w not in self._memo and _WNID.match(w)})
        for start in range(0, len(wanted), 900):
            chunk = wanted[start : start + 900]
            for row in self._rows(f"SELECT {_COLUMNS} FROM synset WHERE id IN ({','.join('?' * len(chunk))})", chunk):
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
        for start in range(0, len(wanted), 900):
            chunk = wanted[start : start + 900]
            for id_, gloss in self._rows(
                f"SELECT id, gloss FROM synset WHERE id IN ({','.join('?' * len(chunk))})", chunk
            ):
                found[by_id[id_]] = gloss
        return found

    def subtree_sizes(self) -> dict[str, int]:
        """``{wnid: 1 + the synsets below it}`` for every noun synset (down hyponyms and instance
        hyponyms; a synset reached by two paths counts twice), in one query."""
        rows = self._rows("SELECT id, descendants FROM synset")
        return {f"n{id_:08d}": 1 + below for id_, below in rows}

    def _decode(self, row) -> Synset:
        id_, name, lemmas, gloss, lexname, depth, hyper, hypo, ihyper, ihypo = row
        return Synset(
            f"n{id_:08d}",
            name,
            tuple(lemmas.split("\t")),
            gloss,
            lexname,
            depth,
            tuple(hyper.split()),
            tuple(hypo.split()),
            tuple(ihyper.split()),
            tuple(ihypo.split()),
        )

    def senses(self, lemma: str) -> list[Synset]:
        """The noun senses of ``lemma`` in WordNet's sense order (most frequent first)."""
        key = lemma.strip().lower().replace(" ", "_")
        offsets = self._lemma_offsets.get(key)
        if offsets is None:
            rows = self._rows("SELECT offsets FROM lemma WHERE lemma = ?", (key,))
            offsets = self._lemma_offsets[key] = tuple(rows[0][0].split()) if rows else ()
        found = [self.synset("n" + offset) for offset in offsets]
        return [s for s in found if s is not None]

    def prefetch_senses(self, lemmas) -> None:
        """Load many lemmas' senses, and their synsets, in a few queries (thousands of terms to look up)."""
        keys = sorted(
            {k for k in (str(l).strip().lower().replace(" ", "_") for l in lemmas) if k not in self._lemma_offsets}
        )
        found: dict[str, tuple] = {}
        for start in range(0, len(keys), 900):
            chunk = keys[start : start + 900]
            for lemma, offsets in self._rows(
                f"SELECT lemma, offsets FROM lemma WHERE lemma IN ({','.join('?' * len(chunk))})", chunk
            ):
                found[lemma] = tuple(offsets.split())
        for key in keys:
            self._lemma_offsets[key] = found.get(key, ())
        self.prefetch(["n" + offset for offsets in found.values() for offset in offsets])

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
        close = self.close_lemmas(text)
        return f"; did you mean: {', '.join(close)}?" if close else ""

    def close_lemmas(self, text: str, n: int = 5) -> list[str]:
        """Noun lemmas close to ``text`` (a typo, swapped letters), best first; for "did you mean"."""
        base = text.strip().lower().split(".")[0].replace(" ", "_")
        prefix = base[:1]  # one letter: typos in the second letter ('dgo') still find 'dog'
        rows = self._rows("SELECT lemma FROM lemma WHERE lemma LIKE ?", (prefix + "%",))
        lemmas = [r[0] for r in rows]
        swapped = sorted(l for l in lemmas if l != base and sorted(l) == sorted(base))  # 'dgo' -> 'dog'
        close = swapped + [l for l in difflib.get_close_matches(base, lemmas, n=n, cutoff=0.6) if l not in swapped]
        return close[:n]

    def lemmas_starting(self, prefix: str, limit: int = 10) -> list[str]:
        """Noun lemmas that start with ``prefix`` (spaces as ``_``), shortest first: search as you type."""
        key = prefix.strip().lower().replace(" ", "_")
        if not key:
            return []
        rows = self._rows(
            "SELECT lemma FROM lemma WHERE lemma LIKE ? ESCAPE '\\' ORDER BY length(lemma), lemma LIMIT ?",
            (_like(key) + "%", limit),
        )
        return [r[0] for r in rows]

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
            parents: set[str] = set()
            for wnid in frontier:
                s = self.synset(wnid)
                if s is not None:
                    parents.update(s.hypernyms)
                    parents.update(s.instance_hypernyms)
            frontier = [p for p in parents if p not in seen]
            seen.update(frontier)
        return seen

    def is_below(self, wnid: str, ancestor: str) -> bool:
        return wnid == ancestor or ancestor in self.ancestors(wnid)

    # -- mapping another dataset's class names ---------------------------------
    def match_all(
        self, names: Sequence[str], context: str | None = None, kinds: Sequence[Sequence[str]] | None = None
    ) -> list:
        """The noun synset each of a dataset's class names means, the names deciding each other.

        For datasets whose ids are not WordNet's: pass names that belong together
        (one supercategory's classes, one parent's children) and, as ``context``,
        their parent's name. "mouse" among keyboard, laptop and remote is the
        computer mouse; "orange" among banana and broccoli the fruit; "tie" among
        accessories the necktie. Up to 200 names are matched by similarity to the
        context and to each other (:func:`wildcards_gen.senses.match_senses`); a
        longer list, such as thousands of labels with no hierarchy, by agreement
        (:func:`wildcards_gen.senses.choose_senses`).

        :param names: class names as the dataset spells them ("Human face",
            "hot dog", "Salt and pepper shakers": plurals, hyphens, ``&`` and head
            nouns are handled).
        :param context: the parent's name or a WNID (a hint: senses below it score
            a little higher), or None.
        :param kinds: optionally, for each name, the names of its own kinds in the
            dataset (its children): a sense above them scores higher ("Person" over
            man and woman is the human being, not the body). Used for up to 200 names.
        :returns: one :class:`wildcards_gen.senses.SenseChoice` per name, in order:
            ``wnid`` (None when WordNet has no noun for it), ``how`` it was found
            (``exact``, ``compound``, ``head``), ``ambiguous`` (the best two senses
            were close), ``confidence`` (higher is surer) and every ``candidates`` WNID.
            Needs numpy and scipy (``pip install wildcards-gen[arrange]``).
        """
        from wildcards_gen import senses

        names = [str(n) for n in names]
        category = senses.resolve_category(self, context, names) if context else None
        if len(names) <= senses.MATCH_MAX_NAMES:
            return senses.match_senses(self, names, category, context, kinds)
        return senses.choose_senses(self, names, category)

    def match(self, name: str, context: str | None = None, siblings: Sequence[str] = ()) -> Any:
        """:meth:`match_all` for one name, with the names beside it as its context."""
        return self.match_all([name, *(s for s in siblings if s != name)], context)[0]


# -- opening the snapshot ---------------------------------------------------------

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
    """The WordNet of the snapshot in ``cache``, built or rebuilt first when needed."""
    path, origin = wordnet_snapshot.ensure(Path(cache), verbose)
    return WordNet(path, origin, verbose)
