"""Find where a workbook keeps its transactions, customers and complaints (read-only).

Tables come from the package layer (:mod:`kam_xl.package.table_part`: name, sheet, range, headers), cells from
python-calamine. A plain range is a sheet without tables whose header row is the first of its top
:data:`kam_xl.readers.files.HEADER_ROWS` rows holding the input's required columns; it spans the header
cells next to each other around the columns found, down to the last row with a value in them.

Without an option naming it, an input is found where exactly one table or sheet fits: transactions need
customer, date and amount columns; customers a customer column and one more of theirs (name, flags, budget)
and no date-and-amount; complaints customer, date and category or severity, and no amount.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kam_xl.a1 import column_letters
from kam_xl.core import schema
from kam_xl.install.found import INPUTS, SEARCHED, Found, InstallError, Located
from kam_xl.install.headers import Match, header_text, match
from kam_xl.package import table_create, table_part, workbook_part
from kam_xl.package.limits import guard
from kam_xl.readers.columns import _ids
from kam_xl.readers.files import HEADER_ROWS

OPTIONS = {name: f"--{name}" for name in SEARCHED}
_WORDS = {"transactions": "transaction lists", "customers": "customer lists", "complaints": "complaint lists"}


@dataclass
class _Candidate:
    """A table, or a header row of a sheet, and how it fills one input's columns."""

    sheet: str
    table: table_part.Table | None
    row: int                # sheet rows: index among the sheet's rows from its first filled one; tables: -1
    found: Match
    sheet_row: int = 0      # the header row as the sheet numbers it (sheet candidates)

    @property
    def name(self) -> str:
        return self.table.name if self.table else self.sheet

    def where(self) -> str:
        if self.table:
            return f"table {self.table.name} (sheet {self.sheet})"
        return f"sheet {self.sheet}, header row {self.sheet_row}"


class _Book:
    """Their workbook opened read-only: its tables and worksheets, each sheet's rows read once."""

    def __init__(self, path: Path):
        import python_calamine as pc

        guard(path)  # a zip bomb or hostile XML is refused before anything parses it
        try:
            with zipfile.ZipFile(path) as archive:
                workbook = workbook_part.read_workbook(archive)
                if "kam_settings" in {n.casefold() for n in table_create.defined_names(archive, workbook.part)}:
                    raise InstallError(f"{path.name} holds kam_xl already — to bring it up to this kam_xl: kam-xl "
                                       f"install --upgrade {path.name}")
                if any(n.lower() == "xl/vbaproject.bin" for n in archive.namelist()):
                    raise InstallError(f"{path.name} holds a VBA project, and install does not merge macros — save a "
                                       "copy without macros (File > Save As > Excel Workbook .xlsx) and install into "
                                       "that, or keep your macros in a separate add-in")
                every = table_part.find_tables(archive, workbook)
                self.tables = [t for t in every if t.header]
                self.all_tables = [t.name for t in every]
                self.names = sorted(table_create.defined_names(archive, workbook.part))
        except (zipfile.BadZipFile, workbook_part.WorkbookError, table_part.TableError) as exc:
            raise InstallError(f"{path.name} cannot be read as an Excel workbook ({exc}) — open it in Excel and "
                               "save it again as .xlsx") from None
        self.all_sheets = [s.name for s in workbook.sheets]
        self.sheets = [s.name for s in workbook.sheets if s.kind == "worksheet"]
        with_tables = {t.sheet.name for t in self.tables}
        self.plain = [s for s in self.sheets if s not in with_tables]
        try:
            self.cal = pc.CalamineWorkbook.from_path(str(path), load_tables=True)
        except pc.PasswordError:
            raise InstallError(f"{path.name} is password-protected — save a copy without a password") from None
        except (pc.CalamineError, OSError, ValueError) as exc:
            raise InstallError(f"{path.name} cannot be read ({exc}) — open it in Excel and save it again") from None
        self._rows: dict[tuple[str, bool], tuple[int, int, list[list]]] = {}

    def close(self) -> None:
        self.cal.close()

    def rows(self, sheet: str, top_only: bool = False) -> tuple[int, int, list[list]]:
        """(first row, first column) of the sheet's used area (0-based) and its rows from there: all of them, or
        the top :data:`HEADER_ROWS` (all a search for the header needs)."""
        key = (sheet, top_only)
        if key not in self._rows:
            ws = self.cal.get_sheet_by_name(sheet)
            if ws.start is None:
                rows = []
            elif top_only:
                rows = ws.to_python(skip_empty_area=True, nrows=HEADER_ROWS)
            else:
                rows = ws.to_python(skip_empty_area=True)
            self._rows[key] = (*(ws.start or (0, 0)), rows)
        return self._rows[key]

    def filled(self, sheet: str) -> bool:
        return bool(self.rows(sheet, top_only=True)[2])

    def listing(self) -> str:
        tables = ", ".join(t.name for t in self.tables) or "none"
        return f"sheets: {', '.join(self.sheets) or 'none'}; tables: {tables}"

    def table_candidates(self, input: str, given: dict[str, str], tables=None) -> list[_Candidate]:
        return [_Candidate(t.sheet.name, t, -1, match(input, [c.name for c in t.columns], given, t.first_col))
                for t in (self.tables if tables is None else tables)]

    def header_candidates(self, input: str, sheet: str, given: dict[str, str]) -> list[_Candidate]:
        """One candidate per top row of ``sheet`` (complete ones first, then by required columns found)."""
        top, left, rows = self.rows(sheet, top_only=True)
        found = []
        for i, row in enumerate(rows[:HEADER_ROWS]):
            found.append(_Candidate(sheet, None, i, match(input, row, given, left + 1), top + i + 1))
        return sorted(found, key=lambda c: (not c.found.complete, -c.found.required_found, c.row))


