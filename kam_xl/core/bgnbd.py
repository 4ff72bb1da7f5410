"""BG/NBD: will a customer buy again? Own maximum-likelihood fit and P(alive), numpy/scipy only.

Model (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way: An Alternative to the
Pareto/NBD Model", Marketing Science 24(2), 275-284; "FHL" below), in five lines:

1. While active, a customer buys by a Poisson process with rate lambda.
2. lambda varies across customers as Gamma(shape r, rate alpha).
3. Right after each repeat purchase, a customer drops out for good with probability p.
4. p varies across customers as Beta(a, b).
5. lambda and p are independent of each other and across customers.

Input per customer: x = frequency (repeat purchases), t_x = recency (time from the first to the last
purchase), T = age (time from the first purchase to the as-of day), all in one time unit. Here the
unit is days and a "purchase" is a distinct purchase day (DESIGN.md, Churn); alpha carries the unit,
r, a and b do not.

Numerics, said openly:
- Everything is in log space with ``gammaln``; the two terms of FHL eq. (6) are joined with
  ``logaddexp``-style softplus, so nothing overflows for T in the thousands and x in the hundreds.
- Where x = 0 the second term of eq. (6) is absent (delta_{x>0}); it is masked, never evaluated.
- ln((alpha+T)/(alpha+t_x)) is computed as log1p((T-t_x)/(alpha+t_x)), exact when T is close to t_x.
- The fit runs on log-parameters in a wide box, in a time unit rescaled so the mean age is 1
  (alpha is scaled back at the end; the MLE is equivariant, so days and weeks give the same r, a, b).

Nothing here keeps state: :func:`fit` returns a frozen :class:`BGNBDParams`, :func:`p_alive` an array.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import digamma, expit, gammaln, hyp2f1

from kam_xl.errors import InputError

__all__ = ["BGNBDParams", "BGNBDFitError", "summary_from_purchase_days", "fit", "p_alive",
           "expected_purchases", "log_likelihood"]

# Box for log(r, alpha, a, b), alpha in the rescaled time unit (mean age 1). An estimate on the edge
# means the data do not pin that parameter down (e.g. nobody seems to drop out: a -> 0 or b -> inf;
# everyone buys at the same rate: r, alpha -> inf together); P(alive) is then at its limit, which is
# still a usable answer. The shapes stop at e^12 = 1.6e5: a Gamma or Beta that narrow is a point mass
# for every purpose here, and without the cap such ridges never let the optimiser settle.
_LOWER = np.array([-20.0, -20.0, -20.0, -20.0])
_UPPER = np.array([12.0, 20.0, 12.0, 12.0])
# Accept the optimum, whatever the optimiser's flag, when no log-parameter can still move the
# log-likelihood: its gradient is below 1e-5 per customer or below 0.01 in total (moving a parameter
# by a factor e would gain under 0.01 in ln L, far below statistical meaning). The second rule
# matters on tiny data, whose likelihood may rise forever along a ridge (r, alpha -> infinity).
_GRADIENT_TOLERANCE_MEAN = 1e-5
_GRADIENT_TOLERANCE_TOTAL = 1e-2


class BGNBDFitError(RuntimeError):
    """The likelihood maximisation did not converge (after the fallback optimiser, too)."""


@dataclass(frozen=True)
class BGNBDParams:
    """Fitted BG/NBD parameters (FHL 2005; the model assumptions are in the module docstring).

    r, alpha: shape and rate of the Gamma spread of purchase rates; alpha is in the time unit of the
    data (days here), so the mean purchase rate of active customers is r / alpha per day.
    a, b: shapes of the Beta spread of the dropout probability p; mean p = a / (a + b).
    All four are NaN when the data held no repeat buyer (see :func:`fit`).
    """

    r: float
    alpha: float
    a: float
    b: float

    @property
    def estimated(self) -> bool:
        """False for the no-repeat-buyer fallback (all NaN)."""
        return not any(math.isnan(v) for v in (self.r, self.alpha, self.a, self.b))


# --------------------------------------------------------------------------------------------------
# Input


def summary_from_purchase_days(first_day, last_day, n_days, as_of_day):
    """(frequency, recency, T) in days, from each customer's first and last purchase day and the
    number of distinct purchase days, as of an evaluation day.

    frequency = n_days - 1 (repeat purchase days), recency = last_day - first_day,
    T = as_of_day - first_day. Integer day numbers in (any epoch, e.g. Excel serials or
    ``datetime.date.toordinal()``), float arrays out. ``as_of_day`` may be one day for everyone.
    Example: first day 100, last day 130, 4 purchase days, as of day 160 -> (3.0, 30.0, 60.0).
    """
    first = _day_numbers(first_day, "first_day")
    last = _day_numbers(last_day, "last_day")
    n = _day_numbers(n_days, "n_days")
    as_of = _day_numbers(as_of_day, "as_of_day")
    try:
        first, last, n, as_of = np.broadcast_arrays(first, last, n, as_of)
    except ValueError:
        raise InputError(f"first_day, last_day, n_days and as_of_day have different lengths "
                         f"({np.shape(first)}, {np.shape(last)}, {np.shape(n)}, {np.shape(as_of)}) "
                         f"— pass one value per customer (as_of_day may be a single day).") from None
    _require(n >= 1, n, "n_days", "expected at least 1 purchase day")
    _require(last >= first, last, "last_day", "last purchase day is before the first one")
    _require(as_of >= last, last, "last_day",
             "last purchase day is after the as-of day — leave out later transactions or move the as-of day")
    _require(n - 1 <= last - first, n, "n_days",
             "more distinct purchase days than days between the first and the last purchase")
    return ((n - 1).astype(float), (last - first).astype(float), (as_of - first).astype(float))


def _day_numbers(values, name: str) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    _require(np.isfinite(arr), arr, name, "expected a whole day number")
    _require(arr == np.round(arr), arr, name, "expected a whole day number, found a fraction")
    return arr


def _require(ok: np.ndarray, values: np.ndarray, name: str, message: str) -> None:
    """Raise InputError naming the argument, the first offending position and its value."""
    ok = np.asarray(ok)
    if not ok.all():
        where = np.unravel_index(int(np.argmin(ok.ravel())), ok.shape) if ok.ndim else ()
        pos = f"[{where[0]}]" if len(where) == 1 else (f"[{where}]" if where else "")
        value = float(np.asarray(values)[where])
        raise InputError(f"{name}{pos} = {value:g}: {message}.")


def _customer_arrays(frequency, recency, T) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate (x, t_x, T) as FHL define them and return them as equal-shape float arrays."""
    x, tx, age = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
    try:
        x, tx, age = np.broadcast_arrays(x, tx, age)
    except ValueError:
        raise InputError(f"frequency, recency and T have different lengths "
                         f"({np.shape(x)}, {np.shape(tx)}, {np.shape(age)}) — pass one value per customer."
                         ) from None
    for arr, name in ((x, "frequency"), (tx, "recency"), (age, "T")):
        _require(np.isfinite(arr), arr, name, "expected a finite number")
    _require(x >= 0, x, "frequency", "expected a count of repeat purchases >= 0")
    _require(x == np.round(x), x, "frequency", "expected a whole count of repeat purchases")
    _require(tx >= 0, tx, "recency", "expected time from first to last purchase >= 0")
    _require(tx <= age, tx, "recency", "recency is larger than T (time from first purchase to as-of day)")
    _require((x > 0) | (tx == 0), tx, "recency", "recency must be 0 where frequency is 0")
    return x, tx, age


