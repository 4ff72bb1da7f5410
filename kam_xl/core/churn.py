"""Churn flags from purchase rhythm and complaints.

interval = mean days between distinct purchase days (the population median for one-day buyers);
silence = days since the last purchase. Lost if silence > lost_factor x interval or > lost_days;
at risk if silence > risk_factor x interval, or complaints in the last complaint_days >= complaint_min and
more than in the complaint_days before; else active. Customers without a purchase get "none".
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from kam_xl.core.schema import ACTIVE, AT_RISK, LOST, NO_PURCHASE
from kam_xl.core.settings import Settings


class PurchaseDays(NamedTuple):
    first: np.ndarray
    """First purchase day number (NaN: none)."""
    last: np.ndarray
    count: np.ndarray
    """Distinct purchase days (int)."""


def purchase_days(codes, days, n_customers: int) -> PurchaseDays:
    """First and last day and number of distinct days per customer code, in one sort."""
    codes = np.asarray(codes, dtype=np.int64)
    days = np.asarray(days, dtype=np.int64)
    first = np.full(n_customers, np.nan)
    last = np.full(n_customers, np.nan)
    count = np.zeros(n_customers, dtype=np.int64)
    if codes.size == 0:
        return PurchaseDays(first, last, count)
    offset = days.min()
    span = days.max() - offset + 1
    keys = np.sort(codes * span + (days - offset))
    keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))]      # distinct (customer, day), sorted
    key_codes, key_days = keys // span, keys % span + offset
    start = np.flatnonzero(np.concatenate(([True], key_codes[1:] != key_codes[:-1])))
    owners, n = key_codes[start], np.diff(np.append(start, keys.size))
    first[owners] = key_days[start]
    last[owners] = key_days[start + n - 1]
    count[owners] = n
    return PurchaseDays(first, last, count)


def intervals(p: PurchaseDays) -> np.ndarray:
    """Mean days between distinct purchase days; one-day buyers get the median of the others (NaN if none)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        own = np.where(p.count >= 2, (p.last - p.first) / (p.count - 1), np.nan)
    repeat = own[np.isfinite(own)]
    median = float(np.median(repeat)) if repeat.size else np.nan
    return np.where(p.count == 1, median, own)


def complaint_counts(codes, days, n_customers: int, as_of_day: int, window: int):
    """Complaints per customer in the last ``window`` days (as-of day included) and in the window before."""
    age = as_of_day - np.asarray(days, dtype=np.int64)
    codes = np.asarray(codes, dtype=np.int64)
    recent = np.bincount(codes[(age >= 0) & (age < window)], minlength=n_customers)
    previous = np.bincount(codes[(age >= window) & (age < 2 * window)], minlength=n_customers)
    return recent, previous


def churn_flags(interval, silence, complaints_recent, complaints_previous, settings: Settings | None = None):
    """"active", "at risk", "lost" or "none" (no purchase: silence NaN) per customer."""
    s = settings or Settings()
    interval = np.asarray(interval, dtype=float)
    silence = np.asarray(silence, dtype=float)
    recent = np.asarray(complaints_recent)
    previous = np.asarray(complaints_previous)
    with np.errstate(invalid="ignore"):
        lost = (silence > s.lost_factor * interval) | (silence > s.lost_days)
        risky = (silence > s.risk_factor * interval) | ((recent >= s.complaint_min) & (recent > previous))
    flags = np.where(lost, LOST, np.where(risky, AT_RISK, ACTIVE)).astype(object)
    flags[~np.isfinite(silence)] = NO_PURCHASE
    return flags
