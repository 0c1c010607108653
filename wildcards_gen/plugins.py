"""The plugin manager: internal plugins, entry points, and the datasets they declare.

Everything is registered on the main thread the first time ``get_manager()``
runs; afterwards the manager is treated as frozen, so worker threads may call
hooks without locking.
"""

from __future__ import annotations

import importlib
import os
import threading
from dataclasses import dataclass

import pluggy

from wildcards_gen import hookspecs
from wildcards_gen.errors import PluginError, UsageError, blame
from wildcards_gen.model import Dataset

GROUP = "wildcards_gen"
LOAD_ENV = "WILDCARDS_GEN_LOAD_PLUGINS"

# The host's own defaults, registered through the same path as third parties.
DEFAULT_PLUGINS = (
    "wildcards_gen.default_plugins.wordnet_embedder",
    "wildcards_gen.default_plugins.sentence_embedder",
    "wildcards_gen.default_plugins.hdbscan_arranger",
)


@dataclass
class BrokenPlugin:
    name: str
    error: str


class Registry:
    """A plugin manager plus what the plugins declared."""

    def __init__(self):
        self.pm = pluggy.PluginManager(GROUP)
        self.pm.add_hookspecs(hookspecs)
        self.broken: list[BrokenPlugin] = []
        self.distributions: dict[str, tuple] = {}  # plugin name -> (dist, version)
        self._datasets = None
        self._embedders = None
        self.from_cache = False  # entry points listed from the cache file, not a scan

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

    def register(self, plugin, name: str) -> None:
        """Register a plugin object directly (tests, embedding applications)."""
        self.pm.register(plugin, name=name)
        self._datasets = self._embedders = None

    def unregister(self, name: str) -> None:
        self.pm.unregister(name=name)
        self._datasets = self._embedders = None

    # -- what plugins declare ----------------------------------------------
    def plugin_name(self, plugin) -> str:
        return self.pm.get_name(plugin) or repr(plugin)

    def _collect(self, hook_name: str, make_register):
        """Call ``hook_name`` plugin by plugin, so errors and entries carry the plugin's name."""
        hook = getattr(self.pm.hook, hook_name)
        for impl in hook.get_hookimpls():  # registration order (pluggy calls them in reverse)
            with blame(impl.plugin_name, f"{hook_name} failed"):
                impl.function(register=make_register(impl.plugin_name))

    @property
    def datasets(self) -> dict[str, Dataset]:
        if self._datasets is None:
            found: dict[str, Dataset] = {}

            def make_register(plugin_name):
                def register(dataset):
                    if not isinstance(dataset, Dataset):
                        raise PluginError(plugin_name, f"register_datasets passed {type(dataset).__name__}, expected wildcards_gen.Dataset")
                    if dataset.name in found:
                        other = found[dataset.name].plugin
                        raise PluginError(plugin_name, f"dataset name {dataset.name!r} is already taken by plugin {other!r}")
                    dataset.plugin = plugin_name
                    found[dataset.name] = dataset

                return register

            self._collect("register_datasets", make_register)
            self._datasets = dict(sorted(found.items()))
        return self._datasets

    @property
    def embedders(self) -> dict[str, tuple]:
        """``{name: (plugin, description)}``."""
        if self._embedders is None:
            found: dict[str, tuple] = {}

            def make_register(plugin_name):
                def register(name, description=""):
                    if name in found:
                        raise PluginError(plugin_name, f"embedder name {name!r} is already taken by plugin {found[name][0]!r}")
                    found[name] = (plugin_name, description)

                return register

            self._collect("register_embedders", make_register)
            self._embedders = dict(sorted(found.items()))
        return self._embedders

    def dataset(self, name: str) -> Dataset:
        datasets = self.datasets
        if name not in datasets:
            available = ", ".join(datasets) or "none"
            raise UsageError(
                f"unknown dataset {name!r} (available: {available}); "
                "install a plugin that provides it, e.g. pip install wildcards-gen-imagenet"
            )
        return datasets[name]

    def describe(self) -> list[dict]:
        """One entry per plugin for ``wildcards-gen plugins``."""
        datasets = self.datasets
        embedders = self.embedders
        out = []
        for name, plugin in sorted(self.pm.list_name_plugin(), key=lambda p: p[0]):
            hooks = sorted(
                h.name for h in self.pm.get_hookcallers(plugin) or []
            )
            dist, version = self.distributions.get(name, ("wildcards-gen (built in)", _host_version()) if name in DEFAULT_PLUGINS else (None, None))
            out.append(
                {
                    "name": name,
                    "distribution": dist,
                    "version": version,
                    "hooks": hooks,
                    "datasets": [d for d, ds in datasets.items() if ds.plugin == name],
                    "embedders": [e for e, (p, _) in embedders.items() if p == name],
                }
            )
        return out


def first_result_caller(hook_caller):
    """A faster stand-in for a ``firstresult`` hook caller, for a manager that is frozen.

    pluggy spends ~4 µs of bookkeeping per call; the walk calls ``iter_children``
    once per node (11,166 times for Tencent). This calls the same implementations
    in pluggy's order (``get_hookimpls`` reversed), each with the arguments it
    declares, and returns the first non-None result. With a wrapper among the
    implementations it returns ``hook_caller`` itself, so pluggy handles them.
    """
    impls = hook_caller.get_hookimpls()
    if any(impl.hookwrapper or impl.wrapper for impl in impls):
        return hook_caller
    plan = [(impl.function, impl.argnames) for impl in reversed(impls)]

    def call(**kwargs):
        for function, argnames in plan:
            result = function(*[kwargs[name] for name in argnames])
            if result is not None:
                return result
        return None

    return call


def _host_version():
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


def reset_registry() -> None:
    """Forget the registry so the next ``get_registry()`` rediscovers plugins (tests)."""
    global _registry
    with _lock:
        _registry = None
