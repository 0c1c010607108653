"""The entry-point cache: reused while nothing is installed, never trusted over a real scan."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from wildcards_gen import entry_points
from wildcards_gen.testing import pip_install_to

HERE = Path(__file__).parent

PROBE = """
import json, sys
from wildcards_gen.cli import run
code = run(sys.argv[1:])
print("METADATA=" + json.dumps("importlib.metadata" in sys.modules), file=sys.stderr)
"""


def probe(cache: Path, *args, pythonpath: Path | None = None):
    """Run the CLI in a fresh process; ``(stdout, stderr, imported importlib.metadata)``."""
    env = {**os.environ, "WILDCARDS_GEN_CACHE": str(cache)}
    env.pop("PYTHONPATH", None)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    cwd = cache.parent / "cwd"  # '' on sys.path is the working folder: keep it unchanged between runs
    cwd.mkdir(exist_ok=True)
    result = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env, cwd=cwd)
    line = [l for l in result.stderr.splitlines() if l.startswith("METADATA=")]
    assert line, result.stderr
    return result.stdout, result.stderr, json.loads(line[-1][9:])


def plugin_names(stdout: str) -> set:
    return {p["name"] for p in json.loads(stdout)["plugins"]}


def cache_in(tmp_path: Path) -> Path:
    cache = tmp_path / "cache"
    cache.mkdir()
    return cache


def test_second_start_reads_the_cache_and_lists_the_same(tmp_path):
    cache = cache_in(tmp_path)
    first, _, scanned = probe(cache, "plugins", "--json")
    assert scanned  # nothing cached yet: importlib.metadata did the scan
    assert (cache / entry_points.CACHE_NAME).is_file()
    second, _, scanned_again = probe(cache, "plugins", "--json")
    assert not scanned_again
    assert second == first
    assert {"imagenet", "tencent"} <= plugin_names(second)


def test_a_plugin_installed_later_is_found(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    cache = cache_in(tmp_path)
    before, _, _ = probe(cache, "plugins", "--json", pythonpath=site)
    assert "colors" not in plugin_names(before)
    pip_install_to(site, HERE / "thirdparty")
    after, _, scanned = probe(cache, "plugins", "--json", pythonpath=site)
    assert scanned  # the folder on sys.path changed: the cache was not used
    assert "colors" in plugin_names(after)


def test_stale_entry_is_rescanned_not_reported_broken(tmp_path):
    cache = cache_in(tmp_path)
    probe(cache, "plugins", "--json")
    path = cache / entry_points.CACHE_NAME
    data = json.loads(path.read_text())
    data["entry_points"].append(["ghost", "no_such_module_for_wildcards_gen", "ghost-dist", "1.0"])
    path.write_text(json.dumps(data))
    out, err, scanned = probe(cache, "plugins", "--json")
    assert scanned
    assert "ghost" not in out and "ghost" not in err
    assert json.loads(out)["broken"] == []
    assert "ghost" not in path.read_text()  # rewritten by the scan


def test_corrupt_cache_file_is_ignored_and_rewritten(tmp_path):
    cache = cache_in(tmp_path)
    path = cache / entry_points.CACHE_NAME
    path.write_bytes(b"\x00{not json")
    out, _, scanned = probe(cache, "plugins", "--json")
    assert scanned
    assert {"imagenet", "tencent"} <= plugin_names(out)
    assert json.loads(path.read_text())["format"] == entry_points.FORMAT


def test_cached_entry_points_load_like_importlib_metadata():
    from importlib.metadata import EntryPoint as Real

    for value in (
        "wildcards_gen.errors",
        "wildcards_gen.errors:UsageError",
        "os.path:join",
        "wildcards_gen.model:Dataset.__init__",
        "wildcards_gen.errors:UsageError [extra]",
    ):
        mine = entry_points.EntryPoint("x", value, None, None).load()
        assert mine is Real(name="x", value=value, group="g").load(), value


# -- a cache file of the wrong shape, or naming what nobody installed (issue 16, finding 10) ------


@pytest.mark.parametrize(
    "content",
    [
        "[]",
        '"x"',
        "null",
        "0",
        '{"format": 2}',
        '{"format": 2, "group": "wildcards_gen", "sys_path": 1, "entry_points": "x"}',
        "SAME_KEY [[1, 2]]",
        'SAME_KEY [["imagenet"]]',
        'SAME_KEY "x"',
        "SAME_KEY null",
    ],
)
def test_a_cache_file_of_another_shape_is_rescanned_and_rewritten(tmp_path, content):
    """'[]', '"x"' or 'null' crashed every command, and the file stayed broken."""
    cache = cache_in(tmp_path)
    path = cache / entry_points.CACHE_NAME
    probe(cache, "plugins", "--json")
    if content.startswith("SAME_KEY "):  # the right format and key; the list is what is wrong
        data = json.loads(path.read_text())
        data["entry_points"] = json.loads(content[len("SAME_KEY ") :])
        content = json.dumps(data)
    path.write_text(content)
    out, err, scanned = probe(cache, "plugins", "--json")
    assert scanned and "Error" not in err, err
    assert {"imagenet", "tencent"} <= plugin_names(out)
    assert json.loads(path.read_text())["format"] == entry_points.FORMAT
    _, _, scanned_again = probe(cache, "plugins", "--json")
    assert not scanned_again  # rewritten: the next start is fast again


MARKER_MODULE = """
import os
open(os.environ["WG_MARKER"], "w").close()
"""


@pytest.mark.parametrize("how", ["another value", "a made-up dist-info", "no source"])
def test_the_cache_file_cannot_make_the_tool_import_anything_else(tmp_path, monkeypatch, how):
    """Only modules an installed distribution declares in the group are ever imported."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "wg_marker_module.py").write_text(MARKER_MODULE)
    marker = tmp_path / "imported"
    monkeypatch.setenv("WG_MARKER", str(marker))
    cache = cache_in(tmp_path)
    probe(cache, "plugins", "--json", pythonpath=site)
    path = cache / entry_points.CACHE_NAME
    data = json.loads(path.read_text())
    tencent = next(row for row in data["entry_points"] if row[0] == "tencent")
    if how == "another value":  # a real distribution's file, which does not declare this
        row = ["tencent", "wg_marker_module", *tencent[2:]]
    elif how == "a made-up dist-info":  # a file that declares it, in a folder not on sys.path
        fake = tmp_path / "elsewhere" / "fake-1.0.dist-info"
        fake.mkdir(parents=True)
        (fake / "entry_points.txt").write_text("[wildcards_gen]\ntencent = wg_marker_module\n")
        row = ["tencent", "wg_marker_module", "fake", "1.0", str(fake / "entry_points.txt")]
    else:
        row = ["tencent", "wg_marker_module", None, None, None]
    data["entry_points"] = [r if r[0] != "tencent" else row for r in data["entry_points"]]
    path.write_text(json.dumps(data))
    out, _err, scanned = probe(cache, "plugins", "--json", pythonpath=site)
    assert not marker.exists(), "imported a module no installed distribution declares"
    assert scanned and json.loads(out)["broken"] == []
    assert "wg_marker_module" not in path.read_text()


