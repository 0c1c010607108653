"""Malformed hierarchy files: one clear line naming FILE:LINE, non-zero exit, nothing written."""

from __future__ import annotations

import json

import pytest
from tencent_reference import HIERARCHY, read_input


@pytest.fixture(scope="module")
def lines(shared_data):
    """The real file as text lines; line N of the file is lines[N - 1]."""
    return (shared_data / HIERARCHY).read_text(encoding="utf-8").split("\n")


@pytest.fixture(scope="module")
def reference(shared_data):
    return read_input(shared_data / HIERARCHY)


def write(tmp_path, lines, changes=None, raw=None):
    path = tmp_path / "hierarchy.txt"
    if raw is not None:
        path.write_bytes(raw)
        return path
    out = list(lines)
    for lineno, text in (changes or {}).items():
        out[lineno - 1] = text
    path.write_text("\n".join(out), encoding="utf-8")
    return path


def columns(lines, lineno):
    return lines[lineno - 1].split("\t")


def run_bad(cli, tmp_path, path, *extra):
    out = tmp_path / "out.yaml"
    stats = tmp_path / "stats.json"
    result = cli("dataset", "tencent", "--hierarchy-file", path, "-o", out, "--stats", stats, *extra)
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert not out.exists() and not stats.exists()
    assert not list(tmp_path.glob(".out.yaml*")), "a temporary output file was left behind"
    message = result.stderr.strip()
    assert message.startswith("Error: ") and len(message.splitlines()) == 1, message
    return message


# One edited line: the error names that line and says what is wrong. Each case: the line,
# its new text made from its own columns (i, wnid, parent, name), the words the message holds.
ONE_BAD_LINE = {
    "wrong column count": (100, "{i}\t{wnid}\t{parent}", ["4 tab-separated columns", "found 3"]),
    "non-integer index": (200, "12a\t{wnid}\t{parent}\t{name}", ["'12a' is not an integer"]),
    "non-integer parent": (201, "{i}\t{wnid}\troot\t{name}", ["'root' is not an integer"]),
    "missing parent": (300, "{i}\t{wnid}\t99999\t{name}", ["parent index 99999", "does not exist"]),
    "bad wnid": (60, "{i}\tdog\t{parent}\t{name}", ["'dog'"]),
    "empty name": (61, "{i}\t{wnid}\t{parent}\t , ", ["name is empty"]),
    "self parent is a cycle": (502, "{i}\t{wnid}\t{i}\t{name}", ["cycle"]),
}


@pytest.mark.parametrize("case", list(ONE_BAD_LINE))
def test_one_bad_line(cli, tmp_path, lines, case):
    lineno, template, words = ONE_BAD_LINE[case]
    i, wnid, parent, name = columns(lines, lineno)
    path = write(tmp_path, lines, {lineno: template.format(i=i, wnid=wnid, parent=parent, name=name)})
    message = run_bad(cli, tmp_path, path)
    assert f"{path}:{lineno}:" in message and all(word in message for word in words), message


def test_cycle(cli, tmp_path, lines, reference):
    """`object` (a root) made a child of `animal`, which lies below it: a loop through its ancestors."""
    cats, _ = reference
    animal = next(c for c in cats.values() if c.wnid == "n00015388")
    obj = next(c for c in cats.values() if c.wnid == "n00002684")
    loop, node = [], animal
    while node is not obj:
        loop.append(node.index)
        node = cats[node.parent]
    loop.append(obj.index)
    line_of = {c.index: c.index + 2 for c in cats.values()}  # the file lists indexes in order
    assert all(columns(lines, line_of[i])[0] == str(i) for i in loop)
    _, wnid, _, name = columns(lines, line_of[obj.index])
    path = write(tmp_path, lines, {line_of[obj.index]: f"{obj.index}\t{wnid}\t{animal.index}\t{name}"})
    message = run_bad(cli, tmp_path, path)
    first = min(loop, key=line_of.get)
    assert f"{path}:{line_of[first]}:" in message and "cycle" in message
    assert f"{animal.index} -> " in message or f" -> {animal.index}" in message


@pytest.mark.parametrize("prefix", ["", "0"], ids=["same text", "leading zero"])
def test_duplicate_index(cli, tmp_path, lines, prefix):
    first, _, _, _ = columns(lines, 400)
    _, wnid, parent, name = columns(lines, 500)
    path = write(tmp_path, lines, {500: f"{prefix}{first}\t{wnid}\t{parent}\t{name}"})
    message = run_bad(cli, tmp_path, path)
    assert f"{path}:500:" in message and f"duplicate category_index {first}" in message and "line 400" in message


