"""Cell functions called with the argument shapes xlwings passes: 2-D lists, scalars, None for blanks,
floats, numeric text, datetimes, error values."""

import datetime as dt
import inspect

import numpy as np
import pandas as pd
import pytest

from kam_xl import udfs
from kam_xl.core.analysis import analyze
from kam_xl.core.schema import ANALYSIS_COLUMNS

D = dt.datetime


def column(values):
    return [[v] for v in values]


def test_abc_class_per_cell_matches_the_spilled_column():
    values = column([50.0, 25.0, 15.0, 10.0, None, "0", -3.0])
    spilled = [r[0] for r in udfs.ABC_CLASSES(values)]
    assert spilled == ["A", "A", "A", "B", "N", "N", "N"]
    assert [udfs.ABC_CLASS(v[0], values) for v in values] == spilled


def test_abc_class_accepts_numeric_text_and_settings_arguments():
    values = column(["50", 25.0, 15.0, 10.0])
    assert udfs.ABC_CLASS("15", values) == "A"
    assert udfs.ABC_CLASS(15.0, values, 0.5, 0.8) == "B"
    assert udfs.ABC_CLASS(15.0, values, None, None) == "A"  # blank optional arguments mean the default


def test_abc_class_caches_by_content_not_identity():
    udfs._cache.clear()
    values = [[float(v)] for v in range(1, 2001)]
    for v in (1.0, 500.0, 2000.0):
        udfs.ABC_CLASS(v, [row[:] for row in values])  # a fresh copy each call, as xlwings hands it
    assert udfs._cache.misses == 1 and udfs._cache.hits == 2
    changed = [row[:] for row in values]
    changed[1000][0] = 1e9
    assert udfs.ABC_CLASS(1e9, changed) == "A" and udfs._cache.misses == 2


@pytest.mark.parametrize("bad, message", [
    ("abc", '#KAM: value: "abc" is not a number'),
    ("#N/A", '#KAM: value: "#N/A" is not a number'),
])
def test_bad_cells_give_a_short_message_naming_the_data_row_not_a_traceback(bad, message):
    assert udfs.ABC_CLASS(bad, column([1.0, 2.0])) == message
    assert udfs.ABC_CLASSES(column([1.0, bad])) == message.replace("value:", "value, data row 2:")


def test_xyz_class_of_one_row_and_blank_leading_periods():
    assert udfs.XYZ_CLASS([[10.0, 20.0] * 6]) == "X"
    assert udfs.XYZ_CLASS([[None] * 7 + [5.0] * 5]) == "N"
    assert udfs.XYZ_CLASS([[0.0, 2.0] * 6], 0.5, 0.9) == "Z"
    assert udfs.XYZ_CLASS([[1.0] * 9 + [0.0] * 3], None, None, "frequency") == "X"
    assert udfs.XYZ_CLASS([[1.0] * 12], None, None, "sometimes").startswith("#KAM: xyz_method")


def test_types_key_account_three_p_and_churn_flag():
    assert udfs.CUSTOMER_TYPE(0.12, "no", None, D(2020, 1, 1), None, D(2025, 1, 1)) == "Breadwinner"
    assert udfs.CUSTOMER_TYPE(0.0, None, "yes", None, 1e6) == "Expert"
    assert udfs.CUSTOMER_TYPE(0.0, None, None, None, 60000.0) == "Prospect"  # no purchase yet
    assert udfs.CUSTOMER_TYPE(0.0, None, None, D(2024, 6, 1), 60000.0, None).startswith("#KAM: as_of is needed")
    values = [[50.0], [30.0], [10.0], [6.0], [4.0]]          # size core at 40 %: the 50 alone
    assert udfs.KEY_ACCOUNT(None, "A", "", 50.0, values) is True          # size core
    assert udfs.KEY_ACCOUNT(None, "A", "", 30.0, values) is False         # A, but outside the core
    assert udfs.KEY_ACCOUNT(None, "C", "Breadwinner", 4.0, values) is True
    assert udfs.KEY_ACCOUNT(None, "B", "Image maker", 10.0, values) is True
    assert udfs.KEY_ACCOUNT(None, "C", "Expert", 6.0, values) is False    # typed, but only C
    assert udfs.KEY_ACCOUNT("no", "A", "Breadwinner", 50.0, values) is False
    assert udfs.KEY_ACCOUNT("yes", "C", "", 4.0, values) is True
    assert udfs.KEY_ACCOUNT(None, "B", "Prospect", 10.0, values) is False
    assert udfs.THREE_P("yes", "Ja", True) is True and udfs.THREE_P("yes", None, "yes") is False
    assert udfs.CHURN_FLAG(D(2025, 1, 1), 30.0, 0.0, 0.0, D(2025, 3, 1)) == "at risk"   # 59 days > 45
    assert udfs.CHURN_FLAG(D(2025, 1, 1), 30.0, 0.0, 0.0, "2025-05-01") == "lost"
    assert udfs.CHURN_FLAG(None, 30.0, None, None, D(2025, 3, 1)) == "none"
    assert udfs.CHURN_FLAG(45658.0, 30.0, 2.0, 1.0, 45660.0) == "at risk"  # serial dates, complaint trend


