"""Where each data file comes from: the option naming it, else the cache, else Google's download.

None of Open Images' files ships with the plugin (CC BY 4.0 data from Google).
The first run that needs one downloads it into ``<cache>/openimages/`` with a
progress bar and an atomic write (``wildcards_gen.download.fetch``). Google
serves these files unversioned, so they are not pinned by digest: a download
must parse and hold a plausible number of classes instead, which tells the
right file from an error page or its boxable sibling. Whatever file is used,
its path, size and sha256 go into the run report (``input_file`` events).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import NamedTuple

from wildcards_gen import DataError, UsageError
from wildcards_gen.yaml_input import read_bytes

URL_ENV = "WILDCARDS_GEN_OPENIMAGES_URL"  # a folder (mirror) that holds the files under their published names
SOURCE_PAGE = "https://storage.googleapis.com/openimages/web/download_v7.html"


class Published(NamedTuple):
    """One published file: the option that names it, its URL and the plausible number of classes."""

    role: str
    filename: str
    url: str
    what: str
    option: str
    bounds: tuple[int, int]


HIERARCHY = Published(
    "hierarchy",
    "bbox_labels_600_hierarchy.json",
    "https://storage.googleapis.com/openimages/2018_04/bbox_labels_600_hierarchy.json",
    "Open Images boxable class hierarchy",
    "--hierarchy-file",
    (500, 1_000),
)
BOXABLE = Published(
    "classes",
    "class-descriptions-boxable.csv",
    "https://storage.googleapis.com/openimages/v5/class-descriptions-boxable.csv",
    "Open Images boxable class names",
    "--classes-file",
    (500, 1_000),
)
ALL_LABELS = Published(
    "descriptions",
    "oidv7-class-descriptions.csv",
    "https://storage.googleapis.com/openimages/v7/oidv7-class-descriptions.csv",
    "Open Images V7 class names (all image-level labels)",
    "--descriptions-file",
    (10_000, 50_000),
)


def cache_path(cache_dir, file: Published) -> Path:
    return Path(cache_dir) / "openimages" / file.filename


def url_of(file: Published) -> str:
    mirror = os.environ.get(URL_ENV)
    return f"{mirror.rstrip('/')}/{file.filename}" if mirror else file.url


def manual_hint(cache_dir, file: Published) -> str:
    return (
        f"Download {file.filename} from {file.url} (see {SOURCE_PAGE}) and pass it with "
        f"{file.option} FILE, or put it at {cache_path(cache_dir, file)}"
    )


def read(run, file: Published, parse):
    """``(parse(data, path), path)`` for the file this run uses; its digest recorded in the report.

    ``parse(data, path, bounds)`` raises DataError; the bounds apply to a download only
    (a file you give may hold any number of classes).
    """
    given = run.options.get(file.option[2:].replace("-", "_"))
    if given:
        path = Path(given)
        run.log(f"{file.what} from {path}")
    else:
        path = cache_path(run.cache_dir, file)
        if path.is_file():
            run.log(f"{file.what} from the cache: {path}")
        else:
            path = _download(run, file, parse)
    data = read_bytes(path, file.what)
    result = parse(data, path)
    run.stats.event(
        "input_file",
        role=file.role,
        path=str(path),
        bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    return result, path


def _download(run, file: Published, parse) -> Path:
    from wildcards_gen.download import fetch  # urllib only when downloading

    target = cache_path(run.cache_dir, file)
    url = url_of(file)
    run.log(f"Downloading the {file.what} from {url} to {target}")

    def check(tmp: Path) -> None:
        """A download must parse; fetch turns this ValueError into its own DataError."""
        try:
            parse(read_bytes(tmp, file.what), file.filename, file.bounds)
        except (DataError, UsageError) as exc:
            raise ValueError(str(exc)) from exc

    return fetch(
        url,
        target,
        what=file.what,
        manual_hint=manual_hint(run.cache_dir, file) + ".",
        check=check,
        quiet=run.quiet,
    )
