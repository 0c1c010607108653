"""Build the noun snapshot straight from WordNet's database files, in one streaming pass.

NLTK's corpus reader needs 11-20 s and 530 MiB to hand out every noun synset;
reading ``index.noun``, ``noun.exc`` and ``data.noun`` line by line and
writing each row as it is parsed takes about a second and keeps little in
memory: the sense index (for NLTK's synset names and the lemma table) and
the hypernym graph as integers (for ``min_depth``). Every answer is NLTK's:
the tests compare all 82,115 synsets and every lemma's senses with NLTK.
"""

from __future__ import annotations

import re
import sqlite3
from array import array
from collections import defaultdict
from pathlib import Path

from wildcards_gen.errors import DataError

SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE synset(id INTEGER PRIMARY KEY, name TEXT, lemmas TEXT, gloss TEXT,
    lexname TEXT, min_depth INTEGER, hypernyms TEXT, hyponyms TEXT,
    instance_hypernyms TEXT, instance_hyponyms TEXT, descendants INTEGER);
CREATE TABLE lemma(lemma TEXT PRIMARY KEY, offsets TEXT) WITHOUT ROWID;
"""

# NLTK's WordNetCorpusReader.MORPHOLOGICAL_SUBSTITUTIONS[NOUN], in its order.
NOUN_SUBSTITUTIONS = (
    ("s", ""),
    ("ses", "s"),
    ("ves", "f"),
    ("xes", "x"),
    ("zes", "z"),
    ("ches", "ch"),
    ("shes", "sh"),
    ("men", "man"),
    ("ies", "y"),
)
_SUFFIXES = tuple(old for old, _ in NOUN_SUBSTITUTIONS)
# NLTK's definition(): the gloss without its quoted examples, stripped of spaces and ';'.
_QUOTED = re.compile(r"[\"].*?[\"]")
_MARKER = re.compile(r"(.*?)(\([^()]*\))?$")  # NLTK strips a syntactic marker, "(p)", from lemmas
_VERSION = re.compile(r"Word[nN]et (\d+\+?|\d+\.\d+) Copyright")
_RELATIONS = {"@": 0, "~": 1, "@i": 2, "~i": 3}  # hypernyms, hyponyms, instance hyper-/hyponyms


class Progress:
    """Told the characters read, every few thousand lines (a progress bar overrides ``update``)."""

    def update(self, n: int) -> None:
        pass


def read_lexnames(lines) -> list[str]:
    """``lexnames`` as NLTK reads it: ``NN<tab>name<tab>category``, numbered from 0."""
    names = []
    for i, line in enumerate(lines):
        parts = line.split()
        if len(parts) != 3 or not parts[0].isdigit() or int(parts[0]) != i:
            raise DataError(f"lexnames, line {i + 1}: not 'NN name category': {line.strip()[:60]!r}")
        names.append(parts[1])
    return names


def read_index(lines, name: str = "index.noun", progress: Progress = Progress()) -> dict[str, str]:
    """``{lemma: "offset offset ..."}`` in sense order: 8-digit offsets, one space apart.

    One string per lemma (not a tuple of them) halves the memory; a sense's
    rank is then its position divided by 9.
    """
    index = {}
    chars = 0
    for number, line in enumerate(lines, 1):
        chars += len(line)
        if number % 8192 == 0:
            progress.update(chars)
            chars = 0
        if line.startswith(" "):
            continue
        parts = line.split()
        try:
            count, pointers = int(parts[2]), int(parts[3])
            if count < 1 or len(parts) != 6 + pointers + count or int(parts[4 + pointers]) != count:
                raise ValueError
            offsets = parts[-1] if count == 1 else " ".join(parts[-count:])
            if len(offsets) != 9 * count - 1 or not offsets.replace(" ", "").isdigit():
                raise ValueError
        except (ValueError, IndexError):
            raise DataError(f"{name}, line {number}: not a WordNet index line: {line.strip()[:60]!r}") from None
        index[parts[0]] = offsets
    progress.update(chars)
    return index


def read_exceptions(lines) -> dict[str, list[str]]:
    """``noun.exc``: inflected form -> base forms, as NLTK's morphy uses them."""
    exceptions = {}
    for line in lines:
        terms = line.split()
        if terms:
            exceptions[terms[0]] = terms[1:]
    return exceptions