# --------------------------------------------------------------------------------------------------
# Model


def _log_tail_terms(r, alpha, a, b, x, tx, age):
    """The parts of ln L (FHL eq. 6) that differ per customer, following Hardie's note 004 split
    ln L = A1 + A2 + ln(exp(A3) + delta_{x>0} exp(A4)):

        A3 = -(r+x) ln(alpha+T)
        A4 = ln a - ln(b+x-1) - (r+x) ln(alpha+t_x)           (only where x > 0)

    since B(a+1, b+x-1) / B(a, b+x) = a / (b+x-1). Returns A3 and d = A4 - A3 (-inf where x = 0):
    the log of the ratio of the "dropped out after t_x" term to the "still active" term.
    """
    repeat = x > 0
    log_ratio = np.log1p((age - tx) / (alpha + tx))             # ln((alpha+T)/(alpha+t_x)) >= 0
    d = np.full(x.shape, -np.inf)
    xr = x[repeat]
    d[repeat] = np.log(a) - np.log(b + xr - 1.0) + (r + xr) * log_ratio[repeat]
    a3 = -(r + x) * np.log(alpha + age)
    return a3, d


def log_likelihood(params: BGNBDParams, frequency, recency, T) -> np.ndarray:
    """ln L(r, alpha, a, b | x, t_x, T) per customer, FHL eq. (6):

        L = B(a, b+x)/B(a, b) * Gamma(r+x) alpha^r / (Gamma(r) (alpha+T)^(r+x))
            + delta_{x>0} B(a+1, b+x-1)/B(a, b) * Gamma(r+x) alpha^r / (Gamma(r) (alpha+t_x)^(r+x))

    in log space: A1 = ln Gamma(r+x) - ln Gamma(r) + r ln alpha,
    A2 = ln Gamma(a+b) + ln Gamma(b+x) - ln Gamma(b) - ln Gamma(a+b+x), ln L = A1 + A2 + A3 + softplus(d).
    """
    x, tx, age = _customer_arrays(frequency, recency, T)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3, d = _log_tail_terms(r, alpha, a, b, x, tx, age)
    return a1 + a2 + a3 + np.logaddexp(0.0, d)


