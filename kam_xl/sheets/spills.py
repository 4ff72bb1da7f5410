"""What the workbook's kam_xl cell functions show, computed in Python as blocks of values, for Excel on macOS:
xlwings runs macros there but not cell functions, so Refresh writes the values the formulas would spill.

    for spill in spills(book):          # book: a kam_xl.book.Book (read only)
        live.write_block(spill.anchor.sheet, spill.anchor.cell, spill.values, spill.anchor.rows,
                         spill.anchor.columns)

Each block is the result of the cell function itself (:mod:`kam_xl.udfs`), called with the cells Excel would
hand it, read through the Book: the Analysis spill (``CUSTOMER_ANALYSIS``), then, from that spill's columns as
the Matrix and Dossier formulas read them, the Pareto curve (``PARETO_CURVE``), the watch list (``WATCH_LIST``)
and the Dossier's drop-down (``DOSSIER_CUSTOMERS``); ``dossier_spills`` gives the Dossier's lists for the
selected customer (``DOSSIER_YEARS`` …). So the values are those Windows Excel and ``kam-xl recalc`` compute.
The Matrix's counts and shares and the Dossier's overview are native formulas over the Analysis sheet: Excel
on the Mac recalculates them from these values.
Back on Windows, Refresh puts each formula back into its ``anchors`` cell (LiveBook.write_formula).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

import pandas as pd

from kam_xl import udfs
from kam_xl.book.frames import SETTINGS_TABLE
from kam_xl.cells import normalise_header
from kam_xl.core import schema
from kam_xl.core.settings import SOURCE_INPUTS, Settings
from kam_xl.errors import InputError
from kam_xl.template import sheet_analysis, sheet_dossier, sheet_matrix
from kam_xl.template.labels import caption

ANALYSIS_WIDTH = len(schema.ANALYSIS_COLUMNS)


@dataclass(frozen=True)
class Anchor:
    """Where a cell function of the template spills: its ``formula`` in ``cell`` (row, column, 1-based) of
    ``sheet``, and the block of ``rows`` x ``columns`` reserved for its result."""

    sheet: str
    cell: tuple[int, int]
    formula: str
    rows: int
    columns: int


@dataclass(frozen=True)
class Spill:
    """A cell function's result as values (``values``, one list per row) at its anchor."""

    anchor: Anchor
    values: list[list]


def anchors(settings: Settings) -> list[Anchor]:
    """The spills Refresh on a Mac writes as values: the Analysis sheet, the Matrix's Pareto curve and watch
    list (as many rows as ``settings`` list, at least the template's) and the Dossier's drop-down."""
    matrix = sheet_matrix.SHEET
    return [
        Anchor(sheet_analysis.SHEET, (1, 1), sheet_analysis.analysis_formula(), sheet_analysis.ANALYSIS_LAST_ROW,
               ANALYSIS_WIDTH),
        Anchor(matrix, (sheet_matrix.PARETO_FIRST_ROW + 1, sheet_matrix.PARETO_COL + 1), sheet_matrix.PARETO_FORMULA,
               sheet_matrix.PARETO_POINTS + 1, 2),
        Anchor(matrix, (sheet_matrix.WATCH_ROW + 3, 1), sheet_matrix.WATCH_FORMULA,
               max(settings.watch_list_size, Settings().watch_list_size), sheet_matrix.WATCH_COLUMNS),
        dossier_anchors()[0],
    ]


@functools.cache
def dossier_anchors() -> tuple[Anchor, ...]:
    """The Dossier's spills: the drop-down's ids (hidden column J, room for every customer), then its lists."""
    found = []
    for cell, formula, rows, columns in sheet_dossier.spill_anchors():
        ids = formula.startswith("=DOSSIER_CUSTOMERS(")
        found.append(Anchor(sheet_dossier.SHEET, cell, formula, sheet_analysis.MAX_CUSTOMERS if ids else rows,
                            columns))
    return tuple(found)


