"""wildcards-gen plugin: the Tencent ML-Images semantic hierarchy (11,166 WordNet categories)."""

__version__ = "0.1.0"
