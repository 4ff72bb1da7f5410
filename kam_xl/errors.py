"""The one error type faces turn into a one-line message (CLI exit code 2, a cell's #KAM: text)."""


class InputError(ValueError):
    """Bad input, with where it was found: file or sheet, row, column, value, and the fix."""

    def __init__(self, message: str, *, source: str | None = None, row: int | None = None,
                 column: str | None = None):
        self.source, self.row, self.column = source, row, column
        where = ", ".join(p for p in (source, f"row {row}" if row is not None else None,
                                      f"column {column}" if column else None) if p)
        super().__init__(f"{where}: {message}" if where else message)
