"""Where output goes: unwritable places fail in one line and leave nothing behind."""

from __future__ import annotations


def test_unwritable_output_is_a_one_line_error(cli, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    result = cli("dataset", "imagenet", "--root", "dog.n.01", "--depth", "2", "-o", blocker / "dogs.yaml")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1].startswith(f"Error: cannot write {blocker / 'dogs.yaml'}: ")
    assert "Traceback" not in result.stderr
    assert blocker.read_text() == "not a folder\n"


def test_missing_output_folders_are_created(cli, tmp_path):
    out = tmp_path / "new" / "folder" / "dogs.jsonl"
    result = cli("dataset", "imagenet", "--root", "dog.n.01", "--depth", "2", "-o", out)
    assert result.exit_code == 0, result.stderr
    assert '"item": "beagle"' in out.read_text()
    assert [p.name for p in out.parent.iterdir()] == ["dogs.jsonl"]
