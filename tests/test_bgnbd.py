"""BG/NBD (kam_xl.core.bgnbd) against the published CDNOW fit and an independent implementation.

The lifetimes package (test-only dependency) supplies both: the 2,357-customer CDNOW sample it ships
(weekly units, read as a file: its loader functions need pkg_resources) and BetaGeoFitter, whose
P(alive) and log-likelihood serve as the independent check.
"""

from __future__ import annotations

import importlib.resources
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import check_grad

from kam_xl.core import bgnbd
from kam_xl.core.bgnbd import BGNBDFitError, BGNBDParams, fit, log_likelihood, p_alive, summary_from_purchase_days
from kam_xl.errors import InputError

with warnings.catch_warnings():   # lifetimes 0.11.3 sets a pandas option that pandas 3 deprecates
    warnings.filterwarnings("ignore", message=".*mode.chained_assignment")
    from lifetimes import BetaGeoFitter

# Fader, Hardie & Lee (2005), CDNOW sample, weekly units.
PUBLISHED = BGNBDParams(r=0.243, alpha=4.414, a=0.793, b=2.426)
PUBLISHED_LOG_LIKELIHOOD = -9582.4


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    path = importlib.resources.files("lifetimes.datasets") / "cdnow_customers_summary.csv"
    with importlib.resources.as_file(path) as csv:
        df = pd.read_csv(csv)
    assert len(df) == 2357
    return df


@pytest.fixture(scope="module")
def cdnow_fit(cdnow) -> BGNBDParams:
    return fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])


def lifetimes_fitter(params: BGNBDParams) -> BetaGeoFitter:
    fitter = BetaGeoFitter()
    fitter.params_ = pd.Series({"r": params.r, "alpha": params.alpha, "a": params.a, "b": params.b})
    return fitter


def simulate_daily(n: int, params: BGNBDParams, seed: int):
    """Customers drawn from the BG/NBD process itself, ages 30..1500 days, rounded to purchase days.

    Per customer: lambda ~ Gamma(r, alpha), p ~ Beta(a, b); the purchase after which it drops out is
    Geometric(p); N ~ Poisson(lambda T) purchases would happen if it never dropped out, so
    x = min(N, dropout purchase), and the x-th of N uniform times on (0, T) is T * Beta(x, N - x + 1).
    """
    rng = np.random.default_rng(seed)
    age = rng.integers(30, 1501, n).astype(float)
    rate = rng.gamma(params.r, 1.0 / params.alpha, n)
    dropout_after = rng.geometric(rng.beta(params.a, params.b, n))
    would_buy = rng.poisson(rate * age)
    x = np.minimum(would_buy, dropout_after)
    recency = np.zeros(n)
    repeat = x > 0
    recency[repeat] = np.floor(age[repeat] * rng.beta(x[repeat], would_buy[repeat] - x[repeat] + 1))
    x = np.minimum(x, recency)                        # distinct purchase days: at most one per day
    return x.astype(float), recency, age


# ---------------------------------------------------------------------------------------------- CDNOW


def test_cdnow_fit_reproduces_published_estimates(cdnow_fit):
    for name in ("r", "alpha", "a", "b"):
        assert getattr(cdnow_fit, name) == pytest.approx(getattr(PUBLISHED, name), rel=0.01), name


def test_cdnow_fit_reaches_published_log_likelihood(cdnow, cdnow_fit):
    total = log_likelihood(cdnow_fit, cdnow["frequency"], cdnow["recency"], cdnow["T"]).sum()
    assert total == pytest.approx(PUBLISHED_LOG_LIKELIHOOD, abs=0.05)


def test_cdnow_fit_matches_lifetimes_own_fit(cdnow, cdnow_fit):
    theirs = BetaGeoFitter().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"]).params_
    for name in ("r", "alpha", "a", "b"):
        assert getattr(cdnow_fit, name) == pytest.approx(theirs[name], rel=1e-4), name


def test_log_likelihood_equals_lifetimes_eq6(cdnow, cdnow_fit):
    f, rec, age = (cdnow[c].to_numpy() for c in ("frequency", "recency", "T"))
    for params in (cdnow_fit, BGNBDParams(r=2.0, alpha=0.5, a=3.0, b=0.4)):
        theirs = BetaGeoFitter._negative_log_likelihood(
            np.log([params.r, params.alpha, params.a, params.b]), f, rec, age, np.ones(len(f)), 0.0)
        assert -log_likelihood(params, f, rec, age).mean() == pytest.approx(theirs, rel=1e-12)