def discover(path: str | Path, *, transactions: str | None = None, customers: str | None = None,
             complaints: str | None = None, mapping: dict[str, dict[str, str]] | None = None) -> Found:
    """Where their workbook keeps each input, the customer ids of its transactions, and what it lacks.

    ``transactions``, ``customers``, ``complaints`` name a table or sheet (tables win); ``mapping`` is
    :func:`kam_xl.install.options.parse_map`'s result. InstallError (one line) when an input cannot be settled.
    """
    path = Path(path)
    named = {"transactions": transactions, "customers": customers, "complaints": complaints}
    mapping = mapping or {}
    book = _Book(path)
    try:
        located: list[Located] = []
        used: dict[tuple[str, str | None], str] = {}
        for input in SEARCHED:
            candidate = _pick(book, input, named[input], mapping.get(input, {}), used)
            if candidate is None:
                continue
            used[(candidate.sheet, candidate.table.name if candidate.table else None)] = input
            located.append(_located(book, input, candidate))
        ids = _customer_ids(book, located[0])
        kept = _ours_already(book)
    finally:
        book.close()
    have = {loc.input for loc in located} | kept
    lacking = tuple(name for name in INPUTS if name.lower() not in have)
    return Found(str(path), tuple(located), ids, lacking, tuple(book.all_sheets), tuple(book.all_tables),
                 tuple(book.names))


def _pick(book: _Book, input: str, name: str | None, given: dict[str, str],
          used: dict[tuple[str, str | None], str]) -> _Candidate | None:
    """The one table or sheet holding ``input`` (None for a missing optional input); InstallError otherwise."""
    if name is not None:
        candidate = _named(book, input, name, given)
        other = used.get((candidate.sheet, candidate.table.name if candidate.table else None))
        if other is not None:
            raise InstallError(f"{OPTIONS[input]} {name}: {candidate.where()} holds the {other} — name the "
                               f"table or sheet of the {input} themselves")
        return candidate
    fits = []
    for sheet_or_table in [*book.table_candidates(input, given),
                           *(book.header_candidates(input, s, given)[0] for s in book.plain if book.filled(s))]:
        key = (sheet_or_table.sheet, sheet_or_table.table.name if sheet_or_table.table else None)
        if key not in used and _fits(book, input, sheet_or_table):
            fits.append(sheet_or_table)
    if len(fits) > 1:  # a table or sheet named for the input settles it (Complaints beside Tenders)
        fits = [c for c in fits if c.name.casefold() == input.casefold()] or fits
    if len(fits) > 1:
        shown = ", ".join(c.where() for c in fits[:-1]) + " and " + fits[-1].where()
        count = "two" if len(fits) == 2 else str(len(fits))
        raise InstallError(f"{count} candidate {_WORDS[input]}: {shown} — name one with {OPTIONS[input]} "
                           f"\"{fits[0].name}\"")
    if fits:
        fits[0].found.settle(fits[0].where())
        return fits[0]
    if input != "transactions":
        return None
    partial = [c for c in [*book.table_candidates(input, given),
                           *(book.header_candidates(input, s, given)[0] for s in book.plain if book.filled(s))]
               if c.found.required_found >= 2]
    if partial:
        best = max(partial, key=lambda c: c.found.required_found)
        best.found.settle(best.where())
    raise InstallError(f"{Path(book.cal.path).name}: no table or sheet has a header row with customer, date and "
                       f"amount columns in its top {HEADER_ROWS} rows ({book.listing()}) — name the one with the "
                       "transactions with --transactions and its columns with --map")


