"""Malformed or unusable files: one line naming FILE:LINE (CSV) or FILE: json path, non-zero exit, nothing written."""

from __future__ import annotations

import json
import os

import pytest
from openimages_reference import CLASSES, HIERARCHY


@pytest.fixture(scope="module")
def real(shared_data):
    return json.loads((shared_data / HIERARCHY).read_text(encoding="utf-8")), (shared_data / CLASSES).read_text(
        encoding="utf-8"
    )


def run_bad(cli, tmp_path, *args):
    out = tmp_path / "out.yaml"
    stats = tmp_path / "stats.json"
    result = cli("dataset", "openimages", *args, "-o", out, "--stats", stats)
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert not out.exists() and not stats.exists()
    assert not list(tmp_path.glob(".out.yaml*")), "a temporary output file was left behind"
    message = result.stderr.strip()
    assert message.startswith("Error: ") and len(message.splitlines()) == 1, message
    return message


def boxable(cli, tmp_path, shared_data, hierarchy=None, classes=None):
    """Run with a hierarchy (JSON value or text) and/or class list (text) of the test's, else the shared ones."""
    args = []
    if hierarchy is None:
        args += ["--hierarchy-file", shared_data / HIERARCHY]
    else:
        path = tmp_path / "hierarchy.json"
        path.write_text(hierarchy if isinstance(hierarchy, str) else json.dumps(hierarchy, indent=1), encoding="utf-8")
        args += ["--hierarchy-file", path]
    if classes is None:
        args += ["--classes-file", shared_data / CLASSES]
    else:
        path = tmp_path / "classes.csv"
        path.write_bytes(classes if isinstance(classes, bytes) else classes.encode("utf-8"))
        args += ["--classes-file", path]
    return args


# -- the class list (CSV) ----------------------------------------------------------------


def edit_line(text: str, lineno: int, new: str) -> str:
    lines = text.split("\n")
    lines[lineno - 1] = new
    return "\n".join(lines)


CSV_CASES = {
    "three columns": (10, "/m/0bt9lr,Dog,extra", ["expected 2 columns (id, display name), found 3"]),
    "one column": (11, "/m/0bt9lr", ["expected 2 columns", "found 1"]),
    "bad id": (12, "dog,Dog", ["expected an id like /m/0bt9lr", "'dog'"]),
    "empty name": (13, "/m/0zzzzz, ", ["display name of /m/0zzzzz is empty"]),
    "repeated id": (14, "/m/011k07,Tortoise again", ["/m/011k07 is listed twice (first on line 2)"]),
    "unknown header": (1, "id,name", ["expected an id like /m/0bt9lr or a header line"]),
    "bad quoting": (15, '/m/0zzzzz,"Dog"s', ["not a valid CSV line"]),
}


@pytest.mark.parametrize("case", list(CSV_CASES))
def test_bad_csv_line(cli, tmp_path, shared_data, real, case):
    lineno, new, words = CSV_CASES[case]
    _, text = real
    args = boxable(cli, tmp_path, shared_data, classes=edit_line(text, lineno, new))
    message = run_bad(cli, tmp_path, *args)
    assert f"classes.csv:{lineno}:" in message and all(w in message for w in words), message


def test_csv_not_utf8(cli, tmp_path, shared_data, real):
    _, text = real
    data = edit_line(text, 20, "/m/0zzzzz,Caf\udce9").encode("utf-8", "surrogateescape")
    message = run_bad(cli, tmp_path, *boxable(cli, tmp_path, shared_data, classes=data))
    assert "classes.csv:20: not UTF-8 text" in message


def test_csv_empty(cli, tmp_path, shared_data):
    message = run_bad(cli, tmp_path, *boxable(cli, tmp_path, shared_data, classes="label,class\n\n"))
    assert "classes.csv: no classes in the file" in message


def test_csv_header_optional_and_quoted_names(cli, tmp_path, shared_data, real):
    """No header (as Google publishes it), CRLF line ends, a quoted name with a comma: all read alike."""
    _, text = real
    body = text.split("\n", 1)[1].replace("/m/0bt9lr,Dog", '/m/0bt9lr,"Dog, domestic"').replace("\n", "\r\n")
    out = tmp_path / "ok.yaml"
    args = boxable(cli, tmp_path, shared_data, classes=body)
    result = cli("dataset", "openimages", *args, "-o", out)
    assert result.exit_code == 0, result.output
    assert "- Dog, domestic" in out.read_text(encoding="utf-8")


