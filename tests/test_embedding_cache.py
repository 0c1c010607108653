"""The persistent embedding cache: real SQLite files, threads, two processes, damage, CLI."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

from wildcards_gen import hookimpl
from wildcards_gen.embedding_cache import EmbeddingCache
from wildcards_gen.embeddings import embed_texts
from wildcards_gen.model import Run
from wildcards_gen.stats import Stats


def vec(i, dim=8):
    return (np.arange(dim, dtype=np.float32) + i) / 7.0


def test_round_trip_keys_by_embedder_model_and_text(tmp_path):
    cache = EmbeddingCache(tmp_path / "e.sqlite")
    cache.put_many("e1", "m1", {"alpha": vec(1), "beta": vec(2)})
    cache.put_many("e1", "m2", {"alpha": vec(3)})
    got = cache.get_many("e1", "m1", ["alpha", "beta", "gamma"])
    assert sorted(got) == ["alpha", "beta"]
    assert got["alpha"].dtype == np.float32 and np.array_equal(got["alpha"], vec(1))
    assert np.array_equal(cache.get_many("e1", "m2", ["alpha"])["alpha"], vec(3))
    assert cache.get_many("e2", "m1", ["alpha"]) == {}
    info = cache.info()
    assert info["entries"] == 3
    assert [(m["embedder"], m["model"], m["entries"]) for m in info["models"]] == [("e1", "m1", 2), ("e1", "m2", 1)]
    assert cache.clear(model="m2") == 1
    assert cache.info()["entries"] == 2
    mode = cache._db().execute("PRAGMA journal_mode").fetchone()[0]
    assert mode.lower() == "wal"


def test_many_threads_share_one_cache(tmp_path):
    cache = EmbeddingCache(tmp_path / "e.sqlite")
    errors = []

    def work(t):
        try:
            for batch in range(20):
                cache.put_many("e", "m", {f"t{t}-{batch}-{i}": vec(t + i) for i in range(5)})
                cache.get_many("e", "m", [f"t{t}-{batch}-{i}" for i in range(5)])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert cache.info()["entries"] == 8 * 20 * 5


WRITER = textwrap.dedent(
    """
    import sys, time
    import numpy as np
    from wildcards_gen.embedding_cache import EmbeddingCache
    path, tag, start = sys.argv[1], sys.argv[2], float(sys.argv[3])
    while time.time() < start:
        time.sleep(0.005)
    cache = EmbeddingCache(path)
    for batch in range(40):
        cache.put_many("e", "m", {f"{tag}-{batch}-{i}": np.full(16, batch * 10 + i, dtype=np.float32) for i in range(25)})
        cache.put_many("e", "m", {f"shared-{batch}-{i}": np.full(16, -1, dtype=np.float32) for i in range(5)})
        assert len(cache.get_many("e", "m", [f"{tag}-{batch}-{i}" for i in range(25)])) == 25
    print("ok")
    """
)


def test_two_processes_write_at_once(tmp_path):
    import time

    path = tmp_path / "e.sqlite"
    start = time.time() + 2.0  # both begin writing at the same instant
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), tag, str(start)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag in ("a", "b")
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    for proc, (out, err) in zip(procs, outs):
        assert proc.returncode == 0, err
        assert out.strip() == "ok"
        assert "Warning" not in err
    cache = EmbeddingCache(path)
    assert cache.info()["entries"] == 2 * 40 * 25 + 40 * 5
    got = cache.get_many("e", "m", ["a-39-24", "b-7-3"])
    assert got["a-39-24"][0] == 39 * 10 + 24 and got["b-7-3"][0] == 73


def test_corrupt_database_warns_and_is_rebuilt(tmp_path, capfd):
    path = tmp_path / "embeddings.sqlite"
    path.write_bytes(b"this is not an SQLite database at all" * 200)
    run = Run("t", {"embedder": "wordnet"}, Stats(), tmp_path)
    vectors = embed_texts(["beagle", "oak"], run)
    assert vectors.shape[0] == 2 and np.all(np.isfinite(vectors))
    err = capfd.readouterr().err
    assert "Warning" in err and "rebuilding" in err
    assert run.stats.counters["embeddings.embedded"] == 2
    # the rebuilt file works: the next run is served from it
    again = Run("t", {"embedder": "wordnet"}, Stats(), tmp_path)
    embed_texts(["beagle", "oak"], again)
    assert again.stats.counters["embeddings.cache_hits"] == 2
    assert len(list(tmp_path.glob("embeddings.sqlite.corrupt-*"))) == 1


def test_truncated_database_never_fails(tmp_path, capfd):
    path = tmp_path / "e.sqlite"
    cache = EmbeddingCache(path)
    cache.put_many("e", "m", {f"t{i}": vec(i, 256) for i in range(300)})
    cache.close()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])  # torn file, valid header
    damaged = EmbeddingCache(path)
    found = damaged.get_many("e", "m", [f"t{i}" for i in range(300)])
    damaged.put_many("e", "m", {"new": vec(0, 256)})
    assert isinstance(found, dict)
    assert "new" in damaged.get_many("e", "m", ["new"]) or damaged.disabled


class TaggedEmbedder:
    """A third-party embedder with its own model id, so CLI tests touch only its entries."""

    calls = 0

    @hookimpl
    def register_embedders(self, register):
        register("cache-test", "fixed vectors for the cache CLI test")

    @hookimpl
    def embed_batch(self, texts, embedder, model, options):
        if embedder != "cache-test":
            return None
        TaggedEmbedder.calls += 1
        return [[float(len(t)), 1.0, 2.0] for t in texts]


def test_cache_commands(cli, register_plugin, session_cache):
    register_plugin(TaggedEmbedder(), "cache-test-plugin")
    run = Run("t", {"embedder": "cache-test", "embed_model": "cache-test-model"}, Stats(), session_cache)
    embed_texts(["one", "two", "three", "two"], run)
    result = cli("cache", "info")
    assert result.exit_code == 0, result.output
    assert str(session_cache / "embeddings.sqlite") in result.output
    assert "cache-test / cache-test-model: 3 vectors of 3 floats" in result.output
    result = cli("cache", "clear", "--model", "cache-test-model")
    assert result.exit_code == 0
    assert "Removed 3 cached vectors" in result.output
    assert "cache-test-model" not in cli("cache", "info").output
    calls = TaggedEmbedder.calls
    embed_texts(["one"], run)
    assert TaggedEmbedder.calls == calls + 1  # really gone: embedded again


# -- damaged rows (issue 16, finding 4) ----------------------------------------------------

DOGS = ["dataset", "imagenet", "--root", "dog.n.01", "--smart", "--embedder", "wordnet", "--semantic-arrange"]


def damage_rows(path, how, count=None):
    """Rewrite stored rows the way a bad disk, a bad plugin or a hand edit leaves them."""
    import sqlite3

    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT text, dim, vec FROM vectors ORDER BY text").fetchall()
        for text, dim, blob in rows[:count]:
            vec = np.frombuffer(blob, dtype="<f4").copy()
            if how == "nan":
                vec[len(vec) // 2] = np.nan
                new = (dim, vec.tobytes())
            elif how == "inf":
                vec[0] = -np.inf
                new = (dim, vec.tobytes())
            elif how == "5 bytes":
                new = (dim, b"12345")
            elif how == "short, dim says so":
                new = (3, vec[:3].tobytes())
            elif how == "dim disagrees with blob":
                new = (dim + 1, blob)
            else:
                raise ValueError(how)
            conn.execute("UPDATE vectors SET dim = ?, vec = ? WHERE text = ?", (*new, text))
    return len(rows[:count])


@pytest.fixture
def dog_cache(tmp_path, session_cache, wn):
    """A cache of its own (WordNet copied in) and the run on a clean embedding cache to compare with."""
    import shutil

    from wildcards_gen import wordnet_snapshot

    cache = tmp_path / "cache"
    cache.mkdir()
    for name in (wordnet_snapshot.SNAPSHOT_NAME, wordnet_snapshot.MANIFEST_NAME):
        shutil.copy2(session_cache / name, cache / name)
    env = {"WILDCARDS_GEN_CACHE": str(cache)}
    clean = run_in(cache, DOGS, tmp_path / "clean.yaml", env)
    assert clean["counts"]["embeddings.embedded"] > 100
    return cache, (tmp_path / "clean.yaml").read_bytes(), env


def run_in(cache, args, out, env, mib=1536):
    """The real CLI in a bounded child process on ``cache``; returns its report."""
    import json
    import os

    from wildcards_gen.testing import assert_clean_exit, run_bounded

    old = os.environ.get("WILDCARDS_GEN_CACHE")
    os.environ.update(env)
    try:
        stats = out.with_suffix(".json")
        result = run_bounded([*args, "-o", out, "--stats", stats], seconds=120, mib=mib)
    finally:
        os.environ["WILDCARDS_GEN_CACHE"] = old or ""
    assert_clean_exit(result, allowed=(0,))
    report = json.loads(stats.read_text())
    report["stderr"] = result.stderr.decode()
    return report


@pytest.mark.parametrize(
    "how, count",
    [
        ("nan", 1),
        ("nan", None),
        ("inf", 7),
        ("5 bytes", 1),
        ("short, dim says so", 2),
        ("dim disagrees with blob", 1),
    ],
)
def test_damaged_rows_are_misses_computed_again_and_rewritten(dog_cache, tmp_path, how, count):
    """One NaN gave KeyError: 2, all NaN grew a run to 24 GB, a 5-byte blob an internal error."""
    cache, expected, env = dog_cache
    damaged = damage_rows(cache / "embeddings.sqlite", how, count)
    report = run_in(cache, DOGS, tmp_path / "again.yaml", env, mib=1536)
    assert (tmp_path / "again.yaml").read_bytes() == expected
    counts = report["counts"]
    assert counts["embeddings.cache_damaged"] == damaged
    assert counts["embeddings.embedded"] == damaged
    assert counts["embeddings.cache_hits"] == counts["embeddings.requested"] - damaged  # 139 terms, all distinct
    assert f"{damaged} stored vectors were damaged" in report["stderr"]
    third = run_in(cache, DOGS, tmp_path / "third.yaml", env)  # rewritten: all sound now
    assert third["counts"].get("embeddings.cache_damaged", 0) == 0 and third["counts"]["embeddings.embedded"] == 0
    assert (tmp_path / "third.yaml").read_bytes() == expected


def test_lookup_checks_every_row(tmp_path):
    cache = EmbeddingCache(tmp_path / "e.sqlite")
    cache.put_many("e", "m", {f"t{i}": vec(i) for i in range(6)})
    damage_rows(cache.path, "nan", 1)  # t0
    import sqlite3

    with sqlite3.connect(cache.path) as conn:
        conn.execute("UPDATE vectors SET vec = ? WHERE text = 't1'", (b"12345",))
        conn.execute("UPDATE vectors SET dim = 4, vec = ? WHERE text = 't2'", (vec(2, 4).tobytes(),))
        conn.execute("UPDATE vectors SET vec = ? WHERE text = 't3'", (np.full(8, np.inf, dtype="<f4").tobytes(),))
    found, damaged = cache.lookup("e", "m", ["t5", "t4", "t3", "t2", "t1", "t0", "absent"])
    assert sorted(found) == ["t4", "t5"] and damaged == ["t3", "t2", "t1", "t0"]
    assert cache.get_many("e", "m", ["t0", "t4"]).keys() == {"t4"}
    cache.put_many("e", "m", {"t0": vec(0), "t4": vec(99)}, replace=["t0"])  # t4 is sound: kept as it was
    found, damaged = cache.lookup("e", "m", ["t0", "t4"])
    assert np.array_equal(found["t0"], vec(0)) and np.array_equal(found["t4"], vec(4)) and damaged == []


def test_without_a_recorded_dimension_the_common_one_wins(tmp_path):
    """A cache written before dimensions were recorded: the size most rows have is the model's."""
    import sqlite3

    cache = EmbeddingCache(tmp_path / "e.sqlite")
    cache.put_many("e", "m", {"a": vec(1), "b": vec(2), "c": vec(3)})
    with sqlite3.connect(cache.path) as conn:
        conn.execute("DELETE FROM meta WHERE key LIKE 'dim%'")
        conn.execute("UPDATE vectors SET dim = 3, vec = ? WHERE text = 'c'", (vec(3, 3).tobytes(),))
    found, damaged = cache.lookup("e", "m", ["a", "b", "c"])
    assert sorted(found) == ["a", "b"] and damaged == ["c"]


def test_a_model_whose_size_changed_is_embedded_again(tmp_path, register_plugin):
    """Vectors stored under the same model id by an older build with another size: all embedded again."""

    class Resized:
        dim = 3

        @hookimpl
        def register_embedders(self, register):
            register("resized", "vectors whose size changes")

        @hookimpl
        def embed_batch(self, texts, embedder, model, options):
            return None if embedder != "resized" else [[float(len(t))] + [1.0] * (Resized.dim - 1) for t in texts]

    register_plugin(Resized(), "resized-plugin")
    run = Run("t", {"embedder": "resized"}, Stats(), tmp_path)
    assert embed_texts(["a", "bb"], run).shape == (2, 3)
    Resized.dim = 5
    again = Run("t", {"embedder": "resized"}, Stats(), tmp_path)
    assert embed_texts(["a", "bb", "ccc"], again).shape == (3, 5)
    assert again.stats.counters["embeddings.cache_damaged"] == 2
    third = Run("t", {"embedder": "resized"}, Stats(), tmp_path)
    assert embed_texts(["a", "bb", "ccc"], third).shape == (3, 5)
    assert third.stats.counters["embeddings.cache_hits"] == 3
