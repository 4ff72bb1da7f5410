"""Turn plain ranges of a workbook into Excel tables (``kam-xl install --make-tables``), in memory.

Each range (header row and used rows) gets (ECMA-376 Part 1, 18.5.1.2 ``table``, 18.3.1.91 ``tablePart``):

    xl/tables/tableN.xml                 a new part: <table id name displayName ref><autoFilter ref/>
                                         <tableColumns> one per header cell, named as the cell reads </table>
    xl/worksheets/_rels/sheetK.xml.rels  one Relationship more (the part is created when the sheet has none)
    xl/worksheets/sheetK.xml             <tableParts count="1"><tablePart r:id/></tableParts>, where the schema
                                         puts it: after every other child of <worksheet> but <extLst>
    [Content_Types].xml                  one Override for the new part

Nothing else of the sheet changes: the sheet part equals the original once the added element is taken out.
The table has no style (the cells keep their look) and no totals row. Refused with one line: a header cell
that is empty, not text or repeated; a sheet filter (AutoFilter) or merged cells over the range.
"""

from __future__ import annotations

import io
import posixpath
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from xml.sax.saxutils import quoteattr, unescape

from kam_xl.a1 import column_letters, ref as a1_ref
from kam_xl.package import table_part, workbook_part, zipcopy
from kam_xl.package.names import CONTENT_TYPES, MAIN_NS, OFFICE_REL_NS, PACKAGE_REL_NS

TABLE_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"
_TAG = re.compile(rb"<!--.*?-->|<\?.*?\?>|<(/?)([\w.-]+:)?([\w.-]+)\b[^>]*?(/?)>", re.DOTALL)
_SPELLED = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})
_CELL_LIKE = re.compile(r"([A-Za-z]{1,3}[0-9]+|[RrCc][0-9]*|[Rr][0-9]*[Cc][0-9]*)")


class TableCreateError(ValueError):
    """A range cannot become a table; the message names the sheet, the cell and the fix."""


@dataclass(frozen=True)
class NewTable:
    sheet: str
    name: str
    ref: str          # header row and body, e.g. "A4:E10"
    part: str         # the new table part


def table_name(sheet: str, taken: set[str]) -> str:
    """A table name from ``sheet``: ASCII letters, digits, "_" and "." (umlauts spelled out, accents dropped, so
    every formula and macro can name it); starting with a letter or "_"; not like a cell reference; not in
    ``taken`` (compared ignoring case, as Excel does): "Umsätze 2024" -> "Umsaetze_2024"."""
    text = unicodedata.normalize("NFKD", sheet.strip().translate(_SPELLED))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    name = "".join(ch if (ch.isascii() and ch.isalnum()) or ch in "_." else "_" for ch in text)[:240]
    if not name.strip("_."):  # nothing of the sheet's name is left (Cyrillic, Greek, CJK ...)
        name = "Table"
    if not (name[0].isalpha() or name[0] == "_"):
        name = "T_" + name
    if _CELL_LIKE.fullmatch(name):
        name += "_data"
    lowered = {t.casefold() for t in taken}
    candidate, n = name, 2
    while candidate.casefold() in lowered:
        candidate, n = f"{name}_{n}", n + 1
    return candidate


def make_tables(data: bytes, ranges: list[tuple[str, str]], *, reserved: set[str] = frozenset()
                ) -> tuple[bytes, list[NewTable]]:
    """The package ``data`` with each (sheet, A1 range) of ``ranges`` made an Excel table, and the tables made.

    Names come from the sheet names (:func:`table_name`), unique among the workbook's tables, defined names
    and ``reserved``. Every part but the ones listed in the module docstring is copied byte for byte.
    """
    import python_calamine as pc

    source = io.BytesIO(data)
    archive = zipfile.ZipFile(source)
    workbook = workbook_part.read_workbook(archive)
    tables = table_part.find_tables(archive, workbook)
    taken = {t.name for t in tables} | defined_names(archive, workbook.part) | set(reserved)
    entries = {n.lower() for n in archive.namelist()}
    next_id = max([_table_id(archive.read(t.part)) for t in tables], default=0) + 1
    edited: dict[str, bytes] = {}

    def read(entry: str) -> bytes | None:
        return edited.get(entry) or (archive.read(entry) if entry in archive.namelist() else None)

    made = []
    with pc.CalamineWorkbook.from_filelike(io.BytesIO(data)) as cells:
        for sheet_name, ref in ranges:
            sheet = workbook.sheet(sheet_name)
            r1, c1, r2, c2 = table_part.parse_range(ref)
            r2 = max(r2, r1 + 1)  # a table holds at least one body row
            sheet_xml = read(sheet.part)
            _refuse_overlaps(sheet_xml, sheet.name, (r1, c1, r2, c2), [t for t in tables if t.sheet.part == sheet.part])
            headers = _headers(cells.get_sheet_by_name(sheet.name), sheet.name, r1, c1, c2)
            name = table_name(sheet.name, taken)
            taken.add(name)
            number = next(n for n in range(1, len(entries) + 2) if f"xl/tables/table{n}.xml" not in entries)
            part = f"xl/tables/table{number}.xml"
            entries.add(part)
            full = f"{column_letters(c1)}{r1}:{column_letters(c2)}{r2}"
            main, rel_ns = _namespaces(sheet_xml)
            edited[part] = _table_xml(main, next_id, name, full, headers)
            next_id += 1
            folder, base = posixpath.split(sheet.part)
            rels = posixpath.join(folder, "_rels", base + ".rels")
            rels = next((n for n in archive.namelist() if n.lower() == rels.lower()), rels)
            rid, edited[rels] = _with_relationship(read(rels), posixpath.relpath(part, folder), rel_ns)
            edited[sheet.part] = with_table_part(sheet_xml, rid, rel_ns)
            edited[CONTENT_TYPES] = _with_override(read(CONTENT_TYPES), part)
            made.append(NewTable(sheet.name, name, full, part))
    return _repackaged(source, archive, edited), made


