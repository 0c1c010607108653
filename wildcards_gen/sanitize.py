"""Names every wildcard reader accepts: per-target rules and the deterministic rewrites.

Measured from the readers' code (and, for Dynamic Prompts, by sampling):

* Dynamic Prompts (``dynamicprompts``) reads ``.yaml`` with PyYAML (YAML 1.1:
  ``yes``, ``off``, ``null``, ``1920`` are not strings, and non-string keys or
  items are dropped) and exposes each leaf list as ``__a/b/c__``. Its wildcard
  parser fails on ``( { } # $ % \\``, ``__`` and ``..`` in a name; ``[ ] * ?``
  are glob characters (``a[b]c`` samples ``abc``); a name ending in ``_``
  runs into the closing ``__``; ``~ ! @`` first in a path are sampler prefixes.
  Items are prompt syntax: ``#`` truncates, ``{a|b}`` expands, ``$``/``%``
  start commands, ``__x__`` nests, ``N::`` is a weight.
* ComfyUI-Impact-Pack (read from 7.10.6 and 8.x) lowercases each key path and
  turns spaces into ``-`` (``x ray`` and ``X-Ray`` are one wildcard); its prompt
  pattern ``__([\\w.\\-+/*\\\\]+?)__`` only references letters, digits,
  ``_ . - + /`` (a ``/`` in a key is one more path level: it still works). It
  opens YAML as ISO-8859-1 (``café`` becomes ``cafÃ©``) and 7.10.6 reads
  ``.txt`` files so too: non-ASCII names are transliterated for it. Items:
  ``{a|b}`` options, ``__x__`` nesting, and (8.x) a leading ``N::`` weight.
  Its **on-demand mode** (8.x, when the wildcard folders total 50 MB or more,
  or with its cache limit at 0), target ``impact-ondemand``, reads YAML only
  two levels of keys deep, and a ``.txt`` name with a space sends its lookup
  into endless recursion.
* The wildcards-generator web app reads one end-of-line ``# instruction:``
  per key, turns an empty key into a list holding ``"null"``, splits paths on
  ``/`` and reserves the keys ``instruction``, ``wildcards`` and ``_id``.

Target ``all`` (the default) satisfies the three at once.
"""

from __future__ import annotations

import re

TARGETS = ("dynamicprompts", "impact", "generator")  # what ``all`` means
ON_DEMAND = "impact-ondemand"
ALL_TARGETS = ("dynamicprompts", "impact", ON_DEMAND, "generator")
IMPACT_TARGETS = ("impact", ON_DEMAND)
TARGET_CHOICES = ALL_TARGETS + ("all",)
TARGET_NAMES = {
    "dynamicprompts": "Dynamic Prompts",
    "impact": "Impact Pack",
    ON_DEMAND: "Impact Pack (on-demand mode)",
    "generator": "wildcards-generator",
}
ON_DEMAND_LEVELS = 2  # key levels Impact Pack's on-demand mode reads in a YAML file
KEY_STYLES = ("as-is", "snake", "kebab")
RESERVED_KEYS = frozenset({"instruction", "wildcards", "_id"})

# YAML 1.1 implicit types of a plain scalar as PyYAML resolves them (what the readers load with).
_PYYAML = [
    (kind, re.compile(f"^(?:{rx})$"))
    for kind, rx in (
        ("a boolean", r"yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF"),
        ("null", r"~|null|Null|NULL|"),
        (
            "an integer",
            r"[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+"
            r"|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+",
        ),
        (
            "a float",
            r"[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?"
            r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)",
        ),
        (
            "a date",
            r"[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}"
            r"(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?",
        ),
        ("a merge key", r"<<"),
        ("a value key (PyYAML cannot load it)", r"="),
    )
]
# What the writer quotes: the above, plus what other YAML 1.1/1.2 readers coerce (y, n, 1e5, .).
_QUOTE_TOO = re.compile(
    r"^(?:y|Y|n|N|[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+"
    r"|[-+]?0o[0-7]+|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}.*)$"
)

