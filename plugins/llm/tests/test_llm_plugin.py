"""The plugin as installed: entry points, commands in the CLI, lazy imports, the answer checks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from wildcards_gen_llm import validate
from wildcards_gen_llm.gguf_json import bounded

BIN = Path(sys.executable).parent


def test_found_through_its_entry_points_with_its_commands_and_arranger(llm_home):
    done = subprocess.run([str(BIN / "wildcards-gen"), "plugins", "--json"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    entry = next(p for p in json.loads(done.stdout)["plugins"] if p["name"] == "llm")
    assert entry["distribution"] == "wildcards-gen-llm"
    assert entry["commands"] == ["llm"] and entry["arrangers"] == ["llm"]
    (llm_home / "gguf").mkdir()
    (llm_home / "gguf" / "models.json").write_text(
        json.dumps({"tiny": {"path": "/nowhere/tiny.gguf", "aliases": ["t"]}})
    )
    done = subprocess.run([str(BIN / "llm"), "models", "list"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "GgufJsonModel: gguf-json/tiny (aliases: t-json)" in done.stdout


def test_the_llm_commands_import_neither_llm_nor_numpy_until_they_run():
    probe = (
        "import sys\nfrom wildcards_gen.cli import run\nrun(['llm', 'create', '--help'])\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'llm', 'numpy', 'llama_cpp', 'openai'}))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "--topic" in done.stdout and done.stdout.strip().endswith("[]")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "the answer was empty; answer with one JSON object"),
        ("no json here", "the answer is not JSON: no json here"),
        ('{"groups": [{"name": 3, "terms": []}]}', "$.groups[0].name: expected string, got int"),
        ('{"groups": [{"name": "a"}]}', "$.groups[0]: missing 'terms'"),
        ('{"groups": []}', "$.groups: at least 1 entries expected, got 0"),
        ('{"groups": [{"name": true, "terms": []}]}', "$.groups[0].name: expected string, got a boolean"),
    ],
)
def test_answers_of_the_wrong_shape_are_refused_with_where_and_why(text, problem):
    schema = {
        "type": "object",
        "properties": {
            "groups": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "properties": {"name": {"type": "string"}, "terms": {"type": "array", "items": {"enum": ["x"]}}},
                    "required": ["name", "terms"],
                },
            }
        },
        "required": ["groups"],
    }
    with pytest.raises(validate.Invalid) as caught:
        validate.read(text, schema)
    assert str(caught.value) == problem


def test_json_is_found_in_prose_and_fences_and_enums_only_guide():
    schema = {"type": "object", "properties": {"t": {"type": "array", "items": {"type": "string", "enum": ["a"]}}}}
    assert validate.read('Sure:\n```json\n{"t": ["a", "zz"]}\n```', schema) == {"t": ["a", "zz"]}


def test_grammars_get_bounds_that_hosted_schemas_do_not_need():
    schema = {
        "type": "object",
        "properties": {"n": {"type": "string"}, "l": {"type": "array", "items": {"enum": ["a"]}}},
    }
    assert bounded(schema)["properties"] == {
        "n": {"type": "string", "maxLength": 120},
        "l": {"type": "array", "items": {"enum": ["a"]}, "maxItems": 64},
    }
    assert "maxLength" not in schema["properties"]["n"]
