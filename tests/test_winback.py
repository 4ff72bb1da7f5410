"""Worked examples of the Win-back table: who is listed, the suggested means and why, and the lifecycle of a
row (listed, recovered, lost again) with the user's columns untouched."""

from __future__ import annotations

import pandas as pd
import pytest

from kam_xl.core.analysis import analyze
from kam_xl.core.settings import Settings
from kam_xl.errors import InputError
from kam_xl.sheets import winback as wb

AS_OF = pd.Timestamp("2025-12-31")


def monthly(customer: str, first: str, last: str, amount: float = 1000.0) -> pd.DataFrame:
    days = pd.date_range(first, last, freq="MS")
    return pd.DataFrame({"customer_id": customer, "date": days, "amount": amount})


def world(extra: list[pd.DataFrame] = (), complaints=None, brand: str = "no"):
    """K1: a key account (override) that bought monthly in 2023 and the first half of 2024, then fell silent;
    A: a steady customer up to the as-of day; S: a small one who is not a key account."""
    tx = pd.concat([monthly("K1", "2023-01-01", "2024-06-01"), monthly("A", "2023-01-01", "2025-12-01", 50.0),
                    pd.DataFrame({"customer_id": ["A"], "date": [AS_OF], "amount": [50.0]}),
                    monthly("S", "2023-01-01", "2023-03-01", 5.0), *extra], ignore_index=True)
    customers = pd.DataFrame({"customer_id": ["K1", "A", "S"], "name": ["Kunde Eins", "Alpha", "Small"],
                              "owner": ["Eva", "Max", "Max"], "known_brand": [brand, "no", "no"],
                              "key_account_override": ["yes", "no", "no"]})
    complaints = complaints if complaints is not None else pd.DataFrame(
        {"customer_id": [], "date": pd.to_datetime([]), "category": []})
    return tx, customers, complaints


def table(tx, customers, complaints, existing=None, settings=None):
    s = settings or Settings()
    analysis = analyze(tx, customers, complaints, s)
    existing = existing if existing is not None else pd.DataFrame(columns=wb.COLUMNS)
    return wb.winback_table(analysis, tx, customers, complaints, s, existing).set_index(wb.CUSTOMER)


def test_a_lost_key_account_is_listed_open_from_the_as_of_day_with_owner_and_criterion():
    out = table(*world())
    assert list(out.index) == ["K1"]
    row = out.loc["K1"]
    assert (row[wb.NAME], row[wb.OWNER], row[wb.FLAG], row[wb.STATUS]) == ("Kunde Eins", "Eva", "lost", "open")
    assert row[wb.LISTED] == AS_OF and row[wb.DUE] == AS_OF + pd.Timedelta(days=14)
    assert pd.isna(row[wb.RECOVERED])
    assert row[wb.SILENCE] == (AS_OF - pd.Timestamp("2024-06-01")).days
    assert row[wb.CRITERION] == f"silent {row[wb.SILENCE]:.0f} days, normally every {row[wb.INTERVAL]:.0f} days"
    assert row[wb.AT_STAKE] == 12 * 1000.0  # the 12 months up to the last purchase


def test_at_risk_key_accounts_are_listed_only_with_winback_at_risk():
    tx, customers, complaints = world()
    tx = pd.concat([tx, monthly("K1", "2024-07-01", "2025-10-01")], ignore_index=True)  # silent ~3 months
    assert table(tx, customers, complaints).empty
    out = table(tx, customers, complaints, settings=Settings(winback_at_risk=True))
    assert list(out.index) == ["K1"] and out.loc["K1", wb.FLAG] == "at risk"


def complaint(day: str, category: str) -> dict:
    return {"customer_id": "K1", "date": pd.Timestamp(day), "category": category}


@pytest.mark.parametrize(("complaints", "brand", "means", "why"), [
    ([complaint("2024-02-01", "Quality"), complaint("2024-05-01", "Quality")], "no", wb.QUALITY_REVIEW,
     "2 complaints about Quality in the year before the silence"),
    ([complaint("2024-02-01", "Delivery"), complaint("2024-05-01", "Delivery"), complaint("2024-05-02", "Price")],
     "yes", wb.QUALITY_REVIEW, "2 complaints about Delivery in the year before the silence"),
    ([complaint("2024-02-01", "Quality")], "no", wb.SPECIAL_OFFER,
     "no complaint pattern, revenue not falling, no image maker or expert"),
    ([complaint("2024-03-01", "Price")], "yes", wb.DISCOUNT, "main complaint: price"),
    ([], "yes", wb.GIFT, "image maker"),
    ([], "no", wb.SPECIAL_OFFER, "no complaint pattern, revenue not falling, no image maker or expert"),
])
def test_suggested_means_follow_the_first_rule_that_applies(complaints, brand, means, why):
    frame = pd.DataFrame(complaints, columns=["customer_id", "date", "category"])
    frame["date"] = pd.to_datetime(frame["date"])
    out = table(*world(complaints=frame, brand=brand))
    assert (out.loc["K1", wb.MEANS], out.loc["K1", wb.WHY]) == (means, why)


