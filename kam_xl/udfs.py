"""The cell functions of the KeyAccounts workbook (xlwings UDFs).

Each body takes the raw values Excel hands over (ranges as 2-D lists, blanks as None, dates as datetimes,
numbers as floats, numeric text) and converts them itself through :mod:`kam_xl.cells`, so the same code
runs in Excel on Windows and in the headless engine on Linux (where xlwings' decorators do nothing).
All work is delegated to :mod:`kam_xl.core`. Functions over whole ranges remember their last results by
the content of the cells they read, so 10,000 ``=ABC_CLASS(B2, B$2:B$10001)`` cells cost one ranking.
A problem shows in the cell as ``#KAM: <what to fix>``, never as a traceback.
"""

from __future__ import annotations

import functools
import inspect

import numpy as np
import pandas as pd
import xlwings as xw

from kam_xl import cells
from kam_xl.cellcache import ContentCache
from kam_xl.core import abc, churn, dossier, schema, typology, xyz
from kam_xl.core.analysis import analyze
from kam_xl.core.periods import months_before, to_day
from kam_xl.core.prospects import three_p
from kam_xl.core.settings import Settings, SettingsError, field_names
from kam_xl.errors import InputError

CATEGORY = "Key Accounts"
_cache = ContentCache(size=32)
_DEFAULTS = Settings()


def forget() -> None:
    """Drop the results remembered so far: the headless engine calls it per workbook, so that a process
    recalculating many workbooks holds one workbook's tables at a time."""
    _cache.clear()


def cell_function(fn):
    """Turn any failure into a short ``#KAM: …`` text for the cell; keep the signature for xlwings."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (cells.CellError, InputError, SettingsError) as exc:
            return f"#KAM: {exc}"
        except Exception as exc:  # a cell must never show a traceback
            return f"#KAM: {type(exc).__name__}: {exc}"

    wrapper.__signature__ = inspect.signature(fn)
    return wrapper


def _settings(settings=None, **overrides) -> Settings:
    """Settings from the Settings range (or defaults), with a function's own arguments on top."""
    base = cells.settings_from_range(settings) if settings is not None else _DEFAULTS
    changes = {k: v for k, v in overrides.items() if not cells.is_blank(v)}
    if not changes:
        return base
    return Settings.from_mapping({f: getattr(base, f) for f in field_names()} | changes)


def _column(values) -> list[list]:
    return [[cells.to_cell(v)] for v in values]


# --- ABC -------------------------------------------------------------------------------------------------


@xw.func(category=CATEGORY)
@xw.arg("value", doc="The customer's value (revenue or profit) in currency.")
@xw.arg("values", doc="All customers' values, the range the customer is ranked in.")
@xw.arg("a_share", doc="A while the share held by larger customers is below this (default 0.8).")
@xw.arg("b_share", doc="B while that share is below this, else C (default 0.95).")
@cell_function
def ABC_CLASS(value, values, a_share=None, b_share=None):
    """ABC class of a customer's value within the list: A, B, C, or N for none (value 0, negative or empty)."""
    s = _settings(a_share=a_share, b_share=b_share)
    lookup = _cache.get(("ABC_CLASS", values, s.a_share, s.b_share), lambda: _abc_lookup(values, s))
    x = cells.numbers([value], "value")[0]
    found = lookup.get(x)
    if found is not None:
        return found
    return abc.abc_class_of(x, np.array(list(lookup.keys()) or [np.nan]), a_share=s.a_share, b_share=s.b_share,
                            tolerance=s.tolerance)


def _abc_lookup(values, s: Settings) -> dict:
    nums = cells.numbers(cells.flat(values), "value")
    result = abc.abc_classes(nums, a_share=s.a_share, b_share=s.b_share, tolerance=s.tolerance)
    return dict(zip(nums.tolist(), result.classes.tolist()))


@xw.func(category=CATEGORY)
@xw.arg("values", doc="All customers' values (revenue or profit), one column.")
@xw.arg("a_share", doc="A while the share held by larger customers is below this (default 0.8).")
@xw.arg("b_share", doc="B while that share is below this, else C (default 0.95).")
@cell_function
def ABC_CLASSES(values, a_share=None, b_share=None):
    """ABC class of every value in the column, spilled: A, B, C, or N."""
    s = _settings(a_share=a_share, b_share=b_share)
    nums = cells.numbers(cells.flat(values), "value")
    return _column(abc.abc_classes(nums, a_share=s.a_share, b_share=s.b_share, tolerance=s.tolerance).classes)


# --- XYZ -------------------------------------------------------------------------------------------------


@xw.func(category=CATEGORY)
@xw.arg("period_values", doc="One customer's sums per month (or quarter), oldest first; blanks before the "
                             "first purchase.")
