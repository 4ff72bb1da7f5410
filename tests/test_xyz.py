"""XYZ rule of DESIGN.md: window, zero-fill from the first purchase, N for short history, STDEV.P."""

import numpy as np
import pytest

from kam_xl.core.periods import last_complete_period, period_of_days, to_day
from kam_xl.core.settings import Settings
from kam_xl.core.xyz import period_matrix, xyz_class_of, xyz_from_matrix


def one(values, first_slot=0, **kw):
    s = Settings(**kw)
    m = np.array([values], float)
    return xyz_from_matrix(m, np.array([first_slot], float), s)


def test_even_buyer_is_X_and_cv_uses_population_std():
    r = one([10, 20] * 6)
    # STDEV.P of (10,20,...) = 5, mean 15 -> CV 1/3 (STDEV.S would give 0.348).
    assert r.cv[0] == pytest.approx(5 / 15)
    assert r.classes[0] == "X"


def test_cv_thresholds_are_inclusive():
    # values 0.5 and 1.5 alternate: std 0.5, mean 1 -> CV exactly 0.5 -> X
    assert one([0.5, 1.5] * 6).classes[0] == "X"
    # 0 and 2 alternate: CV 1.0 -> Y ; a single spike -> Z
    assert one([0, 2] * 6).classes[0] == "Y"
    assert one([0] * 11 + [12]).classes[0] == "Z"


def test_periods_before_first_purchase_are_left_out():
    # First purchase in slot 4: 8 periods counted, all equal -> X, not Z from the leading zeros.
    r = one([0, 0, 0, 0, 5, 5, 5, 5, 5, 5, 5, 5], first_slot=4)
    assert r.periods[0] == 8 and r.classes[0] == "X"


def test_empty_periods_after_first_purchase_count_as_zero():
    r = one([5, 0, 5, 0, 5, 0, 5, 0, 5, 0, 5, 0])
    assert r.cv[0] == pytest.approx(1.0) and r.classes[0] == "Y"


def test_fewer_than_half_the_periods_is_N():
    assert one([0] * 7 + [5] * 5, first_slot=7).classes[0] == "N"   # 5 of 12
    assert one([0] * 6 + [5] * 6, first_slot=6).classes[0] == "X"   # 6 of 12 is enough
    q = Settings(xyz_period="quarter")
    m = np.array([[0, 0, 0, 5.0]])
    assert xyz_from_matrix(m, np.array([3.0]), q).classes[0] == "N"  # 1 of 4 quarters
    assert xyz_from_matrix(m, np.array([2.0]), q).classes[0] == "Y"  # 2 of 4 quarters: 0, 5 -> CV 1


def test_mean_zero_is_Z():
    assert one([0] * 12).classes[0] == "Z"
    assert one([5, -5] * 6).classes[0] == "Z"


def test_frequency_method():
    assert one([1] * 9 + [0] * 3, xyz_method="frequency").classes[0] == "X"   # 0.75
    assert one([1] * 5 + [0] * 7, xyz_method="frequency").classes[0] == "Y"   # 0.42
    assert one([1] * 4 + [0] * 8, xyz_method="frequency").classes[0] == "Z"   # 0.33


def test_last_complete_period():
    assert last_complete_period(to_day("2026-03-31"), "month") == period_of_days(np.array([to_day("2026-03-31")]),
                                                                                 "month")[0]
    assert last_complete_period(to_day("2026-03-30"), "month") == period_of_days(np.array([to_day("2026-02-01")]),
                                                                                 "month")[0]
    assert last_complete_period(to_day("2026-06-30"), "quarter") == period_of_days(np.array([to_day("2026-04-01")]),
                                                                                   "quarter")[0]
    assert last_complete_period(to_day("2026-06-29"), "quarter") == period_of_days(np.array([to_day("2026-01-01")]),
                                                                                   "quarter")[0]


def test_period_matrix_uses_the_window_and_ignores_the_incomplete_period():
    s = Settings()
    days = np.array([to_day(d) for d in ["2025-04-15", "2025-04-20", "2026-03-31", "2026-04-10", "2025-03-31"]])
    m, start = period_matrix(np.zeros(5, int), days, np.array([1.0, 2.0, 4.0, 8.0, 16.0]), 1, to_day("2026-04-10"), s)
    # Window Apr 2025 .. Mar 2026; April 2026 is incomplete, March 2025 is before the window.
    assert m.shape == (1, 12)
    assert m[0, 0] == 3.0 and m[0, 11] == 4.0 and m.sum() == 7.0


def test_single_row_function():
    assert xyz_class_of([10, 20] * 6) == "X"
    assert xyz_class_of([None] * 7 + [5] * 5) == "N"
    assert xyz_class_of([np.nan] * 4 + [5] * 8) == "X"
