"""A deterministic model for the tests, registered through llm's own plugin hook (``register_models``).

It stands in for what cannot run here, a capable hosted model: it answers
from a script (texts, or functions of the prompt), records every request, and
can claim schema support or not. Everything between wildcards-gen and it is the
real ``llm`` library.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import llm

SCRIPT: list[Any] = []  # the next answers: a str, or a function(prompt) -> str
SENT: list[dict] = []  # every request the model received


def enum_of(schema: dict) -> list[str]:
    """The terms (or keys) a request offered: the first ``enum`` in its schema."""
    stack: list[Any] = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "enum" in node:
                return list(node["enum"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return []


def terms_in(prompt: str) -> list[str]:
    """The terms a request listed (the '- term' lines), for models without a schema."""
    return [line[2:] for line in prompt.splitlines() if line.startswith("- ")]


def halves(prompt: Any) -> str:
    """A valid categorize answer: the offered terms in two named groups."""
    terms = enum_of(prompt.schema) if prompt.schema else terms_in(prompt.prompt)
    middle = (len(terms) + 1) // 2
    return json.dumps(
        {
            "groups": [
                {"name": "first half", "description": "the first terms", "terms": terms[:middle]},
                {"name": "second half", "description": "the other terms", "terms": terms[middle:]},
            ]
        }
    )


class Scripted(llm.Model):
    can_stream = False

    class Options(llm.Options):
        temperature: float | None = None
        seed: int | None = None

    def __init__(self, model_id: str, supports_schema: bool = True, default: Callable[[Any], str] | None = None):
        self.model_id = model_id
        self.supports_schema = supports_schema
        self.default = default or halves

    def execute(self, prompt, stream, response, conversation):
        SENT.append(
            {
                "model": self.model_id,
                "system": prompt.system,
                "prompt": prompt.prompt,
                "schema": prompt.schema,
                "options": {k: v for k, v in dict(prompt.options).items() if v is not None},
            }
        )
        answer = SCRIPT.pop(0) if SCRIPT else self.default
        if callable(answer):
            answer = answer(prompt)
        response.set_usage(input=len(prompt.prompt.split()), output=len(answer.split()))
        yield answer


class Keyed(llm.KeyModel):
    """A hosted-style model that needs a key the tests never set."""

    model_id = "scripted-keyed"
    needs_key = "scripted-service"
    key_env_var = "SCRIPTED_SERVICE_KEY"

    def execute(self, prompt, stream, response, conversation, key):
        yield "{}"


class Plugin:
    @llm.hookimpl
    def register_models(self, register):
        register(Scripted("scripted"), aliases=["scripted-alias"])
        register(Scripted("scripted-plain", supports_schema=False))
        register(Keyed())
