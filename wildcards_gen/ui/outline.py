"""The tree the web UI shows, read from the very text it offers for download.

Reading the rendered YAML (rather than the categories behind it) means every
name on the page is the one in the file: after ``--target`` rewrites,
``--key-style`` and collision renames. Each key carries its ``# instruction:``
comment, how many items lie below it, and its own list (the first
:data:`MAX_ITEMS` items; the page shows the rest as a count).
"""

from __future__ import annotations

from typing import Any

MAX_ITEMS = 500


def outline(text: str) -> list[dict]:
    """``[{name, instruction, count, items, more, children}]`` for each top-level key of ``text``."""
    from wildcards_gen.yaml_input import Lines, MappingNode, ScalarNode, SequenceNode, compose, line_comment

    root = compose(text, "<output>", "wildcard file")
    if not isinstance(root, MappingNode):
        return []
    lines = Lines(text)

    def instruction(line: int) -> str:
        comment = line_comment(lines[line]) if line < len(lines) else None
        if comment and "instruction:" in comment:
            return comment.split("instruction:", 1)[1].strip()
        return ""

    def mapping(node: Any) -> list[dict]:
        out = []
        for key, value in node.value:
            name = key.value if isinstance(key, ScalarNode) else "?"
            entry: dict = {"name": name, "instruction": instruction(key.line), "children": [], "items": []}
            if isinstance(value, MappingNode):
                entry["children"] = mapping(value)
                entry["count"] = sum(child["count"] for child in entry["children"])
            elif isinstance(value, SequenceNode):
                items = [item.value for item in value.value if isinstance(item, ScalarNode)]
                entry["items"] = items[:MAX_ITEMS]
                entry["count"] = len(items)
            else:
                entry["items"] = [value.value] if isinstance(value, ScalarNode) and value.value else []
                entry["count"] = len(entry["items"])
            entry["more"] = entry["count"] - len(entry["items"]) if not entry["children"] else 0
            out.append(entry)
        return out

    return mapping(root)
