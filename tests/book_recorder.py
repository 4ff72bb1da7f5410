"""A recorder of the xlwings calls LiveBook makes: exactly those calls, with xlwings' own signatures (the
tests check them against the installed xlwings), on an in-memory grid that behaves as Excel does where it
matters: a value entered as text behind an apostrophe stays text, "=…" becomes a formula, a resized table
fills its calculated columns into new rows. ``calls`` lists every call, so a test can see they are batched."""

from __future__ import annotations

import builtins
from typing import Any


class App:
    def __init__(self, book: Book):
        self.book = book

    def calculate(self) -> None:
        self.book.calls.append(("calculate",))

    def alert(self, prompt: str, title: str | None = None, buttons: str = "ok", mode: str | None = None,
              callback: str | None = None) -> str | None:
        self.book.calls.append(("alert", prompt))
        self.book.messages.append(prompt)
        return None


class Name:
    def __init__(self, sheet: Sheet, row: int, col: int, last_row: int | None = None, last_col: int | None = None,
                 name: str = ""):
        self._sheet, self._row, self._col, self._name = sheet, row, col, name
        self._last_row, self._last_col = last_row or row, last_col or col

    @property
    def name(self) -> str:
        return self._name

    @property
    def refers_to(self) -> str:
        from kam_xl.a1 import column_letters

        return (f"='{self._sheet.name}'!${column_letters(self._col)}${self._row}:${column_letters(self._last_col)}"
                f"${self._last_row}")

    @property
    def refers_to_range(self) -> Range:
        return Range(self._sheet, self._row, self._col, self._last_row, self._last_col)


class Names:
    def __init__(self, book: Book):
        self.book = book

    def __getitem__(self, item):
        return self.book.defined[item]

    def __iter__(self):
        return iter(self.book.defined.values())


class Range:
    def __init__(self, sheet: Sheet, r1: int, c1: int, r2: int, c2: int, ndim: int | None = None):
        self._sheet, self._r1, self._c1, self._r2, self._c2, self._ndim = sheet, r1, c1, r2, c2, ndim

    @property
    def sheet(self) -> Sheet:
        return self._sheet

    @property
    def row(self) -> int:
        return self._r1

    @property
    def column(self) -> int:
        return self._c1

    @property
    def shape(self) -> tuple[int, int]:
        return self._r2 - self._r1 + 1, self._c2 - self._c1 + 1

    @property
    def last_cell(self) -> Range:
        return Range(self._sheet, self._r2, self._c2, self._r2, self._c2)

    def options(self, convert: Any = None, **options: Any) -> Range:
        return Range(self._sheet, self._r1, self._c1, self._r2, self._c2, options.get("ndim"))

    def resize(self, row_size: int | None = None, column_size: int | None = None) -> Range:
        rows, cols = self.shape
        return Range(self._sheet, self._r1, self._c1, self._r1 + (row_size or rows) - 1,
                     self._c1 + (column_size or cols) - 1)

    def _grid(self, cells: dict) -> Any:
        grid = [[cells.get((r, c)) for c in range(self._c1, self._c2 + 1)] for r in range(self._r1, self._r2 + 1)]
        if self._ndim == 2:
            return grid
        if self.shape == (1, 1):
            return grid[0][0]
        return grid[0] if self.shape[0] == 1 else [row[0] for row in grid] if self.shape[1] == 1 else grid

    @property
    def value(self) -> Any:
        self._sheet.book.calls.append(("get value", self._address()))
        return self._grid(self._sheet.values)

    @value.setter
    def value(self, data: Any) -> None:
        self._sheet.book.calls.append(("set value", self._address()))
        rows = data if isinstance(data, list) and data and isinstance(data[0], list) else [[data]]
        assert (len(rows), len(rows[0])) == self.shape, "a block must fill its range"
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                self._sheet.enter(self._r1 + i, self._c1 + j, v)

    @property
    def formula(self) -> Any:
        self._sheet.book.calls.append(("get formula", self._address()))
        return self._grid({k: v for k, v in self._sheet.formulas.items()})

    @property
    def formula2(self) -> Any:
        self._sheet.book.calls.append(("get formula2", self._address()))
        return self._grid(self._sheet.formulas)

    @formula2.setter
    def formula2(self, value: str) -> None:
        self._sheet.book.calls.append(("set formula2", self._address()))
        assert self.shape == (1, 1), "a dynamic-array formula goes into its anchor cell"
        self._sheet.values.pop((self._r1, self._c1), None)
        self._sheet.formulas[(self._r1, self._c1)] = value

    def clear_contents(self) -> None:
        self._sheet.book.calls.append(("clear_contents", self._address()))
        for r in range(self._r1, self._r2 + 1):
            for c in range(self._c1, self._c2 + 1):
                self._sheet.values.pop((r, c), None)
                self._sheet.formulas.pop((r, c), None)

    def _address(self) -> str:
        return f"{self._sheet.name}!R{self._r1}C{self._c1}:R{self._r2}C{self._c2}"


