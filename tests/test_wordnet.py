"""The WordNet resolution chain and the snapshot, on the real Debian WordNet 3.0."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from wildcards_gen import wordnet, wordnet_source
from wildcards_gen.errors import DataError

SYSTEM = Path(wordnet_source.SYSTEM_WORDNET)
pytestmark = pytest.mark.skipif(not (SYSTEM / "data.noun").is_file(), reason="needs Debian's wordnet-base")


def no_nltk_data(monkeypatch, tmp_path):
    """Hide any NLTK data folders so the chain must fall through to the system WordNet."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(wordnet_source, "nltk_data_dirs", lambda: [tmp_path / "no-nltk-data"])


def test_lookups(wn):
    dog = wn.synset("n02084071")
    assert dog.name == "dog.n.01" and dog.display == "dog"
    assert wn.synset("dog.n.01") is dog
    assert dog.lexname == "noun.animal"
    assert "n02083346" in dog.hypernyms  # canine
    assert wn.primary("canine").name == "canine.n.01"  # the tooth
    assert wn.resolve("dog")[0] is dog
    assert [s.name for s in wn.resolve("dog")[1]][:2] == ["frump.n.01", "dog.n.03"]
    assert wn.synset("entity.n.01").min_depth == 0
    assert wn.is_below("n02084071", "n00015388")  # dog below animal


def test_resolve_unknown_suggests(wn):
    from wildcards_gen.errors import UsageError

    with pytest.raises(UsageError, match="did you mean: .*dog"):
        wn.resolve("doog")
    with pytest.raises(UsageError, match="did you mean: dog, "):  # swapped letters come first
        wn.resolve("dgo")
    with pytest.raises(UsageError, match="not a WordNet 3.0 noun synset"):
        wn.resolve("n99999999")


def test_chain_imports_system_wordnet_into_an_empty_cache(monkeypatch, tmp_path):
    no_nltk_data(monkeypatch, tmp_path)
    monkeypatch.delenv("WORDNET_DIR", raising=False)
    cache = tmp_path / "cache"
    source = wordnet_source.locate(cache, allow_download=False)
    assert source.kind == "imported" and "system WordNet /usr/share/wordnet" in source.origin
    corpus = cache / "nltk_data" / "corpora" / "wordnet"
    assert source.corpus == corpus
    lexnames = (corpus / "lexnames").read_text().splitlines()
    assert len(lexnames) == 45 and lexnames[5] == "05\tnoun.animal\t1"
    assert not any(p.is_symlink() for p in corpus.iterdir())
    reader = wordnet_source.open_reader(source)  # real NLTK reads the imported corpus
    assert reader.synset("dog.n.01").offset() == 2084071
    assert reader.synset("dog.n.01").lexname() == "noun.animal"
    # second time: reused, not re-imported
    mtime = (corpus / "data.noun").stat().st_mtime_ns
    assert wordnet_source.locate(cache, allow_download=False).corpus == corpus
    assert (corpus / "data.noun").stat().st_mtime_ns == mtime


def test_missing_wordnet_names_all_remedies(monkeypatch, tmp_path):
    no_nltk_data(monkeypatch, tmp_path)
    monkeypatch.delenv("WORDNET_DIR", raising=False)
    monkeypatch.setattr(wordnet_source, "SYSTEM_WORDNET", str(tmp_path / "nothing-here"))
    with pytest.raises(DataError) as err:
        wordnet_source.locate(tmp_path / "cache", allow_download=False)
    message = str(err.value)
    assert "nltk.download('wordnet')" in message
    assert "apt-get install wordnet-base wordnet-sense-index" in message
    assert "WORDNET_DIR" in message and "network" in message


def test_wordnet_dir_that_is_not_wordnet_is_an_error(monkeypatch, tmp_path):
    no_nltk_data(monkeypatch, tmp_path)
    monkeypatch.setenv("WORDNET_DIR", str(tmp_path))
    with pytest.raises(DataError, match="WORDNET_DIR=.* is not a WordNet database folder"):
        wordnet_source.locate(tmp_path / "cache", allow_download=False)


def copy_database(target: Path) -> Path:
    target.mkdir()
    for name in wordnet_source.CORPUS_FILES:
        if (SYSTEM / name).is_file():
            shutil.copyfile(SYSTEM / name, target / name)
    return target


