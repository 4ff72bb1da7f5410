"""The workbook as the formula engine should see it: an in-memory .xlsx copy, plus a map of its formulas.

    present(data: bytes, inflated=None) -> XlsxView
    scan_ahead(inflated)      # the worksheets' formulas found while the caller waits; present() takes them

Three things, all on a copy in memory (the user's file is never written):

- **Content types.** A macro-enabled main part (``.xlsm``/``.xltm``) is declared as a plain workbook, the form
  formualizer is documented to expect. Every other part, the VBA project included, is copied as it is.
- **Spill footprints.** A dynamic-array formula is stored as ``<f t="array" ref="A1:V2001">`` on its anchor, with
  the last results as plain values in the other cells of ``ref``. formualizer reads those values as user input,
  finds the spill area occupied and answers ``#SPILL!``. Clearing them with ``set_value(None)`` after loading
  is not enough (the cleared cells then hide the new spill), so the cells are dropped from the sheet XML here,
  before the engine reads it. Legacy CSE arrays (``t="array"`` without dynamic-array metadata) are treated alike.
- **Formula map.** Every cell holding ``<f>``, per sheet: where it is, its text (a shared formula's child points
  to its master's text, which is relative to the master's cell) and, for array formulas, the range recorded
  in the file. The engine adapter uses it to count formulas, read back every result and name the functions
  the engine lacks.
- **Tables.** Name, place and column names of every Excel table, for the engine to define (its default loader
  reads none) and for pinning this-row references.

Sheet XML is scanned with regular expressions on the fast path, in time proportional to its size (one pattern
over the sheet when every formula cell is in the plain form, else a step back from each ``<f``); a sheet the
fast path cannot account for (namespace prefixes, cells without ``r``) is parsed with ElementTree.
"""

from __future__ import annotations

import functools
import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from html import unescape
from xml.etree import ElementTree as ET

from kam_xl import a1
from kam_xl.errors import InputError
from kam_xl.package.limits import MEDIA, declares_dtd

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_DOCUMENT = REL_NS + "/officeDocument"
WORKSHEET = REL_NS + "/worksheet"
TABLE = REL_NS + "/table"

XLSX_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
#: Main-part content types the engine is given as XLSX_MAIN instead.
OTHER_MAINS = (
    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    b"application/vnd.ms-excel.template.macroEnabled.main+xml",
    b"application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
)

_FORMULA_CELL = re.compile(rb'<c\b([^>]*)>\s*<f\b([^>]*?)(?:/>|>(.*?)</f>)', re.DOTALL)
_ANY_F = re.compile(rb'<f[\s>/]')
_PLAIN_FORMULA = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"[^>]*(?<!/)>\s*<f((?:\s[^>]*?)?)(?:/>|>([^<]*)</f>)')
_NO_ATTRS: dict[bytes, bytes] = {}
_STEP_BACK_COST = 20  # a formula found by stepping back costs about as much as this many cells tried
_CELL = re.compile(rb'<c\b([^>]*?)(?:/>|>.*?</c>)', re.DOTALL)
_ATTR = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')
_ROW_START = re.compile(rb'<row\b[^>]*?(/?)>')
_ROW_NUMBER = re.compile(rb'\sr="(\d+)"')
_CELL_REF = re.compile(rb'<c\b[^>]*?\sr="(([A-Z]+)\d+)"')
_PREFIXED_MAIN = re.compile(rb'xmlns:[\w.-]+\s*=\s*"' + re.escape(MAIN_NS.encode()) + rb'"')


@dataclass
class SheetFormulas:
    """The formula cells of one worksheet. Rows and columns are 1-based."""

    name: str
    part: str
    cells: list[tuple[int, int]] = field(default_factory=list)
    text_of: list[int] = field(default_factory=list)   # index into XlsxView.texts, per cell
    inherited: set[int] = field(default_factory=set)   # cells (indices) holding their shared master's text
    arrays: dict[tuple[int, int], tuple[int, int, int, int]] = field(default_factory=dict)  # anchor -> ref


@dataclass(frozen=True)
class Table:
    """An Excel table (``xl/tables/tableN.xml``): where it is and its column names."""

    name: str
    sheet: str
    first_row: int      # 1-based, the header row when there is one
    first_col: int
    last_row: int
    last_col: int
    headers: tuple[str, ...]
    header_row: bool = True
    totals_row: bool = False

    @property
    def data_rows(self) -> range:
        return range(self.first_row + self.header_row, self.last_row - self.totals_row + 1)

    def holds(self, sheet: str, row: int, col: int) -> bool:
        """True when (row, col) is a data cell of this table on ``sheet``."""
        return sheet == self.sheet and row in self.data_rows and self.first_col <= col <= self.last_col

    def column(self, header: str) -> int | None:
        """Sheet column of the column named ``header`` (case-insensitive), or None."""
        wanted = header.strip().lower()
        for offset, name in enumerate(self.headers):
            if name.strip().lower() == wanted:
                return self.first_col + offset
        return None


