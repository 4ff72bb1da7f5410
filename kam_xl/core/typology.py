"""The four customer types (multi-label, with a primary one) and the key-account rule.

Breadwinner: share of profit >= breadwinner_share (revenue share when there is no profit data).
Image maker: "known brand" flag. Expert: "high demands" flag.
Prospect: first purchase within new_months (or none yet) and budget >= prospect_budget.
Primary type: the first that applies in that order. Key account (DESIGN.md): the override if filled, else
the size core (the smallest top group by the ABC value reaching key_share, by the rule of class A), a
breadwinner, or an image maker or expert whose ABC class is in key_type_classes. Prospects are not key yet.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from kam_xl.core.abc import abc_classes
from kam_xl.core.schema import BREADWINNER, EXPERT, IMAGE_MAKER, PROSPECT, TYPE_ORDER

_TRUE = {"yes", "y", "true", "1", "x", "ja", "j", "wahr"}
_FALSE = {"no", "n", "false", "0", "nein", "falsch"}


class TypeResult(NamedTuple):
    flags: np.ndarray
    """Boolean matrix (customers x 4) in TYPE_ORDER."""
    types: np.ndarray
    """Comma-separated type names, "" when none applies."""
    primary: np.ndarray
    """First applying type in TYPE_ORDER, "" when none applies."""


# All 16 combinations of the four flags, indexed by their bit pattern (breadwinner = highest bit).
_LABELS = np.array([", ".join(t for k, t in enumerate(TYPE_ORDER) if code >> (3 - k) & 1) for code in range(16)],
                   dtype=object)
_PRIMARY = np.array([next((t for k, t in enumerate(TYPE_ORDER) if code >> (3 - k) & 1), "") for code in range(16)],
                    dtype=object)


def customer_types(share, known_brand, high_demands, is_new, budget, *, breadwinner_share: float = 0.10,
                   prospect_budget: float = 50_000.0, tolerance: float = 1e-9) -> TypeResult:
    """Types of every customer. ``share`` is the profit (or revenue) share; ``is_new``: first purchase
    within new_months or none yet; ``budget`` may be NaN (then never a prospect)."""
    share = np.asarray(share, dtype=float)
    budget = np.asarray(budget, dtype=float)
    flags = np.column_stack([
        np.nan_to_num(share, nan=0.0) >= breadwinner_share - tolerance,
        np.asarray(known_brand, dtype=bool),
        np.asarray(high_demands, dtype=bool),
        np.asarray(is_new, dtype=bool) & (np.nan_to_num(budget, nan=-np.inf) >= prospect_budget),
    ])
    code = flags @ np.array([8, 4, 2, 1])
    return TypeResult(flags, _LABELS[code], _PRIMARY[code])


def parse_yes_no(values, what: str = "value") -> np.ndarray:
    """Yes/no cells as 1.0 (yes), 0.0 (no) or NaN (empty). Raises ValueError naming the first other value."""
    out = np.full(len(values), np.nan)
    for i, raw in enumerate(values):
        if raw is None or (isinstance(raw, float) and np.isnan(raw)):
            continue
        if isinstance(raw, (bool, np.bool_)):
            out[i] = float(raw)
            continue
        text = str(raw).strip().lower()
        if text in _TRUE:
            out[i] = 1.0
        elif text in _FALSE:
            out[i] = 0.0
        elif text:
            raise ValueError(f"row {i + 1}: {what} must be yes, no or empty, found {raw!r}")
    return out


def key_accounts(override, value, abc, flags, *, key_share: float = 0.40, key_type_classes: str = "AB",
                 tolerance: float = 1e-9) -> np.ndarray:
    """Key-account flag per customer: the override (1.0 yes, 0.0 no) where filled, else any of

    1. the size core: ``value`` (the ABC value) ranked like ABC, *before* < key_share (ties together);
    2. a breadwinner (``flags`` column 0);
    3. an image maker or expert (columns 1, 2) whose ABC class (``abc``) is in ``key_type_classes``.
    """
    core = abc_classes(value, a_share=key_share, b_share=1.0, tolerance=tolerance).classes == "A"
    typed = flags[:, 1:3].any(axis=1) & np.isin(np.asarray(abc, dtype=object), list(key_type_classes))
    rule = core | flags[:, 0] | typed
    override = np.asarray(override, dtype=float)
    return np.where(np.isnan(override), rule, override == 1.0)


__all__ = ["BREADWINNER", "EXPERT", "IMAGE_MAKER", "PROSPECT", "TYPE_ORDER", "customer_types", "key_accounts",
           "parse_yes_no"]
