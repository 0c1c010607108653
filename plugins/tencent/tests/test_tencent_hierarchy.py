"""The parser on its own: one parse per file version, shared by threads; tolerant of CRLF and BOM."""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from tencent_reference import HIERARCHY, read_input

from wildcards_gen import DataError
from wildcards_gen_tencent import hierarchy


def test_parse_matches_an_independent_reading(shared_data):
    h = hierarchy.parse(shared_data / HIERARCHY)
    cats, roots = read_input(shared_data / HIERARCHY)
    assert len(h) == len(cats) == 11166
    assert [c.wnid for c in h.roots] == [c.wnid for c in roots]
    assert len(set(h.by_id)) == len(cats)  # every WNID occurs once, so ids are plain WNIDs
    for index, cat in cats.items():
        mine = h.by_index[index]
        assert (mine.id, mine.name, list(mine.names)) == (cat.wnid, cat.name, cat.names)
        assert [c.index for c in h.children[index]] == [c.index for c in cat.children]  # file order


def test_load_parses_once_for_all_threads_and_again_after_a_change(shared_data, tmp_path):
    path = tmp_path / "h.txt"
    shutil.copyfile(shared_data / HIERARCHY, path)
    results, barrier = [], threading.Barrier(8)

    def worker():
        barrier.wait()
        results.append(hierarchy.load(path))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 8 and all(r is results[0] for r in results)
    assert hierarchy.load(path) is results[0]
    text = path.read_text(encoding="utf-8").replace("\tthing\n", "\tthings\n", 1)
    path.write_text(text, encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    again = hierarchy.load(path)
    assert again is not results[0] and again.roots[0].name == "things"


def test_crlf_and_bom_read_the_same(shared_data, tmp_path):
    original = (shared_data / HIERARCHY).read_text(encoding="utf-8")
    path = tmp_path / "crlf.txt"
    path.write_bytes(b"\xef\xbb\xbf" + original.replace("\n", "\r\n").encode("utf-8"))
    a, b = hierarchy.parse(shared_data / HIERARCHY), hierarchy.parse(path)
    assert [(c.index, c.wnid, c.parent, c.names) for c in a.by_index.values()] == [
        (c.index, c.wnid, c.parent, c.names) for c in b.by_index.values()
    ]


def test_one_pass_reader_and_line_reader_agree(shared_data):
    """The whole-file fast path gives exactly what the line-by-line checks give."""
    path = shared_data / HIERARCHY
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    fast = hierarchy._clean_rows(text[len(lines[0]) + 1 :], len(lines) - 1)
    assert fast is not None and len(fast) == 11166  # the published file takes the fast path
    assert fast == hierarchy._checked_rows(path, lines)
    assert hierarchy._clean_rows("1\tn00000001\t-1\tx\n01\tn00000002\t1\ty\n", 3) is None  # leading zero: checked


def test_a_chain_of_any_depth_parses_without_recursion(tmp_path):
    """200,000 categories each the child of the one before: no RecursionError anywhere in the parser."""
    import sys

    depth = 200_000
    assert depth > 50 * sys.getrecursionlimit()
    rows = "".join(f"{i}\tn02084071\t{i - 1}\tdog {i}\n" for i in range(1, depth))
    path = tmp_path / "deep.txt"
    path.write_text(hierarchy_header() + "0\tn00015388\t-1\tanimal\n" + rows, encoding="utf-8")
    h = hierarchy.parse(path)
    assert len(h) == depth and h.level_of(depth - 1) == depth
    assert [c.index for c in h.children[depth - 2]] == [depth - 1]
    cyclic = path.read_text(encoding="utf-8").replace("0\tn00015388\t-1\t", f"0\tn00015388\t{depth - 1}\t", 1)
    path.write_text(cyclic, encoding="utf-8")
    with pytest.raises(DataError, match=r"deep\.txt:2: category 0 is its own ancestor"):
        hierarchy.parse(path)


def test_the_same_size_and_time_with_other_content_is_read_again(shared_data, tmp_path):
    """Issue 16, finding 7: the per-process memo is keyed by content, not by size and mtime."""
    path = tmp_path / "h.txt"
    shutil.copyfile(shared_data / HIERARCHY, path)
    first = hierarchy.load(path)
    stat = path.stat()
    text = path.read_text(encoding="utf-8").replace("\tthing\n", "\tThing\n", 1)  # same length
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size and path.stat().st_mtime_ns == stat.st_mtime_ns
    again = hierarchy.load(path)
    assert again is not first and again.roots[0].name == "Thing"


def hierarchy_header() -> str:
    return "\t".join(hierarchy.HEADER) + "\n"
