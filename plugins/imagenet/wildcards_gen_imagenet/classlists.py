"""ImageNet class lists: the published 1k/12k/21k WNID files, and user class lists.

The standard lists are not shipped with the package: they are downloaded into
the cache on first use (``wildcards_gen.download.fetch``: progress bar, size,
sha256 and format checks, atomic write) and read from there afterwards.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from wildcards_gen import DataError, UsageError

BASE_URL = "https://raw.githubusercontent.com/huggingface/pytorch-image-models/main/timm/data/_info/"
URL_ENV = "WILDCARDS_GEN_IMAGENET_URL"
CACHE_SUBDIR = "imagenet"
WNID = re.compile(r"^n[0-9]{8}\Z")  # ASCII digits only


@dataclass(frozen=True)
class Release:
    """One published class list: its key for ``--filter``, file, size and digest."""

    key: str
    label: str
    filename: str
    count: int
    sha256: str


RELEASES = {
    r.key: r
    for r in (
        Release(
            "1k",
            "ImageNet-1k",
            "imagenet_synsets.txt",
            1000,
            "70002b0ff5de60a3a17a82dbfcff291931f96225ddf941ad2e182fc39e183d15",
        ),
        Release(
            "12k",
            "ImageNet-12k",
            "imagenet12k_synsets.txt",
            11821,
            "f6483e79f18a9b670d43d915ddba40bbcaf82cfc4e92a07bd44057b9d44935f3",
        ),
        Release(
            "21k",
            "ImageNet-21k",
            "imagenet21k_goog_synsets.txt",
            21843,
            "66362bdedf36d933382edca5493fc562dcc17128ce36403c9e730a75f48cb2f2",
        ),
    )
}


def base_url() -> str:
    url = os.environ.get(URL_ENV) or BASE_URL
    return url if url.endswith("/") else url + "/"


def cache_path(cache_dir, release: Release) -> Path:
    return Path(cache_dir) / CACHE_SUBDIR / release.filename


def parse_published(text: str, release: Release) -> tuple:
    """WNIDs of a published list; ``ValueError`` when it is not that list's format."""
    ids = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        if not WNID.match(line):
            raise ValueError(f"line {number} is {line[:40]!r}, not a WNID like n02084071")
        ids.append(line)
    if len(ids) != release.count:
        raise ValueError(f"{len(ids)} WNIDs, expected {release.count}")
    if len(set(ids)) != len(ids):
        raise ValueError("repeated WNIDs")
    return tuple(ids)


def _check(release: Release):
    def check(path: Path) -> None:
        try:
            text = path.read_text(encoding="ascii")
        except UnicodeDecodeError as exc:
            raise ValueError("not a plain-text list of WNIDs") from exc
        parse_published(text, release)

    return check


def load_release(key: str, cache_dir, quiet: bool = False) -> tuple:
    """The WNIDs of ``--filter KEY``, downloading the list into the cache if needed."""
    from wildcards_gen import download

    release = RELEASES[key]
    target = cache_path(cache_dir, release)
    url = base_url() + release.filename
    hint = (
        f"To supply it by hand, save {release.filename} ({release.count} WNIDs, one a line; "
        f"published in timm's timm/data/_info/) as {target}, or pass --class-list FILE."
    )
    download.fetch(
        url,
        target,
        what=f"{release.label} class list",
        manual_hint=hint,
        sha256=release.sha256,
        check=_check(release),
        quiet=quiet,
    )
    try:
        return parse_published(target.read_text(encoding="ascii"), release)
    except (ValueError, UnicodeDecodeError, OSError) as exc:
        raise DataError(
            f"the cached {release.label} class list {target} is damaged ({exc}); delete it to download it again. {hint}"
        ) from exc


def load_class_list(path, known=None) -> tuple:
    """WNIDs from a user file: one a line, blank lines and ``#`` comments allowed, a UTF-8 BOM too
    (editors on Windows write one).

    ``known(wnid)`` is true for WordNet noun synsets; other ids are reported with their line.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"--class-list {path}: not a UTF-8 text file") from None
    except OSError as exc:
        raise UsageError(f"--class-list {path}: cannot read it ({exc.strerror or exc})") from None
    ids, seen = [], set()
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if not WNID.match(line):
            raise UsageError(
                f"{path}:{number}: {line[:40]!r} is not a WNID (expected n followed by 8 digits, e.g. n02084071)"
            )
        if known is not None and not known(line):
            raise UsageError(f"{path}:{number}: {line} is not a WordNet 3.0 noun synset")
        if line not in seen:
            seen.add(line)
            ids.append(line)
    if not ids:
        raise UsageError(f"--class-list {path}: no WNIDs in the file")
    return tuple(ids)