@xw.arg("x_cv", doc="X when the coefficient of variation is at most this (default 0.5).")
@xw.arg("y_cv", doc="Y when it is at most this, else Z (default 1.0).")
@xw.arg("method", doc='"cv" (default) or "frequency" (share of periods with a purchase).')
@cell_function
def XYZ_CLASS(period_values, x_cv=None, y_cv=None, method=None):
    """XYZ class of a customer's period sums: X (even), Y (fluctuating), Z (irregular), or N (too short)."""
    s = _settings(x_cv=x_cv, y_cv=y_cv, xyz_method=method)
    nums = cells.numbers(cells.flat(period_values), "period value")
    return xyz.xyz_class_of(nums, settings=s)


@xw.func(category=CATEGORY)
@xw.arg("customer_ids", doc="The customers to classify, one column.")
@xw.arg("tx_customers", doc="Customer id of each transaction.")
@xw.arg("tx_dates", doc="Date of each transaction.")
@xw.arg("tx_amounts", doc="Amount of each transaction (credit notes negative).")
@xw.arg("period", doc='"month" (default) or "quarter".')
@xw.arg("as_of", doc="Evaluation day; empty = the last transaction day.")
@xw.arg("settings", doc="The Settings range (name and value columns); empty = defaults.")
@cell_function
def XYZ_CLASSES(customer_ids, tx_customers, tx_dates, tx_amounts, period=None, as_of=None, settings=None):
    """XYZ class of every customer in the list, spilled, computed from the raw transactions."""
    s = _settings(settings, xyz_period=period)
    return _column(_analysis_columns(customer_ids, tx_customers, tx_dates, tx_amounts, None, None, None, s,
                                     as_of, "xyz"))


# --- types and key accounts ------------------------------------------------------------------------------


@xw.func(category=CATEGORY)
@xw.arg("profit_share", doc="The customer's share of total profit (or revenue), 0 to 1.")
@xw.arg("known_brand", doc="yes if the customer is a well-known name (image maker).")
@xw.arg("high_demands", doc="yes if the customer has high demands on quality and service (expert).")
@xw.arg("first_purchase", doc="Date of the first purchase; empty if none yet.")
@xw.arg("budget", doc="The customer's budget for our products, in currency.")
@xw.arg("as_of", doc="Evaluation day (needed to tell whether the first purchase is recent).")
@xw.arg("settings", doc="The Settings range; empty = defaults.")
@cell_function
def CUSTOMER_TYPE(profit_share, known_brand, high_demands, first_purchase, budget, as_of=None, settings=None):
    """Primary customer type: Breadwinner, Image maker, Expert, Prospect, or empty."""
    return _types_of_one(profit_share, known_brand, high_demands, first_purchase, budget, as_of, settings).primary[0]


@xw.func(category=CATEGORY)
@xw.arg("customers", doc="The Customers table with its header row (Customers[#All]).")
@xw.arg("transactions", doc="The Transactions table with its header row (Transactions[#All]).")
@xw.arg("settings", doc="The Settings range; empty = defaults.")
@xw.arg("as_of", doc="Evaluation day; empty = the last transaction day.")
@cell_function
def CUSTOMER_TYPES(customers, transactions, settings=None, as_of=None):
    """All types of every customer, spilled, e.g. "Breadwinner, Expert"."""
    table = _analysis_from_tables(customers, transactions, None, settings, as_of, p_alive=False)
    return _column(table["types"].iloc[:_customer_count(customers)])


@xw.func(category=CATEGORY)
@xw.arg("override", doc="yes/no to decide by hand; empty = the rule decides.")
@xw.arg("abc_class", doc="The customer's ABC class.")
@xw.arg("types", doc='The customer\'s types, e.g. "Breadwinner, Expert".')
@xw.arg("value", doc="The customer's ABC value (revenue or profit) in currency.")
@xw.arg("values", doc="All customers' ABC values, the range the size core is taken from.")
@xw.arg("settings", doc="The Settings range (key_share, key_type_classes); empty = defaults.")
@cell_function
def KEY_ACCOUNT(override, abc_class, types, value, values, settings=None):
    """TRUE if the customer is a key account: the override if filled, else in the size core (the top customers
    holding key_share of the value), a breadwinner, or an image maker or expert of class A or B."""
    manual = cells.yes_no([override], "override")[0]
    if not np.isnan(manual):
        return bool(manual)
    s = _settings(settings)
    named = {t.strip() for t in str(types or "").split(",")}
    if schema.BREADWINNER in named:
        return True
    if named & {schema.IMAGE_MAKER, schema.EXPERT} and str(abc_class or "").strip().upper() in s.key_type_classes:
        return True
    core = s.replace(a_share=s.key_share, b_share=max(s.key_share, s.b_share))
    lookup = _cache.get(("KEY_CORE", values, core.a_share, core.tolerance), lambda: _abc_lookup(values, core))
    x = cells.numbers([value], "value")[0]
    found = lookup.get(x)
    if found is None:
        found = abc.abc_class_of(x, np.array(list(lookup.keys()) or [np.nan]), a_share=core.a_share,
                                 b_share=core.b_share, tolerance=core.tolerance)
    return found == "A"


