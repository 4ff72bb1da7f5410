"""Headless recalculation with formualizer, on real files written by XlsxWriter.

The workbooks are built here (``native_book``, ``table_book``, ``kam_book``) and reused by
test_crosscheck.py, which recalculates the same files with LibreOffice.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import math
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xlsxwriter

from kam_xl import a1, udfs
from kam_xl.core.analysis import analyze
from kam_xl.core.schema import ANALYSIS_COLUMNS
from kam_xl.core.settings import Settings
from kam_xl.demo import generate
from kam_xl.recalc import ErrorValue, RecalcResult, functions, recalculate
from kam_xl.recalc.structured import pin_table_references
from kam_xl.recalc.xlsx_view import Table, present

AS_OF = dt.date(2026, 9, 30)
EPOCH = dt.date(1899, 12, 30)


def serial(day: dt.date) -> float:
    return float((day - EPOCH).days)


# --- workbooks -----------------------------------------------------------------------------------------------

#: (cell, formula, value Excel gives) on the sheet "Native" of native_book.
NATIVE = [
    ("E2", "=SUM(B2:B7)", 210.0),
    ("E3", '=SUMIFS(B2:B7,A2:A7,"North",B2:B7,">15")', 80.0),
    ("E4", '=COUNTIFS(A2:A7,"North")', 3.0),
    ("E5", "=AVERAGE(B2:B7)", 35.0),
    ("E6", '=INDEX(B2:B7,MATCH("South",A2:A7,0))', 20.0),
    ("E7", '=_xlfn.XLOOKUP("West",A2:A7,B2:B7,"none")', 40.0),
    ("E8", '=_xlfn.XLOOKUP("Nowhere",A2:A7,B2:B7,"none")', "none"),
    ("E9", '=IF(E2>100,"big","small")', "big"),
    ("E10", "=IFERROR(1/0,-1)", -1.0),
    ("E11", "=DATE(2024,1,31)", serial(dt.date(2024, 1, 31))),
    ("E12", "=EDATE(C2,1)", serial(dt.date(2024, 2, 29))),
    ("E13", "=EOMONTH(C3,0)", serial(dt.date(2024, 2, 29))),
    ("E14", "=YEAR(C4)", 2025.0),
    ("E15", "=LEFT(A2,3)", "Nor"),
    ("E16", '=_xlfn.CONCAT(A2,"-",A3)', "North-South"),
    ("E17", '=TEXT(C2,"yyyy-mm-dd")', "2024-01-31"),
    ("E18", "=UPPER(A5)", "WEST"),
    ("E19", "=1/0", ErrorValue("#DIV/0!")),
    ("E20", "=NA()", ErrorValue("#N/A")),
    ("E21", "=ROUND(AVERAGEIFS(B2:B7,A2:A7,\"North\"),2)", 30.0),
    ("E22", "=MAX(C2:C4)-MIN(C2:C4)", float((dt.date(2025, 3, 15) - dt.date(2024, 1, 31)).days)),
    ("E23", '=COUNTIF(B2:B7,">=30")', 4.0),
    ("E24", "=SUMPRODUCT((A2:A7=\"North\")*B2:B7)", 90.0),
    ("E25", "=ISNUMBER(E2)", True),
    ("E26", "=E19+1", ErrorValue("#DIV/0!")),
]
#: Shared formula in F2:F7 (Excel stores one text and points the other cells to it): =B2*2+1.
SHARED = [(f"F{r}", None, 2.0 * v + 1) for r, v in zip(range(2, 8), (10, 20, 30, 40, 50, 60))]


def native_book(path: Path) -> Path:
    """Native functions only, with a shared formula; expected values in NATIVE and SHARED."""
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Native")
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, ["Region", "Value", "Day"])
    regions = ["North", "South", "North", "West", "North", "East"]
    days = [dt.date(2024, 1, 31), dt.date(2024, 2, 10), dt.date(2025, 3, 15)]
    for i, (region, value) in enumerate(zip(regions, (10, 20, 30, 40, 50, 60))):
        sheet.write_string(1 + i, 0, region)
        sheet.write_number(1 + i, 1, value)
        if i < len(days):
            sheet.write_datetime(1 + i, 2, dt.datetime.combine(days[i], dt.time()), date_format)
    for cell, formula, _ in NATIVE:
        sheet.write_formula(cell, formula, date_format if "DATE(" in formula or "EDATE" in formula else None, 0)
    for r in range(2, 8):
        sheet.write_formula(f"F{r}", f"=B{r}*2+1", None, 0)
    book.close()
    _share(path, "xl/worksheets/sheet1.xml", "F", 2, 7, "B{r}*2+1")
    return path


def _share(path: Path, part: str, column: str, first: int, last: int, pattern: str) -> None:
    """Rewrite column cells first..last into one shared formula, as Excel saves a filled-down formula."""
    with zipfile.ZipFile(path) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info, body in entries:
            if info.filename == part:
                xml = body.decode()
                for r in range(first, last + 1):
                    old = f"<f>{pattern.format(r=r)}</f>"
                    new = (f'<f t="shared" ref="{column}{first}:{column}{last}" si="0">{pattern.format(r=r)}</f>'
                           if r == first else '<f t="shared" si="0"/>')
                    assert old in xml, old
                    xml = xml.replace(old, new)
                body = xml.encode()
            target.writestr(info, body)
    path.write_bytes(out.getvalue())


#: (sheet, cell, value) expected in table_book.
TABLE_EXPECTED = [
    ("Sales", "E2", 20.0), ("Sales", "E3", 7.5), ("Sales", "E4", 120.0), ("Sales", "E5", 2.5),
    ("Sales", "F2", 20.0 / 150.0), ("Sales", "F4", 120.0 / 150.0),
    ("Report", "B1", 150.0), ("Report", "B2", 140.0), ("Report", "B3", 4.0), ("Report", "B4", 5.0),
    ("Report", "B5", 18.0), ("Report", "B6", "Gadget"), ("Report", "B7", 2.0), ("Report", "B8", "Bolt"),
    ("Report", "B9", 7.5),
]


def table_book(path: Path) -> Path:
    """An Excel table with a calculated column (this-row references as Excel saves them), a column that sums
    its own table, and structured references from another sheet."""
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Sales")
    rows = [("North", "Widget", 4, 5.0), ("South", "Bolt", 3, 2.5), ("North", "Gadget", 10, 12.0),
            ("East", "Bolt", 1, 2.5)]
    for i, row in enumerate(rows, start=1):
        sheet.write_row(i, 0, row)
    sheet.add_table(0, 0, len(rows), 5, {"name": "Sales", "columns": [
        {"header": "Region"}, {"header": "Product"}, {"header": "Qty"}, {"header": "Price"},
        {"header": "Amount", "formula": "=Sales[@[Qty]]*Sales[@[Price]]"},
        {"header": "Share", "formula": "=Sales[@[Amount]]/SUM(Sales[Amount])"},
    ]})
    report = book.add_worksheet("Report")
    formulas = ["=SUM(Sales[Amount])", '=SUMIFS(Sales[Amount],Sales[Region],"North")', "=ROWS(Sales[Region])",
                "=ROWS(Sales[[#All]])", "=SUM(Sales[[#Data],[Qty]:[Qty]])",
                '=INDEX(Sales[Product],MATCH(MAX(Sales[Amount]),Sales[Amount],0))',
                '=COUNTIFS(Sales[Product],"Bolt")', "=INDEX(Sales[Product],2)", '=VLOOKUP("Bolt",Sales[[Product]:[Amount]],4,FALSE)']
    for i, formula in enumerate(formulas):
        report.write_formula(i, 1, formula, None, 0)
    book.close()
    return path


def kam_book(path: Path, data, *, settings: dict | None = None, as_of: dt.date | None = AS_OF,
             stale_rows: int = 3, extra: dict[str, str] | None = None) -> Path:
    """The workbook's layout in small: tables Customers, Transactions, Complaints; a Settings sheet with the
    2-column range kam_settings and the cell kam_as_of; Analysis!A1 spilling CUSTOMER_ANALYSIS. The spill
    area holds stale values in ``stale_rows`` rows, as a saved file does. ``extra`` adds formulas to a
    sheet "Extra" (cell -> formula)."""
    book = xlsxwriter.Workbook(path)
    formats = {"date": book.add_format({"num_format": "yyyy-mm-dd"})}
    _write_table(book, "Customers", data.customers, formats)
    _write_table(book, "Transactions", data.transactions, formats)
    _write_table(book, "Complaints", data.complaints, formats)
    sheet = book.add_worksheet("Settings")
    sheet.write_row(0, 0, ["Setting", "Value"])
    pairs = list((settings or {"a_share": 0.8}).items())
    for i, (name, value) in enumerate(pairs, start=1):
        sheet.write(i, 0, name)
        sheet.write(i, 1, value)
    book.define_name("kam_settings", f"=Settings!$A$2:$B${len(pairs) + 1}")
    row = len(pairs) + 3
    sheet.write(row - 1, 0, "As of")
    if as_of is not None:
        sheet.write_datetime(row - 1, 1, dt.datetime.combine(as_of, dt.time()), formats["date"])
    book.define_name("kam_as_of", f"=Settings!$B${row}")
    analysis = book.add_worksheet("Analysis")
    formula = "=CUSTOMER_ANALYSIS(Customers[#All],Transactions[#All],Complaints[#All],kam_settings,kam_as_of)"
    last_col = len(ANALYSIS_COLUMNS) - 1
    analysis.write_dynamic_array_formula(0, 0, stale_rows, last_col, formula, None, "stale")
    for r in range(stale_rows + 1):
        for c in range(last_col + 1):
            if r or c:
                analysis.write(r, c, "stale")
    if extra:
        sheet = book.add_worksheet("Extra")
        for cell, text in extra.items():
            sheet.write_formula(cell, text, None, 0)
    book.close()
    return path


def _write_table(book, name: str, frame: pd.DataFrame, formats) -> None:
    sheet = book.add_worksheet(name)
    headers = [c.replace("_", " ").capitalize().replace("id", "ID") for c in frame.columns]
    for col, column in enumerate(frame.columns):
        values = frame[column]
        for row, value in enumerate(values, start=1):
            if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
                continue
            if isinstance(value, (bool, np.bool_)):
                sheet.write_string(row, col, "yes" if value else "no")
            elif isinstance(value, (pd.Timestamp, dt.datetime)):
                sheet.write_datetime(row, col, pd.Timestamp(value).to_pydatetime(), formats["date"])
            elif isinstance(value, (int, float, np.integer, np.floating)):
                sheet.write_number(row, col, float(value))
            else:
                sheet.write_string(row, col, str(value))
    sheet.add_table(0, 0, max(len(frame), 1), len(frame.columns) - 1,
                    {"name": name, "columns": [{"header": h} for h in headers]})


# --- native functions --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def native(tmp_path_factory) -> tuple[Path, RecalcResult]:
    path = native_book(tmp_path_factory.mktemp("native") / "native.xlsx")
    return path, recalculate(path, as_of=AS_OF)


def test_native_functions_give_excels_values(native):
    _, result = native
    values = result.values["Native"]
    for cell, formula, expected in NATIVE + SHARED:
        _assert_same(values[cell], expected, f"{cell} {formula}")


def test_every_formula_counts_and_errors_are_counted_by_code(native):
    _, result = native
    assert result.formulas == len(NATIVE) + len(SHARED)
    assert result.computed == result.formulas and result.all_computed
    assert result.errors == {"#DIV/0!": 2, "#N/A": 1}
    assert not result.unsupported and not result.failures
    assert result.seconds > 0


def test_shared_formula_children_are_read_back(native):
    path, result = native
    with zipfile.ZipFile(path) as archive:
        assert archive.read("xl/worksheets/sheet1.xml").count(b'<f t="shared" si="0"/>') == 5
    assert [result.values["Native"][f"F{r}"] for r in range(2, 8)] == [21.0, 41.0, 61.0, 81.0, 101.0, 121.0]


def test_today_is_pinned_to_as_of(tmp_path):
    path = tmp_path / "today.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("S")
    sheet.write_formula("A1", "=TODAY()")
    sheet.write_formula("A2", "=NOW()")
    sheet.write_formula("A3", "=DATEDIF(DATE(2026,1,1),TODAY(),\"d\")")
    book.close()
    result = recalculate(path, as_of=dt.date(2026, 9, 30))
    assert result.values["S"] == {"A1": serial(dt.date(2026, 9, 30)), "A2": serial(dt.date(2026, 9, 30)),
                                  "A3": 272.0}
    assert result.clock == dt.datetime(2026, 9, 30, tzinfo=dt.UTC)
    later = recalculate(path, as_of=dt.date(2027, 1, 1))
    assert later.values["S"]["A1"] == serial(dt.date(2027, 1, 1))


def test_formula_map_reads_cells_without_r_attributes(native):
    """The fast scan needs r="A1" on every cell; a sheet without them goes through the XML parser."""
    path, _ = native
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    fast = present(_zip(parts))
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(b'<c r="F3">', b"<c>")
    slow = present(_zip(parts))
    assert slow.sheets[0].cells == fast.sheets[0].cells and len(fast.sheets[0].cells) == 31
    assert [slow.texts[i] for i in slow.sheets[0].text_of] == [fast.texts[i] for i in fast.sheets[0].text_of]


def test_formula_map_reads_sheets_with_a_prefixed_namespace(native):
    """The fast scan looks for plain <f>; a sheet written as <x:c><x:f> goes through the XML parser."""
    path, _ = native
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    fast = present(_zip(parts))
    sheet = re.sub(rb"<(/?)([A-Za-z])", rb"<\1x:\2", parts["xl/worksheets/sheet1.xml"])
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(b' xmlns="', b' xmlns:x="', 1)
    prefixed = present(_zip(parts))
    assert prefixed.sheets[0].cells == fast.sheets[0].cells and len(fast.sheets[0].cells) == 31
    assert [prefixed.texts[i] for i in prefixed.sheets[0].text_of] == [fast.texts[i] for i in fast.sheets[0].text_of]


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, body in parts.items():
            archive.writestr(name, body)
    return out.getvalue()


def test_file_is_only_read_and_bytes_work_too(native):
    path, result = native
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    again = recalculate(path.read_bytes(), as_of=AS_OF)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert again.values == result.values


def test_unknown_functions_are_named_and_never_count_as_computed(tmp_path):
    path = tmp_path / "unknown.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("S")
    sheet.write_formula("A1", "=FOO_BAR(1)+1")
    sheet.write_formula("A2", "=IFERROR(FOO_BAR(2),0)")   # hides the #NAME?, must still be reported
    sheet.write_formula("A3", "=SUM(1,2)")
    sheet.write_formula("A4", "=no_such_name*2")
    book.close()
    result = recalculate(path)
    assert result.unsupported == {"FOO_BAR": 2}
    assert result.values["S"]["A1"] == ErrorValue("#NAME?")
    assert result.values["S"]["A3"] == 3.0
    assert result.failures == {("S", "A1"): "unsupported: FOO_BAR", ("S", "A2"): "unsupported: FOO_BAR",
                               ("S", "A4"): "#NAME?"}
    assert (result.formulas, result.computed, result.all_computed) == (4, 1, False)
    assert "FOO_BAR" in result.summary()


def test_missing_functions_knows_the_builtins():
    assert functions.missing_functions(["SUM", "XLOOKUP", "EOMONTH", "TEXTJOIN", "NOPE_NOPE"]) == {"NOPE_NOPE"}
    assert functions.missing_functions(["ABC_CLASS"], registered=["ABC_CLASS"]) == set()


# --- tables ------------------------------------------------------------------------------------------------


def test_structured_references_and_calculated_columns(tmp_path):
    path = table_book(tmp_path / "tables.xlsx")
    with zipfile.ZipFile(path) as archive:  # the form Excel saves, which formualizer alone makes circular
        assert b"Sales[[#This Row],[Qty]]" in archive.read("xl/worksheets/sheet1.xml")
    result = recalculate(path)
    for sheet, cell, expected in TABLE_EXPECTED:
        _assert_same(result.values[sheet][cell], expected, f"{sheet}!{cell}")
    assert result.all_computed, result.failures


def test_table_references_become_the_ranges_they_mean():
    sales = Table("Sales", "Data", 1, 1, 11, 4, ("Name", "Qty", "Price", "Amount"))
    other = Table("Other", "Data", 1, 8, 5, 9, ("X", "Y"))
    tables = {"sales": sales, "other": other}

    def pin(formula, row=3, col=4, sheet="Data"):
        return pin_table_references(formula, row, col, sheet, tables)

    assert pin("=Sales[[#This Row],[Qty]]*Sales[@Price]") == "=$B3*$C3"
    assert pin("=[@[Qty]]+[@Qty]") == "=$B3+$B3"
    assert pin("=[[#This Row],Qty]") == "=$B3"  # XlsxWriter's spelling
    assert pin("=SUM(Sales[@[Qty]:[Price]])") == "=SUM($B3:$C3)"
    assert pin("=SUM(Sales[Qty])/ROWS(Sales[#All])") == "=SUM($B$2:$B$11)/ROWS($A$1:$D$11)"
    assert pin('="[@Qty] Sales"&Sales[[#Headers],[Name]]') == '="[@Qty] Sales"&$A$1'
    assert pin("=SUM(Other[X])+Other[@Y]") == "=SUM($H$2:$H$5)+$I3"
    assert pin("=Sales[[#Data],[Qty]:[Price]]", sheet="Report") == "='Data'!$B$2:$C$11"
    assert pin("=VLOOKUP(1,Sales,2,FALSE)+Sales!A1+'Sales'!B2") == "=VLOOKUP(1,$A$2:$D$11,2,FALSE)+Sales!A1+'Sales'!B2"
    assert pin("=Sales[@Nope]") == "=Sales[@Nope]"                 # unknown column: left to the engine
    assert pin("=Sales[@Qty]", row=30) == "=#VALUE!"               # no intersection: Excel says #VALUE!
    assert pin("=[1]Sheet1!A1+NoTable[x]") == "=[1]Sheet1!A1+NoTable[x]"


def test_this_row_from_another_sheet_is_the_tables_row_the_formula_sits_in():
    """Point 10 of issue 7: ``=SUM(SalesTbl[@Amount])`` on another sheet was #N/IMPL!, stored as #VALUE! while
    nothing was named as not computed. Excel intersects rows: the same row of the table, else #VALUE!."""
    sales = Table("SalesTbl", "Data", 1, 1, 4, 2, ("Name", "Amount"))
    pin = functools.partial(pin_table_references, col=1, sheet="Report", tables={"salestbl": sales})
    assert pin("=SUM(SalesTbl[@Amount])", 3) == "=SUM('Data'!$B3)"
    assert pin("=SUM(SalesTbl[@Amount])", 9) == "=SUM(#VALUE!)"


