"""`kam-xl demo`: generate the seeded demo data, write it as CSV, and show the key-account picture.

Status lines go to stderr, tables to stdout. Each table is built by a small function from the analysis table
(one row per customer, :data:`kam_xl.core.schema.ANALYSIS_COLUMNS`), so tests can check its numbers.
"""

from __future__ import annotations

import argparse
import sys
import time

import pandas as pd
from rich import box
from rich.console import Console
from rich.table import Table

from kam_xl.commands.build_workbook import xlsm_path
from kam_xl.core import schema
from kam_xl.core.settings import Settings
from kam_xl.errors import InputError

ABC_ROWS = ("A", "B", "C", "N")
XYZ_COLUMNS = ("X", "Y", "Z", "N")
CHURN_ROWS = (schema.ACTIVE, schema.AT_RISK, schema.LOST, schema.NO_PURCHASE)


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "demo", help="generate demo data (CSV, optionally a filled workbook) and show the matrix and churn summary",
        description="Generate a seeded, realistic B2B data set (customers, transactions, complaints, tenders, "
                    "contacts, competitors, prospects), write one CSV per table, analyse it and print the "
                    "ABC-XYZ matrix, the key-account share and the churn summary.")
    parser.add_argument("--customers", type=_whole_number(1), default=2000, metavar="N",
                        help="number of customers (default 2000)")
    parser.add_argument("--seed", type=int, default=7, metavar="S",
                        help="random seed; the same seed gives the same data (default 7)")
    parser.add_argument("--transactions", type=_whole_number(1), default=None, metavar="M",
                        help="approximate number of transaction lines (default 20 per customer)")
    parser.add_argument("--out", default="demo-data", metavar="DIR",
                        help="folder for the CSV files, created if missing (default demo-data)")
    parser.add_argument("--workbook", default=None, metavar="OUT.xlsm",
                        help="also write a copy of the KeyAccounts workbook filled with the data and its analysis "
                             "(a macro workbook: the name must end in .xlsm)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from kam_xl.core.analysis import analyze  # the core is imported only when the command runs
    from kam_xl.demo import generate

    workbook = xlsm_path(args.workbook, "--workbook") if args.workbook else None  # refused before any work
    status = Console(stderr=True, highlight=False, soft_wrap=True)
    out = Console(file=sys.stdout, highlight=False, width=None if sys.stdout.isatty() else 120)

    started = time.perf_counter()
    status.print(f"Generating {args.customers:,} customers (seed {args.seed}) ...")
    data = generate(customers=args.customers, seed=args.seed, transactions=args.transactions)
    status.print(f"  {len(data.transactions):,} transaction lines, {len(data.complaints):,} complaints, "
                 f"{len(data.tenders):,} tenders, {len(data.contacts):,} contacts "
                 f"in {time.perf_counter() - started:.1f} s")
    try:
        paths = data.write_csv(args.out)
    except OSError as exc:
        raise InputError(f"cannot write the CSV files ({exc.strerror or exc}); choose another folder with --out",
                         source=str(args.out)) from None
    status.print(f"Wrote {len(paths)} CSV files to {args.out}")

    started = time.perf_counter()
    analysis = analyze(data.transactions, customers=data.customers, complaints=data.complaints)
    status.print(f"Analysed as of {analysis.attrs.get('as_of')} in {time.perf_counter() - started:.1f} s")

    if workbook:
        from kam_xl.template.workbook import build_workbook

        started = time.perf_counter()
        path = build_workbook(workbook, data, analysis)
        status.print(f"Wrote the workbook {path} in {time.perf_counter() - started:.1f} s")

    settings = Settings()
    out.print(matrix_table(analysis))
    out.print(key_account_table(analysis, settings))
    out.print(churn_table(analysis))
    out.print(winback_table(analysis, data.customers))
    return 0


# ---------------------------------------------------------------------------------------------------------------
# Figures


def revenue_shares(analysis: pd.DataFrame) -> pd.Series:
    """Each customer's share of the positive revenue total, as in ABC and the Matrix sheet (0 when there is none)."""
    revenue = analysis["revenue"].astype(float).fillna(0.0)
    total = revenue[revenue > 0].sum()
    return revenue / total if total > 0 else revenue * 0.0


def matrix_counts(analysis: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Customers and revenue share (%) per ABC class (rows A, B, C, N) and XYZ class (columns X, Y, Z, N)."""
    share = revenue_shares(analysis)
    counts = pd.crosstab(analysis["abc"], analysis["xyz"]).reindex(
        index=list(ABC_ROWS), columns=list(XYZ_COLUMNS), fill_value=0)
    shares = pd.crosstab(analysis["abc"], analysis["xyz"], values=share * 100, aggfunc="sum").reindex(
        index=list(ABC_ROWS), columns=list(XYZ_COLUMNS)).fillna(0.0)
    counts.index.name = shares.index.name = "abc"
    counts.columns.name = shares.columns.name = "xyz"
    return counts.astype(int), shares


def key_account_summary(analysis: pd.DataFrame, settings: Settings | None = None) -> dict:
    """Key-account count, revenue share (0..1) and where it stands against the settings' 30-55 % guide."""
    s = settings or Settings()
    key = analysis["key_account"].fillna(False).astype(bool).to_numpy()
    share = float(revenue_shares(analysis)[key].sum())
    if share < s.key_share_low - s.tolerance:
        verdict = "below the guide"
    elif share > s.key_share_high + s.tolerance:
        verdict = "above the guide"
    else:
        verdict = "within the guide"
    return {"count": int(key.sum()), "customers": len(analysis), "share": share,
            "low": s.key_share_low, "high": s.key_share_high, "verdict": verdict}


def churn_summary(analysis: pd.DataFrame) -> pd.DataFrame:
    """Per churn flag: customers, revenue, revenue share (%), key accounts and their revenue."""
    revenue = analysis["revenue"].astype(float).fillna(0.0)
    key = analysis["key_account"].fillna(False).astype(bool)
    frame = pd.DataFrame({"churn": analysis["churn"], "revenue": revenue, "share": revenue_shares(analysis) * 100,
                          "key": key, "key_revenue": revenue.where(key, 0.0)})
    summary = frame.groupby("churn").agg(customers=("revenue", "size"), revenue=("revenue", "sum"),
                                         revenue_share=("share", "sum"), key_accounts=("key", "sum"),
                                         key_revenue=("key_revenue", "sum"))
    summary = summary.reindex(list(CHURN_ROWS), fill_value=0)
    summary.index.name = "churn"
    return summary.astype({"customers": int, "key_accounts": int})


# ---------------------------------------------------------------------------------------------------------------
# Rendering


def matrix_table(analysis: pd.DataFrame) -> Table:
    """The 3x3 ABC-XYZ matrix plus the N row and column: "customers / revenue share %" per cell, with totals."""
    counts, shares = matrix_counts(analysis)
    table = Table(title="ABC-XYZ matrix: customers / revenue share", box=box.SIMPLE_HEAD,
                  caption="N = not classified (no positive revenue, or too little history for XYZ)")
    table.add_column("ABC \\ XYZ", justify="left", no_wrap=True)
    for col in (*XYZ_COLUMNS, "Total"):
        table.add_column(col, justify="right", no_wrap=True)
    for row in ABC_ROWS:
        cells = [_cell(counts.at[row, col], shares.at[row, col]) for col in XYZ_COLUMNS]
        table.add_row(row, *cells, _cell(counts.loc[row].sum(), shares.loc[row].sum()), end_section=row == "N")
    table.add_row("Total", *[_cell(counts[col].sum(), shares[col].sum()) for col in XYZ_COLUMNS],
                  _cell(counts.to_numpy().sum(), shares.to_numpy().sum()))
    return table


def key_account_table(analysis: pd.DataFrame, settings: Settings | None = None) -> Table:
    """Key accounts: how many, their revenue share, and the 30-55 % guide."""
    k = key_account_summary(analysis, settings)
    table = Table(title="Key accounts", box=box.SIMPLE_HEAD, show_header=False)
    table.add_column("what", no_wrap=True)
    table.add_column("value", no_wrap=True)
    table.add_row("Key accounts", f"{k['count']:,} of {k['customers']:,} customers")
    table.add_row("Revenue share", f"{k['share'] * 100:.1f} %")
    table.add_row("Guide", f"{k['low'] * 100:.0f}-{k['high'] * 100:.0f} %: {k['verdict']}")
    return table


def churn_table(analysis: pd.DataFrame) -> Table:
    """Churn flags: customers and revenue per flag, and how many of them are key accounts."""
    summary = churn_summary(analysis)
    table = Table(title="Churn", box=box.SIMPLE_HEAD)
    table.add_column("Flag", no_wrap=True)
    for col in ("Customers", "Revenue", "Share", "Key accounts", "Key revenue"):
        table.add_column(col, justify="right", no_wrap=True)
    for flag, row in summary.iterrows():
        table.add_row(str(flag), f"{int(row['customers']):,}", f"{row['revenue']:,.0f}",
                      f"{row['revenue_share']:.1f} %", f"{int(row['key_accounts']):,}", f"{row['key_revenue']:,.0f}")
    return table


def winback_table(analysis: pd.DataFrame, customers: pd.DataFrame | None = None, limit: int = 10) -> Table:
    """The biggest key accounts flagged lost or at risk (by revenue), with silence vs. their normal interval."""
    flagged = analysis[analysis["key_account"].fillna(False).astype(bool)
                       & analysis["churn"].isin([schema.LOST, schema.AT_RISK])]
    top = flagged.sort_values("revenue", ascending=False, kind="stable").head(limit)
    names = (customers.set_index(schema.CUSTOMER_ID)["name"] if customers is not None and "name" in customers
             else pd.Series(dtype="str"))
    table = Table(title=f"Key accounts lost or at risk: {len(flagged):,} (top {min(limit, len(flagged))} by revenue)",
                  box=box.SIMPLE_HEAD)
    for col, justify in (("Customer", "left"), ("Name", "left"), ("Flag", "left"), ("Silence", "right"),
                         ("Interval", "right"), ("Complaints 90 d", "right"), ("Revenue", "right")):
        table.add_column(col, justify=justify, no_wrap=col != "Name")
    for _, row in top.iterrows():
        table.add_row(str(row["customer_id"]), str(names.get(row["customer_id"], "")), str(row["churn"]),
                      _days(row["silence_days"]), _days(row["interval_days"]), f"{int(row['complaints_90d'])}",
                      f"{row['revenue']:,.0f}")
    return table


def _cell(count, share) -> str:
    return f"{int(count)} / {float(share):.1f} %"


def _days(value) -> str:
    return "" if value is None or pd.isna(value) else f"{float(value):,.0f} d"


def _whole_number(minimum: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, found {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected a whole number >= {minimum}, found {value}")
        return value
    return parse

