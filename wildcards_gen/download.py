"""Fetch a published data file into the cache: progress bar, checks, atomic write.

A failed, partial or wrong download leaves nothing in the cache and raises a
:class:`DataError` that says how to supply the file by hand.
"""

from __future__ import annotations

import hashlib
import os
import sys
import urllib.request
from collections.abc import Callable
from pathlib import Path

from wildcards_gen import cache_files
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
    tmp = cache_files.temporary(target, "part")  # a dead process's leftover is removed at a later start
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        out = open(tmp, "wb")  # noqa: SIM115 (closed below, also when the download fails)
    except OSError as exc:
        raise _write_error(what, target, exc) from exc
    try:
        digest = hashlib.sha256()
        try:
            with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:
                total = response.headers.get("Content-Length")
                total = int(total) if total and total.isdigit() else None
                bar = _bar(total, what, quiet)
                received = 0
                while True:
                    chunk = response.read(1 << 16)
                    if not chunk:
                        break
                    try:
                        out.write(chunk)
                    except OSError as exc:
                        raise _write_error(what, target, exc) from exc
                    digest.update(chunk)
                    received += len(chunk)
                    if bar is not None:
                        bar.update(len(chunk))
                if bar is not None:
                    bar.close()
            try:
                out.close()
            except OSError as exc:
                raise _write_error(what, target, exc) from exc
        except DataError:
            raise
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
        try:
            os.replace(tmp, target)
        except OSError as exc:
            raise _write_error(what, target, exc) from exc
        return target
    finally:
        try:
            out.close()
        except OSError:
            pass  # a full disk can fail the final flush too; the file goes anyway
        if tmp.exists():
            tmp.unlink()


def _write_error(what: str, target: Path, exc: OSError) -> DataError:
    """A cache folder that cannot be created or written, or a full disk: one line naming the folder."""
    import errno

    full = exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)
    remedy = (
        "free some space there or set WILDCARDS_GEN_CACHE to another folder"
        if full
        else "set WILDCARDS_GEN_CACHE to a folder you can write to"
    )
    return DataError(f"cannot save the {what} into the cache folder {target.parent} ({exc.strerror or exc}); {remedy}")


def _bar(total, what, quiet):
    if quiet or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=f"Downloading {what}", unit="B", unit_scale=True, file=sys.stderr, leave=False)
