"""Seeded demo data: a plausible B2B customer world for the demo, the tests and the benchmarks.

    generate(customers=2000, seed=7, end=date(2026, 9, 30), years=3, transactions=None) -> DemoData

The world, in the order it is built:

1. Customers get a size (lognormal, so the top fifth holds about 80 % of revenue), a start day (most buy
   before the window opens, ~15 % are new and start inside it, ~1 % have not bought yet), an end day (~12 %
   go silent for good on a churn day) and a buying pattern: *regular* (near-periodic orders), *irregular*
   (a seasonal Poisson process) or *bursty* (clusters of orders). Big customers buy more regularly.
2. Orders fall on business days, weighted by a monthly season (slow August and December); each order has one
   or more invoice lines sharing a document number. About 1 % of lines get a credit note a few days later.
3. Complaints follow deliveries (~6 % of orders); churners complain in a burst, mostly about one thing, in
   the four months before they fall silent; a few active customers have a fresh burst (the "at risk" signal).
4. Tenders, contacts of the buying centre, competitors and prospects (three P) hang off the same customers.

Everything is vectorised with numpy: no Python loop per customer or per line, so a million lines take a
couple of seconds. The same seed always gives identical frames; each table draws from its own random
stream, so changing how one table is made leaves the others as they were.

A few texts start with "=", "+" or "-" on purpose, to exercise formula-injection defences downstream.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd

from kam_xl.core import schema

# ---------------------------------------------------------------------------------------------------------------
# Vocabulary. Plain text, German/European flavour.

INDUSTRIES = {  # industry -> words that go into company names; weight of the industry in the customer base
    "Mechanical engineering": (["Maschinenbau", "Anlagenbau", "Antriebstechnik", "Foerdertechnik"], 0.15),
    "Automotive supplier": (["Fahrzeugteile", "Automotive", "Zulieferteile", "Praezisionsteile"], 0.10),
    "Chemicals": (["Chemie", "Kunststoffe", "Lacke", "Polymere"], 0.08),
    "Food & beverage": (["Lebensmittel", "Feinkost", "Getränke", "Backwaren"], 0.08),
    "Logistics": (["Logistik", "Spedition", "Transporte", "Lagertechnik"], 0.09),
    "Construction": (["Bau", "Hochbau", "Baustoffe", "Tiefbau"], 0.09),
    "Electronics": (["Elektronik", "Elektrotechnik", "Sensorik", "Steuerungstechnik"], 0.09),
    "Healthcare": (["Medizintechnik", "Klinikbedarf", "Pharma", "Labortechnik"], 0.06),
    "Wholesale & retail": (["Handel", "Großhandel", "Versand", "Warenhaus"], 0.10),
    "Metalworking": (["Metallbau", "Stahlbau", "Metallwerke", "Gießerei"], 0.09),
    "Energy": (["Energie", "Solartechnik", "Stadtwerke", "Netztechnik"], 0.04),
    "IT services": (["Software", "Systemhaus", "IT-Service", "Datentechnik"], 0.03),
}
PRODUCTS = ["drive units", "control cabinets", "bearings", "sensors", "packaging film", "fasteners",
            "hydraulic parts", "cable harnesses", "spare parts", "lubricants", "pallets", "castings"]

REGIONS = {  # region -> (weight, phone prefix, web top-level domain)
    "Bavaria": (0.16, "089", "de"), "Baden-Württemberg": (0.15, "0711", "de"),
    "North Rhine-Westphalia": (0.18, "0221", "de"), "Hesse": (0.08, "069", "de"),
    "Lower Saxony": (0.08, "0511", "de"), "Saxony": (0.05, "0351", "de"), "Hamburg": (0.05, "040", "de"),
    "Berlin": (0.05, "030", "de"), "Austria": (0.06, "0043 1", "at"), "Switzerland": (0.05, "0041 44", "ch"),
    "Benelux": (0.04, "0031 20", "nl"), "France": (0.02, "0033 1", "fr"), "Poland": (0.02, "0048 22", "pl"),
    "United Kingdom": (0.01, "0044 20", "co.uk"),
}
LEGAL_FORMS = (["GmbH", "GmbH & Co. KG", "KG", "AG", "SE"], [0.55, 0.15, 0.12, 0.14, 0.04])

STEMS = ["Brand", "Kessel", "Nord", "Alt", "Rhein", "Weser", "Lind", "Sonn", "Eber", "Falk", "Gold", "Hoch",
         "Stein", "Wald", "Berg", "Elb", "Isar", "Main", "Kron", "Licht", "Silber", "Tann", "Adler", "Hansa",
         "Roth", "Lech", "Alpen", "Mosel", "Neck", "Donau", "Fels", "Kalt", "Ost", "West", "Sued", "Heid"]
ENDINGS = ["mann", "er", "hoff", "tec", "ora", "ex", "is", "on", "ing", "au", "ward", "hold", "werk", "ia",
           "stedt", "feld", "dorf", "bach", "heim", "lux"]
SURNAMES = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
            "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
            "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner", "Krause", "Meier",
            "Lehmann", "Huber", "Kaiser", "Fuchs", "Peters", "Jung", "Vogel", "Keller", "Bauer", "Janssen",
            "Dubois", "Kowalski", "Novak", "de Vries", "Rossi", "Berger", "Moser", "Gruber", "Frei"]
FIRST_NAMES = ["Anna", "Thomas", "Julia", "Michael", "Sabine", "Stefan", "Katrin", "Andreas", "Claudia",
               "Markus", "Petra", "Frank", "Nicole", "Jürgen", "Sandra", "Tobias", "Laura", "Florian",
               "Miriam", "Jan", "Lena", "Sebastian", "Eva", "Matthias", "Ines", "Lukas", "Sophie", "Daniel",
               "Marie", "Uwe", "Paul", "Hannah", "Oliver", "Birgit", "Marc", "Elif", "Piotr", "Chloé"]
OWNERS = (["Katharina Vogt", "Martin Brenner", "Selin Aydin", "Ralf Hinz", "Nadine Ewers", "Jonas Pohl",
           "Friederike Laux", "Tim Kaczmarek", "Heike Stolz", "Ben Albers"],
          [0.16, 0.14, 0.12, 0.11, 0.10, 0.10, 0.09, 0.07, 0.06, 0.05])
FOCUS = ["Family-owned, second generation.", "Part of an international group.", "Growing export business.",
         "Focus on custom solutions.", "Strong regional market position.", "Recently changed management.",
         "Consolidating its supplier base.", "Expanding production capacity.", "Known for demanding audits.",
         "Central purchasing for several plants."]

COMPLAINT_CATEGORIES = ["Delivery", "Quality", "Invoice", "Service", "Packaging"]
COMPLAINT_TEXTS = [  # one row per category, same order
    ["Delivery late by several days", "Partial delivery without notice", "Wrong items delivered",
     "Delivery to the wrong plant", "Missing delivery note"],
    ["Parts out of tolerance", "Surface defects on batch", "Material certificate missing",
     "Failure rate above agreement", "Wrong material grade"],
    ["Invoice amount incorrect", "Discount not applied", "Duplicate invoice", "Wrong VAT rate",
     "Order number missing on invoice"],
    ["No reply from customer service", "Technician arrived late", "Missed call-back",
     "Unclear answer to technical question", "Complaint not processed in time"],
    ["Packaging damaged", "Wrong labels on pallets", "Insufficient corrosion protection",
     "Too much packaging waste", "Pallets not stackable"],
]
SEVERITIES = ["low", "medium", "high"]

COMPETITORS = ["Nordmann Industrie", "Alpina Supply", "Rheintal Technik", "Baltic Parts", "Krone & Voss",
               "Meridian Components", "Steinhoff Handel", "Vistula Trade", "Helvetia Systems", "Oranje Supply",
               "Eisenwerk Kramer", "Lumen Automation"]
COMPETITOR_NOTES = ["Cheaper by about 5 %", "Strong local service team", "Framework agreement until next year",
                    "Approached purchasing at the trade fair", "Offers longer payment terms",
                    "Second source for critical parts", "Lost a tender there last year", "",
                    "Delivery times shorter than ours", "Visits the plant every month"]

ROLES = (["Decider", "Buyer", "User", "Influencer", "Gatekeeper", "Initiator"], [0.17, 0.23, 0.22, 0.18, 0.10, 0.10])
POSITIONS = {  # role -> typical positions
    "Decider": ["Managing Director", "CEO", "Head of Plant", "CFO"],
    "Buyer": ["Head of Purchasing", "Strategic Buyer", "Operative Buyer", "Category Manager"],
    "User": ["Production Manager", "Shift Supervisor", "Maintenance Manager", "Warehouse Manager"],
    "Influencer": ["Head of Engineering", "Quality Manager", "Design Engineer", "External Consultant"],
    "Gatekeeper": ["Assistant to the Board", "Purchasing Assistant", "Front Office", "IT Security Officer"],
    "Initiator": ["Project Engineer", "Head of R&D", "Process Engineer", "Product Manager"],
}
ATTITUDES = ["champion", "supporter", "neutral", "critic"]

TENDER_KINDS = ["Framework agreement", "Annual supply", "Project order", "Spare parts contract", "Pilot order"]
WIN_REASONS = ["price", "quality", "delivery time", "relationship", "specification"]
LOSS_REASONS = ["price", "quality", "delivery time", "relationship", "specification", "competitor"]

PROSPECT_NOTES = ["Met at the trade fair", "Referral from an existing customer", "Inbound web request",
                  "New plant under construction", "Unhappy with current supplier", "Budget round in Q1",
                  "Asked for a quotation", "Decision maker changed recently", ""]

# Month weight of order activity (January .. December): slow summer holidays and Christmas.
SEASON = np.array([0.85, 0.95, 1.10, 1.05, 1.05, 1.00, 0.90, 0.70, 1.10, 1.15, 1.15, 0.80])

# Deliberate formula-looking texts (few, fixed places) for the formula-injection defences downstream.
FORMULA_NAME = "+Plus Logistik GmbH"
FORMULA_NOTE = "=SUM(A1)"
FORMULA_PROSPECT_NOTE = "-15 % discount requested"

ORDER_EXPONENT = 0.55       # orders grow with size ** this; ticket size takes the rest
LINES_PER_ORDER = 1.5        # mean invoice lines per order (1 + Poisson(0.5))
CREDIT_NOTE_RATE = 0.01      # share of lines followed by a credit note
ANNUAL_REVENUE = 40_000.0    # mean yearly revenue of a customer, EUR


@dataclass(frozen=True, eq=False)
class DemoData:
    """The demo world: seven input tables (canonical column names) and what the generator planted.

    ``truth`` is not input data: one row per customer with the planted pattern, size, start and churn day,
    for tests and benchmarks to compare the analysis against. ``write_csv`` leaves it out.
    """

    customers: pd.DataFrame
    transactions: pd.DataFrame
    complaints: pd.DataFrame
    tenders: pd.DataFrame
    contacts: pd.DataFrame
    competitors: pd.DataFrame
    prospects: pd.DataFrame
    truth: pd.DataFrame

    TABLES: ClassVar[tuple[str, ...]] = ("customers", "transactions", "complaints", "tenders", "contacts",
                                         "competitors", "prospects")

    def tables(self) -> dict[str, pd.DataFrame]:
        """The seven input tables by name, in workbook order."""
        return {name: getattr(self, name) for name in self.TABLES}

    def write_csv(self, folder: str | Path) -> dict[str, Path]:
        """One UTF-8 CSV per input table (ISO dates, ids as text, empty for missing); returns the paths."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        paths = {}
        for name, frame in self.tables().items():
            path = folder / f"{name}.csv"
            frame.to_csv(path, index=False, encoding="utf-8", date_format="%Y-%m-%d", lineterminator="\n")
            paths[name] = path
        return paths

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DemoData):
            return NotImplemented
        return all(getattr(self, f.name).equals(getattr(other, f.name)) for f in fields(self))


