"""The web UI's test harness: the real ``wildcards-gen ui`` server in a process, and an HTTP client.

Both test modules of the UI (the API's and the browser's) start the installed
console script, read the address it prints, and talk to it over 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent


class UIServer:
    """``wildcards-gen ui --port 0 --no-browser`` running; ``url`` is where it listens."""

    def __init__(self, *args: str, env: dict | None = None, cwd: Path | None = None):
        self.process = subprocess.Popen(
            [str(BIN / "wildcards-gen"), "ui", "--port", "0", "--no-browser", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **(env or {})},
            cwd=cwd,
        )
        self.banner: list[str] = []
        deadline = time.monotonic() + 60
        assert self.process.stderr is not None
        while time.monotonic() < deadline:
            line = self.process.stderr.readline()
            if not line:
                raise AssertionError(f"wildcards-gen ui ended: {self.banner}")
            self.banner.append(line.rstrip("\n"))
            found = re.search(r"http://[^ ]+/", line)
            if found:
                self.url = found.group(0)
                self.banner.append(self.process.stderr.readline().rstrip("\n"))
                return
        raise AssertionError("wildcards-gen ui did not say where it listens")

    def stop(self) -> str:
        """SIGTERM, as a service manager stops it; returns the rest of its stderr."""
        self.process.send_signal(signal.SIGTERM)
        try:
            _, err = self.process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, err = self.process.communicate()
        return err


class Client:
    """One browser's worth of HTTP: its own cookie (session), JSON in and out."""

    def __init__(self, url: str, load_page: bool = True):
        self.url = url.rstrip("/")
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        if load_page:
            self.get_raw("/")  # the page load that makes the session

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        """``(status, headers, body bytes)``; never raises for an HTTP error status."""
        request = urllib.request.Request(self.url + path, data=body, method=method, headers=headers or {})
        try:
            with self.opener.open(request, timeout=120) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers, exc.read()

    def get_raw(self, path: str) -> bytes:
        status, _, body = self.request("GET", path)
        assert status == 200, (status, body[:300])
        return body

    def get(self, path: str) -> tuple[int, dict]:
        status, _, body = self.request("GET", path)
        return status, json.loads(body)

    def post(self, path: str, data: Any, headers: dict | None = None) -> tuple[int, dict]:
        body = data if isinstance(data, bytes) else json.dumps(data).encode()
        status, _, answer = self.request("POST", path, body, {"X-Wildcards-Gen": "1", **(headers or {})})
        return status, json.loads(answer)

    def wait(self, status: dict, seconds: float = 240) -> dict:
        """Follow a job (long polling) until it finishes."""
        deadline = time.monotonic() + seconds
        while status["state"] not in ("done", "failed", "cancelled"):
            assert time.monotonic() < deadline, f"job still {status['state']}: {status['progress']}"
            code, status = self.get(f"/api/jobs/{status['id']}?after={status['version']}")
            assert code == 200, status
        return status

    def run(self, path: str, data: bytes | dict, query: str = "") -> dict:
        """Start a job and wait for its end."""
        code, status = self.post(path + query, data)
        assert code == 202, status
        return self.wait(status)


def cli_output(args: list[str], out: Path, cwd: Path | None = None) -> bytes:
    """The bytes the installed console script writes for ``args`` (``-o out``)."""
    result = subprocess.run(
        [str(BIN / "wildcards-gen"), "-q", *args, "-o", str(out)], capture_output=True, text=True, cwd=cwd
    )
    assert result.returncode == 0, result.stderr
    return out.read_bytes()