def test_summary_and_file_agree_on_a_this_row_reference_from_another_sheet(tmp_path):
    path = tmp_path / "other_sheet.xlsx"
    book = xlsxwriter.Workbook(path)
    data = book.add_worksheet("Data")
    data.add_table("A1:B4", {"name": "SalesTbl", "columns": [{"header": "Name"}, {"header": "Amount"}],
                             "data": [["a", 10], ["b", 20], ["c", 30]]})
    report = book.add_worksheet("Report")
    report.write_formula("A3", "=SUM(SalesTbl[@Amount])")
    report.write_formula("A9", "=SUM(SalesTbl[@Amount])")
    book.close()
    result = recalculate(path)
    assert result.values["Report"] == {"A3": 20.0, "A9": ErrorValue("#VALUE!")}
    assert result.errors == {"#VALUE!": 1} and not result.failures and result.all_computed


# --- our cell functions ------------------------------------------------------------------------------------


def test_every_public_udf_is_registered_as_the_same_function_object():
    names = set(functions.public_udfs())
    assert {"ABC_CLASS", "ABC_CLASSES", "XYZ_CLASS", "XYZ_CLASSES", "CUSTOMER_TYPE", "CUSTOMER_TYPES",
            "KEY_ACCOUNT", "THREE_P", "CHURN_FLAG", "CHURN_FLAGS", "P_ALIVE", "CUSTOMER_ANALYSIS",
            "PARETO_CURVE"} <= names
    for name, function in functions.public_udfs().items():
        assert function is getattr(udfs, name)
        assert functions.shim(function).__wrapped__ is function


