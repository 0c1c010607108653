"""The entry-point cache: reused while nothing is installed, never trusted over a real scan."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from wildcards_gen import entry_points

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
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--disable-pip-version-check",
            "--target",
            str(site),
            str(HERE / "thirdparty"),
        ],
        check=True,
        capture_output=True,
    )
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
