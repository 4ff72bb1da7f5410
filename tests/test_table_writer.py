"""The table writer on workbooks from four writers (XlsxWriter, openpyxl, LibreOffice, the committed
KeyAccounts.xlsm): a table grown and shrunk, every part it does not own byte-identical, openxml-audit clean,
validations, conditional formats and names following the body, LibreOffice reading the rows back; rows
appended (``Appended``) keep the table's rows byte for byte and write what a full rewrite writes."""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xlsxwriter
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table

from kam_xl import demo
from kam_xl.book import FileBook
from kam_xl.package import PackageError
from kam_xl.package.table_writer import Appended, write_table
from kam_xl.sheets.importer import _typed
from kam_xl.template.workbook import build_workbook
from test_package import audit_errors, raw_entries

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "workbook" / "KeyAccounts.xlsm"
HEADER = ["Customer ID", "Date", "Amount", "Status"]


def frame(n: int) -> pd.DataFrame:
    return pd.DataFrame({
        "Customer ID": [f"C{i:03d}" for i in range(n)],
        "Date": pd.date_range("2025-01-31", periods=n, freq="D"),
        "Amount": [1000.5 * (i + 1) for i in range(n)],
        "Status": ["=HYPERLINK(\"x\")" if i == 1 else ("open" if i % 2 else None) for i in range(n)],
    })


def xlsxwriter_book(path: Path) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Data")
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    money = book.add_format({"num_format": "#,##0.00"})
    sheet.add_table("A1:D3", {"name": "Sales", "columns": [
        {"header": "Customer ID"}, {"header": "Date", "format": date}, {"header": "Amount", "format": money},
        {"header": "Status"}], "data": [["C1", dt.date(2024, 1, 2), 5, "open"], ["C2", dt.date(2024, 1, 3), 6, None]]})
    for r in (1, 2):
        sheet.write_datetime(r, 1, dt.datetime(2024, 1, 1 + r), date)
        sheet.write_number(r, 2, 5 + r, money)
    sheet.data_validation("D2:D3", {"validate": "list", "source": ["open", "done"]})
    sheet.conditional_format("C2:C3", {"type": "cell", "criteria": ">", "value": 100,
                                        "format": book.add_format({"bg_color": "#FFC7CE"})})
    sheet.write("F1", "beside the table")
    book.define_name("SalesAmounts", "=Data!$C$2:$C$3")
    book.close()
    return path