def _ours_already(book: _Book) -> set[str]:
    """The inputs install does not search (tenders, contacts ...) that their workbook holds as a table of our name
    with our headers, as a workbook saved from KeyAccounts.xlsm does: kam_xl reads those where they are."""
    from kam_xl.template.sheet_inputs import TABLES

    theirs = {t.name.casefold(): {c.name.casefold() for c in t.columns} for t in book.tables}
    return {t.name.lower() for t in TABLES if t.name.lower() not in SEARCHED
            and {h.casefold() for h in t.headers()} <= theirs.get(t.name.casefold(), set())}


def _fits(book: _Book, input: str, candidate: _Candidate) -> bool:
    """Whether ``candidate`` holds ``input`` and no other input it could be mistaken for."""
    found = candidate.found
    if not found.complete:
        return False
    headers = [c.name for c in candidate.table.columns] if candidate.table else \
        book.rows(candidate.sheet, top_only=True)[2][candidate.row]
    if input == "transactions":
        return True
    if match("transactions", headers, {}).complete:
        return False
    if input == "customers":
        return found.others > 0 and not match("complaints", headers, {}).complete
    return schema.COMPLAINT_CATEGORY in found.columns or schema.COMPLAINT_SEVERITY in found.columns


def _named(book: _Book, input: str, name: str, given: dict[str, str]) -> _Candidate:
    """The table or sheet ``name`` (--transactions NAME ...), holding the input's columns."""
    wanted = name.strip().casefold()
    tables = [t for t in book.tables if t.name.casefold() == wanted]
    sheet = next((s for s in book.sheets if s.casefold() == wanted), None)
    if tables:
        candidate = book.table_candidates(input, given, tables)[0]
    elif sheet is not None:
        on_sheet = [t for t in book.tables if t.sheet.name == sheet]
        fitting = [c for c in book.table_candidates(input, given, on_sheet) if c.found.complete]
        if len(fitting) > 1:
            raise InstallError(f"sheet {sheet} holds the tables {', '.join(c.name for c in fitting)} — name one "
                               f"with {OPTIONS[input]}")
        if not fitting and not book.filled(sheet):
            raise InstallError(f"sheet {sheet} ({OPTIONS[input]}) is empty — name the sheet that holds the {input}")
        candidate = fitting[0] if fitting else book.header_candidates(input, sheet, given)[0]
    else:
        raise InstallError(f"{OPTIONS[input]} {name}: no table or sheet of that name ({book.listing()})")
    candidate.found.settle(candidate.where())
    return candidate


def _located(book: _Book, input: str, candidate: _Candidate) -> Located:
    found = candidate.found
    order = sorted(found.columns.items(), key=lambda item: item[1])
    columns = tuple((name, found.headers[position]) for name, position in order)
    if candidate.table is not None:
        t = candidate.table
        return Located(input, "table", t.sheet.name, t.name, t.ref(), columns, t.body_rows)
    top, left, rows = book.rows(candidate.sheet)
    header = rows[candidate.row]
    first, last = min(found.columns.values()), max(found.columns.values())
    while first > 0 and header[first - 1] not in (None, ""):
        first -= 1
    while last + 1 < len(header) and header[last + 1] not in (None, ""):
        last += 1
    end = candidate.row
    for i in range(len(rows) - 1, candidate.row, -1):
        if any(v not in (None, "") for v in rows[i][first:last + 1]):
            end = i
            break
    ref = f"{column_letters(left + first + 1)}{top + candidate.row + 1}:" \
          f"{column_letters(left + last + 1)}{top + end + 1}"
    return Located(input, "range", candidate.sheet, None, ref, columns, end - candidate.row)


def _customer_ids(book: _Book, transactions: Located) -> tuple[str, ...]:
    """The customer ids of the transactions, in order of first appearance (blank and invalid cells left out)."""
    header = transactions.column_map[schema.CUSTOMER_ID]
    if transactions.kind == "table":
        table = book.cal.get_table_by_name(next(n for n in book.cal.table_names
                                                if n.casefold() == transactions.table.casefold()))
        position = [header_text(c) for c in table.columns].index(header)
        values = [row[position] if position < len(row) else None for row in table.to_python()]
    else:
        top, left, rows = book.rows(transactions.sheet)
        first_row, first_col, _, _ = table_part.parse_range(transactions.ref)
        header_at = first_row - 1 - top
        position = [header_text(c) for c in rows[header_at]].index(header)
        values = [row[position] if position < len(row) else None
                  for row in rows[header_at + 1:header_at + 1 + transactions.rows]]
    parsed = _ids(pd.Series(values, dtype=object))
    good = parsed.values[~parsed.bad & ~parsed.blank]
    return tuple(str(v) for v in pd.unique(pd.Series(good, dtype=object)))
