"""Cells to frames and back, the same for both adapters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from kam_xl.cells import normalise_header, settings_from_range, to_cell
from kam_xl.core.settings import Settings
from kam_xl.errors import InputError

SETTINGS_TABLE = "Settings"
CUSTOMER_ID = "customer_id"  # a header, normalised ("Customer ID")


def table_frame(header: Sequence, rows: Sequence[Sequence]) -> pd.DataFrame:
    """A table's cells as a frame: blank text as None, dates as datetimes, whole rows of blanks left out."""
    columns = [str(h) if h is not None else "" for h in header]
    cells = np.empty((len(rows), len(columns)), dtype=object)
    if len(rows):
        cells[:] = [list(row[:len(columns)]) + [None] * (len(columns) - len(row)) for row in rows] \
            if any(len(row) != len(columns) for row in rows) else rows
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
    column[days] = _AT_MIDNIGHT(column[days], dt.time())
    return column


_TYPE = np.frompyfunc(type, 1, 1)
_AT_MIDNIGHT = np.frompyfunc(dt.datetime.combine, 2, 1)


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


def customer_column(header: Sequence) -> int | None:
    """Position of the Customer ID column in a header row, or None."""
    names = [normalise_header(h) for h in header]
    return names.index(CUSTOMER_ID) if CUSTOMER_ID in names else None
