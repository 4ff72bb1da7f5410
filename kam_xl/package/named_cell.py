"""``set_named_cell``: a constant into the cell a defined name refers to (a selector, a setting).

The cell keeps its style; a formula it held is replaced by the constant, as typing over it in Excel does.
Only the sheet part changes; it is swapped in atomically under the lock (writer.replace_parts).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pandas as pd

from kam_xl.a1 import column_letters, column_number
from kam_xl.package.errors import PackageError
from kam_xl.package.names import MAIN_NS, qname
from kam_xl.package.table_body import prefix
from kam_xl.package.table_cells import CellValueError, column_cells
from kam_xl.package.writer import replace_parts

_TARGET = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")


def set_named_cell(path: str | os.PathLike, name: str, value: object, *, lock_timeout: float = 10.0) -> str:
    """Write ``value`` into the cell the workbook-level name ``name`` refers to; returns "Sheet!B4"."""
    source = Path(path)
    done = []

    def edit(archive, workbook) -> dict[str, bytes]:
        sheet_name, row, col = _target(source, archive.read(workbook.part), name)
        try:
            sheet = workbook.sheet(sheet_name)
        except ValueError as exc:
            raise PackageError(source, f"{source}: name {name!r}: {exc}") from None
        xml = archive.read(sheet.part)
        ref = f"{column_letters(col)}{row}"
        try:
            new = _with_cell(xml, row, col, ref, value, workbook.date1904)
        except CellValueError as exc:
            raise PackageError(source, f"{source}: name {name!r} ({sheet.name}!{ref}): {exc}") from None
        done.append(f"{sheet.name}!{ref}")
        return {sheet.part: new} if new != xml else {}

    replace_parts(source, edit, lock_timeout=lock_timeout)
    return done[0]


def _target(source: Path, workbook_xml: bytes, name: str) -> tuple[str, int, int]:
    root = ElementTree.fromstring(workbook_xml)
    for ns in MAIN_NS:
        for element in root.iter(qname(ns, "definedName")):
            if element.get("name", "").casefold() == name.casefold() and element.get("localSheetId") is None:
                m = _TARGET.match((element.text or "").strip())
                if m is None:
                    raise PackageError(source, f"{source}: name {name!r} refers to {element.text!r}, not to one "
                                               "cell")
                sheet = m.group(1).replace("''", "'") if m.group(1) else m.group(2)
                return sheet, int(m.group(4)), column_number(m.group(3))
    raise PackageError(source, f"{source}: the workbook has no name {name!r} (Formulas > Name Manager)")


_STYLE = re.compile(rb"""\ss\s*=\s*["']([0-9]+)["']""")


def _with_cell(xml: bytes, row: int, col: int, ref: str, value: object, date1904: bool) -> bytes:
    p = prefix(xml)
    cell = re.compile(rb"<" + p + rb"c\b[^>]*?\sr\s*=\s*[\"']\$?" + ref.encode() + rb"[\"'][^>]*?(?:/>|>.*?</"
                      + p + rb"c>)", re.DOTALL)
    found = cell.search(xml)
    style = ""
    if found:
        s = _STYLE.search(found.group(0), 0, found.group(0).index(b">"))
        style = f' s="{s.group(1).decode()}"' if s else ""
    markup = column_cells(pd.Series([value], dtype=object), np.array([ref]), style, p.decode(),
                          date1904=date1904)[0].encode("utf-8")
    if found:
        return xml[:found.start()] + markup + xml[found.end():]
    row_tag = re.compile(rb"<" + p + rb"row\b[^>]*?\sr\s*=\s*[\"']([0-9]+)[\"'][^>]*?(/?)>")
    close_data = xml.index(b"</" + p + b"sheetData>")
    for m in row_tag.finditer(xml, 0, close_data):
        r = int(m.group(1))
        if r == row:
            if m.group(2):  # <row …/>
                return xml[:m.end() - 2] + b">" + markup + b"</" + p + b"row>" + xml[m.end():]
            end = xml.index(b"</" + p + b"row>", m.end())
            at = end
            for c in re.finditer(rb"<" + p + rb"c\b[^>]*?\sr\s*=\s*[\"']\$?([A-Z]+)", xml[m.end():end]):
                if column_number(c.group(1).decode()) > col:
                    at = m.end() + c.start()
                    break
            return xml[:at] + markup + xml[at:]
        if r > row:
            return xml[:m.start()] + _row(p, row, markup) + xml[m.start():]
    return xml[:close_data] + _row(p, row, markup) + xml[close_data:]


def _row(p: bytes, row: int, markup: bytes) -> bytes:
    return b"<" + p + b'row r="' + str(row).encode() + b'">' + markup + b"</" + p + b"row>"