def generate(customers: int = 2000, seed: int = 7, end: date = date(2026, 9, 30), years: int = 3,
             transactions: int | None = None) -> DemoData:
    """A deterministic demo world of ``customers`` customers over ``years`` years ending on ``end``.

    ``transactions`` is the approximate total of transaction lines (default 20 per customer); the generator
    hits it within a few percent. The same arguments always give identical frames.
    """
    if isinstance(customers, bool) or not isinstance(customers, (int, np.integer)) or customers < 1:
        raise ValueError(f"customers: expected a whole number >= 1, found {customers!r}")
    if isinstance(years, bool) or not isinstance(years, (int, np.integer)) or years < 1:
        raise ValueError(f"years: expected a whole number >= 1, found {years!r}")
    lines = 20 * int(customers) if transactions is None else transactions
    if isinstance(lines, bool) or not isinstance(lines, (int, np.integer)) or lines < 0:
        raise ValueError(f"transactions: expected a whole number >= 0, found {transactions!r}")

    rng = _streams(seed)
    cal = _Calendar.spanning(pd.Timestamp(end), years)
    world = _world(int(customers), int(lines), cal, rng["world"], rng["names"])
    orders = _orders(world, cal, rng["orders"])
    return DemoData(
        customers=_customer_table(world, cal, rng["customers"]),
        transactions=_transaction_table(world, orders, cal, rng["transactions"]),
        complaints=_complaint_table(world, orders, cal, rng["complaints"]),
        tenders=_tender_table(world, cal, rng["tenders"]),
        contacts=_contact_table(world, cal, rng["contacts"]),
        competitors=_competitor_table(world, rng["competitors"]),
        prospects=_prospect_table(world, rng["prospects"]),
        truth=_truth_table(world, cal),
    )