@pytest.fixture
def book_ranges():
    """Small tables as Excel hands them: header row, datetimes, ids as numbers and text, a trailing blank row."""
    rng = np.random.default_rng(5)
    customers = [["Customer ID", "Name", "Known brand", "High demands", "Budget", "Key account override"]]
    customers += [[f"K{i:03d}", f"Firm {i}", "yes" if i == 3 else None, None, 80000.0 if i == 5 else None, None]
                  for i in range(12)]
    customers += [[42.0, "Numeric id", None, None, None, None]]
    tx = [["Date", "Customer ID", "Document no", "Amount", "Margin"]]
    for i in range(12):
        for d in np.sort(rng.choice(700, size=int(rng.integers(1, 25)), replace=False)):
            tx.append([D(2024, 1, 1) + dt.timedelta(days=int(d)), f"K{i:03d}", "INV", float(rng.gamma(2, 300 * (i + 1))),
                       float(rng.gamma(2, 30))])
    tx.append([D(2025, 3, 3), 42.0, "INV", 100.0, 10.0])
    tx.append([None, None, None, None, None])
    complaints = [["Date", "Customer ID", "Category", "Severity"], [D(2025, 11, 1), "K001", "Quality", "high"]]
    return customers, tx, complaints


def test_customer_analysis_equals_the_core_analysis(book_ranges):
    customers, tx, complaints = book_ranges
    out = udfs.CUSTOMER_ANALYSIS(customers, tx, complaints, [["Setting", "Value"], ["a_share", 0.8]], None)
    assert out[0] == ANALYSIS_COLUMNS
    frame = pd.DataFrame(out[1:], columns=out[0])
    body = pd.DataFrame(tx[1:-1], columns=["date", "customer_id", "doc", "amount", "margin"])
    body["customer_id"] = body["customer_id"].map(lambda v: "42" if v == 42.0 else v)
    cust = pd.DataFrame({"customer_id": [r[0] if isinstance(r[0], str) else "42" for r in customers[1:]],
                         "known_brand": [r[2] for r in customers[1:]], "budget": [r[4] for r in customers[1:]]})
    comp = pd.DataFrame({"customer_id": ["K001"], "date": [pd.Timestamp("2025-11-01")]})
    expected = analyze(body, cust, comp)
    assert list(frame["customer_id"]) == list(expected["customer_id"])
    assert "42" in list(frame["customer_id"])
    for col in ("abc", "xyz", "types", "churn", "key_account", "purchase_days"):
        assert list(frame[col]) == list(expected[col]), col
    np.testing.assert_allclose(frame["revenue"].astype(float), expected["revenue"])
    np.testing.assert_allclose(frame["p_alive"].astype(float), expected["p_alive"])


