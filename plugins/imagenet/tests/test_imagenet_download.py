"""Class-list downloads against a real HTTP server on 127.0.0.1 serving the reference copies."""

from __future__ import annotations

import hashlib

import pytest

from wildcards_gen_imagenet import classlists

ONE_K = "imagenet_synsets.txt"


@pytest.fixture
def server(shared_data, data_server):
    """The shared folder's class lists; :func:`misbehave` makes the 1k list go wrong."""
    for path in (shared_data / "imagenet").iterdir():
        data_server.files[path.name] = path.read_bytes()
    return data_server


def misbehave(server, behaviour: str) -> None:
    """``wrong``: another release's list under this name; ``garbage``: an error page; ``wrong-count``:
    the right format, one class short; ``truncate``, ``missing``: as the data server does them."""
    body = server.files[ONE_K]
    server.faults[ONE_K] = {
        "wrong": server.files["imagenet12k_synsets.txt"],
        "garbage": "html",
        "wrong-count": b"\n".join(body.splitlines()[:-1]) + b"\n",
    }.get(behaviour, behaviour)


@pytest.fixture
def empty_cache(tmp_path, monkeypatch, wn, server):
    """A fresh cache folder (WordNet is already open) and the plugin pointed at the test server."""
    cache = tmp_path / "cache"
    cache.mkdir()
    monkeypatch.setenv("WILDCARDS_GEN_CACHE", str(cache))
    monkeypatch.setenv(classlists.URL_ENV, f"{server.url}/mirror/")
    return cache


def run_1k(cli, tmp_path):
    out = tmp_path / "out.yaml"
    return cli("dataset", "imagenet", "--root", "dog", "--filter", "1k", "--depth", "2", "-o", out), out


def assert_failed_cleanly(result, out, cache, *fragments):
    assert result.exit_code != 0
    errors = [l for l in result.stderr.splitlines() if l.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    line = errors[0]
    for fragment in fragments:
        assert fragment in line, line
    # says how to supply the file by hand
    assert str(cache / "imagenet" / ONE_K) in line and "--class-list" in line
    assert not out.exists()
    folder = cache / "imagenet"
    assert not folder.exists() or list(folder.iterdir()) == []


def test_download_success_then_cached(cli, tmp_path, empty_cache, server, shared_data):
    result, out = run_1k(cli, tmp_path)
    assert result.exit_code == 0, result.output
    cached = empty_cache / "imagenet" / ONE_K
    assert cached.read_bytes() == (shared_data / "imagenet" / ONE_K).read_bytes()
    assert hashlib.sha256(cached.read_bytes()).hexdigest() == classlists.RELEASES["1k"].sha256
    assert [p.name for p in (empty_cache / "imagenet").iterdir()] == [ONE_K]
    assert server.requests == [ONE_K]
    first = out.read_bytes()
    result, out = run_1k(cli, tmp_path)
    assert result.exit_code == 0 and server.requests == [ONE_K]  # second run: from the cache
    assert out.read_bytes() == first
    assert b"Tibetan mastiff" in first


def test_truncated_transfer(cli, tmp_path, empty_cache, server):
    misbehave(server, "truncate")
    result, out = run_1k(cli, tmp_path)
    assert_failed_cleanly(result, out, empty_cache, "ImageNet-1k class list")
    assert server.requests == [ONE_K]


@pytest.mark.parametrize(
    "behaviour, fragment",
    [
        ("wrong", "sha256"),
        ("garbage", "sha256"),
        ("missing", "404"),
    ],
)
def test_wrong_file(cli, tmp_path, empty_cache, server, behaviour, fragment):
    misbehave(server, behaviour)
    result, out = run_1k(cli, tmp_path)
    assert_failed_cleanly(result, out, empty_cache, fragment)


def test_format_check_without_pin(cli, tmp_path, empty_cache, server, monkeypatch):
    """With the digest unpinned (an updated upstream list), the format and count check still guards."""
    release = classlists.RELEASES["1k"]
    monkeypatch.setitem(
        classlists.RELEASES, "1k", classlists.Release(release.key, release.label, release.filename, release.count, "")
    )
    for behaviour, fragment in (
        ("wrong", "11821 WNIDs, expected 1000"),
        ("garbage", "not a WNID"),
        ("wrong-count", "999 WNIDs, expected 1000"),
    ):
        misbehave(server, behaviour)
        result, out = run_1k(cli, tmp_path)
        assert_failed_cleanly(result, out, empty_cache, fragment)
    server.faults.clear()
    result, out = run_1k(cli, tmp_path)
    assert result.exit_code == 0


def test_unreachable_mirror(cli, tmp_path, empty_cache, monkeypatch):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv(classlists.URL_ENV, f"http://127.0.0.1:{port}")
    result, out = run_1k(cli, tmp_path)
    assert_failed_cleanly(result, out, empty_cache, f"127.0.0.1:{port}/{ONE_K}")


def test_damaged_cache_file(cli, tmp_path, empty_cache, server):
    folder = empty_cache / "imagenet"
    folder.mkdir()
    (folder / ONE_K).write_text("n02084071\nnot a wnid\n")
    result, out = run_1k(cli, tmp_path)
    assert result.exit_code != 0
    assert "damaged" in result.stderr and "delete it" in result.stderr and str(folder / ONE_K) in result.stderr
    assert server.requests == [] and not out.exists()


def test_parse_published_checks_count_and_format(shared_data):
    text12 = (shared_data / "imagenet" / "imagenet12k_synsets.txt").read_text()
    assert len(classlists.parse_published(text12, classlists.RELEASES["12k"])) == 11821
    with pytest.raises(ValueError, match="11821 WNIDs, expected 1000"):
        classlists.parse_published(text12, classlists.RELEASES["1k"])
    with pytest.raises(ValueError, match="repeated"):
        classlists.parse_published("n00000001\n" * 1000, classlists.RELEASES["1k"])
