"""Recalculation that grows linearly with the formulas of a sheet, pinned by structure, never by a clock.

The per-row workbook of benchmarks/recalc.py (VLOOKUPs against a product list, a running total chained
down, a SUMIFS, a calculated column in an Excel table) is recalculated small here: against values computed
in Python, and against LibreOffice (skipped without it, unless KAM_XL_REQUIRE_LIBREOFFICE=1).
"""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path

import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook
from test_recalc_engine import _share

from kam_xl.recalc import recalculate, row_pins, shapes, xlsx_view
from kam_xl.recalc.batch import recalc_file
from kam_xl.recalc.libreoffice import find_soffice, libreoffice_recalculate
from kam_xl.recalc.structured import pin_table_references
from kam_xl.recalc.xlsx_view import Table

ROOT = Path(__file__).resolve().parents[1]


def _bench():
    spec = importlib.util.spec_from_file_location("bench_recalc", ROOT / "benchmarks" / "recalc.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = _bench()


class CountingBytes(bytes):
    """Bytes that add up how many bytes each find/rfind was allowed to look at."""

    scanned = 0

    def rfind(self, sub, start=0, end=None):
        CountingBytes.scanned += (len(self) if end is None else end) - start
        return super().rfind(sub, start, end)

    def find(self, sub, start=0, end=None):
        CountingBytes.scanned += (len(self) if end is None else end) - start
        return super().find(sub, start, end)


def _sheet_without_bare_cells(rows: int) -> bytes:
    """Formula cells whose r is not the first attribute (so the one-pattern pass gives way to the step-back
    scan), and no ``<c>`` without attributes anywhere."""
    cells = "".join(f'<row r="{r}"><c s="1" r="A{r}"><v>{r}</v></c><c s="1" r="B{r}"><f>A{r}*2</f><v>0</v></c>'
                    f'</row>' for r in range(1, rows + 1))
    return (f'<worksheet xmlns="{xlsx_view.MAIN_NS}"><sheetData>{cells}</sheetData></worksheet>').encode()


def test_step_back_scan_reads_a_sheet_without_bare_cells_about_once():
    xml = _sheet_without_bare_cells(3000)
    assert xlsx_view._scan_plain(xml) is None  # r not first: this sheet takes the step-back scan
    CountingBytes.scanned = 0
    found = xlsx_view._scan_fast(CountingBytes(xml))
    assert [(row, col) for row, col, _, _ in found] == [(r, 2) for r in range(1, 3001)]
    assert CountingBytes.scanned <= 3 * len(xml)  # stepping back to the sheet's start: ~1,500 x len(xml)


def test_one_pattern_pass_gives_way_when_a_formula_cell_has_another_form():
    plain = _sheet_without_bare_cells(3).replace(b'<c s="1" r="', b'<c r="')
    assert [(row, col, body) for row, col, _, body in xlsx_view._scan_plain(plain)] == [
        (1, 2, b"A1*2"), (2, 2, b"A2*2"), (3, 2, b"A3*2")]
    odd = plain.replace(b'<c r="B2"><f>', b'<c r="B2"><is><t>x</t></is><f>')
    assert xlsx_view._scan_plain(odd) is None


def test_a_formula_scan_maps_a_shared_formulas_children_to_their_masters_text(tmp_path):
    path = tmp_path / "shared.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("S")
    for r in range(1, 6):
        sheet.write_number(r - 1, 0, r)
        sheet.write_formula(r - 1, 1, f"=A{r}*2", None, 0)
    book.close()
    _share(path, "xl/worksheets/sheet1.xml", "B", 1, 5, "A{r}*2")
    formulas = xlsx_view.present(path.read_bytes()).sheets[0]
    assert formulas.inherited == {1, 2, 3, 4}
    assert len(set(formulas.text_of)) == 1


# --- structured references pinned per formula and placement -----------------------------------------------

TABLES = {
    "sales": Table("Sales", "Sales", 1, 1, 12, 4, ("Qty", "Price", "Value", "Note"), totals_row=True),
    "other": Table("Other", "Elsewhere", 5, 1, 8, 2, ("Code", "Amount")),
}
FORMULAS = [
    "=Sales[[#This Row],[Qty]]*Sales[[#This Row],[Price]]",
    "=[@Qty]*2+11",                                  # a literal that equals a row number: 11
    "=SUM(Sales[Qty])+Sales[@Price]",
    "=Other[@Amount]+Sales[[#This Row],[Qty]:[Price]]",
    "=A1+1",
]


@pytest.mark.parametrize("formula", FORMULAS)
def test_row_templates_pin_exactly_what_pinning_each_cell_gives(formula):
    pins = row_pins.RowPins(TABLES)
    for sheet, col in (("Sales", 3), ("Sales", 6), ("Elsewhere", 3)):
        for row in range(1, 16):  # the header, data rows, the totals row and rows below the table
            assert pins.pin(formula, row, col, sheet) == pin_table_references(formula, row, col, sheet, TABLES)


@pytest.mark.parametrize("formula", FORMULAS)
def test_rows_pinned_together_are_pinned_as_each_cell_alone(formula):
    rows = [1, 2, 3, 5, 6, 9, 10, 11, 12, 13, 14, 15, 40]  # gaps, and across every table edge
    for sheet, col in (("Sales", 3), ("Sales", 6), ("Elsewhere", 3)):
        assert row_pins.RowPins(TABLES).pin_rows(formula, rows, col, sheet) == [
            pin_table_references(formula, row, col, sheet, TABLES) for row in rows]


def test_a_calculated_column_is_pinned_twice_whatever_its_length(monkeypatch):
    calls = []

    def counted(*args):
        calls.append(args)
        return pin_table_references(*args)

    monkeypatch.setattr(row_pins, "pin_table_references", counted)
    table = {"sales": Table("Sales", "Sales", 1, 1, 100_001, 3, ("Qty", "Price", "Value"))}
    pins = row_pins.RowPins(table)
    formula = "=Sales[[#This Row],[Qty]]*Sales[[#This Row],[Price]]"
    assert [pins.pin(formula, row, 3, "Sales") for row in (2, 3, 99_999)] == [
        "=$A2*$B2", "=$A3*$B3", "=$A99999*$B99999"]
    assert pins.pin_rows(formula, list(range(2, 100_002)), 3, "Sales")[-1] == "=$A100001*$B100001"
    assert len(calls) == 2


def test_structured_references_in_a_shared_formula_are_pinned_per_child(tmp_path):
    """Excel may save a filled-down formula as shared: the children's text is relative to the master's cell."""
    path = tmp_path / "shared-table.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Sales")
    sheet.add_table(0, 0, 5, 2, {"name": "Sales", "columns": [{"header": "Qty"}, {"header": "Price"},
                                                                {"header": "Value"}]})
    for r in range(2, 7):
        sheet.write_row(r - 1, 0, [r, 10 * r])
        sheet.write_formula(r - 1, 2, f"=Sales[[#This Row],[Qty]]*B{r}+D{r}", None, 0)
        sheet.write_number(r - 1, 3, r / 2)
    book.close()
    _share(path, "xl/worksheets/sheet1.xml", "C", 2, 6, "Sales[[#This Row],[Qty]]*B{r}+D{r}")
    result = recalculate(path)
    assert not result.failures
    assert [result.values["Sales"][f"C{r}"] for r in range(2, 7)] == [r * 10 * r + r / 2 for r in range(2, 7)]


