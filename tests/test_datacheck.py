"""Data check: every kind of problem in every input table, found at once in a real workbook file, each named with
table, data row, sheet row, column and reason, at its level."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from kam_xl import demo
from kam_xl.book import FileBook
from kam_xl.sheets.checkbook import file_check
from kam_xl.sheets.datacheck import COLUMNS, data_check, summary

ROOT = Path(__file__).resolve().parents[1]
D = dt.datetime

CUSTOMERS = pd.DataFrame([
    ["C1", "Alpha", None, None, 10, 1990, None, None, "yes", "no", 1000, None],
    ["C1", "Alpha again", None, None, "many", 1700, None, None, "maybe", "no", -5, "perhaps"],
    [None, "No id", None, None, -3, 2001.5, None, None, "no", "no", 10, None],
    ["C4", None, None, None, 1.5, 2100, "=cmd|' /C calc'!A0", None, "no", "no", "1 000", None],
], columns=["Customer ID", "Name", "Industry", "Region", "Employees", "Founded", "Description", "Owner",
            "Known brand", "High demands", "Budget", "Key account override"])
TRANSACTIONS = pd.DataFrame([
    [D(2024, 1, 2), "C1", "R-1", 100.0, 120.0],
    [D(2099, 1, 1), "C9", "R-2", 100.0, 20.0],
    [D(1985, 1, 1), "C1", None, 0.0, 1.0],
    ["soon", None, "R-4", "abc", 500.0],
    ["2024-03-01", "C1", "R-5", "12.5", 1.0],
], columns=["Date", "Customer ID", "Document no", "Amount", "Margin"])
COMPLAINTS = pd.DataFrame([
    [D(2024, 1, 2), "C7", "Weather", "dramatic", "late"],
    [None, "C1", "Quality", "low", None],
], columns=["Date", "Customer ID", "Category", "Severity", "Description"])
TENDERS = pd.DataFrame([
    [D(2024, 1, 2), "C1", "Pumps", "lost", None, -10],
    [D(2024, 2, 2), "C1", "Valves", "draw", "price", 10],
], columns=["Date", "Customer ID", "Subject", "Result", "Reason", "Value"])
CONTACTS = pd.DataFrame([
    ["C1", None, "CEO", "Boss", "hostile", D(2024, 1, 1), "not-a-mail", None],
], columns=["Customer ID", "Person", "Position", "Role", "Attitude", "Last contact", "Email", "Phone"])
COMPETITORS = pd.DataFrame([
    ["C1", "Rival", 35, None],
    ["C1", "Other", 0.9, None],
], columns=["Customer ID", "Competitor", "Share of wallet", "Notes"])
PROSPECTS = pd.DataFrame([
    ["P1", "Prospect", None, "yes", "ja?", "no", None, None],
    ["P1", "Twice", None, "yes", "yes", "no", None, None],
], columns=["Prospect ID", "Name", "Industry", "Need", "Ability to pay", "Authority", "Budget", "Notes"])

#: (problem, table, data row, column, level): one row per kind.
KINDS = [
    ("appears more than once", "Customers", 2, "Customer ID", "error"),
    ("Customer ID is empty", "Customers", 3, "Customer ID", "error"),
    ("Name is empty", "Customers", 4, "Name", "warning"),
    ("text in a number column", "Customers", 2, "Employees", "error"),
    ("negative employees", "Customers", 3, "Employees", "error"),
    ("not a whole number", "Customers", 4, "Employees", "error"),
    ("year outside", "Customers", 2, "Founded", "error"),
    ("not yes or no", "Customers", 2, "Known brand", "error"),
    ("not yes or no", "Customers", 2, "Key account override", "error"),
    ("negative budget", "Customers", 2, "Budget", "error"),
    ("a number written as text", "Customers", 4, "Budget", "warning"),
    ("looks like a formula", "Customers", 4, "Description", "warning"),
    ("customer is not in the Customers table", "Transactions", 2, "Customer ID", "warning"),
    ("date in the future", "Transactions", 2, "Date", "warning"),
    ("date before 1990", "Transactions", 3, "Date", "error"),
    ("no document no.", "Transactions", 3, "Document no", "warning"),
    ("amount is 0", "Transactions", 3, "Amount", "warning"),
    ("not a date", "Transactions", 4, "Date", "error"),
    ("Customer ID is empty", "Transactions", 4, "Customer ID", "error"),
    ("text in a number column", "Transactions", 4, "Amount", "error"),
    ("a date written as text", "Transactions", 5, "Date", "warning"),
    ("margin larger than the amount", "Transactions", 1, "Margin", "warning"),
    ("customer is not in the Customers table", "Complaints", 1, "Customer ID", "warning"),
    ("not in the Category list", "Complaints", 1, "Category", "warning"),
    ("not in the Severity list", "Complaints", 1, "Severity", "error"),
    ("Date is empty", "Complaints", 2, "Date", "error"),
    ("a lost tender without a reason", "Tenders", 1, "Reason", "warning"),
    ("negative value", "Tenders", 1, "Value", "error"),
    ("not in the Result list", "Tenders", 2, "Result", "error"),
    ("Person is empty", "Contacts", 1, "Person", "error"),
    ("not in the Role list", "Contacts", 1, "Role", "error"),
    ("not in the Attitude list", "Contacts", 1, "Attitude", "error"),
    ("not an e-mail address", "Contacts", 1, "Email", "warning"),
    ("share outside 0–100 %", "Competitors", 1, "Share of wallet", "error"),
    ("more than 100 % together", "Competitors", 2, "Share of wallet", "warning"),
    ("appears more than once", "Prospects", 2, "Prospect ID", "error"),
    ("not yes or no", "Prospects", 1, "Ability to pay", "error"),
    ("out of range: a_share", "Settings", None, "Value", "error"),
    ("out of range: language", "Settings", None, "Value", "error"),
]


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    book = tmp_path_factory.mktemp("check") / "Bad.xlsm"
    shutil.copy(ROOT / "workbook" / "KeyAccounts.xlsm", book)
    file = FileBook(book, recalc=False)
    for name, frame in [("Customers", CUSTOMERS), ("Transactions", TRANSACTIONS), ("Complaints", COMPLAINTS),
                        ("Tenders", TENDERS), ("Contacts", CONTACTS), ("Competitors", COMPETITORS),
                        ("Prospects", PROSPECTS)]:
        file.write_table(name, frame)
    settings = file.read_table("Settings")
    settings.loc[settings["Setting"] == "a_share", "Value"] = 5
    settings.loc[settings["Setting"] == "language", "Value"] = "FR"
    file.write_table("Settings", settings.drop(columns=[]))
    return book, file_check(book)


def test_every_kind_of_problem_is_reported_with_table_row_column_and_reason(checked):
    _, found = checked
    assert list(found.columns) == COLUMNS
    missing = []
    for problem, table, row, column, level in KINDS:
        hit = found[(found["Table"] == table) & (found["Column"] == column) & found["Problem"].str.contains(
            problem, regex=False) & (found["Level"] == level)]
        if row is not None:
            hit = hit[hit["Data row"] == row]
        if hit.empty:
            missing.append((problem, table, row, column))
    assert not missing
    kinds = {(p.split(":")[0] if p.startswith("out of range") else p, c) for p, _, _, c, _ in KINDS}
    assert len(kinds) >= 25


def test_sheet_row_is_the_data_row_below_the_tables_header(checked):
    _, found = checked
    tx = found[found["Table"] == "Transactions"]
    assert (tx["Sheet row"] == tx["Data row"] + 1).all()
    settings = found[found["Table"] == "Settings"]
    assert (settings["Sheet row"] > 6).all()  # the Settings table's header is row 6


def test_every_problem_has_a_fix_and_a_value_where_the_cell_held_one(checked):
    _, found = checked
    assert found["Fix"].str.len().gt(5).all() and found["Problem"].str.len().gt(5).all()
    typed = found[(found["Table"] == "Customers") & (found["Column"] == "Employees") & (found["Data row"] == 2)]
    assert typed["Value"].tolist() == ["many"]


def test_excel_error_values_are_reported_as_error_cells():
    frame = pd.DataFrame({"Date": [D(2024, 1, 1)], "Customer ID": ["#N/A"], "Document no": ["x"],
                          "Amount": ["#DIV/0!"], "Margin": [None]})
    found = data_check({"Transactions": frame}, as_of=dt.date(2025, 1, 1))
    errors = found[found["Problem"] == "the cell holds an Excel error"]
    assert errors[["Column", "Data row", "Sheet row", "Level"]].values.tolist() == \
        [["Customer ID", 1, 2, "error"], ["Amount", 1, 2, "error"]]


def test_a_clean_workbook_has_no_problems_and_says_so():
    found = file_check(ROOT / "workbook" / "KeyAccounts.xlsm")
    assert found.empty and summary(found) == "Data check: no problems found."


def test_check_data_button_writes_the_data_check_table_and_a_one_line_summary(checked, tmp_path, monkeypatch,
                                                                               capsys):
    import kam_xl.macros as macros

    book = tmp_path / "Bad.xlsm"
    shutil.copy(checked[0], book)
    monkeypatch.setenv("KAM_XL_WORKBOOK", str(book))
    macros.check_data()
    line = capsys.readouterr().out
    assert line.startswith("Data check: ") and line.count("\n") == 1 and "errors and" in line
    written = FileBook(book).read_table("DataCheck")
    assert len(written) == len(checked[1]) and set(written["Level"]) == {"error", "warning"}


def test_error_cells_of_a_real_workbook_are_reported_as_error_values(tmp_path):
    """The reader shows an error cell as a blank; the file check names it with its error code."""
    from kam_xl.package import workbook_part
    from kam_xl.template.workbook import build_workbook

    book = build_workbook(tmp_path / "book.xlsm", demo.generate(20, seed=3))
    with zipfile.ZipFile(book) as z:
        names = z.namelist()
    # The Amount of the Transactions table's data row 2 becomes an error cell, as Excel stores #N/A typed in.
    with zipfile.ZipFile(book) as z:
        part = next(s.part for s in workbook_part.read_workbook(z).sheets if s.name == "Transactions")
        xml = z.read(part)
    cell = re.search(rb'<c r="D3"[^>]*>.*?</c>', xml, re.S)
    patched = xml.replace(cell[0], b'<c r="D3" t="e"><v>#N/A</v></c>')
    copy = tmp_path / "errors.xlsm"
    with zipfile.ZipFile(book) as source, zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED) as target:
        for name in names:
            target.writestr(name, patched if name == part else source.read(name))
    found = file_check(copy)
    row = found[(found["Table"] == "Transactions") & (found["Sheet row"] == 3) & (found["Column"] == "Amount")]
    assert len(row) == 1 and row.iloc[0]["Value"] == "#N/A" and row.iloc[0]["Level"] == "error"
    assert "error" in row.iloc[0]["Problem"].lower()


def test_text_columns_in_any_string_storage_are_checked_alike():
    """pandas keeps text as objects or, once pyarrow is installed, as Arrow strings: the checks read both."""
    from kam_xl.sheets.datacheck import _is_text

    plain = pd.Series(["=SUM(A1)", None, 3.0], dtype=object)
    typed = pd.Series(["=SUM(A1)", None, "x"], dtype="string")
    assert _is_text(plain).tolist() == [True, False, False]
    assert _is_text(typed).tolist() == [True, False, True]


def test_a_body_about_to_be_written_is_checked_alike_with_its_dates_typed():
    """The import hands the grown Transactions body over with a datetime64 Date column: the check finds the same
    problems, at the same rows and with the same values, as in the body made of cell objects."""
    from kam_xl.sheets.checkbook import _as_read

    body = pd.DataFrame({"Date": pd.to_datetime([D(2024, 1, 2), D(2099, 1, 1), D(1985, 1, 1), None]).astype("M8[ns]"),
                         "Customer ID": ["C1", "C9", "=C1", None], "Document no": ["R-1", None, "#N/A", "R-4"],
                         "Amount": [100.0, 0.0, 5.0, None], "Margin": [120.0, 1.0, None, 2.0]})
    read = pd.DataFrame()
    read.attrs.update(row_word="row", header_row=1)
    typed = _as_read(body, read)
    cells = typed.astype(object)
    assert typed["Date"].dtype == "datetime64[ns]" and cells["Date"].dtype == object
    check = [data_check({"Transactions": frame, "Customers": CUSTOMERS}, as_of=dt.date(2025, 1, 1)) for frame in
             (typed, cells)]
    assert len(check[0]) >= 8 and check[0].equals(check[1])
    dates = check[0][check[0]["Column"] == "Date"]
    assert dates[["Sheet row", "Value", "Problem"]].values.tolist() == [
        [3, "2099-01-01", "date in the future"], [4, "1985-01-01", "date before 1990"],
        [5, "", "Date is empty"]]


def test_dates_a_nanosecond_date_cannot_hold_are_no_dates_not_a_crash():
    """pandas reads "-5" as the year -5 and keeps 0001-01-01 and 9999-12-31 in microseconds: such a cell is "not
    a date", never another date by wrapping round, and never stops the check."""
    body = pd.DataFrame({"Date": ["-5", "0001-01-01", "9999-12-31", "31.12.1850", D(2024, 1, 2)],
                         "Customer ID": ["C1"] * 5, "Document no": ["R-1", "R-2", "R-3", "R-4", "R-5"],
                         "Amount": [1.0] * 5, "Margin": [0.5] * 5}, dtype=object)
    check = data_check({"Transactions": body, "Customers": CUSTOMERS}, as_of=dt.date(2025, 1, 1))
    errors = check[(check["Column"] == "Date") & (check["Level"] == "error")]
    assert errors[["Value", "Problem"]].values.tolist() == [
        ["-5", "not a date"], ["0001-01-01", "not a date"], ["9999-12-31", "not a date"],
        ["31.12.1850", "date before 1990"]]
