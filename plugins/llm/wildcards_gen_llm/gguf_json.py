"""An ``llm`` model plugin: llm-gguf's registered GGUF files, answering in JSON that follows ``schema=``.

llm-gguf 0.2 (the current release) runs GGUF files through llama-cpp-python
but takes no JSON schema and no options, and its non-streaming path stops in
``breakpoint()``. For every model it has registered (``llm gguf
register-model ID FILE``, kept in ``<llm user dir>/gguf/models.json``) this
plugin adds ``gguf-json/ID``: the same file, loaded with its own chat template,
with ``schema=`` support (the schema becomes a llama.cpp grammar, so even a
small base model can only write JSON of that shape) and ``temperature``,
``seed``, ``max_tokens`` options. A grammar needs bounds a hosted model does
not: free strings are capped at 120 characters and lists without ``maxItems``
at 64 entries, so an answer always ends.

Installed with ``wildcards-gen-llm`` through the ``llm`` entry-point group;
llama-cpp-python is imported only when a model is first used.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import llm
from pydantic import Field

PREFIX = "gguf-json/"
MAX_STRING = 120
MAX_ITEMS = 64
DEFAULT_CTX = 4096
DEFAULT_MAX_TOKENS = 512  # a small model under a grammar writes a few tokens a second


def bounded(schema: Any) -> Any:
    """``schema`` with a length on every free string and a count on every list (a grammar must end)."""
    schema = copy.deepcopy(schema)
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("type") == "string" and "enum" not in node:
                node.setdefault("maxLength", MAX_STRING)
            if node.get("type") == "array":
                node.setdefault("maxItems", MAX_ITEMS)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return schema


def registered() -> dict:
    """llm-gguf's registrations (``{id: {"path": ..., "aliases": [...], "n_ctx": ...}}``), or none."""
    path = llm.user_dir() / "gguf" / "models.json"
    try:
        found = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


class GgufJsonModel(llm.Model):
    """A GGUF file through llama-cpp-python, with JSON-schema grammars."""

    can_stream = False
    supports_schema = True

    class Options(llm.Options):
        temperature: float | None = Field(default=None, description="Sampling temperature (0: greedy)")
        seed: int | None = Field(default=None, description="Random seed")
        max_tokens: int | None = Field(default=None, description=f"Tokens to generate at most ({DEFAULT_MAX_TOKENS})")

    def __init__(self, model_id: str, path: str, n_ctx: int = DEFAULT_CTX):
        self.model_id = model_id
        self.path = path
        self.n_ctx = n_ctx
        self._llama: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        if self._llama is None:
            if not Path(self.path).is_file():
                raise FileNotFoundError(f"{self.path}: the GGUF file registered for {self.model_id} is missing")
            from llama_cpp import Llama
            from llama_cpp._utils import suppress_stdout_stderr

            with suppress_stdout_stderr(disable=False):  # llama.cpp's notes while loading, even when not verbose
                self._llama = Llama(model_path=self.path, n_ctx=self.n_ctx, verbose=False)
        return self._llama

    def execute(self, prompt, stream, response, conversation) -> Iterator[str]:
        from llama_cpp import LlamaGrammar

        messages = []
        if prompt.system:
            messages.append({"role": "system", "content": prompt.system})
        messages.append({"role": "user", "content": prompt.prompt})
        options = prompt.options
        kwargs: dict[str, Any] = {"max_tokens": options.max_tokens or DEFAULT_MAX_TOKENS}
        if options.temperature is not None:
            kwargs["temperature"] = options.temperature
        if options.seed is not None:
            kwargs["seed"] = options.seed
        if prompt.schema:
            kwargs["grammar"] = LlamaGrammar.from_json_schema(json.dumps(bounded(prompt.schema)), verbose=False)
        with self._lock:
            completion = self._load().create_chat_completion(messages=messages, **kwargs)
        usage = completion.get("usage") or {}
        response.set_usage(input=usage.get("prompt_tokens"), output=usage.get("completion_tokens"))
        yield completion["choices"][0]["message"].get("content") or ""


@llm.hookimpl
def register_models(register):
    for model_id, info in sorted(registered().items()):
        if not isinstance(info, dict) or not info.get("path"):
            continue
        aliases = [f"{alias}-json" for alias in info.get("aliases") or [] if isinstance(alias, str)]
        register(GgufJsonModel(PREFIX + model_id, info["path"], int(info.get("n_ctx") or DEFAULT_CTX)), aliases=aliases)