STREAMS = ("world", "names", "orders", "customers", "transactions", "complaints", "tenders", "contacts",
           "competitors", "prospects")


def _streams(seed: int) -> dict[str, np.random.Generator]:
    """One independent random stream per purpose; append new purposes at the end to keep old ones stable."""
    children = np.random.SeedSequence(seed).spawn(len(STREAMS))
    return {name: np.random.default_rng(child) for name, child in zip(STREAMS, children)}


# ---------------------------------------------------------------------------------------------------------------
# Calendar and the customer world


@dataclass(frozen=True)
class _Calendar:
    """Day numbers 0..days-1 from ``start``; business-day weights with the monthly season."""

    start: np.datetime64
    days: int
    weekday: np.ndarray     # Monday = 0
    cdf: np.ndarray         # cumulative order weight through each day, 0..1

    @classmethod
    def spanning(cls, end: pd.Timestamp, years: int) -> _Calendar:
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
class _World:
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


def _world(n: int, lines: int, cal: _Calendar, rng: np.random.Generator,
           names_rng: np.random.Generator) -> _World:
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
    industry = rng.choice(len(INDUSTRIES), n, p=_weights(v[1] for v in INDUSTRIES.values()))
    region = rng.choice(len(REGIONS), n, p=_weights(v[0] for v in REGIONS.values()))
    margin_rate = rng.uniform(0.08, 0.34, n)
    names, stems = _company_names(names_rng, n, industry, region, size)
    if n > 2:
        names[2] = FORMULA_NAME
    tld = np.array([v[2] for v in REGIONS.values()], dtype=object)[region]
    return _World(ids, size, start, end, churned, alarm, pattern, orders, revenue, margin_rate, industry, region,
                  names, _join(stems, ".", tld))


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
class _Orders:
    """One row per order, sorted by customer then day."""

    customer: np.ndarray
    day: np.ndarray


