"""Errors that end a run with one clear line instead of a traceback."""

from contextlib import contextmanager


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
        self.detail = message

    def __reduce__(self):  # travels back from a worker process intact
        return (type(self), (self.plugin, self.detail))


class Cancelled(Exception):
    """Raised inside workers once another branch failed or the user pressed Ctrl-C."""


@contextmanager
def blame(plugin: str, what: str):
    """Turn anything a plugin's code raises into a PluginError naming the plugin.

    Our own errors (and cancellation) pass through unchanged.
    """
    try:
        yield
    except (WildcardsError, Cancelled):
        raise
    except Exception as exc:
        raise PluginError(plugin, f"{what}: {type(exc).__name__}: {exc}") from exc


class Stopped(KeyboardInterrupt):
    """A termination signal (SIGTERM, SIGHUP) raised as an interruption, so cleanup runs as on Ctrl-C."""

    def __init__(self, signum: int):
        import signal

        super().__init__(signum)
        self.exit_code = 128 + signum
        self.reason = f"Stopped by {signal.Signals(signum).name}"
