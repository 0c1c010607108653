"""Runs that need no embeddings import no numpy, scikit-learn, torch or sentence-transformers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("numpy", "sklearn", "torch", "sentence_transformers", "scipy", "transformers", "nltk")

PROBE = """
import json, sys
from wildcards_gen.cli import run
args, heavy_names = json.loads(sys.argv[1]), set(json.loads(sys.argv[2]))
run(args)
heavy = sorted({m.split(".")[0] for m in sys.modules} & heavy_names)
print("HEAVY=" + json.dumps(heavy), file=sys.stderr)
"""


def heavy_modules_after(args: list[str]) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args), json.dumps(HEAVY)], capture_output=True, text=True
    )
    line = [l for l in result.stderr.splitlines() if l.startswith("HEAVY=")]
    assert line, result.stderr
    return json.loads(line[-1][6:])


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["plugins"],
        ["dataset", "imagenet", "--help"],
        ["-q", "dataset", "imagenet", "--smart", "--root", "n02084071", "-o", "{tmp}/dogs.yaml"],
        ["dataset", "imagenet", "--root", "dog.n.01", "--depth", "2", "-o", "{tmp}/dogs.jsonl"],
    ],
)
def test_no_heavy_imports(args, tmp_path, wn):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    assert heavy_modules_after(args) == []
    if "-o" in args:  # the run really happened
        assert "dog" in Path(args[args.index("-o") + 1]).read_text()