def test_arguments_arrive_as_xlwings_hands_them():
    error = {"type": "Error", "kind": "Na"}
    assert functions.from_engine([[1.0, None], ["a", error]]) == [[1.0, None], ["a", None]]
    assert functions.from_engine(error) is None
    assert functions.from_engine(45000.0) == 45000.0


def test_results_go_back_as_xlwings_writes_them():
    assert functions.to_engine(None) == ""
    assert functions.to_engine(float("nan")) == ""
    assert functions.to_engine(np.float64(2.5)) == 2.5 and type(functions.to_engine(np.int64(3))) is float
    assert functions.to_engine(np.bool_(True)) is True
    assert functions.to_engine(dt.date(2024, 1, 31)) == serial(dt.date(2024, 1, 31))
    assert functions.to_engine(dt.datetime(2024, 1, 31, 12)) == serial(dt.date(2024, 1, 31)) + 0.5
    assert functions.to_engine(pd.Timestamp("2024-01-31")) == serial(dt.date(2024, 1, 31))
    assert functions.to_engine(pd.NaT) == ""
    assert functions.to_engine([1, 2]) == [[1.0, 2.0]]                    # a 1-D list is one row
    assert functions.to_engine([[1, None], [np.nan, "x"]]) == [[1.0, ""], ["", "x"]]
    assert functions.to_engine("#KAM: settings range must have two columns") == \
        "#KAM: settings range must have two columns"


