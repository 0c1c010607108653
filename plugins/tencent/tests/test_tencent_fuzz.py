"""Hostile hierarchy files (issue 16): mutated, truncated and random ones give the right answer or one clear line.

The parser is held to an independent model of the format (:func:`model`):
it must accept exactly the files the model accepts, with the same
categories, and refuse the others with one ``FILE:LINE`` line, never another
exception. The CLI is run on the same kind of files in a bounded child
process. Inputs start from a small valid file built here and from slices of
the real one. ``WILDCARDS_GEN_FUZZ_EXAMPLES=N`` runs N random examples.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from tencent_reference import HIERARCHY

from wildcards_gen import DataError
from wildcards_gen.testing import SHARED_DATA, assert_clean_exit, fuzz_settings, run_bounded
from wildcards_gen_tencent import hierarchy

HEADER = "category_index\tcategory_id\tindex_of_parent_category\tcategory name\n"
SMALL = (
    HEADER
    + "0\tn00015388\t-1\tanimal, animate being, beast\n"
    + "1\tn02084071\t0\tdog, domestic dog\n"
    + "2\tn02121620\t0\tcat, true cat\n"
    + "3\tn02085374\t1\ttoy dog\n"
    + "4\tn00021939\t-1\tartifact, artefact\n"
    + "5\tn03791235\t4\tmotor vehicle\n"
).encode()
REAL = SHARED_DATA / HIERARCHY
# Pieces that parsers trip on: separators, signs, long and non-ASCII digits, BOM, bad UTF-8, odd whitespace.
TOKENS = [
    b"\t",
    b"\n",
    b"\r\n",
    b"\r",
    b",",
    b", ,",
    b" ",
    b"-1",
    b"-",
    b"+",
    b"0",
    b"007",
    b"9" * 12,
    b"1" * 4400,
    "\u0661".encode(),
    "\uff17".encode(),
    b"\xef\xbb\xbf",
    b"\x00",
    b"\xff\xfe",
    b"\xc3",
    "\u00a0".encode(),
    "\u2028".encode(),
    "\x85".encode(),
    b"n02084071",
    b"n9999999",
    b"n00015388",
    HEADER.encode(),
    "é, Beagle".encode(),
]


def real_lines() -> list[bytes]:
    if not REAL.is_file():
        pytest.skip(f"reference data not found at {REAL}")
    return REAL.read_bytes().split(b"\n")[1:-1]


@st.composite
def base_file(draw) -> bytes:
    """The small valid file, or a slice of the real one: a prefix (valid) or a window from the middle."""
    if not draw(st.booleans()):
        return SMALL
    rows = real_lines()
    start = draw(st.sampled_from([0, 0, draw(st.integers(0, len(rows) - 1))]))
    end = draw(st.integers(start + 1, min(len(rows), start + 400)))
    return HEADER.encode() + b"\n".join(rows[start:end]) + b"\n"


@st.composite
def mutated(draw) -> bytes:
    """A base file after one to four edits: cut, deletion, insertion, overwrite, a repeated or moved line."""
    data = bytearray(draw(base_file()))
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        body = len(HEADER) if draw(st.integers(0, 9)) and len(data) > len(HEADER) else 0  # mostly past the header
        at = draw(st.integers(body, len(data)))
        kind = draw(st.sampled_from(["cut", "delete", "insert", "insert", "overwrite", "repeat line", "move line"]))
        if kind == "cut":
            del data[at:]
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 20))]
        elif kind in ("insert", "overwrite"):
            piece = draw(st.sampled_from(TOKENS) if draw(st.integers(0, 4)) else st.binary(min_size=1, max_size=8))
            data[at : at + (len(piece) if kind == "overwrite" else 0)] = piece
        else:
            lines = bytes(data).split(b"\n")
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            line = lines[i] if kind == "repeat line" else lines.pop(i)
            lines.insert(min(j, len(lines)), line)
            data = bytearray(b"\n".join(lines))
    if data and not data.endswith(b"\n") and draw(st.integers(0, 3)):
        data += b"\n"  # most damage is inside a file that still ends well
    return bytes(data)


_NAME_CHARS = st.characters(codec="utf-8", exclude_characters="\n")


@st.composite
def random_file(draw) -> bytes:
    """A file of random rows in roughly the right shape: numbers, ids and names drawn independently."""
    count = draw(st.integers(0, 12))
    number = st.one_of(
        st.integers(-2, count + 2).map(str), st.sampled_from(["", "x", "+1", "-0", " 1 ", "01", "9" * 10, "\u0663"])
    )
    wnid = st.one_of(
        st.sampled_from(["n00015388", "n02084071", "n02121620", "n99999999"]),
        st.sampled_from(["n00015388", " n02084071", "N02084071", "n0208407", "n020840711"]),
        st.from_regex(r"n[0-9]{8}", fullmatch=True),
        st.text(max_size=10),
    )
    name = st.one_of(
        st.from_regex(r"[a-z]{1,8}( [a-z]{1,8})?(, [a-z]{1,8}){0,2}", fullmatch=True),
        st.text(_NAME_CHARS, max_size=20),
    )
    rows = []
    for i in range(count):
        index = str(i) if draw(st.integers(0, 9)) else draw(number)
        parent = str(draw(st.integers(-1, i - 1))) if draw(st.integers(0, 9)) else draw(number)
        good = draw(st.sampled_from(["n00015388", "n02084071", "n02121620", "n99999999"]))
        cols = [index, good if draw(st.integers(0, 19)) else draw(wnid), parent, draw(name)]
        if draw(st.integers(0, 29)) == 0:
            cols = cols[: draw(st.integers(0, 3))] if draw(st.booleans()) else [*cols, "extra"]
        rows.append("\t".join(cols))
    header = HEADER if draw(st.integers(0, 9)) else draw(st.sampled_from(["", "\ufeff" + HEADER, HEADER.upper()]))
    end = "\n" if draw(st.integers(0, 9)) else draw(st.sampled_from(["", "\r\n"]))
    return (header + "\n".join(rows) + end).encode("utf-8")


# -- the model -----------------------------------------------------------------------------


class Refused(Exception):
    """The model's verdict: not a hierarchy file."""