def test_revenue_falling_in_the_year_before_the_silence_suggests_a_discount():
    tx, customers, complaints = world()
    tx.loc[(tx["customer_id"] == "K1") & (tx["date"] < "2023-07-01"), "amount"] = 3000.0  # more before
    out = table(tx, customers, complaints)
    assert out.loc["K1", wb.MEANS] == wb.DISCOUNT
    assert out.loc["K1", wb.WHY].startswith("revenue fell ") and out.loc["K1", wb.WHY].endswith(
        "% in the year before the silence")


def test_complaints_of_the_year_before_the_silence_are_counted_with_trend_and_main_category():
    frame = pd.DataFrame([complaint("2023-08-01", "Invoice"), complaint("2024-04-01", "Quality"),
                          complaint("2024-05-01", "Quality"), complaint("2022-01-01", "Quality")])
    row = table(*world(complaints=frame)).loc["K1"]
    assert (row[wb.COMPLAINTS], row[wb.COMPLAINT_TREND], row[wb.MAIN_CATEGORY]) == (3, "rising", "Quality")


def typed(out: pd.DataFrame) -> pd.DataFrame:
    """The table as a user leaves it: status, notes and a responsible typed in."""
    frame = out.reset_index()
    frame[wb.STATUS] = "contacted"
    frame[wb.NOTES] = "called the buyer"
    frame[wb.RESPONSIBLE] = "Eva"
    return frame


def test_a_customer_who_buys_again_is_recovered_with_the_day_and_keeps_the_row_and_the_notes():
    tx, customers, complaints = world()
    first = typed(table(tx, customers, complaints))
    later = pd.concat([tx, pd.DataFrame({"customer_id": ["K1", "A"], "date": pd.to_datetime(["2026-01-20",
                                                                                           "2026-02-01"]),
                                         "amount": [500.0, 50.0]})], ignore_index=True)
    row = table(later, customers, complaints, existing=first).loc["K1"]
    assert row[wb.RECOVERED] == pd.Timestamp("2026-01-20")
    assert row[wb.LISTED] == AS_OF and row[wb.FLAG] == "active"
    assert (row[wb.STATUS], row[wb.NOTES], row[wb.RESPONSIBLE]) == ("contacted", "called the buyer", "Eva")


def test_a_recovered_customer_lost_again_reopens_the_same_row():
    tx, customers, complaints = world()
    first = typed(table(tx, customers, complaints))
    back = pd.DataFrame({"customer_id": ["K1"], "date": [pd.Timestamp("2026-01-20")], "amount": [500.0]})
    recovered = table(pd.concat([tx, back], ignore_index=True), customers, complaints, existing=first)
    assert pd.notna(recovered.loc["K1", wb.RECOVERED])
    gone = pd.concat([tx, back, monthly("A", "2026-02-01", "2027-06-01", 50.0)], ignore_index=True)
    row = table(gone, customers, complaints, existing=recovered.reset_index()).loc["K1"]
    assert pd.isna(row[wb.RECOVERED]) and row[wb.FLAG] == "lost" and row[wb.LISTED] == AS_OF
    assert (row[wb.STATUS], row[wb.NOTES]) == ("contacted", "called the buyer")
    again = pd.concat([gone, pd.DataFrame({"customer_id": ["K1"], "date": [pd.Timestamp("2027-07-01")],
                                           "amount": [500.0]})], ignore_index=True)
    assert table(again, customers, complaints, existing=row.to_frame().T.rename_axis(wb.CUSTOMER).reset_index()
                 ).loc["K1", wb.RECOVERED] == pd.Timestamp("2027-07-01")


def test_rows_are_never_deleted_and_are_sorted_by_revenue_at_stake():
    tx, customers, complaints = world()
    kept = pd.DataFrame([{wb.CUSTOMER: "OLD", wb.AT_STAKE: 99_999.0, wb.NOTES: "from last year"},
                         {wb.CUSTOMER: "S", wb.AT_STAKE: 1.0, wb.STATUS: "given up"}])
    out = table(tx, customers, complaints, existing=kept)
    assert list(out.index) == ["OLD", "K1", "S"]
    assert out.loc["OLD", wb.NOTES] == "from last year" and out.loc["S", wb.STATUS] == "given up"


def test_a_customer_id_typed_twice_into_the_table_is_refused_naming_the_row():
    tx, customers, complaints = world()
    twice = pd.DataFrame({wb.CUSTOMER: ["K1", "K1"], wb.NOTES: ["a", "b"]})
    with pytest.raises(InputError, match=r"table Winback.*row 2.*'K1' appears twice"):
        table(tx, customers, complaints, existing=twice)
