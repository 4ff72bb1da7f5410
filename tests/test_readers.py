"""Reading and checking input tables: real files in tmp_path, one rule per test."""

from __future__ import annotations

import datetime as dt
import os
import zipfile

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from kam_xl import readers
from kam_xl.errors import InputError
from kam_xl.readers import TableError, complaints_frame, customers_frame, read_table, transactions_frame


def write(path, text: str, encoding: str = "utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def transactions(path, **options) -> pd.DataFrame:
    raw, source = read_table(path, sheet=options.pop("sheet", None), sep=options.pop("sep", None))
    return transactions_frame(raw, source, **options)


def error_of(call) -> str:
    with pytest.raises(InputError) as info:
        call()
    message = str(info.value)
    assert "\n" not in message
    return message


def workbook(path, sheets: dict[str, list[list]], tables: dict | None = None):
    """An .xlsx written by xlsxwriter: rows per sheet (None = empty cell), plus Excel tables."""
    import xlsxwriter

    book = xlsxwriter.Workbook(path)
    dated = book.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, dt.date):
                    sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), dated)
                elif isinstance(value, str) and value.startswith("#"):
                    sheet.write_formula(r, c, "=1/0", None, value)  # an error cell
                elif isinstance(value, str):
                    sheet.write_string(r, c, value)
                else:
                    sheet.write(r, c, value)
    for name, (sheet_name, first_cell, header, rows) in (tables or {}).items():
        sheet = book.get_worksheet_by_name(sheet_name) or book.add_worksheet(sheet_name)
        r0, c0 = first_cell
        sheet.add_table(r0, c0, r0 + len(rows), c0 + len(header) - 1,
                        {"name": name, "columns": [{"header": h} for h in header], "data": rows})
    book.close()
    return path


# --- CSV dialects ------------------------------------------------------------------------------------


def test_comma_csv_keeps_ids_as_text_with_leading_zeros(tmp_path):
    f = write(tmp_path / "tx.csv", "Customer ID,Date,Amount,Margin\n00042,2024-03-01,1234.5,300\n7,2024-03-02,-20,-5\n")
    frame = transactions(f)
    assert frame["customer_id"].tolist() == ["00042", "7"]
    assert frame["customer_id"].dtype == "str"
    assert frame["date"].dtype == "datetime64[ns]"
    assert frame["date"].tolist() == [pd.Timestamp("2024-03-01"), pd.Timestamp("2024-03-02")]
    assert frame["amount"].tolist() == [1234.5, -20.0]
    assert frame["margin"].tolist() == [300.0, -5.0]
    assert list(frame.index) == [0, 1]


def test_german_excel_export_semicolons_decimal_commas_windows_1252(tmp_path):
    text = ("Kundennummer;Name;Datum;Umsatz;Deckungsbeitrag\n"
            "00042;Müller GmbH;01.03.2024;1.234,50;123,45\n"
            "00043;Bäcker AG;15.04.24;99,90 €;10\n"
            "00044;Öl KG;02.05.2024;1.500;\n")
    frame = transactions(write(tmp_path / "umsatz.csv", text, "cp1252"))
    assert frame["customer_id"].tolist() == ["00042", "00043", "00044"]
    assert frame["date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-03-01", "2024-04-15", "2024-05-02"]
    assert frame["amount"].tolist() == [1234.5, 99.9, 1500.0]  # "1.500" in a decimal-comma column = 1500
    assert frame["margin"].iloc[:2].tolist() == [123.45, 10.0]
    assert np.isnan(frame["margin"].iloc[2])


def test_utf8_bom_and_tabs(tmp_path):
    f = tmp_path / "tx.csv"
    f.write_bytes(b"\xef\xbb\xbfCustomer\tDate\tAmount\nK\xc3\xb6ln-1\t2024-01-31\t10\n")
    frame = transactions(f)
    assert frame["customer_id"].tolist() == ["Köln-1"]
    raw, _ = read_table(f)
    assert list(raw.columns) == ["Customer", "Date", "Amount"]  # no BOM in the first header


def test_utf16_unicode_text_from_excel(tmp_path):
    f = tmp_path / "tx.txt"
    f.write_bytes("Customer\tDate\tAmount\r\n00042\t2024-01-31\t10\r\n".encode("utf-16"))
    assert transactions(f)["customer_id"].tolist() == ["00042"]


@pytest.mark.parametrize("sep, given", [("|", "|"), ("\t", "tab"), (";", ";"), (",", "comma")])
def test_separator_given_by_option(tmp_path, sep, given):
    lines = [["Customer", "Date", "Amount"], ["1", "2024-01-01", "5"]]
    f = write(tmp_path / "tx.csv", "".join(sep.join(line) + "\n" for line in lines))
    assert transactions(f, sep=given)["amount"].tolist() == [5.0]


def test_unknown_separator_is_refused(tmp_path):
    f = write(tmp_path / "tx.csv", "Customer:Date\n")
    assert "separator ':' is not supported" in error_of(lambda: read_table(f, sep=":"))


def test_sniffing_prefers_the_separator_that_splits_every_line_alike(tmp_path):
    f = write(tmp_path / "tx.csv", "Customer;Date;Amount, EUR\n1;2024-01-01;2,5\n2;2024-01-02;3,5\n")
    raw, _ = read_table(f)
    assert list(raw.columns) == ["Customer", "Date", "Amount, EUR"]


def test_excel_sep_hint_line(tmp_path):
    f = write(tmp_path / "tx.csv", "sep=;\nCustomer;Date;Amount\n1;2024-01-01;5,5\n1;2024-01-02;x\n")
    message = error_of(lambda: transactions(f))
    assert message.startswith(f"{f}, line 4 (Transactions data row 2), column Amount:")  # physical line, the sep= line counted


def test_blank_lines_are_skipped_and_line_numbers_stay_physical(tmp_path):
    f = write(tmp_path / "tx.csv", "\n\nCustomer,Date,Amount\n1,2024-01-01,5\n\n   \n2,2024-01-02,abc\n")
    message = error_of(lambda: transactions(f))
    assert message == (f'{f}, line 7 (Transactions data row 4), column Amount: expected a number, found "abc" — correct the cell or '
                       "delete the row.")


def test_quoted_line_break_counts_as_a_line(tmp_path):
    f = write(tmp_path / "tx.csv", 'Customer,Note,Date,Amount\n1,"two\nlines",2024-01-01,5\n2,x,2024-13-01,5\n')
    assert error_of(lambda: transactions(f)).startswith(f"{f}, line 4 (Transactions data row 2), column Date:")


@pytest.mark.parametrize("text, line", [
    ("Customer,Date,Amount\n1,2024-01-01,5\n2,2024-01-02,1,5\n", 3),
    ("\nsep=,\nCustomer,Date,Amount\n1,2024-01-01,5\n2,2024-01-02,1,5\n", 5),
    ('Customer,Date,Amount\n1,"two\nlines",5\n2,2024-01-02,1,5\n', 4),
])
def test_ragged_line_names_the_physical_line(tmp_path, text, line):
    f = write(tmp_path / "tx.csv", text)
    message = error_of(lambda: read_table(f))
    assert message.startswith(f"{f}, line {line}:") and "expected 3 cells" in message and "separator (,)" in message


def test_undecodable_text_is_named(tmp_path):
    f = tmp_path / "tx.csv"
    f.write_bytes(b"Customer,Date,Amount\n\x81\x8d,2024-01-01,5\n")
    message = error_of(lambda: read_table(f))
    assert "neither UTF-8 nor Windows-1252" in message and "line 2" in message


# --- Dates ------------------------------------------------------------------------------------------


def test_excel_serial_numbers_as_text(tmp_path):
    f = write(tmp_path / "tx.csv", "Customer,Date,Amount\n1,45352,5\n1,45352.75,5\n")
    assert transactions(f)["date"].tolist() == [pd.Timestamp("2024-03-01")] * 2


def test_eight_digit_numbers_read_as_yyyymmdd(tmp_path):
    f = write(tmp_path / "tx.csv", "Customer,Date,Amount\n1,20240301,5\n")
    assert transactions(f)["date"].tolist() == [pd.Timestamp("2024-03-01")]
    assert transactions(f, date_format="%Y%m%d")["date"].tolist() == [pd.Timestamp("2024-03-01")]


def test_date_format_for_slash_dates_and_iso_still_works(tmp_path):
    f = write(tmp_path / "tx.csv", "Customer,Date,Amount\n1,03/01/2024,5\n1,2024-03-02T10:30:00,5\n")
    assert transactions(f, date_format="%m/%d/%Y")["date"].tolist() == [pd.Timestamp("2024-03-01"),
                                                                        pd.Timestamp("2024-03-02")]


def test_slash_dates_without_a_format_ask_for_one(tmp_path):
    f = write(tmp_path / "tx.csv", "Customer,Date,Amount\n1,03/01/2024,5\n")
    message = error_of(lambda: transactions(f))
    assert message.startswith(f'{f}, line 2 (Transactions data row 1), column Date: expected a date') and '"03/01/2024"' in message
    assert "--date-format" in message


def test_slash_dates_whose_column_settles_the_order_need_no_format(tmp_path):
    us = write(tmp_path / "us.csv", "Customer,Date,Amount\n1,03/01/2024,5\n1,01/22/2024,5\n")   # 22 is a day
    assert transactions(us)["date"].tolist() == [pd.Timestamp("2024-03-01"), pd.Timestamp("2024-01-22")]
    uk = write(tmp_path / "uk.csv", "Customer,Date,Amount\n1,03/01/2024 10:15,5\n1,22/01/2024,5\n")
    assert transactions(uk)["date"].tolist() == [pd.Timestamp("2024-01-03"), pd.Timestamp("2024-01-22")]


def test_slash_dates_that_contradict_each_other_ask_for_a_format(tmp_path):
    f = write(tmp_path / "tx.csv", "Customer,Date,Amount\n1,22/01/2024,5\n1,01/22/2024,5\n")
    with pytest.raises(InputError, match="2 bad rows") as caught:
        transactions(f)
    assert str(caught.value).count("--date-format") == 2


def test_dates_outside_1900_to_2199_are_errors(tmp_path):
    f = write(tmp_path / "tx.csv", "Customer,Date,Amount\n1,2024-01-01,5\n1,2224-01-01,5\n")
    assert "expected a date from 1900 to 2199" in error_of(lambda: transactions(f))


@pytest.mark.parametrize("text", ["-5", "9999-12-31", "0001-01-01"])
def test_a_date_no_nanosecond_date_holds_is_refused_as_written_not_wrapped_round(tmp_path, text):
    """pandas parses these beyond datetime64[ns]: cast as they are, they would turn into dates of 1748 or 1816."""
    f = write(tmp_path / "tx.csv", f"Customer,Date,Amount\n1,2024-01-01,5\n1,{text},5\n")
    message = error_of(lambda: transactions(f))
    assert text in message and "1748" not in message and "1816" not in message


# --- Numbers ----------------------------------------------------------------------------------------


def test_english_thousands_and_currency_signs(tmp_path):
    f = write(tmp_path / "tx.csv", 'Customer,Date,Amount\n1,2024-01-01,"1,234.50"\n1,2024-01-01,$ 7.25\n'
                                   "1,2024-01-01,12\n")
    assert transactions(f)["amount"].tolist() == [1234.5, 7.25, 12.0]


def test_decimal_comma_far_down_the_column_still_sets_its_style(tmp_path):
    text = "Kunde;Datum;Betrag\n" + "1;01.02.2024;12\n" * 600 + "1;01.02.2024;1.234,50\n1;01.02.2024;1.500\n"
    assert transactions(write(tmp_path / "tx.csv", text))["amount"].tolist()[-3:] == [12.0, 1234.5, 1500.0]


@pytest.mark.parametrize("cells, amounts", [
    (["1,234", "1,234.50"], [1234.0, 1234.5]),  # English: the second cell decides
    (["1,234", "1.234,50"], [1.234, 1234.5]),  # German
    (["1,234"], [1.234]),  # alone: decimal comma
])
def test_one_comma_and_three_digits_follows_the_column(tmp_path, cells, amounts):
    f = write(tmp_path / "tx.csv", "Customer;Date;Amount\n" + "".join(f"1;2024-01-01;{c}\n" for c in cells))
    assert transactions(f)["amount"].tolist() == amounts


def test_decimal_point_in_a_decimal_comma_column_is_an_error(tmp_path):
    f = write(tmp_path / "tx.csv", "Customer;Date;Amount\n1;2024-01-01;12,5\n1;2024-01-01;1234.5\n")
    message = error_of(lambda: transactions(f))
    assert message.startswith(f"{f}, line 3 (Transactions data row 2), column Amount: expected a number written like the rest")


def test_non_numeric_amount_message(tmp_path):
    f = write(tmp_path / "transactions.csv", "Customer,Date,Amount\n" + "1,2024-01-01,5\n" * 15 + "1,2024-01-01,abc\n")
    assert error_of(lambda: transactions(f)) == (
        f'{f}, line 17 (Transactions data row 16), column Amount: expected a number, found "abc" — correct the cell or delete the row.')


def test_empty_amount_message(tmp_path):
    f = write(tmp_path / "tx.csv", "Customer,Date,Amount\n1,2024-01-01,\n")
    assert error_of(lambda: transactions(f)) == (
        f"{f}, line 2 (Transactions data row 1), column Amount: expected a number, found an empty cell — fill it in or delete the row.")


def test_first_bad_cell_of_a_row_from_the_left(tmp_path):
    f = write(tmp_path / "tx2.csv", "Customer,Date,Amount\n1,nodate,x\n")
    assert ", line 2 (Transactions data row 1), column Date:" in error_of(lambda: transactions(f))


def test_every_bad_row_is_reported_in_one_run_first_50_then_a_count(tmp_path):
    rows = ["1,2024-01-01,5"] * 10 + ["1,2024-01-01,x"] * 60 + ["1,nodate,5"] * 3
    f = write(tmp_path / "tx.csv", "Customer,Date,Amount\n" + "\n".join(rows) + "\n")
    with pytest.raises(readers.BadRowsError) as info:
        transactions(f)
    lines = str(info.value).split("\n")
    assert lines[0] == f"{f}: 63 bad rows — correct them, or pass --skip-bad-rows to leave them out:"
    assert lines[1] == ('  line 12 (Transactions data row 11), column Amount: expected a number, found "x" — correct '
                        "the cell or delete the row.")
    assert len(lines) == 1 + 50 + 1 and lines[-1] == "  … and 13 more."
    assert info.value.count == 63


def test_skip_bad_rows_leaves_them_out_and_counts_them(tmp_path):
    f = write(tmp_path / "tx.csv", "Customer,Date,Amount\n1,2024-01-01,x\n1,nodate,5\n2,2024-01-02,7\n\n")
    frame = transactions(f, skip_bad_rows=True)
    assert frame["amount"].tolist() == [7.0] and frame["customer_id"].tolist() == ["2"]
    assert frame.attrs["skipped_rows"] == 2
    assert frame.attrs["skipped_places"] == ["line 2 (Transactions data row 1), column Amount",
                                             "line 3 (Transactions data row 2), column Date"]


def test_blank_margin_column_means_no_profit_data(tmp_path):
    f = write(tmp_path / "tx.csv", "Customer,Date,Amount,Margin\n1,2024-01-01,5,\n2,2024-01-01,6,\n")
    assert "margin" not in transactions(f).columns


# --- Columns ----------------------------------------------------------------------------------------


def test_german_headers_and_spelling_variants_are_found(tmp_path):
    f = write(tmp_path / "tx.csv", " kunden-nr. ;BELEGDATUM;betrag\n1;2024-01-01;5\n")
    assert transactions(f)["amount"].tolist() == [5.0]


def test_missing_column_names_file_header_line_and_columns_found(tmp_path):
    f = write(tmp_path / "tx.csv", "Kunde,Datum,Wert\n1,2024-01-01,5\n")
    message = error_of(lambda: transactions(f))
    assert message.startswith(f"{f}, line 1: no column for the amount")
    assert '"Kunde", "Datum", "Wert"' in message and "--amount-col" in message


def test_named_column_is_used_and_a_wrong_name_reported(tmp_path):
    f = write(tmp_path / "tx.csv", "Kunde,Datum,Wert\n1,2024-01-01,5\n")
    assert transactions(f, amount_col="wert")["amount"].tolist() == [5.0]
    assert 'no column "Value" for the amount' in error_of(lambda: transactions(f, amount_col="Value"))


def test_one_column_found_suggests_the_separator(tmp_path):
    f = write(tmp_path / "tx.csv", "Customer:Date:Amount\n1:2024-01-01:5\n")
    assert "pass --sep" in error_of(lambda: transactions(f))


def test_two_columns_with_the_same_name(tmp_path):
    f = write(tmp_path / "tx.csv", "Customer,Date,Amount,Amount\n1,2024-01-01,5,6\n")
    assert 'two columns are named "Amount" (columns C and D)' in error_of(lambda: transactions(f))


# --- Workbooks --------------------------------------------------------------------------------------


def test_xlsx_sheet_numeric_ids_date_cells_and_serials(tmp_path):
    f = workbook(tmp_path / "tx.xlsx", {"Info": [["read me"]], "Data": [
        [None], ["Customer", "Date", "Amount"],
        ["00042", dt.date(2024, 3, 1), 5], [42, 45352, "7,5"], [42.0, "2024-03-02", 1.5]]})
    frame = transactions(f, sheet="data")  # sheet names ignore case, as in Excel
    assert frame["customer_id"].tolist() == ["00042", "42", "42"]
    assert frame["date"].tolist() == [pd.Timestamp("2024-03-01")] * 2 + [pd.Timestamp("2024-03-02")]
    assert frame["amount"].tolist() == [5.0, 7.5, 1.5]


def test_xlsx_rows_are_sheet_rows(tmp_path):
    f = workbook(tmp_path / "tx.xlsx", {"Data": [[None], [None, "Customer", "Date", "Amount"],
                                                 [None, "1", dt.date(2024, 3, 1), "abc"]]})
    assert error_of(lambda: transactions(f, sheet="Data")).startswith(f"{f}, sheet Data, row 3 (Transactions data row 1), column Amount:")


def test_excel_table_by_name_reports_sheet_rows(tmp_path):
    f = workbook(tmp_path / "book.xlsx", {"Notes": [["x"]]},
                 tables={"Sales": ("Data", (4, 2), ["Customer", "Date", "Amount"],
                                   [["00042", 45352, 5], ["7", 45353, "oops"]])})
    raw, source = read_table(f, sheet="Sales")
    assert source == f"{f}, table Sales (sheet Data)"
    assert list(raw.index) == [6, 7]  # header in sheet row 5
    assert error_of(lambda: transactions_frame(raw, source)).startswith(f"{source}, row 7 (Transactions data row 2), column Amount:")


def test_workbook_default_is_the_transactions_table(tmp_path):
    f = workbook(tmp_path / "KeyAccounts.xlsx", {"Start": [["Welcome"]]},
                 tables={"Transactions": ("Transactions", (0, 0), ["Date", "Customer", "Amount"],
                                          [[45352, "00042", 5]])})
    raw, source = read_table(f, default_names=("Transactions",))
    assert source.endswith("table Transactions (sheet Transactions)")
    assert transactions_frame(raw, source)["customer_id"].tolist() == ["00042"]


def test_error_cells_count_as_missing(tmp_path):
    f = workbook(tmp_path / "tx.xlsx", {"Data": [["Customer", "Date", "Amount"], ["1", 45352, "#N/A"]]})
    message = error_of(lambda: transactions(f))
    assert message == (f"{f}, sheet Data, row 2 (Transactions data row 1), column Amount: expected a number, found an empty cell or an "
                       "Excel error such as #N/A — fill it in or delete the row.")


def test_unknown_sheet_lists_sheets_and_tables(tmp_path):
    f = workbook(tmp_path / "tx.xlsx", {"Data": [["a"]]}, tables={"Sales": ("Data", (3, 0), ["Customer"], [["1"]])})
    message = error_of(lambda: read_table(f, sheet="Umsatz"))
    assert message == f'{f}: no sheet or table named "Umsatz"; sheets: Data; tables: Sales — name one of these.'


HEADERS = readers.transaction_headers()


def test_title_rows_above_the_header_are_skipped_and_rows_stay_sheet_rows(tmp_path):
    f = workbook(tmp_path / "tx.xlsx", {"Report": [["Sales report 2024"], ["exported 2024-12-31"], [None],
                                                   ["Customer", "Date", "Amount"], ["7", dt.date(2024, 3, 1), 5],
                                                   ["8", dt.date(2024, 3, 2), "abc"]]})
    raw, source = read_table(f, headers=HEADERS)
    assert list(raw.columns) == ["Customer", "Date", "Amount"] and list(raw.index) == [5, 6]
    assert error_of(lambda: transactions_frame(raw, source)).startswith(
        f"{f}, sheet Report, row 6 (Transactions data row 2), column Amount:")


def test_data_on_a_later_sheet_is_found_by_its_headers(tmp_path):
    f = workbook(tmp_path / "tx.xlsx", {"Cover": [["Quarterly figures"], ["see sheet 2"]],
                                        "Umsätze": [[None], ["Kunde", "Datum", "Betrag"], ["7", dt.date(2024, 3, 1), 5]]})
    raw, source = read_table(f, headers=HEADERS)
    assert source == f"{f}, sheet Umsätze"
    assert transactions_frame(raw, source)["amount"].tolist() == [5.0]


def test_data_in_a_named_table_is_found_by_its_headers_or_by_name(tmp_path):
    f = workbook(tmp_path / "tx.xlsx", {"Cover": [["Title"]]},
                 tables={"SalesTbl": ("Report", (6, 1), ["Customer", "Date", "Amount"], [["7", 45352, 5]])})
    raw, source = read_table(f, headers=HEADERS)
    assert source == f"{f}, table SalesTbl (sheet Report)" and list(raw.index) == [8]
    assert read_table(f, sheet="salestbl")[1] == source


def test_no_sheet_with_the_headers_lists_sheets_and_tables_and_points_at_sheet(tmp_path):
    f = workbook(tmp_path / "tx.xlsx", {"Cover": [["Title"]], "Data": [["Name", "When", "Value"], ["a", 1, 2]]},
                 tables={"Other": ("Data", (5, 0), ["x", "y"], [[1, 2]])})
    message = error_of(lambda: read_table(f, headers=HEADERS))
    assert message == (f'{f}: no sheet or table has a header row with the "Customer ID", "Date" and "Amount" '
                       "columns in its top 20 rows; sheets: Cover, Data; tables: Other — name the one with the data "
                       "with --sheet.")


def test_a_header_below_row_20_is_not_searched(tmp_path):
    f = workbook(tmp_path / "tx.xlsx", {"Data": [["note"]] * 20 + [["Customer", "Date", "Amount"]]})
    assert "no sheet or table has a header row" in error_of(lambda: read_table(f, headers=HEADERS))


def test_empty_sheet(tmp_path):
    f = workbook(tmp_path / "tx.xlsx", {"Data": [["a"]], "Leer": []})
    assert "the sheet is empty" in error_of(lambda: read_table(f, sheet="Leer"))


def test_sheet_name_for_a_csv_is_refused(tmp_path):
    f = write(tmp_path / "tx.csv", "Customer,Date,Amount\n")
    assert "has no sheets" in error_of(lambda: read_table(f, sheet="Data"))


# --- Files that are not tables ----------------------------------------------------------------------


@pytest.mark.parametrize("name, content, expected", [
    ("tx.csv", b"\x89PNG\r\n\x1a\n" + bytes(100), "is a PNG image"),
    ("tx.csv", bytes(range(256)) * 4, "is binary data"),
    ("tx.csv", b"%PDF-1.7\n...", "is a PDF document"),
    ("tx.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "Excel 97-2003 workbook (.xls)"),
    ("tx.xlsx", b"PK\x03\x04 not really a zip", "damaged"),
])
def test_binary_files_are_refused(tmp_path, name, content, expected):
    f = tmp_path / name
    f.write_bytes(content)
    assert expected in error_of(lambda: read_table(f))


def test_zip_that_is_not_a_workbook(tmp_path):
    f = tmp_path / "tx.xlsx"
    with zipfile.ZipFile(f, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert "is a ZIP archive, not an Excel workbook" in error_of(lambda: read_table(f))


@pytest.mark.parametrize("content", [b"", b"  \r\n\n"])
def test_empty_file(tmp_path, content):
    f = tmp_path / "tx.csv"
    f.write_bytes(content)
    assert error_of(lambda: read_table(f)) == (
        f"{f}: the file is empty — export the table again, with a header row and its data.")


def test_header_without_rows_has_no_transactions(tmp_path):
    f = write(tmp_path / "tx.csv", "Customer,Date,Amount\n")
    raw, _ = read_table(f)
    assert raw.empty
    assert error_of(lambda: transactions(f)).startswith(f"{f}, line 1: has no transactions")


def test_missing_file_and_folder(tmp_path):
    assert error_of(lambda: read_table(tmp_path / "nope.csv")).endswith("no such file — check the path and the "
                                                                        "file name.")
    assert "is a folder" in error_of(lambda: read_table(tmp_path))


def test_errors_are_table_errors_with_place():
    err = TableError("expected a number", source="tx.csv", row=17, column="Amount", row_word="line")
    assert isinstance(err, InputError) and (err.source, err.row, err.column) == ("tx.csv", 17, "Amount")
    assert str(err) == "tx.csv, line 17, column Amount: expected a number"


# --- Customers and complaints -----------------------------------------------------------------------


def test_customers_flags_budget_override_and_other_columns(tmp_path):
    f = write(tmp_path / "customers.csv",
              "Kunde;Name;Bekannte Marke;Hohe Anforderungen;Budget;Schlüsselkunde\n"
              "00042;Müller;ja;x;80.000,00;\n"
              "00043;Meier;nein;;;ja\n"
              "00044;Schulz;;0;1000;no\n")
    raw, source = read_table(f)
    frame = customers_frame(raw, source)
    assert list(frame.columns) == ["customer_id", "known_brand", "high_demands", "budget",
                                   "key_account_override", "Name"]
    assert frame["known_brand"].tolist() == [True, False, False]
    assert frame["high_demands"].tolist() == [True, False, False]
    assert frame["budget"].iloc[0] == 80000.0 and np.isnan(frame["budget"].iloc[1])
    assert frame["key_account_override"].tolist() == ["", "yes", "no"]
    assert frame["Name"].tolist() == ["Müller", "Meier", "Schulz"]


def test_customers_from_a_workbook_with_boolean_cells(tmp_path):
    f = workbook(tmp_path / "c.xlsx", {"Customers": [["Customer ID", "Known Brand", "High Demands"],
                                                     [42, True, 1], ["00043", False, None]]})
    raw, source = read_table(f, default_names=("Customers",))
    frame = customers_frame(raw, source)
    assert frame["customer_id"].tolist() == ["42", "00043"]
    assert frame["known_brand"].tolist() == [True, False] and frame["high_demands"].tolist() == [True, False]


def test_bad_flag_is_named(tmp_path):
    f = write(tmp_path / "customers.csv", "Customer,Known Brand\n1,maybe\n")
    raw, source = read_table(f)
    assert error_of(lambda: customers_frame(raw, source)).startswith(
        f'{f}, line 2 (Customers data row 1), column Known Brand: expected yes or no (also true/false, 1/0, x, ja/nein, or blank), '
        'found "maybe"')


def test_customer_listed_twice(tmp_path):
    f = write(tmp_path / "customers.csv", "Customer,Name\n00042,A\n7,B\n00042,C\n")
    raw, source = read_table(f)
    assert error_of(lambda: customers_frame(raw, source)) == (
        f'{f}, line 4 (Customers data row 3), column Customer: customer "00042" appears twice (lines 2 and 4) — keep one row per customer.')


def test_customer_row_with_a_name_but_no_id(tmp_path):
    f = write(tmp_path / "customers.csv", "Customer,Name\n1,A\n,B\n")
    raw, source = read_table(f)
    assert error_of(lambda: customers_frame(raw, source)).startswith(
        f"{f}, line 3 (Customers data row 2), column Customer: expected a customer id, found an empty cell")


def test_complaints_with_and_without_category_and_severity(tmp_path):
    f = write(tmp_path / "complaints.csv", "Datum,Kunde,Kategorie\n2024-01-05,00042,Lieferung\n2024-01-06,7,\n")
    raw, source = read_table(f)
    frame = complaints_frame(raw, source)
    assert list(frame.columns) == ["customer_id", "date", "category", "severity"]
    assert frame["customer_id"].tolist() == ["00042", "7"]
    assert frame["category"].tolist() == ["Lieferung", ""] and frame["severity"].tolist() == ["", ""]


def test_has_column_ignores_case_and_punctuation(tmp_path):
    raw, _ = read_table(write(tmp_path / "tx.csv", "Kd.-Nr.,Date\n"))
    assert readers.has_column(raw, "kd nr") and not readers.has_column(raw, "Kunde")


# --- Properties -------------------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(ids=st.lists(st.text(alphabet="0123456789", min_size=1, max_size=12), min_size=1, max_size=20),
       amounts=st.lists(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), min_size=1, max_size=20))
def test_ids_and_amounts_survive_a_csv_round_trip(tmp_path_factory, ids, amounts):
    n = min(len(ids), len(amounts))
    f = tmp_path_factory.mktemp("rt") / "tx.csv"
    f.write_text("Customer,Date,Amount\n" + "".join(f"{i},2024-01-01,{a!r}\n" for i, a in zip(ids[:n], amounts[:n])))
    frame = transactions(f)
    assert frame["customer_id"].tolist() == ids[:n]
    assert frame["amount"].tolist() == amounts[:n]


@settings(max_examples=30, deadline=None)
@given(cents=st.lists(st.integers(min_value=-10 ** 11, max_value=10 ** 11), min_size=1, max_size=20))
def test_german_amounts_round_trip(tmp_path_factory, cents):
    def german(c: int) -> str:
        sign, c = ("-" if c < 0 else ""), abs(c)
        return f"{sign}{c // 100:,}".replace(",", ".") + f",{c % 100:02d}"

    f = tmp_path_factory.mktemp("de") / "tx.csv"
    f.write_text("Kunde;Datum;Betrag\n" + "".join(f"1;01.02.2024;{german(c)}\n" for c in cents))
    assert transactions(f)["amount"].tolist() == pytest.approx([c / 100 for c in cents])


def test_raw_frame_keeps_values_as_read(tmp_path):
    raw, source = read_table(write(tmp_path / "tx.csv", "Customer,Date,Amount\n00042, 2024-01-01 ,1.0\n"))
    assert source == os.fspath(tmp_path / "tx.csv")
    assert raw.iloc[0].tolist() == ["00042", " 2024-01-01 ", "1.0"]
    assert raw.attrs["row_word"] == "line" and raw.attrs["header_row"] == 1


# --- Parquet -----------------------------------------------------------------------------------------


def test_analyze_reads_a_parquet_export_into_the_same_table_as_the_same_data_as_csv(tmp_path):
    """A data-lake export: typed columns (text ids, dates, numbers), other column names, the column options."""
    import fastparquet

    from kam_xl.cli import main

    assert main(["demo", "--customers", "40", "--seed", "3", "--out", str(tmp_path)]) == 0
    names = {"customer_id": "Kunde", "date": "Datum", "document_no": "Beleg", "amount": "Betrag", "margin": "Marge"}
    data = pd.read_csv(tmp_path / "transactions.csv", dtype={"customer_id": object, "document_no": object},
                       parse_dates=["date"]).rename(columns=names)
    data.to_csv(tmp_path / "tx.csv", index=False)
    fastparquet.write(str(tmp_path / "tx.parquet"), data)
    options = ["--customer-col", "Kunde", "--date-col", "Datum", "--amount-col", "Betrag", "--margin-col", "Marge",
               "--as-of", "2026-06-30"]
    for source in ("tx.csv", "tx.parquet"):
        assert main(["analyze", str(tmp_path / source), *options, "--out", str(tmp_path / f"{source}.out.csv")]) == 0
    expected = (tmp_path / "tx.csv.out.csv").read_bytes()
    assert (tmp_path / "tx.parquet.out.csv").read_bytes() == expected
    assert expected.count(b"\n") > 30  # a real table, not two empty ones


def test_a_bad_value_in_a_parquet_file_names_the_data_row_and_column(tmp_path):
    import fastparquet

    path = tmp_path / "tx.parquet"
    fastparquet.write(str(path), pd.DataFrame({"customer_id": ["C1", "C2"], "amount": ["12.5", "abc"],
                                               "date": pd.to_datetime(["2026-01-05", "2026-01-06"])}))
    message = error_of(lambda: transactions(path))
    assert message.startswith(f"{path}, row 2") and "column amount" in message and '"abc"' in message


def test_a_damaged_parquet_file_is_named_in_one_line(tmp_path):
    path = tmp_path / "tx.parquet"
    path.write_bytes(b"PAR1" + b"\x00" * 50 + b"PAR1")
    assert error_of(lambda: read_table(path)).startswith(f"{path}: cannot be read as Parquet (")
