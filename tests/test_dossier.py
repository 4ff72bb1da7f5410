"""The Dossier sheet, recalculated headless with its selector set, agrees with the analysis and the input
tables for every key account; `kam-xl dossier` prints it and writes print copies."""

from __future__ import annotations

import math

import openpyxl
import pytest

from kam_xl import demo
from kam_xl.cli import main
from kam_xl.core.analysis import analyze
from kam_xl.recalc import recalculate
from kam_xl.template.workbook import build_workbook

CUSTOMERS = 40


@pytest.fixture(scope="module")
def world():
    return demo.generate(CUSTOMERS, seed=7)


@pytest.fixture(scope="module")
def book(tmp_path_factory, world):
    return build_workbook(tmp_path_factory.mktemp("dossier") / "demo.xlsm", world)


@pytest.fixture(scope="module")
def analysis(world):
    return analyze(world.transactions, world.customers, world.complaints).set_index("customer_id")


def _sheet(book, customer):
    result = recalculate(book, inputs={("Dossier", "B4"): customer})
    assert result.all_computed, result.failures
    return result.values["Dossier"]


def _block(values, caption_row: int, columns: int) -> list[list]:
    """The rows of a spilled list under the caption row (1-based), until the first empty row."""
    rows = []
    row = caption_row + 1
    while values.get(f"A{row}") not in (None, ""):
        rows.append([values.get(f"{c}{row}") for c in "ABCDEF"[:columns]])
        row += 1
    return rows


def _caption_row(values, text: str) -> int:
    return next(int(ref[1:]) for ref, v in values.items() if ref.startswith("A") and v == text)


def test_dossier_figures_agree_with_analyze_and_the_input_tables_for_every_key_account(book, world, analysis):
    keys = analysis.index[analysis["key_account"]].tolist()
    assert len(keys) >= 3
    checked_lists = set()
    for customer in keys:
        values = _sheet(book, customer)
        row = analysis.loc[customer]
        overview = {values[f"{c}{r}"]: values.get(f"{chr(ord(c) + 1)}{r}") for c in "ACE" for r in range(7, 13)}
        assert overview["Revenue"] == pytest.approx(row["revenue"])
        assert overview["Revenue share"] == pytest.approx(row["share"])
        assert overview["ABC / XYZ"] == row["abc_xyz"]
        assert overview["Churn"] == row["churn"]
        assert overview["Key account"] == 1
        assert overview["P(alive)"] == pytest.approx(row["p_alive"])
        assert overview["ABC last 12 months"] == row["abc_12m"]
        assert overview["Customer value, 12 months"] == pytest.approx(row["clv_12m"])
        assert overview["Expected purchases, 90 days"] == pytest.approx(row["expected_purchases_90d"])
        assert overview["Complaints now"] == row["complaints_90d"]
        trend = overview["Trend against the year before"]
        assert (math.nan if trend == "–" else trend) == pytest.approx(row["trend"], nan_ok=True)
        assert values["B13"] == (row["warning"] or "–")
        assert overview["Class migration"] == (row["migration"] or "–")
        master = world.customers.set_index("customer_id").loc[customer]
        assert values["C4"] == master["name"] and values["B16"] == master["industry"]

        years = _block(values, _caption_row(values, "Year"), 4)
        assert sum(r[1] for r in years) == pytest.approx(row["revenue"])
        tenders = world.tenders[world.tenders["customer_id"] == customer]
        listed = _block(values, _caption_row(values, "Date") + 0, 5)
        assert listed, "the last deliveries of a key account"
        tender_rows = [r for r in _block(values, sorted(int(r[1:]) for r, v in values.items()
                                                        if r.startswith("A") and v == "Date")[1], 5)
                       if r[0] != "Won"]
        if len(tenders):
            assert len(tender_rows) == min(len(tenders), 5)
            assert {r[1] for r in tender_rows} <= set(tenders["subject"])
            checked_lists.add("tenders")
        won_row = _caption_row(values, "Won")
        assert values[f"B{won_row}"] == (tenders["result"] == "won").sum()
        assert values[f"C{won_row}"] == pytest.approx(tenders.loc[tenders["result"] == "won", "value"].sum())
        assert values[f"E{won_row}"] == (tenders["result"] == "lost").sum()
        complaints = _block(values, _caption_row(values, "Category"), 5)
        if complaints and complaints[0][0] != "none recorded":
            assert sum(r[1] for r in complaints) == row["complaints_90d"]
            assert sum(r[2] for r in complaints) == row["complaints_prev_90d"]
            checked_lists.add("complaints")
        people = world.contacts[world.contacts["customer_id"] == customer]
        contacts = _block(values, _caption_row(values, "Role"), 5)
        if len(people):
            assert sorted(r[1] for r in contacts) == sorted(people["person"].head(8)) or len(people) > 8
            checked_lists.add("contacts")
        rivals = world.competitors[world.competitors["customer_id"] == customer]
        shares = _block(values, _caption_row(values, "Share of wallet"), 3)
        if len(rivals):
            assert [r[1] for r in shares] == rivals.sort_values("share_of_wallet", ascending=False,
                                                                  kind="stable")["competitor"].head(5).tolist()
            checked_lists.add("competitors")
    assert checked_lists == {"tenders", "complaints", "contacts", "competitors"}


