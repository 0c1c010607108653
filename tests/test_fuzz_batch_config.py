"""Fuzzing the batch manifest and ``--smart-config`` readers: any YAML ends well.

Random structures of mappings, lists and scalars of every type YAML can make
(text with NULs, numbers, NaN, booleans, nulls, dates, ``!!binary``,
``!!set``, ``!!omap``, merge keys), under the keys the readers know and
others, written to a file and read by the real commands: each either works or
exits with a clean one-line error, never a traceback, an internal error or a
hang. Most examples run the CLI in-process (``batch --dry-run``; the config
loader, then a small ``dataset`` run); a few run it as a child process under
time and memory limits (:func:`wildcards_gen.testing.run_bounded`).
"""

from __future__ import annotations

import collections
import io
import json

from hypothesis import given, reject
from hypothesis import strategies as st

from wildcards_gen.errors import WildcardsError
from wildcards_gen.testing import assert_clean_exit, fuzz_settings, run_bounded

# -- values of every kind YAML can make --------------------------------------------------------

TEXT = st.one_of(
    st.text(max_size=10),
    st.sampled_from(
        ["imagenet", "dog.n.01", "n02084071", "corgi", "compact", "out.yaml", "a/b.yaml", "", " ", "-", "x\0y"]
        + [".", "..", "/", "~", "*", "true", "null", "1e3", "dog\n", "\u00e9", "<<"]
    ),
)
SCALARS = st.one_of(
    TEXT,
    st.integers(-3, 12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.dates(),
    st.binary(max_size=4),
)
KEYS = st.one_of(TEXT, st.integers(-1, 3), st.booleans(), st.none())


def with_exotic(inner):
    return st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(KEYS, inner, max_size=3),
        st.sets(st.integers(0, 3), max_size=2),
        st.dictionaries(TEXT, inner, max_size=2).map(lambda d: collections.OrderedDict(d)),  # !!omap
    )


VALUES = st.recursive(SCALARS, with_exotic, max_leaves=6)


def dump(data) -> str:
    """YAML text for ``data`` (a Python structure); examples YAML cannot write are dropped."""
    from ruamel.yaml import YAML

    out = io.StringIO()
    try:
        YAML(typ="safe", pure=True).dump(data, out)
    except Exception:
        reject()
    return out.getvalue()


# -- batch manifests ---------------------------------------------------------------------------

OPTIONS = ["root", "depth", "exclude-regex", "smart", "preset", "glosses", "min_leaf", "filter", "class-list"]
OPTIONS += ["workers", "stats", "format", "exclude-subtree", "semantic-clean", "unknown-option"]
OPTION_VALUES = st.one_of(
    st.sampled_from(["dog.n.01", "compact", 2, True, ["toy", "lap"], "1k"]),
    SCALARS,
    st.lists(SCALARS, max_size=3),
    VALUES,
)


@st.composite
def tasks(draw):
    task: dict = {}
    kind = draw(st.integers(0, 9))  # mostly a real dataset, so the options get checked too
    if kind < 7:
        task["dataset"] = "imagenet"
    elif kind < 9:
        task["dataset"] = draw(VALUES)
    for key in draw(st.lists(st.sampled_from(["name", "output"] + OPTIONS), max_size=4, unique=True)):
        task[key] = draw(st.sampled_from([f"{key}.yaml"]) if key == "output" and draw(st.booleans()) else OPTION_VALUES)
    if draw(st.booleans()):
        good = st.sampled_from([[1, 2], ["compact", "flat"], [True, False], ["dog.n.01", "cat.n.01"], [["a"], []]])
        task["matrix"] = draw(
            st.one_of(
                st.dictionaries(
                    st.sampled_from(
                        ["depth", "preset", "glosses", "root", "exclude-regex"] + OPTIONS + ["output", "name"]
                    ),
                    st.one_of(good, st.lists(OPTION_VALUES, max_size=3)),
                    min_size=1,
                    max_size=3,
                ),
                VALUES,
            )
        )
    if draw(st.integers(0, 4)) == 4:
        task.update(draw(st.dictionaries(KEYS, VALUES, max_size=1)))
    return task


MANIFESTS = st.one_of(
    st.lists(tasks(), min_size=1, max_size=3),
    st.fixed_dictionaries(
        {"tasks": st.one_of(st.lists(tasks(), max_size=3), VALUES)},
        optional={"defaults": st.one_of(st.dictionaries(st.sampled_from(OPTIONS), OPTION_VALUES, max_size=2), VALUES)},
    ),
    VALUES,
)


@st.composite
def merged_manifests(draw) -> str:
    """A task list whose second task merges the first (``<<: *t``) and adds keys of its own."""
    first = draw(tasks())
    extra = draw(st.dictionaries(st.sampled_from(["output", "root", "depth", "name"]), st.integers(0, 3), max_size=2))
    try:
        head = json.dumps(first, default=str)  # JSON is YAML's flow style
    except (TypeError, ValueError):
        reject()
    lines = [f"- &t {head}", "- <<: *t"] + [f"  {k}: {v}" for k, v in extra.items()]
    return "\n".join(lines) + "\n"


MANIFEST_TEXTS = st.one_of(MANIFESTS.map(dump), merged_manifests())


