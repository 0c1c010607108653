"""The plugin manager: internal plugins, entry points, what they declare, and how hooks are called.

Everything is registered on the main thread the first time ``get_registry()``
runs; afterwards the manager is treated as frozen, so worker threads may call
hooks without locking. Declarations (datasets, embedders, arrangers) are
collected plugin by plugin, so one plugin's mistake or a name two plugins
claim stays local to that plugin or name.
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pluggy

from wildcards_gen import hookspecs, presets
from wildcards_gen.errors import PluginError, UsageError, blame
from wildcards_gen.model import Dataset

GROUP = "wildcards_gen"
LOAD_ENV = "WILDCARDS_GEN_LOAD_PLUGINS"

# The host's own defaults, registered through the same path as third parties.
DEFAULT_PLUGINS = (
    "wildcards_gen.default_plugins.wordnet_embedder",
    "wildcards_gen.default_plugins.sentence_embedder",
    "wildcards_gen.default_plugins.builtin_arranger",
)


@dataclass
class BrokenPlugin:
    """A plugin that failed to load, or a declaration of it that was refused."""

    name: str
    error: str


@dataclass
class Embedder:
    name: str
    plugin: str
    description: str = ""
    model_key: Callable[[str | None], str] | None = None
    input: str = "text"  # what it embeds: "text", or "synset" (WordNet synset names of the chosen senses)
    template: str = "{}"  # how a text embedder is shown a term when a list is arranged

    def cache_model(self, model: str | None) -> str:
        """The model part of the embedding cache's key."""
        return self.model_key(model) if self.model_key else (model or "")


@dataclass
class Arranger:
    name: str
    plugin: str
    description: str = ""
    options: list = field(default_factory=list)  # click.Option objects


@dataclass
class Declarations:
    """What the plugins declared of one kind: usable names, ambiguous names, refusals."""

    kind: str  # "dataset", "embedder", "arranger"
    found: dict[str, Any] = field(default_factory=dict)
    claims: dict[str, list[str]] = field(default_factory=dict)  # name -> plugins, when more than one
    unusable: dict[str, str] = field(default_factory=dict)  # name -> why
    checks: dict[str, Any] = field(default_factory=dict)  # results of checks run on them once (by their users)

    def add(self, name: str, plugin: str, entry: Any) -> None:
        if name in self.claims:
            self.claims[name].append(plugin)
        elif name in self.found:
            self.claims[name] = [self.found.pop(name).plugin, plugin]
        else:
            self.found[name] = entry

    def get(self, name: str) -> Any:
        """The entry for ``name``; an ambiguous, unusable or unknown name is a UsageError."""
        if name in self.claims:
            listed = " and ".join(repr(p) for p in self.claims[name])
            raise UsageError(f"{self.kind} {name!r} is declared by plugins {listed}")
        if name in self.unusable:
            raise UsageError(f"{self.kind} {name!r} is unusable: {self.unusable[name]}")
        if name not in self.found:
            available = ", ".join(self.names()) or "none"
            raise UsageError(f"unknown {self.kind} {name!r} (available: {available}; see 'wildcards-gen plugins')")
        return self.found[name]

    def names(self) -> list[str]:
        return sorted(self.found)


