"""kam-xl's engine against LibreOffice on every native-function cell of the demo workbook.

LibreOffice cannot run the kam_xl cell functions, so both engines get the snapshot build of the demo workbook
(the cell-function results stored as plain values): the Matrix counts and shares, label lookups and every other
native formula are then recalculated by both, and must agree (numbers to 1e-9 relative, texts exactly).
"""

from __future__ import annotations

import datetime as dt
import math
import re

import openpyxl
import pytest
from conftest import require_tools

from kam_xl import demo, udfs
from kam_xl.recalc import ErrorValue, recalculate
from kam_xl.recalc.libreoffice import libreoffice_recalculate
from kam_xl.template.workbook import build_workbook

KAM_FUNCTIONS = {name for name in dir(udfs) if name.isupper()}


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    require_tools("soffice", install="libreoffice-calc-nogui")
    folder = tmp_path_factory.mktemp("crosscheck-demo")
    book = build_workbook(folder / "demo.xlsm", demo.generate(400, seed=9), snapshot=True)
    ours = recalculate(book)
    theirs = openpyxl.load_workbook(libreoffice_recalculate(book, folder / "lo"), data_only=True)
    formulas = openpyxl.load_workbook(book)
    return ours, theirs, formulas


def _native_formula_cells(formulas):
    for ws in formulas.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type != "f":  # text such as "=SUM(A1)" typed as data is not a formula
                    continue
                text = cell.value if isinstance(cell.value, str) else getattr(cell.value, "text", None)
                if isinstance(text, str) and not (
                        set(re.findall(r"([A-Z][A-Z0-9_.]*)\s*\(", text.upper())) & KAM_FUNCTIONS):
                    yield ws.title, cell.coordinate, text


def test_every_native_formula_of_the_demo_workbook_agrees_with_libreoffice(both):
    ours, theirs, formulas = both
    cells = list(_native_formula_cells(formulas))
    assert len(cells) > 100  # the Matrix grid, totals, key-account block, captions
    assert {sheet for sheet, _, _ in cells} >= {"Matrix", "About"}
    mismatches = []
    for sheet, ref, text in cells:
        mine = ours.values[sheet].get(ref)
        lo = theirs[sheet][ref].value
        if not _same(mine, lo):
            mismatches.append(f"{sheet}!{ref} {text}: kam-xl {mine!r}, LibreOffice {lo!r}")
    assert mismatches == []


def _same(mine, lo) -> bool:
    if isinstance(mine, ErrorValue):
        return str(lo) == mine.code if hasattr(mine, "code") else str(lo) == str(mine)
    if mine in (None, "") and lo in (None, ""):
        return True
    if isinstance(lo, dt.datetime):  # openpyxl reads a date-formatted number as a date
        lo = (lo - dt.datetime(1899, 12, 30)).total_seconds() / 86400
    if isinstance(mine, bool) or isinstance(lo, bool):
        return bool(mine) == bool(lo) and type(mine) is type(lo)
    if isinstance(mine, (int, float)) and isinstance(lo, (int, float)):
        return math.isclose(mine, lo, rel_tol=1e-9, abs_tol=1e-12)
    return mine == lo
