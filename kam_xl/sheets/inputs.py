"""The input tables of a workbook as the core's canonical frames, read through a :class:`kam_xl.book.Book`
with the same checks and messages as ``kam-xl analyze`` (:mod:`kam_xl.readers`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kam_xl import readers
from kam_xl.core.settings import Settings
from kam_xl.readers.headers import find_columns
from kam_xl.template.sheet_inputs import TABLES
from kam_xl.template.sources import Sources

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
    """Transactions, Customers and Complaints (canonical columns) and the Settings of ``book``, read where the
    workbook's sources say they live; None while there are no transactions."""
    sources = book.read_sources()
    transactions = input_cells(book, "Transactions", sources)
    if transactions[0].empty:
        return None
    return Inputs(readers.transactions_frame(*transactions),
                  readers.customers_frame(*input_cells(book, "Customers", sources)),
                  readers.complaints_frame(*input_cells(book, "Complaints", sources)),
                  book.read_settings(), book.read_as_of())


def read_input(book, table: str, sources: Sources | None = None) -> pd.DataFrame:
    """An input's cells where the workbook's sources say they live (our table, their table, their plain range),
    the columns of our table under our headers (found by the column map, else by name or alias), their other
    columns as they are; index = sheet rows, ``attrs`` row_word and header_row, as the readers take them."""
    source = (sources or book.read_sources())[table]
    raw = book.read_range(source.name) if source.kind == "range" else book.read_table(source.where)
    header_row = raw.attrs.get("header_row", HEADER_ROW)
    if source.kind != "range":
        raw.index = pd.RangeIndex(header_row + 1, header_row + 1 + len(raw))
    if source.kind != "ours":
        renamed = {theirs: ours for ours, theirs in our_headers(list(raw.columns), source).items()}
        clashing = [c for c in raw.columns if c in renamed.values() and c not in renamed]
        raw = raw.drop(columns=clashing).rename(columns=renamed)
    raw.attrs.update(row_word="row", header_row=header_row, where=source.where)
    return raw


def our_headers(headers: list, source) -> dict[str, str]:
    """Our header -> the header in ``headers`` holding that column (the source's column map, else by name or
    alias), for each column of our table found."""
    ours = next(t for t in TABLES if t.name == source.table)
    found = find_columns(headers, ours.name, [c.canonical for c in ours.columns], dict(source.columns))
    return {c.header: headers[found[c.canonical]] for c in ours.columns if c.canonical in found}


def input_cells(book, table: str, sources: Sources) -> tuple[pd.DataFrame, str]:
    """An input's cells as the readers take them (:func:`read_input`; rows entirely blank left out) and how
    messages name it. Our own table in a FileBook comes from the file's reading shared by all steps of a
    refresh or an import (``sheet_table``: the cells as read, indexed by the file's own sheet rows)."""
    sheet_table = getattr(book, "sheet_table", None)
    raw = sheet_table(table) if sheet_table is not None and sources[table].kind == "ours" else None
    if raw is not None:  # rows entirely blank left out, as read_table leaves them out
        blank = _blank_rows(raw)
        kept = raw[~blank]
        kept.attrs = dict(raw.attrs)
        return kept, f"table {table}"
    raw = read_input(book, table, sources)
    where = raw.attrs["where"]
    return raw, f"table {table}" if where == table else f"{table} ({where})"


def _blank_rows(raw: pd.DataFrame) -> np.ndarray:
    """Which rows hold only empty cells (None or ""), a column at a time, only the rows still blank; done once
    none is left (nearly always after the first column)."""
    blank = np.full(len(raw), raw.shape[1] > 0)
    for i in range(raw.shape[1]):
        rows = np.flatnonzero(blank)
        if not len(rows):
            break
        cells = raw.iloc[:, i].to_numpy(dtype=object)[rows]
        blank[rows] = np.equal(cells, None) | (cells == "")
    return blank