def test_missing_header(cli, tmp_path, lines):
    path = write(tmp_path, lines[1:])
    message = run_bad(cli, tmp_path, path)
    assert f"{path}:1:" in message and "header" in message


def test_not_utf8(cli, tmp_path, lines):
    data = "\n".join(lines).encode("utf-8").split(b"\n")
    data[49] = data[49] + b"\xff\xfe"
    path = write(tmp_path, lines, raw=b"\n".join(data))
    message = run_bad(cli, tmp_path, path)
    assert f"{path}:50:" in message and "UTF-8" in message


def test_previous_output_survives_a_bad_file(cli, tmp_path, lines):
    out = tmp_path / "keep.yaml"
    out.write_text("previous: [ok]\n", encoding="utf-8")
    path = write(tmp_path, lines, {300: "x\ty\tz"})
    result = cli("dataset", "tencent", "--hierarchy-file", path, "-o", out)
    assert result.exit_code != 0 and out.read_text(encoding="utf-8") == "previous: [ok]\n"


def test_missing_file_says_how_to_supply_it(cli, tmp_path):
    out = tmp_path / "out.yaml"
    result = cli("dataset", "tencent", "--hierarchy-file", tmp_path / "nope.txt", "-o", out)
    assert result.exit_code != 0 and "nope.txt" in result.stderr and not out.exists()


def test_unknown_wnid_keeps_its_category_with_a_fallback(cli, tmp_path, lines, reference, wn):
    """A WNID WordNet 3.0 lacks: the category stays, with a plain instruction, and the report counts it."""
    cats, _ = reference
    target = next(c for c in cats.values() if c.name == "beverage")
    lineno = target.index + 2
    i, _, parent, name = columns(lines, lineno)
    assert wn.synset("n99999999") is None
    path = write(tmp_path, lines, {lineno: f"{i}\tn99999999\t{parent}\t{name}"})
    out, stats = tmp_path / "out.yaml", tmp_path / "stats.json"
    result = cli("dataset", "tencent", "--hierarchy-file", path, "--root", "matter", "-o", out, "--stats", stats)
    assert result.exit_code == 0, result.output
    report = json.loads(stats.read_text())
    assert report["counts"]["glosses.missing"] == 1
    assert report["events"]["gloss_unknown_wnid"] == [{"id": "n99999999", "name": "beverage"}]
    line = next(l for l in out.read_text(encoding="utf-8").splitlines() if l.strip().startswith("beverage:"))
    assert "# instruction: " in line and line.split("# instruction: ")[1].strip()
    assert "n99999999" in [e["id"] for e in report["events"]["gloss_fallback"]]


def test_repeated_wnid_gets_unique_ids(cli, tmp_path, lines, reference):
    """Two categories with one WNID: both kept (ids WNID#index); --root by that WNID is ambiguous."""
    cats, _ = reference
    dog = next(c for c in cats.values() if c.wnid == "n02084071")
    cat = next(c for c in cats.values() if c.wnid == "n02121620")
    i, _, parent, name = columns(lines, cat.index + 2)
    path = write(tmp_path, lines, {cat.index + 2: f"{i}\t{dog.wnid}\t{parent}\t{name}"})
    out = tmp_path / "out.yaml"
    result = cli("dataset", "tencent", "--hierarchy-file", path, "--root", dog.wnid, "-o", out)
    assert (
        result.exit_code == 2
        and f"{dog.wnid}#{dog.index}" in result.stderr
        and f"{dog.wnid}#{cat.index}" in result.stderr
    )
    result = cli(
        "dataset", "tencent", "--hierarchy-file", path, "--root", f"{dog.wnid}#{cat.index}", "--depth", 1, "-o", out
    )
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").count("\ncat:") == 1


@pytest.mark.parametrize(
    "content, line, words",
    [
        (b"", 1, "empty file"),
        (b"category_index\tcategory_id\tindex_of_parent_category\tcategory name\n", 2, "no categories"),
    ],
)
def test_empty_files(cli, tmp_path, lines, content, line, words):
    path = write(tmp_path, lines, raw=content)
    message = run_bad(cli, tmp_path, path)
    assert f"{path}:{line}:" in message and words in message


# -- truncation, digits, special files (issue 16, finding 8) ------------------------------