# --- read-back -------------------------------------------------------------------------------------------


def test_a_formula_between_other_formulas_still_spills_where_there_is_room(tmp_path):
    path = tmp_path / "spills.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("S")
    sheet.write_dynamic_array_formula("A1", "=_xlfn.SEQUENCE(3)")   # a formula right of it, room below
    sheet.write_formula("B1", "=1")
    sheet.write_dynamic_array_formula("D1", "=_xlfn.SEQUENCE(1,3)")  # a formula below it, room right
    sheet.write_formula("D2", "=2")
    sheet.write_formula("H1", "=_xlfn.SEQUENCE(2)")                  # formulas right and below: #SPILL!
    sheet.write_formula("I1", "=3")
    sheet.write_formula("H2", "=4")
    book.close()
    result = recalculate(path)
    assert result.spills == {("S", "A1"): "A1:A3", ("S", "D1"): "D1:F1"}
    assert [result.values["S"][a] for a in ("A2", "A3", "E1", "F1")] == [2.0, 3.0, 2.0, 3.0]
    assert result.errors == {"#SPILL!": 1}


def test_formulas_that_differ_in_digits_only_are_named_by_their_own_functions(tmp_path):
    path = tmp_path / "digits.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("S")
    sheet.write_number("A1", 100)
    sheet.write_formula("B1", "=LOG10(A1)", None, 0)
    sheet.write_formula("B2", "=LOG20(A1)", None, 0)
    sheet.write_formula("B3", "=SUM(A1)+1", None, 0)
    sheet.write_formula("B4", "=SUM(A2)+2", None, 0)
    book.close()
    result = recalculate(path)
    assert result.unsupported == {"LOG20": 1}
    assert result.failures == {("S", "B2"): "unsupported: LOG20"}
    assert result.values["S"]["B1"] == 2.0 and result.values["S"]["B4"] == 2.0