def _repackaged(source: io.BytesIO, archive: zipfile.ZipFile, edited: dict[str, bytes]) -> bytes:
    """The package with the ``edited`` entries: existing ones rewritten in place (every other entry copied raw),
    new ones appended."""
    existing = set(archive.namelist())
    out = io.BytesIO()
    zipcopy.copy_archive(source, archive, {n: b for n, b in edited.items() if n in existing}, out)
    with zipfile.ZipFile(out, "a", compression=zipfile.ZIP_DEFLATED) as grown:
        for entry, content in edited.items():
            if entry not in existing:
                grown.writestr(entry, content)
    return out.getvalue()


def _headers(ws, sheet: str, row: int, first: int, last: int) -> list[str]:
    """The header cells of the range as text; TableCreateError for one a table column cannot be named after."""
    top = ws.start or (0, 0)
    rows = ws.to_python(skip_empty_area=True, nrows=row - top[0]) if row > top[0] else []
    cells = rows[row - top[0] - 1] if len(rows) >= row - top[0] else []
    headers, seen = [], {}
    for col in range(first, last + 1):
        i = col - 1 - top[1]
        value = cells[i] if 0 <= i < len(cells) else None
        where = f"sheet {sheet}, cell {a1_ref(row, col)}"
        if value in (None, ""):
            raise TableCreateError(f"{where}: the header cell is empty — type a header, or leave out --make-tables")
        if not isinstance(value, str) or any(ch < " " for ch in value):
            raise TableCreateError(f"{where}: the header {_shown(value)} is not one line of text, which a table column "
                                   "needs — type it as text, or leave out --make-tables")
        if value.casefold() in seen:
            raise TableCreateError(f"{where}: the header \"{value}\" is also in {seen[value.casefold()]} — a table "
                                   "needs distinct headers; rename one, or leave out --make-tables")
        seen[value.casefold()] = a1_ref(row, col)
        headers.append(value)
    return headers


def _shown(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, str) else str(value)


def _refuse_overlaps(xml: bytes, sheet: str, box: tuple[int, int, int, int], tables) -> None:
    r1, c1, r2, c2 = box
    if re.search(rb"<(?:[\w.-]+:)?autoFilter\b", xml):
        raise TableCreateError(f"sheet {sheet} has a filter (AutoFilter), and a table brings its own — remove the "
                               "filter (Data > Filter) and run again, or leave out --make-tables")
    for ref in re.findall(rb"<(?:[\w.-]+:)?mergeCell\b[^>]*?\sref=[\"']([A-Za-z0-9:$]+)", xml):
        m1, n1, m2, n2 = table_part.parse_range(ref.decode("ascii"))
        if m1 <= r2 and r1 <= m2 and n1 <= c2 and c1 <= n2:
            raise TableCreateError(f"sheet {sheet}: the merged cells {ref.decode()} lie in the range — unmerge them "
                                   "and run again, or leave out --make-tables")
    for table in tables:
        if table.first_row <= r2 and r1 <= table.last_row and table.first_col <= c2 and c1 <= table.last_col:
            raise TableCreateError(f"sheet {sheet}: the range overlaps the table {table.name}")


def _namespaces(xml: bytes) -> tuple[str, str]:
    """The sheet's SpreadsheetML namespace and the matching relationships namespace (Transitional or Strict)."""
    main = next((ns for ns in MAIN_NS if ns.encode() in xml[:4096]), MAIN_NS[0])
    return main, OFFICE_REL_NS[MAIN_NS.index(main)]


