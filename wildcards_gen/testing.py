"""Pytest fixtures for wildcards-gen and its plugins' tests.

Use them from a ``conftest.py`` with ``from wildcards_gen.testing import *``.
Importing this module points ``WILDCARDS_GEN_CACHE`` at one temporary folder
for the whole session (unless already set), so WordNet's snapshot is built
once and subprocesses share it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

__all__ = ["SHARED_DATA", "assert_wildcards_clean", "cli", "register_plugin", "session_cache", "shared_data", "wn"]

# ../shared/data beside the checkout, or $WILDCARDS_GEN_SHARED_DATA.
SHARED_DATA = Path(
    os.environ.get("WILDCARDS_GEN_SHARED_DATA")
    or Path(__file__).resolve().parents[1].parent / "shared" / "data"
).resolve()

if not os.environ.get("WILDCARDS_GEN_TEST_CACHE"):
    os.environ["WILDCARDS_GEN_TEST_CACHE"] = tempfile.mkdtemp(prefix="wildcards-gen-test-cache-")
    _OWNED = True
else:
    _OWNED = False
_SESSION_CACHE = Path(os.environ["WILDCARDS_GEN_TEST_CACHE"])
os.environ["WILDCARDS_GEN_CACHE"] = str(_SESSION_CACHE)
if _OWNED:
    import atexit

    atexit.register(shutil.rmtree, _SESSION_CACHE, True)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the checkout: the reference copies of the dataset files."""
    assert SHARED_DATA.is_dir(), f"reference data missing: {SHARED_DATA}"
    return SHARED_DATA


@pytest.fixture(scope="session")
def session_cache() -> Path:
    return _SESSION_CACHE


@pytest.fixture(scope="session")
def wn():
    """The real WordNet 3.0 (snapshot built once per session)."""
    from wildcards_gen import wordnet

    return wordnet.get()


@pytest.fixture
def cli():
    """Invoke the real click CLI in-process: ``cli("dataset", "tencent", ...)``."""
    from click.testing import CliRunner

    from wildcards_gen.cli import create_cli

    def invoke(*given, **kwargs):
        args = [str(a) for a in given]
        result = CliRunner().invoke(create_cli(), args, catch_exceptions=False, **kwargs)
        if result.exit_code == 0 and "dataset" in args and "-o" in args:
            # every file a test generates must be clean for the reader it was made for
            output = args[args.index("-o") + 1]
            target = args[args.index("--target") + 1] if "--target" in args else "all"
            if output.endswith(".yaml") and "--format" not in args and os.path.exists(output):
                assert_wildcards_clean(output, target)
        return result

    return invoke


@pytest.fixture
def register_plugin():
    """Register a throwaway plugin object for one test, unregistered afterwards."""
    from wildcards_gen.plugins import get_registry

    registry = get_registry()
    names = []

    def register(plugin, name="throwaway"):
        registry.register(plugin, name=name)
        names.append(name)
        return plugin

    yield register
    for name in names:
        registry.unregister(name)


def assert_wildcards_clean(path, target: str = "all", strict: bool = False) -> None:
    """Fail the test with ``wildcards-gen check``'s report unless the file at ``path`` is clean.

    ``target``: ``all`` (default) or one reader (``dynamicprompts``, ``impact``,
    ``generator``); ``strict`` also fails on warnings (a key without an instruction).
    """
    from wildcards_gen.commands.check import check_file, errors_of, report_text

    problems = errors_of(check_file(path, target), strict)
    if problems:
        shown = report_text({str(path): problems[:40]}, target)
        more = f"\n... and {len(problems) - 40} more" if len(problems) > 40 else ""
        pytest.fail(f"{path} is not clean for {target}:\n{shown}{more}", pytrace=False)
