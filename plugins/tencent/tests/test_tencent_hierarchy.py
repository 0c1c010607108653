"""The parser on its own: one parse per file version, shared by threads; tolerant of CRLF and BOM."""

from __future__ import annotations

import os
import shutil
import threading

from tencent_reference import HIERARCHY, read_input

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
