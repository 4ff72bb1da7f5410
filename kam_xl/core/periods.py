"""Day numbers, calendar periods and the as-of day, shared by every rule."""

from __future__ import annotations

import numpy as np
import pandas as pd


def day_numbers(dates) -> np.ndarray:
    """Whole days since 1970-01-01 (int64) of datetime-like values; NaT becomes the minimum int64."""
    return np.asarray(pd.to_datetime(dates).values.astype("datetime64[D]").astype(np.int64))


def to_day(value) -> int:
    """One date-like value as a day number."""
    return int(np.datetime64(pd.Timestamp(value).date(), "D").astype(np.int64))


def to_date(day: int):
    """Day number back to a datetime.date."""
    return pd.Timestamp(np.datetime64(int(day), "D")).date()


def period_of_days(days: np.ndarray, period: str) -> np.ndarray:
    """Calendar period number of each day: months (year*12 + month-1) or quarters (year*4 + quarter-1)."""
    months = np.asarray(days).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return months if period == "month" else months // 3


def last_complete_period(as_of_day: int, period: str) -> int:
    """The most recent period whose last day is on or before the as-of day."""
    current = int(period_of_days(np.array([as_of_day]), period)[0])
    tomorrow = int(period_of_days(np.array([as_of_day + 1]), period)[0])
    return current if tomorrow != current else current - 1


def months_before(as_of_day: int, months: int) -> int:
    """Day number of the as-of day minus whole calendar months (end of month clipped, like EDATE)."""
    return to_day(pd.Timestamp(to_date(as_of_day)) - pd.DateOffset(months=months))