# --- the per-row workbook ------------------------------------------------------------------------------------


def _sheet(path: Path, name: str) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()


def test_per_row_workbook_gets_the_values_computed_in_python(tmp_path):
    rows = 400
    path = bench.per_row_book(tmp_path / "rows.xlsx", rows)
    report = recalc_file(path)
    assert report.ok and report.formulas == report.computed == 5 * rows and not report.errors
    products = {code: (price, category) for code, price, category in _sheet(path, "Products")[1:]}
    targets = {(region, category): target for region, category, target in _sheet(path, "Targets")[1:]}
    running = 0.0
    for order, code, region, qty, *computed in _sheet(path, "Sales")[1:]:
        running += qty
        price, category = products[code]
        assert computed == [running, price, category, targets[(region, category)], qty * price], order


def test_per_row_workbook_values_equal_libreoffices(tmp_path):
    if find_soffice() is None:
        message = "LibreOffice (soffice) is not installed: cross-check against a second engine not run"
        if os.environ.get("KAM_XL_REQUIRE_LIBREOFFICE") == "1":
            pytest.fail(message + " (KAM_XL_REQUIRE_LIBREOFFICE=1)")
        pytest.skip(message)
    rows = 300
    path = bench.per_row_book(tmp_path / "rows.xlsx", rows)
    theirs = libreoffice_recalculate(path, tmp_path / "lo")
    assert recalc_file(path).ok
    compared, found = bench.differences(path, theirs, rows)
    assert compared == 5 * rows and found == []
    assert re.fullmatch(r"P\d{5}", _sheet(path, "Sales")[1][1])


@pytest.mark.parametrize("text, one", [
    ("E2+D3", True), ("Sales[[#This Row],[Qty]]*Sales[[#This Row],[Price]]", True), ("[@Qty]*2+11", True),
    ("Sales[@[Unit Price]]*1.5", True), ('"a"&B2', True), ("'My Sheet'!B2*2", True), ("-$A$1^2%", True),
    ("A1:A3", False), ("SUM(A1)", False), ("LOG10(A1)", False), ("Sales[Qty]", False), ("[@[Qty]:[Price]]", False),
    ("A1#", False), ("Price*2", False), ("{1,2}", False), ("TRUE", False), ("(A1,B1)", False), ("#N/A", False),
    ('"x:y"&A1', True),
])
def test_formulas_of_single_cells_and_operators_give_one_value(text, one):
    """Only such formulas skip the read-back's spill question: a range, name, function or array may spill."""
    assert shapes.one_value(text) is one


def test_a_spill_beside_single_value_formulas_is_still_found(tmp_path):
    path = tmp_path / "spill.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("S")
    sheet.write_column("A1", [1, 2, 3])
    for row in range(3):
        sheet.write_formula(row, 1, f"=A{row + 1}*2", None, 0)  # one value each
    sheet.write_dynamic_array_formula("C1:C1", "=_xlfn.SEQUENCE(3)")  # spills down, nothing below it
    book.close()
    result = recalculate(path)
    assert result.spills == {("S", "C1"): "C1:C3"} and result.values["S"]["C3"] == 3
    assert [result.values["S"][f"B{r}"] for r in (1, 2, 3)] == [2, 4, 6]
