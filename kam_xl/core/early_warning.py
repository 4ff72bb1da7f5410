"""Early warning: the slide before churn. Class migration, revenue trend, expected purchases, CLV, reasons.

Per customer, as of the evaluation day (DESIGN.md, "Early warning"):
- abc_12m / abc_prev: the ABC class on the value of the last 12 months / of the 12 months before those;
  migration "PREV→NOW" when they differ;
- revenue_12m, revenue_prev_12m and trend = revenue_12m / revenue_prev_12m - 1 (NaN when the year
  before had no positive revenue);
- expected_purchases_90d: BG/NBD conditional expectation (FHL 2005, eq. 10) of purchase days in 90 days;
- avg_order_value: Gamma-Gamma conditional expected value of one purchase day (FHL 2005, "RFM and CLV");
- clv_12m: expected purchase days per month x avg_order_value, discounted monthly, over 12 months;
- warning: for key accounts, the reasons joined by "; ".
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from kam_xl.core import bgnbd, gammagamma
from kam_xl.core.abc import abc_classes
from kam_xl.core.periods import months_before
from kam_xl.core.schema import AT_RISK, LOST
from kam_xl.core.settings import Settings

MONTH_DAYS = 30.4375
"""Average length of a month in days (365.25 / 12), the CLV's time step."""
EXPECTED_DAYS = 90
"""Horizon of expected_purchases_90d in days."""


def _rank(classes) -> np.ndarray:
    """A 3, B 2, C 1, N 0: a larger number is a better class."""
    classes = np.asarray(classes, dtype=object)
    return np.select([classes == "A", classes == "B", classes == "C"], [3, 2, 1], 0)


class Migration(NamedTuple):
    abc_12m: np.ndarray
    abc_prev: np.ndarray
    migration: np.ndarray
    """"" when the class stayed, else "PREV→NOW"."""
    revenue_12m: np.ndarray
    revenue_prev_12m: np.ndarray
    trend: np.ndarray
    """revenue_12m / revenue_prev_12m - 1; NaN when revenue_prev_12m <= 0."""


def migration(codes, days, value, amount, n: int, as_of_day: int, s: Settings) -> Migration:
    """ABC classes and revenue of the two rolling 12-month windows that end on the as-of day.

    ``value`` is the ABC value per line (amount, or margin when ABC ranks profit); ``amount`` the revenue.
    Lines after the as-of day must already be left out.
    """
    start_now = months_before(as_of_day, 12)
    start_prev = months_before(as_of_day, 24)
    now = days > start_now
    prev = (days > start_prev) & ~now

    def window(mask, weights):
        return np.bincount(codes[mask], weights=weights[mask], minlength=n)

    options = dict(a_share=s.a_share, b_share=s.b_share, tolerance=s.tolerance)
    abc_now = abc_classes(window(now, value), **options).classes
    abc_prev = abc_classes(window(prev, value), **options).classes
    moved = np.where(abc_now == abc_prev, "", abc_prev.astype(object) + "→" + abc_now.astype(object))
    revenue_now, revenue_prev = window(now, amount), window(prev, amount)
    with np.errstate(divide="ignore", invalid="ignore"):
        trend = np.where(revenue_prev > 0, revenue_now / revenue_prev - 1.0, np.nan)
    return Migration(abc_now, abc_prev, moved.astype(object), revenue_now, revenue_prev, trend)


def repeat_spend(codes, days, amount, first_day, purchase_days, n: int) -> np.ndarray:
    """Mean value of each customer's repeat purchase days: their amounts, the first purchase day left out.

    ``codes``/``days``/``amount``: purchase lines only (positive amounts); ``first_day`` and
    ``purchase_days`` (distinct days) per customer. NaN for customers without a repeat purchase day.
    """
    later = days != first_day[codes]
    total = np.bincount(codes[later], weights=amount[later], minlength=n)
    repeat_days = np.asarray(purchase_days, dtype=float) - 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(repeat_days > 0, total / repeat_days, np.nan)


def average_order_value(frequency, mean_spend) -> np.ndarray:
    """Gamma-Gamma conditional expected value of one purchase day for every customer (NaN: no fit)."""
    try:
        params = gammagamma.fit(frequency, mean_spend)
    except (ValueError, gammagamma.GammaGammaFitError):
        return np.full(np.shape(frequency), np.nan)
    return gammagamma.conditional_expected_value(params, frequency, mean_spend)


def clv_12m(params: bgnbd.BGNBDParams, frequency, recency, T, order_value, discount_rate: float) -> np.ndarray:
    """Sum over months m = 1..12 of E[purchase days in month m] x order_value / (1 + discount_rate)^m."""
    horizons = np.arange(1, 13)[:, None] * MONTH_DAYS
    upto = bgnbd.expected_purchases(params, horizons, frequency, recency, T)          # 12 x customers
    cumulative = np.vstack([np.zeros((1, upto.shape[1])), upto])
    per_month = np.diff(cumulative, axis=0)                                    # 12 x customers
    discount = (1.0 + discount_rate) ** -np.arange(1, 13)
    return (discount @ per_month) * np.asarray(order_value, dtype=float)


def warnings(key, moved: Migration, expected_90d, interval, complaints_recent, complaints_prev, churn,
             s: Settings) -> np.ndarray:
    """Reasons for concern per key account, joined by "; " ("" for others and for calm key accounts)."""
    n = len(key)
    key = np.asarray(key, dtype=bool)
    reasons = np.full(n, "", dtype=object)
    down = _rank(moved.abc_prev) > _rank(moved.abc_12m)
    usual = EXPECTED_DAYS / np.asarray(interval, dtype=float)
    expected = np.asarray(expected_90d, dtype=float)
    with np.errstate(invalid="ignore"):
        falling = moved.trend <= s.warn_trend + s.tolerance
        slow = expected < s.warn_expected * usual
    complaining = (complaints_recent >= s.complaint_min) & (complaints_recent > complaints_prev)
    churned = np.isin(np.asarray(churn, dtype=object), [AT_RISK, LOST])
    checks = [
        (down, lambda i: f"class {moved.migration[i]}"),
        (falling, lambda i: f"revenue {moved.trend[i]:+.0%} on the year before"),
        (slow, lambda i: f"{expected[i]:.1f} purchases expected in 90 days, usually {usual[i]:.1f}"),
        (complaining, lambda i: f"{complaints_recent[i]} complaints in {s.complaint_days} days "
                                f"({complaints_prev[i]} before)"),
        (churned, lambda i: f"churn: {churn[i]}"),
    ]
    for i in np.flatnonzero(key & np.any([mask for mask, _ in checks], axis=0)):
        reasons[i] = "; ".join(text(i) for mask, text in checks if mask[i])
    return reasons
