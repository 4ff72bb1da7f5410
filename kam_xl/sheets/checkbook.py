"""The data check of a whole workbook: on a file (sheet rows as the file has them) or through a Book.

    file_check("KeyAccounts.xlsm") -> DataFrame      # kam_xl.sheets.datacheck.COLUMNS
    book_check(book, as_of) -> DataFrame             # any kam_xl.book.Book (LiveBook in Excel)
"""

from __future__ import annotations

import datetime as dt
import os
import re
import zipfile
from collections.abc import Mapping

import numpy as np
import pandas as pd

from kam_xl import a1
from kam_xl.package import table_part, workbook_part
from kam_xl.sheets.datacheck import data_check
from kam_xl.template.sheet_inputs import TABLES

SETTINGS = "Settings"


def file_check(path: str | os.PathLike, book=None, replaced: Mapping[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """Every problem of the workbook file's input tables and settings; future dates against its as-of date.
    ``book``, a FileBook of ``path``, lends the tables it has read already; ``replaced`` holds tables as they
    are about to be written (a table's body, its n-th row in sheet row n below the table's header)."""
    from kam_xl.book import FileBook
    from kam_xl.readers import read_table
    from kam_xl.sheets.inputs import read_input

    book = book or FileBook(path)
    replaced = {k.casefold(): v for k, v in (replaced or {}).items()}
    sources = book.read_sources()
    with zipfile.ZipFile(path) as archive:
        held = {t.name.casefold() for t in table_part.find_tables(archive, workbook_part.read_workbook(archive))}
    present = [t.name for t in TABLES if sources[t.name].kind == "range" or sources[t.name].where.casefold() in held]

    def table(name: str) -> pd.DataFrame:  # a table about to be replaced: its headers and attrs only
        found = book.sheet_table(name, body=name.casefold() not in replaced)
        return found if found is not None else read_table(path, sheet=name)[0]

    tables = {name: table(name) if sources[name].kind == "ours" else read_input(book, name, sources)
              for name in present}
    _with_error_cells(path, {name: frame for name, frame in tables.items() if name.casefold() not in replaced})
    for name, frame in tables.items():
        if name.casefold() in replaced:
            tables[name] = _as_read(replaced[name.casefold()], frame)
    return data_check(tables, table(SETTINGS), book.read_as_of())


def _as_read(body: pd.DataFrame, read: pd.DataFrame) -> pd.DataFrame:
    """A table body about to be written, as the data check reads it: object cells (a datetime64[ns] column as it
    is: the check reads its dates), indexed by sheet row from the first body row of ``read`` (the table as it is
    now)."""
    first = int(read.attrs.get("header_row", 1)) + 1
    index = pd.RangeIndex(first, first + len(body))
    frame = pd.DataFrame({c: pd.Series(body[c].to_numpy(), index=index) if _stamps(body[c])
                          else pd.Series(body[c].to_numpy(dtype=object), index=index, dtype=object)
                          for c in body.columns})
    frame.attrs.update(read.attrs)
    return frame


def _stamps(cells) -> bool:
    return getattr(cells, "dtype", None) == np.dtype("datetime64[ns]")


_ERROR_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]+)"[^>]*?\st="e"[^>]*>(?:<f[^>]*?(?:/>|>.*?</f>))?<v>([^<]*)</v>',
                         re.DOTALL)


def _with_error_cells(path, tables: dict[str, pd.DataFrame]) -> None:
    """Put each error cell's code ("#N/A") into the frames read from ``path``: the reader shows error cells as
    blanks, the data check names them as error values. Frames are indexed by sheet row."""
    with zipfile.ZipFile(path) as archive:
        book = workbook_part.read_workbook(archive)
        found = {t.name: t for t in table_part.find_tables(archive, book)}
        sheets: dict[str, bytes] = {}
        for name, frame in tables.items():
            table = found.get(name)
            if table is None or frame.attrs.get("row_word") != "row" or not _has_blank_cells(frame):
                continue
            xml = sheets.get(table.sheet.part) or sheets.setdefault(table.sheet.part, archive.read(table.sheet.part))
            if b't="e"' not in xml:  # no error cell in the sheet: nothing to scan for
                continue
            headers = [c.name for c in table.columns]
            for match in _ERROR_CELL.finditer(xml):
                row, col = int(match[2]), a1.column_number(match[1].decode())
                if table.body_row <= row <= table.last_row and table.first_col <= col <= table.last_col \
                        and row in frame.index and headers[col - table.first_col] in frame.columns:
                    column = headers[col - table.first_col]
                    if frame[column].dtype != object:
                        frame[column] = frame[column].astype(object)
                    frame.loc[row, column] = match[3].decode()


_NOT_TEXT = ("floating", "integer", "mixed-integer-float", "date", "datetime", "datetime64", "boolean")


def _has_blank_cells(frame: pd.DataFrame) -> bool:
    """Whether a cell of ``frame`` is missing or "", as the reader shows an error cell (a column inferred to
    hold only numbers, dates or booleans, NaN or NaT at most, holds neither None nor ""; one of only text no
    missing cell)."""
    for i in range(frame.shape[1]):
        values = frame.iloc[:, i].to_numpy(dtype=object)
        kind = pd.api.types.infer_dtype(values, skipna=False)
        if kind not in _NOT_TEXT and ((kind != "string" and pd.isna(values).any()) or (values == "").any()):
            return True
    return False


def book_check(book, as_of: dt.date | None) -> pd.DataFrame:
    """The same through a Book (its tables' n-th row is data row n)."""
    from kam_xl.sheets.inputs import read_input

    sources = book.read_sources()
    tables = {t.name: read_input(book, t.name, sources) for t in TABLES}
    return data_check(tables, book.read_table(SETTINGS), as_of)