def test_three_p_per_row_in_a_table(tmp_path):
    path = tmp_path / "prospects.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Prospects")
    rows = [("P1", "yes", "yes", "yes"), ("P2", "yes", "no", "yes"), ("P3", "ja", "x", "1"), ("P4", "", "", "")]
    for i, row in enumerate(rows, start=1):
        sheet.write_row(i, 0, row)
    sheet.add_table(0, 0, len(rows), 4, {"name": "Prospects", "columns": [
        {"header": "Prospect ID"}, {"header": "Need"}, {"header": "Ability to pay"}, {"header": "Authority"},
        {"header": "Potential key customer",
         "formula": "=THREE_P(Prospects[@[Need]],Prospects[@[Ability to pay]],Prospects[@[Authority]])"}]})
    book.close()
    result = recalculate(path)
    assert [result.values["Prospects"][f"E{r}"] for r in range(2, 6)] == [True, False, True, False]
    assert result.all_computed


def test_abc_class_per_cell_ranks_once_per_distinct_range(tmp_path, monkeypatch):
    path = tmp_path / "abc.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("S")
    revenue = [900.0, 50.0, 30.0, 10.0, 5.0, 0.0, 5.0]
    other = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    for i, (a, b) in enumerate(zip(revenue, other), start=1):
        sheet.write_number(i, 0, a)
        sheet.write_number(i, 2, b)
        sheet.write_formula(i, 1, f"=ABC_CLASS(A{i + 1},A$2:A$8)")
        sheet.write_formula(i, 3, f"=ABC_CLASS(C{i + 1},C$2:C$8)")
    sheet.write_dynamic_array_formula("F2:F8", "=ABC_CLASSES(A2:A8)")
    book.close()
    rankings = []
    original = udfs._abc_lookup
    monkeypatch.setattr(udfs, "_abc_lookup", lambda values, s: rankings.append(1) or original(values, s))
    udfs._cache.clear()
    result = recalculate(path)
    per_cell = [result.values["S"][f"B{r}"] for r in range(2, 9)]
    assert per_cell == ["A", "B", "C", "C", "C", "N", "C"]
    assert [result.values["S"][f"F{r}"] for r in range(2, 9)] == per_cell
    assert {result.values["S"][f"D{r}"] for r in range(2, 9)} == {"A"}
    assert len(rankings) == 2  # 14 calls, two distinct ranges
    assert result.spills == {("S", "F2"): "F2:F8"}


