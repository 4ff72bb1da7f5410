"""formualizer against LibreOffice: the same files, recalculated by both, cell by cell.

Every formula cell of the native-function and table workbooks of test_recalc_engine, plus a per-customer
SUMIFS/COUNTIFS/MAXIFS sheet over demo transactions, is recalculated headless by LibreOffice
(kam_xl.recalc.libreoffice) and by formualizer (kam_xl.recalc.recalculate); numbers must agree to 1e-9
relative, texts, booleans and error codes exactly.

Without LibreOffice the tests skip, saying so; with KAM_XL_REQUIRE_LIBREOFFICE=1 (CI) they fail instead.

LibreOffice 7.4 limits what the books may contain (measured): it lacks XLOOKUP (such cells are skipped),
answers #NAME? for a lone special item in single brackets (``Sales[#All]``, ``Sales[#Data]``; it reads
``Sales[[#All]]``) and #N/A for a this-row reference without the table name (``[[#This Row],[Amount]]``).
The books use the forms both engines read; test_recalc_engine covers the others on formualizer alone.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from test_recalc_engine import NATIVE, SHARED, TABLE_EXPECTED, native_book, table_book

from kam_xl.demo import generate
from kam_xl.recalc import ErrorValue, recalculate
from kam_xl.recalc.libreoffice import find_soffice, libreoffice_recalculate

EPOCH = dt.datetime(1899, 12, 30)
#: Functions LibreOffice 7.x does not know (it shows #NAME?): such cells cannot be cross-checked.
LIBREOFFICE_LACKS = ("XLOOKUP", "XMATCH")


def _require_libreoffice() -> None:
    if find_soffice() is None:
        message = "LibreOffice (soffice) is not installed: cross-check against a second engine not run"
        if os.environ.get("KAM_XL_REQUIRE_LIBREOFFICE") == "1":
            pytest.fail(message + " (KAM_XL_REQUIRE_LIBREOFFICE=1)")
        pytest.skip(message)


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, Path]:
    _require_libreoffice()
    folder = tmp_path_factory.mktemp("crosscheck")
    return {"native": native_book(folder / "native.xlsx"), "tables": table_book(folder / "tables.xlsx"),
            "ifs": ifs_book(folder / "ifs.xlsx")}


def ifs_book(path: Path, customers: int = 150) -> Path:
    """Per-customer aggregates over demo transactions with the *IFS functions, as analysts write them."""
    data = generate(customers, seed=5, years=2)
    tx = data.transactions
    book = xlsxwriter.Workbook(path)
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet = book.add_worksheet("Tx")
    sheet.write_row(0, 0, ["Customer", "Date", "Amount"])
    for i, (cid, day, amount) in enumerate(zip(tx["customer_id"], tx["date"], tx["amount"]), start=1):
        sheet.write_string(i, 0, cid)
        sheet.write_datetime(i, 1, day.to_pydatetime(), date_format)
        sheet.write_number(i, 2, float(amount))
    last = len(tx) + 1
    out = book.add_worksheet("Per customer")
    out.write_row(0, 0, ["Customer", "Revenue", "Lines", "Last", "Mean", "Big lines", "Share"])
    for i, cid in enumerate(data.customers["customer_id"], start=2):
        out.write_string(i - 1, 0, cid)
        out.write_formula(i - 1, 1, f"=SUMIFS(Tx!$C$2:$C${last},Tx!$A$2:$A${last},A{i})")
        out.write_formula(i - 1, 2, f"=COUNTIFS(Tx!$A$2:$A${last},A{i})")
        out.write_formula(i - 1, 3, f"=_xlfn.MAXIFS(Tx!$B$2:$B${last},Tx!$A$2:$A${last},A{i})", date_format)
        out.write_formula(i - 1, 4, f"=IFERROR(AVERAGEIFS(Tx!$C$2:$C${last},Tx!$A$2:$A${last},A{i}),\"\")")
        out.write_formula(i - 1, 5, f'=COUNTIFS(Tx!$A$2:$A${last},A{i},Tx!$C$2:$C${last},">=1000")')
        out.write_formula(i - 1, 6, f"=IF(SUM($B$2:$B${customers + 1})=0,0,B{i}/SUM($B$2:$B${customers + 1}))")
    book.close()
    return path


def test_libreoffice_recalculates_instead_of_keeping_cached_values(tmp_path):
    _require_libreoffice()
    path = tmp_path / "cached.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("S")
    sheet.write_number("A1", 2)
    sheet.write_formula("A2", "=A1*21", None, 999)  # a stale cached value
    book.close()
    out = libreoffice_recalculate(path, tmp_path / "lo")
    assert out.name == "cached.xlsx" and out.parent == tmp_path / "lo"
    assert openpyxl.load_workbook(out, data_only=True)["S"]["A2"].value == 42
    assert openpyxl.load_workbook(path, data_only=True)["S"]["A2"].value == 999  # the source is untouched


@pytest.mark.parametrize("name", ["native", "tables", "ifs"])
def test_formualizer_agrees_with_libreoffice(books, tmp_path, name):
    path = books[name]
    ours = recalculate(path)
    theirs = _cached_values(libreoffice_recalculate(path, tmp_path))
    formulas = _formula_cells(path)
    compared, skipped = 0, []
    for (sheet, cell), text in formulas.items():
        mine, other = ours.values[sheet][cell], theirs[sheet].get(cell)
        if other == "#NAME?" and any(f in text.upper() for f in LIBREOFFICE_LACKS):
            skipped.append(cell)
            continue
        _assert_agree(mine, other, f"{name} {sheet}!{cell} ={text}")
        compared += 1
    assert compared >= len(formulas) - 2 and compared > 0, (compared, skipped)
    assert ours.formulas == len(formulas)


def test_expected_values_agree_with_libreoffice_too(books, tmp_path):
    """The hand-written expectations of test_recalc_engine are LibreOffice's answers as well."""
    native = _cached_values(libreoffice_recalculate(books["native"], tmp_path / "n"))["Native"]
    for cell, formula, expected in NATIVE + SHARED:
        if "XLOOKUP" in (formula or ""):
            continue
        _assert_agree(expected, native.get(cell), f"{cell} {formula}")
    tables = _cached_values(libreoffice_recalculate(books["tables"], tmp_path / "t"))
    for sheet, cell, expected in TABLE_EXPECTED:
        _assert_agree(expected, tables[sheet].get(cell), f"{sheet}!{cell}")