def p_alive(params: BGNBDParams, frequency, recency, T) -> np.ndarray:
    """Probability that each customer is still active at T, given (x, t_x, T): 1.0 where x = 0.

    By Bayes on FHL eq. (6), P(alive) is the share of the first ("still active at T") term in L;
    written out in Fader, Hardie & Lee (2008), "Computing P(alive) using the BG/NBD model"
    (brucehardie.com/notes/021):

        P(alive | x, t_x, T) = 1 / (1 + delta_{x>0} a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x))

    evaluated as expit(-d) with d = ln(a/(b+x-1)) + (r+x) ln((alpha+T)/(alpha+t_x)), so it neither
    overflows nor underflows. The model never gives a one-time buyer (x = 0) anything but 1.0: it
    cannot drop out before a repeat purchase. Arrays broadcast; the result has their common shape.
    With the no-repeat-buyer fallback (NaN parameters) customers with x > 0 get NaN.
    """
    x, tx, age = _customer_arrays(frequency, recency, T)
    out = np.ones(x.shape)
    repeat = x > 0
    if repeat.any():
        r, alpha, a, b = params.r, params.alpha, params.a, params.b
        _, d = _log_tail_terms(r, alpha, a, b, x[repeat], tx[repeat], age[repeat])
        out[repeat] = expit(-d)
    return out


def expected_purchases(params: BGNBDParams, t, frequency, recency, T) -> np.ndarray:
    """Expected number of purchases in the next ``t`` time units given (x, t_x, T), FHL eq. (10):

        E[Y(t) | x, t_x, T] = (a+b+x-1)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x)
                              2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t))] * P(alive | x, t_x, T)

    (the denominator of eq. 10 is 1/P(alive), see :func:`p_alive`). ``t`` may be a scalar or broadcast
    with the customers. The power is taken in log space; ``hyp2f1`` gets z < 1 always. NaN with the
    no-repeat-buyer fallback (the model then says nothing about future purchases).
    """
    x, tx, age = _customer_arrays(frequency, recency, T)
    t = np.asarray(t, dtype=float)
    if not params.estimated:
        return np.full(np.broadcast(x, t).shape, np.nan)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    rx = r + x
    power = np.exp(-rx * np.log1p(t / (alpha + age)))              # ((alpha+T)/(alpha+T+t))^(r+x)
    hyper = hyp2f1(rx, b + x, a + b + x - 1.0, t / (alpha + age + t))
    return (a + b + x - 1.0) / (a - 1.0) * (1.0 - power * hyper) * p_alive(params, x, tx, age)


# --------------------------------------------------------------------------------------------------
# Fit


class _CompressedData:
    """Unique (x, t_x, T) rows with summed weights, plus the unique x values (for the gammaln terms)."""

    def __init__(self, x, tx, age, w):
        # Sort rows lexicographically and cut where any column changes (np.unique(axis=0) is ~10x slower).
        order = np.lexsort((age, tx, x))
        xs, txs, ages = x[order], tx[order], age[order]
        new_row = np.empty(len(xs), dtype=bool)
        new_row[0] = True
        new_row[1:] = (xs[1:] != xs[:-1]) | (txs[1:] != txs[:-1]) | (ages[1:] != ages[:-1])
        starts = np.flatnonzero(new_row)
        self.w = np.add.reduceat(w[order], starts)
        keep = self.w > 0
        self.w = self.w[keep]
        self.x, self.tx, self.age = xs[starts][keep], txs[starts][keep], ages[starts][keep]
        self.x_values, x_index = np.unique(self.x, return_inverse=True)
        self.x_weights = np.bincount(x_index, weights=self.w)
        self.total = self.w.sum()
        self.repeat = self.x > 0
        # Columns used per evaluation, pre-split so the x = 0 rows (second term absent) cost nothing.
        self.xr, self.txr, self.ager, self.wr = (v[self.repeat] for v in (self.x, self.tx, self.age, self.w))
        self.age0, self.w0 = self.age[~self.repeat], self.w[~self.repeat]
        self.x_index_r = x_index[self.repeat]


