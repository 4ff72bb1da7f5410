"""The seeded demo world and the `kam-xl demo` command."""

from __future__ import annotations

import argparse
import re
from datetime import date

import numpy as np
import pandas as pd
import pytest

from kam_xl import demo
from kam_xl.commands import demo as demo_command
from kam_xl.core import schema
from kam_xl.core.settings import Settings

END = pd.Timestamp(date(2026, 9, 30))


@pytest.fixture(scope="module")
def world() -> demo.DemoData:
    return demo.generate(customers=2000, seed=7)


def revenue_by_customer(data: demo.DemoData) -> pd.Series:
    return data.transactions.groupby(schema.CUSTOMER_ID)[schema.TX_AMOUNT].sum()


# --- determinism ---------------------------------------------------------------------------------------------------

def test_same_seed_gives_identical_frames():
    first, second = demo.generate(customers=300, seed=11), demo.generate(customers=300, seed=11)
    for name in demo.DemoData.TABLES + ("truth",):
        pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name), obj=name)
    assert first == second


def test_different_seed_gives_different_data():
    first, second = demo.generate(customers=300, seed=11), demo.generate(customers=300, seed=12)
    assert first != second
    assert not first.transactions.equals(second.transactions)
    assert not first.customers["name"].equals(second.customers["name"])


# --- shape, columns, types -----------------------------------------------------------------------------------------

EXPECTED_COLUMNS = {
    "customers": [schema.CUSTOMER_ID, "name", "industry", "region", "employees", "founded", "description", "owner",
                  schema.KNOWN_BRAND, schema.HIGH_DEMANDS, schema.BUDGET, schema.KEY_OVERRIDE],
    "transactions": [schema.CUSTOMER_ID, schema.TX_DATE, schema.TX_DOCUMENT, schema.TX_AMOUNT, schema.TX_MARGIN],
    "complaints": [schema.CUSTOMER_ID, schema.COMPLAINT_DATE, schema.COMPLAINT_CATEGORY, schema.COMPLAINT_SEVERITY,
                   "description"],
    "tenders": ["date", schema.CUSTOMER_ID, "subject", "result", "reason", "value"],
    "contacts": [schema.CUSTOMER_ID, "person", "position", "role", "attitude", "last_contact", "email", "phone"],
    "competitors": [schema.CUSTOMER_ID, "competitor", "share_of_wallet", "notes"],
    "prospects": ["prospect_id", "name", "industry", "region", "need", "ability_to_pay", "authority", schema.BUDGET,
                  "notes"],
}


def test_tables_have_the_expected_columns(world):
    assert {name: list(frame.columns) for name, frame in world.tables().items()} == EXPECTED_COLUMNS
    assert all(len(frame) > 0 for frame in world.tables().values())
    assert len(world.customers) == 2000


def test_column_types(world):
    c, t = world.customers, world.transactions
    for frame, cols in ((c, ["customer_id", "name", "industry", "region", "description", "owner",
                             schema.KEY_OVERRIDE]),
                        (t, ["customer_id", "document_no"]), (world.prospects, ["prospect_id", "name", "notes"])):
        for col in cols:
            assert pd.api.types.is_string_dtype(frame[col]), col
    assert c[schema.KNOWN_BRAND].dtype == bool and c[schema.HIGH_DEMANDS].dtype == bool
    assert c[schema.BUDGET].dtype == float and c["employees"].dtype == np.int64
    for frame, col in ((t, "date"), (world.complaints, "date"), (world.tenders, "date"),
                       (world.contacts, "last_contact")):
        assert pd.api.types.is_datetime64_dtype(frame[col]), col
        assert (frame[col] == frame[col].dt.normalize()).all()  # whole days
        assert frame[col].max() <= END
    assert t[schema.TX_AMOUNT].dtype == float and t[schema.TX_MARGIN].dtype == float
    assert (t[schema.TX_AMOUNT] == t[schema.TX_AMOUNT].round(2)).all()
    for name in ("need", "ability_to_pay", "authority"):
        assert world.prospects[name].dtype == bool


