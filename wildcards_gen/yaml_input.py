"""Reading YAML inputs (manifests, smart configs, wildcard files) with one-line, positioned errors."""

from __future__ import annotations

from pathlib import Path

from wildcards_gen.errors import UsageError


def read_text(path, what: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read the {what}: {exc}") from None


def parse(text: str, path, what: str, yaml=None):
    """Round-trip data (nodes carry ``.lc`` positions); errors say ``FILE:LINE:COLUMN``."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError

    yaml = yaml or YAML(typ="rt")
    try:
        return yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise UsageError(f"{where}: the {what} is not valid YAML: {exc.problem or exc.context}") from None
    except Exception as exc:  # ruamel raises several other types; one line is enough
        raise UsageError(f"{path}: the {what} is not valid YAML: {' '.join(str(exc).split())}") from None


def read_yaml(path, what: str, yaml=None):
    return parse(read_text(path, what), path, what, yaml)


def compose(text: str):
    """The ruamel.yaml node tree of ``text`` (keys, items, marks, styles; duplicate keys kept)."""
    from ruamel.yaml import YAML

    return YAML().compose(text)
