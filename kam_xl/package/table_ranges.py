"""Ranges that follow a table's body when it grows or shrinks: data validations and conditional formats
(``sqref``, also ``<xm:sqref>`` of the x14 extensions) and defined names.

A range follows the table when it lies within the table's columns, starts at the header or the first body row
and reaches the body's last row: ``A2`` of a one-row table, ``D2:D500`` of a 499-row one. It then ends at the
new last body row; a range that reached past the body keeps its end unless the body now reaches further.
Ranges that cover part of the body only, or other columns too, are the user's own and stay as they are.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import unescape

from kam_xl.a1 import column_number
from kam_xl.package.table_part import Table

_REF = re.compile(r"(\$?)([A-Za-z]{1,3})(\$?)([0-9]{1,7})(?::(\$?)([A-Za-z]{1,3})(\$?)([0-9]{1,7}))?")


def moved(ref: str, table: Table, last_row: int) -> str:
    """``ref`` (one range, ``$`` signs kept) as it reads once the table's body ends at ``last_row``."""
    m = _REF.fullmatch(ref)
    if not m:
        return ref
    d1, l1, d2, n1, d3, l2, d4, n2 = m.groups()
    c1, r1 = column_number(l1), int(n1)
    c2, r2 = (column_number(l2), int(n2)) if l2 else (c1, r1)
    follows = (table.first_col <= c1 <= c2 <= table.last_col and r1 in (table.first_row, table.body_row)
               and r2 >= table.last_row)
    if not follows:
        return ref
    end = last_row if r2 == table.last_row else max(r2, last_row)
    if end == r1 and not l2:
        return ref
    return f"{d1}{l1}{d2}{n1}:{d3 or d1}{l2 or l1}{d4 or d2}{end}"


def moved_list(sqref: str, table: Table, last_row: int) -> str:
    """A space-separated ``sqref`` list, each range moved."""
    return " ".join(moved(ref, table, last_row) for ref in sqref.split())


_SQREF_ATTR = re.compile(rb"""(<(?:[\w.-]+:)?(?:dataValidation|conditionalFormatting)\b[^>]*?\ssqref\s*=\s*")"""
                         rb"""([^"]*)(")""")
_SQREF_ELEMENT = re.compile(rb"(<((?:[\w.-]+:)?)sqref>)([^<]*)(</\2sqref>)")


def moved_sqrefs(tail: bytes, table: Table, last_row: int) -> bytes:
    """The part of a sheet after ``</sheetData>`` with every validation's and format's ranges moved."""
    def attr(m: re.Match) -> bytes:
        return m.group(1) + moved_list(m.group(2).decode("ascii"), table, last_row).encode("ascii") + m.group(3)

    def element(m: re.Match) -> bytes:
        return m.group(1) + moved_list(m.group(3).decode("ascii"), table, last_row).encode("ascii") + m.group(4)

    return _SQREF_ELEMENT.sub(element, _SQREF_ATTR.sub(attr, tail))


_DEFINED_NAME = re.compile(rb"(<(?:[\w.-]+:)?definedName\b[^>]*>)([^<]*)(</)")
_SHEET_REF = re.compile(r"((?:'(?:[^']|'')+'|[^\s!'(),=&;<>{}+*/^-]+)!)(\$?[A-Za-z]{1,3}\$?[0-9]{1,7}"
                        r"(?::\$?[A-Za-z]{1,3}\$?[0-9]{1,7})?)")


def moved_names(workbook_xml: bytes, table: Table, last_row: int) -> bytes | None:
    """workbook.xml with the defined names that cover the table's columns moved; None when none changes."""
    sheet = table.sheet.name.casefold()

    def ref(m: re.Match) -> str:
        name = m.group(1)[:-1]
        if name.startswith("'"):
            name = name[1:-1].replace("''", "'")
        if name.casefold() != sheet:
            return m.group(0)
        return m.group(1) + moved(m.group(2), table, last_row)

    def defined(m: re.Match) -> bytes:
        text = m.group(2).decode("utf-8")
        plain = unescape(text, {"&quot;": '"', "&apos;": "'"})
        new = _SHEET_REF.sub(ref, plain)
        if new == plain:
            return m.group(0)
        escaped = new.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return m.group(1) + escaped.encode("utf-8") + m.group(3)

    new = _DEFINED_NAME.sub(defined, workbook_xml)
    return None if new == workbook_xml else new
