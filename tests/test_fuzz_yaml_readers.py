"""Property-based fuzzing of the YAML readers (issue 16): a clean result or a clean error, never a crash.

Texts come from two sources: fragments of YAML syntax glued at random (anchors,
aliases, merge keys, tags, quotes, comments, document markers, odd characters),
and real wildcard trees dumped by PyYAML and then cut and spliced. For each,
``compose`` gives a tree or a :class:`YAMLProblem`; ``check_text`` always gives
a report; ``load`` a wildcard file or a one-line ``UsageError``; and the reader
agrees with PyYAML (the readers' own library) on what is valid YAML, apart
from the limits it adds on purpose. A few examples go through the real CLI
under time and memory limits. ``WILDCARDS_GEN_FUZZ_EXAMPLES=N`` runs more.
"""

from __future__ import annotations

import yaml
from hypothesis import given
from hypothesis import strategies as st

from wildcards_gen.commands.check import check_text
from wildcards_gen.errors import UsageError
from wildcards_gen.testing import assert_clean_exit, fuzz_settings, run_bounded
from wildcards_gen.wildcard_file import load
from wildcards_gen.yaml_input import YAMLProblem, compose

FRAGMENTS = [
    "a", "cats", "b: c", "k:", "- x", "- ", ": ", "? ", "&a ", "&b ", "*a", "*b", "<<: *a", "<<: [*a, *b]",
    "!!omap", "!!str ", "!!python/object:os.system ", "! ", "[", "]", "{", "}", ", ", "#", "  # instruction: a thing",
    "'", '"', "''", "|", ">-", "\n", "\n  ", "\n    ", "  ", "\t", "---", "...", "%YAML 1.1\n", "%TAG ! !x\n",
    "~", "null", "yes", "No", "0o17", "1e3", "2024-01-01", ".inf", "\ufeff", "é", "日本", "__x__", "{a|b}",
    "\\", "\\x00", "\r\n", "\x85", "\u2028", "@", "`", "%", "=",
]  # fmt: skip

glued = st.lists(st.sampled_from(FRAGMENTS), max_size=60).map("".join)

names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=12)
trees = st.recursive(
    st.lists(names, max_size=6),
    lambda children: st.dictionaries(names, children, max_size=5),
    max_leaves=30,
)


@st.composite
def spliced(draw) -> str:
    """A dumped wildcard tree, then cut, spliced with a fragment or repeated in part."""
    text = yaml.safe_dump(
        draw(st.dictionaries(names, trees, min_size=1, max_size=4)),
        allow_unicode=draw(st.booleans()),
        default_flow_style=draw(st.sampled_from([False, True, None])),
    )
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        how = draw(st.sampled_from(["cut", "insert", "repeat"]))
        if how == "cut":
            text = text[:at] + text[draw(st.integers(at, len(text))) :]
        elif how == "insert":
            text = text[:at] + draw(st.sampled_from(FRAGMENTS)) + text[at:]
        else:
            text = text[:at] + text[at : at + draw(st.integers(0, 40))] + text[at:]
    return text


texts = st.one_of(glued, spliced())

# What the reader refuses on purpose that PyYAML's composer would take.
OWN_LIMITS = ("aliases expand", "recursive alias", "nests deeper", "merge key")


def pyyaml_composes(text: str) -> bool:
    """Whether libyaml (through PyYAML, as the reader uses it) composes ``text``."""
    try:
        yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return False
    except RecursionError:
        return False
    return True


@fuzz_settings()
@given(texts)
def test_compose_gives_a_tree_or_a_positioned_problem(text):
    try:
        compose(text, "fuzz.yaml", "wildcard file")
    except YAMLProblem as exc:
        assert str(exc).startswith("fuzz.yaml"), str(exc)
        assert "\n" not in str(exc)
        if pyyaml_composes(text):  # PyYAML takes it: only the reader's own limits may refuse it
            assert any(limit in exc.problem for limit in OWN_LIMITS), exc.problem
    else:
        assert pyyaml_composes(text), "the reader took a text PyYAML refuses"


@fuzz_settings()
@given(texts)
def test_check_always_reports(text):
    problems = check_text(text, "fuzz.yaml")
    for problem in problems:
        assert problem.line >= 1 and problem.code
        assert "\n" not in problem.format()


@fuzz_settings()
@given(texts)
def test_load_gives_a_wildcard_file_or_a_usage_error(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        wfile = load(path)
    except UsageError as exc:
        assert "\n" not in str(exc)
        return
    for leaf in wfile.leaves:
        assert leaf.path and len(leaf.items) == len(leaf.item_lines)


@fuzz_settings(max_examples=6)
@given(texts)
def test_cli_check_and_lint_end_cleanly(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("fuzz-cli") / "fuzz.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    for args in (["check", path], ["lint", "--no-outliers", path]):
        assert_clean_exit(run_bounded(args, seconds=60, mib=1024))