@xw.func(category=CATEGORY)
@xw.arg("need", doc="yes if the prospect needs what we offer.")
@xw.arg("ability_to_pay", doc="yes if the prospect can pay for it.")
@xw.arg("authority", doc="yes if our contact has the authority to decide.")
@cell_function
def THREE_P(need, ability_to_pay, authority):
    """TRUE if all three P hold: a potential key customer."""
    return bool(three_p([need], [ability_to_pay], [authority])[0])


# --- churn -----------------------------------------------------------------------------------------------


@xw.func(category=CATEGORY)
@xw.arg("last_purchase", doc="Date of the last purchase; empty if none.")
@xw.arg("interval_days", doc="The customer's normal days between purchases.")
@xw.arg("complaints_90d", doc="Complaints in the last 90 days.")
@xw.arg("complaints_prev_90d", doc="Complaints in the 90 days before those.")
@xw.arg("as_of", doc="Evaluation day.")
@xw.arg("settings", doc="The Settings range; empty = defaults.")
@cell_function
def CHURN_FLAG(last_purchase, interval_days, complaints_90d, complaints_prev_90d, as_of, settings=None):
    """Churn flag of one customer: active, at risk, lost, or none (no purchase yet)."""
    s = _settings(settings)
    day = _required_as_of(as_of)
    last = cells.days([last_purchase], "last purchase")[0]
    silence = np.nan if np.isnat(last) else day - int(last.astype(np.int64))
    counts = cells.numbers([complaints_90d, complaints_prev_90d], "complaints")
    interval = cells.numbers([interval_days], "interval")
    return churn.churn_flags(interval, [silence], np.nan_to_num(counts[:1]), np.nan_to_num(counts[1:]), s)[0]


@xw.func(category=CATEGORY)
@xw.arg("customer_ids", doc="The customers to flag, one column.")
@xw.arg("tx_customers", doc="Customer id of each transaction.")
@xw.arg("tx_dates", doc="Date of each transaction.")
@xw.arg("tx_amounts", doc="Amount of each transaction.")
@xw.arg("complaint_customers", doc="Customer id of each complaint (optional).")
@xw.arg("complaint_dates", doc="Date of each complaint (optional).")
@xw.arg("as_of", doc="Evaluation day; empty = the last transaction day.")
@xw.arg("settings", doc="The Settings range; empty = defaults.")
@cell_function
def CHURN_FLAGS(customer_ids, tx_customers, tx_dates, tx_amounts, complaint_customers=None, complaint_dates=None,
                as_of=None, settings=None):
    """Churn flag of every customer in the list, spilled: active, at risk, lost, or none."""
    return _column(_analysis_columns(customer_ids, tx_customers, tx_dates, tx_amounts, complaint_customers,
                                     complaint_dates, None, _settings(settings), as_of, "churn"))


@xw.func(category=CATEGORY)
@xw.arg("customer_ids", doc="The customers, one column.")
@xw.arg("tx_customers", doc="Customer id of each transaction.")
@xw.arg("tx_dates", doc="Date of each transaction.")
@xw.arg("tx_amounts", doc="Amount of each transaction.")
@xw.arg("as_of", doc="Evaluation day; empty = the last transaction day.")
@cell_function
def P_ALIVE(customer_ids, tx_customers, tx_dates, tx_amounts, as_of=None):
    """Probability that each customer is still buying (BG/NBD model), spilled; 1 for one-time buyers."""
    return _column(_analysis_columns(customer_ids, tx_customers, tx_dates, tx_amounts, None, None, None,
                                     Settings(), as_of, "p_alive", p_alive=True))


# --- early warning ---------------------------------------------------------------------------------------


@xw.func(category=CATEGORY)
@xw.arg("customer_id", doc="The customer.")
@xw.arg("tx_customers", doc="Customer id of each transaction.")
@xw.arg("tx_dates", doc="Date of each transaction.")
@xw.arg("tx_amounts", doc="Amount of each transaction (credit notes negative).")
@xw.arg("as_of", doc="Evaluation day; empty = the last transaction day.")
@cell_function
def EXPECTED_PURCHASES(customer_id, tx_customers, tx_dates, tx_amounts, as_of=None):
    """Purchase days the customer is expected to have in the next 90 days (BG/NBD model); empty if none yet."""
    return _one_customer(customer_id, tx_customers, tx_dates, tx_amounts, Settings(), as_of,
                         "expected_purchases_90d")


