"""The snapshot's life: content fingerprint, rebuilds, damage, concurrency, faults, read-only caches.

Real files and real processes throughout: copies of Debian's WordNet, real
SQLite damage, subprocesses racing on one cache, a killed build, a file-size
limit for a full disk, and a cache that root cannot write (capabilities dropped).
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cache_faults import without_root_powers  # as root, file modes apply only without these

from wildcards_gen import wordnet, wordnet_snapshot, wordnet_source
from wildcards_gen.errors import DataError

SYSTEM = Path(wordnet_source.SYSTEM_WORDNET)
pytestmark = pytest.mark.skipif(not (SYSTEM / "data.noun").is_file(), reason="needs Debian's wordnet-base")
BIN = Path(sys.executable).parent / "wildcards-gen"


@pytest.fixture
def isolated(monkeypatch, tmp_path):
    """No NLTK data and no WORDNET_DIR: the chain finds Debian's folder (or what a test sets)."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(wordnet_source, "nltk_data_dirs", lambda: [tmp_path / "no-nltk-data"])
    monkeypatch.delenv("WORDNET_DIR", raising=False)
    monkeypatch.delenv("NLTK_DATA", raising=False)
    return tmp_path


@pytest.fixture
def warm(isolated, session_cache, wn):
    """A cache holding a copy of the session's snapshot and manifest (built from Debian's folder)."""
    cache = isolated / "cache"
    cache.mkdir()
    for name in (wordnet_snapshot.SNAPSHOT_NAME, wordnet_snapshot.MANIFEST_NAME):
        shutil.copy2(session_cache / name, cache / name)
    return cache


def snapshot_of(cache: Path) -> Path:
    return cache / wordnet_snapshot.SNAPSHOT_NAME


def identity(path: Path) -> tuple:
    st = path.stat()
    return st.st_ino, st.st_mtime_ns


def manifest_of(cache: Path) -> dict:
    return json.loads((cache / wordnet_snapshot.MANIFEST_NAME).read_text())


def copy_database(target: Path) -> Path:
    target.mkdir()
    for name in wordnet_source.NOUN_FILES:
        shutil.copyfile(SYSTEM / name, target / name)
    return target