class Registry:
    """A plugin manager plus what the plugins declared."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(GROUP)
        self.pm.add_hookspecs(hookspecs)
        self.broken: list[BrokenPlugin] = []
        self.distributions: dict[str, tuple] = {}  # plugin name -> (dist, version)
        self._declared: dict[str, Declarations] = {}
        self.from_cache = False  # entry points listed from the cache file, not a scan
        self.commands: dict[str, list[str]] = {}  # plugin name -> the CLI commands it added
        self.warned = False  # the CLI reported the broken plugins once

    # -- loading -----------------------------------------------------------
    def load_module(self, module_name: str, name: str | None = None) -> None:
        """Import ``module_name`` and register it; a failure is recorded, not raised."""
        name = name or module_name
        try:
            module = importlib.import_module(module_name)
            self.pm.register(module, name=name)
        except Exception as exc:  # a broken plugin must not take the host down
            self.broken.append(BrokenPlugin(name, f"{type(exc).__name__}: {exc}"))

    def load_entry_points(self, use_cache: bool = True) -> bool:
        """Register every ``wildcards_gen`` entry point, each in its own try.

        Returns whether the list came from the entry-point cache (see :mod:`entry_points`).
        """
        from wildcards_gen import entry_points, paths
        from wildcards_gen.errors import DataError

        wanted = os.environ.get(LOAD_ENV)
        allowed = None if wanted is None else {n.strip() for n in wanted.split(",") if n.strip()}
        try:
            cache = paths.cache_dir()
        except (OSError, DataError):  # no cache folder: scan the entry points every time
            cache = None
        found, cached = entry_points.discover(GROUP, cache, use_cache)
        for ep in found:
            if allowed is not None and ep.name not in allowed:
                continue
            try:
                plugin = ep.load()
                self.pm.register(plugin, name=ep.name)
            except Exception as exc:
                self.broken.append(BrokenPlugin(ep.name, f"{type(exc).__name__}: {exc}"))
                continue
            if ep.distribution is not None:
                self.distributions[ep.name] = (ep.distribution, ep.version)
        return cached

    def register(self, plugin: object, name: str) -> None:
        """Register a plugin object directly (tests, embedding applications)."""
        self.pm.register(plugin, name=name)
        self._declared.clear()

    def unregister(self, name: str) -> None:
        self.pm.unregister(name=name)
        self.broken = [b for b in self.broken if b.name != name]
        self.commands.pop(name, None)
        self._declared.clear()

    # -- commands ----------------------------------------------------------
    def add_commands(self, cli: Any) -> None:
        """Let each plugin add CLI commands (``register_commands``).

        A plugin whose hook fails, or that replaces a command already there, is
        reported as broken and nothing it added is kept.
        """
        for impl in self.pm.hook.register_commands.get_hookimpls():
            plugin = impl.plugin_name
            before = dict(cli.commands)
            problem = None
            try:
                with blame(plugin, "register_commands failed"):
                    impl.function(*[{"cli": cli}[a] for a in impl.argnames])
            except PluginError as exc:
                problem = str(exc).split(": ", 1)[-1]
            replaced = sorted(n for n, c in before.items() if cli.commands.get(n) is not c)
            if problem is None and replaced:
                problem = f"register_commands: command {replaced[0]!r} already exists; choose another name"
            if problem is not None:
                cli.commands.clear()
                cli.commands.update(before)
                if not any(b.name == plugin and b.error == problem for b in self.broken):
                    self.broken.append(BrokenPlugin(plugin, problem))
                continue
            self.commands[plugin] = sorted(set(cli.commands) - set(before))

    # -- what plugins declare ----------------------------------------------
    def _collect(self, hook_name: str, kind: str, make_entry: Callable[..., Any]) -> Declarations:
        """Call ``hook_name`` plugin by plugin; a plugin's failure is recorded as broken, not raised."""
        if kind in self._declared:
            return self._declared[kind]
        declared = Declarations(kind)
        for impl in getattr(self.pm.hook, hook_name).get_hookimpls():  # registration order
            plugin = impl.plugin_name
            entries: list[tuple[str, Any]] = []

            def register(*args: Any, _plugin: str = plugin, _entries: list = entries, **kwargs: Any) -> None:
                _entries.append(make_entry(_plugin, declared, *args, **kwargs))

            try:
                with blame(plugin, f"{hook_name} failed"):
                    impl.function(*[{"register": register}[a] for a in impl.argnames])
            except PluginError as exc:
                self.broken.append(BrokenPlugin(plugin, str(exc).split(": ", 1)[-1]))
                continue
            for name, entry in entries:
                if name is not None:
                    declared.add(name, plugin, entry)
        self._declared[kind] = declared
        return declared

    def declarations(self, kind: str) -> Declarations:
        if kind == "dataset":
            return self._collect("register_datasets", kind, _dataset_entry)
        if kind == "embedder":
            return self._collect("register_embedders", kind, _embedder_entry)
        if kind == "arranger":
            return self._collect("register_arrangers", kind, _arranger_entry)
        raise ValueError(kind)

    @property
    def datasets(self) -> dict[str, Dataset]:
        """The usable datasets by name (ambiguous and unusable ones left out)."""
        return dict(sorted(self.declarations("dataset").found.items()))

    @property
    def embedders(self) -> dict[str, Embedder]:
        return dict(sorted(self.declarations("embedder").found.items()))

    @property
    def arrangers(self) -> dict[str, Arranger]:
        return dict(sorted(self.declarations("arranger").found.items()))

    def lookup(self, kind: str, name: str) -> Any:
        """The dataset, embedder or arranger called ``name``; UsageError saying how to fix a bad name."""
        declared = self.declarations(kind)
        try:
            return declared.get(name)
        except UsageError as exc:
            if name not in declared.claims:
                raise
            claimants = declared.claims[name]
            others = set(claimants[1:])
            keep = sorted(p for p, _ in self.pm.list_name_plugin() if p not in DEFAULT_PLUGINS and p not in others)
            raise UsageError(
                f"{exc}; choose which plugins load with {LOAD_ENV}, e.g. "
                f"{LOAD_ENV}={','.join(keep)} uses plugin {claimants[0]!r}'s, "
                "or uninstall one of them"
            ) from None

    def dataset(self, name: str) -> Dataset:
        return self.lookup("dataset", name)

    def embedder(self, name: str) -> Embedder:
        return self.lookup("embedder", name)

    def arranger(self, name: str) -> Arranger:
        return self.lookup("arranger", name)

    def conflicts(self) -> list[dict]:
        """Every name more than one plugin declared, and every refused declaration."""
        out = []
        for kind in ("dataset", "embedder", "arranger"):
            declared = self.declarations(kind)
            for name, plugins in sorted(declared.claims.items()):
                out.append({"kind": kind, "name": name, "plugins": plugins, "problem": "declared by several plugins"})
            for name, why in sorted(declared.unusable.items()):
                out.append({"kind": kind, "name": name, "plugins": [], "problem": why})
        return out

    def describe(self) -> list[dict]:
        """One entry per plugin for ``wildcards-gen plugins``."""
        kinds = {kind: self.declarations(kind) for kind in ("dataset", "embedder", "arranger")}
        out = []
        for name, plugin in sorted(self.pm.list_name_plugin(), key=lambda p: p[0]):
            hooks = sorted(h.name for h in self.pm.get_hookcallers(plugin) or [])
            builtin = ("wildcards-gen (built in)", _host_version()) if name in DEFAULT_PLUGINS else (None, None)
            dist, version = self.distributions.get(name, builtin)

            def mine(kind: str, plugin_name: str = name) -> list[str]:
                declared = kinds[kind]
                names = [n for n, e in declared.found.items() if e.plugin == plugin_name]
                names += [n for n, ps in declared.claims.items() if plugin_name in ps]
                return sorted(names)

            entry = {
                "name": name,
                "distribution": dist,
                "version": version,
                "hooks": hooks,
                "datasets": mine("dataset"),
                "embedders": mine("embedder"),
                "arrangers": mine("arranger"),
                "commands": self.commands.get(name, []),
                "presets": {},
            }
            for ds_name in entry["datasets"]:
                ds = kinds["dataset"].found.get(ds_name)
                own = [p for p in (ds.presets if ds else {}) if p not in presets.BUILTIN]
                if own:
                    entry["presets"][ds_name] = own
            out.append(entry)
        return out


