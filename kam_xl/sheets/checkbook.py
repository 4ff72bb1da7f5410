"""The data check of a whole workbook: on a file (sheet rows as the file has them) or through a Book.

    file_check("KeyAccounts.xlsm") -> DataFrame      # kam_xl.sheets.datacheck.COLUMNS
    book_check(book, as_of) -> DataFrame             # any kam_xl.book.Book (LiveBook in Excel)
"""

from __future__ import annotations

import datetime as dt
import os

import pandas as pd

from kam_xl.sheets.datacheck import data_check
from kam_xl.template.sheet_inputs import TABLES
from kam_xl.template.sheet_settings import AS_OF_ROW

SETTINGS = "Settings"


def file_check(path: str | os.PathLike) -> pd.DataFrame:
    """Every problem of the workbook file's input tables and settings; future dates against its as-of date."""
    from kam_xl.readers import read_table

    tables = {t.name: read_table(path, sheet=t.name)[0] for t in TABLES}
    return data_check(tables, read_table(path, sheet=SETTINGS)[0], _file_as_of(path))


def book_check(book, as_of: dt.date | None) -> pd.DataFrame:
    """The same through a Book (its tables' n-th row is data row n)."""
    tables = {t.name: book.read_table(t.name) for t in TABLES}
    return data_check(tables, book.read_table(SETTINGS), as_of)


def _file_as_of(path) -> dt.date | None:
    import python_calamine as pc

    with pc.CalamineWorkbook.from_path(path) as book:
        rows = book.get_sheet_by_name(SETTINGS).to_python(skip_empty_area=False, nrows=AS_OF_ROW + 1)
    value = rows[AS_OF_ROW][1] if len(rows) > AS_OF_ROW and len(rows[AS_OF_ROW]) > 1 else None
    return value if isinstance(value, dt.date) else None
