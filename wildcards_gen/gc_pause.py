"""Pausing the cyclic garbage collector while millions of acyclic objects are built."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Collections would only rescan the large, acyclic trees being built (two thirds of
    shaping time; most of reading a large YAML file); reference counting still frees them."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
