"""The WordNet resolution chain and the snapshot, on the real Debian WordNet 3.0."""

from __future__ import annotations

import re
import shutil
import sqlite3
import zipfile
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


def test_chain_reads_system_wordnet_in_place(monkeypatch, tmp_path):
    """Debian's folder is read where it is: nothing is copied into the cache (no import to race on)."""
    no_nltk_data(monkeypatch, tmp_path)
    monkeypatch.delenv("WORDNET_DIR", raising=False)
    cache = tmp_path / "cache"
    source = wordnet_source.locate(cache, allow_download=False)
    assert (source.kind, source.location) == ("system", SYSTEM)
    assert source.origin == "system WordNet /usr/share/wordnet"
    assert not cache.exists()
    assert source.lexnames() == wordnet_source.LEXNAMES  # Debian has no lexnames file: the fixed table
    assert source.lexnames()[5] == "noun.animal"


def test_chain_prefers_nltk_data_path_then_wordnet_dir(monkeypatch, tmp_path):
    no_nltk_data(monkeypatch, tmp_path)
    folder = copy_database(tmp_path / "wn")
    monkeypatch.setenv("WORDNET_DIR", str(folder))
    source = wordnet_source.locate(tmp_path / "cache", allow_download=False)
    assert (source.kind, source.location, source.origin) == ("wordnet-dir", folder, f"WORDNET_DIR {folder}")
    data = tmp_path / "nltk_data"
    shutil.copytree(folder, data / "corpora" / "wordnet")
    monkeypatch.setattr(wordnet_source, "nltk_data_dirs", lambda: [tmp_path / "none", data])
    source = wordnet_source.locate(tmp_path / "cache", allow_download=False)
    assert (source.kind, source.location) == ("nltk-data", data / "corpora" / "wordnet")


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
    """The noun files of Debian's WordNet, copied (what the snapshot is built from)."""
    target.mkdir()
    for name in wordnet_source.NOUN_FILES:
        shutil.copyfile(SYSTEM / name, target / name)
    return target


def test_refuses_a_wordnet_that_is_not_3_0(monkeypatch, tmp_path):
    no_nltk_data(monkeypatch, tmp_path)
    folder = copy_database(tmp_path / "wn21")
    text = (folder / "data.noun").read_text().replace("WordNet 3.0 Copyright", "WordNet 2.1 Copyright", 1)
    (folder / "data.noun").write_text(text)
    monkeypatch.setenv("WORDNET_DIR", str(folder))
    with pytest.raises(DataError, match="data.noun is WordNet version 2.1; wildcards-gen needs WordNet 3.0"):
        wordnet.open_snapshot(tmp_path / "cache")
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [wordnet.SNAPSHOT_NAME + ".lock"]


def test_missing_noun_file_is_named(monkeypatch, tmp_path):
    no_nltk_data(monkeypatch, tmp_path)
    folder = copy_database(tmp_path / "noexc")
    (folder / "noun.exc").unlink()
    monkeypatch.setenv("WORDNET_DIR", str(folder))
    with pytest.raises(DataError, match=f"WordNet at {folder} lacks noun.exc"):
        wordnet_source.locate(tmp_path / "cache", allow_download=False)


@pytest.mark.parametrize(
    "damage, message",
    [
        (
            lambda t: t.replace("\n00002137 03 n", "\nxyz 03 n", 1),
            r"data.noun, line 32: not a WordNet noun synset line \(offset 'xyz' is not 8 digits\)",
        ),
        (lambda t: t.replace(" | that which is perceived", " | that | which", 1), r"data.noun, line 30: .*one '\|'"),
    ],
)
def test_malformed_data_file_is_one_clear_error(monkeypatch, tmp_path, damage, message):
    no_nltk_data(monkeypatch, tmp_path)
    folder = copy_database(tmp_path / "bad")
    (folder / "data.noun").write_text(damage((folder / "data.noun").read_text()))
    monkeypatch.setenv("WORDNET_DIR", str(folder))
    with pytest.raises(DataError, match=message):
        wordnet.open_snapshot(tmp_path / "cache")
    assert not [p for p in (tmp_path / "cache").iterdir() if p.name.endswith(".tmp")]


def test_nltk_zip_gives_the_same_fingerprint_and_snapshot(monkeypatch, tmp_path, session_cache):
    """NLTK's wordnet.zip (what nltk.download fetches) is read in place, and is the same WordNet."""
    no_nltk_data(monkeypatch, tmp_path)
    data = tmp_path / "nltk_data"
    (data / "corpora").mkdir(parents=True)
    with zipfile.ZipFile(data / "corpora" / "wordnet.zip", "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name in wordnet_source.NOUN_FILES:
            archive.write(SYSTEM / name, f"wordnet/{name}")
        lexnames = "".join(
            f"{i:02d}\t{n}\t{1 if n.startswith('noun') else 2}\n" for i, n in enumerate(wordnet_source.LEXNAMES)
        )
        archive.writestr("wordnet/lexnames", lexnames)
    monkeypatch.setattr(wordnet_source, "nltk_data_dirs", lambda: [data])
    source = wordnet_source.locate(tmp_path / "cache", allow_download=False)
    assert (source.kind, source.location) == ("nltk-data", data / "corpora" / "wordnet.zip")
    system = wordnet_source.Source("system", SYSTEM, "system")
    assert source.fingerprint("4") == system.fingerprint("4") != system.fingerprint("5")
    wn = wordnet.open_snapshot(tmp_path / "cache")
    assert wn.origin == f"NLTK data path {data}"
    with sqlite3.connect(wn.path) as built, sqlite3.connect(session_cache / wordnet.SNAPSHOT_NAME) as reference:
        query = "SELECT * FROM synset ORDER BY id"
        assert built.execute(query).fetchall() == reference.execute(query).fetchall()


def test_cli_reports_wordnet_source_and_build_time_with_verbose(cli, tmp_path, monkeypatch):
    out = tmp_path / "o.yaml"
    result = cli("-v", "dataset", "imagenet", "--root", "dog.n.01", "--depth", "1", "-o", out)
    assert result.exit_code == 0, result.stderr
    assert "WordNet 3.0 from " in result.stderr
    monkeypatch.setenv("WILDCARDS_GEN_CACHE", str(tmp_path / "cold"))
    wordnet.reset()
    try:
        result = cli("-v", "dataset", "imagenet", "--root", "dog.n.01", "--depth", "1", "-o", out)
    finally:
        wordnet.reset()
    assert result.exit_code == 0, result.stderr
    assert re.search(r"Built the WordNet snapshot from .+ in \d+\.\d\d s \(82115 synsets\)", result.stderr)
