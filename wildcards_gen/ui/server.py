"""The web UI's HTTP server: one static page, a small JSON API, downloads. Standard library only.

``ThreadingHTTPServer`` serves each request on a thread of its own; the work
runs in job processes (:mod:`wildcards_gen.ui.jobs`), so the server only
answers, starts, cancels and relays. Why the standard library and not Gradio:
the server starts in a tenth of a second where importing Gradio takes seconds
(numbers in docs/ui.md).

Safety, for a server that is meant for one person on one computer:

- it listens on 127.0.0.1 unless told otherwise, and then only answers requests
  addressed to 127.0.0.1, localhost or [::1] (a web page elsewhere cannot reach
  it through a DNS name it controls);
- a session is a random cookie (HttpOnly, SameSite=Strict); a job answers only
  its session; requests that start work need that cookie and a custom header
  that pages of other sites cannot send without asking first;
- request bodies are bounded (an upload by :func:`uploads.upload_limit`) and
  uploads are read by the project's own safe readers (:mod:`uploads`);
- every error is one line of JSON, ``{"error": "..."}``, never a traceback
  (the server's own stderr gets one with ``-vv``).
"""

from __future__ import annotations

import io
import ipaddress
import json
import re
import secrets
import shutil
import socket
import sys
import tempfile
import traceback
import zipfile
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from wildcards_gen.errors import UsageError, WildcardsError

STATIC = Path(__file__).with_name("static")
STATIC_FILES = {"app.js": "text/javascript", "app.css": "text/css"}
COOKIE = "wildcards_gen_session"
CSRF_HEADER = "X-Wildcards-Gen"
MAX_FORM_BYTES = 1 << 20  # a JSON form
DRAIN_MAX_BYTES = 1 << 30  # read and drop a refused upload up to this size, so the page gets the answer
LONG_POLL_S = 10.0
SCRATCH_NAME = "wildcards-gen-ui"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
_JOB_PATH = re.compile(r"^/api/jobs/([A-Za-z0-9_-]{10,64})(?:/(cancel|download/(yaml|jsonl|zip|report)))?$")
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'",
    "Cache-Control": "no-store",
}


class HTTPError(Exception):
    """An answer other than 200, with the one line the page shows."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Server(ThreadingHTTPServer):
    """The HTTP server and what its handlers share: the registry, the jobs, the page, the limits."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, host: str, port: int, verbose: int = 0):
        from wildcards_gen.ui.jobs import Jobs
        from wildcards_gen.ui.uploads import upload_limit

        if ":" in host.strip("[]"):
            self.address_family = socket.AF_INET6
        super().__init__((host.strip("[]"), port), Handler)
        self.verbose = verbose
        self.port = self.server_address[1]
        self.loopback = is_loopback(host)
        self.allowed_hosts = {f"{name}:{self.port}" for name in ("127.0.0.1", "localhost", "[::1]")}
        self.upload_limit = upload_limit()
        self.jobs = Jobs()
        self.scratch = scratch_folder()
        self.page = {name: (STATIC / name).read_bytes() for name in ("index.html", *STATIC_FILES)}
        self._registry: Any = None
        self._info: dict | None = None

    @property
    def registry(self) -> Any:
        if self._registry is None:
            from wildcards_gen.cli import registry

            self._registry = registry()
        return self._registry

    def info(self) -> dict:
        if self._info is None:
            from wildcards_gen import __version__
            from wildcards_gen.ui.forms import describe

            self._info = {**describe(self.registry), "version": __version__, "upload_limit": self.upload_limit}
        return self._info

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A connection that broke mid-answer: one line (a traceback with -vv), not socketserver's report."""
        if self.verbose >= 2:
            super().handle_error(request, client_address)
        else:
            error = sys.exc_info()[1]
            print(f"wildcards-gen ui: a request from {client_address[0]} failed: {error!r}", file=sys.stderr)

    def close(self) -> None:
        self.jobs.close()
        self.server_close()
        shutil.rmtree(self.scratch, ignore_errors=True)