def spills(book) -> list[Spill]:
    """The Analysis spill, the Matrix's Pareto curve and watch list and the Dossier's drop-down of ``book``,
    as values."""
    settings = book.read_settings()
    sources = book.read_sources()
    raw = {name: _block(book, sources, name) for name in ("Customers", "Transactions", "Complaints")}
    pairs = _settings_range(book.read_table(SETTINGS_TABLE))
    result = udfs.CUSTOMER_ANALYSIS(raw["Customers"], raw["Transactions"], raw["Complaints"], pairs,
                                    book.read_as_of())
    analysis = _grid(result)
    body = analysis[1:] if isinstance(result, list) else []

    def column(name: str) -> list[list]:  # a bounded column of the spill, as the Matrix formulas pass it
        at = schema.ANALYSIS_COLUMNS.index(name)
        return [[row[at]] for row in body] or [[None]]

    pareto = udfs.PARETO_CURVE(column("revenue"), sheet_matrix.PARETO_POINTS)
    watch = udfs.WATCH_LIST(*(column(c) for c in ("customer_id", "key_account", "revenue_12m", "trend", "warning")),
                            settings.watch_list_size)
    ids = udfs.DOSSIER_CUSTOMERS(*(column(c) for c in ("customer_id", "key_account", "revenue")))
    return [Spill(anchor, _grid(values)) for anchor, values in zip(anchors(settings), (analysis, pareto, watch, ids))]


def dossier_spills(book, customer) -> list[Spill]:
    """The Dossier's lists for ``customer`` (the selector's id), as values: each the result of its cell
    function with the arguments of the Dossier's formulas (the as-of day as the Dossier's B2 computes it, the
    "none" caption in the Settings' language, the complaint window of the Settings)."""
    settings = book.read_settings()
    sources = book.read_sources()
    pairs = _settings_range(book.read_table(SETTINGS_TABLE))
    as_of = book.read_as_of() or _last_day(book, sources)
    blocks = {b.function: b for b in (*sheet_dossier.HISTORY, sheet_dossier.CONTACTS, sheet_dossier.COMPETITORS,
                                      sheet_dossier.WINBACK)}
    raw: dict[str, list[list]] = {}
    found = []
    for anchor in dossier_anchors()[1:]:
        block = blocks[anchor.formula[1:anchor.formula.index("(")]]
        if block.table not in raw:
            raw[block.table] = _block(book, sources, block.table)
        theirs = block.table.lower() in SOURCE_INPUTS and sources[block.table].kind != "ours"  # the Dossier passes the map too
        args = [customer, raw[block.table], *([as_of] if block.as_of else []), block.rows,
                caption("dossier.none", settings.language), *([settings.complaint_days] if block.window else []),
                *([pairs] if theirs else [])]
        found.append(Spill(anchor, _grid(getattr(udfs, block.function)(*args))))
    return found


def _last_day(book, sources):
    """MAX(Transactions[Date]) (their date column where the transactions are theirs): the latest date cell,
    None without one."""
    from kam_xl.sheets.inputs import read_input

    transactions = read_input(book, "Transactions", sources)
    days = [v for v in (transactions["Date"] if "Date" in transactions else []) if isinstance(v, dt.date)]
    return max(days, default=None)


def _block(book, sources, table: str) -> list[list]:
    """A table as its formula reads it; an input where the workbook's sources say it lives (``Sales[#All]``,
    ``kam_transactions``): their headers, then the rows."""
    if table.lower() not in SOURCE_INPUTS:  # a table of ours (Winback)
        return _raw(book.read_table(table))
    source = sources[table]
    return _raw(book.read_range(source.name) if source.kind == "range" else book.read_table(source.where))


def _raw(frame: pd.DataFrame) -> list[list]:
    """A table as a cell function receives ``Table[#All]``: the header row, then the rows of cells."""
    return [list(frame.columns)] + [list(row) for row in frame.itertuples(index=False, name=None)]


def _settings_range(frame: pd.DataFrame) -> list[list]:
    """The ``kam_settings`` block: the Settings table's Setting and Value columns, without the header."""
    keys = {normalise_header(c): c for c in frame.columns}
    if "setting" not in keys or "value" not in keys:
        raise InputError(f"table {SETTINGS_TABLE} needs the columns Setting and Value")
    return [[s, v] for s, v in zip(frame[keys["setting"]], frame[keys["value"]])] or [[None, None]]


def _grid(result) -> list[list]:
    return result if isinstance(result, list) else [[result]]
