"""Where the hierarchy file comes from: ``--hierarchy-file``, else the cache, else a download.

The repository ships no copy of the file (CC BY 4.0 data from Tencent); the
first run fetches it once from the project's GitHub repository, checks its
sha256 and format, and keeps it in the tool's cache.
"""

from __future__ import annotations

import os
from pathlib import Path

from wildcards_gen import DataError
from wildcards_gen_tencent import hierarchy

FILENAME = "dictionary_and_semantic_hierarchy.txt"
URL = f"https://raw.githubusercontent.com/Tencent/tencent-ml-images/master/data/{FILENAME}"
URL_ENV = "WILDCARDS_GEN_TENCENT_URL"
SHA256 = "4271c1bd49405c1453021a38039343bd810d8dc3a0fab23941fb286d528d45ce"
SOURCE_PAGE = "https://github.com/Tencent/tencent-ml-images"


def cache_path(cache_dir: Path) -> Path:
    return Path(cache_dir) / "tencent" / FILENAME


def manual_hint(cache_dir: Path) -> str:
    return (
        f"Download {FILENAME} from {SOURCE_PAGE} (folder data/) and pass it with "
        f"--hierarchy-file FILE, or put it at {cache_path(cache_dir)}"
    )


def locate(run, announce: bool = False) -> Path:
    """The hierarchy file for this run, downloading it into the cache on first use."""
    given = run.options.get("hierarchy_file")
    if given:
        path = Path(given)
        if not path.is_file():
            raise DataError(f"--hierarchy-file {path}: {_not_a_file(path, run.cache_dir)}")
        if announce:
            run.log(f"Tencent hierarchy from {path}")
        return path
    target = cache_path(run.cache_dir)
    if target.is_file():
        if announce:
            run.log(f"Tencent hierarchy from the cache: {target}")
        return target
    url = os.environ.get(URL_ENV) or URL
    run.log(f"Downloading the Tencent ML-Images hierarchy from {url} to {target}")
    from wildcards_gen.download import fetch  # urllib and http.client only when downloading

    return fetch(
        url,
        target,
        what="Tencent ML-Images hierarchy",
        manual_hint=manual_hint(run.cache_dir) + ".",
        sha256=SHA256,
        check=_check_format,
    )


def _not_a_file(path: Path, cache_dir: Path) -> str:
    """What ``path`` is instead of a regular file (``/dev/null`` exists: it is a device)."""
    import stat

    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return f"no such file. {manual_hint(cache_dir)}"
    except OSError as exc:
        return f"cannot read it ({exc.strerror or exc})"
    kinds = (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISSOCK, "a socket"),
    )
    kind = next((name for test, name in kinds if test(mode)), "not a regular file")
    return f"{kind}, not a file; give the path of {FILENAME} itself"


def _check_format(path: Path) -> None:
    """A downloaded file must parse; download.fetch turns ValueError into its own DataError."""
    try:
        hierarchy.parse(path)
    except DataError as exc:
        raise ValueError(str(exc).replace(str(path), FILENAME)) from exc
