"""A fast YAML serializer for the one shape of document the writer produces.

ruamel.yaml's emitter walks an event stream per scalar and costs about 0.2 s
per 10,000 lines; our documents are only nested block mappings of block lists
of strings, each key with an end-of-line comment. This module writes that
shape straight from the categories, asking ruamel's own resolver and scalar
analysis how any string that is not surely plain must be quoted, so the bytes
equal ruamel's ``dump`` of :func:`wildcards_gen.writer.to_commented_map` (tests
compare them on real outputs). Anything outside that shape raises
:class:`Unsupported` and the writer falls back to ruamel's emitter.
"""

from __future__ import annotations

import io
import re

from wildcards_gen.sanitize import COERCED_WORDS, needs_quotes

STR_TAG = "tag:yaml.org,2002:str"
MAX_SIMPLE_KEY = 128
INDENT = 2  # yaml.indent(mapping=2, sequence=4, offset=2)


# Strings ruamel always writes plain: a letter, then letters, digits, _ . ' - and single
# spaces, ending in a letter or digit. Only YAML 1.2's true/false/null words among them
# resolve to another type, and the writer quotes a few more (yes, no, on, off, y, n):
# those take the full analysis.
_SURELY_PLAIN = re.compile(r"[A-Za-z](?:[A-Za-z0-9_.'\-]| (?! ))*[A-Za-z0-9]")
_RESERVED_WORDS = frozenset({"true", "false", "null"})


class Unsupported(Exception):
    """The document holds something this fast path does not reproduce exactly."""


class _Scalars:
    """How each string is written; ruamel is imported only for strings not surely plain."""

    def __init__(self):
        self.memo: dict = {}
        self._emitter = self._resolver = None

    def render(self, value: str, is_key: bool) -> str:
        if (
            type(value) is str
            and _SURELY_PLAIN.fullmatch(value)
            and value.lower() not in COERCED_WORDS
            and len(value) < MAX_SIMPLE_KEY - 2
        ):
            return value  # most names: no quoting, nothing to look up
        cached = self.memo.get((value, is_key))
        if cached is not None:
            return cached
        if type(value) is not str:
            raise Unsupported(f"non-string scalar {value!r}")
        if needs_quotes(value):  # the writer double-quotes these (see writer.to_commented_map)
            style = '"'
        elif _SURELY_PLAIN.fullmatch(value) and value.casefold() not in _RESERVED_WORDS:
            style = ""
        else:
            style = self._style(value, is_key)
        if is_key and len(value) >= MAX_SIMPLE_KEY - 2:
            raise Unsupported("long key")
        if style == "":
            out = value
        elif style == "'":
            if "\n" in value or any(ord(c) < 32 for c in value):
                raise Unsupported("control character")
            out = "'" + value.replace("'", "''") + "'"
        else:
            if (
                any(c in value for c in '"\\')
                or any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in value)
                or "\u2028" in value
                or "\u2029" in value
                or "\ufeff" in value
            ):
                raise Unsupported("needs escapes")
            out = '"' + value + '"'
        self.memo[(value, is_key)] = out
        return out

    def _style(self, value: str, is_key: bool) -> str:
        if self._emitter is None:
            yaml = ruamel_yaml()  # the very emitter and resolver ruamel's dump would use
            yaml.serializer  # noqa: B018  (created on access; the emitter consults it)
            self._emitter, self._resolver = yaml.emitter, yaml.resolver
        from ruamel.yaml.nodes import ScalarNode

        analysis = self._emitter.analyze_scalar(value)
        if not value or analysis.multiline:
            raise Unsupported("empty or multiline scalar")
        assert self._resolver is not None
        implicit = self._resolver.resolve(ScalarNode, value, (True, False)) == STR_TAG
        if implicit and analysis.allow_block_plain:
            return ""
        if analysis.allow_double_quoted and "'" in value:
            return '"'
        if analysis.allow_single_quoted:
            return "'"
        return '"'


def dump(categories: list, out: io.StringIO) -> None:
    """Write ``categories`` as ruamel would dump their CommentedMap, or raise Unsupported (iterative: any depth)."""
    if not categories:
        raise Unsupported("top level")
    render = _Scalars().render
    write = out.write
    top: set = set()
    stack = [(cat, 0, top) for cat in reversed(categories)]
    while stack:
        cat, indent, keys = stack.pop()
        if cat.name in keys:
            raise Unsupported("repeated key")  # a CommentedMap would keep one of them
        keys.add(cat.name)
        comment = f" # instruction: {one_line(cat.instruction)}" if cat.instruction else ""
        write(f"{' ' * indent}{render(cat.name, True)}:{comment}\n")
        if cat.children:
            siblings: set = set()
            stack.extend((child, indent + INDENT, siblings) for child in reversed(cat.children))
        elif cat.items:
            item_pad = " " * (indent + INDENT) + "- "
            write("".join(f"{item_pad}{render(item, False)}\n" for item in cat.items))
        else:
            raise Unsupported("empty list")


def one_line(text: str) -> str:
    return " ".join(text.split())


def ruamel_yaml():
    """The ruamel.yaml round-trip dumper with the writer's settings."""
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.allow_unicode = True
    return yaml