def test_analytic_gradient_matches_finite_differences(cdnow):
    f, rec, age = (cdnow[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    data = bgnbd._CompressedData(f, rec / age.mean(), age / age.mean(), np.ones(len(f)))
    for point in ([0.0, 0.0, 0.0, 0.0], [-1.4, 0.3, -0.2, 0.9], [1.0, -2.0, 2.0, -1.0]):
        point = np.array(point)
        grad = bgnbd._negative_mean_ll_and_grad(point, data)[1]
        error = check_grad(lambda p: bgnbd._negative_mean_ll_and_grad(p, data)[0],
                           lambda p: bgnbd._negative_mean_ll_and_grad(p, data)[1], point, epsilon=1e-7)
        assert error < 1e-6 * max(1.0, np.abs(grad).max()), (point, grad, error)


# ------------------------------------------------------------------------------------------ P(alive)


def test_p_alive_agrees_with_lifetimes_on_cdnow(cdnow, cdnow_fit):
    f, rec, age = (cdnow[c].to_numpy() for c in ("frequency", "recency", "T"))
    ours = p_alive(cdnow_fit, f, rec, age)
    theirs = lifetimes_fitter(cdnow_fit).conditional_probability_alive(f, rec, age)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=0)
    assert 0.0 < ours.min() < 0.05 and ours.max() == 1.0


def test_p_alive_agrees_with_lifetimes_on_daily_data():
    params = BGNBDParams(r=0.8, alpha=40.0, a=0.6, b=4.0)
    f, rec, age = simulate_daily(20_000, params, seed=3)
    ours = p_alive(params, f, rec, age)
    theirs = lifetimes_fitter(params).conditional_probability_alive(f, rec, age)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=0)
    assert ours.min() < 1e-6 and (ours < 0.5).mean() > 0.1


def test_one_time_buyers_are_alive_with_certainty(cdnow_fit):
    np.testing.assert_array_equal(p_alive(cdnow_fit, [0, 0, 0], [0, 0, 0], [1, 50, 1500]), [1.0, 1.0, 1.0])


def test_long_silent_repeat_buyer_is_probably_gone_and_recent_one_is_not(cdnow_fit):
    silent, recent = p_alive(cdnow_fit, [10, 10], [5, 37], [38, 38])
    assert silent < 0.01 < 0.9 < recent


@settings(max_examples=200, deadline=None)
@given(x=st.integers(1, 300), recency=st.floats(0, 1000), extra=st.floats(0, 1000), later=st.floats(0.1, 500))
def test_p_alive_is_a_probability_that_falls_with_silence(x, recency, extra, later):
    params = BGNBDParams(r=0.7, alpha=30.0, a=0.5, b=3.0)
    now, then = p_alive(params, [x, x], [recency, recency], [recency + extra, recency + extra + later])
    assert 0.0 <= then <= now <= 1.0


# ------------------------------------------------------------------------------------------ Fit rules


def test_fit_in_days_gives_weekly_params_with_alpha_times_seven(cdnow, cdnow_fit):
    days = fit(cdnow["frequency"], cdnow["recency"] * 7, cdnow["T"] * 7)
    assert days.alpha == pytest.approx(cdnow_fit.alpha * 7, rel=1e-6)
    for name in ("r", "a", "b"):
        assert getattr(days, name) == pytest.approx(getattr(cdnow_fit, name), rel=1e-6), name


def test_weights_count_like_repeated_rows(cdnow):
    f, rec, age = (cdnow[c].to_numpy() for c in ("frequency", "recency", "T"))
    weights = np.random.default_rng(5).integers(0, 4, len(f))
    weighted = fit(f, rec, age, weights=weights)
    repeated = fit(np.repeat(f, weights), np.repeat(rec, weights), np.repeat(age, weights))
    for name in ("r", "alpha", "a", "b"):
        assert getattr(weighted, name) == pytest.approx(getattr(repeated, name), rel=1e-9), name


