"""Names that every wildcard reader accepts: the deterministic rewrites the writer applies.

Dynamic Prompts reads keys as ``__a/b/c__`` paths and fails on ``( ) # $ %
__ { } [ ] \\``; it treats items as prompt syntax (``#`` truncates, ``{a|b}``
expands, ``__x__`` nests, ``N::`` weights). PyYAML (YAML 1.1) turns ``yes``,
``off``, ``null`` or ``1920`` into non-strings. The wildcards-generator web
app reserves the keys ``instruction``, ``wildcards`` and ``_id``.
"""

from __future__ import annotations

import re

RESERVED_KEYS = frozenset({"instruction", "wildcards", "_id"})

# YAML 1.1 implicit types (bool, null, int, float, sexagesimal): quote such strings.
_YAML11_IMPLICIT = re.compile(
    r"""^(?:
        y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF
      | ~|null|Null|NULL|
      | [-+]?0b[0-1_]+ | [-+]?0[0-7_]+ | [-+]?(?:0|[1-9][0-9_]*) | [-+]?0x[0-9a-fA-F_]+
      | [-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+
      | [-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+][0-9]+)? | [-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+
      | [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
      | [-+]?\.(?:inf|Inf|INF) | \.(?:nan|NaN|NAN)
      | = | <<
    )$""",
    re.VERBOSE,
)

_KEY_BAD = re.compile(r"[()\[\]{}#$%\\/|]")
_ITEM_BAD = re.compile(r"[#{}|\[\]\\]")
_WEIGHT = re.compile(r"^\s*-?\d+(?:\.\d+)?::")
_SPACES = re.compile(r"\s+")


def needs_quotes(text: str) -> bool:
    """True when YAML 1.1 would read ``text`` as something other than a string."""
    return bool(_YAML11_IMPLICIT.match(text))


def _tidy(text: str) -> str:
    return _SPACES.sub(" ", text).strip(" -_,")


def clean_key(name: str) -> str:
    """A key every reader accepts; unchanged when already fine."""
    text = name.replace("%", " percent ").replace("$", "S")
    text = _KEY_BAD.sub(" ", text)
    while "__" in text:
        text = text.replace("__", "_")
    text = _tidy(text) or "unnamed"
    if text.casefold() in RESERVED_KEYS:
        text = f"{text.lstrip('_')} category"
    return text


def clean_item(name: str) -> str:
    """An item that Dynamic Prompts samples literally."""
    text = _WEIGHT.sub("", name)
    text = _ITEM_BAD.sub(" ", text)
    while "__" in text:
        text = text.replace("__", "_")
    return _tidy(text) or name.strip() or "unnamed"
