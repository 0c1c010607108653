"""The whole cache under faults (issue 16, finding 14): read-only, full, not creatable.

Every run here is a real CLI process on a cache of its own. As root, the
child drops the capabilities that let root write anywhere, so a folder
without write permission really is read-only to it.
"""

from __future__ import annotations

import os
import re

import pytest
from cache_faults import (
    cache_with_wordnet,
    limited_file_size,
    listing,
    read_only,
    run_cli,
    without_root_powers,
    writable,
)

from wildcards_gen.testing import SHARED_DATA

HIERARCHY = SHARED_DATA / "tencent" / "dictionary_and_semantic_hierarchy.txt"
ANIMALS = ["dataset", "tencent", "--hierarchy-file", HIERARCHY, "--root", "animal", "--smart", "--preset", "balanced"]
ARRANGED = [*ANIMALS, "--semantic-arrange", "--embedder", "wordnet"]
pytestmark = pytest.mark.skipif(not HIERARCHY.is_file(), reason="needs the reference Tencent file")


@pytest.fixture
def warm(tmp_path, session_cache, wn):
    """A cache that one arranged run filled: snapshot, entry points, Tencent's copy, embeddings."""
    cache = cache_with_wordnet(tmp_path / "cache", session_cache)
    first = run_cli(cache, *ARRANGED, "-o", tmp_path / "first.yaml")
    assert first.returncode == 0, first.stderr
    assert {"embeddings.sqlite", "entry-points.json", "tencent/parsed-hierarchy.json"} <= set(listing(cache))
    yield cache, (tmp_path / "first.yaml").read_bytes()
    writable(cache)


@pytest.mark.parametrize("wal", ["left by the last run", "checkpointed"])
def test_a_read_only_warm_cache_serves_a_whole_run_and_is_not_touched(warm, tmp_path, wal):
    cache, expected = warm
    if wal == "checkpointed":  # a cache whose last writer closed cleanly: no -wal or -shm beside it
        import sqlite3

        conn = sqlite3.connect(cache / "embeddings.sqlite")
        conn.execute("SELECT count(*) FROM vectors").fetchone()
        conn.close()
        assert not (cache / "embeddings.sqlite-wal").exists()
    before = listing(cache)
    read_only(cache)
    out = tmp_path / "out"
    out.mkdir()
    done = run_cli(
        cache, *ARRANGED, "-o", out / "again.yaml", "--stats", out / "stats.json", preexec_fn=without_root_powers()
    )
    assert done.returncode == 0, done.stderr
    assert (out / "again.yaml").read_bytes() == expected
    assert re.fullmatch(r"Done: [^\n]*\n", done.stderr), done.stderr  # no warning: nothing is wrong
    import json

    counts = json.loads((out / "stats.json").read_text())["counts"]
    assert counts["embeddings.cache_hits"] == counts["embeddings.requested"] > 1000
    assert listing(cache) == before


def test_a_read_only_cache_without_embeddings_warns_once_and_generates(warm, tmp_path):
    cache, expected = warm
    for name in ("embeddings.sqlite", "embeddings.sqlite-wal", "embeddings.sqlite-shm"):
        (cache / name).unlink(missing_ok=True)
    read_only(cache)
    done = run_cli(cache, *ARRANGED, "-o", tmp_path / "again.yaml", preexec_fn=without_root_powers())
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "again.yaml").read_bytes() == expected
    warnings = [line for line in done.stderr.splitlines() if line.startswith("Warning")]
    assert warnings == [
        f"Warning: cannot store new vectors in the embedding cache {cache / 'embeddings.sqlite'} "
        f"(unable to open database file); they are not kept. To keep them, make {cache} writable or set "
        "WILDCARDS_GEN_CACHE to another folder"
    ]


def test_cache_clear_on_a_read_only_cache_is_an_error_not_success(warm):
    cache, _ = warm
    read_only(cache)
    info = run_cli(cache, "cache", "info", "--json", preexec_fn=without_root_powers())
    assert info.returncode == 0 and '"entries": 1' in info.stdout and info.stderr == ""  # counted, read-only
    done = run_cli(cache, "cache", "clear", preexec_fn=without_root_powers())
    assert done.returncode == 1 and done.stdout == ""
    assert re.fullmatch(
        rf"Error: cannot clear the embedding cache {re.escape(str(cache / 'embeddings.sqlite'))} \(.*readonly.*\); "
        rf"nothing was removed\. Make {re.escape(str(cache))} writable \(WILDCARDS_GEN_CACHE chooses the cache folder\)\n",
        done.stderr,
    ), done.stderr
    writable(cache)
    assert run_cli(cache, "cache", "info", "--json").stdout == info.stdout  # really nothing removed


def test_a_full_disk_while_storing_vectors_is_one_warning_not_damage(warm, tmp_path):
    """The embedding cache took 'database or disk is full' for damage and moved the file aside."""
    cache, expected = warm
    for name in ("embeddings.sqlite", "embeddings.sqlite-wal", "embeddings.sqlite-shm"):
        (cache / name).unlink(missing_ok=True)
    done = run_cli(cache, *ARRANGED, "-o", tmp_path / "again.yaml", preexec_fn=limited_file_size(256 << 10))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "again.yaml").read_bytes() == expected
    warnings = [line for line in done.stderr.splitlines() if line.startswith("Warning")]
    assert len(warnings) == 1 and warnings[0].startswith(
        f"Warning: cannot store new vectors in the embedding cache {cache / 'embeddings.sqlite'} ("
    ), done.stderr
    assert warnings[0].endswith(
        "they are not kept. To keep them, free some space there or set WILDCARDS_GEN_CACHE to another folder"
    )
    assert not list(cache.glob("*.corrupt-*"))