def model(data: bytes) -> list[tuple]:
    """The format's rules written out plainly: ``(index, wnid, parent, names, line, id)`` per category."""
    if not data or not data.endswith(b"\n"):
        raise Refused("empty or truncated")
    try:
        lines = data.decode("utf-8").split("\n")[:-1]
    except UnicodeDecodeError:
        raise Refused("not UTF-8") from None
    header = lines[0].lstrip("\ufeff").rstrip("\r")
    if [c.strip() for c in header.split("\t")] != HEADER.rstrip("\n").split("\t"):
        raise Refused("header")
    rows, seen = [], set()
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        cols = [c.strip() for c in line.rstrip("\r").split("\t")]
        if len(cols) != 4:
            raise Refused("columns")
        index, wnid, parent, text = cols
        if not all(re.fullmatch(r"[+-]?[0-9]{1,9}", n) for n in (index, parent)):
            raise Refused("number")
        if not re.fullmatch(r"n[0-9]{8}", wnid) or int(index) < 0 or int(index) in seen:
            raise Refused("id")
        names = tuple(dict.fromkeys(" ".join(p.split()) for p in text.split(",") if p.split()))
        if not names:
            raise Refused("name")
        seen.add(int(index))
        rows.append((int(index), wnid, int(parent), names, number))
    if not rows:
        raise Refused("no rows")
    parent_of = {r[0]: r[2] for r in rows}
    for index in parent_of:
        steps, node = 0, index
        while node != -1:
            if node not in parent_of or steps > len(rows):
                raise Refused("parent missing or cycle")
            node, steps = parent_of[node], steps + 1
    repeated = {w for w in (r[1] for r in rows) if [x[1] for x in rows].count(w) > 1}
    return [(*r, f"{r[1]}#{r[0]}" if r[1] in repeated else r[1]) for r in rows]


def check_parser(data: bytes, path: Path) -> None:
    """The parser agrees with the model: the same categories, or a one-line ``FILE:LINE`` error."""
    try:
        expected = model(data)
    except Refused as why:
        expected = None
        event(f"refused: {why}")
    else:
        event("accepted")
    try:
        h = hierarchy.parse_bytes(path, data)
    except DataError as exc:
        message = str(exc)
        assert expected is None, f"refused a valid file: {message}"
        assert "\n" not in message and re.match(rf"{re.escape(str(path))}:\d+: \S", message), message
        return
    assert expected is not None, "accepted a file the model refuses"
    assert [tuple(c) for c in h.by_index.values()] == expected
    for c in h.by_index.values():  # the tree is whole: children in file order, every chain ends at a root
        assert h.level_of(c.index) >= 1
        assert h.children[c.index] == [k for k in h.by_index.values() if k.parent == c.index]


@fuzz_settings()
@given(data=mutated())
def test_mutated_files_parse_right_or_fail_cleanly(data, tmp_path):
    check_parser(data, tmp_path / "hierarchy.txt")


@fuzz_settings()
@given(data=random_file())
def test_random_files_parse_right_or_fail_cleanly(data, tmp_path):
    check_parser(data, tmp_path / "hierarchy.txt")


@fuzz_settings()
@given(data=base_file(), cut=st.floats(0, 1))
def test_every_cut_is_noticed(data, cut, tmp_path):
    """Cut anywhere: a cut inside a line is always reported as truncated, with its line."""
    end = int(len(data) * cut)
    check_parser(data[:end], tmp_path / "hierarchy.txt")
    if end and data[end - 1 : end] != b"\n":
        last = data[:end].count(b"\n") + 1
        with pytest.raises(DataError, match=rf":{last}: .*it looks truncated"):
            hierarchy.parse_bytes(tmp_path / "hierarchy.txt", data[:end])


@fuzz_settings()
@given(data=st.one_of(mutated(), random_file()))
def test_the_cli_on_hostile_files_exits_cleanly(data, tmp_path):
    """The real CLI in a child process under a time and memory limit: an output, or one error line and none."""
    path, out = tmp_path / "hierarchy.txt", tmp_path / "out.yaml"
    path.write_bytes(data)
    out.unlink(missing_ok=True)
    result = run_bounded(["dataset", "tencent", "--hierarchy-file", path, "--depth", "3", "-o", out], seconds=60)
    assert_clean_exit(result)
    event(f"exit {result.returncode}")
    if result.returncode == 0:
        assert out.is_file()
    else:
        assert not out.exists()
        assert re.fullmatch(r"Error: [^\n]+\n", result.stderr.decode("utf-8", "replace")), result.stderr
