"""Shared fixtures: a session WordNet cache, the shared reference data, the CLI, throwaway plugins."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = (ROOT.parent / "shared" / "data").resolve()

# One cache for the whole session, set before anything imports the host, so the
# WordNet snapshot is built once and subprocesses inherit it.
_SESSION_CACHE = Path(tempfile.mkdtemp(prefix="wildcards-gen-test-cache-"))
os.environ["WILDCARDS_GEN_CACHE"] = str(_SESSION_CACHE)


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_SESSION_CACHE, ignore_errors=True)


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

    def invoke(*args, **kwargs):
        runner = CliRunner()
        return runner.invoke(create_cli(), [str(a) for a in args], catch_exceptions=False, **kwargs)

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
