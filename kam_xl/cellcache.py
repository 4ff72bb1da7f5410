"""Results remembered by the content of the cells they were computed from.

Excel calls a per-cell function once per cell, each time with a fresh copy of the whole range. Comparing
that copy with the few ranges seen last (length first, then the cells themselves, in C) costs about as
much as reading the values once, far less than recomputing a ranking per cell.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class ContentCache:
    """A small most-recently-used list of (arguments, result); arguments are compared by value."""

    def __init__(self, size: int = 16):
        self.size = size
        self._entries: list[tuple[tuple, Any]] = []
        self.hits = self.misses = 0

    def get(self, key: tuple, compute: Callable[[], Any]):
        """The result for ``key``: remembered if an equal key was seen recently, else ``compute()``."""
        for i, (seen, result) in enumerate(self._entries):
            if _same(seen, key):
                self.hits += 1
                if i:
                    self._entries.insert(0, self._entries.pop(i))
                return result
        self.misses += 1
        result = compute()
        self._entries.insert(0, (key, result))
        del self._entries[self.size:]
        return result

    def clear(self) -> None:
        self._entries.clear()
        self.hits = self.misses = 0


def _same(a: tuple, b: tuple) -> bool:
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if x is y:
            continue
        if type(x) is not type(y):
            return False
        if isinstance(x, list):
            if len(x) != len(y) or (x and (x[0] != y[0] or x[-1] != y[-1])) or x != y:
                return False
        elif x != y:
            return False
    return True
