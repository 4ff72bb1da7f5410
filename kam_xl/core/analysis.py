"""One call that runs every rule: the analysis table, one row per customer.

    analyze(transactions, customers=None, complaints=None, settings=None, as_of=None) -> DataFrame

Inputs use the canonical columns of :mod:`kam_xl.core.schema`. Customer ids are text. The as-of day
defaults to the day of the last transaction, never the wall clock; transactions and complaints after it are
ignored. Credit notes (negative amounts) are netted into revenue and profit; a purchase is a day with a
positive amount.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kam_xl.core import abc, bgnbd, churn, early_warning, schema, typology, xyz
from kam_xl.core.periods import day_numbers, months_before, period_of_days, to_date, to_day
from kam_xl.core.settings import Settings
from kam_xl.errors import InputError


def analyze(transactions: pd.DataFrame, customers: pd.DataFrame | None = None,
            complaints: pd.DataFrame | None = None, settings: Settings | None = None,
            as_of=None, *, p_alive: bool = True) -> pd.DataFrame:
    """The analysis table (columns :data:`schema.ANALYSIS_COLUMNS`); ``attrs["as_of"]`` holds the as-of day.

    ``p_alive=False`` skips the BG/NBD fit (the column is then NaN) when only the rules are wanted."""
    s = settings or Settings()
    ids, days, amount, margin = _transactions(transactions)
    if days.size == 0 and as_of is None:
        raise InputError("no transactions: the as-of day cannot be derived; add transactions or give as_of",
                         source="transactions")
    as_of_day = to_day(as_of) if as_of is not None else int(days.max())
    keep = days <= as_of_day
    ids, days, amount = ids[keep], days[keep], amount[keep]
    margin = margin[keep] if margin is not None else None

    cust = _customers(customers)
    index = _customer_index(cust, ids)
    n = len(index)
    codes = index.get_indexer(ids)

    # ABC on revenue or profit, optionally over the last abc_months only.
    in_abc = days > months_before(as_of_day, s.abc_months) if s.abc_months else np.ones(days.size, bool)
    revenue = np.bincount(codes[in_abc], weights=amount[in_abc], minlength=n)
    profit = (np.bincount(codes[in_abc], weights=margin[in_abc], minlength=n) if margin is not None
              else np.full(n, np.nan))
    value = profit if s.abc_value == "profit" else revenue
    if s.abc_value == "profit" and margin is None:
        raise InputError("ABC on profit needs a margin column", source="transactions", column="margin")
    ranked = abc.abc_classes(value, a_share=s.a_share, b_share=s.b_share, tolerance=s.tolerance)

    # Purchases: distinct days with a positive amount.
    bought = amount > 0
    pdays = churn.purchase_days(codes[bought], days[bought], n)

    # XYZ over period sums of the same value.
    xyz_value = margin if s.abc_value == "profit" else amount
    matrix, first_period = xyz.period_matrix(codes, days, xyz_value, n, as_of_day, s)
    first_slot = np.full(n, np.nan)
    has = np.isfinite(pdays.first)
    first_slot[has] = period_of_days(pdays.first[has].astype(np.int64), s.xyz_period) - first_period
    even = xyz.xyz_from_matrix(matrix, first_slot, s)

    # Types and key accounts.
    type_value = profit if margin is not None else revenue
    positive_total = type_value[type_value > 0].sum()
    type_share = type_value / positive_total if positive_total > 0 else np.zeros(n)
    new_since = months_before(as_of_day, s.new_months)
    is_new = ~has | (np.nan_to_num(pdays.first, nan=0) > new_since)
    flags = cust.reindex(index)  # customers only in transactions: no flags, no budget, no override
    types = typology.customer_types(type_share, flags[schema.KNOWN_BRAND].fillna(False).to_numpy(bool),
                                    flags[schema.HIGH_DEMANDS].fillna(False).to_numpy(bool), is_new,
                                    flags[schema.BUDGET].to_numpy(float), breadwinner_share=s.breadwinner_share,
                                    prospect_budget=s.prospect_budget, tolerance=s.tolerance)
    key = typology.key_accounts(flags[schema.KEY_OVERRIDE].to_numpy(float), value, ranked.classes, types.flags,
                                key_share=s.key_share, key_type_classes=s.key_type_classes, tolerance=s.tolerance)

    # Churn.
    silence = as_of_day - pdays.last
    interval = churn.intervals(pdays)
    c_recent, c_prev = _complaint_counts(complaints, index, as_of_day, s.complaint_days)
    flag = churn.churn_flags(interval, silence, c_recent, c_prev, s)
    model = _purchase_model(pdays, as_of_day) if p_alive else None
    alive, expected_90d, clv = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)

    # Early warning.
    moved = early_warning.migration(codes, days, xyz_value, amount, n, as_of_day, s)
    mean_spend = early_warning.repeat_spend(codes[bought], days[bought], amount[bought],
                                            np.nan_to_num(pdays.first, nan=-1).astype(np.int64), pdays.count, n)
    order_value = np.full(n, np.nan)
    order_value[has] = early_warning.average_order_value(pdays.count[has] - 1, mean_spend[has])
    if model is not None:
        alive[has], expected_90d[has], clv[has] = _purchase_figures(model, order_value[has], s)
    warning = early_warning.warnings(key, moved, expected_90d, interval, c_recent, c_prev, flag, s)

    out = pd.DataFrame({
        "customer_id": index.to_numpy(object),
        "revenue": revenue,
        "profit": profit,
        "share": ranked.share,
        "cum_share_before": ranked.cum_share_before,
        "abc": ranked.classes,
        "periods": even.periods,
        "cv": even.cv,
        "xyz": even.classes,
        "abc_xyz": ranked.classes + even.classes,
        "types": types.types,
        "primary_type": types.primary,
        "key_account": key,
        "first_purchase": _dates(pdays.first),
        "last_purchase": _dates(pdays.last),
        "purchase_days": pdays.count,
        "interval_days": interval,
        "silence_days": pd.arrays.IntegerArray(np.where(has, silence, 0).astype(np.int64), mask=~has),
        "complaints_90d": c_recent,
        "complaints_prev_90d": c_prev,
        "churn": flag,
        "p_alive": alive,
        "abc_12m": moved.abc_12m,
        "abc_prev": moved.abc_prev,
        "migration": moved.migration,
        "revenue_12m": moved.revenue_12m,
        "revenue_prev_12m": moved.revenue_prev_12m,
        "trend": moved.trend,
        "expected_purchases_90d": expected_90d,
        "avg_order_value": order_value,
        "clv_12m": clv,
        "warning": warning,
    }, columns=schema.ANALYSIS_COLUMNS)
    out.attrs["as_of"] = to_date(as_of_day)
    return out


def _transactions(tx: pd.DataFrame):
    _require(tx, "transactions", [schema.CUSTOMER_ID, schema.TX_DATE, schema.TX_AMOUNT])
    ids = _ids(tx[schema.CUSTOMER_ID], "transactions")
    dates = pd.to_datetime(tx[schema.TX_DATE], errors="coerce")
    _no_missing(dates.isna().to_numpy(), "transactions", schema.TX_DATE, "a date")
    amount = pd.to_numeric(tx[schema.TX_AMOUNT], errors="coerce").to_numpy(float)
    _no_missing(~np.isfinite(amount), "transactions", schema.TX_AMOUNT, "a number")
    margin = None
    if schema.TX_MARGIN in tx.columns:
        margin = pd.to_numeric(tx[schema.TX_MARGIN], errors="coerce").to_numpy(float)
        if np.isnan(margin).all():
            margin = None
        else:
            margin = np.nan_to_num(margin, nan=0.0)
    return ids, day_numbers(dates), amount, margin


def _customers(customers: pd.DataFrame | None) -> pd.DataFrame:
    """Customer flags indexed by id, with every column the rules read (defaults where absent)."""
    if customers is None:
        customers = pd.DataFrame({schema.CUSTOMER_ID: []})
    _require(customers, "customers", [schema.CUSTOMER_ID])
    ids = _ids(customers[schema.CUSTOMER_ID], "customers")
    out = pd.DataFrame(index=pd.Index(ids, name=schema.CUSTOMER_ID))
    for col, what in ((schema.KNOWN_BRAND, "known brand"), (schema.HIGH_DEMANDS, "high demands")):
        raw = customers[col].tolist() if col in customers.columns else [None] * len(ids)
        out[col] = np.nan_to_num(_yes_no(raw, what), nan=0.0) == 1.0
    out[schema.BUDGET] = (pd.to_numeric(customers[schema.BUDGET], errors="coerce").to_numpy(float)
                          if schema.BUDGET in customers.columns else np.nan)
    raw = customers[schema.KEY_OVERRIDE].tolist() if schema.KEY_OVERRIDE in customers.columns else [None] * len(ids)
    out[schema.KEY_OVERRIDE] = _yes_no(raw, "key-account override")
    duplicated = out.index.duplicated()
    if duplicated.any():
        row = int(np.flatnonzero(duplicated)[0]) + 1
        raise InputError(f"customer id {out.index[row - 1]!r} appears twice; keep one row per customer",
                         source="customers", row=row, column=schema.CUSTOMER_ID)
    return out


def _customer_index(cust: pd.DataFrame, tx_ids: np.ndarray) -> pd.Index:
    """Customers in the order of the customers table, then ids seen only in transactions, sorted."""
    known = cust.index
    seen = pd.unique(tx_ids)
    extra = np.sort(seen[known.get_indexer(seen) < 0].astype(str)) if len(seen) else np.array([], dtype=str)
    return pd.Index(np.concatenate([known.to_numpy(object), extra.astype(object)]), name=schema.CUSTOMER_ID)


def _complaint_counts(complaints, index: pd.Index, as_of_day: int, window: int):
    n = len(index)
    if complaints is None or len(complaints) == 0:
        return np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    _require(complaints, "complaints", [schema.CUSTOMER_ID, schema.COMPLAINT_DATE])
    ids = _ids(complaints[schema.CUSTOMER_ID], "complaints")
    dates = pd.to_datetime(complaints[schema.COMPLAINT_DATE], errors="coerce")
    _no_missing(dates.isna().to_numpy(), "complaints", schema.COMPLAINT_DATE, "a date")
    codes = index.get_indexer(ids)
    known = codes >= 0  # complaints of customers without transactions or master data are not counted
    return churn.complaint_counts(codes[known], day_numbers(dates)[known], n, as_of_day, window)


def _purchase_model(pdays: churn.PurchaseDays, as_of_day: int):
    """The daily BG/NBD fit and (frequency, recency, T) of the customers with a purchase; None without any."""
    has = pdays.count > 0
    if not has.any():
        return None
    summary = bgnbd.summary_from_purchase_days(
        pdays.first[has].astype(np.int64), pdays.last[has].astype(np.int64), pdays.count[has], as_of_day)
    if (summary[0] > 0).sum() < 2:
        return None, summary  # nobody bought twice: the model has nothing to learn from
    try:
        return bgnbd.fit(*summary), summary
    except bgnbd.BGNBDFitError:
        return bgnbd.BGNBDParams(np.nan, np.nan, np.nan, np.nan), summary  # no estimate: NaN says so


def _purchase_figures(model, order_value: np.ndarray, s: Settings):
    """P(alive), expected purchase days in 90 days and CLV of the next 12 months, for customers with a purchase.

    Without a repeat buyer every customer is a one-time buyer: P(alive) 1 (the model's own answer), the
    rest NaN. A failed fit gives NaN throughout, rather than a made-up figure.
    """
    params, summary = model
    if params is None:
        nan = np.full(summary[0].size, np.nan)
        return np.ones(summary[0].size), nan, nan
    return (bgnbd.p_alive(params, *summary) if params.estimated else np.full(summary[0].size, np.nan),
            bgnbd.expected_purchases(params, early_warning.EXPECTED_DAYS, *summary),
            early_warning.clv_12m(params, *summary, order_value, s.discount_rate))


def _dates(day: np.ndarray) -> pd.Series:
    out = np.full(day.size, np.datetime64("NaT"), dtype="datetime64[D]")
    ok = np.isfinite(day)
    out[ok] = day[ok].astype(np.int64).astype("datetime64[D]")
    return pd.Series(out.astype("datetime64[s]"))


def _ids(column: pd.Series, source: str) -> np.ndarray:
    """Ids as stripped text; the strip runs once per distinct id, not per row."""
    codes, distinct = pd.factorize(column, use_na_sentinel=True)
    text = pd.Index(distinct).astype(str).str.strip().to_numpy(object)
    _no_missing((codes < 0) | (text[codes] == ""), source, schema.CUSTOMER_ID, "a customer id")
    return text[codes]


def _yes_no(values: list, what: str) -> np.ndarray:
    try:
        return typology.parse_yes_no(values, what)
    except ValueError as exc:
        raise InputError(str(exc), source="customers") from None


def _require(frame: pd.DataFrame, source: str, columns: list[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}; found {', '.join(map(str, frame.columns))}",
                         source=source)


def _no_missing(bad: np.ndarray, source: str, column: str, expected: str) -> None:
    if bad.any():
        row = int(np.flatnonzero(bad)[0]) + 1
        raise InputError(f"expected {expected}, found an empty or invalid value", source=source, row=row,
                         column=column)
