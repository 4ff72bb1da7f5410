"""Churn rules: interval, silence, lost / at risk / active, complaint trend, one-time buyers."""

import numpy as np

from kam_xl.core.churn import churn_flags, complaint_counts, intervals, purchase_days
from kam_xl.core.settings import Settings


def flag(interval, silence, recent=0, previous=0, **kw):
    return churn_flags([interval], [silence], [recent], [previous], Settings(**kw))[0]


def test_lost_beyond_three_intervals_or_a_year():
    assert flag(30, 91) == "lost"
    assert flag(30, 90) == "at risk"   # 3 x 30 is not more than 90
    assert flag(300, 366) == "lost"    # over 365 days whatever the rhythm
    assert flag(300, 365) == "active"


def test_at_risk_beyond_one_and_a_half_intervals():
    assert flag(30, 46) == "at risk"
    assert flag(30, 45) == "active"


def test_complaint_trend_makes_at_risk():
    assert flag(30, 1, recent=2, previous=1) == "at risk"
    assert flag(30, 1, recent=2, previous=2) == "active"   # not more than before
    assert flag(30, 1, recent=1, previous=0) == "active"   # fewer than two
    assert flag(30, 1, recent=3, previous=2, complaint_min=4) == "active"


def test_no_purchase_is_none():
    assert flag(np.nan, np.nan) == "none"


def test_purchase_days_are_distinct_days():
    p = purchase_days([0, 0, 0, 1, 0], [10, 10, 20, 5, 40], 3)
    assert list(p.count) == [3, 1, 0]
    assert list(p.first[:2]) == [10, 5] and list(p.last[:2]) == [40, 5]
    assert np.isnan(p.first[2])


def test_interval_is_mean_gap_and_one_time_buyers_get_the_median():
    p = purchase_days([0, 0, 0, 1, 1, 2, 3], [0, 10, 20, 0, 30, 7, 9], 4)
    got = intervals(p)
    assert list(got[:2]) == [10.0, 30.0]
    assert got[2] == got[3] == 20.0   # median of 10 and 30


def test_one_time_buyer_is_flagged_by_the_population_rhythm():
    # Median interval 20: a one-time buyer silent for 61 days is lost, whatever P(alive) would say.
    p = purchase_days([0, 0, 1, 1, 2], [0, 20, 0, 20, 39], 3)
    silence = 100 - p.last
    flags = churn_flags(intervals(p), silence, [0, 0, 0], [0, 0, 0])
    assert flags[2] == "lost"


def test_complaint_windows():
    as_of = 1000
    days = [1000, 911, 910, 821, 820, 1001]
    recent, prev = complaint_counts([0] * 6, days, 1, as_of, 90)
    # 1000 and 911 are within the last 90 days; 910 and 821 in the 90 before; 820 older; 1001 is after as-of.
    assert recent[0] == 2 and prev[0] == 2
