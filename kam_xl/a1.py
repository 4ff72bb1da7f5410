"""A1 cell references, 1-based rows and columns: the one place that spells columns as letters."""

from __future__ import annotations

import re
from functools import lru_cache

_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]+)")


@lru_cache(maxsize=16384)
def column_letters(col: int) -> str:
    """1 -> "A", 27 -> "AA", 16384 -> "XFD"."""
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@lru_cache(maxsize=16384)
def column_number(letters: str) -> int:
    """"A" -> 1, "aa" -> 27."""
    col = 0
    for ch in letters.upper():
        col = col * 26 + ord(ch) - 64
    return col


def parse(ref: str) -> tuple[int, int]:
    """"B7" (or "$b$7") -> (7, 2); ValueError for anything else."""
    m = _REF.fullmatch(ref.strip()) if isinstance(ref, str) else None
    if not m:
        raise ValueError(f"not a cell reference like B7: {ref!r}")
    return int(m.group(2)), column_number(m.group(1))


def ref(row: int, col: int) -> str:
    """(7, 2) -> "B7"."""
    return f"{column_letters(col)}{row}"
