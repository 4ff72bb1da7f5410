"""The errors readers raise: an :class:`InputError` at a place in a table, or many such places at once."""

from __future__ import annotations

from kam_xl.errors import InputError

SHOWN_ROWS = 50  # bad rows listed in one report; the rest are counted


class TableError(InputError):
    """An :class:`InputError` at a place in a table; ``row`` is the number the user sees.

    ``row_word`` is "line" for CSV files (physical line, header included) and "row" for sheets;
    ``data_row`` (1-based, within the table's data) is shown next to it as "Transactions data row 5",
    the words a cell function uses for the same cell.
    """

    def __init__(self, message: str, *, source: str | None = None, row: int | None = None,
                 column: str | None = None, row_word: str = "row", table: str | None = None,
                 data_row: int | None = None):
        super().__init__(message, source=source, row=row, column=column)
        self.row_word, self.table, self.data_row, self.message = row_word, table, data_row, message
        where = ", ".join(p for p in (source, self.place()) if p)
        self.args = (f"{where}: {message}" if where else message,)

    def place(self) -> str:
        """Row and column without the source: 'line 7 (Transactions data row 5), column Amount'."""
        row = None
        if self.row is not None:
            row = f"{self.row_word} {self.row}"
            if self.data_row is not None:
                row += f" ({self.table + ' ' if self.table else ''}data row {self.data_row})"
        return ", ".join(p for p in (row, f"column {self.column}" if self.column else None) if p)


class BadRowsError(InputError):
    """Several bad rows of one table: the first :data:`SHOWN_ROWS` listed, the rest counted."""

    def __init__(self, source: str, errors: list[TableError], count: int):
        self.errors, self.count = errors, count
        super().__init__("", source=source)
        if count == 1:
            self.args = errors[0].args
            return
        lines = [f"{source}: {count} bad rows — correct them, or pass --skip-bad-rows to leave them out:"]
        lines += [f"  {e.place()}: {e.message}" for e in errors[:SHOWN_ROWS]]
        if count > SHOWN_ROWS:
            lines.append(f"  … and {count - SHOWN_ROWS} more.")
        self.args = ("\n".join(lines),)
