"""Structured references pinned once per formula and placement, not once per cell.

    RowPins(tables).pin(formula, row, col, sheet) -> str    # = pin_table_references(...), the same text
    RowPins(tables).pin_rows(formula, rows, col, sheet) -> list[str]   # the same for many rows of a column

A calculated column repeats one formula down 200,000 rows; pinning each cell's structured references anew
costs ~0.1 ms a cell. The pinned text depends on the row only through the row numbers a this-row reference
becomes (``Sales[[#This Row],[Qty]]`` in row 7 -> ``$D$7``), as long as the cell sits in the same table and
inside or outside the same tables' data rows. So per formula and such placement two cells are pinned; the
runs of digits that are the row in both make a template, every other piece must be equal, and the other
cells of the group are the template filled with their row. A group whose two texts do not fit that pattern
is pinned cell by cell.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from kam_xl.recalc.structured import pin_table_references
from kam_xl.recalc.xlsx_view import Table

_DIGITS = re.compile(r"(\d+)")
_PER_CELL = object()  # a group the template cannot serve


class RowPins:
    def __init__(self, tables: dict[str, Table]):
        self._tables = tables
        self._spans = [(t, t.data_rows) for t in tables.values()]
        self._groups: dict[tuple, object] = {}
        # The rows where a placement can change: where some table's data rows start, and the row after them.
        self._edges = sorted({row for _, rows in self._spans for row in (rows.start, rows.stop)})

    def pin(self, formula: str, row: int, col: int, sheet: str) -> str:
        """``pin_table_references(formula, row, col, sheet, tables)``."""
        key = self._key(formula, row, col, sheet)
        group = self._groups.get(key)
        if isinstance(group, list):  # the template: text pieces and None for the row
            number = str(row)
            return "".join(number if piece is None else piece for piece in group)
        pinned = pin_table_references(formula, row, col, sheet, self._tables)
        if group is None:
            self._groups[key] = (row, pinned)
        elif group is not _PER_CELL:
            self._groups[key] = _template(*group, row, pinned) or _PER_CELL
        return pinned


    def pin_rows(self, formula: str, rows: list[int], col: int, sheet: str) -> list[str]:
        """``[self.pin(formula, row, col, sheet) for row in rows]`` for ascending ``rows``: the placement is
        worked out once per stretch of rows between two table edges, and its template filled for the rest."""
        out: list[str] = []
        start = 0
        while start < len(rows):
            edge = bisect_right(self._edges, rows[start])
            stop = len(rows) if edge == len(self._edges) else bisect_left(rows, self._edges[edge], start)
            out += [self.pin(formula, row, col, sheet) for row in rows[start:min(start + 2, stop)]]
            group = self._groups.get(self._key(formula, rows[start], col, sheet))
            if isinstance(group, list):
                slots = [i for i, piece in enumerate(group) if piece is None]
                pieces = list(group)
                for row in rows[start + 2:stop]:
                    number = str(row)
                    for i in slots:
                        pieces[i] = number
                    out.append("".join(pieces))
            else:
                out += [self.pin(formula, row, col, sheet) for row in rows[start + 2:stop]]
            start = stop
        return out

    def _key(self, formula: str, row: int, col: int, sheet: str) -> tuple:
        home = next((t.name for t, _ in self._spans if t.holds(sheet, row, col)), None)
        return formula, sheet, home, tuple(row in rows for _, rows in self._spans)


def _template(row_a: int, text_a: str, row_b: int, text_b: str) -> list[str | None] | None:
    """Pieces of the text with None where it holds the row, when ``text_a`` (pinned in ``row_a``) and
    ``text_b`` (in ``row_b``) differ exactly there; else None."""
    pieces_a, pieces_b = _DIGITS.split(text_a), _DIGITS.split(text_b)
    if row_a == row_b or len(pieces_a) != len(pieces_b):
        return None
    out: list[str | None] = []
    for i, (a, b) in enumerate(zip(pieces_a, pieces_b)):
        if a == b:
            out.append(a)
        elif i % 2 and a == str(row_a) and b == str(row_b):
            out.append(None)
        else:
            return None
    return out
