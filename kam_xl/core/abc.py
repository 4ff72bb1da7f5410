"""ABC classes: rank customers by one value and cut the cumulative share at a_share and b_share.

Rule (DESIGN.md): values <= 0 or missing get N. For the rest let *before* be the share of the positive
total held by customers with a strictly larger value. A if before < a_share, B if before < b_share, else C.
Equal values share one *before*, so ties never split and row order never matters; shares within
``tolerance`` of a threshold count as equal to it, so float noise cannot flip a class.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

A, B, C, N = "A", "B", "C", "N"


class ABCResult(NamedTuple):
    classes: np.ndarray
    """"A", "B", "C" or "N" per value."""
    share: np.ndarray
    """Value / positive total (NaN where the value is missing)."""
    cum_share_before: np.ndarray
    """Share held by strictly larger values (NaN for N)."""


def abc_classes(values, *, a_share: float = 0.80, b_share: float = 0.95, tolerance: float = 1e-9) -> ABCResult:
    """ABC class of every value in one vectorised pass (O(n log n))."""
    v = np.asarray(values, dtype=float).ravel()
    ranked = np.isfinite(v) & (v > 0)
    classes = np.full(v.shape, N, dtype=object)
    share = np.full(v.shape, np.nan)
    before = np.full(v.shape, np.nan)
    if not ranked.any():
        return ABCResult(classes, share, before)

    distinct, group_of, count = np.unique(v[ranked], return_inverse=True, return_counts=True)
    group_total = (distinct * count)[::-1]                   # largest value first
    cum = np.cumsum(group_total)
    total = cum[-1]
    before_desc = np.concatenate(([0.0], cum[:-1])) / total   # strictly larger values only
    group_before = before_desc[::-1]                          # back to ascending order of `distinct`

    before[ranked] = group_before[group_of]
    share[np.isfinite(v)] = v[np.isfinite(v)] / total
    b = before[ranked]
    classes[ranked] = np.where(b < a_share - tolerance, A, np.where(b < b_share - tolerance, B, C))
    return ABCResult(classes, share, before)


def abc_class_of(value, values, *, a_share: float = 0.80, b_share: float = 0.95, tolerance: float = 1e-9) -> str:
    """ABC class of one value within a list; a value missing from the list is ranked as if it were added."""
    v = np.asarray(values, dtype=float).ravel()
    x = np.nan if value is None else float(value)
    hits = np.flatnonzero(v == x)
    if hits.size:
        return abc_classes(v, a_share=a_share, b_share=b_share, tolerance=tolerance).classes[hits[0]]
    return abc_classes(np.append(v, x), a_share=a_share, b_share=b_share, tolerance=tolerance).classes[-1]
