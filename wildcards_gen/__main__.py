"""``python -m wildcards_gen``: the console script, for environments without it on PATH."""

from wildcards_gen.cli import main

main()