def openpyxl_book(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Data"
    sheet.append(HEADER)
    for r in (1, 2):
        sheet.append([f"C{r}", dt.datetime(2024, 1, r), 5.0 * r, "open"])
        sheet.cell(r + 1, 2).number_format = "yyyy-mm-dd"
        sheet.cell(r + 1, 3).number_format = "#,##0.00"
    sheet.add_table(Table(displayName="Sales", ref="A1:D3"))
    validation = DataValidation(type="list", formula1='"open,done"')
    validation.add("D2:D3")
    sheet.add_data_validation(validation)
    sheet.conditional_formatting.add("C2:C3", CellIsRule(operator="greaterThan", formula=["100"],
                                                         fill=PatternFill(bgColor="FFC7CE")))
    sheet["F1"] = "beside the table"
    book.defined_names["SalesAmounts"] = DefinedName("SalesAmounts", attr_text="Data!$C$2:$C$3")
    book.save(path)
    return path


@pytest.fixture(scope="module")
def libreoffice_book(tmp_path_factory) -> Path:
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    folder = tmp_path_factory.mktemp("lo-table")
    source = xlsxwriter_book(folder / "source.xlsx")
    subprocess.run(["soffice", f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless",
                    "--convert-to", "xlsx", "--outdir", str(folder / "out"), str(source)],
                   check=True, capture_output=True, timeout=180)
    return folder / "out" / "source.xlsx"


def sheet_xml(path: Path, sheet: str = "xl/worksheets/sheet1.xml") -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read(sheet).decode("utf-8")


def assert_untouched_but(before: Path, after: Path, owned: set[str]) -> None:
    old, new = raw_entries(before), raw_entries(after)
    assert [e["name"] for e in new] == [e["name"] for e in old]
    for a, b in zip(old, new):
        if a["name"] not in owned:
            assert a == b, f"{a['name']} changed"


def table_values(path: Path, sheet: str = "Data") -> list[list]:
    ws = openpyxl.load_workbook(path, data_only=True)[sheet]
    return [[c.value for c in row] for row in ws.iter_rows(min_row=2, max_col=4)]


def check_written(source: Path, book: Path, n: int) -> None:
    report = write_table(book, "sales", frame(n))
    assert report.rows_after == n and report.ref == f"A1:D{n + 1}"
    assert_untouched_but(source, book, set(report.parts))
    assert audit_errors(book) <= audit_errors(source)
    wb = openpyxl.load_workbook(book)
    ws = wb["Data"]
    assert ws.tables["Sales"].ref == f"A1:D{n + 1}"
    assert [str(r) for dv in ws.data_validations.dataValidation for r in dv.sqref.ranges] == [CellRange(f"D2:D{n + 1}").coord]
    assert [str(r) for cf in ws.conditional_formatting for r in cf.sqref.ranges] == [CellRange(f"C2:C{n + 1}").coord]
    assert wb.defined_names["SalesAmounts"].attr_text == f"Data!$C$2:$C${n + 1}"
    assert ws["F1"].value == "beside the table"
    expected = frame(n)
    got = table_values(book)[:n]
    assert [r[0] for r in got] == list(expected["Customer ID"])
    assert [r[1] for r in got] == list(expected["Date"].dt.to_pydatetime())
    assert [r[2] for r in got] == list(expected["Amount"])
    assert [r[3] for r in got] == [None if pd.isna(v) else v for v in expected["Status"]]
    assert all(r == [None] * 4 for r in table_values(book)[n:])  # a shrunk table leaves nothing behind
    first = openpyxl.load_workbook(source)["Data"]  # each column keeps its first body row's format
    for col in (2, 3):
        assert {ws.cell(r, col).number_format for r in range(2, n + 2)} == {first.cell(2, col).number_format}


@pytest.mark.parametrize("make", [xlsxwriter_book, openpyxl_book], ids=["xlsxwriter", "openpyxl"])
def test_a_table_grows_and_shrinks_with_its_validations_formats_and_names(tmp_path, make):
    source = make(tmp_path / "source.xlsx")
    book = tmp_path / "book.xlsx"
    shutil.copyfile(source, book)
    check_written(source, book, 40)
    shutil.copyfile(source, book)
    check_written(source, book, 1)


def test_a_table_of_a_libreoffice_workbook_grows_and_libreoffice_reads_the_rows(tmp_path, libreoffice_book):
    book = tmp_path / "book.xlsx"
    shutil.copyfile(libreoffice_book, book)
    check_written(libreoffice_book, book, 12)
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", "csv", "--outdir", str(tmp_path / "csv"), str(book)],
                   check=True, capture_output=True, timeout=180)
    rows = list(csv.reader((tmp_path / "csv" / "book.csv").open(encoding="utf-8")))
    assert rows[0][:4] == HEADER
    assert [r[0] for r in rows[1:13]] == list(frame(12)["Customer ID"])
    assert rows[2][3] == '=HYPERLINK("x")'  # text that looks like a formula stays text


def test_the_committed_workbook_takes_grown_and_shrunk_tables_with_calculated_columns(tmp_path):
    book = tmp_path / "KeyAccounts.xlsm"
    shutil.copyfile(COMMITTED, book)
    prospects = pd.DataFrame({"Prospect ID": ["P1", "P2", "P3"], "Name": ["Acme", "=cmd|x", "+49 89"],
                              "Industry": ["a", "b", "c"], "Need": ["yes", "yes", "no"],
                              "Ability to pay": ["yes", "yes", "yes"], "Authority": ["yes", "no", "yes"],
                              "Budget": [60000, 1, None], "Notes": [None, "n", "@home"]})
    report = write_table(book, "Prospects", prospects)
    assert_untouched_but(COMMITTED, book, set(report.parts))
    assert set(report.parts) == {"xl/worksheets/sheet8.xml", "xl/tables/table7.xml"}
    assert audit_errors(book) == 0
    xml = sheet_xml(book, "xl/worksheets/sheet8.xml")
    formula = "<f>THREE_P(Prospects[[#This Row],[Need]],Prospects[[#This Row],[Ability to pay]]," \
              "Prospects[[#This Row],[Authority]])</f>"
    assert all(f'<c r="I{r}" s="15">{formula}' in xml for r in (2, 3, 4))
    assert '<t xml:space="preserve">=cmd|x</t>' in xml and "<f>cmd" not in xml
    assert 'sqref="D2:D4"' in xml and 'sqref="I2:I4"' in xml
    shrunk = write_table(book, "Prospects", prospects.iloc[:0])
    assert shrunk.rows_after == 1 and shrunk.ref == "A1:I2"
    xml = sheet_xml(book, "xl/worksheets/sheet8.xml")
    assert 'r="3"' not in xml and 'sqref="D2"' not in xml and 'sqref="D2:D2"' in xml
    assert audit_errors(book) == 0


