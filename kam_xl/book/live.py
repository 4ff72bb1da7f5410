"""``LiveBook``: the Book operations on a workbook open in Excel, through xlwings only and in blocks: one
``Range.value`` per block of columns, ``Table.resize`` for the table, never cell by cell.

Beyond the Book protocol, ``write_block`` puts constants into a block of a sheet, for Excel on macOS, which
runs no cell functions (kam_xl.sheets.spills; ``read_named_cell`` gives it the Dossier's selector), and
``write_formula`` puts a spill's formula back on Windows. A file needs neither: its cell functions run in the engine of ``kam-xl recalc``, and a constant written over one
would lose the formula, so FileBook has no such operation.

Text goes in with a leading apostrophe, so Excel keeps it as the text it is (``=1+2``, ``007``, ``1/2``)
instead of reading it as a formula, a number or a date. A column is calculated when its first body cell holds
a formula: Excel fills it into new rows itself, and the frame leaves it out.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from kam_xl.book import frames
from kam_xl.core.settings import Settings
from kam_xl.errors import InputError
from kam_xl.package.defined_names import Area
from kam_xl.stamp import Stamp
from kam_xl.package.table_writer import aligned
from kam_xl.template.sources import Sources

TITLE = "Key Accounts"
HEADER_ROWS = 5  # a sheet without a table: where to look for a Customer ID header


class LiveBook:
    """A workbook open in Excel (an ``xlwings.Book``)."""

    def __init__(self, book):
        self.book = book

    def read_table(self, name: str) -> pd.DataFrame:
        _, table = self._table(name)
        cells = table.range.options(ndim=2).value
        frame = frames.table_frame(cells[0], cells[1:])
        frame.attrs["header_row"] = table.range.row
        return frame

    def write_table(self, name: str, frame: pd.DataFrame) -> None:
        sheet, table = self._table(name)
        whole = table.range
        top, left = whole.row, whole.column
        header = table.header_row_range.options(ndim=2).value[0]
        old_rows = table.data_body_range.shape[0]
        first = table.data_body_range.resize(1, None).options(ndim=2).formula
        calculated = {str(h) for h, f in zip(header, first[0]) if isinstance(f, str) and f.startswith("=")}
        where = f"{self.book.name}: table {table.name!r} (sheet {sheet.name!r})"
        body = aligned(frame, table.name, [str(h) for h in header], calculated, where)
        rows = max(len(body), 1)
        table.resize(sheet.range((top, left), (top + rows, left + len(header) - 1)))
        if old_rows > rows:
            sheet.range((top + rows + 1, left), (top + old_rows, left + len(header) - 1)).clear_contents()
        cells = [[_entered(v) for v in row] for row in frames.grid(body)] or [[None] * len(body.columns)]
        for start, end in _blocks([str(h) in calculated for h in header]):
            names = [str(h) for h in header[start:end]]
            block = [row[body.columns.get_loc(names[0]):body.columns.get_loc(names[-1]) + 1] for row in cells]
            sheet.range((top + 1, left + start), (top + rows, left + end - 1)).value = block

    def read_range(self, name: str) -> pd.DataFrame:
        found = next((n for n in self.book.names if n.name.casefold() == name.casefold()), None)
        if found is None:
            raise InputError(f"the workbook has no name {name!r} (Formulas > Name Manager)", source=self.book.name)
        whole = found.refers_to_range
        sheet, top, left = whole.sheet, whole.row, whole.column
        last = top + whole.shape[0] - 1
        used = sheet.used_range.last_cell.row
        if used > last:  # rows filled right below the range belong to it, up to the first blank one
            below = sheet.range((last + 1, left), (used, left + whole.shape[1] - 1)).options(ndim=2).value
            last += next((i for i, row in enumerate(below) if all(c in (None, "") for c in row)), len(below))
        grid = sheet.range((top, left), (last, left + whole.shape[1] - 1)).options(ndim=2).value
        return frames.range_frame(grid, Area("", 1, 1, len(grid), whole.shape[1]), first_row=top)

    def read_sources(self) -> Sources:
        return frames.sources(self.read_table(frames.SETTINGS_TABLE),
                              lambda: {n.name: n.refers_to for n in self.book.names}, self.book.name)

    def write_block(self, sheet: str, cell: tuple[int, int], values: list[list], rows: int = 0,
                    columns: int = 0) -> None:
        """Put ``values`` (one list per row) into ``sheet`` from ``cell`` (row, column, 1-based), over whatever
        the cells held, formulas too, in one ``Range.value``; the block of ``rows`` x ``columns`` reserved at
        ``cell`` is cleared first, so a longer or wider earlier result leaves nothing behind."""
        target = self.book.sheets[sheet]
        top, left = cell
        width = max((len(row) for row in values), default=1)
        height = max(len(values), 1)
        if rows > height or columns > width:
            target.range((top, left), (top + max(rows, height) - 1, left + max(columns, width) - 1)).clear_contents()
        block = [[None if v == "" else _entered(v) for v in (*row, *[None] * (width - len(row)))]
                 for row in values] or [[None] * width]
        target.range((top, left), (top + height - 1, left + width - 1)).value = block

    def write_formula(self, sheet: str, cell: tuple[int, int], formula: str, rows: int, columns: int) -> bool:
        """Put the dynamic-array ``formula`` back into ``cell`` unless the cell holds a formula: the block of
        ``rows`` x ``columns`` from it (values a Refresh on a Mac wrote) is cleared first, so the spill has
        room. Whether it wrote."""
        target = self.book.sheets[sheet]
        top, left = cell
        held = target.range((top, left)).formula
        if isinstance(held, str) and held.startswith("="):
            return False
        target.range((top, left), (top + rows - 1, left + columns - 1)).clear_contents()
        target.range((top, left)).formula2 = formula
        return True

    def read_settings(self) -> Settings:
        return frames.settings(self.read_table(frames.SETTINGS_TABLE), f"{self.book.name}, table Settings")

    def read_stamp(self) -> Stamp | None:
        """The workbook's stamp (kam_xl.stamp); None without a kam_xl Settings table."""
        return frames.read_stamp(self)

    def read_as_of(self) -> dt.date | None:
        value = self.book.names["kam_as_of"].refers_to_range.value
        return value.date() if isinstance(value, dt.datetime) else value if isinstance(value, dt.date) else None

    def active_customer(self) -> str | None:
        selection = self.book.selection
        sheet, row = selection.sheet, selection.row
        for table in sheet.tables:
            whole = table.range
            if whole.row < row < whole.row + whole.shape[0]:
                at = frames.customer_column(table.header_row_range.options(ndim=2).value[0])
                if at is not None:
                    return _text(sheet.range((row, whole.column + at)).value)
        head = sheet.range((1, 1), (HEADER_ROWS, selection.column + 200)).options(ndim=2).value
        for r, cells in enumerate(head, start=1):
            at = frames.customer_column(cells)
            if at is not None and row > r:
                return _text(sheet.range((row, at + 1)).value)
        return None

    def read_named_cell(self, name: str) -> object:
        """The value of the cell a defined name refers to (for the Mac's Dossier: the selected customer)."""
        return self.book.names[name].refers_to_range.value

    def set_named_cell(self, name: str, value: object) -> None:
        self.book.names[name].refers_to_range.value = _entered(frames.grid(pd.DataFrame([[value]]))[0][0])

    def activate_sheet(self, name: str) -> None:
        self.book.sheets[name].activate()

    def show_message(self, text: str) -> None:
        self.book.app.alert(text, title=TITLE)

    def _table(self, name: str):
        for sheet in self.book.sheets:
            for table in sheet.tables:
                if table.name.casefold() == name.casefold():
                    return sheet, table
        raise InputError(f"no table named {name!r}", source=self.book.name)


def _entered(value):
    """What to hand Excel so the cell gets ``value``: text behind an apostrophe."""
    return "'" + value if isinstance(value, str) else value


def _text(value) -> str | None:
    if value is None or value == "":
        return None
    return f"{value:g}" if isinstance(value, float) else str(value)


def _blocks(calculated: list[bool]) -> list[tuple[int, int]]:
    """(start, end) of each run of columns that are not calculated."""
    runs, start = [], None
    for i, calc in enumerate([*calculated, True]):
        if not calc and start is None:
            start = i
        elif calc and start is not None:
            runs.append((start, i))
            start = None
    return runs