# -- downloads into the cache ----------------------------------------------------------


@pytest.fixture
def mirror(data_server):
    """A real HTTP server on 127.0.0.1 serving the reference ImageNet lists."""
    for path in (SHARED_DATA / "imagenet").iterdir():
        data_server.files[path.name] = path.read_bytes()
    return f"{data_server.url}/mirror/"


def download_21k(cache, tmp_path, mirror, monkeypatch, **kwargs):
    monkeypatch.setenv("WILDCARDS_GEN_IMAGENET_URL", mirror)
    return run_cli(
        cache, "dataset", "imagenet", "--root", "dog.n.01", "--filter", "21k", "-o", tmp_path / "o.yaml", **kwargs
    )


def test_a_download_into_a_read_only_cache_is_one_line(tmp_path, session_cache, wn, mirror, monkeypatch):
    """It was a raw PermissionError ('internal error') from creating the imagenet folder."""
    cache = cache_with_wordnet(tmp_path / "cache", session_cache)
    read_only(cache)
    try:
        done = download_21k(cache, tmp_path, mirror, monkeypatch, preexec_fn=without_root_powers())
    finally:
        writable(cache)
    assert done.returncode == 1 and not (tmp_path / "o.yaml").exists()
    assert done.stderr == (
        f"Error: cannot save the ImageNet-21k class list into the cache folder {cache / 'imagenet'} "
        "(Permission denied); set WILDCARDS_GEN_CACHE to a folder you can write to\n"
    )


def test_a_download_onto_a_full_disk_is_one_line_and_leaves_nothing(tmp_path, session_cache, wn, mirror, monkeypatch):
    cache = cache_with_wordnet(tmp_path / "cache", session_cache)
    done = download_21k(cache, tmp_path, mirror, monkeypatch, preexec_fn=limited_file_size(64 << 10))
    assert done.returncode == 1 and not (tmp_path / "o.yaml").exists()
    assert done.stderr == (
        f"Error: cannot save the ImageNet-21k class list into the cache folder {cache / 'imagenet'} "
        "(File too large); free some space there or set WILDCARDS_GEN_CACHE to another folder\n"
    )
    assert list((cache / "imagenet").iterdir()) == []


# -- temporary files of killed processes (issue 16, finding 13) -----------------------------


def dead_pid() -> int:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(done.stdout)


def test_temporary_files_of_dead_processes_are_removed_at_the_next_start(tmp_path):
    import subprocess
    import sys

    cache = tmp_path / "cache"
    (cache / "tencent").mkdir(parents=True)
    (cache / "imagenet").mkdir()
    dead = dead_pid()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        leftovers = [  # what each cache writer leaves when killed
            f".wordnet-3.0-nouns-v5.sqlite.{dead}.tmp",
            f".wordnet-3.0-nouns-v4.sqlite.{dead}.tmp-journal",
            f".wordnet-3.0-nouns-v5.json.{dead}.tmp",
            f".entry-points.json.{dead}-139872.tmp",
            f"tencent/.parsed-hierarchy.json.{dead}-140023.tmp",
            f"tencent/.dictionary_and_semantic_hierarchy.txt.{dead}-140023.part",
            f"imagenet/.imagenet21k_goog_synsets.txt.{dead}-7.part",
        ]
        kept = [
            f".wordnet-3.0-nouns-v5.sqlite.{sleeper.pid}.tmp",  # a live process is still writing it
            f"tencent/.parsed-hierarchy.json.{sleeper.pid}-1.tmp",
            "notes.tmp",  # not named like ours
            f"imagenet/mine.{dead}.tmp",
            "embeddings.sqlite.corrupt-123.456",
        ]
        for name in leftovers + kept:
            (cache / name).write_bytes(b"x" * 1000)
        done = run_cli(cache, "plugins")
        assert done.returncode == 0, done.stderr
        present = {str(p.relative_to(cache)) for p in cache.rglob("*") if p.is_file()}
        assert not present & set(leftovers) and set(kept) <= present
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_download_killed_midway_leaves_a_part_file_the_next_start_removes(tmp_path, session_cache, wn):
    """SIGKILL while the class list streams in: the .part file stays, then goes at the next start."""
    import subprocess
    import sys
    import threading
    import time
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    release = threading.Event()

    class Stalling(BaseHTTPRequestHandler):
        def do_GET(self):
            body = (SHARED_DATA / "imagenet" / "imagenet21k_goog_synsets.txt").read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            release.wait(30)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Stalling)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    cache = cache_with_wordnet(tmp_path / "cache", session_cache)
    try:
        env = {
            **os.environ,
            "WILDCARDS_GEN_CACHE": str(cache),
            "WILDCARDS_GEN_IMAGENET_URL": f"http://127.0.0.1:{httpd.server_address[1]}/",
        }
        args = ["dataset", "imagenet", "--root", "dog.n.01", "--filter", "21k", "-o", tmp_path / "o.yaml"]
        proc = subprocess.Popen([sys.executable, "-m", "wildcards_gen", *map(str, args)], env=env)
        deadline = time.monotonic() + 60
        while not list(cache.glob("imagenet/.*.part")) and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)
        proc.kill()
        proc.wait()
    finally:
        release.set()
        httpd.shutdown()
        httpd.server_close()
    parts = list(cache.glob("imagenet/.*.part"))
    assert len(parts) == 1 and parts[0].stat().st_size > 0
    assert run_cli(cache, "plugins").returncode == 0
    assert list((cache / "imagenet").iterdir()) == []