def test_a_distribution_on_sys_path_that_declares_it_is_trusted_from_the_cache(tmp_path, monkeypatch):
    """The check is what importlib.metadata would find: a dist-info folder directly on sys.path."""
    site = tmp_path / "site"
    dist = site / "marker_plugin-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: marker-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[other]\nx = y\n\n[wildcards_gen]\n# a comment\n markers = wg_marker_module \n"
    )
    (site / "wg_marker_module.py").write_text(MARKER_MODULE)
    marker = tmp_path / "imported"
    monkeypatch.setenv("WG_MARKER", str(marker))
    cache = cache_in(tmp_path)
    first, _, scanned = probe(cache, "plugins", "--json", pythonpath=site)
    assert scanned and marker.exists() and "markers" in plugin_names(first)
    marker.unlink()
    second, _, scanned = probe(cache, "plugins", "--json", pythonpath=site)
    assert not scanned and marker.exists() and second == first
    (dist / "entry_points.txt").write_text("[wildcards_gen]\n")  # no longer declared (its folder's time is kept)
    marker.unlink()
    third, _, scanned = probe(cache, "plugins", "--json", pythonpath=site)
    assert scanned and not marker.exists() and "markers" not in plugin_names(third)


def test_declared_in_reads_entry_points_txt_as_importlib_does():
    from importlib.metadata import EntryPoints, distribution

    text = "[console_scripts]\na = b:c\n\n# comment\n[wildcards_gen]\n  p = pkg.mod:obj [extra] \nq=r\n[x]\ns = t\n"
    dist = distribution("wildcards-gen")
    parsed = EntryPoints._from_text_for(text, dist)
    assert list(entry_points.declared_in(text, "wildcards_gen")) == [
        (ep.name, ep.value) for ep in parsed if ep.group == "wildcards_gen"
    ]


def test_a_distribution_in_a_zip_is_listed_and_never_trusted_from_the_cache(tmp_path, monkeypatch):
    """A zipped distribution has no entry_points.txt on disk to check: its entries mean a scan each start."""
    import zipfile

    archive = tmp_path / "zipped.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("zipplug-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: zipplug\nVersion: 1.0\n")
        zf.writestr("zipplug-1.0.dist-info/entry_points.txt", "[wildcards_gen_test_zip]\nzipplug = json\n")
    monkeypatch.syspath_prepend(str(archive))
    found = entry_points.scan("wildcards_gen_test_zip")
    assert [(ep.name, ep.value, ep.distribution, source) for ep, source in found] == [
        ("zipplug", "json", "zipplug", None)
    ]
    assert entry_points.discover("wildcards_gen_test_zip", tmp_path, True) == ([found[0][0]], False)
    assert entry_points.discover("wildcards_gen_test_zip", tmp_path, True) == ([found[0][0]], False)
