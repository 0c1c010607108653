"""Errors that end a run with one clear line instead of a traceback."""


class WildcardsError(Exception):
    """Base class: the CLI prints ``Error: <message>`` and exits with ``exit_code``."""

    exit_code = 1


class UsageError(WildcardsError):
    """Bad input from the user: options, files, roots."""

    exit_code = 2


class DataError(WildcardsError):
    """A data file (class list, hierarchy, WordNet) is missing or malformed."""

    exit_code = 1


class PluginError(WildcardsError):
    """A plugin misbehaved; the message names the plugin."""

    exit_code = 1

    def __init__(self, plugin: str, message: str):
        super().__init__(f"plugin {plugin!r}: {message}")
        self.plugin = plugin