def test_customer_analysis_spills_what_analyze_computes(tmp_path):
    data = generate(60, seed=11, end=AS_OF, years=2)
    settings = {"a_share": 0.7, "xyz_months": 12, "lost_days": 300}
    path = kam_book(tmp_path / "kam.xlsx", data, settings=settings, as_of=dt.date(2026, 8, 31), stale_rows=80)
    result = recalculate(path)
    expected = analyze(data.transactions, data.customers, data.complaints, Settings.from_mapping(settings),
                       dt.date(2026, 8, 31))
    rows, cols = len(expected) + 1, len(ANALYSIS_COLUMNS)
    assert result.spills == {("Analysis", "A1"): f"A1:{_letters(cols)}{rows}"}
    values = result.values["Analysis"]
    assert [values[f"{_letters(c + 1)}1"] for c in range(cols)] == list(ANALYSIS_COLUMNS)
    for i, record in enumerate(expected.to_dict("records"), start=2):
        for c, name in enumerate(ANALYSIS_COLUMNS):
            _assert_same(values[f"{_letters(c + 1)}{i}"], _as_cell(record[name]), f"row {i} {name}")
    stale = [a for a, v in values.items() if v == "stale"]
    assert not stale, stale  # the stale spill area was cleared, not read as input
    assert result.all_computed and result.formulas == 1


