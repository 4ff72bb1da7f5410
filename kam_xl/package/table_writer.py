"""``write_table``: a DataFrame as the body of an Excel table in a workbook file.

    write_table("Book.xlsm", "Customers", frame) -> TableWrite
    write_table("Book.xlsm", "Transactions", Appended(held, new))     # rows added below the table's own

The parts it owns: the table's sheet (body rows, ``<dimension>``, the ranges of validations and conditional
formats that follow the table), the table part (``ref``, ``autoFilter``, ``sortState``) and, when a defined
name covers the table's columns, workbook.xml. Every other entry is copied byte for byte, and the new file is
swapped in atomically under the kam-xl lock (writer.replace_parts). Each column keeps the style of its first
body row (number format, font, fill); calculated columns get their formula in every row, with no cached value:
run the recalculation afterwards (the book's file adapter does).

An :class:`Appended` body (the table as read, and rows to add below it) is written as their concatenation;
when the rows read are all the table's body rows (none was blank and left out by the reader), those rows stay
in the sheet byte for byte and only the new rows are encoded — an import into a 200,000-line table encodes its
new lines, not 300,000.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kam_xl.a1 import column_letters
from kam_xl.package import table_body, table_part
from kam_xl.package.errors import PackageError
from kam_xl.package.table_cells import CellValueError, cell_tails, formula_tail
from kam_xl.package.table_ranges import moved_names
from kam_xl.package.writer import replace_parts
from kam_xl.package.zipcopy import Inflated


@dataclass(frozen=True)
class TableWrite:
    table: str
    sheet: str
    rows_before: int
    rows_after: int
    ref: str            # the table's new range, e.g. "A1:L201"
    parts: tuple[str, ...]  # the entries rewritten
    kept: int = 0       # body rows left as they were (an append)


@dataclass(frozen=True)
class Appended:
    """A table's body as read (``held``, unchanged: the writer may keep those rows' cells as they are in the
    sheet rather than write ``held`` again) and the rows to add below it (``new``; a column it lacks is blank)."""

    held: pd.DataFrame
    new: pd.DataFrame

    @property
    def frame(self) -> pd.DataFrame:
        """The whole new body."""
        return pd.concat([self.held, self.new], ignore_index=True)


def write_table(path: str | os.PathLike, name: str, frame: pd.DataFrame | Appended, *,
                lock_timeout: float = 10.0) -> TableWrite:
    """Replace the body of table ``name`` by ``frame``, whose columns are the table's (any order, matched by
    name ignoring case); a calculated column is left out of the frame and gets its formula. An empty frame
    leaves one empty row (a table has at least one)."""
    source = Path(path)
    done: list[TableWrite] = []

    def edit(archive, workbook) -> dict[str, bytes]:
        replaced, write = table_parts(source, archive, workbook, name, frame)
        done.append(write)
        return replaced

    replace_parts(source, edit, lock_timeout=lock_timeout)
    return done[0]


def table_parts(source: Path, archive, workbook, name: str, frame: pd.DataFrame | Appended,
                inflated: Inflated | None = None) -> tuple[dict[str, bytes], TableWrite]:
    """The entries :func:`write_table` rewrites, {name: new bytes}, computed on an open package (``archive``,
    its ``workbook`` part), without writing anything; ``source`` names the file in messages. ``inflated``: the
    parts of ``source`` inflated before (an unchanged sheet is taken from there)."""
    try:
        table, tables = table_part.find_table(archive, workbook, name)
    except table_part.TableError as exc:
        raise PackageError(source, f"{source}: {exc}") from None
    where = f"{source}: table {table.name!r} (sheet {table.sheet.name!r})"
    keep = len(frame.held) if isinstance(frame, Appended) and len(frame.held) == table.body_rows else 0
    body = aligned(frame.frame if isinstance(frame, Appended) else frame, table.name, [c.name for c in table.columns],
                   {c.name for c in table.columns if c.formula is not None}, where)
    rows = max(len(body), 1)
    new_last = table.body_row + rows - 1
    _refuse_overlap(table, tables, new_last, where)
    info = archive.getinfo(table.sheet.part)
    sheet_xml = inflated.read(archive, info) if inflated else archive.read(info)
    try:
        styles = table_body.body_styles(sheet_xml, table)
        markup = _rows(body.iloc[keep:], table, styles, table.body_row + keep, rows - keep,
                       table_body.prefix(sheet_xml).decode(), workbook.date1904, where)
        new_sheet = table_body.rewrite_body(sheet_xml, table, markup, keep)
    except table_part.TableError as exc:
        raise PackageError(source, f"{where}: {exc}") from None
    replaced = {table.sheet.part: new_sheet}
    table_xml = archive.read(table.part)
    new_table = table_part.with_last_row(table_xml, table, new_last)
    if new_table != table_xml:
        replaced[table.part] = new_table
    names = moved_names(archive.read(workbook.part), table, new_last)
    if names is not None:
        replaced[workbook.part] = names
    return replaced, TableWrite(table.name, table.sheet.name, table.body_rows, rows, table.ref(new_last),
                                tuple(n for n in archive.namelist() if n in replaced), keep)


def aligned(frame: pd.DataFrame, table: str, columns: list[str], calculated: set[str], where: str) -> pd.DataFrame:
    """``frame`` with the table's value columns in the table's order; PackageError names what does not fit."""
    by_key = {str(c).strip().casefold(): c for c in frame.columns}
    if len(by_key) != len(frame.columns):
        raise PackageError(where, f"{where}: the frame names a column twice (ignoring case)")
    table_keys = {c.strip().casefold(): c for c in columns}
    unknown = [str(c) for k, c in by_key.items() if k not in table_keys]
    if unknown:
        raise PackageError(where, f"{where}: the frame's column {unknown[0]!r} is not in the table (its columns: "
                                  f"{', '.join(columns)}); rename or drop it")
    given_calculated = [table_keys[k] for k in by_key if table_keys[k] in calculated]
    if given_calculated:
        raise PackageError(where, f"{where}: column {given_calculated[0]!r} is calculated by its formula; leave it "
                                  "out of the frame")
    missing = [c for c in columns if c not in calculated and c.strip().casefold() not in by_key]
    if missing:
        raise PackageError(where, f"{where}: the frame has no column {missing[0]!r}; give every column of the "
                                  "table but the calculated ones")
    body = frame[[by_key[c.strip().casefold()] for c in columns if c not in calculated]]
    body.columns = [c for c in columns if c not in calculated]
    return body.reset_index(drop=True)


def _refuse_overlap(table: table_part.Table, tables: list[table_part.Table], new_last: int, where: str) -> None:
    for other in tables:
        if other is table or other.sheet.name != table.sheet.name:
            continue
        if other.first_col <= table.last_col and table.first_col <= other.last_col \
                and table.last_row < other.first_row <= new_last:
            raise PackageError(where, f"{where}: growing to row {new_last} would run into table {other.name!r} "
                                      f"({other.ref()}); move that table and try again")


def _rows(body: pd.DataFrame, table: table_part.Table, styles: dict[int, str], first: int, rows: int, prefix: str,
          date1904: bool, where: str) -> list[str]:
    """The markup of the table's cells, row by row, for sheet rows ``first`` on (``body`` holds those rows): each
    column's cell tails worked out a column at a time, then one row template filled per row."""
    tails, template = [], []
    for offset, column in enumerate(table.columns):
        col = table.first_col + offset
        template.append(f'<{prefix}c r="{column_letters(col)}{{0}}"{styles.get(col, "")}{{{offset + 1}}}')
        if column.formula is not None:
            tails.append(itertools.repeat(formula_tail(column.formula.decode("utf-8"), prefix), rows))
            continue
        values = body[column.name] if len(body) or not rows else pd.Series([None], dtype=object)
        try:
            tails.append(cell_tails(values, prefix, date1904).tolist())
        except CellValueError as exc:
            raise PackageError(where, f"{where}: data row {first - table.body_row + exc.row + 1}, column "
                                      f"{column.name!r}: {exc}") from None
    return list(map("".join(template).format, range(first, first + rows), *tails))