HEADER_LINE = "category_index\tcategory_id\tindex_of_parent_category\tcategory name\n"


@pytest.mark.parametrize("cut", ["inside a name", "inside an index", "after a tab", "inside the header"])
def test_a_file_cut_short_in_a_line_is_reported_as_truncated(cli, tmp_path, shared_data, cut):
    data = (shared_data / HIERARCHY).read_bytes()
    start = {"inside the header": 0}.get(cut, data.index(b"\n5000\t") + 1)  # line 5002 starts here
    line = data[start : data.index(b"\n", start)]
    offset = {"inside a name": len(line) - 3, "inside an index": 2, "after a tab": line.index(b"\t") + 1}.get(cut, 20)
    path = write(tmp_path, lines=None, raw=data[: start + offset])
    message = run_bad(cli, tmp_path, path)
    lineno = data[:start].count(b"\n") + 1
    assert message == (
        f"Error: {path}:{lineno}: the file ends in the middle of this line (no line end): "
        "it looks truncated; download or copy it again"
    )


def test_a_file_missing_the_lines_its_parents_need_is_reported_as_truncated(cli, tmp_path):
    """Cut at a line end: the lines left refer to a parent that came later in the file."""
    rows = ["0\tn00015388\t-1\tanimal", "1\tn02084071\t2\tdog", "2\tn02083346\t0\tcanine"]
    path = write(tmp_path, lines=None, raw=(HEADER_LINE + "\n".join(rows[:2]) + "\n").encode())
    message = run_bad(cli, tmp_path, path)
    assert message == (
        f"Error: {path}:3: parent index 2 of category 1 (n02084071) does not exist; "
        "no index is above 1 and the file ends at line 3: it looks truncated"
    )


@pytest.mark.parametrize(
    "row, words",
    [
        ("1" * 4300 + "\tn02084071\t0\tdog", "category_index '" + "1" * 40 + "'... has more than 9 digits"),
        (
            "1\tn02084071\t" + "7" * 5000 + "\tdog",
            "index_of_parent_category '" + "7" * 40 + "'... has more than 9 digits",
        ),
        ("1234567890\tn02084071\t0\tdog", "category_index '1234567890' has more than 9 digits"),
        ("\u0661\tn02084071\t0\tdog", "category_index '\u0661' is not an integer (digits 0-9)"),
        ("1\tn02084071\t\uff10\tdog", "index_of_parent_category '\uff10' is not an integer (digits 0-9)"),
        ("1\tn0208407\u0661\t0\tdog", "category_id 'n0208407\u0661' is not a WordNet noun id like n02084071"),
    ],
    ids=["4300 digits", "5000-digit parent", "10 digits", "arabic-indic digit", "fullwidth digit", "digit in wnid"],
)
def test_indices_are_short_ascii_numbers(cli, tmp_path, row, words):
    path = write(tmp_path, lines=None, raw=(HEADER_LINE + "0\tn00015388\t-1\tanimal\n" + row + "\n").encode())
    message = run_bad(cli, tmp_path, path)
    assert message == f"Error: {path}:3: {words}"


def test_nine_digit_indices_are_fine(cli, tmp_path):
    path = write(
        tmp_path, None, raw=(HEADER_LINE + "999999999\tn00015388\t-1\tanimal\n7\tn02084071\t999999999\tdog\n").encode()
    )
    out = tmp_path / "out.yaml"
    result = cli("dataset", "tencent", "--hierarchy-file", path, "-o", out)
    assert result.exit_code == 0, result.output
    assert "- dog" in out.read_text(encoding="utf-8")


def test_dev_null_is_named_for_what_it_is(cli, tmp_path):
    message = run_bad(cli, tmp_path, "/dev/null")
    assert message == (
        "Error: --hierarchy-file /dev/null: a character device, not a file; "
        "give the path of dictionary_and_semantic_hierarchy.txt itself"
    )


def test_a_named_pipe_is_named_for_what_it_is(cli, tmp_path):
    import os

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    message = run_bad(cli, tmp_path, fifo)
    assert message.startswith(f"Error: --hierarchy-file {fifo}: a named pipe, not a file")


def test_a_missing_file_still_says_how_to_get_it(cli, tmp_path):
    message = run_bad(cli, tmp_path, tmp_path / "nope.txt")
    assert message.startswith(f"Error: --hierarchy-file {tmp_path / 'nope.txt'}: no such file. Download ")