def test_spilled_columns_follow_the_customer_list(book_ranges):
    customers, tx, complaints = book_ranges
    ids = [[r[0]] for r in customers[1:]]
    tx_c, tx_d, tx_a = ([[r[i]] for r in tx[1:]] for i in (1, 0, 3))
    full = pd.DataFrame(udfs.CUSTOMER_ANALYSIS(customers, tx)[1:], columns=ANALYSIS_COLUMNS)
    assert [r[0] for r in udfs.XYZ_CLASSES(ids, tx_c, tx_d, tx_a)] == list(full["xyz"])
    assert [r[0] for r in udfs.CHURN_FLAGS(ids, tx_c, tx_d, tx_a)] == list(full["churn"])
    alive = [r[0] for r in udfs.P_ALIVE(ids, tx_c, tx_d, tx_a)]
    assert len(alive) == len(ids) and all(0 <= a <= 1 for a in alive)
    assert [r[0] for r in udfs.CUSTOMER_TYPES(customers, tx)] == list(full["types"])


def test_expected_purchases_and_clv_cells_equal_their_spilled_twins_and_the_analysis(book_ranges):
    customers, tx, _ = book_ranges
    ids = [[f"K{i:03d}"] for i in range(12)]
    tx_c, tx_d, tx_a = ([[r[i]] for r in tx[1:]] for i in (1, 0, 3))
    body = pd.DataFrame({"customer_id": [r[0] for r in tx_c[:-1]], "date": [r[0] for r in tx_d[:-1]],
                         "amount": [r[0] for r in tx_a[:-1]]})
    body["customer_id"] = body["customer_id"].map(lambda v: "42" if v == 42.0 else v)
    expected = analyze(body).set_index("customer_id")
    spilled = [r[0] for r in udfs.EXPECTED_PURCHASES_LIST(ids, tx_c, tx_d, tx_a)]
    clv = [r[0] for r in udfs.CLV_LIST(ids, tx_c, tx_d, tx_a)]
    for (customer,), purchases, value in zip(ids, spilled, clv):
        assert udfs.EXPECTED_PURCHASES(customer, tx_c, tx_d, tx_a) == pytest.approx(purchases)
        assert purchases == pytest.approx(expected.at[customer, "expected_purchases_90d"])
        assert udfs.CLV(customer, tx_c, tx_d, tx_a) == pytest.approx(value)
        assert value == pytest.approx(expected.at[customer, "clv_12m"]) and value > 0
    assert udfs.CLV(customer, tx_c, tx_d, tx_a, None, [["Setting", "Value"], ["discount_rate", 0.05]]) < value
    assert udfs.EXPECTED_PURCHASES("nobody", tx_c, tx_d, tx_a) == "#KAM: customer 'nobody' has no transaction"


def test_watch_list_holds_warned_key_accounts_largest_recent_revenue_first():
    ids = [["K1"], ["K2"], ["K3"], ["K4"], ["K5"]]
    key = [[True], [True], [False], [True], [True]]
    revenue = [[100.0], [300.0], [900.0], [200.0], [50.0]]
    trend = [[-0.5], [0.1], [-0.9], [None], [0.0]]
    reasons = [["revenue -50%"], ["churn: at risk"], ["class A→C"], [None], ["class B→C"]]
    assert udfs.WATCH_LIST(ids, key, revenue, trend, reasons) == [
        ["K2", 300.0, 0.1, "churn: at risk"], ["K1", 100.0, -0.5, "revenue -50%"], ["K5", 50.0, 0.0, "class B→C"]]
    assert udfs.WATCH_LIST(ids, key, revenue, trend, reasons, 1) == [["K2", 300.0, 0.1, "churn: at risk"]]
    assert udfs.WATCH_LIST(ids, [[False]] * 5, revenue, trend, reasons) == ""


def test_table_errors_name_the_tables_data_row_and_column(book_ranges):
    customers, tx, _ = book_ranges
    bad = [r[:] for r in tx]
    bad[17][3] = "twelve"
    assert udfs.CUSTOMER_ANALYSIS(customers, bad) == \
        '#KAM: Transactions data row 17, column Amount: "twelve" is not a number'
    bad = [r[:] for r in tx]
    bad[4][0] = "31.02.2025"
    assert udfs.CUSTOMER_ANALYSIS(customers, bad) == \
        '#KAM: Transactions data row 4, column Date: "31.02.2025" is not a date'
    assert udfs.CUSTOMER_ANALYSIS(customers, [["When", "Who", "How much"]]).startswith("#KAM: Transactions: no column")