@xw.func(category=CATEGORY)
@xw.arg("customer_ids", doc="The customers, one column.")
@xw.arg("tx_customers", doc="Customer id of each transaction.")
@xw.arg("tx_dates", doc="Date of each transaction.")
@xw.arg("tx_amounts", doc="Amount of each transaction (credit notes negative).")
@xw.arg("as_of", doc="Evaluation day; empty = the last transaction day.")
@cell_function
def EXPECTED_PURCHASES_LIST(customer_ids, tx_customers, tx_dates, tx_amounts, as_of=None):
    """Purchase days each customer is expected to have in the next 90 days (BG/NBD model), spilled."""
    return _column(_analysis_columns(customer_ids, tx_customers, tx_dates, tx_amounts, None, None, None,
                                     Settings(), as_of, "expected_purchases_90d", p_alive=True))


@xw.func(category=CATEGORY)
@xw.arg("customer_id", doc="The customer.")
@xw.arg("tx_customers", doc="Customer id of each transaction.")
@xw.arg("tx_dates", doc="Date of each transaction.")
@xw.arg("tx_amounts", doc="Amount of each transaction (credit notes negative).")
@xw.arg("as_of", doc="Evaluation day; empty = the last transaction day.")
@xw.arg("settings", doc="The Settings range (discount_rate per month); empty = defaults.")
@cell_function
def CLV(customer_id, tx_customers, tx_dates, tx_amounts, as_of=None, settings=None):
    """Customer lifetime value of the next 12 months in currency: expected purchases (BG/NBD) times the
    expected order value (Gamma-Gamma), discounted monthly; empty if no purchase yet."""
    return _one_customer(customer_id, tx_customers, tx_dates, tx_amounts, _settings(settings), as_of, "clv_12m")


@xw.func(category=CATEGORY)
@xw.arg("customer_ids", doc="The customers, one column.")
@xw.arg("tx_customers", doc="Customer id of each transaction.")
@xw.arg("tx_dates", doc="Date of each transaction.")
@xw.arg("tx_amounts", doc="Amount of each transaction (credit notes negative).")
@xw.arg("as_of", doc="Evaluation day; empty = the last transaction day.")
@xw.arg("settings", doc="The Settings range (discount_rate per month); empty = defaults.")
@cell_function
def CLV_LIST(customer_ids, tx_customers, tx_dates, tx_amounts, as_of=None, settings=None):
    """Customer lifetime value of the next 12 months of every customer in the list, spilled."""
    return _column(_analysis_columns(customer_ids, tx_customers, tx_dates, tx_amounts, None, None, None,
                                     _settings(settings), as_of, "clv_12m", p_alive=True))


@xw.func(category=CATEGORY)
@xw.arg("customer_ids", doc="Customer id column of the Analysis sheet.")
@xw.arg("key_accounts", doc="Its key_account column (TRUE/FALSE).")
@xw.arg("revenue_12m", doc="Its revenue_12m column.")
@xw.arg("trend", doc="Its trend column.")
@xw.arg("warnings", doc="Its warning column (reasons; empty = no warning).")
@xw.arg("size", doc="How many rows at most (default: watch_list_size of the Settings, 20).")
@cell_function
def WATCH_LIST(customer_ids, key_accounts, revenue_12m, trend, warnings, size=None):
    """Key accounts with a warning, largest revenue of the last 12 months first, spilled: customer id,
    revenue of the last 12 months, trend and the reasons; "" when none is warned."""
    ids = cells.texts(cells.flat(customer_ids))
    key = cells.yes_no(cells.flat(key_accounts), "key account") == 1
    revenue = cells.numbers(cells.flat(revenue_12m), "revenue_12m")
    change = cells.numbers(cells.flat(trend), "trend")
    reasons = np.array(cells.texts(cells.flat(warnings)), dtype=object)
    if not len(ids) == len(key) == len(revenue) == len(change) == len(reasons):
        raise cells.CellError("the watch-list ranges must have the same number of rows")
    limit = _DEFAULTS.watch_list_size if cells.is_blank(size) else int(cells.numbers([size], "size")[0])
    warned = np.flatnonzero(key & (reasons != ""))
    order = warned[np.argsort(-np.nan_to_num(revenue[warned], nan=-np.inf), kind="stable")][:limit]
    if not order.size:
        return ""
    return [[ids[i], cells.to_cell(revenue[i]), cells.to_cell(change[i]), reasons[i]] for i in order]