@dataclass
class XlsxView:
    data: bytes                     # the package the engine loads
    sheets: list[SheetFormulas]     # in workbook order
    texts: list[str]                # the formula texts (without "="), each spelling once
    tables: list[Table] = field(default_factory=list)

    @property
    def formula_count(self) -> int:
        return sum(len(s.cells) for s in self.sheets)


def present(data: bytes | io.BytesIO, inflated=None) -> XlsxView:
    """An in-memory copy of the package ``data`` (its bytes, or a buffer holding them) the engine can load, and
    the map of its formulas. ``inflated`` (kam_xl.package.zipcopy.Inflated): parts inflated before, taken where
    ``data`` kept them, and what :func:`scan_ahead` found in a worksheet kept as it was."""
    with zipfile.ZipFile(data if isinstance(data, io.BytesIO) else io.BytesIO(data)) as source:
        read = source.read if inflated is None else functools.partial(inflated.read, source)
        parts = {info.filename: read(info) for info in source.infolist()}
    hostile = next((name for name, body in parts.items()
                    if not name.startswith(MEDIA) and declares_dtd(body)), None)  # media: bytes, never parsed
    if hostile is not None:  # kam_xl.package.limits.guard refuses such files first; this is for other callers
        raise InputError(f"{hostile} declares a DTD (<!DOCTYPE or <!ENTITY); kam_xl does not parse it")
    sheet_parts = _worksheet_parts(parts)
    scans = {} if inflated is None else inflated.scans
    texts: list[str] = []
    text_index: dict[bytes | None, int] = {}  # escaped text as in the file -> its index in texts
    sheets = []
    tables = []
    for name, part in sheet_parts:
        xml = parts.get(part)
        if xml is None:
            continue
        tables.extend(_tables(parts, name, part))
        formulas = SheetFormulas(name, part)
        ahead = scans.get(part)
        if ahead is not None and ahead[0] is xml:  # the very content scan_ahead read
            _, found, cleared = ahead
        else:
            found, cleared = _found(xml), None
        _record(found, formulas, texts, text_index)
        footprints = _footprints(formulas.arrays)
        if footprints:
            parts[part] = cleared if cleared is not None else _clear_cells(xml, footprints)
        sheets.append(formulas)
    types = parts.get("[Content_Types].xml", b"")
    for other in OTHER_MAINS:
        types = types.replace(other, XLSX_MAIN)
    parts["[Content_Types].xml"] = types
    return XlsxView(_zip(parts), sheets, texts, tables)


def scan_ahead(inflated) -> None:
    """Find the formulas of every worksheet inflated ahead (kam_xl.package.zipcopy.Inflated) and clear its
    spill areas now, while the caller waits for something else (a reading on another thread): a later
    :func:`present` of a copy that keeps a worksheet as it was, the very content scanned here, takes the result.
    What this cannot read is left to :func:`present`, which meets it again and says what is wrong with it."""
    parts = inflated.contents()
    try:
        for _, part in _worksheet_parts(parts):
            xml = parts.get(part)
            if xml is None or declares_dtd(xml):
                continue
            found = _found(xml)
            formulas = SheetFormulas("", part)
            _record(found, formulas, [], {})
            footprints = _footprints(formulas.arrays)
            inflated.scans[part] = (xml, found, _clear_cells(xml, footprints) if footprints else xml)
    except Exception:  # noqa: BLE001 - a damaged package or sheet: no scan ahead, present() names the problem
        return


def a1_to_rc(ref: str) -> tuple[int, int]:
    return a1.parse(ref)


def column_letters(col: int) -> str:
    return a1.column_letters(col)


@functools.lru_cache(maxsize=1024)
def _column_number(letters: bytes) -> int:
    return a1.column_number(letters.decode("ascii"))


def rc_to_a1(row: int, col: int) -> str:
    return a1.ref(row, col)


def range_to_rc(ref: str) -> tuple[int, int, int, int]:
    first, _, last = ref.partition(":")
    r1, c1 = a1_to_rc(first)
    r2, c2 = a1_to_rc(last) if last else (r1, c1)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


# --- package structure -----------------------------------------------------------------------------------


def _worksheet_parts(parts: dict[str, bytes]) -> list[tuple[str, str]]:
    """(sheet name, part name) of every worksheet, in workbook order."""
    workbook = _target(parts, "", OFFICE_DOCUMENT) or "xl/workbook.xml"
    rels = _relationships(parts, workbook)
    root = ET.fromstring(parts[workbook])
    out = []
    for sheet in root.iter(f"{{{MAIN_NS}}}sheet"):
        rid = sheet.get(f"{{{REL_NS}}}id")
        target, kind = rels.get(rid, (None, None))
        if target and kind == WORKSHEET:
            out.append((sheet.get("name"), target))
    return out


