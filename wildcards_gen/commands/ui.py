"""``wildcards-gen ui``: the local web UI (pick a dataset, shape it, see the tree, download; arrange; check).

The server and its page live in :mod:`wildcards_gen.ui`; this module starts
it: binds (127.0.0.1 unless ``--host`` says otherwise, and then a loud
warning), says where it listens, opens the browser, and stops it cleanly on
Ctrl-C or SIGTERM (every job cancelled, every upload removed).
"""

from __future__ import annotations

import errno
import os
import signal
import sys
import threading

import click

DEFAULT_PORT = 7870


def register(cli: click.Group) -> None:
    @cli.command()
    @click.option(
        "--host",
        default="127.0.0.1",
        show_default=True,
        help="Address to listen on. Anything but 127.0.0.1, localhost or ::1 lets other computers use the UI "
        "(there is no password): a warning says so.",
    )
    @click.option(
        "--port",
        type=click.IntRange(0, 65535),
        default=None,
        help=f"Port to listen on; 0: any free port. Default: {DEFAULT_PORT}, or a free port when it is taken.",
    )
    @click.option("--no-browser", is_flag=True, help="Do not open a browser; just print the address.")
    def ui(host, port, no_browser):
        """Run the local web UI: generate from a dataset with a live preview of the tree, arrange your
        own lists, check wildcard files; downloads are byte-identical to the commands' output."""
        from wildcards_gen.cli import settings

        serve(host, port, not no_browser, settings().verbose)


def bind(host: str, port: int | None, verbose: int):
    """The server, listening; a taken default port falls back to a free one."""
    from wildcards_gen.errors import UsageError
    from wildcards_gen.ui.server import Server

    chosen = DEFAULT_PORT if port is None else port
    try:
        return Server(host, chosen, verbose)
    except OSError as exc:
        in_use = exc.errno in (errno.EADDRINUSE, 10048)  # 10048: Windows' WSAEADDRINUSE
        if port is None and in_use:
            return bind(host, 0, verbose)
        hint = "; choose another with --port, or --port 0 for any free port" if in_use else ""
        raise UsageError(f"cannot listen on {host}:{chosen}: {exc.strerror or exc}{hint}") from None


def serve(host: str, port: int | None, open_browser: bool, verbose: int = 0) -> None:
    server = bind(host, port, verbose)
    shown = f"[{host.strip('[]')}]" if ":" in host.strip("[]") else host
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else shown}:{server.port}/"
    click.echo(f"wildcards-gen UI: {url}", err=True)
    if server.loopback:
        click.echo(f"Listening on {host} only: no other computer can reach it. Ctrl-C stops it.", err=True)
    else:
        click.echo(
            f"WARNING: listening on {host}, not on 127.0.0.1: anyone who can reach port {server.port} of this "
            "computer can use this UI, with no password: run jobs, upload files, and read files here through "
            "the dataset options that take a path. Stop it (Ctrl-C) and use --host 127.0.0.1 unless you mean it.",
            err=True,
        )
    threading.Thread(target=server.jobs.warm, name="warm", daemon=True).start()
    if open_browser:
        threading.Thread(target=_open, args=(url,), name="browser", daemon=True).start()
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.serve_forever(poll_interval=0.25)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.close()
        click.echo("Stopped.", err=True)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _open(url: str) -> None:
    """A graphical browser where there is a screen (never a text browser in this terminal)."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        click.echo(f"No screen here: open {url} in a browser.", err=True)
        return
    import webbrowser

    try:
        webbrowser.open(url)
    except Exception:  # a missing or broken browser must not stop the server
        click.echo(f"Could not open a browser: open {url} yourself.", err=True)
