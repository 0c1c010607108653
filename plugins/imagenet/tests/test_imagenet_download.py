"""Class-list downloads against a real HTTP server on 127.0.0.1 serving the reference copies."""

from __future__ import annotations

import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from wildcards_gen_imagenet import classlists

ONE_K = "imagenet_synsets.txt"


class Handler(BaseHTTPRequestHandler):
    """Serves the shared folder; ``server.behaviour[name]`` makes a file misbehave."""

    def do_GET(self):
        name = self.path.rsplit("/", 1)[-1]
        self.server.requests.append(name)
        folder = self.server.folder
        behaviour = self.server.behaviour.get(name, "serve")
        if behaviour == "missing" or not (folder / name).is_file():
            self.send_error(404)
            return
        body = (folder / name).read_bytes()
        if behaviour == "wrong":  # another release's list under this name
            body = (folder / "imagenet12k_synsets.txt").read_bytes()
        elif behaviour == "garbage":
            body = b"<html><body>rate limited</body></html>\n"
        elif behaviour == "wrong-count":  # the right format, one class short (sha256 unpinned)
            body = b"\n".join(body.splitlines()[:-1]) + b"\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        if behaviour == "truncate":
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server(shared_data):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.folder = shared_data / "imagenet"
    httpd.behaviour = {}
    httpd.requests = []
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def empty_cache(tmp_path, monkeypatch, wn, server):
    """A fresh cache folder (WordNet is already open) and the plugin pointed at the test server."""
    cache = tmp_path / "cache"
    cache.mkdir()
    monkeypatch.setenv("WILDCARDS_GEN_CACHE", str(cache))
    monkeypatch.setenv(classlists.URL_ENV, f"http://127.0.0.1:{server.server_address[1]}/mirror/")
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
    server.behaviour[ONE_K] = "truncate"
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
    server.behaviour[ONE_K] = behaviour
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
        server.behaviour[ONE_K] = behaviour
        result, out = run_1k(cli, tmp_path)
        assert_failed_cleanly(result, out, empty_cache, fragment)
    server.behaviour.clear()
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
