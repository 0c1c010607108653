"""Talking to the user's model through ``llm``: one request, checked, retried, cached and logged.

- The model is ``llm``'s: ``--model`` (an id or alias ``llm models`` lists), else
  the user's default (``llm models default``); keys are ``llm keys``.
- A model with schema support is given the JSON schema (``schema=``); any other
  is shown it in the prompt. Either way the answer is parsed and checked
  (:mod:`wildcards_gen_llm.validate`) and then by the caller's own rules; a bad
  answer is asked again with the problem quoted, at most ``--retries`` times,
  then the command stops with one line and writes nothing.
- ``temperature`` 0 and a fixed ``seed`` where the model takes them.
- Every answer is kept in the response cache (a rerun sends nothing) and, unless
  ``llm logs off``, in ``llm``'s own log database like any ``llm`` prompt.
- Requests are sent one at a time (local models are not thread-safe).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from wildcards_gen.errors import UsageError, WildcardsError
from wildcards_gen_llm import validate
from wildcards_gen_llm.cache import Answer, ResponseCache, request_key

T = TypeVar("T")
DEFAULT_RETRIES = 2
SEED = 42
_lock = threading.Lock()  # one request at a time in this process
_models: dict[str | None, Any] = {}  # name -> llm model object (a local model stays loaded)
_caches: dict[str, ResponseCache] = {}


class ModelError(WildcardsError):
    """The model failed or never answered as asked; nothing is written."""

    exit_code = 1


def model_for(name: str | None) -> Any:
    """The ``llm`` model called ``name`` (None: the user's default); a bad name is a one-line UsageError."""
    with _lock:
        if name in _models:
            return _models[name]
        import llm

        try:
            model = llm.get_model(name or None)
        except llm.UnknownModelError:
            wanted = name or llm.get_default_model()
            how = "--model" if name else "'llm models default'"
            raise UsageError(
                f"unknown llm model {wanted!r} (from {how}); 'llm models' lists the models installed"
            ) from None
        except Exception as exc:  # an llm plugin that fails to load (llm-gguf without llama-cpp-python)
            raise UsageError(
                f"llm could not load its models: {type(exc).__name__}: {exc} (is one of llm's plugins broken? "
                "'llm plugins' lists them)"
            ) from None
        _models[name] = model
        return model


def forget_models() -> None:
    """Drop loaded models (tests that change ``LLM_USER_PATH``)."""
    with _lock:
        _models.clear()
        _caches.clear()


def _cache(run) -> ResponseCache:
    folder = str(run.cache_dir)
    if folder not in _caches:
        _caches[folder] = ResponseCache(run.cache_dir, run.notice)
    return _caches[folder]


def _options(model: Any) -> dict:
    """Deterministic sampling, for the options this model declares."""
    fields = getattr(model.Options, "model_fields", {})
    return {k: v for k, v in (("temperature", 0), ("seed", SEED)) if k in fields}


def schema_in_prompt(schema: dict) -> str:
    """How a model without schema support is told the answer's shape."""
    return "Answer with one JSON object and nothing else, following this JSON schema:\n" + json.dumps(
        schema, ensure_ascii=False
    )


class Client:
    """Requests for one run: its options (``llm_model``, ``llm_retries``, ``llm_cache``) and report."""

    def __init__(self, run, progress: Any = None):
        self.run = run
        options = run.options
        self.model = model_for(options.get("llm_model"))
        self.model_id = self.model.model_id
        retries = options.get("llm_retries")
        self.retries = DEFAULT_RETRIES if retries is None else int(retries)
        self.read_cache = options.get("llm_cache", True) is not False
        self.log_to_llm = options.get("llm_log", True) is not False
        self.progress = progress

    # -- one request, checked --------------------------------------------------------

    def ask(self, what: str, system: str, prompt: str, schema: dict, interpret: Callable[[Any], T]) -> T:
        """The answer to ``prompt`` as ``interpret`` makes it; asked again while it is invalid.

        ``interpret(data)`` gets data that matches ``schema`` and may raise
        :class:`validate.Invalid` for what a schema cannot say.
        """
        stats = self.run.stats
        problem = None
        tries = self.retries + 1
        for attempt in range(1, tries + 1):
            text = prompt
            if problem is not None:
                text = (
                    f"{prompt}\n\nYour previous answer was rejected: {problem}. "
                    f"Answer again, following the schema (try {attempt} of {tries})."
                )
            answer = self.complete(what, system, text, schema)
            try:
                return interpret(validate.read(answer.text, schema))
            except validate.Invalid as exc:
                problem = str(exc)
                stats.event("llm_invalid_answer", request=what, attempt=attempt, problem=problem)
                self.run.log(f"{self.model_id}: invalid answer for {what} (try {attempt} of {tries}): {problem}")
                if attempt < tries:
                    stats.incr("llm.retries")
        raise ModelError(
            f"model {self.model_id} gave no valid answer for {what} in {tries} tries (last problem: {problem}); "
            "nothing written"
        )

    def complete(self, what: str, system: str, prompt: str, schema: dict) -> Answer:
        """The model's raw text for one request: from the cache, else from the model (then cached and logged)."""
        native = bool(getattr(self.model, "supports_schema", False))
        if not native:
            prompt = f"{prompt}\n\n{schema_in_prompt(schema)}"
        options = _options(self.model)
        key = request_key(self.model_id, system, prompt, schema if native else None, options)
        stats = self.run.stats
        cache = _cache(self.run)
        with _lock:
            found = cache.get(key) if self.read_cache else None
            if found is None:
                self.run.log(f"--- {self.model_id}: {what} ---\n{system}\n\n{prompt}")
                found = self._send(system, prompt, schema if native else None, options)
                cache.put(key, self.model_id, found)
                self.run.log(f"--- answer ---\n{found.text}")
            else:
                stats.incr("llm.cached")
                self.run.log(f"--- {self.model_id}: {what} (from the cache) ---\n{found.text}", level=2)
        stats.incr("llm.requests")
        stats.incr(f"llm.requests_by_model.{self.model_id}")  # which model answered, in any run's report
        stats.incr("llm.tokens_in", found.input_tokens)
        stats.incr("llm.tokens_out", found.output_tokens)
        if self.progress is not None:
            self.progress.update(1)
        return found

    def _send(self, system: str, prompt: str, schema: dict | None, options: dict) -> Answer:
        import llm

        try:
            response = self.model.prompt(prompt, system=system, schema=schema, **options)
            text = response.text()
        except llm.NeedsKeyException as exc:
            raise UsageError(f"model {self.model_id}: {exc}") from None
        except WildcardsError:
            raise
        except Exception as exc:  # a provider's or a local runtime's own error: one line, nothing written
            raise ModelError(
                f"model {self.model_id} failed: {type(exc).__name__}: {' '.join(str(exc).split())}"
            ) from exc
        usage = response.usage()
        if self.log_to_llm:
            self._log(response)
        return Answer(text or "", int(getattr(usage, "input", 0) or 0), int(getattr(usage, "output", 0) or 0))

    def _log(self, response: Any) -> None:
        """Into ``llm``'s log database, as ``llm prompt`` would (unless ``llm logs off``)."""
        try:
            import sqlite_utils
            from llm.cli import logs_db_path, logs_on
            from llm.migrations import migrate

            if not logs_on():
                return
            db = sqlite_utils.Database(logs_db_path())
            try:
                migrate(db)
                response.log_to_db(db)
            finally:
                db.close()
        except Exception as exc:  # the log is a record, not the product: say so and go on
            self.run.notice(f"Warning: could not log to llm's database: {type(exc).__name__}: {exc}")

    # -- the report --------------------------------------------------------------------

    def summary(self) -> str:
        """One line for stderr: model, requests, tokens, retries, dropped and invented terms."""
        return summary(self.model_id, self.run.stats.counters)


def summary(model_id: str, counters) -> str:
    c = counters
    parts = [
        f"{c['llm.requests']} request{'s' if c['llm.requests'] != 1 else ''} ({c['llm.cached']} from the cache)",
        f"{c['llm.tokens_in']} tokens in, {c['llm.tokens_out']} out",
        f"{c['llm.retries']} retr{'ies' if c['llm.retries'] != 1 else 'y'}",
    ]
    if c["llm.dropped"] or c["llm.invented"] or c["llm.repeated"]:
        parts.append(
            f"{c['llm.dropped']} terms the model left out (kept in other_ lists), "
            f"{c['llm.invented']} it invented (removed), {c['llm.repeated']} it repeated"
        )
    return f"Model {model_id}: " + "; ".join(parts)