_SPACES = re.compile(r"\s+")
_WEIGHT = re.compile(r"^\s*-?\d+(?:\.\d+)?::")
# Dynamic Prompts: characters its wildcard-name grammar rejects, and glob characters.
_DP_KEY_BREAKS = "({}#$%\\"
_DP_KEY_GLOB = "[]*?"
_DP_KEY_REWRITE = re.compile(r"[()\[\]{}#$%\\/|*?]")
_DP_SAMPLERS = "~!@"
_DP_ITEM_BREAKS = "#{}$%"
_DP_ITEM_REWRITE = re.compile(r"[#{}|\[\]\\$%]")
# Impact Pack: what ``__(...)__`` can reference (a space is fine: it becomes '-').
_IMPACT_OK = re.compile(r"[\w.+\- ]")
_IMPACT_KEY_OK = re.compile(r"[\w.+\-/ ]")  # a '/' in a key is one more path level to it
_IMPACT_ITEM_BREAKS = "{}"


def yaml11_type(text: str) -> str | None:
    """What PyYAML (YAML 1.1; Dynamic Prompts, Impact Pack) reads plain ``text`` as, if not a string."""
    for kind, rx in _PYYAML:
        if rx.match(text):
            return kind
    return None


# The only plain scalars starting with a letter that some YAML reader takes for another type.
COERCED_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})


def maybe_typed(text: str) -> bool:
    """False for plain words no YAML version reads as another type: every implicit type but
    those few words starts with a digit, sign, dot or symbol (most items, answered fast)."""
    return not (text[:1].isalpha() and text.lower() not in COERCED_WORDS)


def needs_quotes(text: str) -> bool:
    """True when a YAML 1.1 or 1.2 reader could read plain ``text`` as something other than a string."""
    return maybe_typed(text) and coerced(text)


def coerced(text: str) -> bool:
    """The full rules behind :func:`needs_quotes`, without its shortcut."""
    return yaml11_type(text) is not None or bool(_QUOTE_TOO.match(text))


def targets_of(target: str) -> tuple:
    """The readers a ``--target`` value stands for."""
    if target == "all":
        return TARGETS
    if target not in ALL_TARGETS:
        raise ValueError(f"unknown target {target!r}; choose one of {', '.join(TARGET_CHOICES)}")
    return (target,)


# --- what breaks each reader (used by ``check``) ---------------------------------------


def key_problems(name: str, target: str, top: bool = False, reserved: bool = True) -> list[str]:
    """Why ``target`` cannot expose key ``name`` as written (empty: it can).

    ``top``: a top-level key; ``reserved``: include wildcards-generator's reserved names.
    """
    found: list[str] = []
    if not name.strip():
        return ["an empty key names no wildcard anyone can reference"]
    if target == "dynamicprompts":
        bad = _chars(name, _DP_KEY_BREAKS)
        if bad:
            found.append(f"{bad} break the Dynamic Prompts wildcard parser")
        glob = _chars(name, _DP_KEY_GLOB)
        if glob:
            found.append(f"{glob} are glob characters in Dynamic Prompts wildcard names")
        if "__" in name:
            found.append("'__' ends a Dynamic Prompts wildcard")
        if ".." in name:
            found.append("Dynamic Prompts refuses '..' in wildcard names")
        if "/" in name:
            found.append("'/' splits the key into two wildcard path levels")
        if name.endswith("_"):
            found.append("a trailing '_' runs into the closing '__'")
        if top and name and name[0] in _DP_SAMPLERS:
            found.append(f"a leading {name[0]!r} is read as a Dynamic Prompts sampler")
    elif target in IMPACT_TARGETS:
        bad = "".join(sorted({c for c in name if not _IMPACT_KEY_OK.match(c)}))
        if bad:
            found.append(f"Impact Pack's __wildcard__ pattern cannot reference {_quote_chars(bad)}")
        if not name.isascii():
            found.append(_latin1(name))
        if "__" in name:
            found.append("'__' ends an Impact Pack wildcard")
        if name.endswith("_"):
            found.append("a trailing '_' runs into the closing '__'")
    elif target == "generator":
        if "/" in name:
            found.append("wildcards-generator splits key paths on '/'")
        if name == "__proto__":
            found.append("'__proto__' sets a JavaScript object's prototype instead of a key")
        if reserved and name in RESERVED_KEYS:
            found.append(f"{name!r} is a reserved key name in wildcards-generator")
    return found


