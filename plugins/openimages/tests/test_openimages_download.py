"""First-use downloads against a real HTTP server on 127.0.0.1 (a mirror folder), and the cache afterwards."""

from __future__ import annotations

import csv
import hashlib
import http.server
import io
import json
import threading

import pytest
from openimages_reference import CLASSES, HIERARCHY

HIERARCHY_NAME = "bbox_labels_600_hierarchy.json"
CLASSES_NAME = "class-descriptions-boxable.csv"
LABELS_NAME = "oidv7-class-descriptions.csv"


def all_labels(wn, count: int = 10_500) -> bytes:
    """A descriptions file in oidv7's format: as many labels as the published bounds expect, from WordNet's lemmas."""
    rows, seen = [], set()
    for wnid in sorted(wn.subtree_sizes()):
        name = wn.synset(wnid).display
        if name.casefold() not in seen:
            seen.add(name.casefold())
            rows.append((f"/m/0{len(rows):06x}", name[:1].upper() + name[1:]))
        if len(rows) == count:
            break
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["LabelName", "DisplayName"])
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


class Handler(http.server.BaseHTTPRequestHandler):
    """``/good/<name>``: the files; ``/truncated/<name>``: half, under the full length; ``/swapped/<name>``:
    each file's sibling (the boxable list served as all labels); ``/html/<name>``: an error page."""

    files: dict = {}
    hits: list = []

    def do_GET(self):
        self.hits.append(self.path)
        _, kind, name = self.path.split("/", 2)
        body = self.files.get(name)
        if body is None:
            self.send_error(404)
        elif kind == "good":
            self._send(body, len(body))
        elif kind == "truncated":
            self._send(body[: len(body) // 2], len(body))
        elif kind == "swapped":
            other = self.files[{LABELS_NAME: CLASSES_NAME, CLASSES_NAME: LABELS_NAME}.get(name, name)]
            self._send(other, len(other))
        elif kind == "html":
            page = b"<!DOCTYPE html><html><body>Service unavailable</body></html>"
            self._send(page, len(page))
        else:
            self.send_error(404)

    def _send(self, data, length):
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(length))
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(shared_data, wn):
    # the published boxable list has no header line: serve it so
    published = b"".join(
        line for line in (shared_data / CLASSES).read_bytes().splitlines(keepends=True) if line.startswith(b"/")
    )
    Handler.files = {
        HIERARCHY_NAME: (shared_data / HIERARCHY).read_bytes(),
        CLASSES_NAME: published,
        LABELS_NAME: all_labels(wn),
    }
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


def generate(cli, monkeypatch, mirror, out, *args):
    monkeypatch.setenv("WILDCARDS_GEN_OPENIMAGES_URL", mirror)
    return cli("dataset", "openimages", *args, "-o", out, "--stats", out.with_suffix(".json"))


def test_boxable_files_downloaded_once_then_cached(cli, server, cache, monkeypatch, tmp_path, shared_data):
    Handler.hits.clear()
    out = tmp_path / "out.yaml"
    result = generate(cli, monkeypatch, f"{server}/good", out)
    assert result.exit_code == 0, result.output
    folder = cache / "openimages"
    assert sorted(p.name for p in folder.iterdir()) == sorted([CLASSES_NAME, HIERARCHY_NAME])  # nothing half-written
    for name in (CLASSES_NAME, HIERARCHY_NAME):
        assert (folder / name).read_bytes() == Handler.files[name]
    report = json.loads(out.with_suffix(".json").read_text())
    used = {e["role"]: e for e in report["events"]["input_file"]}
    assert used["hierarchy"]["sha256"] == hashlib.sha256(Handler.files[HIERARCHY_NAME]).hexdigest()
    assert used["classes"]["path"] == str(folder / CLASSES_NAME)
    first = out.read_bytes()
    result = generate(cli, monkeypatch, f"{server}/missing", out)  # the cached copies: no request
    assert result.exit_code == 0, result.output
    assert sorted(Handler.hits) == sorted([f"/good/{CLASSES_NAME}", f"/good/{HIERARCHY_NAME}"])
    assert out.read_bytes() == first
    # the published list (no header) gives the same file as the shared copy (with one)
    given = tmp_path / "given.yaml"
    args = ("--hierarchy-file", shared_data / HIERARCHY, "--classes-file", shared_data / CLASSES)
    assert cli("dataset", "openimages", *args, "-o", given).exit_code == 0
    assert given.read_bytes() == first


def test_all_labels_downloaded(cli, server, cache, monkeypatch, tmp_path):
    out = tmp_path / "all.yaml"
    result = generate(cli, monkeypatch, f"{server}/good", out, "--labels", "all", "--smart", "--preset", "compact")
    assert result.exit_code == 0, result.output
    assert (cache / "openimages" / LABELS_NAME).read_bytes() == Handler.files[LABELS_NAME]
    assert sorted(p.name for p in (cache / "openimages").iterdir()) == [LABELS_NAME]
    report = json.loads(out.with_suffix(".json").read_text())
    assert report["counts"]["openimages.classes"] == 10_500
    (used,) = report["events"]["input_file"]
    assert used["role"] == "descriptions" and used["sha256"] == hashlib.sha256(Handler.files[LABELS_NAME]).hexdigest()


@pytest.mark.parametrize(
    "kind, args, words",
    [
        ("truncated", (), ["cut short"]),
        ("missing", (), ["404"]),
        ("html", (), ["not valid JSON"]),
        ("swapped", (), ["classes, expected 500 to 1,000"]),  # the 10,500 labels served as the boxable list
        ("swapped", ("--labels", "all"), ["601 classes, expected 10,000 to 50,000"]),
        ("html", ("--labels", "all"), ["expected 2 columns"]),
    ],
)
def test_failed_download_leaves_the_cache_clean(cli, server, cache, monkeypatch, tmp_path, kind, args, words):
    out = tmp_path / "out.yaml"
    result = generate(cli, monkeypatch, f"{server}/{kind}", out, *args)
    assert result.exit_code != 0
    message = result.stderr.strip()
    assert message.startswith("Error: ") and len(message.splitlines()) == 1, message
    for word in words:
        assert word in message, message
    option = "--descriptions-file" if args else ("--classes-file" if kind == "swapped" else "--hierarchy-file")
    assert option in message and str(cache / "openimages") in message, message
    assert not out.exists() and not out.with_suffix(".json").exists()
    folder = cache / "openimages"
    left = sorted(p.name for p in folder.iterdir()) if folder.exists() else []
    assert left in ([], [HIERARCHY_NAME]), left  # only a file that passed every check stays


def test_unreachable_server(cli, cache, monkeypatch, tmp_path):
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    out = tmp_path / "out.yaml"
    result = generate(cli, monkeypatch, f"http://127.0.0.1:{port}/x", out)
    assert result.exit_code != 0 and "--hierarchy-file" in result.stderr and not out.exists()
    folder = cache / "openimages"
    assert not folder.exists() or list(folder.iterdir()) == []