def morphy(form: str, index: dict, exceptions: dict) -> list[str]:
    """NLTK's ``_morphy(form, 'n')``: the form and its base forms that are nouns, once each."""
    if form in exceptions:
        forms = [form, *exceptions[form]]
    elif form.endswith(_SUFFIXES):
        forms = [form] + [form[: -len(old)] + new for old, new in NOUN_SUBSTITUTIONS if form.endswith(old)]
    else:
        return [form] if form in index else []
    result = []
    for f in forms:
        if f in index and f not in result:
            result.append(f)
    return result


def parse_data(
    lines,
    index: dict,
    lexnames: list,
    edges: tuple[array, array],
    seen: set,
    name: str = "data.noun",
    progress: Progress = Progress(),
):
    """Yield one snapshot row per synset line of ``data.noun`` (``min_depth`` left at 0).

    Checks the version in the licence header first (ImageNet and Tencent ids
    are WordNet 3.0 offsets). Fills ``edges`` (child, parent offsets of every
    hypernym and instance hypernym) and ``seen`` (each lemma, lower case).
    Offsets stay 8-digit text: SQLite's INTEGER columns convert them, and as
    text they sort like numbers.
    """
    children, parents = edges
    relation = _RELATIONS.get
    version, checked, chars = None, False, 0
    for number, line in enumerate(lines, 1):
        chars += len(line)
        if number % 4096 == 0:
            progress.update(chars)
            chars = 0
        if line[:1].isspace():
            found = version is None and _VERSION.search(line)
            if found:
                version = found.group(1)
            continue
        if not checked:
            if version != "3.0":
                raise DataError(
                    f"{name} is WordNet version {version or 'unknown'}; wildcards-gen needs "
                    "WordNet 3.0 (ImageNet and Tencent ids are 3.0 offsets)"
                )
            checked = True
        try:
            columns, bar, gloss = line.partition("|")
            if not bar or "|" in gloss:
                raise ValueError("expected one '|' before the gloss")
            tokens = columns.split()
            offset = tokens[0]
            lexname = lexnames[int(tokens[1])]
            end = 4 + 2 * int(tokens[3], 16)
            lemmas = tokens[4:end:2]
            if any(lemma[-1] == ")" for lemma in lemmas):
                lemmas = [m.group(1) if (m := _MARKER.match(lemma)) else lemma for lemma in lemmas]
            if len(offset) != 8 or not offset.isdigit():
                raise ValueError(f"offset {offset!r} is not 8 digits")
            count = int(tokens[end])
            pointers = tokens[end + 1 : end + 1 + 4 * count]
            if len(pointers) != 4 * count or not lemmas:
                raise ValueError("too few fields")
            related: tuple[list, list, list, list] = ([], [], [], [])
            for symbol, target, ends in zip(pointers[0::4], pointers[1::4], pointers[3::4]):
                kind = relation(symbol)
                if kind is not None and ends == "0000":  # a synset pointer, not a word's
                    related[kind].append(target)
            first = lemmas[0].lower()
            rank = index.get(first, "").find(offset) // 9 + 1
            if rank == 0:
                raise ValueError(f"index.noun lists no sense {offset} of {first!r}")
        except (ValueError, IndexError) as exc:
            raise DataError(
                f"{name}, line {number}: not a WordNet noun synset line ({exc}): {line.strip()[:60]!r}"
            ) from None
        hypernyms, hyponyms, instance_hypernyms, instance_hyponyms = related
        for parent in (*hypernyms, *instance_hypernyms):
            children.append(int(offset))
            parents.append(int(parent))
        seen.add(first)
        for lemma in lemmas[1:]:
            seen.add(lemma.lower())
        if '"' in gloss:
            gloss = _QUOTED.sub("", gloss)
        yield (
            offset,
            f"{first}.n.{rank:02d}",
            "\t".join(lemmas).replace("_", " "),
            gloss.strip().strip("; "),
            lexname,
            0,
            _wnids(hypernyms),
            _wnids(hyponyms),
            _wnids(instance_hypernyms),
            _wnids(instance_hyponyms),
        )
    progress.update(chars)


def _wnids(offsets: list) -> str:
    """WNIDs by ascending offset, once each (NLTK keeps pointers in a set)."""
    if not offsets:
        return ""
    return " ".join(["n" + o for o in sorted(set(offsets))])


