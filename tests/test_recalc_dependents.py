"""A cell that reads a cell not computed is not computed either: it keeps its value and is listed, even where
IFERROR would turn the engine's error into a plausible fallback."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import openpyxl
import xlsxwriter

from kam_xl.cli import main
from kam_xl.recalc import recalculate


def book(path: Path) -> Path:
    """A1 calls a function the engine lacks (WEBSERVICE); B1 hides its error behind IFERROR, C1 and Other!A1 read
    B1, D1 reads nothing of it. Every formula carries an old cached value, as Excel left it."""
    workbook = xlsxwriter.Workbook(path)
    sheet = workbook.add_worksheet("Data")
    sheet.write_formula("A1", '=WEBSERVICE("http://example.invalid")', None, "old text")
    sheet.write_formula("B1", "=IFERROR(LEN(A1),0)", None, 8)
    sheet.write_formula("C1", "=B1+1", None, 9)
    sheet.write_number("E1", 2)
    sheet.write_formula("D1", "=E1*10", None, 0)
    other = workbook.add_worksheet("Other sheet")
    other.write_formula("A1", "='Data'!C1*2", None, 18)
    workbook.close()
    return path


def test_cells_downstream_of_a_cell_not_computed_are_not_computed(tmp_path):
    result = recalculate(book(tmp_path / "book.xlsx"))
    assert result.failures[("Data", "A1")].startswith("unsupported: WEBSERVICE")
    for key in (("Data", "B1"), ("Data", "C1"), ("Other sheet", "A1")):
        assert result.failures[key] == "depends on 'Data'!A1, not computed", key
    assert ("Data", "D1") not in result.failures and result.values["Data"]["D1"] == 20
    assert result.computed == result.formulas - 4 and not result.all_computed


def test_recalc_keeps_their_old_values_lists_them_and_exits_1(tmp_path, capsys):
    path = book(tmp_path / "book.xlsx")
    code = main(["recalc", str(path), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    listed = report["files"][0]["not_computed"]
    assert "Data!B1: depends on 'Data'!A1, not computed" in listed
    values = openpyxl.load_workbook(path, data_only=True)
    assert [values["Data"][a].value for a in ("B1", "C1", "D1")] == [8, 9, 20]
    assert values["Other sheet"]["A1"].value == 18
    with zipfile.ZipFile(path) as z:
        assert b"fullCalcOnLoad" in z.read("xl/workbook.xml")


def test_a_corrected_function_that_meets_an_argument_it_leaves_to_excel_is_not_hidden_by_iferror(tmp_path):
    """VALUE of a date written as text is left to Excel; behind IFERROR the engine's answer would become 0."""
    path = tmp_path / "value.xlsx"
    workbook = xlsxwriter.Workbook(path)
    sheet = workbook.add_worksheet("Data")
    sheet.write_string("A1", "2024-03-01")
    sheet.write_formula("B1", "=IFERROR(VALUE(A1),0)", None, 45352)      # Excel's value: the date's serial
    sheet.write_formula("C1", "=B1+1", None, 45353)
    sheet.write_formula("D1", '=VALUE("12")*2', None, 0)
    workbook.close()
    result = recalculate(path)
    assert result.failures[("Data", "B1")].startswith("unsupported: VALUE")
    assert result.failures[("Data", "C1")] == "depends on 'Data'!B1, not computed"
    assert ("Data", "D1") not in result.failures and result.values["Data"]["D1"] == 24