# --- whole table -----------------------------------------------------------------------------------------


@xw.func(category=CATEGORY)
@xw.arg("customers", doc="The Customers table with its header row (Customers[#All]).")
@xw.arg("transactions", doc="The Transactions table with its header row (Transactions[#All]).")
@xw.arg("complaints", doc="The Complaints table with its header row (optional).")
@xw.arg("settings", doc="The Settings range (name and value columns); empty = defaults.")
@xw.arg("as_of", doc="Evaluation day; empty = the last transaction day.")
@cell_function
def CUSTOMER_ANALYSIS(customers, transactions, complaints=None, settings=None, as_of=None):
    """The whole key-account analysis, one row per customer with a header row, spilled."""
    table = _analysis_from_tables(customers, transactions, complaints, settings, as_of, p_alive=True)
    return [list(table.columns)] + _rows(table)


@xw.func(category=CATEGORY)
@xw.arg("values", doc="All customers' values (revenue or profit).")
@xw.arg("points", doc="Number of steps on the customer axis (default 100).")
@cell_function
def PARETO_CURVE(values, points=100):
    """Pareto curve, spilled: share of customers (largest first, all non-blank values) and their cumulative
    share of the positive total."""
    nums = cells.numbers(cells.flat(values), "value")
    steps = int(cells.numbers([points], "points")[0]) if not cells.is_blank(points) else 100
    if steps < 1:
        raise cells.CellError("points must be at least 1")
    pos = np.sort(np.clip(nums[np.isfinite(nums)], 0.0, None))[::-1]
    x = np.linspace(0.0, 1.0, steps + 1)
    if pos.sum() <= 0:
        return [[float(a), 0.0] for a in x]
    cum = np.concatenate(([0.0], np.cumsum(pos) / pos.sum()))
    y = np.interp(x * pos.size, np.arange(pos.size + 1), cum)
    return [[float(a), float(b)] for a, b in zip(x, y)]


@xw.func(category=CATEGORY)
@cell_function
def SETUP_CHECK():
    """Says "ready" with the versions of kam_xl, Python and xlwings when Python answers this workbook."""
    import platform

    import kam_xl

    return f"ready: kam_xl {kam_xl.__version__}, Python {platform.python_version()}, xlwings {xw.__version__}"


# --- shared plumbing -------------------------------------------------------------------------------------


def _required_as_of(as_of) -> int:
    day = cells.as_of_day(as_of)
    if day is None:
        raise cells.CellError("as_of is needed: give the evaluation day")
    return to_day(day)


def _types_of_one(profit_share, known_brand, high_demands, first_purchase, budget, as_of, settings):
    s = _settings(settings)
    first = cells.days([first_purchase], "first purchase")[0]
    is_new = True
    if not np.isnat(first):
        is_new = int(first.astype(np.int64)) > months_before(_required_as_of(as_of), s.new_months)
    return typology.customer_types(
        np.nan_to_num(cells.numbers([profit_share], "profit share")), cells.yes_no([known_brand], "known brand") == 1,
        cells.yes_no([high_demands], "high demands") == 1, [is_new], cells.numbers([budget], "budget"),
        breadwinner_share=s.breadwinner_share, prospect_budget=s.prospect_budget, tolerance=s.tolerance)


def _analysis_columns(customer_ids, tx_customers, tx_dates, tx_amounts, complaint_customers, complaint_dates,
                      tx_margins, s: Settings, as_of, column: str, p_alive: bool = False):
    key = ("columns", customer_ids, tx_customers, tx_dates, tx_amounts, complaint_customers, complaint_dates,
           tx_margins, s, as_of, p_alive)

    def compute():
        ids = cells.texts(cells.flat(customer_ids))
        tx = _transactions_from_columns(tx_customers, tx_dates, tx_amounts)
        complaints = None
        if complaint_customers is not None and complaint_dates is not None:
            complaints = _frame({"customer_id": cells.texts(cells.flat(complaint_customers)),
                                 "date": cells.days(cells.flat(complaint_dates), "complaint date")})
        table = analyze(tx, pd.DataFrame({"customer_id": ids}), complaints, s, cells.as_of_day(as_of),
                        p_alive=p_alive)
        return table.iloc[:len(ids)]

    return _cache.get(key, compute)[column]


