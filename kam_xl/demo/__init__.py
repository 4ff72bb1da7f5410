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

from kam_xl.demo.tables import (
    competitor_table,
    complaint_table,
    contact_table,
    customer_table,
    prospect_table,
    tender_table,
    transaction_table,
    truth_table,
)
from kam_xl.demo.vocabulary import FORMULA_NAME, FORMULA_NOTE, FORMULA_PROSPECT_NOTE
from kam_xl.demo.world import Calendar, draw_orders, draw_world

__all__ = ["DemoData", "generate", "FORMULA_NAME", "FORMULA_NOTE", "FORMULA_PROSPECT_NOTE"]


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
    cal = Calendar.spanning(pd.Timestamp(end), years)
    world = draw_world(int(customers), int(lines), cal, rng["world"], rng["names"])
    orders = draw_orders(world, cal, rng["orders"])
    return DemoData(
        customers=customer_table(world, cal, rng["customers"]),
        transactions=transaction_table(world, orders, cal, rng["transactions"]),
        complaints=complaint_table(world, orders, cal, rng["complaints"]),
        tenders=tender_table(world, cal, rng["tenders"]),
        contacts=contact_table(world, cal, rng["contacts"]),
        competitors=competitor_table(world, rng["competitors"]),
        prospects=prospect_table(world, rng["prospects"]),
        truth=truth_table(world, cal),
    )


STREAMS = ("world", "names", "orders", "customers", "transactions", "complaints", "tenders", "contacts",
           "competitors", "prospects")


def _streams(seed: int) -> dict[str, np.random.Generator]:
    """One independent random stream per purpose; append new purposes at the end to keep old ones stable."""
    children = np.random.SeedSequence(seed).spawn(len(STREAMS))
    return {name: np.random.default_rng(child) for name, child in zip(STREAMS, children)}
