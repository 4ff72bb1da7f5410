"""The customer world of the demo: calendar, customers' sizes, start and churn days, buying patterns, and orders.

Everything else (the tables) is drawn from these per-customer and per-order arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kam_xl.demo.names import company_names, join
from kam_xl.demo.vocabulary import FORMULA_NAME, INDUSTRIES, REGIONS, weights

# Month weight of order activity (January .. December): slow summer holidays and Christmas.
SEASON = np.array([0.85, 0.95, 1.10, 1.05, 1.05, 1.00, 0.90, 0.70, 1.10, 1.15, 1.15, 0.80])

ORDER_EXPONENT = 0.55       # orders grow with size ** this; ticket size takes the rest
LINES_PER_ORDER = 1.5        # mean invoice lines per order (1 + Poisson(0.5))
CREDIT_NOTE_RATE = 0.01      # share of lines followed by a credit note
ANNUAL_REVENUE = 40_000.0    # mean yearly revenue of a customer, EUR


@dataclass(frozen=True)
class Calendar:
    """Day numbers 0..days-1 from ``start``; business-day weights with the monthly season."""

    start: np.datetime64
    days: int
    weekday: np.ndarray     # Monday = 0
    cdf: np.ndarray         # cumulative order weight through each day, 0..1

    @classmethod
    def spanning(cls, end: pd.Timestamp, years: int) -> Calendar:
        start = (end - pd.DateOffset(years=years) + pd.Timedelta(days=1)).normalize()
        first = np.datetime64(start.date(), "D")
        days = int((end.normalize() - start).days) + 1
        stamps = first + np.arange(days)
        weekday = (stamps.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
        month = stamps.astype("datetime64[M]").astype(np.int64) % 12
        day_of_month = (stamps - stamps.astype("datetime64[M]")).astype(np.int64) + 1
        weight = SEASON[month] * (weekday < 5)
        weight[((month == 11) & (day_of_month >= 23)) | ((month == 0) & (day_of_month <= 2))] *= 0.15
        cdf = np.cumsum(weight)
        return cls(first, days, weekday, cdf / cdf[-1])

    def sample(self, rng: np.random.Generator, low: np.ndarray, high: np.ndarray) -> np.ndarray:
        """One business day per pair, seasonally weighted, within [low, high] (day numbers)."""
        lo = np.where(low > 0, self.cdf[np.maximum(low - 1, 0)], 0.0)
        u = lo + rng.random(low.size) * (self.cdf[high] - lo)
        return np.clip(np.searchsorted(self.cdf, u, side="left"), low, high)

    def business_day(self, day: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
        """Saturday moves back to Friday, Sunday on to Monday; kept within [low, high]."""
        day = np.clip(day, 0, self.days - 1)
        wd = self.weekday[day]
        day = day - (wd == 5) + (wd == 6)
        return np.clip(day, np.maximum(low, 0), np.minimum(high, self.days - 1))

    def dates(self, day: np.ndarray) -> pd.Series:
        """Day numbers as a datetime64 Series (whole days)."""
        return pd.Series((self.start + np.asarray(day, dtype=np.int64)).astype("datetime64[s]"))

    @property
    def end_year(self) -> int:
        return int(str(self.start + self.days - 1)[:4])


REGULAR, IRREGULAR, BURSTY, NOT_YET = "regular", "irregular", "bursty", "no purchase yet"
PATTERNS = np.array([REGULAR, IRREGULAR, BURSTY, NOT_YET])


@dataclass(frozen=True)
class World:
    """Per-customer arrays everything else is drawn from (index i = customer i)."""

    ids: np.ndarray          # object array of "C00001" ...
    size: np.ndarray         # relative yearly revenue, lognormal
    start: np.ndarray        # first possible order day (0 = before the window opens)
    end: np.ndarray          # last possible order day (the churn day for churners)
    churned: np.ndarray      # bool: silent from `end` on
    alarm: np.ndarray        # bool: active, with a fresh complaint burst
    pattern: np.ndarray      # index into PATTERNS
    orders: np.ndarray       # number of orders
    revenue: np.ndarray      # planned revenue over the customer's active time, EUR
    margin_rate: np.ndarray  # customer's mean margin rate
    industry: np.ndarray     # index into INDUSTRIES
    region: np.ndarray       # index into REGIONS
    names: np.ndarray        # company names (object)
    domains: np.ndarray      # e-mail domains, e.g. "kesselmann.de" (object)

    @property
    def n(self) -> int:
        return self.ids.size


def draw_world(n: int, lines: int, cal: Calendar, rng: np.random.Generator,
           names_rng: np.random.Generator) -> World:
    days = cal.days
    size = rng.lognormal(0.0, 1.6, n)

    is_new = rng.random(n) < 0.15
    start = np.where(is_new, rng.integers(0, max(days - 20, 1), n), 0)
    churnable = start < days - 300
    churned = churnable & (rng.random(n) < 0.13)
    churn_day = start + 120 + (rng.random(n) * np.maximum(days - 210 - start, 1)).astype(np.int64)
    end = np.where(churned, np.minimum(churn_day, days - 1), days - 1)

    z = np.log(size) / 1.6
    regular = rng.random(n) < 1.0 / (1.0 + np.exp(-1.2 * z))
    pattern = np.where(regular, 0, np.where(rng.random(n) < 0.85, 1, 2))
    not_yet = is_new & ~churned & (rng.random(n) < 0.08)
    pattern[not_yet] = 3

    active_years = (end - start + 1) / 365.25
    weight = size ** ORDER_EXPONENT * active_years * ~not_yet
    # Orders ~ Poisson(scale x weight), with floors where the requested total leaves room (an old customer has
    # bought twice, everyone else once); the scale is chosen so the expected total hits the requested lines.
    target = lines / (LINES_PER_ORDER * (1 + CREDIT_NOTE_RATE))
    per_customer = lines / n
    floor = np.where(active_years > 1, 2, 1) if per_customer >= 10 else np.full(n, int(per_customer >= 2))
    floor = np.where(not_yet, 0, floor)
    scale = _poisson_scale(weight, floor, target)
    orders = np.where(not_yet, 0, np.maximum(rng.poisson(scale * weight), floor))

    alarm = ~churned & ~not_yet & (start < days - 365) & (rng.random(n) < 0.03)
    width = max(5, len(str(n)))
    ids = np.strings.add("C", np.strings.zfill(np.arange(1, n + 1).astype(f"U{width}"), width)).astype(object)
    revenue = ANNUAL_REVENUE * size / np.exp(1.6 ** 2 / 2) * active_years
    industry = rng.choice(len(INDUSTRIES), n, p=weights(v[1] for v in INDUSTRIES.values()))
    region = rng.choice(len(REGIONS), n, p=weights(v[0] for v in REGIONS.values()))
    margin_rate = rng.uniform(0.08, 0.34, n)
    names, stems = company_names(names_rng, n, industry, region, size)
    if n > 2:
        names[2] = FORMULA_NAME
    tld = np.array([v[2] for v in REGIONS.values()], dtype=object)[region]
    return World(ids, size, start, end, churned, alarm, pattern, orders, revenue, margin_rate, industry, region,
                  names, join(stems, ".", tld))


def _poisson_scale(weight: np.ndarray, floor: np.ndarray, target: float) -> float:
    """Scale c with sum E[max(Poisson(c * weight), floor)] = target (bisection; floors are 0, 1 or 2)."""
    def expected(c: float) -> float:
        lam = c * weight
        p0 = np.exp(-lam)
        return float(np.sum(lam + (floor >= 1) * p0 * np.where(floor >= 2, 2 + lam, 1)))

    low, high = 0.0, max(target, 1.0) / max(weight.sum(), 1e-12) * 2 + 1.0
    if expected(low) >= target:
        return 0.0
    while expected(high) < target:
        high *= 2
    for _ in range(50):
        mid = (low + high) / 2
        low, high = (mid, high) if expected(mid) < target else (low, mid)
    return (low + high) / 2


@dataclass(frozen=True)
class Orders:
    """One row per order, sorted by customer then day."""

    customer: np.ndarray
    day: np.ndarray


def draw_orders(w: World, cal: Calendar, rng: np.random.Generator) -> Orders:
    cust = np.repeat(np.arange(w.n), w.orders)
    first = np.cumsum(w.orders) - w.orders
    j = np.arange(cust.size) - first[cust]           # order number within the customer
    k = w.orders[cust]
    low, high = w.start[cust], w.end[cust]
    pattern = w.pattern[cust]
    day = np.empty(cust.size, dtype=np.int64)

    # Regular: evenly spaced over the active time, with a little jitter.
    reg = pattern == 0
    span = (high - low + 1)[reg]
    pos = (j[reg] + 0.5 + rng.normal(0.0, 0.15, reg.sum())) * span / k[reg]
    day[reg] = cal.business_day(low[reg] + pos.astype(np.int64), low[reg], high[reg])

    # Irregular: a seasonal Poisson process over the active time.
    irr = pattern == 1
    day[irr] = cal.sample(rng, low[irr], high[irr])

    # Bursty: a few seasonal burst centres per customer, orders scattered a few days around them.
    bur = pattern == 2
    bursts = np.where(w.pattern == 2, np.maximum(1, np.round(w.orders / rng.uniform(2, 4, w.n))), 0).astype(int)
    owner = np.repeat(np.arange(w.n), bursts)
    centre = cal.sample(rng, w.start[owner], w.end[owner])
    burst_first = np.cumsum(bursts) - bursts
    pick = burst_first[cust[bur]] + (rng.random(bur.sum()) * bursts[cust[bur]]).astype(int)
    scatter = np.round(rng.normal(0.0, 3.0, bur.sum())).astype(np.int64)
    day[bur] = cal.business_day(centre[pick] + scatter, low[bur], high[bur])

    order = np.lexsort((day, cust))
    return Orders(cust[order], day[order])
