"""Import transactions from an ERP export (CSV or XLSX, German too) into the Transactions table.

    lines, rejected = read_export("export.csv", decimal=",")      # good lines; bad rows as Data check rows
    added, skipped = new_lines(table, lines)                        # what the table does not hold yet
    report = import_file("KeyAccounts.xlsm", "export.csv")         # both, written all or nothing

The export is read by the shared reader (:mod:`kam_xl.readers`) as it is: the same columns by name, number and
date rules and messages as ``kam-xl analyze``. Its bad rows are collected by reading again without them (the
reader names up to 50 per pass; an export with a few bad rows takes one or two passes). A line's key is
(document no., customer, date, amount, margin); where the export has a line no., lines of one key with the same
line no. are one line. For each key only as many lines are added as the export has beyond those the table
holds: importing the same export twice adds nothing, and two equal lines of one invoice are both kept. The
new lines are appended (the table writer's ``Appended``): the rows the table holds stay in the sheet as they
are.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from kam_xl.core import schema
from kam_xl.errors import InputError
from kam_xl.package.table_writer import Appended
from kam_xl.readers import BadRowsError, TableError, read_table, transaction_headers, transactions_frame
from kam_xl.readers.frames import _AMOUNT, _CUSTOMER, _DATE, _locate
from kam_xl.readers.headers import DOCUMENT, LINE
from kam_xl.readers.headers import key as _key
from kam_xl.sheets.datacheck import COLUMNS, ERROR

TABLE = "Transactions"
DOCUMENT_ALIASES = DOCUMENT
LINE_ALIASES = LINE
KEY = ["document_no", schema.CUSTOMER_ID, schema.TX_DATE, schema.TX_AMOUNT, schema.TX_MARGIN]
NUMBERS = KEY[2:]  # the parts of a key that need no text


@dataclass(frozen=True)
class ImportReport:
    source: str
    added: int
    skipped: int
    rejected: pd.DataFrame  # Data check rows, one per bad row of the export

    def line(self) -> str:
        return (f"Import from {self.source}: {self.added:,} lines added, {self.skipped:,} already in the table "
                f"skipped, {len(self.rejected):,} rejected" + (" (see the Data check sheet)." if len(self.rejected)
                                                               else "."))


def read_export(path: str | os.PathLike, *, sheet: str | None = None, sep: str | None = None,
                customer_col: str | None = None, date_col: str | None = None, amount_col: str | None = None,
                margin_col: str | None = None, document_col: str | None = None, line_col: str | None = None,
                date_format: str | None = None, decimal: str | None = None,
                thousands: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The export's good lines (canonical columns, document_no, line_no) and its bad rows as Data check rows."""
    raw, label = read_table(path, sheet=sheet, sep=sep, headers=transaction_headers(customer_col, date_col,
                                                                                    amount_col))
    options = dict(customer_col=customer_col, date_col=date_col, amount_col=amount_col, margin_col=margin_col,
                   date_format=date_format, decimal=decimal, thousands=thousands)
    required = [_locate(raw, label, role, given, True)
                for role, given in ((_CUSTOMER, customer_col), (_DATE, date_col), (_AMOUNT, amount_col))]
    document = _find(raw, label, document_col, DOCUMENT_ALIASES, "--document-col")
    line = _find(raw, label, line_col, LINE_ALIASES, "--line-col")
    remaining, errors = raw, []
    while True:
        filled = ~_blank_rows(remaining, required)
        if not filled.any():
            good = pd.DataFrame(columns=[schema.CUSTOMER_ID, schema.TX_DATE, schema.TX_AMOUNT])
            break
        try:
            good = transactions_frame(remaining, label, **options)
            break
        except BadRowsError as exc:
            found = exc.errors
        except TableError as exc:
            if exc.data_row is None:
                raise
            found = [exc]
        errors += found
        remaining = remaining.drop(index=[e.row for e in found])
    kept = remaining[filled]
    if len(kept) != len(good):
        raise InputError(f"read {len(good)} lines from {len(kept)} rows; pass the column names (--customer-col "
                         "...)", source=label)
    good = good.reset_index(drop=True)
    good["document_no"] = _texts(kept.iloc[:, document]) if document is not None else ""
    good["line_no"] = _texts(kept.iloc[:, line]) if line is not None else ""
    if schema.TX_MARGIN not in good:
        good[schema.TX_MARGIN] = np.nan
    return good, _rejected(raw, errors, Path(path).name)