def _relationships(parts: dict[str, bytes], source: str) -> dict[str, tuple[str, str]]:
    folder, name = posixpath.split(source)
    rels = parts.get(posixpath.join(folder, "_rels", name + ".rels"))
    if rels is None:
        return {}
    out = {}
    for rel in ET.fromstring(rels).iter(f"{{{PKG_REL_NS}}}Relationship"):
        target = rel.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        out[rel.get("Id")] = (target, rel.get("Type"))
    return out


def _target(parts: dict[str, bytes], source: str, kind: str) -> str | None:
    for target, rel_kind in _relationships(parts, source).values():
        if rel_kind == kind:
            return target
    return None


def _tables(parts: dict[str, bytes], sheet: str, part: str) -> list[Table]:
    out = []
    for target, kind in _relationships(parts, part).values():
        if kind != TABLE or target not in parts:
            continue
        root = ET.fromstring(parts[target])
        r1, c1, r2, c2 = range_to_rc(root.get("ref"))
        headers = tuple(c.get("name", "") for c in root.iter(f"{{{MAIN_NS}}}tableColumn"))
        out.append(Table(root.get("displayName") or root.get("name"), sheet, r1, c1, r2, c2, headers,
                         header_row=root.get("headerRowCount", "1") != "0",
                         totals_row=root.get("totalsRowCount", "0") != "0"))
    return out


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:  # in memory only: no time on deflate
        for name, body in parts.items():
            archive.writestr(name, body)
    return out.getvalue()


# --- sheet XML ----------------------------------------------------------------------------------------------


def _found(xml: bytes) -> Found:
    """Row, column, <f> attributes and escaped text of every formula cell of a worksheet."""
    head = xml[:xml.find(b"sheetData")]  # a prefixed main namespace is declared on the root element
    found = None
    if not _PREFIXED_MAIN.search(head):
        formulas = len(_ANY_F.findall(xml))
        if not formulas:  # a data sheet
            return []
        # The one pattern tries every cell (~0.4 us each), the step back costs ~8 us per formula: a sheet of
        # a few formulas among many values (a spill's cached cells) is read by stepping back.
        plain = functools.partial(_scan_plain, formulas=formulas)
        sparse = formulas * _STEP_BACK_COST < xml.count(b"<c ")
        for scan in (_scan_fast, plain) if sparse else (plain, _scan_fast):
            found = scan(xml)
            if found is not None:
                break
    if found is None:
        found = _scan_tree(xml)  # prefixed namespaces or cells without r: let a real parser do it
    return found


def _record(found: Found, into: SheetFormulas, texts: list[str], text_index: dict[bytes | None, int]) -> None:
    """The formula cells ``found`` in a worksheet, into its map; each new text into ``texts``."""
    shared: dict[bytes, int] = {}
    pending: list[tuple[int, bytes]] = []
    cells, text_of, arrays = into.cells, into.text_of, into.arrays
    for row, col, f_attrs, body in found:
        text_id = text_index.get(body)
        if text_id is None:  # (two spellings of one text, "&quot;" and '"', may get two indexes: no harm)
            text_id = text_index[body] = len(texts)
            texts.append(unescape(body.decode()) if body else "")
        if f_attrs:
            kind = f_attrs.get(b"t")
            if kind == b"shared":
                si = f_attrs.get(b"si", b"")
                if body:
                    shared[si] = text_id
                else:
                    pending.append((len(cells), si))
            elif kind == b"array":
                ref = f_attrs.get(b"ref")
                arrays[(row, col)] = range_to_rc(ref.decode()) if ref else (row, col, row, col)
        cells.append((row, col))
        text_of.append(text_id)
    for position, si in pending:  # a shared formula's children take their master's text
        if si in shared:
            text_of[position] = shared[si]
            into.inherited.add(position)


Found = list[tuple[int, int, dict[bytes, bytes], bytes | None]]  # row, column, <f> attributes, escaped text


def _scan_plain(xml: bytes, formulas: int | None = None) -> Found | None:
    """Every formula cell when each has the form nearly all writers give it, ``<c r="B7" …><f …>…</f>``
    (``r`` first, the formula its first child, no markup inside): one pass of one pattern. None otherwise.
    ``formulas``: how many ``<f`` the sheet holds, when counted before."""
    if formulas is None:
        formulas = len(_ANY_F.findall(xml))
    found = _PLAIN_FORMULA.findall(xml)
    if len(found) != formulas:
        return None
    column = _column_number
    return [(int(digits), column(letters), _attrs(f_attrs) if f_attrs else _NO_ATTRS, body or None)
            for letters, digits, f_attrs, body in found]