def test_fit_recovers_simulated_daily_params_for_50k_customers():
    true = BGNBDParams(r=0.8, alpha=40.0, a=0.6, b=4.0)
    f, rec, age = simulate_daily(50_000, true, seed=1)
    assert f.max() > 100 and 0.05 < (f == 0).mean() < 0.5      # realistic daily spread
    got = fit(f, rec, age)
    for name in ("r", "alpha", "a", "b"):
        assert getattr(got, name) == pytest.approx(getattr(true, name), rel=0.1), name


def test_no_customers_is_an_input_error():
    with pytest.raises(InputError, match="no customers"):
        fit([], [], [])
    with pytest.raises(InputError, match="no customers"):
        fit([1, 0], [3, 0], [10, 5], weights=[0, 0])


def test_no_repeat_buyer_gives_nan_params_and_p_alive_one():
    params = fit([0, 0, 0], [0, 0, 0], [10, 400, 0])
    assert not params.estimated and all(math.isnan(v) for v in (params.r, params.alpha, params.a, params.b))
    np.testing.assert_array_equal(p_alive(params, [0, 0, 0], [0, 0, 0], [10, 400, 0]), 1.0)


def test_tiny_or_degenerate_data_fit_without_error():
    for f, rec, age in (([1], [3], [10]),                        # one customer
                        ([5, 3], [10, 10], [10, 10]),            # nobody seems to drop out
                        ([523, 916, 1062], [523, 1011, 1062], [952, 1012, 1063])):   # buys every day
        params = fit(f, rec, age)
        assert params.estimated
        assert np.all((p_alive(params, f, rec, age) >= 0) & (p_alive(params, f, rec, age) <= 1))


def test_invalid_rows_name_the_argument_and_position():
    with pytest.raises(InputError, match=r"recency\[1\] = 12: recency is larger than T"):
        fit([1, 2], [3, 12], [10, 11])
    with pytest.raises(InputError, match=r"frequency\[0\] = -1: expected a count"):
        p_alive(PUBLISHED, [-1], [0], [5])
    with pytest.raises(InputError, match=r"recency must be 0 where frequency is 0"):
        fit([0, 1], [2, 3], [5, 5])


def test_when_lbfgsb_stalls_nelder_mead_finishes_the_fit(cdnow, cdnow_fit, monkeypatch):
    real_minimize = bgnbd.minimize

    def stalling_lbfgsb(fun, x0, **kwargs):
        if kwargs["method"] == "L-BFGS-B":
            return real_minimize(fun, x0, **{**kwargs, "options": {"maxiter": 3}})
        return real_minimize(fun, x0, **kwargs)

    monkeypatch.setattr(bgnbd, "minimize", stalling_lbfgsb)
    params = fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    for name in ("r", "alpha", "a", "b"):
        assert getattr(params, name) == pytest.approx(getattr(cdnow_fit, name), rel=1e-4), name


def test_when_no_optimiser_converges_the_fit_raises(cdnow, monkeypatch):
    real_minimize = bgnbd.minimize
    monkeypatch.setattr(bgnbd, "minimize",
                        lambda fun, x0, **kwargs: real_minimize(fun, x0, **{**kwargs, "options": {"maxiter": 2}}))
    with pytest.raises(BGNBDFitError, match="did not converge on 2357 customers"):
        fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])


# ------------------------------------------------------------------------------------------- Summary


def test_summary_worked_example():
    # Customer 1: bought on days 100, 110, 120, 130 (4 distinct days); customer 2 once, on day 150.
    frequency, recency, T = summary_from_purchase_days([100, 150], [130, 150], [4, 1], 160)
    np.testing.assert_array_equal(frequency, [3.0, 0.0])
    np.testing.assert_array_equal(recency, [30.0, 0.0])
    np.testing.assert_array_equal(T, [60.0, 10.0])
    assert frequency.dtype == recency.dtype == T.dtype == np.float64


def test_summary_rejects_impossible_histories():
    with pytest.raises(InputError, match=r"n_days\[0\] = 5: more distinct purchase days"):
        summary_from_purchase_days([100], [103], [5], 110)
    with pytest.raises(InputError, match=r"last_day\[1\].*after the as-of day"):
        summary_from_purchase_days([100, 100], [105, 120], [2, 2], 110)
    with pytest.raises(InputError, match=r"first_day\[0\] = 100.5: expected a whole day number"):
        summary_from_purchase_days([100.5], [105], [2], 110)