def test_ids_are_text_with_leading_zeros(world):
    assert world.customers[schema.CUSTOMER_ID].iloc[41] == "C00042"
    assert world.customers[schema.CUSTOMER_ID].str.fullmatch(r"C\d{5}").all()
    assert world.customers[schema.CUSTOMER_ID].is_unique
    assert world.prospects["prospect_id"].str.fullmatch(r"P\d{4}").all()
    assert set(world.transactions[schema.CUSTOMER_ID]) <= set(world.customers[schema.CUSTOMER_ID])


def test_document_numbers_name_kind_year_and_running_number(world):
    t = world.transactions
    parts = t[schema.TX_DOCUMENT].str.extract(r"^(INV|CN)-(\d{4})-(\d{6})$")
    assert parts.notna().all().all()
    assert (parts[1].astype(int) == t["date"].dt.year).all()
    assert ((parts[0] == "CN") == (t[schema.TX_AMOUNT] < 0)).all()
    per_doc = t.groupby(schema.TX_DOCUMENT).agg(customers=("customer_id", "nunique"), days=("date", "nunique"))
    assert (per_doc == 1).all().all()  # one customer and one day per document
    assert (t.groupby(schema.TX_DOCUMENT).size() > 1).any()  # some invoices have several lines
    first_2024 = t.loc[t[schema.TX_DOCUMENT].str.startswith("INV-2024"), schema.TX_DOCUMENT].min()
    assert first_2024 == "INV-2024-000001"


def test_customer_flags_and_budget(world):
    c = world.customers
    assert 0.02 < c[schema.KNOWN_BRAND].mean() < 0.08
    assert 0.06 < c[schema.HIGH_DEMANDS].mean() < 0.16
    assert 0.1 < c[schema.BUDGET].isna().mean() < 0.5
    assert set(c[schema.KEY_OVERRIDE]) == {"", "yes", "no"}
    assert (c[schema.KEY_OVERRIDE] == "").mean() > 0.95
    assert c["name"].str.contains(r" (?:GmbH|AG|KG|SE|Ltd)$").mean() > 0.95


# --- the shape of the world ----------------------------------------------------------------------------------------

