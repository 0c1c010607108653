"""Render categories as commented YAML (ruamel.yaml round-trip) or JSONL (``output`` writes them).

The YAML is what ruamel.yaml dumps for :func:`to_commented_map`; the fast
serializer in :mod:`yaml_emit` writes the same bytes without building it. Both
run on the calling thread, after every worker has finished.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence

from wildcards_gen.model import Category
from wildcards_gen.sanitize import needs_quotes
from wildcards_gen.yaml_emit import Unsupported, dump, one_line, ruamel_yaml


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


def render_yaml(categories: list[Category], header: Sequence[str] = (), emitter: str = "fast") -> str:
    """The YAML text; ``emitter="ruamel"`` forces ruamel's own (slower, same bytes)."""
    buf = io.StringIO()
    for line in header:
        buf.write(f"# {line}\n" if line else "#\n")
    if emitter == "fast":
        start = buf.tell()
        try:
            dump(categories, buf)
            return buf.getvalue()
        except Unsupported:
            buf.seek(start)
            buf.truncate()
    ruamel_yaml().dump(to_commented_map(categories), buf)
    return buf.getvalue()


def iter_leaves(categories: list[Category], path: tuple = ()):
    """``(path, item)`` for every item, in output order (iterative: any depth)."""
    stack = [(cat, path) for cat in reversed(categories)]
    while stack:
        cat, above = stack.pop()
        here = above + (cat.name,)
        for item in cat.items:
            yield here, item
        stack.extend((child, here) for child in reversed(cat.children))


def render_jsonl(categories: list[Category]) -> str:
    lines = [json.dumps({"path": list(p), "item": item}, ensure_ascii=False) for p, item in iter_leaves(categories)]
    return "".join(line + "\n" for line in lines)