def min_depths(edges: tuple[array, array]) -> dict[int, int]:
    """NLTK's ``min_depth()`` for every synset below a root: shortest hypernym path, breadth first.

    Synsets absent from the answer have no hypernym at all (depth 0).
    """
    children, parents = edges
    below = defaultdict(list)
    for child, parent in zip(children, parents):
        below[parent].append(child)
    has_parent = set(children)
    frontier = [p for p in below if p not in has_parent]
    depth = {}
    level = 0
    while frontier:
        level += 1
        nxt = []
        for parent in frontier:
            for child in below[parent]:
                if child not in depth:
                    depth[child] = level
                    nxt.append(child)
        frontier = nxt
    return depth


def descendant_counts(edges: tuple[array, array]) -> dict[int, int]:
    """Synsets below each synset down the hyponym graph (regular and instance), a synset reached
    by two paths counted twice: what information content (``wordnet_measures``) is made of.

    Synsets absent from the answer have nothing below them.
    """
    children, parents = edges
    below = defaultdict(list)
    for child, parent in zip(children, parents):
        below[parent].append(child)
    count: dict[int, int] = {}
    for start in list(below):
        if start in count:
            continue
        stack = [(start, False)]
        while stack:  # iterative post-order
            node, done = stack.pop()
            if done:
                count[node] = sum(1 + count.get(k, 0) for k in below.get(node, ()))
            elif node not in count:
                stack.append((node, True))
                stack.extend((k, False) for k in below.get(node, ()) if k not in count and k in below)
    return count


def lemma_rows(seen: set, index: dict, exceptions: dict):
    """``(lemma, "offset offset ...")``: the senses NLTK's ``synsets(lemma, 'n')`` gives, in its order.

    That is the lemma's own senses, then those of its base forms (morphy:
    'glasses' also finds 'glass'); lemmas without a sense are left out.
    """
    for lemma in sorted(seen):
        if lemma not in exceptions and not lemma.endswith(_SUFFIXES):
            offsets = index.get(lemma)
        else:
            offsets = " ".join(index[form] for form in morphy(lemma, index, exceptions))
        if offsets:
            yield lemma, offsets


def write(path: Path, source, meta: dict, progress: Progress = Progress()) -> int:
    """Write the snapshot for ``source`` (a :class:`wordnet_source.Source`) to ``path``.

    Returns the number of synsets. ``path`` must not exist; on any error the
    caller removes it (no journal is written, so there is nothing else).
    """
    lexnames = source.lexnames()
    with source.open("index.noun") as lines:
        index = read_index(lines, source.describe("index.noun"), progress)
    with source.open("noun.exc") as lines:
        exceptions = read_exceptions(lines)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA page_size = 8192")  # measured: fewer page splits, a smaller file
        conn.execute("PRAGMA journal_mode = OFF")  # a temporary file renamed when complete
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("BEGIN")
        for statement in SCHEMA.strip().split(";"):
            if statement.strip():
                conn.execute(statement)
        edges: tuple[array, array] = (array("l"), array("l"))
        seen: set = set()
        with source.open("data.noun") as lines:
            rows = parse_data(lines, index, lexnames, edges, seen, source.describe("data.noun"), progress)
            conn.executemany("INSERT INTO synset VALUES (?,?,?,?,?,?,?,?,?,?,0)", rows)
        conn.executemany("INSERT INTO lemma VALUES (?,?)", lemma_rows(seen, index, exceptions))
        del index, seen  # before the depths: the peak stays that of the streaming pass
        depth = min_depths(edges)
        below = descendant_counts(edges)
        del edges
        conn.executemany(
            "UPDATE synset SET min_depth = ?, descendants = ? WHERE id = ?",
            ((depth.get(i, 0), below.get(i, 0), i) for i in sorted(set(depth) | set(below))),
        )
        del depth, below
        conn.execute("CREATE INDEX synset_name ON synset(name)")
        count = conn.execute("SELECT count(*) FROM synset").fetchone()[0]
        conn.executemany("INSERT INTO meta VALUES (?,?)", [*meta.items(), ("synsets", str(count))])
        conn.execute("COMMIT")
    finally:
        conn.close()
    return count
