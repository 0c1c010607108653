"""First-use download against a real HTTP server on 127.0.0.1, and the cache afterwards."""

from __future__ import annotations

import hashlib

import pytest
from tencent_reference import HIERARCHY

SHA256 = "4271c1bd49405c1453021a38039343bd810d8dc3a0fab23941fb286d528d45ce"


NAME = "dictionary_and_semantic_hierarchy.txt"


@pytest.fixture
def server(shared_data, data_server):
    """The shared copy at ``/good/``, cut short at ``/truncate/``; ``/wrong/``: one byte changed."""
    body = (shared_data / HIERARCHY).read_bytes()
    assert hashlib.sha256(body).hexdigest() == SHA256
    data_server.files[NAME] = body
    return data_server


def url(server, mode: str) -> str:
    if mode == "wrong":
        server.faults[NAME] = server.files[NAME].replace(b"\tthing\n", b"\tthings\n", 1)
        mode = "good"
    return f"{server.url}/{mode}/{NAME}"


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
    out = tmp_path / "out.yaml"
    result = generate(cli, monkeypatch, url(server, "good"), out)
    assert result.exit_code == 0, result.output
    stored = cache / "tencent" / "dictionary_and_semantic_hierarchy.txt"
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == SHA256
    # nothing half-written left behind: the file and the checked copy the run stored beside it
    assert sorted(p.name for p in stored.parent.iterdir()) == sorted([stored.name, "parsed-hierarchy.json"])
    assert out.read_text(encoding="utf-8").count("# instruction:") > 5
    first = out.read_text(encoding="utf-8")
    result = generate(cli, monkeypatch, url(server, "missing"), out)  # the cached copy is used, no request
    assert result.exit_code == 0, result.output
    assert server.requests == [NAME]
    assert out.read_text(encoding="utf-8") == first


@pytest.mark.parametrize(
    "mode, words",
    [
        ("truncate", ["cut short"]),
        ("wrong", ["sha256", SHA256]),
        ("html", ["sha256", SHA256]),
        ("missing", ["404"]),
    ],
)
def test_failed_download_leaves_cache_clean(cli, server, cache, monkeypatch, tmp_path, mode, words):
    out = tmp_path / "out.yaml"
    result = generate(cli, monkeypatch, url(server, mode), out)
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