def test_results_larger_than_the_engine_spills_are_placed_like_excel(tmp_path):
    """formualizer spills at most 10,000 cells; Excel spills to the sheet's edge."""
    path = tmp_path / "pareto.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("S")
    for i, value in enumerate([900.0, 50.0, 30.0, 10.0, 5.0], start=1):
        sheet.write_number(i, 0, value)
    sheet.write_dynamic_array_formula("C1:D2", "=PARETO_CURVE(A2:A6,6000)")   # 6001 x 2 cells
    sheet.write_dynamic_array_formula("F1:G2", "=PARETO_CURVE(A2:A6,5999)")   # the same function twice
    sheet.write_dynamic_array_formula("I1:J2", "=PARETO_CURVE(A2:A6,6000)")   # blocked by a value below
    sheet.write_string("J5000", "in the way")
    sheet.write_formula("L1", "=COUNT(C1:D6001)+MAX(D1:D6001)")
    sheet.write_formula("L2", "=ROWS(F1:F6000)-COUNT(F1:F6000)")
    book.close()
    result = recalculate(path)
    # I1 shows #SPILL!: its recorded range I1:J2 shrinks to the anchor
    assert result.spills == {("S", "C1"): "C1:D6001", ("S", "F1"): "F1:G6000", ("S", "I1"): "I1"}
    values = result.values["S"]
    assert (values["C1"], values["D1"], values["C6001"], values["D6001"]) == (0.0, 0.0, 1.0, 1.0)
    assert values["L1"] == 12002.0 + 1.0 and values["L2"] == 0.0  # the cells reading the spill see it
    assert values["I1"] == ErrorValue("#SPILL!") and result.errors == {"#SPILL!": 1}