def _orders(w: _World, cal: _Calendar, rng: np.random.Generator) -> _Orders:
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
    return _Orders(cust[order], day[order])


# ---------------------------------------------------------------------------------------------------------------
# Tables


def _transaction_table(w: _World, o: _Orders, cal: _Calendar, rng: np.random.Generator) -> pd.DataFrame:
    per_order = 1 + rng.poisson(LINES_PER_ORDER - 1, o.customer.size)
    order_of_line = np.repeat(np.arange(o.customer.size), per_order)
    cust, day = o.customer[order_of_line], o.day[order_of_line]

    # Order value: the customer's planned revenue spread over its orders, seasonal, regular buyers steadier;
    # then split over the order's lines.
    ticket = w.revenue / np.maximum(w.orders, 1)
    month = (cal.start + o.day).astype("datetime64[M]").astype(np.int64) % 12
    sigma = np.where(w.pattern[o.customer] == 0, 0.3, 0.6)
    value = ticket[o.customer] * rng.lognormal(-sigma ** 2 / 2, sigma) * np.sqrt(SEASON[month])
    part = rng.gamma(2.0, 1.0, cust.size)
    part /= np.bincount(order_of_line, weights=part, minlength=o.customer.size)[order_of_line]
    amount = np.round(np.maximum(value[order_of_line] * part, 1.0), 2)
    rate = np.clip(w.margin_rate[cust] + rng.normal(0.0, 0.03, cust.size), 0.05, 0.40)
    margin = np.round(amount * rate, 2)

    # Credit notes: part of a line given back a few days later (never after the customer's last active day).
    credit = rng.random(cust.size) < CREDIT_NOTE_RATE
    c_cust = cust[credit]
    c_day = np.minimum(day[credit] + rng.integers(2, 31, credit.sum()), np.maximum(w.end[c_cust], day[credit]))
    c_amount = -np.maximum(np.round(amount[credit] * rng.uniform(0.05, 1.0, credit.sum()), 2), 0.01)
    c_margin = np.round(c_amount * rate[credit], 2)

    n_inv, n_cn = cust.size, c_cust.size
    all_cust = np.concatenate([cust, c_cust])
    all_day = np.concatenate([day, c_day])
    kind = np.concatenate([np.zeros(n_inv, np.int64), np.ones(n_cn, np.int64)])  # 0 invoice, 1 credit note
    doc = np.concatenate([order_of_line, o.customer.size + np.arange(n_cn)])    # same order = same document
    amounts = np.concatenate([amount, c_amount])
    margins = np.concatenate([margin, c_margin])

    sort = np.lexsort((doc, all_cust, kind, all_day))
    all_cust, all_day, kind, doc = all_cust[sort], all_day[sort], kind[sort], doc[sort]
    return pd.DataFrame({
        schema.CUSTOMER_ID: pd.Series(w.ids[all_cust], dtype="str"),
        schema.TX_DATE: cal.dates(all_day),
        schema.TX_DOCUMENT: pd.Series(_document_numbers(cal, all_day, kind, doc), dtype="str"),
        schema.TX_AMOUNT: amounts[sort],
        schema.TX_MARGIN: margins[sort],
    })