def with_table_part(xml: bytes, rid: str, rel_ns: str) -> bytes:
    """The worksheet part with a ``<tablePart r:id=rid/>`` in its ``<tableParts>`` (added when missing, after
    every child of ``<worksheet>`` but ``<extLst>``); the relationships prefix is declared on the element
    itself unless the root binds ``r`` to ``rel_ns``."""
    root = next(m for m in _TAG.finditer(xml) if m.group(3) and not m.group(1))
    prefix = (root.group(2) or b"").decode()
    declared = re.search(rb'xmlns:r\s*=\s*["\']' + re.escape(rel_ns.encode()) + rb'["\']', root.group(0))
    ns_attr = "" if declared else f' xmlns:r="{rel_ns}"'
    element = f'<{prefix}tablePart{ns_attr} r:id="{rid}"/>'.encode()
    data_end = re.compile(rb"</(?:[\w.-]+:)?sheetData>|<(?:[\w.-]+:)?sheetData\b[^>]*/>").search(xml, root.end())
    depth, position, existing = 0, None, None
    for m in _TAG.finditer(xml, data_end.end() if data_end else root.end()):
        if not m.group(3):  # a comment or processing instruction
            continue
        if m.group(1):
            if depth == 0:  # </worksheet>
                position = m.start() if position is None else position
                break
            depth -= 1
            continue
        if depth == 0 and m.group(3) == b"tableParts":
            existing = m
        elif depth == 0 and m.group(3) == b"extLst" and position is None:
            position = m.start()
        depth += not m.group(4)
    if existing is not None:
        if existing.group(4):  # <tableParts count="0"/>
            return xml[:existing.start()] + _table_parts(prefix, element, 1) + xml[existing.end():]
        close = xml.index(f"</{prefix}tableParts>".encode(), existing.end())
        count = len(re.findall(rb"<(?:[\w.-]+:)?tablePart\b", xml[existing.end():close])) + 1
        opening = re.sub(rb'\scount\s*=\s*["\']\d*["\']', f' count="{count}"'.encode(), existing.group(0))
        return xml[:existing.start()] + opening + xml[existing.end():close] + element + xml[close:]
    return xml[:position] + _table_parts(prefix, element, 1) + xml[position:]


def _table_parts(prefix: str, element: bytes, count: int) -> bytes:
    return f'<{prefix}tableParts count="{count}">'.encode() + element + f"</{prefix}tableParts>".encode()


def _table_xml(main: str, table_id: int, name: str, ref: str, headers: list[str]) -> bytes:
    columns = "".join(f'<tableColumn id="{i}" name={quoteattr(h)}/>' for i, h in enumerate(headers, start=1))
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<table xmlns="{main}" id="{table_id}" '
            f'name={quoteattr(name)} displayName={quoteattr(name)} ref="{ref}" totalsRowShown="0">'
            f'<autoFilter ref="{ref}"/><tableColumns count="{len(headers)}">{columns}</tableColumns></table>'
            ).encode("utf-8")


def _with_relationship(xml: bytes | None, target: str, rel_ns: str) -> tuple[str, bytes]:
    """A new relationship id and the relationships part holding it (a new part when ``xml`` is None)."""
    line = '<Relationship Id="{}" Type="' + rel_ns + '/table" Target="' + target + '"/>'
    if xml is None:
        return "rId1", (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="'
                        f'{PACKAGE_REL_NS}">{line.format("rId1")}</Relationships>').encode()
    ids = set(re.findall(rb'\bId\s*=\s*["\']([^"\']+)', xml))
    rid = next(f"rId{n}" for n in range(1, len(ids) + 2) if f"rId{n}".encode() not in ids)
    end = xml.rindex(b"</Relationships>")
    return rid, xml[:end] + line.format(rid).encode() + xml[end:]


def _with_override(xml: bytes, part: str) -> bytes:
    end = xml.rindex(b"</Types>")
    return xml[:end] + f'<Override PartName="/{part}" ContentType="{TABLE_CONTENT_TYPE}"/>'.encode() + xml[end:]


def _table_id(xml: bytes) -> int:
    m = re.search(rb'<(?:[\w.-]+:)?table\b[^>]*?\sid\s*=\s*["\'](\d+)', xml)
    return int(m.group(1)) if m else 0


def defined_names(archive: zipfile.ZipFile, part: str) -> set[str]:
    """The names of the workbook's defined names (global and sheet-local)."""
    xml = archive.read(part)
    found = re.findall(rb'<(?:[\w.-]+:)?definedName\b[^>]*?\sname\s*=\s*["\']([^"\']+)', xml)
    return {unescape(n.decode("utf-8")) for n in found}
