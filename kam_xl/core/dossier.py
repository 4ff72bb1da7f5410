"""The sections of a customer dossier, as small DataFrames: pure pandas, no Excel.

    Ledger.of(table, ids)                               rows ordered by customer once; .rows(customer)
    selector_order(ids, key_accounts, revenue)          customer ids, key accounts first, largest first
    revenue_by_year(tx_rows, as_of, years)              year, revenue, documents, change
    last_deliveries(tx_rows, as_of, n)                  date, document no, lines, amount, margin
    tenders(rows, n) / contacts(rows, n) / competitors(rows, n)
    complaints_by_category(rows, as_of, window)         category, recent, before, total, trend

The dossier sheet's cell functions (kam_xl.udfs DOSSIER_*) and the print copies (kam-xl dossier) both call
these, so the sheet, the build's cached values and the copies show the same figures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Buying-centre roles, the one who decides first.
ROLE_ORDER = ("Decider", "Buyer", "Initiator", "Influencer", "User", "Gatekeeper")
RISING, FALLING, STEADY = "rising", "falling", "steady"


@dataclass(frozen=True)
class Ledger:
    """A table and its rows' order by customer id, so one customer's rows are found by binary search."""

    frame: pd.DataFrame
    ids: np.ndarray     # the customer id of each row, sorted
    order: np.ndarray   # the position in ``frame`` of each sorted id

    @classmethod
    def of(cls, table: pd.DataFrame, ids) -> Ledger:
        """``ids``: the customer id of each row of ``table``, as text."""
        ids = np.asarray(ids, dtype=str)  # fixed-width text: sorted in C, not by Python compares
        order = np.argsort(ids, kind="stable")
        return cls(table, ids[order], order)

    def rows(self, customer: str) -> pd.DataFrame:
        """The customer's rows, in table order, under their labels in the table."""
        lo = np.searchsorted(self.ids, customer, side="left")
        hi = np.searchsorted(self.ids, customer, side="right")
        return self.frame.iloc[self.order[lo:hi]]


def selector_order(ids, key_accounts, revenue) -> list[str]:
    """Customer ids for the drop-down: key accounts first, then the rest, each largest revenue first."""
    frame = pd.DataFrame({"id": list(ids), "key": np.asarray(key_accounts, bool),
                          "revenue": np.nan_to_num(np.asarray(revenue, float), nan=-np.inf)})
    frame = frame[frame["id"] != ""]
    return frame.sort_values(["key", "revenue"], ascending=[False, False], kind="stable")["id"].tolist()


def revenue_by_year(rows: pd.DataFrame, as_of: dt.date, years: int) -> pd.DataFrame:
    """Revenue per calendar year up to the as-of day, newest first; years beyond ``years`` - 1 are summed into
    one last row "before YYYY", so the rows always add up to the customer's revenue."""
    kept = rows[rows["date"] <= pd.Timestamp(as_of)]
    year = kept["date"].dt.year
    table = kept.groupby(year).agg(revenue=("amount", "sum"), documents=("document_no", "nunique"))
    table = table.sort_index(ascending=False)
    table["change"] = table["revenue"] / table["revenue"].shift(-1) - 1
    table.loc[table["revenue"].shift(-1) <= 0, "change"] = np.nan
    table = table.reset_index(names="year").astype({"year": object})
    if len(table) > years:
        rest = table.iloc[years - 1:]
        earlier = {"year": f"before {int(rest['year'].iloc[0]) + 1}", "revenue": rest["revenue"].sum(),
                   "documents": int(rest["documents"].sum()), "change": np.nan}
        table = pd.concat([table.iloc[:years - 1], pd.DataFrame([earlier])], ignore_index=True)
    return table[["year", "revenue", "documents", "change"]]


def last_deliveries(rows: pd.DataFrame, as_of: dt.date, n: int) -> pd.DataFrame:
    """The ``n`` latest deliveries up to the as-of day: the positive lines of one document on one day, summed."""
    kept = rows[(rows["date"] <= pd.Timestamp(as_of)) & (rows["amount"] > 0)]
    table = kept.groupby(["date", "document_no"], sort=False).agg(
        lines=("amount", "size"), amount=("amount", "sum"), margin=("margin", "sum")).reset_index()
    table = table.sort_values(["date", "document_no"], ascending=False, kind="stable").head(n)
    return table[["date", "document_no", "lines", "amount", "margin"]].reset_index(drop=True)


def tenders(rows: pd.DataFrame, n: int) -> pd.DataFrame:
    """The ``n`` latest tenders: date, subject, result, value, reason."""
    table = rows.sort_values("date", ascending=False, kind="stable").head(n)
    return table[["date", "subject", "result", "value", "reason"]].reset_index(drop=True)


def complaints_by_category(rows: pd.DataFrame, as_of: dt.date, window: int) -> pd.DataFrame:
    """Complaints per category up to the as-of day: in the last ``window`` days (as-of day included), in the
    ``window`` days before (the windows of the churn rule), in all, and the trend between the two windows;
    most complaints first."""
    age = (pd.Timestamp(as_of) - rows["date"]).dt.days
    kept = rows[age >= 0].assign(age=age[age >= 0])
    category = kept["category"].where(kept["category"] != "", "(none)")
    table = pd.DataFrame({
        "category": category,
        "recent": kept["age"] < window,
        "before": (kept["age"] >= window) & (kept["age"] < 2 * window),
    }).groupby("category").agg(recent=("recent", "sum"), before=("before", "sum"), total=("recent", "size"))
    table["trend"] = np.select([table["recent"] > table["before"], table["recent"] < table["before"]],
                               [RISING, FALLING], STEADY)
    table = table.reset_index().sort_values(["total", "category"], ascending=[False, True], kind="stable")
    return table[["category", "recent", "before", "total", "trend"]].reset_index(drop=True)


def contacts(rows: pd.DataFrame, n: int) -> pd.DataFrame:
    """The buying centre: role (deciders first), person, attitude, last contact, position."""
    rank = rows["role"].map({r: i for i, r in enumerate(ROLE_ORDER)}).fillna(len(ROLE_ORDER))
    table = rows.assign(rank=rank).sort_values(["rank", "person"], kind="stable").head(n)
    return table[["role", "person", "attitude", "last_contact", "position"]].reset_index(drop=True)


def competitors(rows: pd.DataFrame, n: int) -> pd.DataFrame:
    """Competitors at the customer, largest share of wallet first: share, competitor, notes."""
    table = rows.sort_values("share_of_wallet", ascending=False, kind="stable", na_position="last").head(n)
    return table[["share_of_wallet", "competitor", "notes"]].reset_index(drop=True)


def winback_actions(rows: pd.DataFrame, n: int) -> pd.DataFrame:
    """The customer's open win-back row (not recovered): status, suggested means, due, responsible, next step."""
    table = rows[rows["recovered"].isna()].head(n)
    return table[["status", "suggested_means", "due", "responsible", "next_step"]].reset_index(drop=True)