# --- helpers ------------------------------------------------------------------------------------------------


def _cached_values(path: Path) -> dict[str, dict[str, object]]:
    book = openpyxl.load_workbook(path, data_only=True)
    out = {}
    for sheet in book.worksheets:
        out[sheet.title] = {c.coordinate: c.value for row in sheet.iter_rows() for c in row if c.value is not None}
    return out


def _formula_cells(path: Path) -> dict[tuple[str, str], str]:
    book = openpyxl.load_workbook(path)  # reading only; shared formulas come back expanded
    out = {}
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for c in row:
                value = c.value
                text = getattr(value, "text", value)
                if isinstance(text, str) and text.startswith("="):
                    out[(sheet.title, c.coordinate)] = text[1:]
    return out


def _assert_agree(mine, other, where: str) -> None:
    if isinstance(other, dt.datetime):  # openpyxl turns numbers in date-formatted cells into dates and times
        other = (other - EPOCH).total_seconds() / 86400
    elif isinstance(other, dt.time):
        other = (other.hour * 3600 + other.minute * 60 + other.second) / 86400
    if isinstance(mine, ErrorValue):
        assert other == mine.code, f"{where}: formualizer {mine.code}, LibreOffice {other!r}"
    elif mine in ("", None) or other in ("", None):
        assert mine in ("", None) and other in ("", None), f"{where}: formualizer {mine!r}, LibreOffice {other!r}"
    elif isinstance(mine, bool) or isinstance(other, bool):
        assert mine is other, f"{where}: formualizer {mine!r}, LibreOffice {other!r}"
    elif isinstance(mine, (int, float)):
        assert isinstance(other, (int, float)), f"{where}: formualizer {mine!r}, LibreOffice {other!r}"
        assert math.isclose(mine, other, rel_tol=1e-9, abs_tol=1e-9), f"{where}: formualizer {mine!r}, " \
                                                                      f"LibreOffice {other!r}"
    else:
        assert mine == other, f"{where}: formualizer {mine!r}, LibreOffice {other!r}"
