"""Fuzzing ``--annotations``: any JSON document or byte string gives categories or a one-line error, never a crash.

Documents are COCO-shaped JSON with random values in every field (and random JSON in
place of any part); bytes are real documents cut and spliced. A few go through the real
CLI under time and memory limits, which must end cleanly and write a clean file or nothing.
``WILDCARDS_GEN_FUZZ_EXAMPLES=N`` runs more.
"""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from wildcards_gen import DataError, UsageError
from wildcards_gen.testing import assert_clean_exit, assert_wildcards_clean, fuzz_settings, run_bounded
from wildcards_gen_coco import annotation_file
from wildcards_gen_coco.table import Category

words = st.sampled_from(
    [
        "dog",
        "mouse",
        "wall-other",
        "floor-wood",
        "none",
        "",
        " ",
        "x" * 201,
        "{a|b}",
        "é",
        "a\nb",
        "--other",
        "floor--",
        "-stuff",
        "wall-other-merged",
    ]
)
texts = st.one_of(words, st.text(max_size=12))
scalars = st.one_of(st.none(), st.booleans(), st.integers(-(10**6), 10**6), st.floats(allow_nan=False), texts)
anything = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3))
entry = st.fixed_dictionaries(
    {},
    optional={
        "id": st.one_of(st.integers(0, 20), anything),
        "name": st.one_of(words, anything),
        "supercategory": st.one_of(words, anything),
    },
)
documents = st.one_of(
    st.fixed_dictionaries({"categories": st.lists(st.one_of(entry, anything), max_size=8)}),
    anything,
)


@fuzz_settings()
@given(documents)
def test_any_document_gives_categories_or_a_data_error(document):
    try:
        found = annotation_file.categories(document, "ann.json")
    except DataError as exc:
        assert str(exc).startswith("ann.json") and "\n" not in str(exc)
        return
    assert found and all(isinstance(c, Category) and c.name for c in found)
    assert len({c.id for c in found}) == len(found)


@fuzz_settings()
@given(st.binary(max_size=200) | documents.map(lambda d: json.dumps(d).encode()))
def test_any_bytes_give_categories_or_a_one_line_error(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "ann.json"
    path.write_bytes(data)
    try:
        annotation_file.read(path)
    except (DataError, UsageError) as exc:
        assert "\n" not in str(exc)


plausible = st.fixed_dictionaries(
    {"id": st.integers(0, 20), "name": texts}, optional={"supercategory": st.one_of(st.none(), texts)}
)


@fuzz_settings(max_examples=8)
@given(st.fixed_dictionaries({"categories": st.lists(st.one_of(plausible, entry), min_size=1, max_size=6)}))
def test_the_cli_ends_cleanly_and_writes_a_clean_file_or_nothing(tmp_path_factory, document):
    folder = tmp_path_factory.mktemp("fuzzcli")
    (folder / "ann.json").write_text(json.dumps(document), encoding="utf-8")
    out = folder / "out.yaml"
    result = run_bounded(["-q", "dataset", "coco", "--annotations", folder / "ann.json", "-o", out], seconds=120)
    assert_clean_exit(result)
    if result.returncode == 0:
        assert_wildcards_clean(out, "all")
    else:
        assert not out.exists() and len(result.stderr.decode().strip().splitlines()) == 1
