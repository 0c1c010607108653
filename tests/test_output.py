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


def test_a_file_or_a_broken_link_on_the_way_is_named_before_the_run(cli, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")
    for out, why in (
        (blocker / "sub" / "dogs.yaml", f"{blocker} is a file, not a folder"),
        (dangling / "dogs.yaml", f"{dangling} is a broken symbolic link (to {tmp_path / 'nowhere'})"),
    ):
        result = cli("dataset", "imagenet", "--root", "dog.n.01", "--depth", "2", "-o", out)
        assert result.exit_code == 2
        assert result.stderr.strip().splitlines() == [f"Error: cannot write {out}: {why}"], result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "dangling"]


KILLED_MID_WRITE = """
import os, signal, sys
from wildcards_gen import output
output.os.fsync = lambda fd: os.kill(os.getpid(), signal.SIGKILL)  # die between writing and renaming
output.write_text(sys.argv[1], "half\\n")
"""


def test_temporaries_of_a_killed_writer_go_at_the_next_write(cli, tmp_path):
    import signal
    import subprocess
    import sys

    out = tmp_path / "dogs.yaml"
    out.write_text("previous\n")
    killed = subprocess.Popen([sys.executable, "-c", KILLED_MID_WRITE, str(out)])
    assert killed.wait(timeout=60) == -signal.SIGKILL
    left = [p.name for p in tmp_path.iterdir() if p.name != "dogs.yaml"]
    assert len(left) == 1 and left[0].startswith(f".dogs.yaml.{killed.pid}.") and left[0].endswith(".tmp")
    assert out.read_text() == "previous\n"  # the user's file is untouched
    # a live process's temporary (another run writing the same file now) is left alone
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live = tmp_path / f".dogs.yaml.{sleeper.pid}.0123abcd.tmp"
        live.write_text("in progress\n")
        result = cli("dataset", "imagenet", "--root", "dog.n.01", "--depth", "2", "-o", out)
        assert result.exit_code == 0, result.output
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["dogs.yaml", live.name])
        assert "beagle" in out.read_text()
    finally:
        sleeper.kill()
        sleeper.wait()


def test_interrupted_after_the_output_was_written_says_so(tmp_path, wn):
    """Ctrl-C while the --stats report waits on a FIFO: the output is already written, and the message says so."""
    import os
    import signal
    import subprocess
    import sys
    import time

    out, fifo = tmp_path / "dogs.yaml", tmp_path / "stats.fifo"
    os.mkfifo(fifo)
    command = [sys.executable, "-m", "wildcards_gen", "dataset", "imagenet", "--root", "dog.n.01", "--depth", "2"]
    process = subprocess.Popen([*command, "-o", out, "--stats", fifo], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not out.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert out.exists()
    time.sleep(0.3)  # now blocked opening the FIFO, which nobody reads
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert err.strip().splitlines()[-1] == f"Interrupted; output written before that: {out}."
    assert "beagle" in out.read_text()
