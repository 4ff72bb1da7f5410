"""The Win-back table: lost key accounts (and at-risk ones with ``winback_at_risk``), one row per customer ever
listed, recomputed from the analysis and merged with what the users typed.

    winback_table(analysis, transactions, customers, complaints, settings, existing) -> DataFrame

Inputs are the core's canonical frames (:mod:`kam_xl.core.schema`; customers may carry Name and Owner) and the
table as it stands (headers as in :data:`COLUMNS`). Generated columns are refreshed every time; the user
columns (:data:`USER_COLUMNS`) are never touched; rows are never deleted. Lifecycle of a row:

- listed: a key account flagged lost (or at risk) gets a row, listed since = the as-of day, status "open";
- recovered: an open row whose customer is no longer listed and bought after the listing gets the day of
  that first purchase (after a re-listing: the first purchase after the silence that re-listed them);
- lost again: a recovered row whose customer is listed again is reopened (recovered cleared, listed since
  and the user columns kept).

Suggested means, the first rule that applies (DESIGN.md): main complaint category quality or delivery with
at least two such complaints -> quality review and a visit; main category price, or revenue falling in the
year before the silence -> discount on the next order; image maker or expert -> gift or invitation; else a
special offer. "The year before the silence" is the 12 months up to the last purchase.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kam_xl.core import schema
from kam_xl.core.periods import day_numbers, months_before
from kam_xl.core.settings import Settings
from kam_xl.errors import InputError

TABLE = "Winback"

CUSTOMER, NAME, OWNER, FLAG, CRITERION = "Customer ID", "Name", "Owner", "Flag", "Criterion"
SILENCE, INTERVAL, AT_STAKE = "Silence days", "Normal interval", "Revenue at stake"
COMPLAINTS, COMPLAINT_TREND, MAIN_CATEGORY = "Complaint count", "Complaint trend", "Main complaint"
MEANS, WHY, LISTED, DUE, RECOVERED = "Suggested means", "Why", "Listed since", "Due", "Recovered"
RESPONSIBLE, STATUS, ACTION, NEXT_STEP, NOTES = "Responsible", "Status", "Action taken", "Next step", "Notes"

GENERATED = [CUSTOMER, NAME, OWNER, FLAG, CRITERION, SILENCE, INTERVAL, AT_STAKE, COMPLAINTS, COMPLAINT_TREND,
             MAIN_CATEGORY, MEANS, WHY, LISTED, DUE, RECOVERED]
USER_COLUMNS = [RESPONSIBLE, STATUS, ACTION, NEXT_STEP, NOTES]
COLUMNS = GENERATED + USER_COLUMNS

STATUSES = ["open", "contacted", "offer sent", "won back", "given up"]
QUALITY_REVIEW, DISCOUNT, GIFT, SPECIAL_OFFER = ("quality review and a visit", "discount on the next order",
                                                 "gift or invitation", "special offer")
_DATES = (LISTED, DUE, RECOVERED)


def winback_table(analysis: pd.DataFrame, transactions: pd.DataFrame, customers: pd.DataFrame | None,
                  complaints: pd.DataFrame | None, settings: Settings, existing: pd.DataFrame) -> pd.DataFrame:
    """The new Win-back table (columns :data:`COLUMNS`), sorted by revenue at stake, largest first."""
    as_of = pd.Timestamp(analysis.attrs["as_of"])
    old = _existing(existing)
    by_id = analysis.set_index("customer_id")
    flags = by_id["churn"].astype(str)
    listing = {schema.LOST, schema.AT_RISK} if settings.winback_at_risk else {schema.LOST}
    listed = by_id.index[by_id["key_account"].astype(bool) & flags.isin(listing)]

    ids = pd.Index(old.index).append(listed.difference(old.index, sort=False)).unique()
    table = old.reindex(ids)
    new = ~ids.isin(old.index)
    table.loc[new, LISTED] = as_of
    table.loc[new, STATUS] = STATUSES[0]
    known = ids.isin(by_id.index)  # a customer gone from the data keeps the row as it was
    now_listed = pd.Series(ids.isin(listed), index=ids)

    reopened = now_listed & table[RECOVERED].notna()
    table.loc[reopened, RECOVERED] = pd.NaT
    table[LISTED] = table[LISTED].fillna(as_of)  # a row typed in by hand: listed from now on
    waiting = table[RECOVERED].isna() & ~now_listed & known
    if waiting.any():
        table.loc[waiting, RECOVERED] = _recoveries(table.loc[waiting, LISTED], by_id, transactions, settings, as_of)

    fresh = _generated(ids[known], by_id, transactions, customers, complaints, settings)
    for column in fresh.columns:
        table.loc[known, column] = fresh[column].to_numpy()
    table[CUSTOMER] = ids
    table[DUE] = pd.to_datetime(table[LISTED]) + pd.Timedelta(days=settings.winback_due_days)
    for column in _DATES:
        table[column] = pd.to_datetime(table[column]).astype("datetime64[s]")
    stake = pd.to_numeric(table[AT_STAKE], errors="coerce").fillna(0)
    order = np.lexsort((ids.to_numpy(str), -stake.to_numpy(float)))
    return table.iloc[order][COLUMNS].reset_index(drop=True)


def _existing(existing: pd.DataFrame) -> pd.DataFrame:
    """The table as it stands, indexed by customer id (text); a repeated id is refused."""
    by_key = {str(c).strip().casefold(): c for c in existing.columns}
    frame = pd.DataFrame({c: existing[by_key[c.casefold()]] if c.casefold() in by_key else None
                          for c in COLUMNS}, index=existing.index, dtype=object)
    ids = frame[CUSTOMER].map(lambda v: "" if v is None or v != v else
                              f"{v:g}" if isinstance(v, float) else str(v).strip())
    frame = frame[ids != ""]
    ids = ids[ids != ""]
    twice = ids.duplicated()
    if twice.any():
        row = int(np.flatnonzero(twice.to_numpy())[0]) + 1
        raise InputError(f"customer id {ids[twice].iloc[0]!r} appears twice; delete one of the two rows "
                         "(keep the one with your notes)", source=f"table {TABLE}", row=row, column=CUSTOMER)
    frame.index = pd.Index(ids.to_numpy(object), name=None)
    for column in _DATES:
        frame[column] = pd.to_datetime(frame[column], errors="coerce")
    return frame


def _recoveries(listed_since: pd.Series, by_id: pd.DataFrame, transactions: pd.DataFrame, s: Settings,
                as_of: pd.Timestamp) -> pd.Series:
    """Day of the first purchase after the listing, per customer (NaT: none yet). Among the purchases after
    ``listed since``, the first one after the last gap long enough to have listed the customer (the customer
    was listed again after an earlier recovery), else the first one."""
    buys = _purchases(transactions, listed_since.index, as_of)
    since = day_numbers(listed_since.reindex(buys["customer_id"]).to_numpy())
    after = buys["day"].to_numpy() > since
    previous = buys.groupby("customer_id", sort=False)["day"].shift()
    interval = by_id["interval_days"].astype(float).reindex(buys["customer_id"]).to_numpy()
    factor = s.risk_factor if s.winback_at_risk else s.lost_factor
    threshold = np.fmin(factor * interval, s.lost_days)
    gap = (buys["day"] - previous).to_numpy(float) > threshold
    first_after = after & ~(previous.to_numpy(float) > since)
    candidates = buys.loc[after & (gap | first_after)]
    day = candidates.groupby("customer_id")["day"].max()  # the last such start: the current recovery
    return pd.Series(pd.to_datetime(day.reindex(listed_since.index).to_numpy(float), unit="D"),
                     index=listed_since.index)


def _purchases(transactions: pd.DataFrame, ids: pd.Index, as_of: pd.Timestamp) -> pd.DataFrame:
    """Distinct purchase days (a positive amount) of ``ids`` up to the as-of day, sorted."""
    tx = transactions[transactions[schema.CUSTOMER_ID].isin(ids)]
    tx = tx[(pd.to_numeric(tx[schema.TX_AMOUNT], errors="coerce") > 0) & (tx[schema.TX_DATE] <= as_of)]
    days = pd.DataFrame({"customer_id": tx[schema.CUSTOMER_ID].to_numpy(object),
                         "day": day_numbers(tx[schema.TX_DATE])})
    return days.drop_duplicates().sort_values(["customer_id", "day"]).reset_index(drop=True)


def _generated(ids: pd.Index, by_id: pd.DataFrame, transactions: pd.DataFrame, customers: pd.DataFrame | None,
               complaints: pd.DataFrame | None, s: Settings) -> pd.DataFrame:
    """The generated columns but the lifecycle ones, for customers in the analysis."""
    a = by_id.loc[ids]
    last = day_numbers(a["last_purchase"]).astype(float)
    last[a["last_purchase"].isna().to_numpy()] = np.nan
    window_start = np.array([months_before(int(d), 12) if np.isfinite(d) else np.nan for d in last])
    prev_start = np.array([months_before(int(d), 24) if np.isfinite(d) else np.nan for d in last])
    stake, before = _revenue_windows(ids, transactions, last, window_start, prev_start)
    count, trend, main, main_count = _complaints(ids, complaints, last, window_start)
    silence = a["silence_days"].astype("Float64").to_numpy(float, na_value=np.nan)
    interval = a["interval_days"].astype(float).to_numpy()
    flags = a["churn"].astype(str).to_numpy()
    types = a["types"].fillna("").astype(str)
    means, why = _means(main, main_count, stake, before, types.to_numpy())
    names = _master(customers, ids, "name")
    owners = _master(customers, ids, "owner")
    return pd.DataFrame({
        NAME: names, OWNER: owners, FLAG: flags,
        CRITERION: _criteria(flags, silence, interval, a, s),
        SILENCE: silence, INTERVAL: np.round(interval, 1), AT_STAKE: np.round(stake, 2),
        COMPLAINTS: count, COMPLAINT_TREND: trend, MAIN_CATEGORY: main, MEANS: means, WHY: why,
    }, index=ids)


def _revenue_windows(ids, transactions, last, window_start, prev_start):
    """Revenue of the 12 months up to the last purchase, and of the 12 months before those."""
    tx = transactions[transactions[schema.CUSTOMER_ID].isin(ids)]
    code = ids.get_indexer(tx[schema.CUSTOMER_ID])
    day = day_numbers(tx[schema.TX_DATE]).astype(float)
    amount = pd.to_numeric(tx[schema.TX_AMOUNT], errors="coerce").fillna(0).to_numpy(float)
    inside = (day > window_start[code]) & (day <= last[code])
    earlier = (day > prev_start[code]) & (day <= window_start[code])
    n = len(ids)
    return (np.bincount(code[inside], amount[inside], minlength=n).astype(float),
            np.bincount(code[earlier], amount[earlier], minlength=n).astype(float))


def _complaints(ids, complaints, last, window_start):
    """Per customer, the complaints in the 12 months up to the last purchase: count, trend (second half of the
    window against the first: rising, falling, steady), main category (the most frequent; a tie goes to the
    category of the latest complaint) and how many of those."""
    n = len(ids)
    count, main_count = np.zeros(n, np.int64), np.zeros(n, np.int64)
    trend, main = np.full(n, "", dtype=object), np.full(n, "", dtype=object)
    if complaints is None or complaints.empty:
        return count, trend, main, main_count
    c = complaints[complaints[schema.CUSTOMER_ID].isin(ids)]
    code = ids.get_indexer(c[schema.CUSTOMER_ID])
    day = day_numbers(c[schema.COMPLAINT_DATE]).astype(float)
    inside = (day > window_start[code]) & (day <= last[code])
    code, day = code[inside], day[inside]
    category = (c[schema.COMPLAINT_CATEGORY].fillna("").astype(str).str.strip().to_numpy(object)[inside]
                if schema.COMPLAINT_CATEGORY in c.columns else np.full(code.size, "", dtype=object))
    count = np.bincount(code, minlength=n)
    middle = (window_start + last) / 2
    late = np.bincount(code[day > middle[code]], minlength=n)
    early = count - late
    trend = np.where(count == 0, "", np.where(late > early, "rising", np.where(late < early, "falling", "steady")))
    found = pd.DataFrame({"code": code, "category": category, "day": day})
    found = found[found["category"] != ""]
    if not found.empty:
        tally = found.groupby(["code", "category"]).agg(n=("day", "size"), latest=("day", "max")).reset_index()
        best = tally.sort_values(["code", "n", "latest", "category"], ascending=[True, False, False, True])
        best = best.drop_duplicates("code")
        main[best["code"].to_numpy()] = best["category"].to_numpy()
        main_count[best["code"].to_numpy()] = best["n"].to_numpy()
    return count, trend.astype(object), main, main_count


def _means(main, main_count, stake, before, types):
    """(suggested means, why) by the first rule that applies."""
    category = pd.Series(main).str.casefold().to_numpy(object)
    quality = np.isin(category, ["quality", "delivery"]) & (main_count >= 2)
    price = category == "price"
    falling = (before > 0) & (stake < before)
    kinds = pd.Series(types).str.split(", ")
    image = kinds.map(lambda t: schema.IMAGE_MAKER in t).to_numpy(bool)
    expert = kinds.map(lambda t: schema.EXPERT in t).to_numpy(bool)
    change = np.divide(stake - before, before, out=np.zeros_like(stake), where=before > 0)
    why_quality = [f"{k} complaints about {m} in the year before the silence" for k, m in zip(main_count, main)]
    why_price = ["main complaint: price" if p else f"revenue fell {-c:.0%} in the year before the silence"
                 for p, c in zip(price, change)]
    why_gift = np.where(image & expert, "image maker and expert", np.where(image, "image maker", "expert"))
    means = np.select([quality, price | falling, image | expert], [QUALITY_REVIEW, DISCOUNT, GIFT], SPECIAL_OFFER)
    why = np.select([quality, price | falling, image | expert], [why_quality, why_price, why_gift],
                    "no complaint pattern, revenue not falling, no image maker or expert")
    return means.astype(object), why.astype(object)


def _criteria(flags, silence, interval, a: pd.DataFrame, s: Settings) -> np.ndarray:
    """Why the customer is flagged, in words: "silent 412 days, normally every 31 days"."""
    text = [f"silent {d:.0f} days, normally every {i:.0f} days" if np.isfinite(d) and np.isfinite(i) else
            f"silent {d:.0f} days" if np.isfinite(d) else "no purchase" for d, i in zip(silence, interval)]
    recent = a["complaints_90d"].to_numpy()
    previous = a["complaints_prev_90d"].to_numpy()
    with np.errstate(invalid="ignore"):
        by_complaints = (flags == schema.AT_RISK) & ~(silence > s.risk_factor * interval)
    return np.array([f"{t}; {r} complaints in {s.complaint_days} days, {p} before" if c else t
                     for t, c, r, p in zip(text, by_complaints, recent, previous)], dtype=object)


def _master(customers: pd.DataFrame | None, ids: pd.Index, column: str) -> np.ndarray:
    """A Customers column (found by name, ignoring case) for ``ids``; "" where absent."""
    if customers is None:
        return np.full(len(ids), "", dtype=object)
    by_key = {str(c).strip().casefold(): c for c in customers.columns}
    if column not in by_key:
        return np.full(len(ids), "", dtype=object)
    values = pd.Series(customers[by_key[column]].to_numpy(object), index=customers[schema.CUSTOMER_ID].to_numpy(object))
    return values.reindex(ids).fillna("").astype(str).to_numpy(object)



def from_book(book) -> pd.DataFrame | None:
    """The new Win-back table of a :class:`kam_xl.book.Book` (live or file) from its tables and Settings; None
    when the workbook holds no transactions yet (nothing to list, the table stays as it is)."""
    from kam_xl.core.analysis import analyze
    from kam_xl.sheets.inputs import read_inputs

    inputs = read_inputs(book)
    if inputs is None:
        return None
    analysis = analyze(inputs.transactions, inputs.customers, inputs.complaints, inputs.settings, inputs.as_of,
                       p_alive=False)  # the list stands on the rules (key accounts, churn flags), not on P(alive)
    return winback_table(analysis, inputs.transactions, inputs.customers, inputs.complaints, inputs.settings,
                         book.read_table(TABLE))
