"""The stored copy of the checked hierarchy: written once, read back the same, never stale or trusted when damaged."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from tencent_reference import HIERARCHY

from wildcards_gen import DataError
from wildcards_gen.model import Run
from wildcards_gen.stats import Stats
from wildcards_gen_tencent import hierarchy, stored


@pytest.fixture
def setup(shared_data, tmp_path, wn, monkeypatch):
    """A private copy of the file, a cache folder for the stored copy, and a count of real parses."""
    path = tmp_path / "h.txt"
    shutil.copyfile(shared_data / HIERARCHY, path)
    cache = tmp_path / "cache"
    parses = []
    real_parse = hierarchy.parse
    monkeypatch.setattr(hierarchy, "parse", lambda p: parses.append(p) or real_parse(p))
    as_if_new_process()

    def load():
        run = Run(dataset="tencent", options={}, stats=Stats(), cache_dir=cache)
        return stored.load(path, run)

    yield path, cache / "tencent" / stored.NAME, parses, load
    as_if_new_process()


def as_if_new_process():
    """Forget what this process parsed or read, so the next load goes to the stored copy or the file."""
    stored._memo.clear()
    hierarchy._cache.clear()


def snapshot(h, glosses):
    return [tuple(c) for c in h.by_index.values()], dict(h.children), [c.index for c in h.roots], glosses


def test_written_once_and_read_back_the_same(setup):
    _path, stored_at, parses, load = setup
    first = load()
    assert len(parses) == 1 and stored_at.is_file()
    assert len(first[1]) == 11166 and first[1]["n02084071"].startswith("a member of the genus Canis")
    as_if_new_process()
    second = load()
    assert len(parses) == 1  # read from the stored copy, not parsed
    assert snapshot(*second) == snapshot(*first)


def test_a_changed_file_is_parsed_again(setup):
    path, stored_at, parses, load = setup
    load()
    text = path.read_text(encoding="utf-8").replace("\tthing\n", "\tthings\n", 1)
    path.write_text(text, encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    as_if_new_process()
    h, _ = load()
    assert len(parses) == 2 and h.roots[0].name == "things"
    assert json.loads(stored_at.read_text())["key"][3] == path.stat().st_mtime_ns


@pytest.mark.parametrize("damage", ["truncated", "wrong shape", "not json"])
def test_a_damaged_copy_is_ignored_and_rewritten(setup, damage):
    path, stored_at, parses, load = setup
    first = load()
    text = stored_at.read_text()
    stored_at.write_text(
        {
            "truncated": text[: len(text) // 2],
            "wrong shape": json.dumps({"key": json.loads(text)["key"], "categories": [[1, 2]]}),
            "not json": "\x00garbage",
        }[damage]
    )
    as_if_new_process()
    again = load()
    assert len(parses) == 2
    assert snapshot(*again) == snapshot(*first)
    rewritten = json.loads(stored_at.read_text())
    assert rewritten["key"][1] == str(path.resolve()) and len(rewritten["categories"]) == 11166


def test_a_bad_file_is_never_stored(setup):
    path, stored_at, _parses, load = setup
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[5] = lines[5].replace("\t", " ", 1)
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(DataError, match=r"h\.txt:6: expected 4 tab-separated columns"):
        load()
    assert not stored_at.exists()


def test_cli_output_is_the_same_from_the_stored_copy(cli, shared_data, tmp_path):
    args = ["dataset", "tencent", "--hierarchy-file", shared_data / HIERARCHY, "--smart", "--preset", "balanced"]
    outputs = []
    for name in ("a", "b"):
        as_if_new_process()  # the second run reads the copy the first one stored
        out = tmp_path / f"{name}.yaml"
        assert cli(*args, "-o", out).exit_code == 0
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