def test_a_table_never_grows_over_a_filled_cell(tmp_path):
    source = xlsxwriter_book(tmp_path / "source.xlsx")
    book = openpyxl.load_workbook(source)
    book["Data"]["B9"] = "in the way"
    book.save(source)
    before = source.read_bytes()
    with pytest.raises(PackageError, match=r"cell B9 below table 'Sales' holds a value"):
        write_table(source, "Sales", frame(10))
    assert source.read_bytes() == before


def test_a_frame_that_does_not_fit_the_table_is_refused_by_name(tmp_path):
    book = xlsxwriter_book(tmp_path / "book.xlsx")
    with pytest.raises(PackageError, match=r"column 'Region' is not in the table"):
        write_table(book, "Sales", frame(2).assign(Region="x"))
    with pytest.raises(PackageError, match=r"no column 'Status'"):
        write_table(book, "Sales", frame(2).drop(columns="Status"))
    with pytest.raises(PackageError, match=r"no table named 'Orders' \(the workbook's tables: Sales\)"):
        write_table(book, "Orders", frame(2))


def rows_markup(xml: str, first: int, last: int) -> str:
    """The ``<row>`` elements numbered ``first`` to ``last``, as they stand in the sheet's markup."""
    start = re.search(rf'<row r="{first}"[ >]', xml).start()
    end = xml.index("</row>", re.search(rf'<row r="{last}"[ >]', xml).start()) + len("</row>")
    return xml[start:end]


def appended_both_ways(source: Path, folder: Path, table: str, new: pd.DataFrame,
                       calculated: tuple[str, ...] = ()) -> tuple[Path, Path, set[str]]:
    """Copies of ``source`` with ``new`` appended to ``table`` (its ``calculated`` columns left out): once as
    ``Appended`` (the rows kept), once as the whole frame (every row written); and the entries written."""
    held = _typed(FileBook(source).read_table(table).drop(columns=list(calculated)))
    append, full = folder / f"append{source.suffix}", folder / f"full{source.suffix}"
    shutil.copyfile(source, append)
    shutil.copyfile(source, full)
    kept = write_table(append, table, Appended(held, new))
    whole = write_table(full, table, Appended(held, new).frame)
    assert (kept.kept, whole.kept) == (len(held), 0) and kept.ref == whole.ref and kept.parts == whole.parts
    return append, full, set(kept.parts)


def test_appended_rows_keep_the_table_rows_and_give_the_bytes_of_a_full_rewrite_on_the_demo_workbook(tmp_path):
    book = build_workbook(tmp_path / "demo.xlsm", demo.generate(20, seed=3))
    held = _typed(FileBook(book).read_table("Transactions"))
    new = held.iloc[:7].assign(**{"Document no": ["=1+2", "N-2", None, "N-4", "N-5", "N-6", "<&>"],
                                  "Margin": [1.5, None, 3.0, 4.0, 5.0, 6.0, 7.0]})
    append, full, parts = appended_both_ways(book, tmp_path, "Transactions", new)
    sheet = "xl/worksheets/sheet3.xml"
    assert sheet in parts
    assert_untouched_but(book, append, parts)
    assert_untouched_but(full, append, {sheet})  # XlsxWriter's rows (shared strings) stay; the rewrite re-encodes
    last, n = len(held) + 1, len(held) + len(new) + 1
    assert rows_markup(sheet_xml(append, sheet), 2, last) == rows_markup(sheet_xml(book, sheet), 2, last)
    assert rows_markup(sheet_xml(append, sheet), last + 1, n) == rows_markup(sheet_xml(full, sheet), last + 1, n)
    assert FileBook(append).read_table("Transactions").equals(FileBook(full).read_table("Transactions"))
    assert audit_errors(append) == 0
    rewritten = tmp_path / "rewritten.xlsm"  # once the table's rows are in the writer's markup, every byte agrees
    shutil.copyfile(book, rewritten)
    write_table(rewritten, "Transactions", held)
    append, full, _ = appended_both_ways(rewritten, tmp_path, "Transactions", new)
    assert raw_entries(append) == raw_entries(full) and append.read_bytes() == full.read_bytes()