class Table:
    def __init__(self, sheet: Sheet, name: str, r1: int, c1: int, r2: int, c2: int, calculated: dict[int, str]):
        self._sheet, self._name, self._box, self._calculated = sheet, name, [r1, c1, r2, c2], calculated
        for col, formula in calculated.items():
            for r in range(r1 + 1, r2 + 1):
                sheet.formulas[(r, col)] = formula

    @property
    def name(self) -> str:
        return self._name

    @property
    def range(self) -> Range:
        return Range(self._sheet, *self._box)

    @property
    def header_row_range(self) -> Range:
        r1, c1, _, c2 = self._box
        return Range(self._sheet, r1, c1, r1, c2)

    @property
    def data_body_range(self) -> Range:
        r1, c1, r2, c2 = self._box
        return Range(self._sheet, r1 + 1, c1, r2, c2)

    def resize(self, range: Range) -> None:
        self._sheet.book.calls.append(("resize", range._address()))
        old_last, new = self._box[2], range
        self._box = [new._r1, new._c1, new._r2, new._c2]
        for col, formula in self._calculated.items():  # Excel fills calculated columns into new rows
            for r in builtins.range(old_last + 1, new._r2 + 1):
                self._sheet.formulas[(r, col)] = formula


class Tables:
    def __init__(self):
        self._tables: list[Table] = []

    def __iter__(self):
        return iter(self._tables)

    def __getitem__(self, key):
        return next(t for t in self._tables if t.name == key)


class Sheet:
    def __init__(self, book: Book, name: str):
        self.book, self._name = book, name
        self.values: dict[tuple[int, int], Any] = {}
        self.formulas: dict[tuple[int, int], str] = {}
        self._tables = Tables()

    @property
    def name(self) -> str:
        return self._name

    @property
    def tables(self) -> Tables:
        return self._tables

    @property
    def used_range(self) -> Range:
        cells = list(self.values) + list(self.formulas) or [(1, 1)]
        return Range(self, min(r for r, _ in cells), min(c for _, c in cells), max(r for r, _ in cells),
                     max(c for _, c in cells))

    def range(self, cell1, cell2=None) -> Range:
        r2, c2 = cell2 if cell2 is not None else cell1
        return Range(self, cell1[0], cell1[1], r2, c2)

    def activate(self) -> None:
        self.book.calls.append(("activate", self._name))
        self.book.active = self._name

    def enter(self, r: int, c: int, v: Any) -> None:
        """A value entered as Excel takes it."""
        self.formulas.pop((r, c), None)
        if isinstance(v, str) and v.startswith("'"):
            self.values[(r, c)] = v[1:]
        elif isinstance(v, str) and v.startswith("="):
            self.formulas[(r, c)] = v
            self.values.pop((r, c), None)
        elif v is None:
            self.values.pop((r, c), None)
        else:
            self.values[(r, c)] = v

    def add_table(self, name: str, header: list[str], top: int = 1, left: int = 1,
                  calculated: dict[str, str] | None = None) -> Table:
        for j, h in enumerate(header):
            self.values[(top, left + j)] = h
        cols = {left + header.index(h): f for h, f in (calculated or {}).items()}
        table = Table(self, name, top, left, top + 1, left + len(header) - 1, cols)
        self._tables._tables.append(table)
        return table


class Sheets:
    def __init__(self, book: Book):
        self.book = book

    def __iter__(self):
        return iter(self.book.sheet_list)

    def __getitem__(self, key):
        return next(s for s in self.book.sheet_list if s.name == key)


class Book:
    def __init__(self, name: str = "Book.xlsm"):
        self._name = name
        self.sheet_list: list[Sheet] = []
        self.defined: dict[str, Name] = {}
        self.calls: list[tuple] = []
        self.messages: list[str] = []
        self.active: str | None = None
        self._selection: Range | None = None
        self._app = App(self)

    @property
    def name(self) -> str:
        return self._name

    @property
    def sheets(self) -> Sheets:
        return Sheets(self)

    @property
    def names(self) -> Names:
        return Names(self)

    @property
    def app(self) -> App:
        return self._app

    @property
    def selection(self) -> Range:
        return self._selection

    def add_sheet(self, name: str) -> Sheet:
        sheet = Sheet(self, name)
        self.sheet_list.append(sheet)
        return sheet

    def select(self, sheet: Sheet, row: int, col: int) -> None:
        self._selection = Range(sheet, row, col, row, col)


#: Each recorder class and the xlwings class whose calls it records.
XLWINGS_CLASSES = {App: "App", Name: "Name", Names: "Names", Range: "Range", Table: "Table", Tables: "Tables",
                   Sheet: "Sheet", Sheets: "Sheets", Book: "Book"}
#: Helpers of the recorder itself (how a test sets it up), not xlwings calls.
SETUP = {"add_sheet", "select", "add_table", "enter"}