def test_a_class_without_a_name(cli, tmp_path, shared_data, real):
    _, text = real
    without = "\n".join(line for line in text.split("\n") if not line.startswith("/m/0bt9lr,"))
    message = run_bad(cli, tmp_path, *boxable(cli, tmp_path, shared_data, classes=without))
    assert "/m/0bt9lr has no display name in" in message and "$.Subcategory[" in message


# -- the hierarchy (JSON) ----------------------------------------------------------------


def test_not_json(cli, tmp_path, shared_data):
    message = run_bad(cli, tmp_path, *boxable(cli, tmp_path, shared_data, hierarchy='{\n  "LabelName": "/m/0bl9f",\n}'))
    assert "hierarchy.json:3:1: not valid JSON" in message


def mutated(real, change):
    tree = json.loads(json.dumps(real[0]))
    change(tree)
    return tree


JSON_CASES = {
    "root a list": (lambda t: None, ["$: expected an object with a LabelName, found a list"]),
    "no LabelName": (
        lambda t: t["Subcategory"][3]["Subcategory"][1].pop("LabelName"),
        ["$.Subcategory[3].Subcategory[1].LabelName: expected an id like /m/0bt9lr, found none"],
    ),
    "bad id": (
        lambda t: t["Subcategory"][2].update(LabelName="Light bulb"),
        ["$.Subcategory[2].LabelName: 'Light bulb' is not an id"],
    ),
    "kinds not a list": (
        lambda t: t["Subcategory"][3].update(Subcategory={"LabelName": "/m/0167gd"}),
        ["$.Subcategory[3].Subcategory: expected a list of classes, found an object"],
    ),
    "unknown key": (lambda t: t["Subcategory"][0].update(Parts=[]), ["$.Subcategory[0]: unexpected key 'Parts'"]),
    "a class inside itself": (
        lambda t: t["Subcategory"][3]["Subcategory"][0].update(Subcategory=[{"LabelName": "/m/0138tl"}]),
        ["$.Subcategory[3].Subcategory[0].Subcategory[0]: /m/0138tl is its own ancestor"],
    ),
}


@pytest.mark.parametrize("case", list(JSON_CASES))
def test_bad_json_shape(cli, tmp_path, shared_data, real, case):
    change, words = JSON_CASES[case]
    tree = [real[0]] if case == "root a list" else mutated(real, change)
    message = run_bad(cli, tmp_path, *boxable(cli, tmp_path, shared_data, hierarchy=tree))
    assert "hierarchy.json: " in message and all(w in message for w in words), message


def test_json_nested_too_deeply(cli, tmp_path, shared_data):
    deep = '{"LabelName": "/m/0bl9f", "Subcategory": [' * 50_000 + "]}" * 50_000
    message = run_bad(cli, tmp_path, *boxable(cli, tmp_path, shared_data, hierarchy=deep))
    assert "hierarchy.json" in message and ("nested too deeply" in message or "its own ancestor" in message)


# -- files that are not files --------------------------------------------------------------


def test_a_folder_or_a_fifo_is_refused(cli, tmp_path, shared_data):
    message = run_bad(cli, tmp_path, "--hierarchy-file", tmp_path, "--classes-file", shared_data / CLASSES)
    assert "is a folder; give a regular file" in message
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    message = run_bad(cli, tmp_path, "--hierarchy-file", shared_data / HIERARCHY, "--classes-file", fifo)
    assert "is a FIFO" in message


def test_missing_file(cli, tmp_path, shared_data):
    message = run_bad(cli, tmp_path, "--hierarchy-file", tmp_path / "nope.json")
    assert "nope.json: cannot read the Open Images boxable class hierarchy" in message


def test_larger_than_the_input_limit(cli, tmp_path, shared_data, monkeypatch):
    monkeypatch.setenv("WILDCARDS_GEN_MAX_INPUT_MB", "0.05")  # the hierarchy is 89 kB
    message = run_bad(cli, tmp_path, *boxable(cli, tmp_path, shared_data))
    assert "hierarchy" in message and "is larger than" in message and "raise WILDCARDS_GEN_MAX_INPUT_MB" in message


def test_labels_all_bad_descriptions(cli, tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("LabelName,DisplayName\n/m/0bt9lr,Dog\n/g/11b,\n", encoding="utf-8")
    message = run_bad(cli, tmp_path, "--labels", "all", "--descriptions-file", path)
    assert f"{path}:3: the display name of /g/11b is empty" in message


def test_unknown_root(cli, tmp_path, shared_data):
    message = run_bad(cli, tmp_path, *boxable(cli, tmp_path, shared_data), "--root", "Persn")
    assert "--root 'Persn'" in message and "did you mean: Person" in message
