"""``wildcards-gen check FILE_OR_DIR...``: every problem a wildcard reader would hit, with file and line.

The file is composed (not constructed, :func:`wildcards_gen.yaml_input.compose`),
so every key and item keeps its line, its raw text and its quoting style, and a
duplicate key is seen instead of silently replaced. A plain scalar that YAML 1.1 reads as a
boolean, null, number or date is what PyYAML (Dynamic Prompts, Impact Pack)
turns into a non-string and drops. The per-reader rules live in
:mod:`wildcards_gen.sanitize`; comments are found line by line.

Decision for the wildcards-generator target: a key's instruction must be one
end-of-line ``# instruction:`` comment (two on one line, or one on a line of
its own, is an error: the app attaches it to the wrong key or truncates it).
A key without one is only a warning (the app shows an empty instruction);
``--strict`` makes warnings fail too.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import click

from wildcards_gen import sanitize
from wildcards_gen.sanitize import ALL_TARGETS, ON_DEMAND, ON_DEMAND_LEVELS
from wildcards_gen.yaml_input import (
    Lines,
    MappingNode,
    ScalarNode,
    SequenceNode,
    YAMLProblem,
    check_utf8,
    compose,
    line_comment,
    read_bytes,
)

YAML11 = ("dynamicprompts", "impact", ON_DEMAND)  # readers that load with PyYAML (YAML 1.1)
# Where Dynamic Prompts compares names without case: its .txt folders and fnmatch there.
CASE_INSENSITIVE = "case-insensitive file systems (Windows, macOS by default)"
STR_TAG = "tag:yaml.org,2002:str"

# code -> what it means (README and --help list these)
CODES = {
    "yaml-error": "the file is not valid YAML (or not UTF-8)",
    "not-a-mapping": "the top level is not a mapping of keys",
    "file-suffix": "Dynamic Prompts and Impact Pack only read files ending in .yaml",
    "coerced-key": "a plain key that YAML reads as a boolean, null, number or date (a warning for "
    "wildcards-generator, which keeps the text of most)",
    "coerced-item": "a plain item that YAML reads as a boolean, null, number or date (a warning for "
    "wildcards-generator)",
    "complex-key": "a key that is a list or mapping",
    "key-char": "characters in a key that break the reader's wildcard names",
    "item-char": "characters in an item that the reader treats as prompt syntax (a warning when it is "
    "well-formed {a|b}, __name__ or N:: syntax, as people's own wildcards use it)",
    "reserved-key": "instruction, wildcards or _id as a key (wildcards-generator)",
    "collision": "two sibling keys that are one wildcard after the reader's normalisation (a warning "
    "when they differ only in case, for Dynamic Prompts: one wildcard on Windows and macOS only)",
    "too-deep": "a key below level 2, which Impact Pack's on-demand mode never reads",
    "txt-name": "a .txt wildcard (or folder) name with a space, which Impact Pack's on-demand lookup cannot find",
    "empty-value": "a key with no list or mapping under it",
    "empty-item": "an empty or null item",
    "duplicate-item": "the same item twice in one list",
    "nested-list": "a list or mapping inside a list",
    "instruction-count": "more than one 'instruction:' in a key's comment (wildcards-generator)",
    "misplaced-instruction": "an '# instruction:' comment that is not at the end of its key's line",
    "missing-instruction": "a key without '# instruction:' (warning; wildcards-generator)",
}


def item_finding(text: str, target: str, reasons: list) -> tuple:
    """``(message, targets, severity)`` of an item the reader reads as syntax: a warning when the
    syntax is well-formed (people's own ``{a|b}``, ``__x__``, ``N::``), an error when it breaks."""
    if sanitize.intended_syntax(text, target):
        return f"item {text!r} is prompt syntax (fine if meant): " + "; ".join(reasons), (target,), "warning"
    return f"item {text!r}: " + "; ".join(reasons), (target,), "error"


def coercion(node, text: str):
    """What a plain scalar turns into, and for which readers: YAML 1.1 readers, and
    wildcards-generator (YAML 1.2) when the loaded tag is not a string."""
    if not sanitize.maybe_typed(text):
        return None, set()
    kind = sanitize.yaml11_type(text)
    targets = set(YAML11) if kind else set()
    if str(node.tag) != STR_TAG:
        targets.add("generator")
        kind = kind or "not a string"
    return kind, targets


@dataclass
class Problem:
    file: str
    line: int
    column: int
    code: str
    message: str
    targets: tuple
    path: str = ""
    severity: str = "error"

    def as_dict(self) -> dict:
        data = asdict(self)
        data["targets"] = list(self.targets)
        return data

    def format(self) -> str:
        where = f" {_printable(self.path)}:" if self.path else ""
        return (
            f"{self.file}:{self.line}:{self.column}: {self.severity} {self.code} "
            f"[{','.join(self.targets)}]{where} {self.message}"
        )


def _printable(text: str) -> str:
    """``text`` on one line: control characters (a key may hold a newline) escaped as Python does."""
    return "".join(repr(c)[1:-1] if c.isprintable() is False and c != " " else c for c in text)


class _Checker:
    def __init__(self, file: str, text: str | bytes, targets: tuple):
        self.file = file
        self.text = text
        self.targets = targets
        self.problems: list[Problem] = []
        self.key_lines: dict[int, str] = {}  # line -> key path, for the instruction rules

    def add(self, node_or_line, code, message, targets=ALL_TARGETS, path="", severity="error"):
        targets = tuple(t for t in ALL_TARGETS if t in targets and t in self.targets)
        if not targets:
            return
        if isinstance(node_or_line, int):
            line, column = node_or_line, 1
        else:
            line, column = node_or_line.start_mark.line + 1, node_or_line.start_mark.column + 1
        self.problems.append(Problem(self.file, line, column, code, message, targets, path, severity))

    # -- structure --

    def mapping(self, node, path: tuple) -> None:
        siblings = []
        for knode, vnode in node.value:
            if not isinstance(knode, ScalarNode):
                self.add(knode, "complex-key", "a key must be a plain name, not a list or mapping", path="/".join(path))
                continue
            name = knode.value
            here = path + (name,)
            where = "/".join(here)
            self.key_lines.setdefault(knode.start_mark.line + 1, where)
            self.key(knode, name, where, top=not path)
            siblings.append((knode, name))
            if len(path) == ON_DEMAND_LEVELS:  # the first level on-demand mode does not read
                self.add(
                    knode,
                    "too-deep",
                    f"key {name!r} is at level {len(here)}: Impact Pack's on-demand mode reads two levels of "
                    "keys, so this stays literal text (write with --target impact-ondemand)",
                    (ON_DEMAND,),
                    where,
                )
            if isinstance(vnode, MappingNode):
                if vnode.value:
                    self.mapping(vnode, here)
                else:
                    self.add(knode, "empty-value", f"key {name!r} has an empty mapping", path=where)
            elif isinstance(vnode, SequenceNode):
                if vnode.value:
                    self.sequence(vnode, where)
                else:
                    self.add(knode, "empty-value", f"key {name!r} has an empty list", path=where)
            elif vnode.style is None and (vnode.value == "" or sanitize.yaml11_type(vnode.value) == "null"):
                self.add(
                    knode,
                    "empty-value",
                    f"key {name!r} has no value (Dynamic Prompts and Impact Pack skip it; "
                    'wildcards-generator turns it into a list holding "null")',
                    path=where,
                )
            else:
                self.item(vnode, where, {})
        self.collisions(siblings, path)

    def key(self, knode, name: str, where: str, top: bool) -> None:
        if knode.style is None:
            kind, targets = coercion(knode, name)
            self.coerced(knode, "coerced-key", f"key {name!r} is read as {kind}", targets, where)
        for target in self.targets:
            reasons = sanitize.key_problems(name, target, top=top, reserved=False)
            if reasons:
                self.add(knode, "key-char", f"key {name!r}: " + "; ".join(reasons), (target,), where)
        if name in sanitize.RESERVED_KEYS:
            self.add(
                knode, "reserved-key", f"{name!r} is a reserved key name in wildcards-generator", ("generator",), where
            )

    def coerced(self, node, code: str, said: str, targets: set, where: str) -> None:
        """YAML 1.1 readers drop a coerced name (an error); wildcards-generator keeps its text,
        only its type changes (``1920``), or its spelling (``1.0`` -> ``1``): a warning."""
        hard = tuple(t for t in targets if t != "generator")
        if hard:
            self.add(node, code, f"{said}, not a name: quote it", hard, where)
        if "generator" in targets:
            self.add(
                node,
                code,
                f"{said} by wildcards-generator: its text may change (1.0 becomes 1); quote it",
                ("generator",),
                where,
                severity="warning",
            )

    def collisions(self, siblings: list, path: tuple) -> None:
        found: dict[tuple, list] = {}
        for target in self.targets:
            first: dict[str, tuple] = {}
            for knode, name in siblings:
                folded = sanitize.collision_key(name, target)
                if folded in first:
                    other_node, other = first[folded]
                    case_only = target == "dynamicprompts" and name != other
                    found.setdefault((id(knode), other, case_only), [knode, name, other_node, []])[3].append(target)
                else:
                    first[folded] = (knode, name)
        for (_, _, case_only), (knode, name, other_node, targets) in found.items():
            same = "the same key" if name == other_node.value else f"{other_node.value!r}"
            where = f" on {CASE_INSENSITIVE}" if case_only else ""
            self.add(
                knode,
                "collision",
                f"key {name!r} is one wildcard with {same} on line {other_node.start_mark.line + 1}{where}",
                tuple(targets),
                "/".join(path + (name,)),
                severity="warning" if case_only else "error",
            )

    def sequence(self, node, where: str) -> None:
        seen: dict[str, int] = {}
        for item in node.value:
            self.item(item, where, seen)

    def item(self, node, where: str, seen: dict) -> None:
        if not isinstance(node, ScalarNode):
            kind = "a list" if node.id == "sequence" else "a mapping"
            self.add(node, "nested-list", f"{kind} inside the list of {where!r}: readers skip it", path=where)
            return
        text = node.value
        plain = node.style is None
        if text.strip() == "" or (plain and sanitize.maybe_typed(text) and sanitize.yaml11_type(text) == "null"):
            self.add(node, "empty-item", f"an empty or null item in {where!r}", path=where)
            return
        if plain:
            kind, targets = coercion(node, text)
            self.coerced(node, "coerced-item", f"item {text!r} is read as {kind}", targets, where)
        if sanitize.item_may_have_problems(text):
            for target in self.targets:
                reasons = sanitize.item_problems(text, target)
                if reasons:
                    message, readers, severity = item_finding(text, target, reasons)
                    self.add(node, "item-char", message, readers, where, severity)
        line = node.line + 1
        if text in seen:
            self.add(
                node,
                "duplicate-item",
                f"item {text!r} repeats line {seen[text]} (sampled twice as often unless the reader deduplicates)",
                path=where,
            )
        else:
            seen[text] = line

    # -- comments (wildcards-generator reads instructions from them) --

    def instructions(self) -> None:
        if "generator" not in self.targets:
            return
        comments = {}
        for index, line in Lines(self.text).holding("#"):
            comment = line_comment(line)
            if comment is not None:
                comments[index + 1] = (comment, not line[: len(line) - len(comment)].strip())
        missing = []
        for number, where in sorted(self.key_lines.items()):
            comment, own_line = comments.get(number, ("", False))
            count = comment.count("instruction:")
            if count > 1:
                self.add(
                    number,
                    "instruction-count",
                    f"{count} 'instruction:' in one comment; wildcards-generator keeps the text up to the second",
                    ("generator",),
                    where,
                )
            elif count == 0:
                missing.append((number, where))
        for number, (comment, own_line) in sorted(comments.items()):
            if "instruction:" in comment and (own_line or number not in self.key_lines):
                self.add(
                    number,
                    "misplaced-instruction",
                    "an '# instruction:' comment that is not at the end of its key's line; "
                    "wildcards-generator attaches it to another key or ignores it",
                    ("generator",),
                )
        if missing and len(missing) == len(self.key_lines):
            self.add(
                1,
                "missing-instruction",
                "no key has an end-of-line '# instruction:' comment",
                ("generator",),
                severity="warning",
            )
        else:
            for number, where in missing:
                self.add(
                    number,
                    "missing-instruction",
                    "no end-of-line '# instruction:' comment",
                    ("generator",),
                    where,
                    severity="warning",
                )


def check_text(
    text: str | bytes, file: str = "<text>", target: str = "all", suffix: str = ".yaml", root=None
) -> list[Problem]:
    """Every problem in ``text`` for ``target`` (``all`` or one of the readers), in line order.

    ``text`` may be UTF-8 bytes (a large file is checked without a str copy of it);
    ``root``: the tree of ``text`` when the caller composed it already.
    """
    checker = _Checker(file, text, sanitize.targets_of(target))
    if suffix != ".yaml":  # both compare the suffix exactly
        checker.add(
            1, "file-suffix", f"Dynamic Prompts and Impact Pack only read '.yaml' files, not {suffix!r}", YAML11
        )
    try:
        if root is None:
            root = compose(text, file, "wildcard file")
    except YAMLProblem as exc:
        checker.add(1 if exc.line is None else exc.line + 1, "yaml-error", f"the file {exc.problem}")
        return _sorted(checker.problems)
    if root is None:
        checker.add(1, "not-a-mapping", "the file is empty")
    elif not isinstance(root, MappingNode):
        checker.add(root, "not-a-mapping", "the top level must be a mapping of category keys")
    elif not root.value:
        checker.add(root, "not-a-mapping", "the top-level mapping is empty")
    else:
        checker.mapping(root, ())
        checker.instructions()
    return _sorted(checker.problems)


def check_file(path, target: str = "all") -> list[Problem]:
    """Every problem in the file at ``path`` for ``target``."""
    path = Path(path)
    data = read_bytes(path, "wildcard file")
    try:
        check_utf8(data, path, "wildcard file")
    except YAMLProblem as exc:
        line = 1 if exc.line is None else exc.line + 1
        return [Problem(str(path), line, 1, "yaml-error", f"the file {exc.problem}", sanitize.targets_of(target))]
    return check_text(data, str(path), target, suffix=path.suffix)


def _sorted(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.line, p.column, p.code, p.targets, p.message))