def zero_pages(path: Path, start_fraction: float = 0.3, count: int = 64, page: int = 8192) -> None:
    """Overwrite ``count`` pages in the middle of the file with zeros, as a bad disk would."""
    with open(path, "r+b") as fh:
        fh.seek(int(path.stat().st_size * start_fraction) // page * page)
        fh.write(b"\0" * page * count)


def hashing_forbidden(monkeypatch):
    def refuse(*_):
        raise AssertionError("hashed on a warm start")

    monkeypatch.setattr(wordnet_snapshot, "_sha256", refuse)
    monkeypatch.setattr(wordnet_source.Source, "fingerprint", refuse)


# -- reuse and rebuild ---------------------------------------------------------------


def test_a_copied_snapshot_is_verified_once_then_opened_from_stat_alone(warm, monkeypatch):
    path = snapshot_of(warm)
    before = identity(path)
    assert wordnet.open_snapshot(warm).synset("dog.n.01").wnid == "n02084071"  # copy: hashed, remembered
    assert identity(path) == before  # reused, not rebuilt
    hashing_forbidden(monkeypatch)
    wn = wordnet.open_snapshot(warm)
    assert wn.synset("n02084071").display == "dog" and identity(path) == before


def test_the_same_wordnet_at_another_path_is_reused(warm, monkeypatch, tmp_path):
    path = snapshot_of(warm)
    before = identity(path)
    folder = copy_database(tmp_path / "elsewhere")
    monkeypatch.setenv("WORDNET_DIR", str(folder))
    wn = wordnet.open_snapshot(warm)
    assert wn.origin == f"WORDNET_DIR {folder}"
    assert identity(path) == before
    assert manifest_of(warm)["source"][0][0] == str(folder / "data.noun")  # remembered: no hashing next time
    hashing_forbidden(monkeypatch)
    assert wordnet.open_snapshot(warm).synset("cat.n.01").display == "cat"


def test_a_touched_source_is_rehashed_not_rebuilt(warm, monkeypatch, tmp_path):
    folder = copy_database(tmp_path / "wn")
    monkeypatch.setenv("WORDNET_DIR", str(folder))
    wordnet.open_snapshot(warm)
    before = identity(snapshot_of(warm))
    os.utime(folder / "index.noun", ns=(1, 10**18))
    wordnet.open_snapshot(warm)
    assert identity(snapshot_of(warm)) == before


def test_a_changed_source_file_rebuilds_with_its_content(warm, monkeypatch, tmp_path):
    folder = copy_database(tmp_path / "wn")
    monkeypatch.setenv("WORDNET_DIR", str(folder))
    assert wordnet.open_snapshot(warm).synset("n02084071").gloss.startswith("a member of the genus Canis")
    before = identity(snapshot_of(warm))
    data = folder / "data.noun"
    data.write_text(data.read_text().replace("| a member of the genus Canis", "| a member of the genus Kanis", 1))
    wn = wordnet.open_snapshot(warm)
    assert identity(snapshot_of(warm)) != before
    assert wn.synset("n02084071").gloss.startswith("a member of the genus Kanis")


def test_a_snapshot_of_another_format_version_is_rebuilt(warm):
    before = identity(snapshot_of(warm))
    manifest = {**manifest_of(warm), "format": "3"}
    (warm / wordnet_snapshot.MANIFEST_NAME).write_text(json.dumps(manifest))
    wordnet.open_snapshot(warm)
    assert identity(snapshot_of(warm)) != before
    assert manifest_of(warm)["format"] == wordnet_snapshot.FORMAT_VERSION


@pytest.mark.parametrize(
    "manifest", [None, "{not json", '{"format": "4", "fingerprint": 1, "source": "x", "snapshot": []}', "[]"]
)
def test_a_lost_or_damaged_manifest_rebuilds_quietly(warm, capsys, manifest):
    path = warm / wordnet_snapshot.MANIFEST_NAME
    if manifest is None:
        path.unlink()
    else:
        path.write_text(manifest)
    capsys.readouterr()
    assert wordnet.open_snapshot(warm).synset("dog.n.01").display == "dog"
    assert capsys.readouterr().err == ""
    assert manifest_of(warm)["synsets"] == 82115


# -- damage ----------------------------------------------------------------------------


@pytest.mark.parametrize("damage", ["truncated", "zeroed pages", "one byte"])
def test_a_damaged_snapshot_is_detected_and_rebuilt(warm, capsys, damage):
    path = snapshot_of(warm)
    wordnet.open_snapshot(warm)  # remembered as it is
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[:4096])
    elif damage == "zeroed pages":
        zero_pages(path)
    else:
        with open(path, "r+b") as fh:
            fh.seek(path.stat().st_size // 2)
            byte = fh.read(1)
            fh.seek(-1, 1)
            fh.write(bytes([byte[0] ^ 1]))
    capsys.readouterr()
    wn = wordnet.open_snapshot(warm)
    assert "is damaged (its content no longer matches its hash); rebuilding it" in capsys.readouterr().err
    assert wn.glosses(["n02084071"])["n02084071"].startswith("a member of the genus Canis")
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_damage_found_by_sqlite_mid_run_rebuilds_once_and_retries(warm, session_cache, capsys):
    wn = wordnet.open_snapshot(warm)
    with sqlite3.connect(session_cache / wordnet.SNAPSHOT_NAME) as reference:
        expected = dict(reference.execute("SELECT printf('n%08d', id), gloss FROM synset"))
    zero_pages(snapshot_of(warm), 0.05, count=1500)  # after the open: only SQLite can notice
    capsys.readouterr()
    assert wn.glosses(list(expected)) == expected
    assert "damaged (SQLite could not read it); rebuilding it" in capsys.readouterr().err
    assert wn.senses("dog")[0].name == "dog.n.01"


# -- processes -----------------------------------------------------------------------


def cli(cache: Path, *args, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "WILDCARDS_GEN_CACHE": str(cache), "HOME": str(cache.parent / "home")}
    env.pop("WORDNET_DIR", None)
    return subprocess.Popen(
        [str(BIN), *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, **kwargs
    )


def test_eight_processes_on_an_empty_cache_all_succeed(tmp_path):
    """Issue 16, finding 6: the first run's race. One builds, seven wait and reuse."""
    cache = tmp_path / "cache"
    procs = [
        cli(cache, "-v", "dataset", "imagenet", "--root", "n02084071", "--depth", "2", "-o", tmp_path / f"o{i}.yaml")
        for i in range(8)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0] * 8, [o[1] for o in outs]
    assert sum("Built the WordNet snapshot" in err for _, err in outs) == 1
    texts = {(tmp_path / f"o{i}.yaml").read_text() for i in range(8)}
    assert len(texts) == 1 and "beagle" in texts.pop()
    assert sorted(p.name for p in cache.iterdir() if "wordnet" in p.name) == sorted(
        [wordnet_snapshot.SNAPSHOT_NAME, wordnet_snapshot.MANIFEST_NAME, wordnet_snapshot.LOCK_NAME]
    )


def test_a_build_killed_midway_leaves_its_temporary_file_to_the_next_start(isolated):
    cache = isolated / "cache"
    code = "import sys; from pathlib import Path; from wildcards_gen import wordnet; wordnet.open_snapshot(Path(sys.argv[1]))"
    proc = subprocess.Popen([sys.executable, "-c", code, str(cache)])
    deadline = time.monotonic() + 60
    while not list(cache.glob(".*.tmp")) and time.monotonic() < deadline:
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    leftovers = list(cache.glob(".*.tmp"))
    assert leftovers and not snapshot_of(cache).exists()
    assert wordnet.open_snapshot(cache).synset("dog.n.01").display == "dog"
    assert all(not p.exists() for p in leftovers)
    assert sorted(p.name for p in cache.iterdir()) == sorted(
        [wordnet_snapshot.SNAPSHOT_NAME, wordnet_snapshot.MANIFEST_NAME, wordnet_snapshot.LOCK_NAME]
    )


def test_stale_temporary_files_of_dead_processes_are_removed(isolated):
    cache = isolated / "cache"
    cache.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    names = [
        f".{wordnet_snapshot.SNAPSHOT_NAME}.{os.getpid()}.tmp",  # this format: stale under the lock
        f".wordnet-3.0-nouns-v3.sqlite.{dead_pid}.tmp",
        f".wordnet-3.0-nouns-v3.sqlite.{dead_pid}.tmp-journal",
        f".{wordnet_snapshot.MANIFEST_NAME}.{dead_pid}.tmp",
    ]
    kept = [f".wordnet-3.0-nouns-v3.sqlite.{os.getpid()}.tmp", "notes.tmp"]  # another format's live build; not ours
    for name in names + kept:
        (cache / name).write_bytes(b"x" * 100)
    wordnet.open_snapshot(cache)
    assert sorted(p.name for p in cache.iterdir() if p.name in names + kept) == sorted(kept)


def limited_file_size(limit: int):
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) like a full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_full_disk_during_the_build_is_one_line_and_leaves_nothing(tmp_path):
    """Issue 16, finding 13: no 10 MB temporary file or journal left on a full disk."""
    cache = tmp_path / "cache"
    proc = cli(
        cache,
        "dataset",
        "imagenet",
        "--root",
        "dog.n.01",
        "-o",
        tmp_path / "o.yaml",
        preexec_fn=limited_file_size(2 << 20),
    )
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1
    assert re.fullmatch(
        r"Error: cannot write the WordNet snapshot into the cache folder \S+ \(.+\); "
        r"free some space there or set WILDCARDS_GEN_CACHE to another folder\n",
        err,
    ), err
    assert [p.name for p in cache.iterdir() if "wordnet" in p.name] == [wordnet_snapshot.LOCK_NAME]


def test_progress_bar_only_on_a_terminal_and_only_after_a_second(isolated):
    """On a pseudo-terminal a build slowed past one second shows the bar; through a pipe nothing does."""
    import fcntl
    import pty
    import struct
    import termios

    code = (
        "import sys, time; from pathlib import Path; from wildcards_gen import wordnet, wordnet_build;"
        "real = wordnet_build.read_exceptions;"
        "wordnet_build.read_exceptions = lambda lines: (time.sleep(float(sys.argv[2])), real(lines))[1];"
        "wordnet.open_snapshot(Path(sys.argv[1]))"
    )

    def run(cache, delay, terminal):
        if not terminal:
            done = subprocess.run([sys.executable, "-c", code, str(cache), str(delay)], capture_output=True, text=True)
            return done.stderr
        leader, follower = pty.openpty()
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))  # a terminal has a width
        proc = subprocess.Popen([sys.executable, "-c", code, str(cache), str(delay)], stderr=follower)
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        proc.wait()
        os.close(leader)
        return b"".join(chunks).decode(errors="replace")

    assert "Building WordNet snapshot" in run(isolated / "a", 1.5, terminal=True)
    assert run(isolated / "b", 1.5, terminal=False) == ""
    assert run(isolated / "a", 0, terminal=True) == ""  # warm: nothing to show


