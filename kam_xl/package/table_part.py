"""Excel tables in the package: find one by name, read its shape, move its end row (ECMA-376 Part 1, 18.5.1.2
``table``, 18.5.1.3 ``tableColumn``, 18.3.1.2 ``autoFilter``, 18.3.1.92 ``sortState``).

    xl/worksheets/_rels/sheet2.xml.rels   rId1 -> ../tables/table1.xml   (type .../relationships/table)
    xl/tables/table1.xml                  <table name="Customers" ref="A1:L2" …><autoFilter ref="A1:L2"/>
                                            <tableColumn name="Potential" …><calculatedColumnFormula>…

The parts are read with ElementTree; the one edit (the table's new last row) rewrites the ``ref`` attributes
of ``<table>``, ``<autoFilter>`` and ``<sortState>`` in the part's bytes and nothing else.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass
from xml.sax.saxutils import escape

from kam_xl.a1 import column_letters, column_number
from kam_xl.package import workbook_part
from kam_xl.package.names import MAIN_NS, OFFICE_REL_NS, qname

REL_TABLE = tuple(ns + "/table" for ns in OFFICE_REL_NS)
_RANGE = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]+)(?::\$?([A-Za-z]{1,3})\$?([0-9]+))?")


class TableError(ValueError):
    """The table cannot be found or written; the message says why."""


@dataclass(frozen=True)
class Column:
    name: str
    formula: bytes | None  # the calculatedColumnFormula as escaped in the part, or None


@dataclass(frozen=True)
class Table:
    name: str
    part: str            # zip entry of the table part
    sheet: workbook_part.Sheet
    first_row: int       # the header row (or the first body row when the table shows no header)
    last_row: int        # the last body row
    first_col: int
    last_col: int
    header: bool
    columns: tuple[Column, ...]

    @property
    def body_row(self) -> int:
        """The sheet row of the first body row."""
        return self.first_row + self.header

    @property
    def body_rows(self) -> int:
        return self.last_row - self.body_row + 1

    def ref(self, last_row: int | None = None) -> str:
        return f"{column_letters(self.first_col)}{self.first_row}:{column_letters(self.last_col)}" \
               f"{self.last_row if last_row is None else last_row}"


def parse_range(text: str) -> tuple[int, int, int, int]:
    """``"A1:L2"`` -> (first row, first column, last row, last column); ValueError when it is not one."""
    m = _RANGE.fullmatch(text.strip())
    if not m:
        raise ValueError(f"{text!r} is not a range like A1:L2")
    c1, r1 = column_number(m.group(1)), int(m.group(2))
    c2, r2 = (column_number(m.group(3)), int(m.group(4))) if m.group(3) else (c1, r1)
    return r1, c1, r2, c2


def find_tables(archive: zipfile.ZipFile, workbook: workbook_part.Workbook) -> list[Table]:
    """Every table of every worksheet, in sheet order."""
    tables = []
    for sheet, target, part in _table_parts(archive, workbook):
        if part is None:
            raise TableError(f"sheet {sheet.name!r} points to the table part {target}, which is missing")
        tables.append(_table(archive, part, sheet))
    return tables


def table_names(archive: zipfile.ZipFile, workbook: workbook_part.Workbook) -> list[str]:
    """The name of every table of every worksheet, in sheet order: cheaper and laxer than :func:`find_tables`
    (a table part is only asked its name; a missing one is skipped)."""
    roots = (workbook_part._parse(archive, part) for _, _, part in _table_parts(archive, workbook) if part)
    return [name for root in roots if (name := root.get("displayName") or root.get("name"))]


def _table_parts(archive: zipfile.ZipFile, workbook: workbook_part.Workbook):
    """(sheet, relationship target, part name or None when missing) of every table, in sheet order."""
    names = workbook_part._entry_names(archive)
    for sheet in workbook.sheets:
        if sheet.kind != "worksheet" or sheet.part is None:
            continue
        folder, base = posixpath.split(sheet.part)
        rels_part = posixpath.join(folder, "_rels", base + ".rels")
        if rels_part.lower() not in names:
            continue
        for kind, target, external in workbook_part._relationships(archive, names, rels_part).values():
            if kind in REL_TABLE and not external:
                yield sheet, target, workbook_part._resolve(names, folder, target)


def find_table(archive: zipfile.ZipFile, workbook: workbook_part.Workbook, name: str) -> tuple[Table, list[Table]]:
    """The table called ``name`` (ignoring case, as Excel does) and every table of the workbook."""
    tables = find_tables(archive, workbook)
    found = [t for t in tables if t.name.casefold() == name.casefold()]
    if not found:
        known = ", ".join(t.name for t in tables) or "none"
        raise TableError(f"no table named {name!r} (the workbook's tables: {known})")
    return found[0], tables


def _table(archive: zipfile.ZipFile, part: str, sheet: workbook_part.Sheet) -> Table:
    root = workbook_part._parse(archive, part)
    ns = next((n for n in MAIN_NS if root.tag == qname(n, "table")), None)
    if ns is None:
        raise TableError(f"{part} is not a table part")
    name = root.get("displayName") or root.get("name") or ""
    try:
        r1, c1, r2, c2 = parse_range(root.get("ref", ""))
    except ValueError as exc:
        raise TableError(f"table {name!r} ({part}): {exc}") from None
    if root.get("totalsRowCount", "0") != "0":
        raise TableError(f"table {name!r} on sheet {sheet.name!r} has a totals row; kam_xl writes tables "
                         "without one — remove it (Table Design > Total Row) and try again")
    header = root.get("headerRowCount", "1") != "0"
    columns = []
    for element in root.iterfind(f"{{{ns}}}tableColumns/{{{ns}}}tableColumn"):
        formula = element.find(f"{{{ns}}}calculatedColumnFormula")
        columns.append(Column(element.get("name", ""), None if formula is None else escape(formula.text or "").encode("utf-8")))
    if len(columns) != c2 - c1 + 1:
        raise TableError(f"table {name!r} ({part}) lists {len(columns)} columns for the range {root.get('ref')}")
    return Table(name, part, sheet, r1, r2, c1, c2, header, tuple(columns))


_REF_ATTR = re.compile(rb"""(<(?:[\w.-]+:)?(table|autoFilter|sortState)\b[^>]*?\sref\s*=\s*["'])([^"']*)(["'])""")


def with_last_row(xml: bytes, table: Table, last_row: int) -> bytes:
    """The table part with its range (and its filter's and sort's) ending at ``last_row``."""
    def moved(m: re.Match) -> bytes:
        r1, c1, _, c2 = parse_range(m.group(3).decode("ascii"))
        if m.group(2) == b"sortState":  # the sort covers the body only
            r1 = max(r1, table.body_row)
        ref = f"{column_letters(c1)}{r1}:{column_letters(c2)}{last_row}"
        return m.group(1) + ref.encode("ascii") + m.group(4)
    return _REF_ATTR.sub(moved, xml)