def errors_of(problems: list[Problem], strict: bool = False) -> list[Problem]:
    return [p for p in problems if strict or p.severity == "error"]


def report_text(results: dict, target: str) -> str:
    lines = []
    errors = warnings = 0
    for problems in results.values():
        for p in problems:
            lines.append(p.format())
            errors += p.severity == "error"
            warnings += p.severity == "warning"
    files = len(results)
    noun = "file" if files == 1 else "files"
    if errors or warnings:
        lines.append(
            f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)} "
            f"in {files} {noun} (target: {target})"
        )
    else:
        lines.append(f"{files} {noun} clean for target {target}")
    return "\n".join(lines)


def report_json(results: dict, target: str, strict: bool) -> str:
    files = [
        {"file": f, "clean": not errors_of(ps, strict), "problems": [p.as_dict() for p in ps]}
        for f, ps in results.items()
    ]
    all_problems = [p for ps in results.values() for p in ps]
    return json.dumps(
        {
            "target": target,
            "clean": not errors_of(all_problems, strict),
            "errors": sum(p.severity == "error" for p in all_problems),
            "warnings": sum(p.severity == "warning" for p in all_problems),
            "files": files,
        },
        indent=2,
        ensure_ascii=False,
    )


# -- a folder of .txt wildcards ------------------------------------------------------------
# Dynamic Prompts and Impact Pack read a wildcard folder the same way: each ``.txt`` file is
# a list (one item a line, ``#`` lines are comments), and its path below the folder is the
# wildcard's name (``animals/cats.txt`` is ``__animals/cats__``). So each folder and file name
# is checked as a key, each line as an item; YAML files in the folder get the rules above.
# The web app imports YAML only: ``.txt`` files are not checked for it.

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
                reasons = sanitize.item_problems(text, target, txt=True)
                if reasons:
                    add(number, "item-char", *item_finding(text, target, reasons))
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


