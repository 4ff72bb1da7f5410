"""Early warning: class migration, revenue trend, expected purchases, Gamma-Gamma spend, CLV, reasons.

Independent checks come from the lifetimes package (test-only): its CDNOW sample with mean repeat spend
(946 repeat buyers) and its BetaGeoFitter / GammaGammaFitter formulas, fed our parameters.
"""

import importlib.resources
import warnings

import numpy as np
import pandas as pd
import pytest

from kam_xl.core import bgnbd, early_warning, gammagamma
from kam_xl.core.analysis import analyze
from kam_xl.core.settings import Settings

with warnings.catch_warnings():   # lifetimes 0.11.3 sets a pandas option that pandas 3 deprecates
    warnings.simplefilter("ignore")
    from lifetimes import BetaGeoFitter, GammaGammaFitter

PUBLISHED = gammagamma.GammaGammaParams(p=6.25, q=3.74, gamma=15.44)   # FHL 2005, "RFM and CLV"


@pytest.fixture(scope="module")
def cdnow_spend() -> pd.DataFrame:
    path = importlib.resources.files("lifetimes.datasets") / "cdnow_customers_summary_with_transactions.csv"
    with importlib.resources.as_file(path) as file:
        frame = pd.read_csv(file)
    return frame[frame["x"] > 0]


def test_gamma_gamma_on_cdnow_reproduces_published_estimates(cdnow_spend):
    assert len(cdnow_spend) == 946
    params = gammagamma.fit(cdnow_spend["x"], cdnow_spend["zbar"])
    for name in ("p", "q", "gamma"):
        assert getattr(params, name) == pytest.approx(getattr(PUBLISHED, name), rel=0.01), name


def test_gamma_gamma_conditional_spend_matches_lifetimes(cdnow_spend):
    params = gammagamma.fit(cdnow_spend["x"], cdnow_spend["zbar"])
    theirs = GammaGammaFitter()
    theirs.params_ = pd.Series({"p": params.p, "q": params.q, "v": params.gamma})
    frequency = np.concatenate([cdnow_spend["x"].to_numpy(float), [0.0]])
    spend = np.concatenate([cdnow_spend["zbar"].to_numpy(float), [0.0]])
    ours = gammagamma.conditional_expected_value(params, frequency, spend)
    expected = theirs.conditional_expected_average_profit(pd.Series(frequency), pd.Series(spend)).to_numpy()
    np.testing.assert_allclose(ours, expected, rtol=1e-6)
    assert ours[-1] == pytest.approx(params.population_mean)      # frequency 0: the population mean


def test_gamma_gamma_refuses_too_little_data():
    with pytest.raises(ValueError, match="at least two customers"):
        gammagamma.fit([1, 0], [10.0, 5.0])


# A demo world analysed once; the independent checks recompute from its columns.
@pytest.fixture(scope="module")
def demo_analysis():
    from kam_xl.demo import generate

    world = generate(customers=400, seed=11)
    table = analyze(world.transactions, world.customers, world.complaints)
    buyers = table[table["purchase_days"] > 0]
    as_of = pd.Timestamp(table.attrs["as_of"])
    first, last = pd.to_datetime(buyers["first_purchase"]), pd.to_datetime(buyers["last_purchase"])
    summary = ((buyers["purchase_days"] - 1).to_numpy(float), (last - first).dt.days.to_numpy(float),
               (as_of - first).dt.days.to_numpy(float))
    return table, buyers, summary, bgnbd.fit(*summary)


def lifetimes_bgnbd(params) -> BetaGeoFitter:
    fitter = BetaGeoFitter()
    fitter.params_ = pd.Series({"r": params.r, "alpha": params.alpha, "a": params.a, "b": params.b})
    return fitter


def test_expected_purchases_90d_matches_lifetimes_for_the_same_daily_fit(demo_analysis):
    table, buyers, summary, params = demo_analysis
    expected = lifetimes_bgnbd(params).conditional_expected_number_of_purchases_up_to_time(90, *summary)
    np.testing.assert_allclose(buyers["expected_purchases_90d"].to_numpy(), np.asarray(expected), rtol=1e-6)
    assert table.loc[table["purchase_days"] == 0, "expected_purchases_90d"].isna().all()


