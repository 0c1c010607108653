"""First-use downloads against a real HTTP server on 127.0.0.1 (a mirror folder), and the cache afterwards."""

from __future__ import annotations

import csv
import hashlib
import io
import json

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


@pytest.fixture(scope="module")
def published(shared_data, wn) -> dict:
    """The three files as Google publishes them (the boxable list without a header line)."""
    classes = b"".join(
        line for line in (shared_data / CLASSES).read_bytes().splitlines(keepends=True) if line.startswith(b"/")
    )
    return {HIERARCHY_NAME: (shared_data / HIERARCHY).read_bytes(), CLASSES_NAME: classes, LABELS_NAME: all_labels(wn)}


@pytest.fixture
def server(published, data_server):
    """``mirror(kind)``: ``good``, ``truncate``, ``missing``, ``html`` as the data server does them;
    ``swapped``: each list served as the other (the boxable list as all labels)."""
    data_server.files.update(published)

    def mirror(kind: str) -> str:
        if kind == "swapped":
            data_server.faults.update({CLASSES_NAME: published[LABELS_NAME], LABELS_NAME: published[CLASSES_NAME]})
            kind = "good"
        return f"{data_server.url}/{kind}"

    data_server.mirror = mirror
    return data_server


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
    out = tmp_path / "out.yaml"
    result = generate(cli, monkeypatch, server.mirror("good"), out)
    assert result.exit_code == 0, result.output
    folder = cache / "openimages"
    assert sorted(p.name for p in folder.iterdir()) == sorted([CLASSES_NAME, HIERARCHY_NAME])  # nothing half-written
    for name in (CLASSES_NAME, HIERARCHY_NAME):
        assert (folder / name).read_bytes() == server.files[name]
    report = json.loads(out.with_suffix(".json").read_text())
    used = {e["role"]: e for e in report["events"]["input_file"]}
    assert used["hierarchy"]["sha256"] == hashlib.sha256(server.files[HIERARCHY_NAME]).hexdigest()
    assert used["classes"]["path"] == str(folder / CLASSES_NAME)
    first = out.read_bytes()
    result = generate(cli, monkeypatch, server.mirror("missing"), out)  # the cached copies: no request
    assert result.exit_code == 0, result.output
    assert sorted(server.requests) == sorted([CLASSES_NAME, HIERARCHY_NAME])
    assert out.read_bytes() == first
    # the published list (no header) gives the same file as the shared copy (with one)
    given = tmp_path / "given.yaml"
    args = ("--hierarchy-file", shared_data / HIERARCHY, "--classes-file", shared_data / CLASSES)
    assert cli("dataset", "openimages", *args, "-o", given).exit_code == 0
    assert given.read_bytes() == first


def test_all_labels_downloaded(cli, server, cache, monkeypatch, tmp_path):
    out = tmp_path / "all.yaml"
    result = generate(cli, monkeypatch, server.mirror("good"), out, "--labels", "all", "--smart", "--preset", "compact")
    assert result.exit_code == 0, result.output
    assert (cache / "openimages" / LABELS_NAME).read_bytes() == server.files[LABELS_NAME]
    assert sorted(p.name for p in (cache / "openimages").iterdir()) == [LABELS_NAME]
    report = json.loads(out.with_suffix(".json").read_text())
    assert report["counts"]["openimages.classes"] == 10_500
    (used,) = report["events"]["input_file"]
    assert used["role"] == "descriptions" and used["sha256"] == hashlib.sha256(server.files[LABELS_NAME]).hexdigest()


@pytest.mark.parametrize(
    "kind, args, words",
    [
        ("truncate", (), ["cut short"]),
        ("missing", (), ["404"]),
        ("html", (), ["not valid JSON"]),
        ("swapped", (), ["classes, expected 500 to 1,000"]),  # the 10,500 labels served as the boxable list
        ("swapped", ("--labels", "all"), ["601 classes, expected 10,000 to 50,000"]),
        ("html", ("--labels", "all"), ["expected 2 columns"]),
    ],
)
def test_failed_download_leaves_the_cache_clean(cli, server, cache, monkeypatch, tmp_path, kind, args, words):
    out = tmp_path / "out.yaml"
    result = generate(cli, monkeypatch, server.mirror(kind), out, *args)
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
