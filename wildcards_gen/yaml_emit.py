"""A fast serializer for the one shape of CommentedMap the writer builds.

ruamel.yaml's emitter walks an event stream per scalar and costs about 0.2 s
per 10,000 lines; our documents are only nested block mappings of block lists
of strings with end-of-line comments. This module writes that shape directly,
asking ruamel's own resolver and scalar analysis how each string must be
quoted, so the bytes equal ruamel's ``dump`` (a test compares them on real
outputs). Anything outside that shape raises :class:`Unsupported` and the
writer falls back to ruamel's emitter.
"""

from __future__ import annotations

import io
import re

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

STR_TAG = "tag:yaml.org,2002:str"
MAX_SIMPLE_KEY = 128
INDENT = 2  # yaml.indent(mapping=2, sequence=4, offset=2)


# Strings ruamel always writes plain: a letter, then letters, digits, . ' - and single
# spaces, ending in a letter or digit. Only YAML 1.2's true/false/null words among them
# resolve to another type; those take the full analysis.
_SURELY_PLAIN = re.compile(r"[A-Za-z](?:[A-Za-z0-9.'\-]| (?! ))*[A-Za-z0-9]")
_RESERVED_WORDS = frozenset({"true", "false", "null"})


class Unsupported(Exception):
    """The document holds something this fast path does not reproduce exactly."""


class _Scalars:
    def __init__(self):
        from wildcards_gen.writer import ruamel_yaml

        yaml = ruamel_yaml()  # the very emitter and resolver ruamel's dump would use
        yaml.serializer  # noqa: B018  (created on access; the emitter consults it)
        self.emitter = yaml.emitter
        self.resolver = yaml.resolver
        self.memo: dict = {}

    def render(self, value, is_key: bool) -> str:
        cached = self.memo.get((value, is_key, type(value)))
        if cached is not None:
            return cached
        if not isinstance(value, str):
            raise Unsupported(f"non-string scalar {value!r}")
        if isinstance(value, DoubleQuotedScalarString):
            style = '"'
        elif type(value) is not str:
            raise Unsupported(f"scalar string type {type(value).__name__}")
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
            if any(c in value for c in '"\\') or any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in value) \
                    or "\u2028" in value or "\u2029" in value or "\ufeff" in value:
                raise Unsupported("needs escapes")
            out = '"' + value + '"'
        self.memo[(value, is_key, type(value))] = out
        return out

    def _style(self, value: str, is_key: bool) -> str:
        analysis = self.emitter.analyze_scalar(value)
        if not value or analysis.multiline:
            raise Unsupported("empty or multiline scalar")
        implicit = self.resolver.resolve(ScalarNode, value, (True, False)) == STR_TAG
        if implicit and analysis.allow_block_plain:
            return ""
        if analysis.allow_double_quoted and "'" in value:
            return '"'
        if analysis.allow_single_quoted:
            return "'"
        return '"'


def _comment(mapping: CommentedMap, key) -> str:
    entry = mapping.ca.items.get(key)
    if not entry:
        return ""
    tokens = [t for t in entry if t is not None]
    if len(tokens) != 1 or entry[2] is None or "\n" in tokens[0].value or not tokens[0].value.startswith("#"):
        raise Unsupported("comment shape")
    return " " + tokens[0].value


def dump(data: CommentedMap, out: io.StringIO) -> None:
    """Write ``data`` as ruamel would with the writer's settings, or raise Unsupported."""
    if not isinstance(data, CommentedMap) or not data:
        raise Unsupported("top level")
    scalars = _Scalars()
    write = out.write

    def mapping(node: CommentedMap, indent: int) -> None:
        pad = " " * indent
        for key, value in node.items():
            write(f"{pad}{scalars.render(key, True)}:{_comment(node, key)}\n")
            if isinstance(value, CommentedMap):
                if not value:
                    raise Unsupported("empty mapping")
                mapping(value, indent + INDENT)
            elif isinstance(value, CommentedSeq):
                if not value or value.ca.items:
                    raise Unsupported("empty or commented list")
                item_pad = " " * (indent + INDENT) + "- "
                for item in value:
                    write(item_pad + scalars.render(item, False) + "\n")
            else:
                raise Unsupported(f"value of type {type(value).__name__}")

    mapping(data, 0)
