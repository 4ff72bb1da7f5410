"""The error readers raise: an :class:`InputError` at a place in a table (file, line or row, column)."""

from __future__ import annotations

from kam_xl.errors import InputError


class TableError(InputError):
    """An :class:`InputError` at a place in a table; ``row`` is the number the user sees.

    ``row_word`` is "line" for CSV files (physical line, header included) and "row" for sheets.
    """

    def __init__(self, message: str, *, source: str | None = None, row: int | None = None,
                 column: str | None = None, row_word: str = "row"):
        super().__init__(message, source=source, row=row, column=column)
        self.row_word = row_word
        where = ", ".join(p for p in (source, f"{row_word} {row}" if row is not None else None,
                                      f"column {column}" if column else None) if p)
        self.args = (f"{where}: {message}" if where else message,)