@fuzz_settings()
@given(text=MANIFEST_TEXTS)
def test_any_manifest_dry_runs_or_fails_in_one_line(cli, tmp_path, text):
    manifest = tmp_path / "manifest.yaml"
    manifest.write_text(text, encoding="utf-8")
    result = cli("batch", manifest, "--dry-run", "--max-tasks", "200")
    assert result.exit_code in (0, 1, 2), result.output
    assert "internal error" not in result.stderr.lower() and "Traceback" not in result.output, result.stderr
    if result.exit_code:  # each problem on a line of its own (FILE:LINE: ...), and maybe a last Error: line
        lines = result.stderr.strip().splitlines()
        assert lines and all(line.startswith(("Error: ", f"{manifest}")) for line in lines), result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.yaml"]  # a dry run writes nothing


@fuzz_settings(max_examples=4)
@given(text=MANIFEST_TEXTS)
def test_any_manifest_in_a_child_process_ends_cleanly(tmp_path_factory, text):
    folder = tmp_path_factory.mktemp("manifest")
    manifest = folder / "manifest.yaml"
    manifest.write_text(text, encoding="utf-8")
    assert_clean_exit(run_bounded(["batch", manifest, "--dry-run"], seconds=60))
    assert sorted(p.name for p in folder.iterdir()) == ["manifest.yaml"]


# -- --smart-config files ----------------------------------------------------------------------

SETTINGS = ["preset", "min_depth", "min_hyponyms", "min_leaf", "merge_orphans", "drop_self_items", "skip"]
SETTING_VALUES = st.one_of(
    st.sampled_from(["compact", "flat", 0, 1, 3, True, False, None, "many"]), SCALARS, st.lists(SCALARS, max_size=2)
)
CONFIG_KEYS = st.one_of(st.sampled_from(["dog", "corgi", "n02084071", "corgi.n.01", "nosuch.n.01", " ", ""]), KEYS)
ENTRIES = st.one_of(
    st.dictionaries(st.one_of(st.sampled_from(SETTINGS), KEYS), SETTING_VALUES, max_size=3),
    st.none(),
    st.dictionaries(st.sampled_from(SETTINGS), SETTING_VALUES, max_size=2).map(lambda d: collections.OrderedDict(d)),
    VALUES,
)
CONFIGS = st.one_of(st.dictionaries(CONFIG_KEYS, ENTRIES, max_size=3), VALUES)


@st.composite
def merged_configs(draw) -> str:
    """``base: &b {...}`` merged into an entry (``<<: *b``), or an ``!!omap`` at the top."""
    base = draw(st.dictionaries(st.sampled_from(SETTINGS), st.sampled_from([0, 2, True, False, "compact", None])))
    key = draw(st.sampled_from(["corgi", "dog", "n02084071"]))
    own = draw(st.dictionaries(st.sampled_from(SETTINGS), st.sampled_from([1, False, "flat"]), max_size=2))
    if draw(st.booleans()):
        lines = [f"base: &b {json.dumps(base)}", f"{key}:", "  <<: *b"] + [
            f"  {k}: {json.dumps(v)}" for k, v in own.items()
        ]
    else:
        lines = ["!!omap", f"- {key}: {json.dumps(base)}"]
    return "\n".join(lines) + "\n"


CONFIG_TEXTS = st.one_of(CONFIGS.map(dump), merged_configs())


@fuzz_settings()
@given(text=CONFIG_TEXTS)
def test_any_smart_config_loads_or_fails_in_one_line(tmp_path, text):
    from wildcards_gen.shaping.config import load_config

    config = tmp_path / "config.yaml"
    config.write_text(text, encoding="utf-8")
    try:
        loaded = load_config(config)
    except WildcardsError as exc:
        assert "\n" not in str(exc) and str(exc).startswith(str(config))
        return
    assert isinstance(loaded, dict)
    for settings in loaded.values():
        assert set(settings) <= set(SETTINGS)
        assert all(type(v) in (bool, int, str) for v in settings.values())  # plain types, checked


@fuzz_settings(max_examples=10)
@given(text=CONFIG_TEXTS)
def test_a_small_run_with_any_smart_config_ends_cleanly(cli, tmp_path, wn, text):
    config, out = tmp_path / "config.yaml", tmp_path / "corgis.yaml"
    config.write_text(text, encoding="utf-8")
    result = cli("dataset", "imagenet", "--root", "corgi.n.01", "--smart", "--smart-config", config, "-o", out)
    assert result.exit_code in (0, 1, 2), result.output
    assert "internal error" not in result.stderr.lower() and "Traceback" not in result.output, result.stderr
    if result.exit_code:
        assert result.stderr.strip().splitlines()[-1].startswith("Error: "), result.stderr


@fuzz_settings(max_examples=3)
@given(text=CONFIG_TEXTS)
def test_a_smart_config_in_a_child_process_ends_cleanly(tmp_path_factory, text):
    folder = tmp_path_factory.mktemp("config")
    config = folder / "config.yaml"
    config.write_text(text, encoding="utf-8")
    args = ["dataset", "imagenet", "--root", "corgi.n.01", "--smart", "--smart-config", config, "-o", folder / "o.yaml"]
    assert_clean_exit(run_bounded(args, seconds=60))
