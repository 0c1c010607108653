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
    real_parse = hierarchy.parse_bytes
    monkeypatch.setattr(hierarchy, "parse_bytes", lambda p, data: parses.append(p) or real_parse(p, data))
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
    assert header_of(stored_at)["key"][1] == hierarchy.digest(path.read_bytes())


def header_of(stored_at):
    return json.loads(stored_at.read_bytes().partition(b"\n")[0])


def body_of(stored_at):
    return json.loads(stored_at.read_bytes().partition(b"\n")[2])


def test_an_edit_that_keeps_size_and_time_is_seen(setup):
    """Issue 16, finding 7: the copy was keyed by path, size and mtime, so this edit gave the old content."""
    path, _stored_at, parses, load = setup
    load()
    stat = path.stat()
    path.write_text(path.read_text(encoding="utf-8").replace("\tthing\n", "\tThing\n", 1), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (stat.st_size, stat.st_mtime_ns)
    as_if_new_process()
    h, _ = load()
    assert len(parses) == 2 and h.roots[0].name == "Thing"


def test_the_same_content_at_another_path_reuses_the_copy(setup, tmp_path):
    path, _stored_at, parses, load = setup
    first = load()
    os.replace(path, tmp_path / "moved.txt")
    shutil.copyfile(tmp_path / "moved.txt", path)  # a new file (new inode and time), the same bytes
    as_if_new_process()
    again = load()
    assert len(parses) == 1 and snapshot(*again) == snapshot(*first)


def drop_half_the_categories(stored_at):
    """Valid JSON, a valid header, half the categories gone: what a torn or edited copy can look like."""
    head, _, body = stored_at.read_bytes().partition(b"\n")
    data = json.loads(body)
    data["categories"] = data["categories"][: len(data["categories"]) // 2]
    stored_at.write_bytes(head + b"\n" + json.dumps(data, ensure_ascii=False).encode())


@pytest.mark.parametrize("damage", ["truncated", "wrong shape", "not json", "valid json, half the rows", "one byte"])
def test_a_damaged_copy_is_ignored_and_rewritten(setup, damage, capfd):
    path, stored_at, parses, load = setup
    first = load()
    raw = stored_at.read_bytes()
    head = raw.partition(b"\n")[0]
    if damage == "valid json, half the rows":
        drop_half_the_categories(stored_at)
    elif damage == "one byte":
        at = len(raw) - 1000
        stored_at.write_bytes(raw[:at] + bytes([raw[at] ^ 0x01]) + raw[at + 1 :])
    else:
        stored_at.write_bytes(
            {
                "truncated": raw[: len(raw) // 2],
                "wrong shape": head + b"\n" + json.dumps({"categories": [[1, 2]]}).encode(),
                "not json": b"\x00garbage",
            }[damage]
        )
    capfd.readouterr()
    as_if_new_process()
    again = load()
    assert len(parses) == 2
    assert snapshot(*again) == snapshot(*first)
    assert f"Warning: the stored copy of the Tencent hierarchy {stored_at} is damaged" in capfd.readouterr().err
    assert header_of(stored_at)["key"][1] == hierarchy.digest(path.read_bytes())
    assert len(body_of(stored_at)["categories"]) == 11166


def test_a_copy_of_an_older_format_is_replaced_quietly(setup, capfd):
    _path, stored_at, parses, load = setup
    first = load()
    body = body_of(stored_at)
    stored_at.write_text(json.dumps({"key": [1, "x"], **body}))  # format 1: one JSON object
    capfd.readouterr()
    as_if_new_process()
    assert snapshot(*load()) == snapshot(*first) and len(parses) == 2
    assert capfd.readouterr().err == ""
    assert header_of(stored_at)["format"] == stored.FORMAT


def test_cli_half_a_copy_gives_the_whole_output(cli, shared_data, tmp_path, session_cache):
    """The reported case: valid-JSON damage dropped half the categories and still exited 0."""
    args = ["dataset", "tencent", "--hierarchy-file", shared_data / HIERARCHY, "--depth", 3]
    as_if_new_process()
    assert cli(*args, "-o", tmp_path / "a.yaml").exit_code == 0
    drop_half_the_categories(session_cache / "tencent" / stored.NAME)
    as_if_new_process()
    result = cli(*args, "-o", tmp_path / "b.yaml")
    assert result.exit_code == 0 and "is damaged (its checksum does not match)" in result.stderr
    assert (tmp_path / "a.yaml").read_bytes() == (tmp_path / "b.yaml").read_bytes()


def test_a_damaged_copy_without_its_source_is_a_clear_error(cli, tmp_path, monkeypatch):
    """Nothing to rebuild from: one line saying how to get the file, never the damaged copy."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("WILDCARDS_GEN_CACHE", str(cache))
    monkeypatch.setenv("WILDCARDS_GEN_TENCENT_URL", "http://127.0.0.1:9/dictionary_and_semantic_hierarchy.txt")
    (cache / "tencent").mkdir(parents=True)
    (cache / "tencent" / stored.NAME).write_text('{"format": 2}\n{"categories": [], "glosses": {}}')
    as_if_new_process()
    result = cli("dataset", "tencent", "-o", tmp_path / "out.yaml")
    assert result.exit_code == 1 and not (tmp_path / "out.yaml").exists()
    message = result.stderr.strip()
    assert message.startswith("Error: could not download the Tencent ML-Images hierarchy from http://127.0.0.1:9/")
    assert len(message.splitlines()) == 1


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
