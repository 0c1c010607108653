"""First-use download against a real HTTP server on 127.0.0.1, and the cache afterwards."""

from __future__ import annotations

import hashlib
import http.server
import threading

import pytest
from tencent_reference import HIERARCHY

SHA256 = "4271c1bd49405c1453021a38039343bd810d8dc3a0fab23941fb286d528d45ce"


class Handler(http.server.BaseHTTPRequestHandler):
    """/good: the file; /truncated: half of it under the full Content-Length; /wrong: another file."""

    body = b""
    hits: list = []

    def do_GET(self):
        self.hits.append(self.path)
        if self.path == "/good":
            self._send(self.body, len(self.body))
        elif self.path == "/truncated":
            self._send(self.body[: len(self.body) // 2], len(self.body))
        elif self.path == "/wrong":
            other = self.body.replace(b"\tthing\n", b"\tthings\n", 1)
            self._send(other, len(other))
        else:
            self.send_error(404)

    def _send(self, data, length):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(length))
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(shared_data):
    Handler.body = (shared_data / HIERARCHY).read_bytes()
    assert hashlib.sha256(Handler.body).hexdigest() == SHA256
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def cache(tmp_path, monkeypatch, wn):
    """An empty cache folder for this test (WordNet is opened first, from the session cache)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("WILDCARDS_GEN_CACHE", str(folder))
    return folder


def generate(cli, monkeypatch, url, out):
    monkeypatch.setenv("WILDCARDS_GEN_TENCENT_URL", url)
    return cli("dataset", "tencent", "--root", "atmospheric phenomenon", "-o", out)


def test_download_once_then_cache(cli, server, cache, monkeypatch, tmp_path):
    Handler.hits.clear()
    out = tmp_path / "out.yaml"
    result = generate(cli, monkeypatch, f"{server}/good", out)
    assert result.exit_code == 0, result.output
    stored = cache / "tencent" / "dictionary_and_semantic_hierarchy.txt"
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == SHA256
    # nothing half-written left behind: the file and the checked copy the run stored beside it
    assert sorted(p.name for p in stored.parent.iterdir()) == sorted([stored.name, "parsed-hierarchy.json"])
    assert out.read_text(encoding="utf-8").count("# instruction:") > 5
    first = out.read_text(encoding="utf-8")
    result = generate(cli, monkeypatch, f"{server}/missing", out)  # the cached copy is used, no request
    assert result.exit_code == 0, result.output
    assert Handler.hits == ["/good"]
    assert out.read_text(encoding="utf-8") == first


@pytest.mark.parametrize(
    "path, words",
    [
        ("/truncated", ["cut short"]),
        ("/wrong", ["sha256", SHA256]),
        ("/missing", ["404"]),
    ],
)
def test_failed_download_leaves_cache_clean(cli, server, cache, monkeypatch, tmp_path, path, words):
    out = tmp_path / "out.yaml"
    result = generate(cli, monkeypatch, f"{server}{path}", out)
    assert result.exit_code != 0
    message = result.stderr
    assert message.startswith("Error: ") and "Traceback" not in result.output
    for word in words:
        assert word in message
    target = cache / "tencent" / "dictionary_and_semantic_hierarchy.txt"
    assert "--hierarchy-file" in message and str(target) in message
    assert not out.exists()
    assert not target.parent.exists() or list(target.parent.iterdir()) == []


def test_unreachable_server(cli, cache, monkeypatch, tmp_path):
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    out = tmp_path / "out.yaml"
    result = generate(cli, monkeypatch, f"http://127.0.0.1:{port}/x", out)
    assert result.exit_code != 0 and "--hierarchy-file" in result.stderr and not out.exists()
    folder = cache / "tencent"
    assert not folder.exists() or list(folder.iterdir()) == []
