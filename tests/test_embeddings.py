"""Embedders (real WordNet, real all-MiniLM-L6-v2 weights) and the embed_texts entry point."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import numpy as np
import pytest

from wildcards_gen import PluginError, UsageError, hookimpl
from wildcards_gen.embeddings import embed_texts
from wildcards_gen.model import Run
from wildcards_gen.stats import Stats


def cos(a, b):
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


def fresh_run(options, cache_dir):
    return Run("t", dict(options), Stats(), cache_dir)


# -- the wordnet embedder ------------------------------------------------------------


def test_wordnet_vectors_follow_the_hierarchy(tmp_path, wn):
    texts = ["beagle", "basset", "tabby", "carburetor", "beagle.n.01", "n02088364"]
    v = embed_texts(texts, fresh_run({"embedder": "wordnet", "embed_cache": False}, tmp_path))
    assert v.shape == (6, 1024) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert cos(v[0], v[1]) > cos(v[0], v[2]) > cos(v[0], v[3])  # hounds > cat > car part
    assert np.array_equal(v[0], v[4]) and np.array_equal(v[0], v[5])  # lemma, synset name, WNID


def test_wordnet_unknown_terms_use_their_words_or_hashed_tokens(tmp_path, wn):
    v = embed_texts(
        ["beagle", "fluffy beagle puppy dog", "zqxv wwkp", "zqxv wwkp"],
        fresh_run({"embedder": "wordnet", "embed_cache": False}, tmp_path),
    )
    assert cos(v[0], v[1]) > 0.5
    assert abs(np.linalg.norm(v[2]) - 1.0) < 1e-5 and abs(cos(v[0], v[2])) < 0.2


def test_wordnet_vectors_do_not_depend_on_the_hash_seed(tmp_path, wn):
    code = (
        "import hashlib; from wildcards_gen.embeddings import embed_texts; "
        "v = embed_texts(['oak', 'zqxv wwkp', 'golden retriever'], {'embedder': 'wordnet', 'embed_cache': False}); "
        "print(hashlib.sha256(v.tobytes()).hexdigest())"
    )
    digests = set()
    for seed in ("1", "4242"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        digests.add(out.stdout.strip())
    assert len(digests) == 1


# -- embed_texts: cache and hook contract ----------------------------------------------


class CountingEmbedder:
    def __init__(self, name="counting", bad=None):
        self.name = name
        self.bad = bad
        self.batches = []

    @hookimpl
    def register_embedders(self, register):
        register(self.name, "test embedder")

    @hookimpl
    def embed_batch(self, texts, embedder, model, options):
        if embedder != self.name:
            return None
        self.batches.append(list(texts))
        if self.bad == "short":
            return [[1.0, 2.0]] * (len(texts) - 1)
        if self.bad == "nan":
            return [[float("nan"), 1.0]] * len(texts)
        return [[float(len(t)), float(sum(map(ord, t)) % 97), 1.0] for t in texts]


def test_only_missing_texts_are_embedded_in_one_batch(register_plugin, tmp_path):
    plugin = register_plugin(CountingEmbedder(), "counting-plugin")
    run = fresh_run({"embedder": "counting", "embed_model": "m1"}, tmp_path)
    first = embed_texts(["a", "bb", "a", "ccc"], run)
    assert plugin.batches == [["a", "bb", "ccc"]]
    assert np.array_equal(first[0], first[2])
    second = embed_texts(["ccc", "dddd", "a"], run)
    assert plugin.batches[1] == ["dddd"]
    assert np.array_equal(second[0], first[3])
    c = run.stats.counters
    assert (c["embeddings.requested"], c["embeddings.cache_hits"], c["embeddings.embedded"]) == (7, 2, 4)
    other_model = fresh_run({"embedder": "counting", "embed_model": "m2"}, tmp_path)
    embed_texts(["a"], other_model)
    assert plugin.batches[2] == ["a"]  # the model is part of the key


@pytest.mark.parametrize("bad", ["short", "nan"])
def test_a_bad_embedder_is_named(register_plugin, tmp_path, bad):
    register_plugin(CountingEmbedder("broken-emb", bad), "broken-emb-plugin")
    with pytest.raises(PluginError, match="broken-emb-plugin"):
        embed_texts(["x", "y"], fresh_run({"embedder": "broken-emb"}, tmp_path))


def test_unknown_embedder(tmp_path, cli):
    with pytest.raises(UsageError, match="unknown embedder 'nope'.*wordnet"):
        embed_texts(["x"], fresh_run({"embedder": "nope"}, tmp_path))
    out = tmp_path / "x.yaml"
    result = cli("dataset", "imagenet", "--root", "dog.n.01", "--semantic-arrange", "--embedder", "nope", "-o", out)
    assert result.exit_code == 2
    assert "unknown embedder 'nope'" in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_plugins_lists_embedders(cli, register_plugin):
    register_plugin(CountingEmbedder("third-party-emb"), "emb-plugin")
    result = cli("plugins")
    assert result.exit_code == 0
    assert "embedders: wordnet" in result.output
    assert "embedders: sentence-transformers" in result.output
    assert "embedders: third-party-emb" in result.output


def test_help_and_plugins_do_not_import_heavy_libraries():
    code = (
        "import sys\nfrom wildcards_gen.cli import create_cli\n"
        "for args in (['--help'], ['plugins'], ['dataset', 'imagenet', '--help']):\n"
        "    try:\n        create_cli()(args)\n    except SystemExit:\n        pass\n"
        "print(sorted(m for m in ('numpy', 'scipy', 'torch', 'sklearn', 'sentence_transformers') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"


# -- sentence-transformers with the real all-MiniLM-L6-v2 weights ---------------------------


@pytest.fixture(scope="session")
def minilm(session_cache):
    """The model, loaded once for the session, by four threads asking at the same time."""
    from wildcards_gen.default_plugins import sentence_embedder

    barrier = threading.Barrier(4)
    models = [None] * 4

    def ask(i):
        barrier.wait()
        models[i] = sentence_embedder.load(None, session_cache)

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return models


def test_minilm_loads_once_from_the_packaged_weights(minilm, session_cache):
    assert all(m is minilm[0] for m in minilm)
    folder = session_cache / "models" / "all-MiniLM-L6-v2"
    assert (folder / "modules.json").is_file() and (folder / "model.safetensors").is_file()
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]  # no half-extracted temp folder
    from wildcards_gen.default_plugins import sentence_embedder

    assert sentence_embedder.load("sentence-transformers/all-MiniLM-L6-v2", session_cache) is minilm[0]
    assert sentence_embedder.load(str(folder), session_cache) is not None  # a local folder works too


def test_minilm_vectors(minilm, session_cache):
    run = fresh_run({"embedder": "sentence-transformers", "embed_batch_size": 2}, session_cache)
    v = embed_texts(["golden retriever", "labrador retriever", "carburetor", "golden retriever"], run)
    assert v.shape == (4, 384)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert cos(v[0], v[1]) > cos(v[0], v[2]) + 0.1
    again = fresh_run({"embedder": "sentence-transformers"}, session_cache)
    w = embed_texts(["carburetor", "golden retriever"], again)
    assert again.stats.counters["embeddings.embedded"] == 0
    assert np.array_equal(w[0], v[2])


def test_minilm_from_threads(minilm, session_cache):
    from wildcards_gen.default_plugins import sentence_embedder

    texts = [f"kind of tree number {i}" for i in range(12)]
    expected = minilm[0].encode(texts, normalize_embeddings=True)
    results = [None] * 4

    def work(i):
        results[i] = sentence_embedder.embed_batch(
            texts=texts,
            embedder="sentence-transformers",
            model=None,
            options={"batch_size": 4, "cache_dir": str(session_cache)},
        )

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        assert np.allclose(r, expected, atol=1e-5)


EXTRACT = (
    "import sys; from pathlib import Path; from wildcards_gen.default_plugins import sentence_embedder as s; "
    "s.extract_atomic(s.packaged_zip('all_minilm_l6_v2'), Path(sys.argv[1])); print('ok')"
)


def test_two_processes_extract_the_weights_at_once(tmp_path):
    target = tmp_path / "models" / "all-MiniLM-L6-v2"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", EXTRACT, str(target)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    for p in procs:
        out, err = p.communicate(timeout=180)
        assert p.returncode == 0, err
        assert out.strip() == "ok"  # the package itself was never imported (it prints)
    assert sorted(p.name for p in target.parent.iterdir()) == ["all-MiniLM-L6-v2"]
    import zipfile

    from wildcards_gen.default_plugins import sentence_embedder

    with zipfile.ZipFile(sentence_embedder.packaged_zip("all_minilm_l6_v2")) as z:
        for info in z.infolist():
            if not info.is_dir():
                assert (target / info.filename).stat().st_size == info.file_size


def test_missing_model_is_a_clear_error(tmp_path):
    from wildcards_gen import DataError
    from wildcards_gen.default_plugins import sentence_embedder

    empty = tmp_path / "not-a-model"
    empty.mkdir()
    with pytest.raises(DataError, match="cannot load embedding model"):
        sentence_embedder.load(str(empty), tmp_path)


def test_runs_import_only_what_they_use(tmp_path):
    """No arrangement: no numpy. The wordnet embedder: no torch (works with no model installed)."""
    code = (
        "import sys\nfrom wildcards_gen.cli import create_cli\n"
        "args = ['-q', 'dataset', 'imagenet', '--root', 'dog.n.01', '--smart', '-o', sys.argv[1]] + sys.argv[2:]\n"
        "try:\n    create_cli()(args)\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "print(sorted(m for m in ('numpy', 'scipy', 'torch', 'sklearn', 'sentence_transformers') if m in sys.modules))"
    )
    plain = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "a.yaml")], capture_output=True, text=True, timeout=300
    )
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.strip().splitlines()[-1] == "[]"
    arranged = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "b.yaml"), "--semantic-arrange", "--embedder", "wordnet"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert arranged.returncode == 0, arranged.stderr
    assert arranged.stdout.strip().splitlines()[-1] == "['numpy', 'scipy']"
    assert "hunting dog" in (tmp_path / "b.yaml").read_text()
