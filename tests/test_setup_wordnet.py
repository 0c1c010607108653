"""scripts/setup-wordnet, the step scripts/bootstrap (and so scripts/demo and CI) runs for WordNet."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "setup-wordnet"


def run(python: str, tmp_path: Path, **env) -> subprocess.CompletedProcess:
    environ = {
        **os.environ,
        "HOME": str(tmp_path / "home"),
        "WILDCARDS_GEN_CACHE": str(tmp_path / "cache"),
        "WILDCARDS_GEN_NO_APT": "1",
        **env,
    }
    environ.pop("WORDNET_DIR", None)
    environ.update(env)
    return subprocess.run([str(SCRIPT), python], capture_output=True, text=True, env=environ, timeout=60)


def test_silent_when_the_chain_finds_wordnet(tmp_path):
    done = run(sys.executable, tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_without_wordnet_and_without_apt_says_what_to_do(tmp_path):
    """An interpreter whose chain finds nothing (Debian's folder hidden): the remedies, and no failure."""
    hidden = tmp_path / "python"
    hidden.write_text(
        f'#!/bin/sh\nexec {sys.executable} -c "import sys; from wildcards_gen import wordnet_source as w; '
        f"w.SYSTEM_WORDNET = '{tmp_path}/none'; w.nltk_data_dirs = lambda: []; sys.exit(w.main())\"\n"
    )
    hidden.chmod(0o755)
    done = run(str(hidden), tmp_path)
    assert done.returncode == 0
    assert done.stderr.splitlines() == [
        "Note: WordNet 3.0 not found; wildcards-gen will try nltk.download('wordnet') into its cache on first use.",
        "  Debian/Ubuntu: apt-get install wordnet-base wordnet-sense-index as root (or run scripts/bootstrap as root).",
        f"  macOS, Windows, no root: {hidden} -c \"import nltk; nltk.download('wordnet')\"",
    ]


def test_a_wrong_wordnet_dir_is_named_not_installed_over(tmp_path):
    done = run(sys.executable, tmp_path, WORDNET_DIR=str(tmp_path / "nothing"), WILDCARDS_GEN_NO_APT="")
    assert done.returncode == 0
    assert done.stderr == f"Note: WORDNET_DIR={tmp_path / 'nothing'} is not a WordNet database folder (no data.noun)\n"