# Whatever item_problems can object to starts here; an item without any is fine for every reader.
_ITEM_SUSPECT = re.compile(r"[#{}$%]|__|^[0-9]|[^\x00-\x7f]")


def _latin1(text: str) -> str:
    shown = "".join(sorted({c for c in text if not c.isascii()}))
    return f"Impact Pack reads the file as ISO-8859-1: {_quote_chars(shown)} turn into other characters"


def item_may_have_problems(text: str) -> bool:
    """False when :func:`item_problems` finds nothing for any target (the common case, checked fast)."""
    return _ITEM_SUSPECT.search(text) is not None


def item_problems(text: str, target: str, txt: bool = False) -> list[str]:
    """Why ``target`` would not sample item ``text`` literally (empty: it would).

    ``txt``: the item is a line of a ``.txt`` wildcard, where Dynamic Prompts reads no weight.
    """
    found: list[str] = []
    if target == "dynamicprompts":
        bad = _chars(text, _DP_ITEM_BREAKS)
        if bad:
            found.append(f"{bad} are Dynamic Prompts syntax ('#' truncates, '{{}}' expands, '$'/'%' start commands)")
        if "__" in text:
            found.append("'__' is a Dynamic Prompts wildcard reference")
        if dp_weight(text) and not txt:
            found.append("a leading 'N::' is read as a Dynamic Prompts weight")
    elif target in IMPACT_TARGETS:
        bad = _chars(text, _IMPACT_ITEM_BREAKS)
        if bad:
            found.append(f"{bad} are Impact Pack option syntax")
        if "__" in text:
            found.append("'__' is an Impact Pack wildcard reference")
        if dp_weight(text):
            found.append("a leading 'N::' is read as a weight by Impact Pack 8.x")
        if not text.isascii():
            found.append(_latin1(text))
    return found


_REFERENCE = re.compile(r"__[\w.\-+/*]+?__")  # __name__, __a/b__: a wildcard each reader expands


def intended_syntax(text: str, target: str) -> bool:
    """Whether what ``target`` reads as syntax in ``text`` is well-formed prompt syntax: balanced
    ``{a|b}`` options, ``__name__`` references, a leading ``N::`` weight, nothing else (no ``#``,
    ``$``, ``%``, no stray brace or ``__``). Such an item is what people write in their own
    wildcards; in a dataset's names, meant literally, it is still a finding."""
    if target == "dynamicprompts" and _chars(text, "#$%"):
        return False
    depth = 0
    for char in text:
        depth += (char == "{") - (char == "}")
        if depth < 0:
            return False
    if depth or "{}" in text:
        return False
    return "__" not in _REFERENCE.sub("", text) and (target == "generator" or text.isascii())


def dp_weight(text: str) -> bool:
    """Dynamic Prompts' own test: a digit first, '::' inside, a float before the last '::'."""
    if not text[:1].isdigit() or "::" not in text:
        return False
    try:
        float(text.rpartition("::")[0])
    except ValueError:
        return False
    return True


def collision_key(name: str, target: str) -> str:
    """Two sibling keys with the same collision key are one wildcard for ``target``.

    Dynamic Prompts compares names with ``fnmatch`` (case-insensitive on
    Windows, as are its ``.txt`` folders there); Impact Pack lowercases and
    turns spaces into '-'; wildcards-generator compares exactly.
    """
    if target == "generator":
        return name
    if target == "dynamicprompts":
        return name.casefold()
    if target in IMPACT_TARGETS:
        return name.replace("\\", "/").replace(" ", "-").lower()
    return name.replace(" ", "-").casefold()


# --- the writer's rewrites --------------------------------------------------------------


def _tidy(text: str) -> str:
    return _SPACES.sub(" ", text).strip(" -_,")


# Names that no rewrite changes, for any target: the common case, answered without the rules.
_SAFE_KEY = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9\-]| (?! ))*[A-Za-z0-9]|[A-Za-z0-9]")
_SAFE_ITEM = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.'\-]| (?! ))*[A-Za-z0-9.']|[A-Za-z0-9]")


def to_ascii(text: str) -> str:
    """``café`` -> ``cafe``, ``Ångström`` -> ``Angstrom``, ``Москва`` -> ``Moskva`` (anyascii: every
    script, no blanks left; chosen over NFKD, which empties non-Latin names)."""
    if text.isascii():
        return text
    from anyascii import anyascii

    return anyascii(text)