def new_lines(table: pd.DataFrame, lines: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The export lines the Transactions table (its cells, headers as in the workbook) does not hold yet, and
    how many were skipped: the multiset difference by key, in one pass. Only the rows whose day, amount and
    margin some line has can hold one of the lines: the texts of the others are never worked out (an export
    of new lines meets few rows)."""
    numbers = pd.DataFrame({schema.TX_DATE: pd.to_datetime(_column(table, "Date"), errors="coerce"),
                            schema.TX_AMOUNT: pd.to_numeric(_column(table, "Amount"), errors="coerce"),
                            schema.TX_MARGIN: pd.to_numeric(_column(table, "Margin"), errors="coerce")})
    code = _codes(pd.concat([numbers, lines[NUMBERS]], ignore_index=True))
    near = np.flatnonzero(np.isin(code[:len(numbers)], code[len(numbers):]))
    held = numbers.iloc[near].reset_index(drop=True).assign(
        document_no=_texts(_column(table, "Document no").iloc[near]),
        **{schema.CUSTOMER_ID: _texts(_column(table, "Customer ID").iloc[near])})
    key = _codes(pd.concat([held[KEY], lines[KEY]], ignore_index=True))
    held_count = np.bincount(key[:len(held)], minlength=key.max(initial=-1) + 1)
    keys = key[len(held):]
    line_no = pd.factorize(lines["line_no"].to_numpy(dtype=object))[0]
    distinct = ~pd.Series(keys * (line_no.max(initial=0) + 1) + line_no).duplicated().to_numpy() | \
        (lines["line_no"] == "").to_numpy()
    rank = pd.Series(keys[distinct]).groupby(keys[distinct]).cumcount().to_numpy()
    take = np.zeros(len(lines), dtype=bool)
    take[np.flatnonzero(distinct)] = rank >= held_count[keys[distinct]]
    return lines[take].reset_index(drop=True), int(len(lines) - take.sum())


def table_rows(lines: pd.DataFrame) -> pd.DataFrame:
    """Lines as rows of the Transactions table (its headers); document numbers stay text."""
    return pd.DataFrame({
        "Date": lines[schema.TX_DATE].to_numpy(), "Customer ID": lines[schema.CUSTOMER_ID].astype(object).to_numpy(),
        "Document no": lines["document_no"].replace("", None).astype(object).to_numpy(),
        "Amount": lines[schema.TX_AMOUNT].to_numpy(dtype=float), "Margin": lines[schema.TX_MARGIN].to_numpy(dtype=float),
    })


def import_file(book: str | os.PathLike, export: str | os.PathLike, *,
                reading: tuple[Future, Future] | None = None, **options) -> ImportReport:
    """Add the export's new lines to the workbook file's transactions table (ours, or the user's table the
    workbook reads) and write the Data check table (the export's rejected rows, then the workbook's own
    problems, checked on the table as it will be), with the recalculation, in one atomic write under the
    workbook's lock: any failure leaves the workbook as it was. ``reading``: the workbook's parts and cells,
    their reading begun before (:func:`kam_xl.book.reading.start_inflating`)."""
    from kam_xl.recalc.engine import collector_paused

    with collector_paused():  # a 100,000-line export and a 200,000-line table: millions of objects, no cycles
        return _import_file(Path(book), export, options, reading)


def _import_file(target: Path, export: str | os.PathLike, options: dict,
                 reading: tuple[Future, Future] | None) -> ImportReport:
    from kam_xl.book import FileBook
    from kam_xl.book import reading as cells_reading
    from kam_xl.book.file import require_current, write_tables
    from kam_xl.package import workbook_lock
    from kam_xl.recalc.xlsx_view import scan_ahead
    from kam_xl.sheets.checkbook import file_check

    files = FileBook(target, recalc=False)  # one reading of the workbook, again only if it changes meanwhile
    # The workbook is guarded (its parts inflated once, kept for the recalculation) and read on a second thread
    # (the reader lets go of the GIL), the export parsed on a third, while the cell functions' modules load and
    # then the formulas of the workbook's sheets are found. A problem of the workbook is told first.
    parts, cells = reading or cells_reading.start_inflating(target)
    files.read_ahead(cells)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="kam_xl-export") as pool:
        parsed = pool.submit(read_export, export, **options)
        importlib.import_module("kam_xl.udfs")
        inflated = parts.result()
        scan_ahead(inflated)
        require_current(target, files)
        refuse_plain_range(files)
        lines, rejected = parsed.result()
    with workbook_lock(target):
        fresh, skipped, grown = _with_new_lines(files, lines)
        found = pd.concat([rejected, file_check(target, files, {TABLE: grown.ours} if grown else None)],
                          ignore_index=True)
        # the grown table last: the in-memory copy made after each table holds its large sheet once
        write_tables(target, {"DataCheck": found} | ({grown.name: grown.appended} if grown else {}),
                     inflated=inflated)
    return ImportReport(Path(export).name, len(fresh), skipped, rejected)


@dataclass(frozen=True)
class _Grown:
    """The transactions table's new body: its name, the table as read with the new rows (under its headers),
    the whole body under its headers, and under ours."""

    name: str
    appended: Appended
    body: pd.DataFrame
    ours: pd.DataFrame


def _with_new_lines(book, lines: pd.DataFrame) -> tuple[pd.DataFrame, int, _Grown | None]:
    """The lines the transactions table does not hold yet, how many were skipped, and the grown table (None
    when nothing is new)."""
    from kam_xl.sheets.inputs import input_cells, our_headers

    sources = book.read_sources()
    source = sources[TABLE]
    table, _ = input_cells(book, TABLE, sources)  # under our headers
    fresh, skipped = new_lines(table, lines)
    if not len(fresh):
        return fresh, skipped, None
    if source.kind != "ours":  # the user's own table: its rows under its headers
        table = book.read_table(source.where)
    theirs = our_headers(list(table.columns), source)
    rows = table_rows(fresh)
    rows = rows[[c for c in rows.columns if c in theirs]].rename(columns=theirs)
    appended = Appended(_typed(table), rows)
    body = appended.frame
    return fresh, skipped, _Grown(source.where, appended, body, body.rename(columns={v: k for k, v in theirs.items()}))


def refuse_plain_range(book) -> None:
    """Stop with one line when the workbook reads its transactions from a plain range: Import adds rows to an
    Excel table."""
    source = book.read_sources()[TABLE]
    if source.kind == "range":
        raise InputError(f"Import needs an Excel table, but the transactions are the plain range {source.name} "
                         f"({source.refers_to}); make it a table with kam-xl install --make-tables, or add the lines "
                         "below the range by hand (a refresh takes them in).")


def add_lines(book, lines: pd.DataFrame) -> tuple[int, int]:
    """Add the lines the workbook's transactions table does not hold yet (ours, or the user's table under
    their headers; a column it lacks is left out), through ``book``: (lines added, lines skipped)."""
    refuse_plain_range(book)
    fresh, skipped, grown = _with_new_lines(book, lines)
    if grown:
        book.write_table(grown.name, grown.body)
    return len(fresh), skipped


def _typed(table: pd.DataFrame) -> pd.DataFrame:
    """The table's cells with each column of only dates (or only numbers) and blanks (None, or "" as the reader
    shows an empty text or an error cell) as a typed column, so the table writer encodes it and the data check
    reads it a column at a time; a column holding anything else stays as it is."""
    typed = {}
    for name in table.columns:
        values = table[name].to_numpy(dtype=object)
        kinds = set(map(type, values)) - {type(None)}
        if str in kinds and len(kinds) > 1:  # texts beside numbers or dates: blank if all are ""
            values = np.where(values == "", None, values)
            kinds = set(map(type, values)) - {type(None)}
        if kinds and kinds <= {float, int}:
            typed[name] = pd.Series(values, dtype=object).astype(float)
        elif kinds and kinds <= {dt.date, dt.datetime, pd.Timestamp}:
            typed[name] = pd.to_datetime(pd.Series(values, dtype=object)).astype("datetime64[ns]")
        else:
            typed[name] = table[name]
    return pd.DataFrame(typed, index=table.index)


def _find(raw: pd.DataFrame, label: str, given: str | None, aliases: tuple[str, ...], option: str) -> int | None:
    keys = [_key(h) for h in raw.columns]
    for name in (given,) if given else aliases:
        if _key(name) in keys:
            return keys.index(_key(name))
    if given:
        raise InputError(f'no column "{given}" for {option[2:-4]} no.; columns found: '
                         f'{", ".join(map(str, raw.columns))} — correct {option}.', source=label)
    return None


def _blank_rows(raw: pd.DataFrame, positions: list[int]) -> np.ndarray:
    """Rows blank in every column at ``positions``: a column at a time, only the rows still blank."""
    blank = np.ones(len(raw), dtype=bool)
    for p in positions:
        rows = np.flatnonzero(blank)
        if not len(rows):
            break
        blank[rows] = _blank(raw.iloc[rows, p])
    return blank


def _blank(col: pd.Series) -> np.ndarray:
    """Cells missing, or whose text is only spaces."""
    values = col.to_numpy(dtype=object)
    blank = pd.isna(values)
    blank[~blank] = [not str(v).strip() for v in values[~blank]]
    return blank


def _column(table: pd.DataFrame, header: str) -> pd.Series:
    match = [c for c in table.columns if _key(c) == _key(header)]
    return table[match[0]].reset_index(drop=True) if match else pd.Series([None] * len(table), dtype=object)


def _texts(col: pd.Series) -> np.ndarray:
    """Cells as stripped text; whole numbers without ".0" (an ERP number read from a workbook). Each distinct
    cell is converted once (logical cells become their text first: pandas counts TRUE equal to 1)."""
    cells = col.to_numpy(dtype=object).copy()
    logical = np.fromiter((type(c) is bool for c in cells), bool, len(cells))
    cells[logical] = cells[logical].astype(str)
    codes, distinct = pd.factorize(cells)
    values = pd.Series(distinct, dtype=object)
    number = pd.to_numeric(values.where(values.map(type).isin([int, float])), errors="coerce")
    whole = number.notna() & (number == np.floor(number)) & (number.abs() < 1e15)
    text = values.astype(str).str.strip()
    text[whole] = number[whole].astype(np.int64).astype(str)
    return np.append(text.to_numpy(dtype=object), "")[codes]  # code -1: a missing cell


def _codes(both: pd.DataFrame) -> np.ndarray:
    """One integer per row, equal where the rows' keys are: the text of document no. and customer, the day,
    amount and margin to the cent (blank equal to blank), of the columns ``both`` has; each column factorised
    and the codes combined a column at a time."""
    parts = {"document_no": lambda c: c.astype(object).astype(str),
             schema.CUSTOMER_ID: lambda c: c.astype(object).astype(str),
             schema.TX_DATE: lambda c: pd.to_datetime(c).dt.normalize(),
             schema.TX_AMOUNT: lambda c: pd.Series(c, dtype=float).round(2),
             schema.TX_MARGIN: lambda c: pd.Series(c, dtype=float).round(2)}
    key = np.zeros(len(both), dtype=np.int64)
    for name in both.columns:
        codes, uniques = pd.factorize(parts[name](both[name]), use_na_sentinel=False)
        key = pd.factorize(key * (len(uniques) + 1) + codes)[0]
    return key


def _rejected(raw: pd.DataFrame, errors: list[TableError], name: str) -> pd.DataFrame:
    if not errors:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})
    rows = np.array([e.row for e in errors])
    position = raw.index.get_indexer(rows)
    headers = [str(c) for c in raw.columns]
    values = [raw.iat[p, headers.index(e.column)] if e.column in headers else None for p, e in zip(position, errors)]
    problem, _, fix = zip(*(e.message.partition(" — ") for e in errors))
    order = np.argsort(position, kind="stable")
    frame = pd.DataFrame({"Level": ERROR, "Table": f"Import {name}", "Data row": position + 1, "Sheet row": rows,
                          "Column": [e.column for e in errors], "Value": ["" if v is None else str(v) for v in values],
                          "Problem": problem, "Fix": [f.rstrip(".") for f in fix]})
    return frame.iloc[order].reset_index(drop=True)
