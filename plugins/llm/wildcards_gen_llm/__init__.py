"""wildcards-gen-llm: create, categorize and enrich wildcard files with any model the ``llm`` library reaches.

The user's own models and keys are ``llm``'s (``llm keys set``, ``llm models
default``); nothing a model answers is trusted: every answer is parsed,
checked against its JSON schema and against the request (see
:mod:`wildcards_gen_llm.client`).
"""

__version__ = "0.1.0"
