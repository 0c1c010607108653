"""wildcards-gen: WordNet-grounded wildcard files from computer-vision taxonomies."""

import pluggy

from wildcards_gen.errors import DataError, PluginError, UsageError, WildcardsError
from wildcards_gen.model import Category, Dataset, Group, Node, Run

__version__ = "0.1.0"

hookimpl = pluggy.HookimplMarker("wildcards_gen")

__all__ = [
    "Category",
    "DataError",
    "Dataset",
    "Group",
    "Node",
    "PluginError",
    "Run",
    "UsageError",
    "WildcardsError",
    "__version__",
    "hookimpl",
]
