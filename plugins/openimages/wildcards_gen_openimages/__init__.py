"""wildcards-gen plugin: Open Images' 600 boxable classes in their hierarchy, or all ~20,000 labels in WordNet's."""

__version__ = "0.1.0"