def _dataset_entry(plugin: str, declared: Declarations, dataset: Any = None, *args: Any, **kwargs: Any):
    if not isinstance(dataset, Dataset) or args or kwargs:
        raise PluginError(
            plugin, f"register_datasets: register() takes one wildcards_gen.Dataset, got {type(dataset).__name__}"
        )
    if not isinstance(dataset.name, str) or not dataset.name.strip() or dataset.name != dataset.name.strip():
        raise PluginError(plugin, f"register_datasets: dataset name {dataset.name!r} must be a non-empty word")
    dataset.plugin = plugin
    try:
        dataset.presets = presets.check_dataset_presets(dataset.presets or {})
    except presets.PresetError as exc:
        declared.unusable[dataset.name] = f"plugin {plugin!r}: {exc}"
        return None, None
    if not callable(dataset.find_roots):
        declared.unusable[dataset.name] = f"plugin {plugin!r}: find_roots is not callable"
        return None, None
    return dataset.name, dataset


def _embedder_entry(
    plugin: str,
    declared: Declarations,
    name: Any = None,
    description: str = "",
    model_key: Callable[[str | None], str] | None = None,
    input: str = "text",
    template: str = "{}",
):
    if not isinstance(name, str) or not name.strip():
        raise PluginError(plugin, f"register_embedders: embedder name {name!r} must be a non-empty string")
    if input not in ("text", "synset"):
        declared.unusable[name] = f"plugin {plugin!r}: input must be 'text' or 'synset', not {input!r}"
        return None, None
    if not isinstance(template, str) or template.count("{}") != 1:
        declared.unusable[name] = f"plugin {plugin!r}: template must contain '{{}}' once, not {template!r}"
        return None, None
    return name, Embedder(name, plugin, str(description or ""), model_key, input, template)


