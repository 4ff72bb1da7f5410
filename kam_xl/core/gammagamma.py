"""Gamma-Gamma: how much does a customer spend per purchase? Own maximum-likelihood fit, numpy/scipy only.

Model (Fader, Hardie & Lee 2005, "RFM and CLV: Using Iso-Value Curves for Customer Base Analysis",
Journal of Marketing Research 42(4), 415-430; "FHL" below; written out in Fader & Hardie 2013, "The
Gamma-Gamma Model of Monetary Value", brucehardie.com/notes/025), in four lines:

1. The value z of each of a customer's purchases is Gamma(shape p, rate nu).
2. nu varies across customers as Gamma(shape q, rate gamma).
3. Spend is independent of the purchase process (BG/NBD, :mod:`kam_xl.core.bgnbd`).
4. A customer's mean spend is the model's sufficient statistic: the mean m_x of x purchase values.

Here a "purchase" is a repeat purchase day and its value the day's sum of positive amounts; the first
purchase day is left out, as FHL do. gamma carries the currency unit, p and q do not. The fit runs in a
unit rescaled so the mean m_x is 1 (gamma is scaled back; the MLE is equivariant).

Nothing here keeps state: :func:`fit` returns a frozen :class:`GammaGammaParams`,
:func:`conditional_expected_value` an array.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import digamma, gammaln

from kam_xl.errors import InputError

__all__ = ["GammaGammaParams", "GammaGammaFitError", "fit", "log_likelihood", "conditional_expected_value"]

# Box for log(p, q, gamma) in the rescaled unit (mean spend 1).
_LOWER = np.array([-12.0, -12.0, -20.0])
_UPPER = np.array([12.0, 12.0, 20.0])


class GammaGammaFitError(RuntimeError):
    """The likelihood maximisation did not converge."""


@dataclass(frozen=True)
class GammaGammaParams:
    """Fitted Gamma-Gamma parameters (FHL 2005; assumptions in the module docstring).

    p: shape of each purchase's value; q, gamma: shape and rate of the spread of nu across customers.
    gamma is in the currency unit of the data. The population mean spend per purchase is
    p gamma / (q - 1), finite only for q > 1.
    """

    p: float
    q: float
    gamma: float

    @property
    def population_mean(self) -> float:
        """E[Z] = p gamma / (q - 1) (FHL 2005, eq. 3's mean); NaN when q <= 1 (no finite mean)."""
        return self.p * self.gamma / (self.q - 1.0) if self.q > 1.0 else math.nan


def _arrays(frequency, monetary_value) -> tuple[np.ndarray, np.ndarray]:
    x, m = (np.asarray(v, dtype=float) for v in (frequency, monetary_value))
    try:
        x, m = np.broadcast_arrays(x, m)
    except ValueError:
        raise InputError(f"frequency and monetary_value have different lengths ({np.shape(x)}, {np.shape(m)}) "
                         f"— pass one value per customer.") from None
    return x, m


def log_likelihood(params: GammaGammaParams, frequency, monetary_value) -> np.ndarray:
    """ln f(m_x | p, q, gamma, x) per customer (Fader & Hardie 2013, eq. 6):

        f = Gamma(px+q) / (Gamma(px) Gamma(q)) gamma^q m_x^(px-1) x^(px) / (gamma + m_x x)^(px+q)

    for customers with x >= 1 and m_x > 0.
    """
    x, m = _arrays(frequency, monetary_value)
    p, q, g = params.p, params.q, params.gamma
    px = p * x
    return (gammaln(px + q) - gammaln(px) - gammaln(q) + q * math.log(g) + (px - 1.0) * np.log(m)
            + px * np.log(x) - (px + q) * np.log(g + m * x))


class _Data:
    """Customers' (x, m_x) with what one evaluation needs precomputed: ln m_x, ln x, and the unique x values
    (the gammaln and digamma terms depend on x only, so they are summed over the unique values)."""

    def __init__(self, x: np.ndarray, m: np.ndarray):
        self.x, self.m, self.n = x, m, x.size
        self.sum_log_m = float(np.log(m).sum())
        self.sum_x_log_mx = float((x * (np.log(m) + np.log(x))).sum())
        self.x_values, x_counts = np.unique(x, return_counts=True)
        self.x_counts = x_counts.astype(float)
        self.x_weights = self.x_counts * self.x_values


def _dot(u: np.ndarray, v: np.ndarray) -> float:
    """Sum of u * v without BLAS, whose threads cost more than the sum on a busy machine (see bgnbd)."""
    return float(np.einsum("i,i->", u, v))


def _negative_mean_ll_and_grad(log_params: np.ndarray, data: _Data):
    """Mean negative ln L and its gradient in log(p, q, gamma):

        d/dp     = x (psi(px+q) - psi(px) + ln m + ln x - ln(gamma + m x))
        d/dq     = psi(px+q) - psi(q) + ln gamma - ln(gamma + m x)
        d/dgamma = q/gamma - (px+q)/(gamma + m x)
    """
    p, q, g = np.exp(log_params)
    xv, counts, weights = data.x_values, data.x_counts, data.x_weights
    pxv = p * xv
    log_gmx = np.log(g + data.m * data.x)
    inv_gmx = 1.0 / (g + data.m * data.x)
    x_log_gmx = _dot(data.x, log_gmx)
    ll = (_dot(counts, gammaln(pxv + q) - gammaln(pxv)) - data.n * (gammaln(q) - q * math.log(g))
          - data.sum_log_m + p * data.sum_x_log_mx - p * x_log_gmx - q * float(log_gmx.sum()))
    psi_pxq, psi_px = digamma(pxv + q), digamma(pxv)
    g_p = _dot(weights, psi_pxq - psi_px) + data.sum_x_log_mx - x_log_gmx
    g_q = _dot(counts, psi_pxq) - data.n * (digamma(q) - math.log(g)) - float(log_gmx.sum())
    g_g = data.n * q / g - p * _dot(data.x, inv_gmx) - q * float(inv_gmx.sum())
    grad = np.array([g_p * p, g_q * q, g_g * g])
    return -ll / data.n, -grad / data.n


def fit(frequency, monetary_value) -> GammaGammaParams:
    """Maximum-likelihood (p, q, gamma) over customers with frequency >= 1 and a positive mean spend.

    frequency: number of repeat purchases x; monetary_value: the mean value m_x of those purchases.
    Customers outside that set are ignored. Raises ``InputError`` when fewer than two remain, and
    :class:`GammaGammaFitError` when the optimiser finds no stationary point.
    """
    x, m = _arrays(frequency, monetary_value)
    x, m = x.ravel(), m.ravel()
    use = np.isfinite(x) & np.isfinite(m) & (x >= 1) & (m > 0)
    if use.sum() < 2:
        raise InputError("Gamma-Gamma needs at least two customers with a repeat purchase of positive value.")
    x, m = x[use], m[use]
    unit = float(m.mean())
    scaled = m / unit
    start = np.array([0.0, math.log(2.0), 0.0])
    data = _Data(x, scaled)
    res = minimize(_negative_mean_ll_and_grad, start, args=(data,), jac=True, method="L-BFGS-B",
                   bounds=list(zip(_LOWER, _UPPER)), options={"maxiter": 2000, "ftol": 1e-12, "gtol": 1e-9})
    grad = _negative_mean_ll_and_grad(res.x, data)[1]
    free = (res.x > _LOWER + 1e-9) & (res.x < _UPPER - 1e-9)
    if not (np.isfinite(grad).all() and np.all(np.abs(grad[free]) < 1e-5)):
        raise GammaGammaFitError(f"Gamma-Gamma fit did not converge on {x.size} customers ({res.message}; "
                                 f"gradient {np.array2string(grad, precision=2)}).")
    p, q, g = np.exp(res.x)
    return GammaGammaParams(p=float(p), q=float(q), gamma=float(g * unit))


def conditional_expected_value(params: GammaGammaParams, frequency, monetary_value) -> np.ndarray:
    """Expected value of a customer's next purchase given x purchases of mean m_x (FHL 2005, eq. 5):

        E(M | p, q, gamma, m_x, x) = p (gamma + m_x x) / (p x + q - 1)

    a weighted mean of the population mean p gamma / (q - 1) and the customer's own m_x. Frequency 0
    (or no usable mean) gives the population mean; NaN throughout when q <= 1 (no finite mean).
    """
    x, m = _arrays(frequency, monetary_value)
    if params.q <= 1.0:
        return np.full(x.shape, np.nan)
    own = (x >= 1) & np.isfinite(m) & (m > 0)
    xs = np.where(own, x, 0.0)
    ms = np.where(own, m, 0.0)
    return params.p * (params.gamma + ms * xs) / (params.p * xs + params.q - 1.0)
