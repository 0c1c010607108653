"""The fast YAML serializer writes exactly the bytes ruamel.yaml's emitter writes."""

from __future__ import annotations

import pytest

from wildcards_gen import pipeline, sanitize, writer, yaml_emit
from wildcards_gen.cli import dataset_command
from wildcards_gen.model import Category
from wildcards_gen.plugins import get_registry

NASTY = [
    "plain",
    "Cooper's hawk",
    "'quoted",
    'say "hi"',
    "a: b",
    "a #b",
    "-dash",
    "? question",
    ": colon",
    "yes",
    "No",
    "null",
    "~",
    "1920",
    "3.14",
    "1e3",
    "0o17",
    "0x1F",
    ".inf",
    "2001-12-14",
    "@at",
    "`tick",
    "trailing space ",
    " leading",
    "café crème",
    "naïve",
    "東京",
    "emoji 🐶",
    "tab\there",
    "back\\slash",
    "percent % sign",
    "{brace}",
    "[bracket]",
    "a, b",
    "&anchor",
    "*alias",
    "!tag",
    "|pipe",
    ">fold",
    "=",
    "<<",
    "x" * 200,
]


def categories_with(names):
    leaves = [Category(n, instruction=f"gloss of {n}", items=[n, "ok"]) for n in names]
    return [Category("root", instruction="the root", children=leaves, items=[])]


@pytest.mark.parametrize("name", NASTY)
def test_same_bytes_as_ruamel_for_awkward_strings(name):
    cats = categories_with([name])
    assert writer.render_yaml(cats) == writer.render_yaml(cats, emitter="ruamel")


def build(name, args):
    registry = get_registry()
    ctx = dataset_command(registry.datasets[name]).make_context(name, [str(a) for a in args])
    options = {k: v for k, v in ctx.params.items() if k not in ("output", "fmt", "stats_file")}
    return pipeline.build(registry.datasets[name], options, registry, quiet=True)[0]


@pytest.mark.parametrize("which", ["tencent-smart", "tencent-depth4", "imagenet-21k-depth4"])
def test_same_bytes_as_ruamel_on_real_outputs(shared_data, which):
    tencent = ["--hierarchy-file", shared_data / "tencent" / "dictionary_and_semantic_hierarchy.txt"]
    args = {
        "tencent-smart": ("tencent", tencent + ["--smart"]),
        "tencent-depth4": ("tencent", tencent + ["--depth", "4"]),
        "imagenet-21k-depth4": (
            "imagenet",
            [
                "--root",
                "entity.n.01",
                "--depth",
                "4",
                "--class-list",
                shared_data / "imagenet" / "imagenet21k_goog_synsets.txt",
            ],
        ),
    }[which]
    cats = build(*args)
    from io import StringIO

    fast = StringIO()
    yaml_emit.dump(cats, fast)  # must not fall back
    assert fast.getvalue() == writer.render_yaml(cats, emitter="ruamel")


def test_shortcut_strings_are_plain_for_ruamel(wn):
    """Every WordNet lemma (and its other_ label) the fast path writes plain, ruamel's analysis writes plain too."""
    rows = wn._db().execute("SELECT lemmas FROM synset").fetchall()
    names = {name for (text,) in rows for name in text.split("\t")}
    names |= {f"other_{name}" for name in names}
    scalars = yaml_emit._Scalars()
    plain = 0
    for name in sorted(names):
        if yaml_emit._SURELY_PLAIN.fullmatch(name) and name.lower() not in sanitize.COERCED_WORDS:
            plain += 1
            assert scalars._style(name, True) == "" and scalars._style(name, False) == "", name
    assert plain > 200_000