def _one_customer(customer_id, tx_customers, tx_dates, tx_amounts, s: Settings, as_of, column: str):
    """One customer's figure from the analysis of every customer in the transactions (computed once per
    content of the ranges, so a column of such cells costs one analysis)."""
    key = ("by customer", tx_customers, tx_dates, tx_amounts, s, as_of)

    def compute():
        tx = _transactions_from_columns(tx_customers, tx_dates, tx_amounts)
        return analyze(tx, None, None, s, cells.as_of_day(as_of)).set_index("customer_id")

    table = _cache.get(key, compute)
    wanted = cells.texts([customer_id])[0]
    if wanted not in table.index:
        raise cells.CellError(f"customer {wanted!r} has no transaction")
    return cells.to_cell(table.at[wanted, column])


def _transactions_from_columns(tx_customers, tx_dates, tx_amounts) -> pd.DataFrame:
    ids = cells.texts(cells.flat(tx_customers))
    dates = cells.days(cells.flat(tx_dates), "transaction date")
    amounts = cells.numbers(cells.flat(tx_amounts), "amount")
    if not len(ids) == len(dates) == len(amounts):
        raise cells.CellError("the transaction ranges must have the same number of rows")
    return _frame({"customer_id": ids, "date": dates, "amount": amounts})


def _frame(columns: dict) -> pd.DataFrame:
    """Drop rows that are entirely blank (the empty rows at the end of a table range)."""
    frame = pd.DataFrame(columns)
    blank = np.ones(len(frame), bool)
    for col in columns.values():
        arr = np.asarray(col)
        if arr.dtype.kind == "M":
            blank &= np.isnat(arr)
        elif arr.dtype.kind == "f":
            blank &= np.isnan(arr)
        else:
            blank &= arr == ""
    return frame[~blank].reset_index(drop=True)


def _analysis_from_tables(customers, transactions, complaints, settings, as_of, p_alive: bool) -> pd.DataFrame:
    key = ("tables", customers, transactions, complaints, settings, as_of, p_alive)

    def compute():
        s = _settings(settings)
        maps = cells.source_columns(settings)
        cust = _input_table(customers, "Customers", maps.get("customers"))
        tx_raw = _input_table(transactions, "Transactions", maps.get("transactions"))
        for need in ("customer_id", "date", "amount"):
            if need not in tx_raw.columns:
                raise cells.CellError(f"Transactions: no column {need.replace('_', ' ').title()} in the headers")
        tx = {"customer_id": cells.texts(tx_raw["customer_id"]),
              "date": cells.column_days(tx_raw, "date"),
              "amount": cells.column_numbers(tx_raw, "amount")}
        if "margin" in tx_raw.columns:
            tx["margin"] = cells.column_numbers(tx_raw, "margin")
        comp = None
        if complaints is not None:
            c_raw = _input_table(complaints, "Complaints", maps.get("complaints"))
            if len(c_raw):
                comp = _frame({"customer_id": cells.texts(c_raw["customer_id"]),
                               "date": cells.column_days(c_raw, "date")})
        cust_frame = cust.copy()
        if "customer_id" not in cust_frame.columns:
            raise cells.CellError("Customers: no column Customer ID in the headers")
        cust_frame["customer_id"] = cells.texts(cust_frame["customer_id"])
        cust_frame = cust_frame[cust_frame["customer_id"] != ""]
        if "budget" in cust_frame.columns:
            cust_frame["budget"] = cells.column_numbers(cust_frame, "budget")
        tx_frame, day = _frame(tx), cells.as_of_day(as_of)
        if tx_frame.empty and day is None:
            return pd.DataFrame(columns=schema.ANALYSIS_COLUMNS)  # a workbook without sales yet: nothing to show
        return analyze(tx_frame, cust_frame, comp, s, day, p_alive=p_alive)

    return _cache.get(key, compute)


def _input_table(raw, what: str, columns: dict[str, str] | None) -> pd.DataFrame:
    """:func:`cells.table` of an input range, remembered by content: the analysis and the dossier sections
    read the same 200,000-line Transactions table. Callers leave the frame as it is (copy or assign)."""
    return _cache.get(("table", what, raw, tuple((columns or {}).items())), lambda: cells.table(raw, what, columns))


def _customer_count(customers) -> int:
    return sum(1 for row in cells.rows(customers)[1:] if row and not cells.is_blank(row[0]))


def _rows(table: pd.DataFrame) -> list[list]:
    """Table values as rows of plain cell values (NaN/NaT -> blank), converted a column at a time."""
    columns = []
    for name in table.columns:
        col = table[name]
        if col.dtype.kind == "M":
            columns.append([None if pd.isna(v) else v.to_pydatetime() for v in col])
        elif col.dtype.kind == "f":
            arr = col.to_numpy()
            columns.append(np.where(np.isnan(arr), None, arr).tolist())
        elif not col.hasnans and (col.dtype.kind in "bi" or pd.api.types.is_string_dtype(col.dtype)):
            columns.append(col.tolist())  # plain ints, bools and texts need no conversion
        else:
            columns.append([cells.to_cell(v) for v in col.to_numpy(object)])
    return [list(r) for r in zip(*columns)]