def wants_ascii(target: str, ascii: bool = False) -> bool:
    """Names are transliterated for ``--ascii`` and for every target that includes Impact Pack."""
    return ascii or bool(set(targets_of(target)) & set(IMPACT_TARGETS))


def clean_key(name: str, target: str = "all", key_style: str = "as-is", ascii: bool = False) -> str:
    """A key ``target`` accepts, in ``key_style``; unchanged when already fine."""
    if key_style in (None, "as-is") and _SAFE_KEY.fullmatch(name) and name.casefold() not in RESERVED_KEYS:
        return name
    return key_rules(name, target, key_style, ascii)


def key_rules(name: str, target: str = "all", key_style: str = "as-is", ascii: bool = False) -> str:
    """:func:`clean_key` without the shortcut for names no rule changes."""
    targets = set(targets_of(target))
    if ON_DEMAND in targets:
        targets.add("impact")
    text = to_ascii(name) if wants_ascii(target, ascii) else name
    if targets & {"dynamicprompts", "impact"}:
        text = text.replace("%", " percent ").replace("$", "S")
    if "impact" in targets:
        text = text.replace("&", " and ").replace("'", "").replace("\u2019", "")
        text = "".join(c if _IMPACT_OK.match(c) else " " for c in text)
    if "dynamicprompts" in targets:
        text = _DP_KEY_REWRITE.sub(" ", text)
        text = re.sub(r"\.{2,}", ".", text)
    if "generator" in targets:
        text = text.replace("/", " ")
    if targets & {"dynamicprompts", "impact"}:
        text = re.sub(r"_{2,}", "_", text)
    text = _tidy(text)
    if "dynamicprompts" in targets:
        text = text.lstrip(_DP_SAMPLERS + " -_,")
    text = apply_key_style(text, key_style) or "unnamed"
    if "generator" in targets and text.casefold() in RESERVED_KEYS:
        text = apply_key_style(f"{text.lstrip('_')} category", key_style)
    return text


def apply_key_style(name: str, key_style: str = "as-is") -> str:
    """``snake``: lower_case_with_underscores; ``kebab``: lower-case-with-hyphens."""
    if key_style in (None, "as-is"):
        return name
    if key_style == "snake":
        return re.sub(r"[\s_\-]+", "_", name.lower()).strip("_")
    if key_style == "kebab":
        return re.sub(r"[\s_\-]+", "-", name.lower()).strip("-")
    raise ValueError(f"unknown key style {key_style!r}; choose one of {', '.join(KEY_STYLES)}")


def clean_item(name: str, target: str = "all", ascii: bool = False) -> str:
    """An item ``target`` samples literally; unchanged when already fine."""
    if _SAFE_ITEM.fullmatch(name):
        return name
    return item_rules(name, target, ascii)


def item_rules(name: str, target: str = "all", ascii: bool = False) -> str:
    """:func:`clean_item` without the shortcut for names no rule changes."""
    targets = set(targets_of(target))
    if ON_DEMAND in targets:
        targets.add("impact")
    text = to_ascii(name) if wants_ascii(target, ascii) else name
    if "dynamicprompts" in targets:
        text = text.replace("%", " percent ").replace("$", "S")
        text = _DP_ITEM_REWRITE.sub(" ", text)
    if "impact" in targets:
        text = re.sub(r"[{}]", " ", text)
    if targets & {"dynamicprompts", "impact"}:
        text = re.sub(r"_{2,}", "_", text)
    text = _tidy(text)
    if targets & {"dynamicprompts", "impact"}:  # Impact Pack 8.x strips weights too
        text = _WEIGHT.sub("", text)
        if dp_weight(text):
            text = text.replace("::", " ")
        text = _tidy(text)
    if not text:
        fallback = name.strip()
        ok = fallback and not any(item_problems(fallback, t) for t in targets)
        text = fallback if ok else "unnamed"
    return text


def _chars(text: str, charset: str) -> str:
    found = "".join(c for c in charset if c in text)
    return _quote_chars(found) if found else ""


def _quote_chars(chars: str) -> str:
    return " ".join(repr(c) for c in chars)
