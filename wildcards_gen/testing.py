"""Pytest fixtures for wildcards-gen and its plugins' tests.

Use them from a ``conftest.py`` with ``from wildcards_gen.testing import *``.

The cache (WordNet snapshot, downloads, embeddings) used by the tests is
``$WILDCARDS_GEN_TEST_CACHE`` if set, else ``$WILDCARDS_GEN_CACHE`` if set,
else one temporary folder for the session (removed at exit). Importing this
module points ``WILDCARDS_GEN_CACHE`` at it, so subprocesses share it too.

Fixtures:

- ``cli`` (function): ``cli(*args, **kwargs) -> click.testing.Result``, the
  real CLI in-process. Every YAML file a ``dataset`` run writes through it
  (``-o``/``--output``) must pass ``wildcards-gen check`` for its
  ``--target``, or the test fails.
- ``register_plugin`` (function): ``register_plugin(obj, name="throwaway") ->
  obj``; registers a plugin object for one test, unregistered afterwards.
- ``wn`` (session): the real WordNet 3.0 (:class:`wildcards_gen.wordnet.WordNet`).
- ``session_cache`` (session): the cache folder (:class:`pathlib.Path`).
- ``shared_data`` (session): the project's reference data folder
  (``$WILDCARDS_GEN_SHARED_DATA``, else ``../shared/data`` beside the
  checkout); tests that need it are skipped where it does not exist.

Fuzzing helpers (Hypothesis):

- ``fuzz_settings(**overrides)``: a bounded, derandomised run by default (CI);
  ``WILDCARDS_GEN_FUZZ_EXAMPLES=N`` asks for N random examples per test.
- ``run_bounded(args, seconds=..., mib=...)``: the real CLI in a child process
  under a time limit and an address-space limit.
- ``assert_clean_exit(result)``: exit 0, or a non-zero exit whose stderr is a
  one-line error (no traceback, no "internal error", no hang, no memory blow-up).

``pip_install_to(site, project...)`` installs plugin projects into a folder of
their own, to test discovery through entry points in a child process.

``data_server`` (function): a :class:`DataServer`, a real HTTP server on
127.0.0.1 serving your data files and the faults a download must survive
(cut short, an error page, 404, another file).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

__all__ = [
    "SHARED_DATA",
    "DataServer",
    "assert_clean_exit",
    "assert_wildcards_clean",
    "cli",
    "data_server",
    "fuzz_settings",
    "pip_install_to",
    "register_plugin",
    "run_bounded",
    "session_cache",
    "shared_data",
    "wn",
]


def _shared_data() -> Path:
    given = os.environ.get("WILDCARDS_GEN_SHARED_DATA")
    if given:
        return Path(given).resolve()
    checkout = Path(__file__).resolve().parents[1]  # the source checkout, when not installed elsewhere
    return (checkout.parent / "shared" / "data").resolve()


SHARED_DATA = _shared_data()


def _session_cache() -> tuple[Path, bool]:
    for variable in ("WILDCARDS_GEN_TEST_CACHE", "WILDCARDS_GEN_CACHE"):
        if os.environ.get(variable):
            return Path(os.environ[variable]), False
    return Path(tempfile.mkdtemp(prefix="wildcards-gen-test-cache-")), True


_SESSION_CACHE, _OWNED = _session_cache()
os.environ["WILDCARDS_GEN_TEST_CACHE"] = os.environ["WILDCARDS_GEN_CACHE"] = str(_SESSION_CACHE)
if _OWNED:
    import atexit

    atexit.register(shutil.rmtree, _SESSION_CACHE, True)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The reference copies of the dataset files (skips the test where there are none)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference data not found at {SHARED_DATA} (set WILDCARDS_GEN_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def session_cache() -> Path:
    """The cache folder every test of the session shares."""
    return _SESSION_CACHE


@pytest.fixture(scope="session")
def wn() -> Any:
    """The real WordNet 3.0 (its snapshot is built once per cache)."""
    from wildcards_gen import wordnet

    return wordnet.get()


def output_of(args: list[str]) -> str | None:
    """The file a command line writes to, from ``-o X``, ``--output X`` or ``--output=X``."""
    for index, arg in enumerate(args):
        if arg in ("-o", "--output") and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith("--output="):
            return arg.split("=", 1)[1]
    return None


@pytest.fixture
def cli() -> Callable[..., Any]:
    """Invoke the real click CLI in-process: ``cli("dataset", "tencent", ...)``."""
    from click.testing import CliRunner

    from wildcards_gen.cli import create_cli

    def invoke(*given: Any, **kwargs: Any) -> Any:
        args = [str(a) for a in given]
        result = CliRunner().invoke(create_cli(), args, catch_exceptions=False, **kwargs)
        output = output_of(args)
        if result.exit_code == 0 and "dataset" in args and output:
            # every file a test generates must be clean for the reader it was made for
            target = args[args.index("--target") + 1] if "--target" in args else "all"
            if output.endswith(".yaml") and "--format" not in args and os.path.exists(output):
                assert_wildcards_clean(output, target)
        return result

    return invoke


@pytest.fixture
def register_plugin() -> Iterator[Callable[..., Any]]:
    """Register a throwaway plugin object for one test, unregistered afterwards."""
    from wildcards_gen.plugins import get_registry

    registry = get_registry()
    names = []

    def register(plugin: Any, name: str = "throwaway") -> Any:
        registry.register(plugin, name=name)
        names.append(name)
        return plugin

    yield register
    for name in names:
        registry.unregister(name)


def assert_wildcards_clean(path: str | Path, target: str = "all", strict: bool = False) -> None:
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


FUZZ_ENV = "WILDCARDS_GEN_FUZZ_EXAMPLES"


def fuzz_settings(**overrides: Any) -> Any:
    """Hypothesis settings for fuzz tests: few, reproducible examples in CI; more on request.

    ``$WILDCARDS_GEN_FUZZ_EXAMPLES`` unset: 30 examples, derandomised (the same
    every run, so CI is not flaky). Set to N: N random examples per test.
    """
    from hypothesis import HealthCheck, settings

    asked = os.environ.get(FUZZ_ENV)
    values: dict[str, Any] = {
        "max_examples": int(asked) if asked else 30,
        "derandomize": not asked,
        "deadline": 10_000,
        "database": None,
        "suppress_health_check": [HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    }
    values.update(overrides)
    return settings(**values)


def run_bounded(
    args: list[str], *, seconds: float = 30, mib: int = 1536, input: bytes | None = None, cwd: Any = None
) -> Any:
    """Run ``python -m wildcards_gen ARGS`` with a wall-clock and an address-space limit.

    Fails the test (not the child) when the time runs out: a hang is a finding.
    Returns the :class:`subprocess.CompletedProcess` (``stdout``/``stderr`` as text).
    """
    import resource
    import subprocess
    import sys

    def limit() -> None:
        size = mib * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (size, size))

    env = dict(os.environ, PYTHONFAULTHANDLER="1", OMP_NUM_THREADS="1")
    try:
        return subprocess.run(
            [sys.executable, "-m", "wildcards_gen", *[str(a) for a in args]],
            input=input,
            capture_output=True,
            timeout=seconds,
            preexec_fn=limit,
            env=env,
            cwd=cwd,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"wildcards-gen {' '.join(map(str, args))} did not finish in {seconds} s", pytrace=False)


def assert_clean_exit(result: Any, allowed: tuple[int, ...] = (0, 1, 2)) -> None:
    """A run that ended well: exit 0, or a non-zero exit that says why, never a traceback."""
    err = result.stderr.decode("utf-8", "replace") if isinstance(result.stderr, bytes) else result.stderr
    detail = f"exit {result.returncode}, stderr:\n{err[-3000:]}"
    assert result.returncode in allowed, detail
    assert "Traceback" not in err, detail
    assert "internal error" not in err.lower(), detail
    assert "MemoryError" not in err, detail
    if result.returncode != 0:  # said why: an error line, or a report (check, lint) on stdout
        assert err.strip() or result.stdout.strip(), detail


def pip_install_to(site: Any, *projects: Any) -> Any:
    """Install project folders with pip into the folder ``site`` (not into the venv), offline.

    For tests of discovery through entry points: put ``site`` on the child's
    ``PYTHONPATH`` and the plugin is found exactly as an installed third party's
    would be. Returns ``site``.
    """
    import subprocess
    import sys

    for project in projects:
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
                str(project),
            ],
            check=True,
            capture_output=True,
        )
    return site


class DataServer:
    """A real HTTP server on 127.0.0.1 for testing a plugin's downloads (the ``data_server`` fixture).

    ``files``: ``{name: bytes}``, served at ``{url}/<mode>/<name>``. The mode, or an entry
    of ``faults`` for that name, is what the download must survive: ``good`` (the file),
    ``truncate`` (half of it under the full Content-Length: cut short), ``html`` (an error
    page with status 200), ``missing`` (404), or ``bytes`` (served instead: another
    release, a damaged file). ``requests`` lists the names asked for, in order.
    """

    ERROR_PAGE = b"<!DOCTYPE html><html><body>Service unavailable</body></html>\n"

    def __init__(self) -> None:
        import http.server
        import threading

        self.files: dict[str, bytes] = {}
        self.faults: dict[str, Any] = {}
        self.requests: list[str] = []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                mode, _, name = self.path.lstrip("/").rpartition("/")
                owner.requests.append(name)
                fault = owner.faults.get(name, mode or "good")
                body = owner.files.get(name)
                if fault == "missing" or body is None:
                    self.send_error(404)
                    return
                length = len(body)
                if isinstance(fault, bytes):
                    body = fault
                    length = len(body)
                elif fault == "html":
                    body = owner.ERROR_PAGE
                    length = len(body)
                elif fault == "truncate":
                    body = body[: len(body) // 2]
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(length))
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()
                self.close_connection = True

            def log_message(self, *args: Any) -> None:
                pass

        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def data_server() -> Iterator[DataServer]:
    """A :class:`DataServer` for one test (files, faults and requests of its own)."""
    server = DataServer()
    try:
        yield server
    finally:
        server.close()
