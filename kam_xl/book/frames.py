"""Cells to frames and back, the same for both adapters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from kam_xl.cells import normalise_header, settings_from_range, to_cell
from kam_xl.core.settings import Settings
from kam_xl.errors import InputError
from kam_xl.readers.files import cell_grid
from kam_xl.stamp import SETTINGS_TABLE, Stamp
from kam_xl.stamp import of_rows as stamp_of_rows

CUSTOMER_ID = "customer_id"  # a header, normalised ("Customer ID")


def table_frame(header: Sequence, rows: Sequence[Sequence]) -> pd.DataFrame:
    """A table's cells as a frame: blank text as None, dates as datetimes, whole rows of blanks left out."""
    columns = [str(h) if h is not None else "" for h in header]
    cells = cell_grid(rows, len(columns))
    if cells is None:  # rows of other lengths: cut or padded with blanks
        cells = np.empty((len(rows), len(columns)), dtype=object)
        cells[:] = [list(row[:len(columns)]) + [None] * (len(columns) - len(row)) for row in rows]
    for j in range(len(columns)):  # a column at a time, by kind of cell
        cells[:, j] = _cells(cells[:, j])
    kept = cells[~np.equal(cells, None).all(axis=1)] if len(columns) else cells[:0]
    if not len(kept):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    return pd.DataFrame(kept, columns=columns, dtype=object)


def _cells(column: np.ndarray) -> np.ndarray:
    """Read cells as xlwings gives them: blank text None, a date a datetime."""
    types = _TYPE(column)
    column[(types == str) & (column == "")] = None
    days = types == dt.date
    if days.any():  # each distinct day converted once: a table holds a few hundred
        found = column[days]
        midnight = {day: dt.datetime.combine(day, dt.time()) for day in set(found)}
        column[days] = np.frompyfunc(midnight.__getitem__, 1, 1)(found)
    return column


_TYPE = np.frompyfunc(type, 1, 1)


def _cell(value):
    """A read cell as xlwings gives it: blank text None, a date a datetime."""
    if value == "":
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return value


def range_frame(grid: Sequence[Sequence], area, first_row: int | None = None) -> pd.DataFrame:
    """The cells of a plain range (``area`` of a sheet's ``grid``, header row first) as a frame: its header row as
    columns, index = sheet rows, rows entirely blank left out; ``attrs["header_row"]`` = the header's sheet row
    (``first_row`` when ``grid`` starts there rather than in row 1)."""
    width = area.last_col - area.first_col + 1
    shift = (first_row or 1) - 1

    def cells(r: int) -> list:
        row = list(grid[r - 1][area.first_col - 1:area.last_col]) if r <= len(grid) else []
        return [_cell(c) for c in row + [None] * (width - len(row))]

    header = [str(h) if h is not None else "" for h in cells(area.first_row)]
    body = {r: cells(r) for r in range(area.first_row + 1, area.last_row + 1)}
    kept = {r: row for r, row in body.items() if any(c is not None for c in row)}
    frame = pd.DataFrame(list(kept.values()), columns=header, index=[r + shift for r in kept], dtype=object) \
        if kept else pd.DataFrame({c: pd.Series(dtype=object) for c in header})
    frame.attrs["header_row"] = area.first_row + shift
    return frame


def sources(settings_table: pd.DataFrame, names: Callable[[], dict[str, str]], source: str):
    """The workbook's :class:`~kam_xl.template.sources.Sources` from its Settings table and its defined names
    (``names()``, asked only when the Settings record a source)."""
    from kam_xl.core.settings import SOURCE_ROWS
    from kam_xl.template.sources import Sources

    keys = {normalise_header(c): c for c in settings_table.columns}
    if "setting" not in keys or "value" not in keys:
        raise InputError(f"table {SETTINGS_TABLE} needs the columns Setting and Value", source=source)
    pairs = {normalise_header(n): v for n, v in zip(settings_table[keys["setting"]], settings_table[keys["value"]])
             if normalise_header(n) in SOURCE_ROWS}
    if not any(v not in (None, "") for v in pairs.values()):
        return Sources()
    try:
        return Sources.from_settings(pairs, names())
    except ValueError as exc:
        raise InputError(f"table {SETTINGS_TABLE}: {exc}", source=source) from None


def grid(frame: pd.DataFrame) -> list[list]:
    """The frame's values as plain Python cells (NaN/NaT -> None, numpy scalars -> Python, timestamps ->
    datetime), row by row."""
    return [[to_cell(v) for v in row] for row in frame.itertuples(index=False, name=None)]


def settings(frame: pd.DataFrame, source: str) -> Settings:
    """Settings from the Settings table's Setting and Value columns."""
    keys = {normalise_header(c): c for c in frame.columns}
    if "setting" not in keys or "value" not in keys:
        raise InputError(f"table {SETTINGS_TABLE} needs the columns Setting and Value", source=source)
    pairs = [[s, v] for s, v in zip(frame[keys["setting"]], frame[keys["value"]])]
    try:
        return settings_from_range(pairs)
    except ValueError as exc:
        raise InputError(str(exc), source=source) from None


def stamp(frame: pd.DataFrame) -> Stamp | None:
    """The stamp of the Settings table (:mod:`kam_xl.stamp`); None when the table is no kam_xl workbook's."""
    keys = {normalise_header(c): c for c in frame.columns}
    if "setting" not in keys or "value" not in keys:
        return None
    return stamp_of_rows({normalise_header(s): v for s, v in zip(frame[keys["setting"]], frame[keys["value"]])
                          if s is not None})


def read_stamp(book) -> Stamp | None:
    """The stamp of a Book's Settings table; None without a kam_xl Settings table."""
    try:
        return stamp(book.read_table(SETTINGS_TABLE))
    except InputError:
        return None


def customer_column(header: Sequence) -> int | None:
    """Position of the Customer ID column in a header row, or None."""
    names = [normalise_header(h) for h in header]
    return names.index(CUSTOMER_ID) if CUSTOMER_ID in names else None