# -- cache folders -----------------------------------------------------------------


def test_a_read_only_cache_with_a_warm_snapshot_still_generates(warm, tmp_path):
    shutil.copy2(snapshot_of(warm), tmp_path / "copy")  # a snapshot copied in: verified by hash, nothing written
    os.replace(tmp_path / "copy", snapshot_of(warm))
    out = tmp_path / "out"
    out.mkdir()
    warm.chmod(0o555)
    try:
        proc = cli(
            warm,
            "dataset",
            "imagenet",
            "--root",
            "n02084071",
            "--depth",
            "2",
            "-o",
            out / "dogs.yaml",
            preexec_fn=without_root_powers(),
        )
        _, err = proc.communicate(timeout=120)
    finally:
        warm.chmod(0o755)
    assert proc.returncode == 0, err
    assert "beagle" in (out / "dogs.yaml").read_text()
    assert sorted(p.name for p in warm.iterdir()) == sorted(
        [wordnet_snapshot.SNAPSHOT_NAME, wordnet_snapshot.MANIFEST_NAME]
    )


def test_a_read_only_cache_without_a_snapshot_is_one_line(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o555)
    proc = cli(
        cache, "dataset", "imagenet", "--root", "dog.n.01", "-o", tmp_path / "o.yaml", preexec_fn=without_root_powers()
    )
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1
    assert err == (
        f"Error: cannot write the WordNet snapshot into the cache folder {cache} (Permission denied); "
        "set WILDCARDS_GEN_CACHE to a writable folder\n"
    )