def test_clv_12m_is_the_discounted_sum_of_monthly_purchases_times_order_value(demo_analysis):
    table, buyers, summary, params = demo_analysis
    fitter = lifetimes_bgnbd(params)
    for i in (0, len(buyers) // 2, len(buyers) - 1):
        x, tx, age = (v[i] for v in summary)
        row = buyers.iloc[i]
        by_hand = 0.0
        for month in range(1, 13):
            upto = [float(fitter.conditional_expected_number_of_purchases_up_to_time(m * 30.4375, x, tx, age))
                    if m else 0.0 for m in (month - 1, month)]
            by_hand += (upto[1] - upto[0]) * row["avg_order_value"] / 1.01 ** month
        assert row["clv_12m"] == pytest.approx(by_hand, rel=1e-6)


def test_avg_order_value_uses_repeat_days_and_shrinks_to_the_population_mean(demo_analysis):
    table, buyers, _, _ = demo_analysis
    one_time = buyers[buyers["purchase_days"] == 1]["avg_order_value"]
    assert len(one_time) and one_time.nunique() == 1          # frequency 0: everyone gets the population mean
    assert (buyers["avg_order_value"] > 0).all()


def test_repeat_spend_leaves_out_the_first_purchase_day():
    codes = np.array([0, 0, 0, 0, 1])
    days = np.array([10, 10, 20, 30, 5])
    amount = np.array([1000.0, 1.0, 40.0, 60.0, 70.0])
    mean = early_warning.repeat_spend(codes, days, amount, np.array([10, 5]), np.array([3, 1]), 2)
    assert mean[0] == 50.0 and np.isnan(mean[1])


# Worked example of the migration: one line a year ago (2025-01-15), one this year (2026-01-15).
AS_OF = "2026-06-30"
YEAR_AGO = {"fall": 1000, "steady": 500, "small": 30, "rise": 20}
THIS_YEAR = {"new": 1000, "rise": 900, "steady": 500, "fall": 150, "small": 30}


@pytest.fixture(scope="module")
def migration_table() -> pd.DataFrame:
    rows = [(c, "2025-01-15", v) for c, v in YEAR_AGO.items()] + [(c, "2026-01-15", v) for c, v in THIS_YEAR.items()]
    tx = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    tx["date"] = pd.to_datetime(tx["date"])
    return analyze(tx, as_of=AS_OF).set_index("customer_id")


def test_new_customer_migrates_from_n(migration_table):
    row = migration_table.loc["new"]
    assert (row["abc_prev"], row["abc_12m"], row["migration"]) == ("N", "A", "N→A")


def test_falling_customer_migrates_a_to_b(migration_table):
    row = migration_table.loc["fall"]
    assert (row["abc_prev"], row["abc_12m"], row["migration"]) == ("A", "B", "A→B")
    assert row["trend"] == pytest.approx(150 / 1000 - 1)


def test_rising_customer_migrates_c_to_a(migration_table):
    assert migration_table.loc["rise", "migration"] == "C→A"


def test_unchanged_class_has_empty_migration(migration_table):
    assert migration_table.loc["steady", "migration"] == ""
    assert migration_table.loc["steady", "trend"] == pytest.approx(0.0)


def test_no_revenue_a_year_ago_gives_empty_trend(migration_table):
    row = migration_table.loc["new"]
    assert row["revenue_prev_12m"] == 0 and row["revenue_12m"] == 1000 and np.isnan(row["trend"])


def test_falling_key_account_is_warned_of_its_class_drop(migration_table):
    row = migration_table.loc["fall"]
    assert row["key_account"]
    assert "class A→B" in row["warning"] and "revenue -85% on the year before" in row["warning"]
    assert migration_table.loc["small", "warning"] == ""        # not a key account: no warning at all


def one_customer_warning(prev="A", now="A", trend=0.0, expected=5.0, interval=18.0, recent=0, before=0,
                         churn="active", key=True) -> str:
    moved = early_warning.Migration(np.array([now], object), np.array([prev], object),
                                    np.array(["" if prev == now else f"{prev}→{now}"], object),
                                    np.array([1.0]), np.array([1.0]), np.array([trend]))
    return early_warning.warnings(np.array([key]), moved, np.array([expected]), np.array([interval]),
                                  np.array([recent]), np.array([before]), np.array([churn], object),
                                  Settings())[0]


def test_calm_key_account_has_no_warning():
    assert one_customer_warning() == ""


def test_warning_class_down_but_not_up():
    assert one_customer_warning(prev="B", now="C") == "class B→C"
    assert one_customer_warning(prev="C", now="A") == ""


def test_warning_trend_at_or_below_minus_20_percent():
    assert one_customer_warning(trend=-0.20) == "revenue -20% on the year before"
    assert one_customer_warning(trend=-0.19) == ""


def test_warning_fewer_purchases_expected_than_half_the_usual():
    # usual = 90 / 18 = 5 purchase days in 90 days; below 0.5 x 5 = 2.5 warns
    assert one_customer_warning(expected=2.4) == "2.4 purchases expected in 90 days, usually 5.0"
    assert one_customer_warning(expected=2.5) == ""


def test_warning_complaint_rule_of_churn():
    assert one_customer_warning(recent=2, before=1) == "2 complaints in 90 days (1 before)"
    assert one_customer_warning(recent=2, before=2) == ""


def test_warning_churn_at_risk_or_lost_and_reasons_joined():
    assert one_customer_warning(churn="at risk") == "churn: at risk"
    assert one_customer_warning(prev="A", now="B", churn="lost") == "class A→B; churn: lost"


def test_no_warning_for_customers_who_are_not_key_accounts():
    assert one_customer_warning(prev="A", now="C", churn="lost", key=False) == ""
