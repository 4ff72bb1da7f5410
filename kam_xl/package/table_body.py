"""A table's body rows rewritten in its worksheet part, edited in its bytes.

The rows from the first body row down to the old or the new last body row, whichever is lower, are
replaced: each gets the first body row's attributes (height, style; not ``spans`` or ``hidden``) and the new
cells of the table's columns; cells of other columns in those rows are kept in place. Everything before and
after those rows stays byte for byte, but for ``<dimension ref>`` (the used range) and the ranges of data
validations and conditional formats that follow the table (table_ranges.py).

A grown table must not run over cells that hold something: the write is refused and names the first one.

With ``keep`` (an append: the new body's first ``keep`` rows are the table's current rows), those rows stay
byte for byte and only the rows below them are written, with the same markup a full rewrite gives them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from kam_xl.a1 import column_letters, column_number
from kam_xl.package.table_part import Table, TableError, parse_range
from kam_xl.package.table_ranges import moved_sqrefs

_ROOT = re.compile(rb"<(?![?!])(?:([\w.-]+):)?worksheet\b")
_ROW_NUMBER = re.compile(rb"""\sr\s*=\s*["']([0-9]+)["']""")
_DROPPED_ROW_ATTRS = re.compile(rb"""\s(?:r|spans|hidden)\s*=\s*("[^"]*"|'[^']*')""")


def rewrite_body(xml: bytes, table: Table, rows: Sequence[str], keep: int = 0) -> bytes:
    """The sheet part with the table's body replaced by ``rows`` (the table cells of each row, as markup), or
    with ``keep`` of its rows (at most all of them) left as they are and ``rows`` written below them."""
    if not 0 <= keep <= table.body_rows:
        raise ValueError(f"keep={keep}: the table has {table.body_rows} body rows")
    p = prefix(xml)
    first = table.body_row + keep  # the first row written
    new_last = first + len(rows) - 1
    limit = max(table.last_row, new_last)
    open_tag = re.compile(rb"<" + p + rb"sheetData\b[^>]*?(/?)>").search(xml)
    if open_tag is None:
        raise TableError("the sheet has no <sheetData>")
    if open_tag.group(1):  # <sheetData/>: give it room for rows
        xml = xml[:open_tag.end() - 2] + b"></" + p + b"sheetData>" + xml[open_tag.end():]
    data_start = open_tag.end() - 1 if open_tag.group(1) else open_tag.end()
    data_end = xml.index(b"</" + p + b"sheetData>", data_start)
    region_start = region_end = None
    found: dict[int, tuple[bytes, bytes]] = {}  # row -> (start tag attributes, content)
    row_tag = re.compile(rb"<" + p + rb"row\b([^>]*?)(/?)>")
    close = b"</" + p + b"row>"
    position = _first_row_from(xml, p, data_start, data_end, first) if keep else data_start
    while True:
        m = row_tag.search(xml, position, data_end)
        if m is None:
            break
        number = _ROW_NUMBER.search(m.group(1))
        if number is None:
            raise TableError("its rows carry no row numbers (r), so the table's rows cannot be found")
        r = int(number.group(1))
        end = m.end() if m.group(2) else xml.index(close, m.end()) + len(close)
        if r >= first and region_start is None:
            region_start = m.start()
        if r > limit:
            region_end = m.start()
            break
        if r >= first:
            found[r] = (m.group(1), b"" if m.group(2) else xml[m.end():end - len(close)])
        position = end
    if region_start is None:
        region_start = data_end
    if region_end is None:
        region_end = data_end
    outside = _cells_outside(xml[region_start:region_end], table)  # nearly always False: one scan settles it
    new_rows, last_new = _rows(found, _first_row_attrs(xml, p, data_start, data_end, table, found, first), table, rows,
                               first, new_last, p, outside)
    last_present = _last_row(xml, p, region_end, data_end) or last_new
    head = _dimension(xml[:data_start], table, limit, last_present)
    whole = memoryview(xml)  # the kept rows are copied once, by the join
    return b"".join((head, whole[data_start:region_start], new_rows, whole[region_end:data_end],
                     moved_sqrefs(xml[data_end:], table, new_last)))


def body_styles(xml: bytes, table: Table) -> dict[int, str]:
    """Column -> the `` s="N"`` attribute of its cell in the first body row (missing: no style)."""
    p = prefix(xml)
    m = re.search(rb"<" + p + rb"row\b[^>]*?\sr\s*=\s*[\"']" + str(table.body_row).encode() + rb"[\"'][^>]*?(/?)>", xml)
    if m is None or m.group(1):
        return {}
    content = xml[m.end():xml.index(b"</" + p + b"row>", m.end())]
    styles = {}
    for cell in _CELL.finditer(content):
        ref, style = _CELL_REF.search(cell.group(1)), _STYLE.search(cell.group(1))
        if ref and style:
            styles[column_number(ref.group(1).decode("ascii"))] = f' s="{style.group(1).decode("ascii")}"'
    return styles


_STYLE = re.compile(rb"""\ss\s*=\s*["']([0-9]+)["']""")


def prefix(xml: bytes) -> bytes:
    m = _ROOT.search(xml)
    if m is None:
        raise TableError("the part is not a worksheet")
    return (m.group(1) + b":") if m.group(1) else b""


def _rows(found: dict[int, tuple[bytes, bytes]], attrs: str, table: Table, rows: Sequence[str], first: int,
          new_last: int, p: bytes, outside: bool) -> tuple[bytes, int]:
    """The new rows' markup (rows ``first`` to ``new_last``, each with the attributes ``attrs``), and the number
    of the last of them."""
    pre = "<" + p.decode() + "row r=\""
    end = "</" + p.decode() + "row>"
    extras = {r: _outside(content, table) for r, (_, content) in found.items()} if outside else {}
    extras = {r: cells for r, cells in extras.items() if cells}
    for r, (_, content) in found.items():
        if table.last_row < r <= new_last:
            _refuse_filled(content, table, r)
    if not extras:
        out = [f'{pre}{r}"{attrs}>{cells}{end}' for r, cells in zip(range(first, new_last + 1), rows)]
        return "".join(out).encode("utf-8"), new_last
    out = []
    if extras:
        for r, cells in zip(range(first, new_last + 1), rows):
            left, right = extras.get(r, ([], []))
            out.append(f'{pre}{r}"{attrs}>{"".join(left)}{cells}{"".join(right)}{end}')
        for r in sorted(r for r in extras if r > new_last):  # rows left by a shrunk table keep their other cells
            left, right = extras[r]
            own = _DROPPED_ROW_ATTRS.sub(b"", found[r][0]).decode("utf-8")
            out.append(f'{pre}{r}"{own}>{"".join(left + right)}{end}')
    return "".join(out).encode("utf-8"), max([new_last, *extras])


_CELL = re.compile(rb"<(?:[\w.-]+:)?c\b([^>]*?)(?:/>|>.*?</(?:[\w.-]+:)?c>)", re.DOTALL)
_CELL_REF = re.compile(rb"""\sr\s*=\s*["']\$?([A-Za-z]{1,3})""")


def _outside(content: bytes, table: Table) -> tuple[list[str], list[str]]:
    """The cells of a row left and right of the table's columns (markup, in order)."""
    left, right = [], []
    if not content:
        return left, right
    for m in _CELL.finditer(content):
        ref = _CELL_REF.search(m.group(1))
        if ref is None:
            raise TableError("a row of the table holds cells without a reference (r); open and save the "
                             "workbook in Excel first")
        col = column_number(ref.group(1).decode("ascii"))
        if col < table.first_col:
            left.append(m.group(0).decode("utf-8"))
        elif col > table.last_col:
            right.append(m.group(0).decode("utf-8"))
    return (left, right) if left or right else ()


_CELL_TAG = re.compile(rb"<(?:[\w.-]+:)?c[\s>/]")
_REFS = re.compile(rb"""<(?:[\w.-]+:)?c\b[^>]*?\sr\s*=\s*["']\$?([A-Za-z]{1,3})""")


def _cells_outside(region: bytes, table: Table) -> bool:
    """Whether any cell of these rows lies outside the table's columns (or has no reference)."""
    refs = _REFS.findall(region)
    if len(refs) != len(_CELL_TAG.findall(region)):
        return True
    return any(not table.first_col <= column_number(x.decode("ascii")) <= table.last_col for x in set(refs))


_FILLED = re.compile(rb"<(?:[\w.-]+:)?(?:v|f|is)\b")


def _refuse_filled(content: bytes, table: Table, row: int) -> None:
    for m in _CELL.finditer(content):
        ref = _CELL_REF.search(m.group(1))
        col = column_number(ref.group(1).decode("ascii")) if ref else table.first_col
        if table.first_col <= col <= table.last_col and _FILLED.search(m.group(0)):
            raise TableError(f"cell {column_letters(col)}{row} below table {table.name!r} holds a value, and the "
                             "table would grow over it; move or delete that cell and try again")


def _first_row_attrs(xml: bytes, p: bytes, start: int, end: int, table: Table,
                     found: dict[int, tuple[bytes, bytes]], first: int) -> str:
    """The attributes every written row gets: the first body row's, less ``r``, ``spans`` and ``hidden``."""
    if table.body_row >= first:  # among the rows read (or missing)
        attrs = found.get(table.body_row, (b"",))[0]
    else:
        m = re.compile(rb"<" + p + rb"row\b([^>]*?\sr\s*=\s*[\"']" + str(table.body_row).encode()
                       + rb"[\"'][^>]*?)/?>").search(xml, start, end)
        attrs = m.group(1) if m else b""
    return _DROPPED_ROW_ATTRS.sub(b"", attrs).decode("utf-8")


def _first_row_from(xml: bytes, p: bytes, start: int, end: int, number: int) -> int:
    """The offset of the first row element in ``xml[start:end]`` numbered ``number`` or more (``end`` when
    there is none), found from the end: rows come in ascending order, and those below an appended table are
    few."""
    tag, found = b"<" + p + b"row", end
    at = end
    while True:
        at = xml.rfind(tag, start, at)
        if at < 0:
            return found
        if xml[at + len(tag):at + len(tag) + 1] not in (b" ", b"\t", b"\r", b"\n", b">", b"/"):
            continue
        m = _ROW_NUMBER.search(xml, at, xml.index(b">", at))
        if m is None:
            raise TableError("its rows carry no row numbers (r), so the table's rows cannot be found")
        if int(m.group(1)) < number:
            return found
        found = at


def _last_row(xml: bytes, p: bytes, start: int, end: int) -> int | None:
    """The number of the last row element in ``xml[start:end]`` (the rows after the rewritten ones)."""
    at = xml.rfind(b"<" + p + b"row", start, end)
    if at < 0:
        return None
    m = _ROW_NUMBER.search(xml, at, xml.index(b">", at))
    return int(m.group(1)) if m else None


_DIMENSION = re.compile(rb"""(<(?:[\w.-]+:)?dimension\b[^>]*?\sref\s*=\s*["'])([^"']*)(["'])""")


def _dimension(head: bytes, table: Table, limit: int, last_row: int) -> bytes:
    """``<dimension ref>`` widened to the table's columns and ending at the sheet's last row, unless it reached
    past the rewritten rows already."""
    m = _DIMENSION.search(head)
    if m is None:
        return head
    try:
        r1, c1, r2, c2 = parse_range(m.group(2).decode("ascii"))
    except ValueError:
        return head
    r1, c1, c2 = min(r1, table.first_row), min(c1, table.first_col), max(c2, table.last_col)
    r2 = r2 if r2 > limit else last_row
    ref = f"{column_letters(c1)}{r1}:{column_letters(c2)}{r2}".encode("ascii")
    return head[:m.start(2)] + ref + head[m.end(2):]