def test_refuses_a_wordnet_that_is_not_3_0(monkeypatch, tmp_path):
    no_nltk_data(monkeypatch, tmp_path)
    folder = copy_database(tmp_path / "wn21")
    text = (folder / "data.adj").read_text(encoding="latin-1").replace("WordNet 3.0 Copyright", "WordNet 2.1 Copyright", 1)
    (folder / "data.adj").write_text(text, encoding="latin-1")
    monkeypatch.setenv("WORDNET_DIR", str(folder))
    with pytest.raises(DataError, match="version 2.1; wildcards-gen needs WordNet 3.0"):
        wordnet_source.locate(tmp_path / "cache", allow_download=False)


def test_missing_sense_index_says_which_package(monkeypatch, tmp_path):
    no_nltk_data(monkeypatch, tmp_path)
    folder = copy_database(tmp_path / "nosense")
    (folder / "index.sense").unlink()
    monkeypatch.setenv("WORDNET_DIR", str(folder))
    with pytest.raises(DataError, match="lacks index.sense .install wordnet-sense-index"):
        wordnet_source.locate(tmp_path / "cache", allow_download=False)


def test_cli_reports_wordnet_source_with_verbose(cli, tmp_path):
    out = tmp_path / "o.yaml"
    result = cli("-v", "dataset", "imagenet", "--root", "dog.n.01", "--depth", "1", "-o", out)
    assert result.exit_code == 0, result.stderr
    assert "WordNet 3.0 from " in result.stderr


# -- the snapshot ---------------------------------------------------------------


@pytest.fixture
def fresh_cache(tmp_path, session_cache, wn):
    """A cache holding the imported corpus and the snapshot (copied from the session cache)."""
    cache = tmp_path / "cache"
    shutil.copytree(session_cache / "nltk_data", cache / "nltk_data")
    shutil.copy2(session_cache / wordnet.SNAPSHOT_NAME, cache / wordnet.SNAPSHOT_NAME)
    return cache


def snapshot_path(cache: Path) -> Path:
    return cache / wordnet.SNAPSHOT_NAME


def test_snapshot_reused_then_rebuilt_when_truncated_stale_or_source_changed(fresh_cache, capsys):
    path = snapshot_path(fresh_cache)
    built = path.stat().st_mtime_ns
    assert wordnet.open_snapshot(fresh_cache).synset("dog.n.01").wnid == "n02084071"
    assert path.stat().st_mtime_ns == built  # reused as it is

    path.write_bytes(path.read_bytes()[:4096])  # truncated
    capsys.readouterr()
    wn = wordnet.open_snapshot(fresh_cache)
    assert "unreadable; rebuilding" in capsys.readouterr().err
    assert wn.synset("cat.n.01").display == "cat"

    with sqlite3.connect(path) as conn:  # a snapshot of another source or format version
        conn.execute("UPDATE meta SET value = 'other' WHERE key = 'fingerprint'")
    before = path.stat().st_mtime_ns
    wordnet.open_snapshot(fresh_cache)
    assert path.stat().st_mtime_ns != before
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key='fingerprint'").fetchone()[0] != "other"

    noun = fresh_cache / "nltk_data" / "corpora" / "wordnet" / "data.noun"  # the source changes
    os.utime(noun, ns=(noun.stat().st_atime_ns, noun.stat().st_mtime_ns + 10**9))
    before = path.stat().st_mtime_ns
    assert wordnet.open_snapshot(fresh_cache).synset("n00015388").display == "animal"
    assert path.stat().st_mtime_ns != before


def test_two_processes_on_an_empty_cache(fresh_cache):
    snapshot_path(fresh_cache).unlink()
    code = (
        "import sys; from pathlib import Path; from wildcards_gen import wordnet;"
        "wn = wordnet.open_snapshot(Path(sys.argv[1])); print(wn.synset('dog.n.01').gloss[:20])"
    )
    env = {**os.environ, "HOME": str(fresh_cache.parent / "home")}
    procs = [subprocess.Popen([sys.executable, "-c", code, str(fresh_cache)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert [o[0] for o in outs] == ["a member of the genu\n"] * 2
    leftovers = [p.name for p in fresh_cache.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []
