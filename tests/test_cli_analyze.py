"""`kam-xl analyze`: every input error is one line and exit code 2; outputs keep ids as text."""

from __future__ import annotations

import json
import sys
import types
import zipfile

import numpy as np
import pandas as pd
import pytest

from kam_xl import cli
from kam_xl.commands import analyze as command
from kam_xl.core import schema
from kam_xl.core.settings import Settings, field_names

TX = "Customer ID,Date,Amount,Margin\n00042,2024-01-05,100,30\n00042,2024-02-05,150,40\n7,2024-02-10,500,100\n"


@pytest.fixture
def kam(monkeypatch, capsys):
    """Run `kam-xl ARGS` in-process; returns (exit code, stdout, stderr). Only this subcommand is loaded."""
    monkeypatch.setattr(cli, "COMMANDS", {"analyze": "analyze"})

    def run(*argv):
        code = cli.main(["analyze", *map(str, argv)])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def fake_analysis(monkeypatch):
    """A stand-in for kam_xl.core.analysis that records its inputs and returns a fixed table."""
    calls = {}

    def analyze(transactions, customers=None, complaints=None, settings=None, as_of=None):
        calls.update(transactions=transactions, customers=customers, complaints=complaints, settings=settings,
                     as_of=as_of)
        table = pd.DataFrame({name: [np.nan, np.nan, np.nan] for name in schema.ANALYSIS_COLUMNS})
        table["customer_id"] = pd.array(["00042", "=1+1", "@SUM(A1)"], dtype="str")
        table["revenue"] = [250.0, 500.0, 0.5]
        table["abc"] = ["B", "A", "C"]
        table["types"] = [["Breadwinner", "Expert"], [], ["Prospect"]]
        table["key_account"] = [True, True, False]
        table["first_purchase"] = pd.to_datetime(["2024-01-05", "2024-02-10", None])
        table["purchase_days"] = [2, 1, 0]
        return table

    module = types.ModuleType("kam_xl.core.analysis")
    module.analyze = analyze
    monkeypatch.setitem(sys.modules, "kam_xl.core.analysis", module)
    return calls


def one_line(err: str) -> str:
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


# --- Errors: exit code 2, one line naming file, line/row and column ----------------------------------


def test_missing_column(kam, tmp_path):
    f = tmp_path / "tx.csv"
    f.write_text("Kunde,Datum,Wert\n1,2024-01-01,5\n")
    code, out, err = kam(f)
    assert code == 2 and out == ""
    assert one_line(err).startswith(f"kam-xl analyze: {f}, line 1: no column for the amount")
    assert '"Wert"' in err and "--amount-col" in err


def test_non_numeric_amount(kam, tmp_path):
    f = tmp_path / "transactions.csv"
    f.write_text("Customer,Date,Amount\n" + "1,2024-01-01,5\n" * 15 + "1,2024-01-01,abc\n")
    code, _, err = kam(f)
    assert code == 2
    assert one_line(err) == (f'kam-xl analyze: {f}, line 17 (Transactions data row 16), column Amount: expected a number, found "abc" — '
                             "correct the cell or delete the row.\n")


def test_unparsable_date(kam, tmp_path):
    f = tmp_path / "tx.csv"
    f.write_text("Customer;Datum;Betrag\n1;31.02.2024;5\n")
    code, _, err = kam(f)
    assert code == 2
    assert one_line(err).startswith(f'kam-xl analyze: {f}, line 2 (Transactions data row 1), column Datum: expected a date')
    assert '"31.02.2024"' in err


def test_unparsable_date_in_a_workbook_names_sheet_and_row(kam, tmp_path):
    import xlsxwriter

    f = tmp_path / "tx.xlsx"
    book = xlsxwriter.Workbook(f)
    sheet = book.add_worksheet("Umsätze")
    sheet.write_row(0, 0, ["Customer", "Date", "Amount"])
    sheet.write_row(1, 0, ["1", "soon", 5])
    book.close()
    code, _, err = kam(f)
    assert code == 2
    assert one_line(err).startswith(f"kam-xl analyze: {f}, sheet Umsätze, row 2 (Transactions data row 1), column Date: expected a date")


def test_empty_file(kam, tmp_path):
    f = tmp_path / "tx.csv"
    f.write_bytes(b"")
    code, _, err = kam(f)
    assert code == 2
    assert one_line(err) == (f"kam-xl analyze: {f}: the file is empty — export the table again, with a header row "
                             "and its data.\n")


def test_header_only_file(kam, tmp_path):
    f = tmp_path / "tx.csv"
    f.write_text("Customer,Date,Amount\n")
    code, _, err = kam(f)
    assert code == 2 and one_line(err).startswith(f"kam-xl analyze: {f}, line 1: has no transactions")


def test_unknown_sheet(kam, tmp_path):
    import xlsxwriter

    f = tmp_path / "tx.xlsx"
    book = xlsxwriter.Workbook(f)
    book.add_worksheet("Data").write_row(0, 0, ["Customer", "Date", "Amount"])
    book.close()
    code, _, err = kam(f, "--sheet", "Sales")
    assert code == 2
    assert one_line(err) == (f'kam-xl analyze: {f}: no sheet or table named "Sales"; sheets: Data; tables: none'
                             " — name one of these.\n")


@pytest.mark.parametrize("content, what", [(b"\x89PNG\r\n\x1a\n" + bytes(64), "a PNG image"),
                                           (bytes(range(256)), "binary data")])
def test_binary_file(kam, tmp_path, content, what):
    f = tmp_path / "tx.csv"
    f.write_bytes(content)
    code, _, err = kam(f)
    assert code == 2 and one_line(err).startswith(f"kam-xl analyze: {f}: is {what}, not a table")


def test_zip_that_is_not_a_workbook(kam, tmp_path):
    f = tmp_path / "tx.xlsx"
    with zipfile.ZipFile(f, "w") as archive:
        archive.writestr("a.txt", "a")
    code, _, err = kam(f)
    assert code == 2 and "is a ZIP archive, not an Excel workbook" in one_line(err)


def test_missing_file(kam, tmp_path):
    code, _, err = kam(tmp_path / "nope.csv")
    assert code == 2
    assert one_line(err) == (f"kam-xl analyze: {tmp_path / 'nope.csv'}: no such file — check the path and the "
                             "file name.\n")


def test_bad_customers_file_is_named(kam, tmp_path):
    tx, customers = tmp_path / "tx.csv", tmp_path / "customers.csv"
    tx.write_text(TX)
    customers.write_text("Customer ID,Known Brand\n00042,perhaps\n")
    code, _, err = kam(tx, "--customers", customers)
    assert code == 2 and one_line(err).startswith(f"kam-xl analyze: {customers}, line 2 (Customers data row 1), column Known Brand:")


def test_setting_out_of_range_uses_the_settings_message(kam, tmp_path):
    f = tmp_path / "tx.csv"
    f.write_text(TX)
    code, _, err = kam(f, "--a-share", "2")
    assert code == 2 and one_line(err) == "kam-xl analyze: --a-share: expected a number from 0 to 1, found 2.0\n"


def test_bad_as_of(kam, tmp_path):
    f = tmp_path / "tx.csv"
    f.write_text(TX)
    code, _, err = kam(f, "--as-of", "31.12.2024")
    assert code == 2 and one_line(err).startswith('kam-xl analyze: --as-of: expected a date YYYY-MM-DD')


def test_xlsx_needs_out(kam, tmp_path):
    f = tmp_path / "tx.csv"
    f.write_text(TX)
    code, out, err = kam(f, "--format", "xlsx")
    assert code == 2 and out == "" and "--out" in one_line(err)


def test_out_folder_must_exist(kam, tmp_path):
    f = tmp_path / "tx.csv"
    f.write_text(TX)
    code, _, err = kam(f, "--out", tmp_path / "no" / "such" / "r.csv")
    assert code == 2 and "does not exist" in one_line(err)


# --- Options ----------------------------------------------------------------------------------------


def analyze_help() -> str:
    return cli.build_parser()._subparsers._group_actions[0].choices["analyze"].format_help()


def test_every_setting_the_analysis_uses_is_an_option_with_its_help():
    help_text = analyze_help()
    for name in set(field_names()) - set(command._NOT_IN_ANALYZE):
        assert f"--{name.replace('_', '-')}" in help_text


def test_help_leaves_out_workbook_only_settings_and_shows_choices():
    help_text = " ".join(analyze_help().split())
    for option in ("--language", "--winback-at-risk", "--winback-due-days", "--key-share-low", "--key-share-high"):
        assert option not in help_text
    assert "act only in the workbook" in help_text
    assert "--xyz-method {cv,frequency}" in help_text and "--abc-value {revenue,profit}" in help_text
    assert "TEXT" not in help_text


def test_settings_as_of_and_inputs_reach_the_analysis(kam, tmp_path, fake_analysis):
    tx, customers, complaints = tmp_path / "tx.csv", tmp_path / "customers.csv", tmp_path / "complaints.csv"
    tx.write_text("Kd-Nr;Datum;Umsatz;DB\n00042;05.01.2024;100,5;30\n")
    customers.write_text("Kd-Nr,Known Brand\n00042,yes\n")
    complaints.write_text("Customer,Date,Category\n00042,2024-01-07,Delivery\n")  # no Kd-Nr column here
    code, _, err = kam(tx, "--customers", customers, "--complaints", complaints, "--customer-col", "Kd-Nr",
                       "--a-share", "0.7", "--abc-value", "profit",
                       "--abc-months", "24", "--as-of", "2024-06-30")
    assert code == 0, err
    assert fake_analysis["settings"] == Settings(a_share=0.7, abc_value="profit", abc_months=24)
    assert fake_analysis["as_of"] == pd.Timestamp("2024-06-30")
    assert fake_analysis["transactions"].to_dict("list") == {
        "customer_id": ["00042"], "date": [pd.Timestamp("2024-01-05")], "amount": [100.5], "margin": [30.0]}
    assert fake_analysis["customers"]["known_brand"].tolist() == [True]
    assert fake_analysis["complaints"]["category"].tolist() == ["Delivery"]


def test_defaults_give_default_settings(kam, tmp_path, fake_analysis):
    f = tmp_path / "tx.csv"
    f.write_text(TX)
    assert kam(f)[0] == 0
    assert fake_analysis["settings"] == Settings() and fake_analysis["as_of"] is None
    assert fake_analysis["customers"] is None and fake_analysis["complaints"] is None


# --- Output -----------------------------------------------------------------------------------------


def test_csv_to_stdout_keeps_ids_as_text_and_formula_looking_text_as_text(kam, tmp_path, fake_analysis):
    f = tmp_path / "tx.csv"
    f.write_text(TX)
    code, out, _ = kam(f)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == ",".join(schema.ANALYSIS_COLUMNS)
    assert lines[1].startswith("00042,250.0,")
    assert '"Breadwinner, Expert"' in lines[1] and ",2024-01-05," in lines[1]
    back = pd.read_csv(pd.io.common.StringIO(out), dtype=str, keep_default_na=False)
    assert back["customer_id"].tolist() == ["00042", "'=1+1", "'@SUM(A1)"]   # Excel shows them as text


def test_json_records(kam, tmp_path, fake_analysis):
    f = tmp_path / "tx.csv"
    f.write_text(TX)
    code, out, _ = kam(f, "--format", "json")
    records = json.loads(out)
    assert code == 0 and list(records[0]) == schema.ANALYSIS_COLUMNS
    assert records[0]["customer_id"] == "00042" and records[0]["first_purchase"] == "2024-01-05"
    assert records[0]["types"] == ["Breadwinner", "Expert"] and records[0]["key_account"] is True
    assert records[2]["first_purchase"] is None and records[0]["cv"] is None


def test_xlsx_stores_formula_looking_text_as_text(kam, tmp_path, fake_analysis):
    import openpyxl

    f, out = tmp_path / "tx.csv", tmp_path / "result.xlsx"
    f.write_text(TX)
    code, stdout, err = kam(f, "--out", out)  # format from the suffix
    assert code == 0 and stdout == "", err
    sheet = openpyxl.load_workbook(out).active
    assert [c.value for c in sheet[1]] == schema.ANALYSIS_COLUMNS
    ids = [sheet.cell(r, 1) for r in (2, 3, 4)]
    assert [c.value for c in ids] == ["00042", "=1+1", "@SUM(A1)"]
    assert [c.data_type for c in ids] == ["s", "s", "s"]
    assert sheet.cell(2, 2).value == 250 and sheet.cell(2, 11).value == "Breadwinner, Expert"
    assert sheet.cell(2, 14).value.date().isoformat() == "2024-01-05"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result.xlsx", "tx.csv"]  # no temporary file left


def test_out_replaces_a_file_whole_or_not_at_all(kam, tmp_path, fake_analysis, monkeypatch):
    f, out = tmp_path / "tx.csv", tmp_path / "result.csv"
    f.write_text(TX)
    out.write_text("previous result\n")

    def half_then_fail(result, path):
        with open(path, "w") as stream:
            stream.write("customer_id,rev")
        raise OSError("disk full")

    monkeypatch.setitem(command.WRITERS, "csv", half_then_fail)
    code, _, err = kam(f, "--out", out)
    assert code == 2
    assert one_line(err) == f"kam-xl analyze: {out}: cannot be written (disk full) — check the disk and the path.\n"
    assert out.read_text() == "previous result\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result.csv", "tx.csv"]


def test_out_csv_file(kam, tmp_path, fake_analysis):
    f, out = tmp_path / "tx.csv", tmp_path / "result.csv"
    f.write_text(TX)
    out.write_text("old")
    code, stdout, _ = kam(f, "--out", out)
    assert code == 0 and stdout == ""
    assert out.read_text().splitlines()[1].startswith("00042,")


# --- End to end with the real analysis ---------------------------------------------------------------


def test_end_to_end_small_dataset(kam, tmp_path):
    pytest.importorskip("kam_xl.core.analysis")
    import xlsxwriter

    tx = tmp_path / "umsatz.csv"
    tx.write_text("Kunde;Datum;Umsatz;Marge\n" + "".join(
        f"{cid};{day:02d}.{month:02d}.2024;{amount};{amount // 4}\n"
        for cid, amount in (("00042", 900), ("00007", 100), ("0815", 40))
        for month in range(1, 13) for day in (3, 17)))
    customers = tmp_path / "customers.xlsx"
    book = xlsxwriter.Workbook(customers)
    sheet = book.add_worksheet("Customers")
    sheet.write_row(0, 0, ["Customer ID", "Name", "Known Brand", "Budget"])
    sheet.write_row(1, 0, ["00042", "Big AG", "no", 0])
    sheet.write_row(2, 0, ["0815", "Famous GmbH", "yes", 0])
    sheet.write_row(3, 0, ["00099", "New KG", "no", 90000])
    book.close()
    complaints = tmp_path / "complaints.csv"
    complaints.write_text("Customer,Date,Category\n00007,2024-12-01,Delivery\n00007,2024-12-10,Quality\n")

    code, out, err = kam(tx, "--customers", customers, "--complaints", complaints, "--format", "json")
    assert code == 0, err
    records = json.loads(out)
    assert list(records[0]) == schema.ANALYSIS_COLUMNS
    by_id = {r["customer_id"]: r for r in records}
    assert set(by_id) == {"00042", "00007", "0815", "00099"}  # ids kept as text, leading zeros and all
    assert by_id["00042"]["abc"] == "A" and by_id["00042"]["revenue"] == 900 * 24
    assert by_id["00042"]["last_purchase"] == "2024-12-17"

    code, out, err = kam(tx, "--customers", customers, "--out", tmp_path / "result.csv")
    assert code == 0, err
    table = pd.read_csv(tmp_path / "result.csv", dtype={"customer_id": str})
    assert list(table.columns) == schema.ANALYSIS_COLUMNS
    assert set(table["customer_id"]) == {"00042", "00007", "0815", "00099"}


def test_a_keyaccounts_workbook_lends_its_tables_and_settings(tmp_path, capsys):
    import openpyxl

    book = tmp_path / "demo.xlsm"
    assert cli.main(["demo", "--customers", "80", "--out", str(tmp_path / "d"), "--workbook", str(book)]) == 0
    capsys.readouterr()
    assert cli.main(["analyze", str(book), "--format", "json"]) == 0
    got = pd.DataFrame(json.loads(capsys.readouterr().out))
    sheet = openpyxl.load_workbook(book, data_only=True, read_only=True)["Analysis"]
    rows = list(sheet.iter_rows(values_only=True))
    cached = pd.DataFrame(rows[1:], columns=rows[0])
    for col in ("customer_id", "abc", "types", "key_account", "churn"):
        assert got[col].fillna("").tolist() == cached[col].fillna("").tolist(), col  # customers + complaints used

    changed = tmp_path / "changed.xlsx"  # a test input: openpyxl may rewrite it freely
    wb = openpyxl.load_workbook(book)
    settings = wb["Settings"]
    row = next(r for r in settings.iter_rows() if r[0].value == "a_share")
    row[1].value = 0.5
    wb.save(changed)
    assert cli.main(["analyze", str(changed), "--format", "json"]) == 0
    half = pd.DataFrame(json.loads(capsys.readouterr().out))
    assert (half["abc"] == "A").sum() < (got["abc"] == "A").sum()  # the workbook's a_share counts
    assert cli.main(["analyze", str(changed), "--format", "json", "--a-share", "0.8"]) == 0
    override = pd.DataFrame(json.loads(capsys.readouterr().out))
    assert override["abc"].tolist() == got["abc"].tolist()  # the option beats the workbook


# --- Bad rows, as-of, ids, rounding, formats (issue 7) -------------------------------------------------


def test_every_bad_row_is_listed_in_one_run_and_exit_2(kam, tmp_path):
    f = tmp_path / "tx.csv"
    f.write_text("Customer,Date,Amount\n1,2024-01-01,5\n1,2024-01-02,abc\n2,nodate,5\n3,2024-01-03,\n")
    code, out, err = kam(f)
    lines = err.splitlines()
    assert code == 2 and out == "" and "Traceback" not in err
    assert lines[0] == f"kam-xl analyze: {f}: 3 bad rows — correct them, or pass --skip-bad-rows to leave them out:"
    assert [line.split(":")[0] for line in lines[1:]] == [
        "  line 3 (Transactions data row 2), column Amount", "  line 4 (Transactions data row 3), column Date",
        "  line 5 (Transactions data row 4), column Amount"]


def test_skip_bad_rows_analyzes_the_rest_and_says_how_many(kam, tmp_path):
    f = tmp_path / "tx.csv"
    f.write_text("Customer,Date,Amount\n1,2024-01-01,5\n1,2024-01-02,abc\n2,nodate,5\n2,2024-01-03,7\n")
    code, out, err = kam(f, "--skip-bad-rows", "--format", "json")
    assert code == 0, err
    assert {r["customer_id"]: r["revenue"] for r in json.loads(out)} == {"1": 5, "2": 7}
    assert one_line(err) == (f"kam-xl analyze: warning: {f}: left out 2 bad rows (--skip-bad-rows): line 3 "
                             "(Transactions data row 2), column Amount; line 4 (Transactions data row 3), column Date\n")


def test_as_of_before_every_transaction_says_so(kam, tmp_path):
    f = tmp_path / "tx.csv"
    f.write_text(TX)
    code, out, err = kam(f, "--as-of", "2023-12-31")
    assert code == 2 and out == ""
    assert one_line(err) == ("kam-xl analyze: --as-of: no transaction is on or before 2023-12-31 (the first is on "
                             "2024-01-05) — choose a later day.\n")


def test_customer_ids_in_only_one_table_are_warned_with_examples(kam, tmp_path):
    tx, customers = tmp_path / "tx.csv", tmp_path / "customers.csv"
    tx.write_text(TX)  # customers 00042 and 7
    customers.write_text("Customer ID,Known Brand\n42,yes\n00042,no\nC1,no\nC2,no\nC3,no\n")
    code, out, err = kam(tx, "--customers", customers)
    assert code == 0 and out
    assert err.splitlines() == [
        f'kam-xl analyze: warning: 4 customer ids in {customers} have no transaction ("42", "C1", "C2", …) — check '
        "the ids (leading zeros, spaces, another id scheme).",
        f'kam-xl analyze: warning: 1 customer id with transactions is missing from {customers} ("7") — check the '
        "ids (leading zeros, spaces, another id scheme)."]


def test_csv_and_json_show_cents_and_six_significant_digits(kam, tmp_path):
    f = tmp_path / "tx.csv"
    f.write_text("Customer,Date,Amount\nA,2024-01-01,0.1\nA,2024-01-02,0.2\nB,2024-01-01,0.3\nC,2024-01-01,0.3\n")
    code, out, err = kam(f)
    assert code == 0, err
    table = dict(zip(out.splitlines()[0].split(","), zip(*[line.split(",") for line in out.splitlines()[1:]])))
    assert table["revenue"] == ("0.3", "0.3", "0.3")  # 0.1 + 0.2 = 0.30000000000000004
    assert set(table["share"]) == {"0.333333"}
    code, out, _ = kam(f, "--format", "json")
    assert {r["share"] for r in json.loads(out)} == {0.333333} and {r["revenue"] for r in json.loads(out)} == {0.3}


def test_xlsx_output_carries_money_percent_and_date_formats(kam, tmp_path):
    import openpyxl

    f, out = tmp_path / "tx.csv", tmp_path / "result.xlsx"
    f.write_text(TX)
    assert kam(f, "--out", out)[0] == 0
    sheet = openpyxl.load_workbook(out).active
    cells = {name: sheet.cell(2, c) for c, name in enumerate(schema.ANALYSIS_COLUMNS, start=1)}
    assert cells["revenue"].number_format == "#,##0.00" and cells["profit"].number_format == "#,##0.00"
    assert cells["share"].number_format == "0.00%" and cells["p_alive"].number_format == "0.0%"
    assert cells["first_purchase"].number_format == "yyyy-mm-dd" and cells["first_purchase"].is_date


def test_workbook_with_a_cover_sheet_and_title_rows_is_analyzed(kam, tmp_path):
    import xlsxwriter

    f = tmp_path / "export.xlsx"
    book = xlsxwriter.Workbook(f)
    book.add_worksheet("Cover").write(0, 0, "Sales export")
    sheet = book.add_worksheet("Data")
    sheet.write(0, 0, "Umsätze 2024")
    sheet.write_row(2, 0, ["Kunde", "Datum", "Betrag"])
    sheet.write_row(3, 0, ["7", "02.01.2024", "1.234,50"])
    book.close()
    code, out, err = kam(f, "--format", "json")
    assert code == 0, err
    assert [(r["customer_id"], r["revenue"]) for r in json.loads(out)] == [("7", 1234.5)]