def test_blank_rows_left_out_of_a_table_do_not_shift_the_data_row_named(book_ranges):
    customers, tx, _ = book_ranges
    bad = [r[:] for r in tx]
    bad[3] = [None] * len(bad[3])  # an empty row in the middle of the table
    bad[9][3] = "abc"
    assert udfs.CUSTOMER_ANALYSIS(customers, bad) == \
        '#KAM: Transactions data row 9, column Amount: "abc" is not a number'


def test_a_dossier_names_the_data_row_of_its_customer_s_bad_cell_and_ignores_other_customers_cells(book_ranges):
    _, tx, _ = book_ranges
    bad = [r[:] for r in tx]
    bad[2] = [None] * len(bad[2])  # a blank row before: left out, the data rows named stay the table's
    first_k005 = next(i for i, r in enumerate(bad) if r[1] == "K005")
    bad[first_k005 + 1][3] = "abc"
    bad[next(i for i, r in enumerate(bad) if r[1] == "K007")][0] = "someday"
    as_of = D(2026, 1, 1)
    assert udfs.DOSSIER_DELIVERIES("K005", bad, as_of, 3) == \
        f'#KAM: Transactions data row {first_k005 + 1}, column Amount: "abc" is not a number'
    assert udfs.DOSSIER_YEARS("K005", bad, as_of, 3).startswith(f"#KAM: Transactions data row {first_k005 + 1},")
    assert udfs.DOSSIER_DELIVERIES("K006", bad, as_of, 3) == udfs.DOSSIER_DELIVERIES("K006", tx, as_of, 3)
    assert udfs.DOSSIER_DELIVERIES(42.0, bad, as_of, 3) == [[D(2025, 3, 3), "INV", 1, 100.0, 10.0]]


def test_pareto_curve():
    out = udfs.PARETO_CURVE(column([60.0, 30.0, 10.0, 0.0]), 4)
    assert out[0] == [0.0, 0.0] and out[-1] == [1.0, 1.0]
    assert out[1][1] == pytest.approx(0.6)  # the first quarter of customers (one of four) holds 60 %


def test_every_function_has_help_for_the_wizard():
    for name, fn in inspect.getmembers(udfs, inspect.isfunction):
        if name.isupper():
            assert fn.__doc__ and fn.__doc__.strip(), name


def test_a_workbook_without_sales_yet_gets_an_empty_analysis_not_an_error(book_ranges):
    customers, tx, complaints = book_ranges
    headers_only = [tx[0], [None] * len(tx[0])]
    assert udfs.CUSTOMER_ANALYSIS(customers, headers_only, complaints) == [ANALYSIS_COLUMNS]
    with_day = udfs.CUSTOMER_ANALYSIS(customers, headers_only, complaints, None, D(2025, 1, 31))
    assert with_day[0] == ANALYSIS_COLUMNS and len(with_day) == len(customers)   # as of a day: every customer


def test_setup_check_says_ready_with_the_versions():
    import platform

    import kam_xl

    answer = udfs.SETUP_CHECK()
    assert answer.startswith("ready: ") and kam_xl.__version__ in answer and platform.python_version() in answer


@pytest.mark.parametrize("ragged", [False, True])
def test_a_table_leaves_out_only_rows_blank_in_every_cell_and_keeps_each_rows_data_row(ragged):
    from kam_xl import cells

    raw = [["Date", "Customer ID"], [1.0, "A"], [None, "  "], [None, "B"], ["", None], [float("nan"), None],
           [" ", "C"], [2.0, "D"]]
    if ragged:
        raw[4] = [""]  # a short row (only a list handed over by hand can be one): padded with blanks
    frame = cells.table(raw, "Transactions")
    assert list(frame.index) == [1, 3, 6, 7]
    assert frame["customer_id"].tolist() == ["A", "B", "C", "D"] and frame["date"].tolist()[::3] == [1.0, 2.0]