def check_paths(paths, target: str = "all") -> dict[str, list[Problem]]:
    """``{file: problems}`` for files and folders of ``.txt`` wildcards, as ``check`` reports them."""
    results: dict[str, list[Problem]] = {}
    for path in map(Path, paths):
        if path.is_dir():
            results.update(check_folder(path, target))
        else:
            results[str(path)] = check_file(path, target)
    return results


def register(cli: click.Group) -> None:
    codes = "; ".join(f"{code}: {what}" for code, what in CODES.items())

    @cli.command(
        help=(
            "Report, with file and line, every problem a wildcard reader would hit in each FILE: "
            "Dynamic Prompts, ComfyUI-Impact-Pack, the wildcards-generator web app, or all three. "
            "A FILE may be a folder of .txt wildcards (and YAML files), as the readers load it. "
            f"Exit status 0 only when every file is clean.\n\nProblem codes: {codes}."
        )
    )
    @click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
    @click.option(
        "--target",
        type=click.Choice(sanitize.TARGET_CHOICES),
        default="all",
        show_default=True,
        help="The reader to check for (all: the first three; impact-ondemand: Impact Pack's on-demand mode).",
    )
    @click.option(
        "--format",
        "fmt",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help="Report format (on stdout).",
    )
    @click.option("--strict", is_flag=True, help="Warnings (a key without an instruction) fail too.")
    def check(files, target, fmt, strict):
        results = check_paths(files, target)
        if fmt == "json":
            click.echo(report_json(results, target, strict))
        else:
            click.echo(report_text(results, target))
        if any(errors_of(ps, strict) for ps in results.values()):
            click.get_current_context().exit(1)