def _scan_fast(xml: bytes) -> Found | None:
    """Row, column, <f> attributes and escaped text of every formula cell, or None when a cell is not in the
    plain form ``<c r="..." ...><f ...>``. Looks for the few ``<f`` first and steps back to each one's ``<c``,
    instead of trying every cell of the sheet. A step back never passes the previous formula cell, so the
    sheet is read about once however many formulas it holds."""
    out = []
    done = 0  # end of the last formula cell's <f>: the next cell starts after it
    for f in _ANY_F.finditer(xml):
        start = max(xml.rfind(b"<c ", done, f.start()), xml.rfind(b"<c>", done, f.start()))
        m = _FORMULA_CELL.match(xml, start) if start >= 0 else None
        if m is None or m.start(2) != f.start() + 2:
            return None
        done = m.end()
        ref = _attrs(m.group(1)).get(b"r")
        if ref is None:
            return None
        out.append((*a1_to_rc(ref.decode()), _attrs(m.group(2)), m.group(3)))
    return out


def _scan_tree(xml: bytes) -> Found:
    """The slow, sure path: row, column, <f> attributes and escaped text of every formula cell."""
    out = []
    row = col = 0
    for event, elem in ET.iterparse(io.BytesIO(xml), events=("start", "end")):
        tag = elem.tag.rsplit("}", 1)[-1]
        if event == "start":
            if tag == "row":
                row, col = int(elem.get("r", row + 1)), 0
            continue
        if tag == "c":
            ref = elem.get("r")
            if ref:
                row, col = a1_to_rc(ref)
            else:
                col += 1
                ref = rc_to_a1(row, col)
            f = next((child for child in elem if child.tag.rsplit("}", 1)[-1] == "f"), None)
            if f is not None:
                attrs = {k.encode(): v.encode() for k, v in f.attrib.items()}
                body = None if f.text is None else f.text.replace("&", "&amp;").replace("<", "&lt;").encode()
                out.append((*a1_to_rc(ref), attrs, body))
        elif tag == "row":
            elem.clear()
    return out


def _attrs(raw: bytes) -> dict[bytes, bytes]:
    return {k.rsplit(b":", 1)[-1]: v for k, v in _ATTR.findall(raw)}


def _footprints(arrays: dict[tuple[int, int], tuple[int, int, int, int]]) -> list[tuple[int, int, int, int, int, int]]:
    """(r1, c1, r2, c2, anchor row, anchor col) of every array formula wider than its anchor cell."""
    return [(*ref, row, col) for (row, col), ref in arrays.items() if ref[0] != ref[2] or ref[1] != ref[3]]


def _clear_cells(xml: bytes, footprints) -> bytes:
    """The sheet without the cells inside array footprints (their anchors stay).

    Works a row at a time, only on the rows the footprints span: a row whose first and last cells lie
    inside one footprint (the usual spill area; the cells between them then do too, cells being in column
    order) is emptied in one step; only other rows are looked at cell by cell."""
    top = min(f[0] for f in footprints)
    bottom = max(f[2] for f in footprints)
    anchors = {(f[4], f[5]) for f in footprints}

    def inside(row: int, col: int) -> bool:
        return (row, col) not in anchors and any(r1 <= row <= r2 and c1 <= col <= c2
                                                 for r1, c1, r2, c2, _, _ in footprints)

    def keep_or_drop(m: re.Match) -> bytes:
        ref = _attrs(m.group(1)).get(b"r")
        return b"" if ref is not None and inside(*a1_to_rc(ref.decode())) else m.group(0)

    def whole_row_inside(row: int, body: bytes) -> bool:
        first = _CELL_REF.match(body, max(body.find(b"<c"), 0))
        last = _CELL_REF.match(body, max(body.rfind(b"<c"), 0))
        if first is None or last is None:
            return False  # a cell without r, or something else last: cell by cell
        first, last = _column_number(first.group(2)), _column_number(last.group(2))
        return any(r1 <= row <= r2 and c1 <= first and last <= c2 and (row != ar or not c1 <= ac <= c2)
                   for r1, c1, r2, c2, ar, ac in footprints)

    pieces, done = [], 0
    for m in _ROW_START.finditer(xml):
        number = _ROW_NUMBER.search(m.group(0))
        if m.group(1) or number is None or not top <= int(number.group(1)) <= bottom:
            continue  # an empty row, one without r (left as it is) or one outside the footprints
        end = xml.find(b"</row>", m.end())
        if end < 0:
            break
        row, body = int(number.group(1)), xml[m.end():end]
        pieces += [xml[done:m.end()], b"" if whole_row_inside(row, body) else _CELL.sub(keep_or_drop, body)]
        done = end
    pieces.append(xml[done:])
    return b"".join(pieces)