@pytest.fixture
def udf_calls(monkeypatch) -> list[str]:
    """Names of the cell functions the engine calls, in order."""
    calls = []
    original = functions.CallLog.record
    monkeypatch.setattr(functions.CallLog, "record", lambda log, name, result: calls.append(name) or
                        original(log, name, result))
    return calls


def test_a_single_large_spill_is_placed_without_computing_it_twice(tmp_path, udf_calls):
    path = tmp_path / "one.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("S")
    sheet.write_number("A1", 3.0)
    sheet.write_dynamic_array_formula("C1", "=PARETO_CURVE(A1,5000)")
    sheet.write_formula("F1", "=SUM(C1:C5001)")
    book.close()
    result = recalculate(path)
    assert udf_calls == ["PARETO_CURVE"]
    assert result.spills == {("S", "C1"): "C1:D5001"}
    assert result.values["S"]["F1"] == pytest.approx(5001 / 2)


def test_a_large_spill_recorded_in_the_file_is_placed_before_the_one_evaluation(tmp_path, udf_calls):
    """The file remembers a spill larger than the engine allows: that cell is evaluated and placed first, so
    the workbook is evaluated once and every function runs once (a second evaluation would run the function
    reading the spill again); a result that became small spills as usual; one now blocked shows #SPILL!."""
    path = tmp_path / "recorded.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("S")
    for i, value in enumerate([900.0, 50.0, 30.0, 10.0, 5.0], start=1):
        sheet.write_number(i, 0, value)
    sheet.write_dynamic_array_formula("C1:D6001", "=PARETO_CURVE(A2:A6,6000)")  # recorded as large, is large
    sheet.write_dynamic_array_formula("F1:G6001", "=PARETO_CURVE(A2:A6,4)")     # recorded as large, now small
    sheet.write_dynamic_array_formula("I1:J6001", "=PARETO_CURVE(A2:A6,7000)")  # grows into a value below
    sheet.write_string("J6500", "in the way")
    sheet.write_formula("L1", "=COUNT(C1:D6001)+MAX(D1:D6001)")
    sheet.write_formula("L2", "=SUM(F1:G5)")
    sheet.write_dynamic_array_formula("L3:M4", "=PARETO_CURVE(D1:D6001,1)")
    book.close()
    result = recalculate(path)
    assert udf_calls == ["PARETO_CURVE"] * 4
    assert result.spills == {("S", "C1"): "C1:D6001", ("S", "F1"): "F1:G5", ("S", "L3"): "L3:M4",
                             ("S", "I1"): "I1"}  # #SPILL!: the old results of I1:J6001 go
    values = result.values["S"]
    assert values["L1"] == 12002.0 + 1.0
    assert values["L2"] == pytest.approx(sum(values[f"{c}{r}"] for c in "FG" for r in range(1, 6)))
    assert (values["L3"], values["M3"], values["L4"]) == (0.0, 0.0, 1.0) and values["M4"] == pytest.approx(1.0)
    assert values["I1"] == ErrorValue("#SPILL!") and result.errors == {"#SPILL!": 1}


