"""Workbook-level defined names (ECMA-376 Part 1, 18.2.5 ``definedName``): read, and one edited in place.

    names = defined_names(workbook_xml)                 # {"kam_transactions": "'Umsätze'!$A$1:$F$1234", ...}
    area = parse_area(names["kam_transactions"])        # Area("Umsätze", 1, 1, 1234, 6)
    xml = with_defined_name(workbook_xml, "kam_transactions", area.until(1240).text())

Only the text of the one ``<definedName>`` element changes; every other byte of workbook.xml stays.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from kam_xl.a1 import column_letters, column_number
from kam_xl.package.limits import declares_dtd
from kam_xl.package.names import MAIN_NS, qname

_AREA = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!:]+))!\$?([A-Za-z]{1,3})\$?([0-9]{1,7})"
                   r"(?::\$?([A-Za-z]{1,3})\$?([0-9]{1,7}))?$")


@dataclass(frozen=True)
class Area:
    """A rectangle of one sheet, 1-based rows and columns."""

    sheet: str
    first_row: int
    first_col: int
    last_row: int
    last_col: int

    def until(self, last_row: int) -> Area:
        return replace(self, last_row=last_row)

    def text(self) -> str:
        """As a defined name refers to it: 'Umsätze'!$A$1:$F$1234."""
        sheet = "'" + self.sheet.replace("'", "''") + "'"
        return (f"{sheet}!${column_letters(self.first_col)}${self.first_row}:"
                f"${column_letters(self.last_col)}${self.last_row}")


def defined_names(workbook_xml: bytes) -> dict[str, str]:
    """The workbook-level names (no ``localSheetId``) and what each refers to, as written."""
    if declares_dtd(workbook_xml):
        raise ValueError("workbook.xml declares a DTD; kam_xl does not parse it")
    root = ElementTree.fromstring(workbook_xml)
    found = {}
    for ns in MAIN_NS:
        for element in root.iter(qname(ns, "definedName")):
            if element.get("localSheetId") is None and element.get("name"):
                found[element.get("name")] = (element.text or "").strip()
    return found


def parse_area(text: str) -> Area | None:
    """The rectangle a name refers to ("'S'!$A$1:$F$9", "S!A1"), or None for anything else."""
    m = _AREA.match(text.strip().lstrip("="))
    if m is None:
        return None
    sheet = m.group(1).replace("''", "'") if m.group(1) else m.group(2)
    first_col, first_row = column_number(m.group(3)), int(m.group(4))
    last_col = column_number(m.group(5)) if m.group(5) else first_col
    last_row = int(m.group(6)) if m.group(6) else first_row
    return Area(sheet, first_row, first_col, last_row, last_col)


def with_defined_name(workbook_xml: bytes, name: str, text: str) -> bytes:
    """workbook.xml with the workbook-level name ``name`` referring to ``text``; KeyError when it has none."""
    tag = re.compile(rb"<(?:[\w.-]+:)?definedName\b([^>]*)>(.*?)</(?:[\w.-]+:)?definedName>", re.DOTALL)
    wanted = re.compile(rb"""\sname\s*=\s*(["'])""" + re.escape(escape(name).encode()) + rb"\1", re.IGNORECASE)
    for m in tag.finditer(workbook_xml):
        attributes = m.group(1)
        if wanted.search(attributes) and b"localSheetId" not in attributes:
            return workbook_xml[:m.start(2)] + escape(text).encode("utf-8") + workbook_xml[m.end(2):]
    raise KeyError(f"the workbook has no name {name!r}")
