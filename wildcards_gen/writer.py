"""Write categories as commented YAML (ruamel.yaml round-trip) or JSONL, atomically.

The YAML is what ruamel.yaml dumps for :func:`to_commented_map`; the fast
serializer in :mod:`yaml_emit` writes the same bytes without building it. Both
run on the calling thread, after every worker has finished.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path

from wildcards_gen.errors import UsageError
from wildcards_gen.model import Category
from wildcards_gen.sanitize import needs_quotes


def _scalar(text: str):
    if needs_quotes(text):
        from ruamel.yaml.scalarstring import DoubleQuotedScalarString

        return DoubleQuotedScalarString(text)
    return text


def to_commented_map(categories: list[Category]):
    """Nested CommentedMaps; each key's instruction as an end-of-line comment."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    def build(cats):
        mapping = CommentedMap()
        for cat in cats:
            key = _scalar(cat.name)
            if cat.children:
                mapping[key] = build(cat.children)
            else:
                mapping[key] = CommentedSeq(_scalar(i) for i in cat.items)
            if cat.instruction:
                mapping.yaml_add_eol_comment(f"# instruction: {one_line(cat.instruction)}", key, column=0)
        return mapping

    return build(categories)


def one_line(text: str) -> str:
    return " ".join(text.split())


def render_yaml(categories: list[Category], header: list[str] = (), emitter: str = "fast") -> str:
    """The YAML text; ``emitter="ruamel"`` forces ruamel's own (slower, same bytes)."""
    buf = io.StringIO()
    for line in header:
        buf.write(f"# {line}\n" if line else "#\n")
    if emitter == "fast":
        from wildcards_gen import yaml_emit

        start = buf.tell()
        try:
            yaml_emit.dump(categories, buf)
            return buf.getvalue()
        except yaml_emit.Unsupported:
            buf.seek(start)
            buf.truncate()
    ruamel_yaml().dump(to_commented_map(categories), buf)
    return buf.getvalue()


def ruamel_yaml():
    """The ruamel.yaml round-trip dumper with the writer's settings."""
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.allow_unicode = True
    return yaml


def iter_leaves(categories: list[Category], path: tuple = ()):
    """``(path, item)`` for every item, in output order."""
    for cat in categories:
        here = path + (cat.name,)
        for item in cat.items:
            yield here, item
        yield from iter_leaves(cat.children, here)


def render_jsonl(categories: list[Category]) -> str:
    lines = [json.dumps({"path": list(p), "item": item}, ensure_ascii=False) for p, item in iter_leaves(categories)]
    return "".join(line + "\n" for line in lines)


def write_atomic(path: Path, text: str) -> None:
    """Write to a temporary file in the same folder, then rename over ``path``.

    An interrupted or failed write leaves the previous file untouched and no
    temporary file behind; an unwritable place is a one-line error.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError):
            raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
        raise