def test_appended_rows_follow_validations_formats_names_and_calculated_columns_as_a_full_rewrite(tmp_path):
    source = xlsxwriter_book(tmp_path / "source.xlsx")
    append, full, _ = appended_both_ways(source, tmp_path, "Sales", frame(38))
    assert_untouched_but(full, append, {"xl/worksheets/sheet1.xml"})
    appended, rewritten = sheet_xml(append), sheet_xml(full)
    assert rows_markup(appended, 2, 3) == rows_markup(sheet_xml(source), 2, 3)
    assert rows_markup(appended, 4, 41) == rows_markup(rewritten, 4, 41)
    assert appended[appended.index("</sheetData>"):] == rewritten[rewritten.index("</sheetData>"):]
    assert 'sqref="D2:D41"' in appended and 'sqref="C2:C41"' in appended
    assert audit_errors(append) <= audit_errors(source)
    committed = tmp_path / "KeyAccounts.xlsm"
    shutil.copyfile(COMMITTED, committed)
    prospects = pd.DataFrame({"Prospect ID": ["P1", "P2"], "Name": ["Acme", "=cmd|x"], "Industry": ["a", "b"],
                              "Need": ["yes", "no"], "Ability to pay": ["yes", "yes"], "Authority": ["no", "yes"],
                              "Budget": [60000, None], "Notes": [None, "@home"]})
    write_table(committed, "Prospects", prospects)
    (tmp_path / "more").mkdir()
    append, full, _ = appended_both_ways(committed, tmp_path / "more", "Prospects", prospects.assign(Budget=[1.5, 2]),
                                         ("Potential key customer",))
    assert append.read_bytes() == full.read_bytes()  # the calculated column's formula in the new rows too
    assert "<f>THREE_P(" in rows_markup(sheet_xml(append, "xl/worksheets/sheet8.xml"), 5, 5)
    assert audit_errors(append) == 0


def test_an_append_to_a_table_with_a_blank_row_writes_every_row(tmp_path):
    source = xlsxwriter_book(tmp_path / "source.xlsx")
    write_table(source, "Sales", pd.concat([frame(2), pd.DataFrame({c: [None] for c in HEADER})], ignore_index=True))
    held = FileBook(source).read_table("Sales")
    assert len(held) == 2  # the reader leaves the blank row out: the rows read are not the table's rows
    report = write_table(source, "Sales", Appended(held, frame(1)))
    assert report.kept == 0 and report.ref == "A1:D4"
    assert FileBook(source).read_table("Sales")["Customer ID"].tolist() == ["C000", "C001", "C000"]


def test_libreoffice_reads_the_rows_appended_to_a_table_of_its_workbook(tmp_path, libreoffice_book):
    book = tmp_path / "book.xlsx"
    shutil.copyfile(libreoffice_book, book)
    held = FileBook(book).read_table("Sales")
    report = write_table(book, "Sales", Appended(held, frame(12)))
    assert report.kept == 2 and report.ref == "A1:D15"
    assert audit_errors(book) <= audit_errors(libreoffice_book)
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", "csv", "--outdir", str(tmp_path / "csv"), str(book)],
                   check=True, capture_output=True, timeout=180)
    rows = list(csv.reader((tmp_path / "csv" / "book.csv").open(encoding="utf-8")))
    assert [r[0] for r in rows[1:15]] == ["C1", "C2", *frame(12)["Customer ID"]]
    assert rows[4][3] == '=HYPERLINK("x")'  # text that looks like a formula stays text