def _dot(u: np.ndarray, v: np.ndarray) -> float:
    """Sum of u * v without BLAS. ``u @ v`` wakes OpenBLAS threads for vectors this long; on a busy
    two-core machine the waking and spinning costs more than the sum itself."""
    return float(np.einsum("i,i->", u, v))


def _negative_mean_ll_and_grad(log_params: np.ndarray, data: _CompressedData):
    """Mean negative ln L (FHL eq. 6) over customers and its analytic gradient in the log-parameters.

    With d = A4 - A3 and w = expit(d) (the posterior weight of "dropped out after t_x"; 1-w is P(alive)):
      d/dr     = psi(r+x) - psi(r) + ln alpha - ln(alpha+T) + w ln((alpha+T)/(alpha+t_x))
      d/dalpha = r/alpha - (r+x)/(alpha+T) + w (r+x) (1/(alpha+T) - 1/(alpha+t_x))
      d/da     = psi(a+b) - psi(a+b+x) + w/a
      d/db     = psi(a+b) + psi(b+x) - psi(b) - psi(a+b+x) - w/(b+x-1)
    Terms that depend on x only are summed over the unique x values, weighted by their counts.
    """
    r, alpha, a, b = np.exp(log_params)
    xv, xw, n = data.x_values, data.x_weights, data.total

    # A1 + A2, summed: scalar parts times n, x-parts over unique x.
    ll = n * (-gammaln(r) + r * math.log(alpha) + gammaln(a + b) - gammaln(b))
    ll += _dot(xw, gammaln(r + xv) + gammaln(b + xv) - gammaln(a + b + xv))
    g_r = n * (-digamma(r) + math.log(alpha)) + _dot(xw, digamma(r + xv))
    g_alpha = n * r / alpha
    psi_ab = digamma(a + b)
    psi_abx = digamma(a + b + xv)
    g_a = n * psi_ab - _dot(xw, psi_abx)
    g_b = n * (psi_ab - digamma(b)) + _dot(xw, digamma(b + xv) - psi_abx)

    # x = 0 rows: only A3 = -r ln(alpha+T).
    log_at0 = np.log(alpha + data.age0)
    ll -= r * _dot(data.w0, log_at0)
    g_r -= _dot(data.w0, log_at0)
    g_alpha -= r * _dot(data.w0, 1.0 / (alpha + data.age0))

    # x > 0 rows: A3 + softplus(A4 - A3).
    x, tx, age, w = data.xr, data.txr, data.ager, data.wr
    rx = r + x
    inv_at, inv_atx = 1.0 / (alpha + age), 1.0 / (alpha + tx)
    log_at = np.log(alpha + age)
    log_ratio = np.log1p((age - tx) * inv_atx)                     # ln((alpha+T)/(alpha+t_x))
    log_bx1 = np.log(b + np.maximum(xv, 1.0) - 1.0)[data.x_index_r]   # ln(b+x-1); x = 0 entry unused
    d = math.log(a) - log_bx1 + rx * log_ratio
    dropped = expit(d)
    wd = w * dropped
    ll += _dot(w, -rx * log_at + np.logaddexp(0.0, d))
    g_r += -_dot(w, log_at) + _dot(wd, log_ratio)
    g_alpha += -_dot(w, rx * inv_at) + _dot(wd, rx * (inv_at - inv_atx))
    g_a += wd.sum() / a
    g_b -= _dot(wd, np.exp(-log_bx1))

    grad = np.array([g_r * r, g_alpha * alpha, g_a * a, g_b * b])   # chain rule to log-parameters
    return -ll / n, -grad / n