def test_top_fifth_of_customers_holds_60_to_90_percent_of_revenue(world):
    for data in (world, demo.generate(customers=2000, seed=8)):
        revenue = revenue_by_customer(data).reindex(data.customers[schema.CUSTOMER_ID], fill_value=0.0)
        top = revenue.sort_values(ascending=False).iloc[: len(revenue) // 5].sum()
        assert 0.6 <= top / revenue.sum() <= 0.9


def test_about_20_lines_per_customer_by_default(world):
    assert 18 * 2000 <= len(world.transactions) <= 22 * 2000


@pytest.mark.parametrize("customers, lines", [(500, 500), (500, 2_000), (1_000, 50_000), (3_000, 30_000)])
def test_transactions_argument_sets_the_total_number_of_lines(customers, lines):
    data = demo.generate(customers=customers, transactions=lines)
    assert abs(len(data.transactions) - lines) <= 0.1 * lines


def test_credit_notes_are_about_one_percent_of_lines(world):
    t = world.transactions
    credit = t[t[schema.TX_AMOUNT] < 0]
    assert 0.005 < len(credit) / len(t) < 0.02
    assert (credit[schema.TX_MARGIN] <= 0).all()
    assert (t[schema.TX_AMOUNT] != 0).all()


def test_margins_are_5_to_40_percent_of_the_amount(world):
    t = world.transactions
    amount, margin = t[schema.TX_AMOUNT].abs(), t[schema.TX_MARGIN].abs()
    cent = 0.005 + 1e-9
    assert (margin >= 0.05 * amount - cent).all() and (margin <= 0.40 * amount + cent).all()
    assert 0.15 < margin.sum() / amount.sum() < 0.30


def test_churned_customers_fall_silent_after_a_complaint_burst(world):
    truth = world.truth
    churned = truth[truth["churned"]]
    assert 0.10 <= len(churned) / len(truth) <= 0.15
    t = world.transactions
    bought = t[t[schema.TX_AMOUNT] > 0].merge(churned[[schema.CUSTOMER_ID, "churn_day"]], on=schema.CUSTOMER_ID)
    assert (bought["date"] <= bought["churn_day"]).all()
    c = world.complaints.merge(churned[[schema.CUSTOMER_ID, "churn_day"]], on=schema.CUSTOMER_ID)
    before = c[(c["date"] > c["churn_day"] - pd.Timedelta(days=120)) & (c["date"] <= c["churn_day"])]
    burst = before.groupby(schema.CUSTOMER_ID).size().reindex(churned[schema.CUSTOMER_ID], fill_value=0)
    assert (burst >= 2).all()
    # Churners' complaints pile up before the silence; the rest complain now and then.
    others = world.complaints[~world.complaints[schema.CUSTOMER_ID].isin(churned[schema.CUSTOMER_ID])]
    assert burst.mean() > 3 * len(others) / (len(truth) - len(churned)) * 120 / (3 * 365)


def test_silent_customers_are_visible_in_the_data_alone(world):
    last = world.transactions[world.transactions[schema.TX_AMOUNT] > 0].groupby(schema.CUSTOMER_ID)["date"].max()
    silent = last[last < END - pd.Timedelta(days=365)]
    assert len(silent) > 0.05 * len(world.customers)


def test_new_customers_start_late_and_some_have_not_bought_yet(world):
    truth, t = world.truth, world.transactions
    first = t.groupby(schema.CUSTOMER_ID)["date"].min()
    assert (first > END - pd.Timedelta(days=365)).sum() > 0.03 * len(truth)
    never = set(world.customers[schema.CUSTOMER_ID]) - set(t[schema.CUSTOMER_ID])
    assert 0 < len(never) < 0.03 * len(truth)
    assert (truth.set_index(schema.CUSTOMER_ID).loc[sorted(never), "pattern"] == "no purchase yet").all()


def test_orders_are_seasonal_and_on_business_days(world):
    t = world.transactions[world.transactions[schema.TX_AMOUNT] > 0]
    assert (t["date"].dt.day_of_week < 5).mean() > 0.99
    per_month = t.groupby(t["date"].dt.month)[schema.TX_AMOUNT].sum()
    assert per_month[8] < 0.85 * per_month[10]  # slow August
    assert per_month[12] < 0.85 * per_month[11]  # slow December


def test_regular_buyers_buy_more_evenly_than_bursty_ones(world):
    t = world.transactions[world.transactions[schema.TX_AMOUNT] > 0]
    days = t.drop_duplicates([schema.CUSTOMER_ID, "date"]).sort_values([schema.CUSTOMER_ID, "date"])
    gaps = days.groupby(schema.CUSTOMER_ID)["date"].diff().dt.days.dropna()
    stats = gaps.groupby(days.loc[gaps.index, schema.CUSTOMER_ID]).agg(["mean", "std", "size"])
    stats = stats[stats["size"] >= 6]
    cv = (stats["std"] / stats["mean"]).rename("cv").to_frame().join(world.truth.set_index(schema.CUSTOMER_ID))
    by_pattern = cv.groupby("pattern")["cv"].median()
    assert by_pattern["regular"] < 0.6 < by_pattern["irregular"] < by_pattern["bursty"]


def test_contacts_competitors_tenders_hang_off_known_customers(world):
    known = set(world.customers[schema.CUSTOMER_ID])
    for name in ("complaints", "tenders", "contacts", "competitors"):
        assert set(getattr(world, name)[schema.CUSTOMER_ID]) <= known, name
    assert set(world.contacts["role"]) == {"Decider", "Buyer", "User", "Influencer", "Gatekeeper", "Initiator"}
    assert set(world.contacts["attitude"]) == {"champion", "supporter", "neutral", "critic"}
    assert set(world.complaints["category"]) == {"Delivery", "Quality", "Invoice", "Service", "Packaging"}
    assert set(world.complaints["severity"]) == {"low", "medium", "high"}
    assert set(world.tenders["result"]) == {"won", "lost"}
    assert world.tenders["reason"].str.startswith("competitor ").any()
    wallet = world.competitors.groupby(schema.CUSTOMER_ID)["share_of_wallet"].sum()
    assert world.competitors["share_of_wallet"].between(0, 1).all() and (wallet <= 1.0 + 1e-9).all()
    emails = world.contacts["email"][world.contacts["email"] != ""]
    assert emails.str.fullmatch(r"[a-z.]+@[a-z]+\.[a-z.]+").all()


def test_three_p_gives_some_potential_key_customers(world):
    p = world.prospects
    all_three = p["need"] & p["ability_to_pay"] & p["authority"]
    assert 0 < all_three.sum() < len(p)


def test_a_few_texts_look_like_formulas(world):
    starts = []
    for name, frame in world.tables().items():
        for col in frame.columns:
            if pd.api.types.is_string_dtype(frame[col]):
                hits = frame[col][frame[col].str.match(r"[=+\-@]", na=False)]
                starts += [(name, col, value) for value in hits]
    assert ("customers", "name", "+Plus Logistik GmbH") in starts
    assert ("competitors", "notes", "=SUM(A1)") in starts
    assert 2 <= len(starts) <= 5


def test_large_worlds_are_generated_in_one_vectorised_pass():
    data = demo.generate(customers=20_000, transactions=400_000, seed=3)  # a loop per line would take minutes
    assert len(data.customers) == 20_000 and abs(len(data.transactions) - 400_000) < 20_000


def test_bad_arguments_are_refused():
    for kwargs in ({"customers": 0}, {"customers": 2.5}, {"years": 0}, {"transactions": -1}):
        with pytest.raises(ValueError):
            demo.generate(**kwargs)


def test_other_end_and_years_move_the_window():
    data = demo.generate(customers=200, end=date(2025, 12, 31), years=2)
    dates = data.transactions["date"]
    assert dates.max() <= pd.Timestamp("2025-12-31") and dates.min() >= pd.Timestamp("2024-01-01")


def test_write_csv_writes_one_file_per_table_with_text_ids_and_iso_dates(tmp_path):
    data = demo.generate(customers=200, seed=5)
    paths = data.write_csv(tmp_path / "out")
    assert sorted(paths) == sorted(demo.DemoData.TABLES)
    assert all(path.exists() and path.suffix == ".csv" for path in paths.values())
    back = pd.read_csv(paths["customers"], dtype={"customer_id": str}, keep_default_na=False)
    assert back["customer_id"].tolist() == data.customers["customer_id"].tolist()
    assert back["name"].tolist() == data.customers["name"].tolist()
    lines = paths["transactions"].read_text(encoding="utf-8").splitlines()
    assert lines[0] == "customer_id,date,document_no,amount,margin"
    assert re.fullmatch(r"C\d{5},\d{4}-\d{2}-\d{2},INV-\d{4}-\d{6},-?\d+(\.\d+)?,-?\d+(\.\d+)?", lines[1])
    tx = pd.read_csv(paths["transactions"], parse_dates=["date"])
    assert len(tx) == len(data.transactions)
    assert np.allclose(tx["amount"], data.transactions["amount"])


# --- the command's figures on a hand-made analysis table -----------------------------------------------------------

def hand_made_analysis() -> pd.DataFrame:
    rows = [  # customer, revenue, abc, xyz, key account, churn
        ("C1", 600.0, "A", "X", True, "active"),
        ("C2", 200.0, "A", "Z", True, "at risk"),
        ("C3", 100.0, "B", "Y", False, "lost"),
        ("C4", 60.0, "C", "Z", False, "active"),
        ("C5", 40.0, "C", "N", False, "lost"),
        ("C6", 0.0, "N", "N", False, "none"),
    ]
    frame = pd.DataFrame(rows, columns=["customer_id", "revenue", "abc", "xyz", "key_account", "churn"])
    frame["silence_days"] = [3, 60, 400, 10, 500, pd.NA]
    frame["interval_days"] = [7.0, 30.0, 90.0, 20.0, 60.0, np.nan]
    frame["complaints_90d"] = [0, 3, 0, 0, 1, 0]
    return frame


def test_matrix_counts_customers_and_revenue_share_per_cell():
    counts, shares = demo_command.matrix_counts(hand_made_analysis())
    assert counts.loc["A"].tolist() == [1, 0, 1, 0]
    assert counts.loc["C"].tolist() == [0, 0, 1, 1]
    assert counts.loc["N", "N"] == 1 and counts.to_numpy().sum() == 6
    assert shares.at["A", "X"] == pytest.approx(60.0) and shares.at["A", "Z"] == pytest.approx(20.0)
    assert shares.to_numpy().sum() == pytest.approx(100.0)


def test_key_account_share_is_judged_against_the_guide():
    summary = demo_command.key_account_summary(hand_made_analysis(), Settings())
    assert summary["count"] == 2 and summary["share"] == pytest.approx(0.8)
    assert summary["verdict"] == "above the guide"
    wide = Settings(key_share_low=0.3, key_share_high=0.9)
    assert demo_command.key_account_summary(hand_made_analysis(), wide)["verdict"] == "within the guide"


def test_churn_summary_counts_customers_revenue_and_key_accounts_per_flag():
    summary = demo_command.churn_summary(hand_made_analysis())
    assert summary.index.tolist() == ["active", "at risk", "lost", "none"]
    assert summary["customers"].tolist() == [2, 1, 2, 1]
    assert summary["revenue"].tolist() == [660.0, 200.0, 140.0, 0.0]
    assert summary["key_accounts"].tolist() == [1, 1, 0, 0]
    assert summary.at["at risk", "key_revenue"] == 200.0


def test_tables_render_the_numbers():
    from rich.console import Console

    console = Console(width=120, record=True, file=open("/dev/null", "w"))
    analysis = hand_made_analysis()
    for table in (demo_command.matrix_table(analysis), demo_command.key_account_table(analysis),
                  demo_command.churn_table(analysis), demo_command.winback_table(analysis)):
        console.print(table)
    text = console.export_text()
    assert "1 / 60.0 %" in text and "6 / 100.0 %" in text
    assert "2 of 6 customers" in text and "above the guide" in text
    assert "C2" in text and "60 d" in text  # the at-risk key account in the win-back list


# --- the command end to end ----------------------------------------------------------------------------------------

def printed_matrix(stdout: str) -> dict[tuple[str, str], int]:
    """Cell counts of the printed ABC-XYZ matrix: rows A, B, C, N x columns X, Y, Z, N (totals left out)."""
    cells = {}
    for line in stdout.splitlines():
        match = re.match(r"^\s*([ABCN])\s+(\d+ / .*)$", line)
        if match:
            counts = [int(n) for n in re.findall(r"(\d+) / -?[\d.]+ %", match.group(2))]
            assert len(counts) == 5, line  # X, Y, Z, N, Total
            assert sum(counts[:4]) == counts[4], line
            cells.update({(match.group(1), col): n for col, n in zip("XYZN", counts)})
    return cells


def run_demo_command(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="kam-xl")
    demo_command.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.run(args)


def test_demo_command_writes_csv_and_prints_a_matrix_of_every_customer(tmp_path, capsys):
    pytest.importorskip("kam_xl.core.analysis")
    out = tmp_path / "demo"
    assert run_demo_command(["demo", "--customers", "300", "--seed", "4", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    cells = printed_matrix(captured.out)
    assert len(cells) == 16 and sum(cells.values()) == 300
    assert "Key accounts" in captured.out and "Churn" in captured.out
    assert "Generating" in captured.err and "Generating" not in captured.out
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{t}.csv" for t in demo.DemoData.TABLES)


def test_demo_command_refuses_a_file_as_output_folder(tmp_path):
    pytest.importorskip("kam_xl.core.analysis")
    from kam_xl.errors import InputError

    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InputError, match="--out"):
        run_demo_command(["demo", "--customers", "20", "--out", str(blocker)])


def test_demo_command_refuses_zero_customers(capsys):
    with pytest.raises(SystemExit):
        run_demo_command(["demo", "--customers", "0"])
    assert "whole number >= 1" in capsys.readouterr().err


def test_kam_xl_demo_via_the_cli(tmp_path, capsys):
    pytest.importorskip("kam_xl.core.analysis")
    pytest.importorskip("kam_xl.commands.analyze")  # the CLI registers every command before dispatching
    from kam_xl import cli

    assert cli.main(["demo", "--customers", "300", "--out", str(tmp_path / "d")]) == 0
    cells = printed_matrix(capsys.readouterr().out)
    assert sum(cells.values()) == 300
