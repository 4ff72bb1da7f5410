"""The conformance workbook: every case of conformance_cases.py in one file (XlsxWriter), recalculated once.

Scalar cases go down column A of the sheet "Cases", array cases every 12th row of "Arrays", cases that need
a sheet of their own (circular references, whole-column spills) onto it. Each formula carries the cached
value PREVIOUS, so a cell reported not computed can be seen to keep it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import xlsxwriter

from conformance_cases import CASES, Case, Err, FullSpill, NOT_COMPUTED, Spill
from conformance_inputs import DATA, NAMES, Date
from kam_xl.recalc import ErrorValue, RecalcResult

PREVIOUS = "previous"
ARRAY_STRIDE = 12


@dataclass(frozen=True)
class Placed:
    case: Case
    sheet: str
    cell: str


def place(cases: list[Case] = CASES) -> list[Placed]:
    """Where each case's formula goes."""
    out, rows = [], {"Cases": 0, "Arrays": 0}
    for case in cases:
        if case.sheet:
            out.append(Placed(case, case.sheet, case.cell))
        elif case.family == "array":
            out.append(Placed(case, "Arrays", f"A{1 + ARRAY_STRIDE * rows['Arrays']}"))
            rows["Arrays"] += 1
        else:
            rows["Cases"] += 1
            out.append(Placed(case, "Cases", f"A{rows['Cases']}"))
    return out


def write(path: Path, placed: list[Placed]) -> Path:
    """The workbook holding the input tables and every placed case."""
    book = xlsxwriter.Workbook(str(path), {"use_future_functions": True})
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    sheets = {}

    def sheet(name):
        if name not in sheets:
            sheets[name] = book.add_worksheet(name)
        return sheets[name]

    for name in ("Cases", "Arrays"):
        sheet(name)
    for name, cells in DATA.items():
        target = sheet(name)
        for address, value in cells.items():
            if isinstance(value, Date):
                target.write_number(address, value, date_format)
            else:
                target.write(address, value)
    sheet("Ag").write_formula("B3", "=NA()", None, "#N/A")
    for name, refers_to in NAMES.items():
        book.define_name(name, refers_to)
    for p in placed:
        target = sheet(p.sheet)
        for address, formula in p.case.setup:
            target.write_formula(address, formula, None, 0)
        if isinstance(p.case.expected, (Spill, FullSpill)):
            target.write_dynamic_array_formula(f"{p.cell}:{p.cell}", p.case.formula, None, PREVIOUS)
        else:
            target.write_formula(p.cell, p.case.formula, None, PREVIOUS)
    book.close()
    return path


def outcome(p: Placed, result: RecalcResult) -> str | None:
    """None when the case holds (Excel's value, or reported not computed and left as it was), else why not."""
    key = (p.sheet, p.cell)
    if key in result.failures:
        kept = p.cell not in result.to_write()[0].get(p.sheet, {})
        return None if kept else f"reported not computed ({result.failures[key]}) but overwritten"
    expected = p.case.expected
    if expected == NOT_COMPUTED:
        return f"must be reported not computed, got {result.values[p.sheet].get(p.cell)!r}"
    values = result.values[p.sheet]
    if isinstance(expected, FullSpill):
        area = result.spills.get(key)
        if area != expected.area:
            return f"spills {area}, Excel {expected.area}"
        head = _column_head(p.cell, expected, values)
        return None if _same_all(head, expected.head, p.case.tol) else f"starts {head}, Excel {expected.head}"
    if isinstance(expected, Spill):
        got = _block(p.cell, len(expected.rows), len(expected.rows[0]), values)
        area = result.spills.get(key)
        want = _area(p.cell, len(expected.rows), len(expected.rows[0]))
        if area != want or not all(_same_all(g, e, p.case.tol) for g, e in zip(got, expected.rows)):
            return f"gives {got} over {area}, Excel {list(expected.rows)} over {want}"
        return None
    got = values.get(p.cell)
    return None if _same(got, expected, p.case.tol) else f"gives {got!r}, Excel {expected!r}"


def _same(got, expected, tol: float) -> bool:
    if isinstance(expected, Err):
        return isinstance(got, ErrorValue) and got.code == expected.code
    if isinstance(expected, bool) or isinstance(got, bool):
        return got is expected
    if isinstance(expected, float):
        return isinstance(got, float) and abs(got - expected) <= max(tol, abs(expected) * 1e-12)
    return got == expected


def _same_all(got, expected, tol) -> bool:
    return len(got) == len(expected) and all(_same(g, e, tol) for g, e in zip(got, expected))


def _split(cell: str) -> tuple[int, int]:
    letters = cell.rstrip("0123456789")
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return int(cell[len(letters):]), col


def _a1(row: int, col: int) -> str:
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row}"


def _area(cell: str, height: int, width: int) -> str:
    row, col = _split(cell)
    return f"{cell}:{_a1(row + height - 1, col + width - 1)}"


def _block(cell: str, height: int, width: int, values: dict) -> list[tuple]:
    row, col = _split(cell)
    return [tuple(values.get(_a1(r, c)) for c in range(col, col + width)) for r in range(row, row + height)]


def _column_head(cell: str, expected: FullSpill, values: dict) -> tuple:
    row, col = _split(cell)
    n = len(expected.head)
    across = expected.area.split(":")[1].rstrip("0123456789") != cell.rstrip("0123456789")
    cells = [_a1(row, col + i) if across else _a1(row + i, col) for i in range(n)]
    return tuple(values.get(c) for c in cells)
