"""Smart-shaping presets: the built-in ones and the contract a dataset's own must meet.

A preset is a dict of settings. ``Dataset.presets`` may override settings of
a built-in preset for one dataset (``{"balanced": {"min_hyponyms": 30}}``) or
add a preset of its own, which must then set the three thresholds. Keys are
written as here or as on the command line (``min-depth``).
"""

from __future__ import annotations

import difflib
from typing import Any

# (min-depth, min-hyponyms, min-leaf), from most to least detailed.
BUILTIN: dict[str, dict[str, Any]] = {
    "ultra-detailed": {"min_depth": 8, "min_hyponyms": 5, "min_leaf": 1},
    "detailed": {"min_depth": 6, "min_hyponyms": 10, "min_leaf": 3},
    "balanced": {"min_depth": 4, "min_hyponyms": 50, "min_leaf": 5},
    "compact": {"min_depth": 3, "min_hyponyms": 100, "min_leaf": 8},
    "flat": {"min_depth": 2, "min_hyponyms": 500, "min_leaf": 10},
    "ultra-flat": {"min_depth": 1, "min_hyponyms": 1000, "min_leaf": 20},
}
DEFAULT = "balanced"
THRESHOLDS = ("min_depth", "min_hyponyms", "min_leaf")
# setting -> (meaning, kind); kind is "int>=0", "int>=1" or "bool"
KEYS: dict[str, tuple[str, str]] = {
    "min_depth": ("keep a node as a category when its WordNet minimum depth is at most this", "int>=0"),
    "min_hyponyms": ("keep a node as a category when it has at least this many descendants", "int>=0"),
    "min_leaf": ("merge lists shorter than this into the parent's other_<parent> list", "int>=1"),
    "merge_orphans": ("merge lists shorter than min_leaf upward", "bool"),
    "drop_self_items": ("drop an item identical to its own category's name", "bool"),
}
DEFAULT_FLAGS = {"merge_orphans": True, "drop_self_items": False}


class PresetError(ValueError):
    """A preset that breaks the contract; the message says which key and why."""


def normalise(preset: str, settings: Any) -> dict[str, Any]:
    """``settings`` with CLI spellings accepted and every value checked; raises :class:`PresetError`."""
    if not isinstance(settings, dict):
        raise PresetError(f"preset {preset!r} must be a dict of settings, not {type(settings).__name__}")
    out: dict[str, Any] = {}
    for raw_key, value in settings.items():
        key = str(raw_key).strip().lstrip("-").replace("-", "_")
        if key not in KEYS:
            close = difflib.get_close_matches(key, list(KEYS), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise PresetError(f"preset {preset!r}: unknown setting {raw_key!r}{hint}; known: {', '.join(KEYS)}")
        problem = type_problem(KEYS[key][1], value)
        if problem:
            raise PresetError(f"preset {preset!r}: {key} {problem}, got {value!r}")
        out[key] = value
    return out


def type_problem(kind: str, value: Any) -> str | None:
    """Why ``value`` is not of ``kind`` (``int>=0``, ``int>=1``, ``bool``), or None."""
    if kind == "bool":
        return None if isinstance(value, bool) else "must be true or false"
    if isinstance(value, bool) or not isinstance(value, int):
        return "must be an integer"
    low = int(kind[-1])
    return None if value >= low else f"must be >= {low}"


def check_dataset_presets(presets: Any) -> dict[str, dict[str, Any]]:
    """A dataset's ``presets`` normalised; a new preset name must set every threshold."""
    if not isinstance(presets, dict):
        raise PresetError(f"presets must be a dict of {{name: settings}}, not {type(presets).__name__}")
    out = {}
    for name, settings in presets.items():
        if not isinstance(name, str) or not name.strip() or name != name.strip().lower() or " " in name:
            raise PresetError(f"preset name {name!r} must be a lower-case word such as 'detailed' or 'my-preset'")
        values = normalise(name, settings)
        missing = [k for k in THRESHOLDS if k not in values]
        if name not in BUILTIN and missing:
            raise PresetError(
                f"new preset {name!r} must set {', '.join(missing)} (only built-in presets may be overridden in part)"
            )
        out[name] = values
    return out


def names(dataset: Any = None) -> list[str]:
    """The built-in preset names, then the dataset's own, most to least detailed as declared."""
    own = [n for n in (getattr(dataset, "presets", None) or {}) if n not in BUILTIN]
    return list(BUILTIN) + own


def values(name: str, dataset: Any = None) -> dict[str, Any]:
    """A preset's full settings for ``dataset`` (its overrides applied)."""
    own = getattr(dataset, "presets", None) or {}
    if name not in BUILTIN and name not in own:
        from wildcards_gen.errors import UsageError

        raise UsageError(f"unknown preset {name!r} (choose from {', '.join(names(dataset))})")
    return {**DEFAULT_FLAGS, **BUILTIN.get(name, {}), **own.get(name, {})}