class Handler(BaseHTTPRequestHandler):
    server: Server
    protocol_version = "HTTP/1.1"
    server_version = "wildcards-gen-ui"

    # -- plumbing ---------------------------------------------------------------------------------

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            sys.stderr.write(f"{self.address_string()} {format % args}\n")

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        self._new_session: str | None = None
        # a body left unread would be taken for the next request on this connection: close it then
        self._consumed = method != "POST" or self.headers.get("Content-Length", "").strip() == "0"
        try:
            self._check_host()
            url = urlsplit(self.path)
            self.query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
            self._route(method, url.path)
        except HTTPError as exc:
            self._json({"error": str(exc)}, exc.status)
        except WildcardsError as exc:
            self._json({"error": str(exc)}, HTTPStatus.BAD_REQUEST)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as exc:
            said = f"internal error: {type(exc).__name__}: {' '.join(str(exc).split())}"
            if self.server.verbose >= 2:
                traceback.print_exception(exc)
            else:
                print(f"wildcards-gen ui: {said} (run with -vv for the traceback)", file=sys.stderr)
            self._json({"error": said}, HTTPStatus.INTERNAL_SERVER_ERROR)

    def _check_host(self) -> None:
        """On loopback, answer only requests addressed to it (no DNS rebinding)."""
        if self.server.loopback and self.headers.get("Host", "") not in self.server.allowed_hosts:
            raise HTTPError(HTTPStatus.MISDIRECTED_REQUEST, "this server answers only http://127.0.0.1 and localhost")

    def _send(self, status: int, body: bytes, content_type: str, headers: dict | None = None) -> None:
        self.send_response(status)
        if not self._consumed:
            self.send_header("Connection", "close")  # and BaseHTTPRequestHandler closes it
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in {**SECURITY_HEADERS, **(headers or {})}.items():
            self.send_header(name, value)
        if self._new_session:
            self.send_header("Set-Cookie", f"{COOKIE}={self._new_session}; Path=/; HttpOnly; SameSite=Strict")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, data: Any, status: int = HTTPStatus.OK) -> None:
        self._send(status, json.dumps(data, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8")

    def _session(self, create: bool = False) -> str:
        """The session of this browser (its cookie); a page load makes one."""
        for part in self.headers.get("Cookie", "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == COOKIE and _TOKEN.match(value):
                return value
        if create:
            self._new_session = secrets.token_urlsafe(24)
            return self._new_session
        raise HTTPError(HTTPStatus.FORBIDDEN, "no session: reload the page (cookies must be allowed for this page)")

    def _check_post(self) -> str:
        """Work is started only by this page: its session cookie and a header other sites cannot send."""
        if self.headers.get(CSRF_HEADER) != "1":
            raise HTTPError(HTTPStatus.FORBIDDEN, f"missing the {CSRF_HEADER} header: use the page")
        origin = self.headers.get("Origin")
        if origin and urlsplit(origin).netloc != self.headers.get("Host"):
            raise HTTPError(HTTPStatus.FORBIDDEN, "a request from another site")
        return self._session()

    def _body(self, limit: int, too_large) -> bytes:
        """The request body, at most ``limit`` bytes; a larger one is read, dropped and refused."""
        if self.headers.get("Transfer-Encoding"):
            raise HTTPError(HTTPStatus.LENGTH_REQUIRED, "send the body with a Content-Length")
        try:
            size = int(self.headers.get("Content-Length", ""))
        except ValueError:
            raise HTTPError(HTTPStatus.LENGTH_REQUIRED, "send the body with a Content-Length") from None
        if size < 0:
            raise HTTPError(HTTPStatus.BAD_REQUEST, "a negative Content-Length")
        if size > limit:
            if size <= DRAIN_MAX_BYTES:
                left = size
                while left > 0:
                    chunk = self.rfile.read(min(left, 1 << 20))
                    if not chunk:
                        break
                    left -= len(chunk)
                self._consumed = left == 0
            raise HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, too_large(size, limit))
        data = self.rfile.read(size)
        self._consumed = len(data) == size
        if len(data) != size:
            raise HTTPError(HTTPStatus.BAD_REQUEST, "the upload was cut short")
        return data

    def _form(self) -> Any:
        def too_large(size: int, limit: int) -> str:
            return f"the form is {size:,} bytes, more than {limit:,}"

        try:
            return json.loads(self._body(MAX_FORM_BYTES, too_large) or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise HTTPError(HTTPStatus.BAD_REQUEST, "the form is not JSON") from None

    # -- routes -----------------------------------------------------------------------------------

    def _route(self, method: str, path: str) -> None:
        if method == "GET" and path in ("/", "/index.html"):
            self._session(create=True)
            self._send(HTTPStatus.OK, self.server.page["index.html"], "text/html; charset=utf-8")
        elif method == "GET" and path.startswith("/static/") and path[8:] in STATIC_FILES:
            name = path[8:]
            self._send(HTTPStatus.OK, self.server.page[name], f"{STATIC_FILES[name]}; charset=utf-8")
        elif method == "GET" and path == "/api/info":
            self._json(self.server.info())
        elif method == "GET" and path == "/api/wordnet":
            self._wordnet()
        elif method == "POST" and path == "/api/generate":
            self._generate()
        elif method == "POST" and path in ("/api/arrange", "/api/check"):
            self._upload_job(path[5:])
        elif (match := _JOB_PATH.match(path)) is not None:
            self._job(method, match.group(1), match.group(2), match.group(3))
        elif path.startswith("/api/") or method != "GET":
            raise HTTPError(HTTPStatus.NOT_FOUND, f"no such request: {method} {path}")
        else:
            raise HTTPError(HTTPStatus.NOT_FOUND, f"no page {path}")

    def _wordnet(self) -> None:
        from wildcards_gen import wordnet
        from wildcards_gen.ui.search import search

        self._json({"matches": search(wordnet.get(), self.query.get("q", ""))})

    def _generate(self) -> None:
        from wildcards_gen.ui import forms

        session = self._check_post()
        form = self._form()
        registry = self.server.registry
        args = forms.generate_args(registry, form)
        forms.parse_generate(registry, args)  # a bad option is answered now, not by a job
        name = args[1]
        export = forms.command_line(["export", f"{name}.yaml", "--txt-dir", name, "--target", export_target(args)])
        job = self.server.jobs.start(
            session, "generate", args, forms.command_line(args, f"{name}.yaml"), notes={"export_cli": export}
        )
        self._json(job.status(), HTTPStatus.ACCEPTED)

    def _upload_job(self, kind: str) -> None:
        from wildcards_gen.ui import forms, uploads

        session = self._check_post()
        name = uploads.safe_name(self.query.get("name", ""), "upload.yaml" if kind == "check" else "items.txt")
        data = self._body(self.server.upload_limit, uploads.too_large)
        if not data.strip():
            raise UsageError(f"{name} is empty")
        folder = Path(tempfile.mkdtemp(prefix=f"{kind}-", dir=self.server.scratch))
        try:
            where = uploads.store(data, name, folder, allow_zip=kind == "check")
            if kind == "check":
                args = forms.check_args(self.query, where.name)
                cli = forms.command_line(args)
            else:
                args = forms.arrange_args(self.query, where.name)
                forms.parse_arrange([args[0], str(where), *args[2:]])
                cli = forms.command_line(args, arranged_name(where.name))
            job = self.server.jobs.start(session, kind, args, cli, where, folder)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        self._json(job.status(), HTTPStatus.ACCEPTED)

    def _job(self, method: str, job_id: str, action: str | None, download: str | None) -> None:
        session = self._check_post() if method == "POST" else self._session()
        job = self.server.jobs.get(session, job_id)
        if job is None:
            raise HTTPError(HTTPStatus.NOT_FOUND, "no such job in this session (it may have been replaced)")
        if method == "POST" and action == "cancel":
            job.cancel()
            self._json(job.status())
        elif method == "GET" and action is None:
            try:
                after = int(self.query.get("after", "-1"))
            except ValueError:
                after = -1
            job.wait(after, LONG_POLL_S)
            self._json(job.status())
        elif method == "GET" and download:
            self._download(job, download)
        else:
            raise HTTPError(HTTPStatus.NOT_FOUND, f"no such request: {method} {self.path}")

    def _download(self, job: Any, what: str) -> None:
        if job.state != "done" or job.result is None:
            raise HTTPError(HTTPStatus.CONFLICT, "the job has no result to download (yet)")
        stem = job.args[1] if job.kind == "generate" else arranged_name(Path(job.args[1]).name)[: -len(".yaml")]
        if what == "yaml" and "yaml" in job.result:
            body, name, kind = job.result["yaml"].encode("utf-8"), f"{stem}.yaml", "application/yaml"
        elif what == "jsonl" and "jsonl" in job.result:
            body, name, kind = job.result["jsonl"].encode("utf-8"), f"{stem}.jsonl", "application/jsonl"
        elif what == "report" and "report" in job.result:
            text = json.dumps(job.result["report"], indent=2, sort_keys=False, default=str) + "\n"
            body, name, kind = text.encode("utf-8"), f"{stem}.stats.json", "application/json"
        elif what == "zip" and "yaml" in job.result:
            body, name, kind = (
                txt_zip(job.result["yaml"], stem, export_target(job.args)),
                f"{stem}-txt.zip",
                "application/zip",
            )
        else:
            raise HTTPError(HTTPStatus.NOT_FOUND, f"this job has no {what} to download")
        disposition = f'attachment; filename="{name}"'
        self._send(HTTPStatus.OK, body, kind, {"Content-Disposition": disposition})


def scratch_folder() -> Path:
    """The server's folder for uploads, named after its pid, so the next server removes it if this one is killed."""
    from wildcards_gen import leftovers

    home = Path(tempfile.gettempdir())
    leftovers.remove_stale(home, SCRATCH_NAME)
    folder = home / leftovers.temporary_name(SCRATCH_NAME)
    folder.mkdir(mode=0o700)
    return folder


def arranged_name(filename: str) -> str:
    """What the Arrange screen calls its result: ``styles.txt`` -> ``styles-arranged.yaml``."""
    return f"{Path(filename).stem or 'items'}-arranged.yaml"


def export_target(args: list[str]) -> str:
    """The ``export --target`` for a generation's ``--target`` (the web app reads no .txt folders)."""
    target = args[args.index("--target") + 1] if "--target" in args else "all"
    return target if target in ("dynamicprompts", "impact", "impact-ondemand") else "all"


def txt_zip(text: str, folder: str, target: str) -> bytes:
    """``wildcards-gen export FILE --txt-dir FOLDER --target T`` as a zip: the same files, the same bytes."""
    from wildcards_gen.commands.export import plan
    from wildcards_gen.yaml_input import compose

    files, _, _ = plan(compose(text, "<output>", "wildcard file"), target)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for relative, items in files.items():
            info = zipfile.ZipInfo(f"{folder}/{relative}", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, "".join(item + "\n" for item in items).encode("utf-8"))
    return buffer.getvalue()