def _document_numbers(cal: _Calendar, day: np.ndarray, kind: np.ndarray, doc: np.ndarray) -> np.ndarray:
    """ "INV-2025-000123" / "CN-2025-000012": numbered per kind and year in date order (rows sorted by day)."""
    if doc.size == 0:
        return np.empty(0, dtype=object)
    starts = np.ones(doc.size, bool)
    starts[1:] = doc[1:] != doc[:-1]
    line_doc = np.cumsum(starts) - 1                      # document of each line, 0.. in date order
    year = (cal.start + day[starts]).astype("datetime64[Y]").astype(np.int64) + 1970
    first_year = int(year.min()) if year.size else 0
    group = (year - first_year) * 2 + kind[starts]        # per document: (year, kind)
    seq = np.empty(group.size, np.int64)                  # running number within its group
    order = np.argsort(group, kind="stable")
    g = group[order]
    new_group = np.ones(g.size, bool)
    new_group[1:] = g[1:] != g[:-1]
    position = np.arange(g.size)
    seq[order] = position - np.maximum.accumulate(np.where(new_group, position, 0)) + 1
    groups = np.arange(int(group.max()) + 1 if group.size else 0)
    prefixes = np.strings.add(np.where(groups % 2 == 0, "INV-", "CN-"),
                              np.strings.add((groups // 2 + first_year).astype("U4"), "-"))
    text = np.strings.add(prefixes[group], np.strings.zfill(seq.astype("U7"), 6))
    return text.astype(object)[line_doc]


def _customer_table(w: _World, cal: _Calendar, rng: np.random.Generator) -> pd.DataFrame:
    n = w.n
    industry = np.array(list(INDUSTRIES), dtype=object)[w.industry]
    region = np.array(list(REGIONS), dtype=object)[w.region]
    employees = np.clip(np.round(np.exp(3.3 + 0.7 * np.log(w.size) + rng.normal(0, 0.8, n))), 3, 250_000)
    founded = np.clip(cal.end_year - 3 - np.round(rng.gamma(2.0, 22.0, n)), 1850, cal.end_year - 1).astype(np.int64)
    description = _join(industry, " company in ", region, ", ", employees.astype(np.int64).astype(str),
                        " employees, founded ", founded.astype(str), ". ",
                        np.array(FOCUS, dtype=object)[rng.integers(0, len(FOCUS), n)])
    owner = np.array(OWNERS[0], dtype=object)[rng.choice(len(OWNERS[0]), n, p=_weights(OWNERS[1]))]

    root = np.sqrt(w.size)
    known_brand = rng.random(n) < np.minimum(0.05 * n * root / root.sum(), 0.9)
    demanding_industry = np.isin(w.industry, [1, 7])  # automotive, healthcare
    high_demands = rng.random(n) < np.where(demanding_industry, 0.22, 0.08)
    yearly = w.revenue / np.maximum((w.end - w.start + 1) / 365.25, 0.05)
    budget = np.round(yearly * rng.uniform(0.8, 2.0, n), -3)
    budget[rng.random(n) < np.where(w.start > 0, 0.1, 0.35)] = np.nan
    override = np.array(["", "yes", "no"], dtype=object)[rng.choice(3, n, p=[0.98, 0.015, 0.005])]
    frame = pd.DataFrame({
        schema.CUSTOMER_ID: w.ids, "name": w.names, "industry": industry, "region": region,
        "employees": employees.astype(np.int64), "founded": founded, "description": description,
        "owner": owner, schema.KNOWN_BRAND: known_brand, schema.HIGH_DEMANDS: high_demands,
        schema.BUDGET: budget, schema.KEY_OVERRIDE: override,
    })
    return _text(frame, [schema.CUSTOMER_ID, "name", "industry", "region", "description", "owner",
                         schema.KEY_OVERRIDE])


def _company_names(rng: np.random.Generator, n: int, industry: np.ndarray, region: np.ndarray,
                   size: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Company names (object array) and a lower-case ASCII stem of each, for e-mail domains."""
    words = np.array([v[0] for v in INDUSTRIES.values()], dtype=object)
    word = words[industry, rng.integers(0, words.shape[1], n)]
    stem = _join(np.array(STEMS, dtype=object)[rng.integers(0, len(STEMS), n)],
                 np.array(ENDINGS, dtype=object)[rng.integers(0, len(ENDINGS), n)])
    surnames = np.array(SURNAMES, dtype=object)
    first_i = rng.integers(0, len(SURNAMES), n)
    first, second = surnames[first_i], surnames[rng.integers(0, len(SURNAMES), n)]
    letters = np.array(list("ABCDEFGHKLMNPRSTW"), dtype=object)
    acronym = _join(*(letters[rng.integers(0, letters.size, n)] for _ in range(3)))

    style = rng.choice(3, n, p=[0.55, 0.25, 0.20])
    legal_names, legal_p = LEGAL_FORMS
    big = size > np.quantile(size, 0.9)
    legal = np.array(legal_names, dtype=object)[rng.choice(len(legal_names), n, p=_weights(legal_p))]
    legal[big & (rng.random(n) < 0.4)] = "AG"
    legal[np.array(list(REGIONS))[region] == "United Kingdom"] = "Ltd"
    legal[(style == 1) & (legal == "AG")] = "KG"

    pair = np.where(rng.random(n) < 0.3, _join(first, " & Söhne"), _join(first, " & ", second))
    base = np.select([style == 0, style == 1], [_join(stem, " ", word), pair], _join(acronym, " ", word))
    names = _join(base, " ", legal)
    ascii_stem = np.select([style == 0, style == 1], [stem, _ascii_lower(SURNAMES)[first_i]], acronym)
    return names, np.asarray(np.strings.lower(ascii_stem.astype(str)), dtype=object)


def _complaint_table(w: _World, o: _Orders, cal: _Calendar, rng: np.random.Generator) -> pd.DataFrame:
    last = cal.days - 1
    # Everyday complaints, a few days after a delivery: 6 % of orders, but at most about one a year per
    # customer (a big customer's purchasing does not report every slip).
    per_year = w.orders / np.maximum((w.end - w.start + 1) / 365.25, 0.25)
    chance = np.minimum(0.06, 1.0 / np.maximum(per_year, 1.0))
    hit = rng.random(o.customer.size) < chance[o.customer]
    base_cust = o.customer[hit]
    base_day = np.minimum(o.day[hit] + rng.integers(1, 15, hit.sum()), last)
    base_cat = rng.choice(5, hit.sum(), p=[0.30, 0.28, 0.17, 0.15, 0.10])

    # Bursts: churners in the four months before the silence, mostly about one thing, more towards the end;
    # a few active customers right now.
    burst = w.churned | w.alarm
    count = np.where(burst, 2 + rng.poisson(np.where(w.churned, 1.8, 0.8), w.n), 0)
    b_cust = np.repeat(np.arange(w.n), count)
    window = np.where(w.churned, 120, 75)[b_cust]
    anchor = np.where(w.churned, w.end, last)[b_cust]
    b_day = anchor - (window * (1 - np.sqrt(rng.random(b_cust.size)))).astype(np.int64)
    b_day = np.clip(b_day, w.start[b_cust], last)
    main_cat = rng.integers(0, 5, w.n)[b_cust]
    b_cat = np.where(rng.random(b_cust.size) < 0.7, main_cat, rng.integers(0, 5, b_cust.size))

    cust = np.concatenate([base_cust, b_cust])
    day = np.concatenate([base_day, b_day])
    cat = np.concatenate([base_cat, b_cat])
    severity = np.concatenate([rng.choice(3, base_cust.size, p=[0.55, 0.35, 0.10]),
                               rng.choice(3, b_cust.size, p=[0.20, 0.45, 0.35])])
    text = np.array(COMPLAINT_TEXTS, dtype=object)[cat, rng.integers(0, 5, cat.size)]
    order = np.lexsort((cust, day))
    frame = pd.DataFrame({
        schema.CUSTOMER_ID: w.ids[cust[order]],
        schema.COMPLAINT_DATE: cal.dates(day[order]),
        schema.COMPLAINT_CATEGORY: np.array(COMPLAINT_CATEGORIES, dtype=object)[cat[order]],
        schema.COMPLAINT_SEVERITY: np.array(SEVERITIES, dtype=object)[severity[order]],
        "description": text[order],
    })
    return _text(frame, [schema.CUSTOMER_ID, schema.COMPLAINT_CATEGORY, schema.COMPLAINT_SEVERITY, "description"])


def _tender_table(w: _World, cal: _Calendar, rng: np.random.Generator) -> pd.DataFrame:
    years = (w.end - w.start + 1) / 365.25
    count = rng.poisson(0.25 * years * (1 + np.log1p(w.size)))
    cust = np.repeat(np.arange(w.n), count)
    low = np.maximum(w.start[cust] - 120, 0)
    day = cal.sample(rng, low, w.end[cust])
    near_churn = w.churned[cust] & (day > w.end[cust] - 240)
    won = rng.random(cust.size) < np.where(near_churn, 0.25, 0.6)
    reason_won = np.array(WIN_REASONS, dtype=object)[rng.choice(5, cust.size, p=[0.25, 0.3, 0.15, 0.2, 0.1])]
    loss = rng.choice(6, cust.size, p=[0.35, 0.1, 0.1, 0.05, 0.1, 0.3])
    rival = np.array(COMPETITORS, dtype=object)[rng.integers(0, len(COMPETITORS), cust.size)]
    reason_lost = np.where(loss == 5, _join(np.full(cust.size, "competitor ", dtype=object), rival),
                           np.array(LOSS_REASONS, dtype=object)[loss])
    yearly = w.revenue / np.maximum(years, 0.05)
    value = np.round(yearly[cust] * rng.uniform(0.1, 0.8, cust.size), -2)
    subject = _join(np.array(TENDER_KINDS, dtype=object)[rng.integers(0, len(TENDER_KINDS), cust.size)], " ",
                    np.array(PRODUCTS, dtype=object)[rng.integers(0, len(PRODUCTS), cust.size)])
    order = np.lexsort((cust, day))
    frame = pd.DataFrame({
        "date": cal.dates(day[order]),
        schema.CUSTOMER_ID: w.ids[cust[order]],
        "subject": subject[order],
        "result": np.where(won, "won", "lost").astype(object)[order],
        "reason": np.where(won, reason_won, reason_lost)[order],
        "value": np.maximum(value[order], 100.0),
    })
    return _text(frame, [schema.CUSTOMER_ID, "subject", "result", "reason"])


def _contact_table(w: _World, cal: _Calendar, rng: np.random.Generator) -> pd.DataFrame:
    rank = np.argsort(np.argsort(w.size)) / max(w.n - 1, 1)     # 0 smallest .. 1 biggest
    count = 1 + rng.binomial(5, 0.1 + 0.6 * rank)
    cust = np.repeat(np.arange(w.n), count)
    j = np.arange(cust.size) - (np.cumsum(count) - count)[cust]
    role_names, role_p = ROLES
    role = np.where(j == 0, 1, rng.choice(len(role_names), cust.size, p=_weights(role_p)))
    positions = np.array([POSITIONS[r] for r in role_names], dtype=object)
    position = positions[role, rng.integers(0, positions.shape[1], cust.size)]
    first = rng.integers(0, len(FIRST_NAMES), cust.size)
    last = rng.integers(0, len(SURNAMES), cust.size)
    person = _join(np.array(FIRST_NAMES, dtype=object)[first], " ", np.array(SURNAMES, dtype=object)[last])
    attitude = np.where(w.churned[cust], rng.choice(4, cust.size, p=[0.05, 0.15, 0.35, 0.45]),
                        rng.choice(4, cust.size, p=[0.15, 0.35, 0.35, 0.15]))

    # Last contact: recent for active customers, around the silence for churners.
    anchor = np.where(w.churned, w.end + 30, cal.days - 1)[cust]
    day = np.clip(anchor - rng.exponential(45.0, cust.size).astype(np.int64), w.start[cust], cal.days - 1)

    domain = w.domains[cust]
    email = _join(_ascii_lower(FIRST_NAMES)[first], ".", _ascii_lower(SURNAMES)[last], "@", domain)
    email[rng.random(cust.size) < 0.12] = ""
    prefix = np.array([v[1] for v in REGIONS.values()], dtype=object)[w.region][cust]
    phone = _join(prefix, " ", rng.integers(100_000, 9_999_999, cust.size).astype(str).astype(object))
    phone[rng.random(cust.size) < 0.2] = ""
    frame = pd.DataFrame({
        schema.CUSTOMER_ID: w.ids[cust], "person": person, "position": position,
        "role": np.array(role_names, dtype=object)[role], "attitude": np.array(ATTITUDES, dtype=object)[attitude],
        "last_contact": cal.dates(day), "email": email, "phone": phone,
    })
    return _text(frame, [schema.CUSTOMER_ID, "person", "position", "role", "attitude", "email", "phone"])


def _competitor_table(w: _World, rng: np.random.Generator) -> pd.DataFrame:
    has = rng.random(w.n) < 0.65
    if w.n:
        has[0] = True
    count = np.where(has, 1 + rng.binomial(2, 0.35, w.n), 0)
    cust = np.repeat(np.arange(w.n), count)
    # Distinct rivals per customer: an offset into the list plus a stride that never repeats within 3.
    j = np.arange(cust.size) - (np.cumsum(count) - count)[cust]
    rival = (rng.integers(0, len(COMPETITORS), w.n)[cust] + 5 * j) % len(COMPETITORS)
    # Shares of wallet: our share and the rivals' from one Dirichlet-like draw per customer.
    ours = rng.gamma(2.0, 1.0, w.n)
    theirs = rng.gamma(1.0, 1.0, cust.size)
    total = ours + np.bincount(cust, weights=theirs, minlength=w.n)
    share = np.round(theirs / total[cust], 2)
    notes = np.array(COMPETITOR_NOTES, dtype=object)[rng.integers(0, len(COMPETITOR_NOTES), cust.size)]
    if cust.size:
        notes[0] = FORMULA_NOTE
    frame = pd.DataFrame({
        schema.CUSTOMER_ID: w.ids[cust], "competitor": np.array(COMPETITORS, dtype=object)[rival],
        "share_of_wallet": share, "notes": notes,
    })
    return _text(frame, [schema.CUSTOMER_ID, "competitor", "notes"])


def _prospect_table(w: _World, rng: np.random.Generator) -> pd.DataFrame:
    n = max(12, w.n // 25)
    width = max(4, len(str(n)))
    ids = np.strings.add("P", np.strings.zfill(np.arange(1, n + 1).astype(f"U{width}"), width)).astype(object)
    industry = rng.choice(len(INDUSTRIES), n, p=_weights(v[1] for v in INDUSTRIES.values()))
    region = rng.choice(len(REGIONS), n, p=_weights(v[0] for v in REGIONS.values()))
    size = rng.lognormal(0.0, 1.6, n)
    names, _ = _company_names(rng, n, industry, region, size)
    budget = np.maximum(np.round(ANNUAL_REVENUE * size / np.exp(1.6 ** 2 / 2) * rng.uniform(0.8, 2.5, n), -3), 5000)
    budget[rng.random(n) < 0.25] = np.nan
    notes = np.array(PROSPECT_NOTES, dtype=object)[rng.integers(0, len(PROSPECT_NOTES), n)]
    notes[min(4, n - 1)] = FORMULA_PROSPECT_NOTE
    frame = pd.DataFrame({
        "prospect_id": ids, "name": names, "industry": np.array(list(INDUSTRIES), dtype=object)[industry],
        "region": np.array(list(REGIONS), dtype=object)[region],
        "need": rng.random(n) < 0.6, "ability_to_pay": rng.random(n) < 0.55, "authority": rng.random(n) < 0.45,
        schema.BUDGET: budget, "notes": notes,
    })
    return _text(frame, ["prospect_id", "name", "industry", "region", "notes"])


def _truth_table(w: _World, cal: _Calendar) -> pd.DataFrame:
    churn_day = cal.dates(w.end).where(w.churned)
    return pd.DataFrame({
        schema.CUSTOMER_ID: pd.Series(w.ids, dtype="str"),
        "pattern": pd.Series(PATTERNS[w.pattern], dtype="str"),
        "size": w.size,
        "planned_revenue": w.revenue,
        "start": cal.dates(w.start),
        "churned": w.churned,
        "churn_day": churn_day,
        "complaint_alarm": w.alarm,
        "orders": w.orders,
    })


# ---------------------------------------------------------------------------------------------------------------
# Small helpers


def _weights(values) -> np.ndarray:
    p = np.asarray(list(values), dtype=float)
    return p / p.sum()


def _join(*parts) -> np.ndarray:
    """Element-wise concatenation of string arrays and scalars into an object array."""
    out = np.asarray(parts[0], dtype=object)
    for part in parts[1:]:
        out = out + (np.asarray(part, dtype=object) if not isinstance(part, str) else part)
    return np.asarray(out, dtype=object)


_ASCII = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "é": "e", " ": "", "&": ""}  # applied after lower()


def _ascii_lower(words: list[str]) -> np.ndarray:
    """Lower-case ASCII spelling of each word of a (small) vocabulary list, for e-mail addresses."""
    text = np.strings.lower(np.asarray(words, dtype=str))
    for old, new in _ASCII.items():
        text = np.strings.replace(text, old, new)
    return text.astype(object)


def _text(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    for col in columns:
        frame[col] = frame[col].astype("str")
    return frame