def test_the_cycle_collector_is_paused_only_while_recalculating(native):
    import gc
    path, _ = native
    assert gc.isenabled()
    recalculate(path)
    assert gc.isenabled()
    gc.disable()
    try:
        recalculate(path)
        assert not gc.isenabled()
    finally:
        gc.enable()
    with pytest.raises(FileNotFoundError):
        recalculate(path.with_name("missing.xlsx"))
    assert gc.isenabled()


def test_macro_enabled_workbook_is_presented_as_xlsx_in_memory(tmp_path):
    path = tmp_path / "book.xlsm"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("S")
    sheet.write_number("A1", 2)
    sheet.write_formula("A2", "=A1*3+THREE_P(\"yes\",\"yes\",\"yes\")")
    vba = tmp_path / "vbaProject.bin"
    vba.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    book.add_vba_project(str(vba))
    book.close()
    original = path.read_bytes()
    assert b"macroEnabled.main+xml" in zipfile.ZipFile(path).read("[Content_Types].xml")
    view = present(original)
    types = zipfile.ZipFile(io.BytesIO(view.data)).read("[Content_Types].xml")
    assert b"macroEnabled.main+xml" not in types and b"sheet.main+xml" in types
    result = recalculate(path)
    assert result.values["S"]["A2"] == 7.0
    assert path.read_bytes() == original


def test_worksheets_scanned_ahead_give_the_view_present_gives_and_a_changed_one_is_scanned_anew(tmp_path,
                                                                                                  monkeypatch):
    from kam_xl.package import zipcopy
    from kam_xl.recalc import xlsx_view

    path = kam_book(tmp_path / "kam.xlsx", generate(40, seed=5, end=AS_OF, years=2), stale_rows=20)
    inflated = zipcopy.Inflated(path)
    xlsx_view.scan_ahead(inflated)
    spilled = [part for part, (xml, _, cleared) in inflated.scans.items() if cleared is not xml]
    assert len(inflated.scans) == 5 and len(spilled) == 1  # every worksheet; the Analysis spill area cleared
    with zipfile.ZipFile(path) as archive:  # a copy with one sheet changed (new bytes), the others kept
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    changed = next(part for part in inflated.scans if part not in spilled)
    parts[changed] = parts[changed].replace(b"</sheetData>", b"</sheetData><!-- edited -->", 1)
    copy = io.BytesIO()
    with zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED) as out:
        for name, body in parts.items():
            out.writestr(name, body)
    scanned = []
    monkeypatch.setattr(xlsx_view, "_found", lambda xml, found=xlsx_view._found: scanned.append(xml) or found(xml))
    ahead = xlsx_view.present(io.BytesIO(copy.getvalue()), inflated)
    assert scanned == [parts[changed]]  # only the sheet that is not the one scanned ahead
    plain = xlsx_view.present(copy.getvalue())
    assert ahead.data == plain.data and ahead.texts == plain.texts and ahead.tables == plain.tables
    assert ahead.sheets == plain.sheets and any(s.arrays for s in ahead.sheets)


# --- helpers -----------------------------------------------------------------------------------------------


def _as_cell(value):
    """An analysis value as the spill shows it (functions.to_engine, then the engine's float egress)."""
    converted = functions.to_engine(value)
    return converted


def _assert_same(actual, expected, where: str) -> None:
    if isinstance(expected, bool) or isinstance(actual, bool):
        assert actual is expected, f"{where}: {actual!r} != {expected!r}"
    elif isinstance(expected, float):
        assert isinstance(actual, float), f"{where}: {actual!r} is not a number ({expected!r})"
        assert math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-12), f"{where}: {actual!r} != {expected!r}"
    else:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"


_letters = a1.column_letters


def test_a_cell_functions_kam_answer_is_a_named_error_and_its_old_spill_shrinks_to_the_anchor(tmp_path):
    path = tmp_path / "kam.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("S")
    for i, value in enumerate([900.0, 50.0, 30.0]):
        sheet.write_number(i, 0, value)
    sheet.write_dynamic_array_formula("C1:D5", '=PARETO_CURVE(A1:A3,"x")')  # recorded over C1:D5
    sheet.write_formula("F1", "=C1")  # shows the same text, but is no answer of a cell function
    book.close()
    result = recalculate(path)
    message = '#KAM: points: "x" is not a number'
    assert result.values["S"]["C1"] == message and result.values["S"]["F1"] == message
    assert result.messages == {("S", "C1"): message} and result.errors == {"#KAM": 1}
    assert result.spills == {("S", "C1"): "C1"} and result.all_computed
    assert "errors #KAM 1" in result.summary()