def test_damage_mid_run_in_a_read_only_cache_is_a_clear_error(warm, tmp_path):
    """The run cannot rebuild: it says what is wrong and where, in one line."""
    code = (
        "import sys; from pathlib import Path; from wildcards_gen import wordnet; from wildcards_gen.errors import DataError;"
        "wn = wordnet.open_snapshot(Path(sys.argv[1])); print('open', flush=True); sys.stdin.readline();"
        "\ntry: wn.glosses([f'n{i:08d}' for i in range(1, 16_000_000, 97)])\nexcept DataError as e: print(e)"
    )
    wordnet.open_snapshot(warm)
    warm.chmod(0o555)
    try:
        proc = subprocess.Popen(
            [sys.executable, "-c", code, str(warm)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=without_root_powers(),
        )
        assert proc.stdout.readline() == "open\n"
        zero_pages(snapshot_of(warm), 0.05, count=1500)
        out, err = proc.communicate("go\n", timeout=120)
    finally:
        warm.chmod(0o755)
    assert re.fullmatch(
        r"WordNet snapshot \S+ is damaged \(database disk image is malformed\) and could not be rebuilt: "
        r"cannot write the WordNet snapshot into the cache folder \S+ \(Permission denied\); "
        r"set WILDCARDS_GEN_CACHE to a writable folder\n",
        out,
    ), (out, err)


def test_a_cache_folder_that_cannot_be_created_is_one_line(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    proc = cli(blocker / "cache", "dataset", "imagenet", "--root", "dog.n.01", "-o", tmp_path / "o.yaml")
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert err == (
        f"Error: cannot create the cache folder {blocker / 'cache'} (Not a directory); "
        "set WILDCARDS_GEN_CACHE to a folder you can write to\n"
    )


def test_a_valid_snapshot_serves_when_no_wordnet_is_found_any_more(warm, monkeypatch, tmp_path):
    wordnet.open_snapshot(warm)
    monkeypatch.setattr(wordnet_source, "SYSTEM_WORDNET", str(tmp_path / "removed"))
    monkeypatch.setattr(wordnet_source, "_download", lambda target: pytest.fail("tried to download"))
    wn = wordnet.open_snapshot(warm)
    assert wn.origin == "the snapshot (built from system WordNet /usr/share/wordnet; no WordNet found now)"
    assert wn.synset("dog.n.01").wnid == "n02084071"
    snapshot_of(warm).unlink()  # nothing to serve: the remedies, after trying the download
    monkeypatch.setattr(wordnet_source, "_download", lambda target: False)
    with pytest.raises(DataError, match="WordNet 3.0 not found. Fix it one of three ways"):
        wordnet.open_snapshot(warm)


def test_silent_damage_that_keeps_the_stat_is_repaired_by_the_run_that_meets_it(warm, tmp_path):
    """Issue 16, finding 9: damage the quick check cannot see (the disk rotted under an unchanged
    stat) must not fail every later run: the first run that SQLite stops rebuilds and goes on."""
    wordnet.open_snapshot(warm)
    path = snapshot_of(warm)
    zero_pages(path, 0.05, count=1500)
    manifest = manifest_of(warm)
    manifest["snapshot"]["stat"] = wordnet_snapshot.stat_key(path)  # as if nothing had written it
    (warm / wordnet_snapshot.MANIFEST_NAME).write_text(json.dumps(manifest))
    args = ["dataset", "imagenet", "--root", "n02084071", "--depth", "2", "-o"]
    first = cli(warm, *args, tmp_path / "a.yaml")
    _, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert "damaged (SQLite could not read it); rebuilding it" in err and "beagle" in (tmp_path / "a.yaml").read_text()
    second = cli(warm, *args, tmp_path / "b.yaml")
    _, err = second.communicate(timeout=120)
    assert second.returncode == 0 and "Warning" not in err, err
    assert (tmp_path / "a.yaml").read_bytes() == (tmp_path / "b.yaml").read_bytes()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