# --- dossier ---------------------------------------------------------------------------------------------

#: Per table: its date columns, number columns; every other column is text.
_DOSSIER_TABLES = {
    "Transactions": (("date",), ("amount", "margin")),
    "Complaints": (("date",), ()),
    "Tenders": (("date",), ("value",)),
    "Contacts": (("last_contact",), ()),
    "Competitors": ((), ("share_of_wallet",)),
    "Winback": (("listed_since", "due", "recovered"),
                ("silence_days", "normal_interval", "revenue_at_stake", "complaint_count")),
}


@xw.func(category=CATEGORY)
@xw.arg("customer_ids", doc="Customer id column of the Analysis sheet.")
@xw.arg("key_accounts", doc="Its key_account column (TRUE/FALSE).")
@xw.arg("revenues", doc="Its revenue column.")
@cell_function
def DOSSIER_CUSTOMERS(customer_ids, key_accounts, revenues):
    """Customer ids for the dossier's drop-down, spilled: key accounts first, each group largest revenue first."""
    ids = cells.texts(cells.flat(customer_ids))
    key = cells.yes_no(cells.flat(key_accounts), "key account") == 1
    revenue = cells.numbers(cells.flat(revenues), "revenue")
    if not len(ids) == len(key) == len(revenue):
        raise cells.CellError("the three ranges must have the same number of rows")
    return _column(dossier.selector_order(ids, key, revenue)) or ""


@xw.func(category=CATEGORY)
@xw.arg("customer_id", doc="The customer.")
@xw.arg("transactions", doc="The Transactions table with its header row (Transactions[#All]).")
@xw.arg("as_of", doc="Evaluation day; later transactions are left out.")
@xw.arg("rows", doc="How many years at most; older ones are summed into the last row.")
@xw.arg("empty", doc="Text shown when the customer has no transaction.")
@xw.arg("settings", doc="The Settings range (column maps of your own tables); empty = headers as they are.")
@cell_function
def DOSSIER_YEARS(customer_id, transactions, as_of, rows=6, empty="", settings=None):
    """Revenue per year of one customer, spilled, newest first: year, revenue, documents, change."""
    found = _dossier_rows("Transactions", transactions, customer_id, settings)
    return _section(dossier.revenue_by_year(found, _required_date(as_of), _count(rows)), empty)


@xw.func(category=CATEGORY)
@xw.arg("customer_id", doc="The customer.")
@xw.arg("transactions", doc="The Transactions table with its header row (Transactions[#All]).")
@xw.arg("as_of", doc="Evaluation day; later transactions are left out.")
@xw.arg("rows", doc="How many deliveries at most.")
@xw.arg("empty", doc="Text shown when there is none.")
@xw.arg("settings", doc="The Settings range (column maps of your own tables); empty = headers as they are.")
@cell_function
def DOSSIER_DELIVERIES(customer_id, transactions, as_of, rows=6, empty="", settings=None):
    """The latest deliveries of one customer, spilled: date, document no, lines, amount, margin."""
    found = _dossier_rows("Transactions", transactions, customer_id, settings)
    return _section(dossier.last_deliveries(found, _required_date(as_of), _count(rows)), empty)


@xw.func(category=CATEGORY)
@xw.arg("customer_id", doc="The customer.")
@xw.arg("tenders", doc="The Tenders table with its header row (Tenders[#All]).")
@xw.arg("rows", doc="How many tenders at most.")
@xw.arg("empty", doc="Text shown when there is none.")
@xw.arg("settings", doc="The Settings range (column maps of your own tables); empty = headers as they are.")
@cell_function
def DOSSIER_TENDERS(customer_id, tenders, rows=6, empty="", settings=None):
    """The latest tenders of one customer, spilled: date, subject, result, value, reason."""
    return _section(dossier.tenders(_dossier_rows("Tenders", tenders, customer_id, settings), _count(rows)), empty)


@xw.func(category=CATEGORY)
@xw.arg("customer_id", doc="The customer.")
@xw.arg("complaints", doc="The Complaints table with its header row (Complaints[#All]).")
@xw.arg("as_of", doc="Evaluation day; later complaints are left out.")
@xw.arg("rows", doc="How many categories at most.")
@xw.arg("empty", doc="Text shown when there is none.")
@xw.arg("window", doc="Days of the recent window (complaint_days of the Settings, 90).")
@xw.arg("settings", doc="The Settings range (column maps of your own tables); empty = headers as they are.")
@cell_function
def DOSSIER_COMPLAINTS(customer_id, complaints, as_of, rows=6, empty="", window=90, settings=None):
    """Complaints of one customer by category, spilled: category, last window, window before, total, trend."""
    found = _dossier_rows("Complaints", complaints, customer_id, settings)
    table = dossier.complaints_by_category(found, _required_date(as_of), _count(window))
    return _section(table.head(_count(rows)), empty)


