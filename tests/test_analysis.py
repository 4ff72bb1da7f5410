"""The whole analysis table on small hand-made data: columns, as-of day, credit notes, ids, options."""

import numpy as np
import pandas as pd
import pytest

from kam_xl.core.analysis import analyze
from kam_xl.core.schema import ANALYSIS_COLUMNS
from kam_xl.core.settings import Settings
from kam_xl.errors import InputError


def tx(rows):
    return pd.DataFrame(rows, columns=["customer_id", "date", "amount", "margin"]).assign(
        date=lambda f: pd.to_datetime(f["date"]))


@pytest.fixture
def small():
    rows = []
    for month in range(1, 13):  # "00042": monthly, even
        rows.append(("00042", f"2025-{month:02d}-10", 1000.0, 200.0))
    rows += [("B7", "2025-03-01", 300.0, 30.0), ("B7", "2025-03-01", 100.0, 10.0), ("B7", "2025-06-01", 50.0, 5.0)]
    rows += [("C9", "2025-12-20", 80.0, 8.0), ("C9", "2025-12-21", -80.0, -8.0)]  # fully credited
    return tx(rows)


def test_columns_in_order_and_ids_kept_as_text(small):
    out = analyze(small)
    assert list(out.columns) == ANALYSIS_COLUMNS
    assert list(out["customer_id"]) == ["00042", "B7", "C9"]


def test_as_of_defaults_to_last_transaction_day_not_the_clock(small):
    assert str(analyze(small).attrs["as_of"]) == "2025-12-21"
    out = analyze(small, as_of="2025-06-30")
    assert str(out.attrs["as_of"]) == "2025-06-30"
    assert out.set_index("customer_id").loc["00042", "revenue"] == 6000.0  # later lines ignored


def test_credit_notes_are_netted_and_are_not_purchases(small):
    out = analyze(small).set_index("customer_id")
    assert out.loc["C9", "revenue"] == 0.0 and out.loc["C9", "abc"] == "N"
    assert out.loc["C9", "purchase_days"] == 1
    assert out.loc["B7", "revenue"] == 450.0 and out.loc["B7", "purchase_days"] == 2


def test_classes_and_churn_of_the_small_world(small):
    out = analyze(small).set_index("customer_id")
    assert out.loc["00042", "abc"] == "A" and out.loc["00042", "xyz"] == "X"
    assert out.loc["00042", "periods"] == 11  # window Dec 2024..Nov 2025, first purchase Jan 2025
    assert out.loc["B7", "silence_days"] == (pd.Timestamp("2025-12-21") - pd.Timestamp("2025-06-01")).days
    assert out.loc["B7", "interval_days"] == 92.0
    assert out.loc["B7", "churn"] == "at risk"  # 203 days > 1.5 x 92, not > 3 x 92
    assert out.loc["00042", "key_account"]


def test_customers_table_adds_customers_without_transactions_and_flags():
    t = tx([("1", "2025-01-05", 100.0, 10.0), ("1", "2025-02-05", 100.0, 10.0), ("2", "2025-02-05", 900.0, 5.0)])
    customers = pd.DataFrame({"customer_id": ["2", "1", "3"], "known_brand": ["no", "yes", ""],
                              "budget": [None, None, 80_000], "key_account_override": ["no", "", ""]})
    out = analyze(t, customers).set_index("customer_id")
    assert list(out.index) == ["2", "1", "3"]
    assert out.loc["3", "churn"] == "none" and out.loc["3", "primary_type"] == "Prospect"
    assert out.loc["1", "primary_type"] == "Breadwinner" and "Image maker" in out.loc["1", "types"]
    assert not out.loc["2", "key_account"]  # override "no" beats A-class and breadwinner
    assert pd.isna(out.loc["3", "silence_days"]) and np.isnan(out.loc["3", "p_alive"])


def test_profit_and_window_options():
    t = tx([("a", "2023-01-01", 1000.0, 10.0), ("b", "2025-01-01", 100.0, 90.0), ("a", "2025-01-02", 1.0, 0.1)])
    assert analyze(t).set_index("customer_id").loc["a", "abc"] == "A"
    by_profit = analyze(t, settings=Settings(abc_value="profit")).set_index("customer_id")
    assert by_profit.loc["b", "abc"] == "A" and by_profit.loc["a", "abc"] == "B"
    recent = analyze(t, settings=Settings(abc_months=12)).set_index("customer_id")
    assert recent.loc["a", "revenue"] == 1.0 and recent.loc["b", "abc"] == "A"


def test_complaint_trend_reaches_the_flag():
    t = tx([("k", f"2025-{m:02d}-01", 100.0, 10.0) for m in range(1, 13)])
    complaints = pd.DataFrame({"customer_id": ["k", "k", "k"], "date": pd.to_datetime(
        ["2025-11-20", "2025-11-25", "2025-07-01"])})
    out = analyze(t, complaints=complaints).set_index("customer_id")
    assert (out.loc["k", "complaints_90d"], out.loc["k", "complaints_prev_90d"]) == (2, 1)
    assert out.loc["k", "churn"] == "at risk"


def test_bad_input_names_source_row_and_column():
    t = tx([("a", "2025-01-01", 1.0, 1.0)])
    t.loc[0, "amount"] = np.nan
    with pytest.raises(InputError, match="transactions, row 1, column amount"):
        analyze(t)
    with pytest.raises(InputError, match="missing column"):
        analyze(pd.DataFrame({"customer_id": ["a"]}))
    with pytest.raises(InputError, match="appears twice"):
        analyze(tx([("a", "2025-01-01", 1.0, 1.0)]), pd.DataFrame({"customer_id": ["a", "a"]}))


def test_p_alive_from_bgnbd_is_a_probability_and_one_for_one_time_buyers():
    rng = np.random.default_rng(3)
    rows = [(f"c{i}", str(pd.Timestamp("2024-01-01") + pd.Timedelta(days=int(d))), 10.0, 1.0)
            for i in range(200) for d in np.sort(rng.choice(700, size=rng.integers(1, 12), replace=False))]
    out = analyze(tx(rows))
    assert out["p_alive"].between(0, 1).all()
    assert (out.loc[out["purchase_days"] == 1, "p_alive"] == 1.0).all()


def test_customers_missing_from_master_data_get_no_flags():
    t = tx([("1", "2025-01-05", 1.0, 0.1), ("2", "2025-01-06", 1000.0, 100.0), ("3", "2025-01-07", 1.0, 0.1)])
    for customers in (None, pd.DataFrame({"customer_id": ["2"], "known_brand": ["yes"]})):
        out = analyze(t, customers).set_index("customer_id")
        assert out.loc["1", "types"] == "" and not out.loc["1", "key_account"]
        assert out.loc["3", "types"] == "" and not out.loc["3", "key_account"]