def fit(frequency, recency, T, *, weights=None) -> BGNBDParams:
    """Maximum-likelihood BG/NBD parameters, FHL eq. (6) summed over customers.

    frequency, recency, T: one value per customer in one time unit (days from
    :func:`summary_from_purchase_days`; any unit works, alpha comes back in it).
    weights: optional number of customers per row (default 1 each); a row with weight k counts
    exactly like k identical rows.

    How: rows are compressed to unique (x, t_x, T) with summed weights; time is rescaled so the mean
    age is 1; the mean negative log-likelihood is minimised over log(r, alpha, a, b) by L-BFGS-B with
    the analytic gradient, from r = a = b = 1 and alpha = mean age / mean frequency. No penalty term:
    the result is the plain MLE, as published.

    Edge cases, decided:
    - No customers (or all weights 0): ``InputError`` (a ValueError) — nothing to estimate.
    - No repeat buyer at all: eq. (6) has no interior maximum (it grows as r -> 0) and says nothing
      about a and b. Returns ``BGNBDParams(nan, nan, nan, nan)`` (``.estimated`` is False);
      :func:`p_alive` still gives 1.0 to every customer with frequency 0, which is all of them.
    - Parameters the data do not pin down run to the edge of a wide box (exp(+-20) in the rescaled
      unit for alpha; up to e^12 for r, a, b) instead of overflowing; P(alive) is then at its limit.
    - L-BFGS-B stops without reaching a stationary point: the fit is restarted with Nelder-Mead
      from there; if the gradient is still not ~0, ``BGNBDFitError`` is raised, never a silent guess.
    """
    x, tx, age = _customer_arrays(frequency, recency, T)
    x, tx, age = x.ravel(), tx.ravel(), age.ravel()
    if weights is None:
        w = np.ones(x.shape)
    else:
        w = np.asarray(weights, dtype=float).ravel()
        if w.shape != x.shape:
            raise InputError(f"weights has {w.size} values for {x.size} customers — pass one weight per "
                             f"customer or none.")
        _require(np.isfinite(w) & (w >= 0), w, "weights", "expected a number of customers >= 0")
    if x.size == 0 or w.sum() <= 0:
        raise InputError("no customers to fit BG/NBD on — the data hold no purchase up to the as-of day.")
    if not (w @ x) > 0:
        nan = float("nan")
        return BGNBDParams(nan, nan, nan, nan)

    unit = (w @ age) / w.sum() or 1.0                  # mean age (0 only if every T is 0)
    data = _CompressedData(x, tx / unit, age / unit, w)
    mean_x = (data.w @ data.x) / data.total
    start = np.array([0.0, math.log(1.0 / mean_x), 0.0, 0.0])   # r = a = b = 1, alpha = mean T / mean x
    start = np.clip(start, _LOWER + 1, _UPPER - 1)
    bounds = list(zip(_LOWER, _UPPER))

    res = minimize(_negative_mean_ll_and_grad, start, args=(data,), jac=True, method="L-BFGS-B",
                   bounds=bounds, options={"maxiter": 2000, "ftol": 1e-14, "gtol": 1e-9})
    best = res.x
    if not _stationary(best, data):
        res_nm = minimize(lambda p: _negative_mean_ll_and_grad(np.clip(p, _LOWER, _UPPER), data)[0],
                          best, method="Nelder-Mead",
                          options={"maxiter": 20000, "xatol": 1e-10, "fatol": 1e-14})
        best = np.clip(res_nm.x, _LOWER, _UPPER)
        if not _stationary(best, data):
            grad = _negative_mean_ll_and_grad(best, data)[1]
            raise BGNBDFitError(
                f"BG/NBD fit did not converge on {int(data.total)} customers (L-BFGS-B: {res.message}; "
                f"Nelder-Mead: {res_nm.message}; gradient {np.array2string(grad, precision=2)}). "
                f"Check frequency, recency and T are in one time unit and as of one day.")
    r, alpha, a, b = np.exp(best)
    return BGNBDParams(r=float(r), alpha=float(alpha * unit), a=float(a), b=float(b))


def _stationary(log_params: np.ndarray, data: _CompressedData) -> bool:
    """Projected gradient ~0: zero in every direction not blocked by the box edge."""
    grad = _negative_mean_ll_and_grad(log_params, data)[1]
    at_low = (log_params <= _LOWER + 1e-9) & (grad > 0)
    at_high = (log_params >= _UPPER - 1e-9) & (grad < 0)
    free = ~(at_low | at_high)
    tolerance = max(_GRADIENT_TOLERANCE_MEAN, _GRADIENT_TOLERANCE_TOTAL / data.total)
    return bool(np.isfinite(grad).all()) and bool(np.all(np.abs(grad[free]) < tolerance))
