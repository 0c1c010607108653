"""Imported once by the web UI's fork server, so that every job forked from it starts warm.

It imports the pipeline and the commands' modules, loads the plugins and opens
WordNet (building the snapshot on a cold cache): the work each job would
otherwise repeat. The server reported broken plugins already; this copy of the
registry stays quiet about them.
"""

from __future__ import annotations

from wildcards_gen import cli, pipeline, plugins, wordnet, yaml_input  # noqa: F401
from wildcards_gen.commands import arrange, check  # noqa: F401
from wildcards_gen.ui import forms, outline, work  # noqa: F401

try:
    plugins.get_registry().warned = True
    cli.registry()
    wordnet.get()
except Exception:  # a job that needs them reports the problem in its own words
    pass
