"""``wildcards-gen check DIR``: a folder of ``.txt`` wildcards (and the YAML files in it).

Dynamic Prompts and Impact Pack read a wildcard folder the same way: each
``.txt`` file is a list (one item a line, ``#`` lines are comments), and its
path below the folder is the wildcard's name (``animals/cats.txt`` is
``__animals/cats__``). So each folder and file name is checked as a key, each
line as an item, with the rules of :mod:`wildcards_gen.sanitize`; YAML files
in the folder get ``check``'s own rules. The web app imports YAML only:
``.txt`` files are not checked for it.
"""

from __future__ import annotations

from pathlib import Path

from wildcards_gen import sanitize
from wildcards_gen.commands.check import CASE_INSENSITIVE, Problem, check_file
from wildcards_gen.sanitize import ON_DEMAND
from wildcards_gen.yaml_input import YAMLProblem, check_utf8, read_bytes

TXT_READERS = ("dynamicprompts", "impact", ON_DEMAND)
YAML_SUFFIXES = (".yaml", ".yml")


def check_folder(folder: Path, target: str = "all") -> dict[str, list[Problem]]:
    """``{file: problems}`` for every ``.txt`` and YAML file below ``folder``, in path order."""
    targets = tuple(t for t in sanitize.targets_of(target) if t in TXT_READERS)
    results: dict[str, list[Problem]] = {}
    for directory in sorted([folder, *(p for p in folder.rglob("*") if p.is_dir())]):
        names = []
        for path in sorted(directory.iterdir()):
            if path.is_dir():
                names.append((path.name, path))
            elif path.suffix == ".txt":
                names.append((path.stem, path))
                results[str(path)] = _txt_problems(path, folder, targets)
            elif path.suffix.lower() in YAML_SUFFIXES:
                results[str(path)] = check_file(path, target)
        for where, problem in _collisions(names, folder, targets):
            results.setdefault(where, []).append(problem)
    return results


def _txt_problems(path: Path, folder: Path, targets: tuple) -> list[Problem]:
    file = str(path)
    relative = path.relative_to(folder).with_suffix("")
    wildcard = "/".join(relative.parts)
    problems: list[Problem] = []

    def add(line: int, code: str, message: str, readers: tuple, severity: str = "error") -> None:
        readers = tuple(t for t in sanitize.ALL_TARGETS if t in readers and t in targets)
        if readers:
            problems.append(Problem(file, line, 1, code, message, readers, wildcard, severity))

    for depth, part in enumerate(relative.parts):
        for target in targets:
            reasons = sanitize.key_problems(part, target, top=depth == 0, reserved=False)
            if reasons:
                add(1, "key-char", f"name {part!r}: " + "; ".join(reasons), (target,))
        if " " in part:
            add(
                1,
                "txt-name",
                f"name {part!r} has a space: Impact Pack's on-demand lookup of it never ends",
                (ON_DEMAND,),
            )
    data = read_bytes(path, "wildcard file")
    try:
        check_utf8(data, path, "wildcard file")
    except YAMLProblem as exc:
        add(1 if exc.line is None else exc.line + 1, "yaml-error", f"the file {exc.problem}", targets)
        return problems
    seen: dict[str, int] = {}
    for number, raw in enumerate(data.decode("utf-8-sig").splitlines(), start=1):
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        if sanitize.item_may_have_problems(text):
            for target in targets:
                reasons = sanitize.item_problems(text, target)
                if reasons:
                    add(number, "item-char", f"item {text!r}: " + "; ".join(reasons), (target,))
        if text in seen:
            add(number, "duplicate-item", f"item {text!r} repeats line {seen[text]}", targets)
        else:
            seen[text] = number
    if not seen:
        add(1, "empty-value", f"{path.name} has no items", targets)
    return problems


def _collisions(names: list, folder: Path, targets: tuple):
    """Sibling files and folders that a reader takes for one wildcard."""
    for target in targets:
        first: dict[str, tuple] = {}
        for name, path in names:
            folded = sanitize.collision_key(name, target)
            if folded in first and first[folded][1].is_dir() == path.is_dir():
                other = first[folded][1]
                # Dynamic Prompts folds case through the file system (a warning); Impact Pack always
                case_only = target == "dynamicprompts"
                on = f" on {CASE_INSENSITIVE}" if case_only else ""
                yield (
                    str(path),
                    Problem(
                        str(path),
                        1,
                        1,
                        "collision",
                        f"{path.name!r} is one wildcard with {other.name!r}{on}",
                        (target,),
                        "/".join(path.relative_to(folder).with_suffix("").parts),
                        "warning" if case_only else "error",
                    ),
                )
            else:
                first.setdefault(folded, (name, path))