def _arranger_entry(
    plugin: str, declared: Declarations, name: Any = None, description: str = "", options: Iterable = ()
):
    import click

    if not isinstance(name, str) or not name.strip():
        raise PluginError(plugin, f"register_arrangers: arranger name {name!r} must be a non-empty string")
    options = list(options or ())
    bad = [o for o in options if not isinstance(o, click.Option)]
    if bad:
        declared.unusable[name] = (
            f"plugin {plugin!r}: options must be click.Option objects, got {type(bad[0]).__name__}"
        )
        return None, None
    return name, Arranger(name, plugin, str(description or ""), options)


# -- calling hooks -------------------------------------------------------------


def _plan(hook_caller: Any) -> list[tuple[str, Callable, tuple]] | None:
    """``[(plugin, function, argnames)]`` in pluggy's call order, or None when a wrapper is present."""
    impls = hook_caller.get_hookimpls()
    if any(impl.hookwrapper or impl.wrapper for impl in impls):
        return None
    return [(impl.plugin_name, impl.function, tuple(impl.argnames)) for impl in reversed(impls)]


def call_first(hook_caller: Any, what: str, **kwargs: Any) -> tuple[str | None, Any]:
    """Call a ``firstresult`` hook with pluggy's semantics: ``(plugin that answered, result)``.

    Each implementation gets only the arguments it declares, in pluggy's order.
    With a hook wrapper present pluggy makes the call (the answering plugin is
    then unknown: None). Anything an implementation raises becomes a
    :class:`PluginError` naming the plugin and ``what`` was being done.
    """
    plan = _plan(hook_caller)
    if plan is None:
        names = ", ".join(sorted({impl.plugin_name for impl in hook_caller.get_hookimpls()}))
        with blame(names, what):
            return None, hook_caller(**kwargs)
    for plugin, function, argnames in plan:
        with blame(plugin, what):
            result = function(*[kwargs[name] for name in argnames])
        if result is not None:
            return plugin, result
    return None, None


def first_result_caller(hook_caller: Any) -> Callable[..., Any]:
    """A faster :func:`call_first` without the bookkeeping, for a hook called once per node.

    pluggy spends ~4 µs per call; the walk calls ``iter_children`` 11,166 times
    for Tencent. The result is the same as pluggy's (a test compares them);
    errors are the caller's to attribute.
    """
    plan = _plan(hook_caller)
    if plan is None:
        return hook_caller
    steps = [(function, argnames) for _, function, argnames in plan]

    def call(**kwargs: Any) -> Any:
        for function, argnames in steps:
            result = function(*[kwargs[name] for name in argnames])
            if result is not None:
                return result
        return None

    return call


def _host_version() -> str:
    from wildcards_gen import __version__

    return __version__


_registry: Registry | None = None
_lock = threading.Lock()


def get_registry() -> Registry:
    """The process-wide registry, built on first use (call it on the main thread)."""
    global _registry
    with _lock:
        if _registry is None:
            registry = _build_registry(use_cache=True)
            if registry.broken and registry.from_cache:  # maybe a stale cache: look again
                registry = _build_registry(use_cache=False)
            _registry = registry
        return _registry


def _build_registry(use_cache: bool) -> Registry:
    registry = Registry()
    for module_name in DEFAULT_PLUGINS:
        registry.load_module(module_name)
    registry.from_cache = registry.load_entry_points(use_cache)
    return registry