def test_an_empty_selector_leaves_the_figures_blank_and_the_lists_empty_without_errors(book):
    values = _sheet(book, "")
    assert values["C4"] == "" and values["B8"] == ""
    assert values["A23"] == "none recorded"


def test_dossier_command_prints_the_customer_s_sheet_and_saves_the_selector(book, analysis, capsys, tmp_path):
    import openpyxl

    copy = tmp_path / "copy.xlsm"
    copy.write_bytes(book.read_bytes())
    customer = analysis.index[analysis["key_account"]][0]
    assert main(["dossier", str(copy), "--customer", customer]) == 0
    text = capsys.readouterr().out
    assert f"Customer  {customer}" in text
    assert "2  Relationship history" in text and "4  Competitors" in text
    ((sheet, ref),) = openpyxl.load_workbook(copy).defined_names["kam_dossier_customer"].destinations
    assert openpyxl.load_workbook(copy, data_only=True)[sheet][ref.replace("$", "")].value == customer


def test_dossier_command_names_an_unknown_customer_exits_2_and_leaves_the_file(book, capsys):
    before = book.read_bytes()
    assert main(["dossier", str(book), "--customer", "NOPE"]) == 2
    err = capsys.readouterr().err
    assert "no customer 'NOPE'" in err and "Traceback" not in err
    assert book.read_bytes() == before


def test_key_accounts_copies_are_one_values_only_a4_portrait_page_per_key_account(book, analysis, tmp_path):
    out = tmp_path / "DOSSIERS.xlsx"
    assert main(["dossier", str(book), "--key-accounts", "--out", str(out)]) == 0
    copies = openpyxl.load_workbook(out)
    keys = analysis[analysis["key_account"]].sort_values("revenue", ascending=False, kind="stable").index
    assert copies.sheetnames == list(keys)
    for sheet in copies.worksheets:
        assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
        assert sheet.page_setup.paperSize == 9 and sheet.page_setup.orientation == "portrait"
        assert sheet.sheet_properties.pageSetUpPr.fitToPage  # 1 x 1 pages: XlsxWriter leaves out the default 1
        assert sheet.page_setup.fitToHeight in (None, 1) and sheet.page_setup.fitToWidth in (None, 1)
        assert sheet["B4"].value == sheet.title


def test_key_accounts_needs_an_xlsx_out_and_never_the_workbook_itself(book, tmp_path, capsys):
    assert main(["dossier", str(book), "--key-accounts"]) == 2
    assert main(["dossier", str(book), "--key-accounts", "--out", str(tmp_path / "d.xlsm")]) == 2
    assert "--out" in capsys.readouterr().err


def test_open_win_back_action_of_a_lost_key_account_shows_in_its_dossier(book):
    from kam_xl.book import FileBook
    from kam_xl.commands.dossier import dossier_text
    from kam_xl.sheets import winback as wb

    files = FileBook(book, recalc=False)
    table = files.read_table(wb.TABLE)
    open_rows = table[table[wb.RECOVERED].isna()]
    assert len(open_rows), "the demo world has lost key accounts"
    row = open_rows.iloc[0]
    text = dossier_text(book, row[wb.CUSTOMER])
    section = text.split("5  Open win-back actions", 1)[1]
    assert "open" in section and row[wb.MEANS] in section
    others = set(table[wb.CUSTOMER]) | {""}
    quiet = next(c for c in ["C00001", "C00002", "C00003", "C00004", "C00005"] if c not in others)
    assert "none recorded" in dossier_text(book, quiet).split("5  Open win-back actions", 1)[1]
