"""Fetch a published data file into the cache: progress bar, checks, atomic write.

A failed, partial or wrong download leaves nothing in the cache and raises a
:class:`DataError` that says how to supply the file by hand.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import urllib.request
from collections.abc import Callable
from pathlib import Path

from wildcards_gen.errors import DataError

TIMEOUT_S = 60


def fetch(
    url: str,
    target: Path,
    *,
    what: str,
    manual_hint: str,
    sha256: str | None = None,
    check: Callable[[Path], None] | None = None,
    quiet: bool = False,
) -> Path:
    """Download ``url`` to ``target`` unless it is already there.

    :param what: a short description for messages ("ImageNet-1k class list").
    :param manual_hint: how to supply the file without the download.
    :param sha256: expected digest, if the file is pinned.
    :param check: ``check(tmp_path)`` raises ``ValueError`` when the content is wrong.
    """
    target = Path(target)
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    tmp = Path(tmp_name)
    out = os.fdopen(fd, "wb")
    try:
        digest = hashlib.sha256()
        try:
            with out, urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:
                total = response.headers.get("Content-Length")
                total = int(total) if total and total.isdigit() else None
                bar = _bar(total, what, quiet)
                received = 0
                while True:
                    chunk = response.read(1 << 16)
                    if not chunk:
                        break
                    out.write(chunk)
                    digest.update(chunk)
                    received += len(chunk)
                    if bar is not None:
                        bar.update(len(chunk))
                if bar is not None:
                    bar.close()
        except OSError as exc:  # URLError, HTTPError, timeouts, IncompleteRead are OSErrors
            raise DataError(f"could not download the {what} from {url}: {exc}. {manual_hint}") from exc
        except Exception as exc:  # http.client.IncompleteRead is not an OSError
            raise DataError(
                f"could not download the {what} from {url}: {type(exc).__name__}: {exc}. {manual_hint}"
            ) from exc
        if total is not None and received != total:
            raise DataError(
                f"the {what} download from {url} was cut short ({received} of {total} bytes). {manual_hint}"
            )
        if sha256 and digest.hexdigest() != sha256:
            raise DataError(f"the {what} from {url} has sha256 {digest.hexdigest()}, expected {sha256}. {manual_hint}")
        if check is not None:
            try:
                check(tmp)
            except ValueError as exc:
                raise DataError(f"the {what} from {url} is not what was expected: {exc}. {manual_hint}") from exc
        os.replace(tmp, target)
        return target
    finally:
        out.close()
        if tmp.exists():
            tmp.unlink()


def _bar(total, what, quiet):
    if quiet or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=f"Downloading {what}", unit="B", unit_scale=True, file=sys.stderr, leave=False)
