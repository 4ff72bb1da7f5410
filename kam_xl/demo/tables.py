"""The demo's tables, one builder each, drawn from the customer world and its orders.

Transactions (invoice lines and credit notes with document numbers), customers, complaints, tenders, contacts of
the buying centre, competitors, prospects, and the planted truth for tests and benchmarks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kam_xl.core import schema
from kam_xl.demo.names import ascii_lower, company_names, join
from kam_xl.demo.vocabulary import (
    ATTITUDES,
    COMPETITOR_NOTES,
    COMPETITORS,
    COMPLAINT_CATEGORIES,
    COMPLAINT_TEXTS,
    FIRST_NAMES,
    FOCUS,
    FORMULA_NOTE,
    FORMULA_PROSPECT_NOTE,
    INDUSTRIES,
    LOSS_REASONS,
    OWNERS,
    POSITIONS,
    PRODUCTS,
    PROSPECT_NOTES,
    REGIONS,
    ROLES,
    SEVERITIES,
    SURNAMES,
    TENDER_KINDS,
    WIN_REASONS,
    weights,
)
from kam_xl.demo.world import (
    ANNUAL_REVENUE,
    CREDIT_NOTE_RATE,
    LINES_PER_ORDER,
    PATTERNS,
    SEASON,
    Calendar,
    Orders,
    World,
)


def transaction_table(w: World, o: Orders, cal: Calendar, rng: np.random.Generator) -> pd.DataFrame:
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


def _document_numbers(cal: Calendar, day: np.ndarray, kind: np.ndarray, doc: np.ndarray) -> np.ndarray:
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


def customer_table(w: World, cal: Calendar, rng: np.random.Generator) -> pd.DataFrame:
    n = w.n
    industry = np.array(list(INDUSTRIES), dtype=object)[w.industry]
    region = np.array(list(REGIONS), dtype=object)[w.region]
    employees = np.clip(np.round(np.exp(3.3 + 0.7 * np.log(w.size) + rng.normal(0, 0.8, n))), 3, 250_000)
    founded = np.clip(cal.end_year - 3 - np.round(rng.gamma(2.0, 22.0, n)), 1850, cal.end_year - 1).astype(np.int64)
    description = join(industry, " company in ", region, ", ", employees.astype(np.int64).astype(str),
                        " employees, founded ", founded.astype(str), ". ",
                        np.array(FOCUS, dtype=object)[rng.integers(0, len(FOCUS), n)])
    owner = np.array(OWNERS[0], dtype=object)[rng.choice(len(OWNERS[0]), n, p=weights(OWNERS[1]))]

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


def complaint_table(w: World, o: Orders, cal: Calendar, rng: np.random.Generator) -> pd.DataFrame:
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


def tender_table(w: World, cal: Calendar, rng: np.random.Generator) -> pd.DataFrame:
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
    reason_lost = np.where(loss == 5, join(np.full(cust.size, "competitor ", dtype=object), rival),
                           np.array(LOSS_REASONS, dtype=object)[loss])
    yearly = w.revenue / np.maximum(years, 0.05)
    value = np.round(yearly[cust] * rng.uniform(0.1, 0.8, cust.size), -2)
    subject = join(np.array(TENDER_KINDS, dtype=object)[rng.integers(0, len(TENDER_KINDS), cust.size)], " ",
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


def contact_table(w: World, cal: Calendar, rng: np.random.Generator) -> pd.DataFrame:
    rank = np.argsort(np.argsort(w.size)) / max(w.n - 1, 1)     # 0 smallest .. 1 biggest
    count = 1 + rng.binomial(5, 0.1 + 0.6 * rank)
    cust = np.repeat(np.arange(w.n), count)
    j = np.arange(cust.size) - (np.cumsum(count) - count)[cust]
    role_names, role_p = ROLES
    role = np.where(j == 0, 1, rng.choice(len(role_names), cust.size, p=weights(role_p)))
    positions = np.array([POSITIONS[r] for r in role_names], dtype=object)
    position = positions[role, rng.integers(0, positions.shape[1], cust.size)]
    first = rng.integers(0, len(FIRST_NAMES), cust.size)
    last = rng.integers(0, len(SURNAMES), cust.size)
    person = join(np.array(FIRST_NAMES, dtype=object)[first], " ", np.array(SURNAMES, dtype=object)[last])
    attitude = np.where(w.churned[cust], rng.choice(4, cust.size, p=[0.05, 0.15, 0.35, 0.45]),
                        rng.choice(4, cust.size, p=[0.15, 0.35, 0.35, 0.15]))

    # Last contact: recent for active customers, around the silence for churners.
    anchor = np.where(w.churned, w.end + 30, cal.days - 1)[cust]
    day = np.clip(anchor - rng.exponential(45.0, cust.size).astype(np.int64), w.start[cust], cal.days - 1)

    domain = w.domains[cust]
    email = join(ascii_lower(FIRST_NAMES)[first], ".", ascii_lower(SURNAMES)[last], "@", domain)
    email[rng.random(cust.size) < 0.12] = ""
    prefix = np.array([v[1] for v in REGIONS.values()], dtype=object)[w.region][cust]
    phone = join(prefix, " ", rng.integers(100_000, 9_999_999, cust.size).astype(str).astype(object))
    phone[rng.random(cust.size) < 0.2] = ""
    frame = pd.DataFrame({
        schema.CUSTOMER_ID: w.ids[cust], "person": person, "position": position,
        "role": np.array(role_names, dtype=object)[role], "attitude": np.array(ATTITUDES, dtype=object)[attitude],
        "last_contact": cal.dates(day), "email": email, "phone": phone,
    })
    return _text(frame, [schema.CUSTOMER_ID, "person", "position", "role", "attitude", "email", "phone"])


def competitor_table(w: World, rng: np.random.Generator) -> pd.DataFrame:
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


def prospect_table(w: World, rng: np.random.Generator) -> pd.DataFrame:
    n = max(12, w.n // 25)
    width = max(4, len(str(n)))
    ids = np.strings.add("P", np.strings.zfill(np.arange(1, n + 1).astype(f"U{width}"), width)).astype(object)
    industry = rng.choice(len(INDUSTRIES), n, p=weights(v[1] for v in INDUSTRIES.values()))
    region = rng.choice(len(REGIONS), n, p=weights(v[0] for v in REGIONS.values()))
    size = rng.lognormal(0.0, 1.6, n)
    names, _ = company_names(rng, n, industry, region, size)
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


def truth_table(w: World, cal: Calendar) -> pd.DataFrame:
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


def _text(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    for col in columns:
        frame[col] = frame[col].astype("str")
    return frame
