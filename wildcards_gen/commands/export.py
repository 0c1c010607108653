"""``wildcards-gen export FILE --txt-dir DIR``: the same tree as a folder of ``.txt`` wildcards.

A1111 / Dynamic Prompts / Impact Pack text wildcards: one ``.txt`` per leaf
list (one item a line), one folder per key above it, so ``__a/b/c__`` names
the same list in both forms. File and folder names are made safe on Windows
too (``<>:"/\\|?*``, control characters, trailing dots and spaces, the
reserved device names CON, PRN, AUX, NUL, COM1-9, LPT1-9 with any extension,
which get a leading '_'); a leading '.' (a hidden folder, which Dynamic Prompts
skips) becomes '_', a trailing '_' (which runs into the closing '__') goes, and
siblings that a case-insensitive file system would merge (a list ``x`` and a
key ``x.txt`` would both be ``x.txt``) are numbered. Every such change is
reported.

Nothing is half-done: the whole tree is planned and checked (names, path
lengths, clashes with what ``--force`` would write into) before anything is
written; the files are written into a temporary folder beside the target
(``.<name>.<pid>.<random>.tmp``, removed on failure, or by the next export if
the process was killed), which is then renamed into place (for a new folder)
or moved in file by file (into an existing one).
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import click

from wildcards_gen.errors import UsageError

_WINDOWS_BAD = re.compile(r'[<>:"/\\|?*\x00-\x1f\ud800-\udfff]')  # and halves of surrogate pairs
_WINDOWS_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL"]
    + [f"COM{i}" for i in range(1, 10)]
    + [f"LPT{i}" for i in range(1, 10)]
    + ["COM\u00b9", "COM\u00b2", "COM\u00b3", "LPT\u00b9", "LPT\u00b2", "LPT\u00b3", "CONIN$", "CONOUT$"]
)
MAX_NAME_BYTES = 200  # below every file system's 255, leaving room for '.txt' and temp suffixes


@dataclass
class Export:
    files: list = field(default_factory=list)  # written paths, in tree order
    renamed: list = field(default_factory=list)  # (key path, file-system path) where they differ
    skipped: list = field(default_factory=list)  # (key path, why)


def fs_safe(name: str) -> str:
    """A file or folder name Windows, macOS and Linux all accept (may equal ``name``)."""
    text = _WINDOWS_BAD.sub("_", name)
    text = re.sub(r"_{2,}", "_", text).strip(" ").rstrip(". _")  # a trailing '_' runs into '__'
    if text.startswith("."):
        text = "_" + text[1:]
    if not text:
        text = "_"
    if text.split(".")[0].rstrip(" ").upper() in _WINDOWS_RESERVED:
        text = "_" + text
    encoded = text.encode("utf-8")
    if len(encoded) > MAX_NAME_BYTES:
        text = encoded[:MAX_NAME_BYTES].decode("utf-8", "ignore").rstrip(". _")
    return text


def _unique(name: str, used: set, extension: str = "") -> str:
    """``name``, or ``name 2``, ``name 3``... whichever a case-insensitive file system has not seen.

    ``used`` holds the casefolded names (with their extension) of every file
    and folder already in the folder, so a list ``x`` (``x.txt``) and a key
    ``x.txt`` (a folder) cannot both be given one name.
    """
    candidate, n = name, 1
    while (candidate + extension).casefold() in used:
        n += 1
        candidate = f"{name} {n}"
    used.add((candidate + extension).casefold())
    return candidate


def plan(root, target: str = "all", ascii: bool = False) -> tuple[dict, list, list]:
    """``{relative path: items}`` for every leaf list of a composed YAML tree, with renames and skips.

    For Impact Pack (``all``, ``impact``, ``impact-ondemand``) and ``ascii``, names and items
    are transliterated (7.10.6 reads ``.txt`` files as ISO-8859-1); for its on-demand mode,
    spaces in names become ``-`` (a name with a space sends its lookup into endless recursion).
    """
    from wildcards_gen.sanitize import ON_DEMAND, to_ascii, wants_ascii
    from wildcards_gen.yaml_input import MappingNode, ScalarNode

    files: dict = {}
    renamed: list = []
    skipped: list = []
    transliterate = wants_ascii(target, ascii)

    def safe_name(name: str) -> str:
        if transliterate:
            name = to_ascii(name)
        if target == ON_DEMAND:
            name = re.sub(r"\s+", "-", name.strip())
        return fs_safe(name)

    def items_of(node, where) -> list:
        if isinstance(node, ScalarNode):
            values = [node]
        else:
            values = node.value
        out = []
        for item in values:
            if not isinstance(item, ScalarNode):
                skipped.append((where, f"a nested list or mapping on line {item.start_mark.line + 1}"))
                continue
            text = " ".join((to_ascii(item.value) if transliterate else item.value).split())
            if text and not (item.style is None and item.value in ("~", "null", "Null", "NULL")):
                out.append(text)
        return out

    def walk(node, keys: tuple, folder: tuple) -> None:
        used: set = set()  # file and folder names alike: one name space per folder
        for knode, vnode in node.value:
            if not isinstance(knode, ScalarNode):
                skipped.append(("/".join(keys), f"a complex key on line {knode.start_mark.line + 1}"))
                continue
            name = knode.value
            here = keys + (name,)
            where = "/".join(here)
            if isinstance(vnode, MappingNode):
                if not vnode.value:
                    skipped.append((where, "an empty mapping"))
                    continue
                safe = _unique(safe_name(name), used)
                if safe != name:
                    renamed.append((where, "/".join(folder + (safe,))))
                walk(vnode, here, folder + (safe,))
                continue
            items = items_of(vnode, where)
            if not items:
                skipped.append((where, "no items"))
                continue
            safe = _unique(safe_name(name), used, ".txt")
            if safe != name:
                renamed.append((where, "/".join(folder + (safe,))))
            files["/".join(folder + (safe,)) + ".txt"] = items

    if root is None or not isinstance(root, MappingNode):
        raise UsageError("the file's top level must be a mapping of category keys")
    walk(root, (), ())
    return files, renamed, skipped


def export_txt(source: Path, txt_dir: Path, force: bool = False, target: str = "all", ascii: bool = False) -> Export:
    """Write ``source``'s leaf lists under ``txt_dir``; refuse a non-empty folder unless ``force``.

    Everything is checked before anything is written, and written into a
    temporary folder first, so a failed export leaves ``txt_dir`` as it was.
    """
    from wildcards_gen.output import folder_problem, path_problem
    from wildcards_gen.yaml_input import compose, read_text

    source, txt_dir = Path(source), Path(txt_dir)
    problem = path_problem(str(txt_dir)) or folder_problem(txt_dir)
    if problem is None and txt_dir.exists() and not txt_dir.is_dir():
        problem = "it exists and is not a folder"
    if problem:
        raise UsageError(f"cannot export to {txt_dir}: {problem}")
    if txt_dir.is_dir() and any(txt_dir.iterdir()) and not force:
        raise UsageError(f"{txt_dir} is not empty; use --force to write into it")
    root = compose(read_text(source, "wildcard file"), source, "wildcard file")
    files, renamed, skipped = plan(root, target, ascii)
    if not files:
        raise UsageError(f"{source} has no lists to export")
    check_plan(txt_dir, files)
    result = Export(renamed=renamed, skipped=skipped)
    write_tree(txt_dir, files)
    result.files = [txt_dir.joinpath(*relative.split("/")) for relative in files]
    return result


def check_plan(txt_dir: Path, files: dict) -> None:
    """Refuse, before writing, what could only fail half-way: paths too long, files where folders go."""
    from wildcards_gen.output import path_problem

    limit = _path_max(txt_dir) - 80  # room for the temporary folder's longer name
    base = Path(os.path.abspath(txt_dir))
    for relative in files:
        problem = path_problem(relative)
        if problem:
            raise UsageError(f"cannot export {relative!r}: the name {problem}")
        if len(os.fsencode(str(base / relative))) > limit:
            raise UsageError(
                f"cannot export {relative[:80]}...: the path is longer than this system allows ({limit} bytes); "
                "shorten the keys or export to a shorter folder"
            )
        if not txt_dir.is_dir():
            continue
        path = txt_dir
        parts = relative.split("/")
        for n, part in enumerate(parts):
            path = path / part
            last = n == len(parts) - 1
            if last and path.is_dir():
                raise UsageError(f"cannot export to {txt_dir}: {path} is a folder where the list {relative} goes")
            if not last and (path.exists() or path.is_symlink()) and not path.is_dir():
                raise UsageError(f"cannot export to {txt_dir}: {path} is a file where a folder of {relative} goes")
            if not path.exists():
                break


def _path_max(folder: Path) -> int:
    existing = Path(os.path.abspath(folder))
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    try:
        return int(os.pathconf(existing, "PC_PATH_MAX"))
    except (AttributeError, OSError, ValueError):
        return 4096


def write_tree(txt_dir: Path, files: dict) -> None:
    """Write ``files`` (relative path -> items) into a temporary folder, then move them under ``txt_dir``."""
    from wildcards_gen import leftovers
    from wildcards_gen.output import write_text

    base = Path(os.path.abspath(txt_dir))
    top = base  # the highest folder that does not exist yet: it is created whole, by one rename
    while not top.parent.exists() and top.parent != top.parent.parent:
        top = top.parent
    merge = base.exists()
    home = base if merge else top.parent  # where the temporary folder goes
    leftovers.remove_stale(home, top.name)
    stage = home / leftovers.temporary_name(top.name)
    try:
        stage.mkdir()
        inner = stage if merge else stage.joinpath(*base.relative_to(top).parts)
        for relative, items in files.items():
            write_text(inner.joinpath(*relative.split("/")), "".join(item + "\n" for item in items), clean=False)
        if merge:
            _move_into(stage, base)
        else:
            os.rename(stage, top)
    except OSError as exc:
        raise UsageError(f"cannot export to {txt_dir}: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _move_into(source: Path, target: Path) -> None:
    """Move the tree under ``source`` into the existing folder ``target``, replacing files."""
    for entry in sorted(os.scandir(source), key=lambda e: e.name):
        there = target / entry.name
        if entry.is_dir(follow_symlinks=False) and there.is_dir():
            _move_into(Path(entry.path), there)
        else:
            os.replace(entry.path, there)


def register(cli: click.Group) -> None:
    @cli.command()
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option(
        "--txt-dir",
        required=True,
        type=click.Path(file_okay=False, path_type=Path),
        help="Folder to write the .txt wildcards into (created if missing).",
    )
    @click.option("--force", is_flag=True, help="Write into a folder that is not empty (files are replaced).")
    @click.option(
        "--target",
        type=click.Choice(["all", "dynamicprompts", "impact", "impact-ondemand"]),
        default="all",
        show_default=True,
        help="The reader of the folder: for Impact Pack (all, impact, impact-ondemand) names and items "
        "are transliterated to ASCII; for its on-demand mode, spaces in names become '-'.",
    )
    @click.option("--ascii", is_flag=True, help="Transliterate names and items to ASCII for any target.")
    def export(file, txt_dir, force, target, ascii):
        """Write FILE as a folder of .txt wildcard files: one per leaf list, one folder per key.

        __a/b/c__ names the same list in the YAML and in the folder. Names are
        made safe for Windows, macOS and Linux file systems; each change is listed.
        """
        from wildcards_gen.cli import settings

        result = export_txt(file, txt_dir, force, target, ascii)
        if not settings().quiet:
            for where, path in result.renamed:
                click.echo(f"Renamed for the file system: {where} -> {path}", err=True)
            for where, why in result.skipped:
                click.echo(f"Skipped {where or '(top)'}: {why}", err=True)
            click.echo(f"Wrote {len(result.files)} .txt files to {txt_dir}", err=True)
