"""The input tables of a workbook as the core's canonical frames, read through a :class:`kam_xl.book.Book`
with the same checks and messages as ``kam-xl analyze`` (:mod:`kam_xl.readers`)."""

from __future__ import annotations

import datetime as dt

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kam_xl import readers
from kam_xl.core.settings import Settings

#: Sheet row of a table's header: the input tables of the workbook start in A1.
HEADER_ROW = 1


@dataclass
class Inputs:
    transactions: pd.DataFrame
    customers: pd.DataFrame
    complaints: pd.DataFrame
    settings: Settings
    as_of: dt.date | None = None
    """The Settings sheet's as-of date; None: the last transaction day."""


def read_inputs(book) -> Inputs | None:
    """Transactions, Customers and Complaints (canonical columns) and the Settings of ``book``; None while the
    Transactions table is empty."""
    transactions = _raw(book, "Transactions")
    if transactions[0].empty:
        return None
    return Inputs(readers.transactions_frame(*transactions),
                  readers.customers_frame(*_raw(book, "Customers")),
                  readers.complaints_frame(*_raw(book, "Complaints")),
                  book.read_settings(), book.read_as_of())


def _raw(book, table: str) -> tuple[pd.DataFrame, str]:
    """A table's cells as the readers take them: headers as written, index = sheet row. A FileBook hands them
    so itself (``sheet_table``: the file's own sheet rows, read once for all steps of a refresh)."""
    sheet_table = getattr(book, "sheet_table", None)
    raw = sheet_table(table) if sheet_table is not None else None
    if raw is not None:  # rows entirely blank left out, as read_table leaves them out
        cells = raw.to_numpy(dtype=object)
        blank = (np.equal(cells, None) | (cells == "")).all(axis=1) if cells.size else np.zeros(len(raw), bool)
        kept = raw[~blank]
        kept.attrs = dict(raw.attrs)
        return kept, f"table {table}"
    raw = book.read_table(table)
    raw.index = pd.RangeIndex(HEADER_ROW + 1, HEADER_ROW + 1 + len(raw))
    raw.attrs.update(row_word="row", header_row=HEADER_ROW)
    return raw, f"table {table}"