@xw.func(category=CATEGORY)
@xw.arg("customer_id", doc="The customer.")
@xw.arg("contacts", doc="The Contacts table with its header row (Contacts[#All]).")
@xw.arg("rows", doc="How many people at most.")
@xw.arg("empty", doc="Text shown when there is none.")
@xw.arg("settings", doc="The Settings range (column maps of your own tables); empty = headers as they are.")
@cell_function
def DOSSIER_CONTACTS(customer_id, contacts, rows=8, empty="", settings=None):
    """The buying centre of one customer, spilled, deciders first: role, person, attitude, last contact,
    position."""
    return _section(dossier.contacts(_dossier_rows("Contacts", contacts, customer_id, settings), _count(rows)), empty)


@xw.func(category=CATEGORY)
@xw.arg("customer_id", doc="The customer.")
@xw.arg("competitors", doc="The Competitors table with its header row (Competitors[#All]).")
@xw.arg("rows", doc="How many competitors at most.")
@xw.arg("empty", doc="Text shown when there is none.")
@xw.arg("settings", doc="The Settings range (column maps of your own tables); empty = headers as they are.")
@cell_function
def DOSSIER_COMPETITORS(customer_id, competitors, rows=5, empty="", settings=None):
    """Competitors at one customer, spilled, largest share of wallet first: share, competitor, notes."""
    found = _dossier_rows("Competitors", competitors, customer_id, settings)
    return _section(dossier.competitors(found, _count(rows)), empty)


@xw.func(category=CATEGORY)
@xw.arg("customer_id", doc="The customer.")
@xw.arg("winback", doc="The Win-back table with its header row (Winback[#All]).")
@xw.arg("rows", doc="How many rows at most.")
@xw.arg("empty", doc="Text shown when there is none.")
@cell_function
def DOSSIER_WINBACK(customer_id, winback, rows=3, empty=""):
    """The customer's open win-back action, spilled: status, suggested means, due, responsible, next step."""
    return _section(dossier.winback_actions(_dossier_rows("Winback", winback, customer_id), _count(rows)), empty)


def _dossier_rows(name: str, raw, customer_id, settings=None) -> pd.DataFrame:
    """One customer's rows of an input table, typed; its columns found by the column map the Settings range
    records, else by name or alias. The table is grouped by customer once per content; only the customer's
    own rows are converted, so another customer's bad cell leaves this dossier alone."""
    columns = cells.source_columns(settings).get(name.lower()) if settings is not None else None
    key = ("dossier", name, raw, tuple((columns or {}).items()))
    ledger = _cache.get(key, lambda: _ledger(name, raw, columns))
    return _typed(name, ledger.rows(cells.texts([customer_id])[0]))


def _ledger(name: str, raw, columns: dict[str, str] | None = None) -> dossier.Ledger:
    frame = _input_table(raw, name, columns)
    if "customer_id" not in frame.columns:
        raise cells.CellError(f"{name}: no column Customer ID in the headers")
    return dossier.Ledger.of(frame, cells.texts(frame["customer_id"]))


def _typed(name: str, rows: pd.DataFrame) -> pd.DataFrame:
    """Raw cells of a table's rows (labelled by their data row) as typed columns; a bad cell names the table,
    its data row and column."""
    dates, numbers = _DOSSIER_TABLES[name]
    where = {"rows": rows.index.tolist(), "table": name}
    typed = {}
    for column in rows.columns:
        header = rows.attrs.get("headers", {}).get(column, column)
        if column in dates:
            typed[column] = pd.to_datetime(cells.days(rows[column], header, **where))
        elif column in numbers:
            typed[column] = cells.numbers(rows[column], header, **where)
        else:
            typed[column] = cells.texts(rows[column])
    return pd.DataFrame(typed, columns=list(typed))


def _section(table: pd.DataFrame, empty) -> list[list] | str:
    if table.empty:
        return "" if cells.is_blank(empty) else str(empty)
    return _rows(table)


def _count(raw) -> int:
    value = cells.numbers([raw], "rows")[0]
    if not np.isfinite(value) or value < 1:
        raise cells.CellError(f"rows must be a whole number of at least 1, found {cells.to_cell(raw)!r}")
    return int(value)


def _required_date(raw):
    day = cells.as_of_day(raw)
    if day is None:
        raise cells.CellError("as_of is needed: give the evaluation day")
    return day
