"""XYZ classes: how evenly a customer buys, from per-period sums of the ABC value.

Window: the most recent complete period and those before it (xyz_months months: 12 months or 4 quarters).
Periods before the customer's first purchase are left out; periods without purchases count as 0.
Fewer than half of the window's periods left -> N. Method "cv": CV = population std (ddof 0, like
STDEV.P) / mean, mean <= 0 -> Z, X if CV <= x_cv, Y if CV <= y_cv, else Z. Method "frequency": share of
periods with a purchase, X if >= x_frequency, Y if >= y_frequency, else Z.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from kam_xl.core.periods import last_complete_period, period_of_days
from kam_xl.core.settings import Settings

X, Y, Z, N = "X", "Y", "Z", "N"


class XYZResult(NamedTuple):
    classes: np.ndarray
    periods: np.ndarray
    """Periods of the window counted for the customer (from its first purchase on)."""
    cv: np.ndarray
    """Coefficient of variation of the period sums (NaN for N or mean <= 0)."""
    frequency: np.ndarray
    """Share of counted periods with a positive sum (NaN for N)."""


def period_matrix(codes, days, values, n_customers: int, as_of_day: int, settings: Settings):
    """Per-customer sums of the value in each period of the XYZ window: (matrix, first period number)."""
    end = last_complete_period(as_of_day, settings.xyz_period)
    start = end - settings.xyz_periods + 1
    slot = period_of_days(days, settings.xyz_period) - start
    inside = (slot >= 0) & (slot < settings.xyz_periods)
    matrix = np.zeros((n_customers, settings.xyz_periods))
    flat = np.asarray(codes)[inside] * settings.xyz_periods + slot[inside]
    matrix.ravel()[:] = np.bincount(flat, weights=np.asarray(values, float)[inside],
                                    minlength=n_customers * settings.xyz_periods)
    return matrix, start


def xyz_from_matrix(matrix: np.ndarray, first_slot: np.ndarray, settings: Settings) -> XYZResult:
    """Classes from period sums; ``first_slot`` is each customer's first purchase period relative to the window
    (negative: before the window; >= number of periods or NaN: no purchase before the window ends)."""
    n_periods = matrix.shape[1]
    first = np.where(np.isfinite(first_slot), first_slot, n_periods).astype(np.int64)
    first = np.clip(first, 0, n_periods)
    counted = np.arange(n_periods)[None, :] >= first[:, None]
    periods = counted.sum(axis=1)
    enough = periods * 2 >= n_periods
    with np.errstate(invalid="ignore", divide="ignore"):
        masked = np.where(counted, matrix, 0.0)
        mean = masked.sum(axis=1) / periods
        var = np.where(counted, (matrix - mean[:, None]) ** 2, 0.0).sum(axis=1) / periods
        cv = np.where(enough & (mean > 0), np.sqrt(var) / mean, np.nan)
        frequency = np.where(enough, (counted & (matrix > 0)).sum(axis=1) / periods, np.nan)
    tol = settings.tolerance
    if settings.xyz_method == "cv":
        classes = np.where(cv <= settings.x_cv + tol, X, np.where(cv <= settings.y_cv + tol, Y, Z))
    else:
        classes = np.where(frequency >= settings.x_frequency - tol, X,
                           np.where(frequency >= settings.y_frequency - tol, Y, Z))
    classes = np.where(enough, classes, N).astype(object)
    return XYZResult(classes, periods, cv, frequency)


def xyz_class_of(period_values, *, settings: Settings | None = None) -> str:
    """XYZ class of one customer's period sums, oldest first; leading blanks (NaN) are periods before the
    first purchase and are left out, other blanks count as 0; only the last window's worth is used."""
    s = settings or Settings()
    row = np.asarray(period_values, dtype=float).ravel()[-s.xyz_periods:]
    known = np.flatnonzero(np.isfinite(row))
    first = known[0] if known.size else row.size
    padded = np.zeros((1, s.xyz_periods))
    padded[0, s.xyz_periods - row.size:] = np.nan_to_num(row, nan=0.0)
    return xyz_from_matrix(padded, np.array([s.xyz_periods - row.size + first], float), s).classes[0]
