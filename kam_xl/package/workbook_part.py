"""The workbook part: which zip entry holds each sheet, the date system, and ``calcPr``
(ECMA-376 Part 1, 18.2.27 ``workbook``, 18.2.19 ``sheet``, 18.2.28 ``workbookPr``, 18.2.2 ``calcPr``;
Part 2 (OPC) for the relationship parts that lead there).

    _rels/.rels                  officeDocument -> xl/workbook.xml
    xl/workbook.xml              <sheets><sheet name="Data" r:id="rId1"/></sheets>
                                 <workbookPr date1904="1"/>  <calcPr fullCalcOnLoad="1"/>
    xl/_rels/workbook.xml.rels   rId1 -> worksheets/sheet1.xml

The relationship parts and workbook.xml are only read (with ElementTree, never one declaring a DTD); the one edit, dropping
``fullCalcOnLoad``, rewrites that attribute's bytes and nothing else.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass
from urllib.parse import unquote
from xml.etree import ElementTree

from kam_xl.package.limits import declares_dtd
from kam_xl.package.names import (
    MAIN_NS,
    OFFICE_REL_NS,
    PACKAGE_REL_NS,
    PACKAGE_RELS,
    REL_CHARTSHEET,
    REL_DIALOGSHEET,
    REL_MACROSHEET,
    REL_OFFICE_DOCUMENT,
    REL_WORKSHEET,
    qname,
)


class WorkbookError(ValueError):
    """The package does not lead to the sheet asked for; the message says why."""


@dataclass(frozen=True)
class Sheet:
    name: str
    part: str | None    # zip entry name; None when the relationship's target is not in the package
    target: str         # where the relationship points, as written
    kind: str           # worksheet, chartsheet, dialogsheet, macrosheet, or the relationship type


@dataclass(frozen=True)
class Workbook:
    part: str
    sheets: tuple[Sheet, ...]
    date1904: bool

    def sheet(self, name: str) -> Sheet:
        """The sheet called ``name`` (exactly, else ignoring case as Excel does)."""
        for sheet in self.sheets:
            if sheet.name == name:
                return sheet
        matches = [s for s in self.sheets if s.name.casefold() == name.casefold()]
        if len(matches) == 1:
            return matches[0]
        known = ", ".join(repr(s.name) for s in self.sheets)
        raise WorkbookError(f"no sheet named {name!r} (the workbook has {known})")


def read_workbook(archive: zipfile.ZipFile) -> Workbook:
    """Follow _rels/.rels to the workbook part and its relationships to every sheet's part."""
    names = _entry_names(archive)
    package_rels = _relationships(archive, names, PACKAGE_RELS)
    main = next((target for kind, target, _ in package_rels.values() if kind in REL_OFFICE_DOCUMENT), None)
    if main is None:
        raise WorkbookError("_rels/.rels names no workbook part (officeDocument relationship)")
    part = _resolve(names, "", main)
    if part is None:
        raise WorkbookError(f"the workbook part {main} is missing from the package")
    if part.lower().endswith(".bin"):
        raise WorkbookError("this is a binary workbook (.xlsb); kam_xl writes .xlsx and .xlsm only")
    root = _parse(archive, part)
    ns = next((n for n in MAIN_NS if root.tag == qname(n, "workbook")), None)
    if ns is None:
        raise WorkbookError(f"{part} is not a SpreadsheetML workbook")
    folder = posixpath.dirname(part)
    rels = _relationships(archive, names, posixpath.join(folder, "_rels", posixpath.basename(part) + ".rels"))
    sheets = []
    for element in root.iterfind(f"{{{ns}}}sheets/{{{ns}}}sheet"):
        rid = next((element.get(qname(r, "id")) for r in OFFICE_REL_NS if element.get(qname(r, "id"))), None)
        if rid not in rels:
            raise WorkbookError(f"sheet {element.get('name')!r} points to relationship {rid}, which is missing")
        kind, target, external = rels[rid]
        sheets.append(Sheet(element.get("name", ""), None if external else _resolve(names, folder, target),
                            target, _kind(kind)))
    pr = root.find(f"{{{ns}}}workbookPr")
    date1904 = pr is not None and pr.get("date1904", "0").lower() in ("1", "true")
    return Workbook(part, tuple(sheets), date1904)


def _kind(rel_type: str) -> str:
    for kind, types in (("worksheet", REL_WORKSHEET), ("chartsheet", REL_CHARTSHEET),
                        ("dialogsheet", REL_DIALOGSHEET), ("macrosheet", REL_MACROSHEET)):
        if rel_type in types:
            return kind
    return rel_type


def _entry_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Lower-case name -> entry name: OPC part names compare without regard to case."""
    names: dict[str, str] = {}
    for info in archive.infolist():
        key = info.filename.lower()
        if key in names:
            raise WorkbookError(f"the zip holds {info.filename} twice")
        names[key] = info.filename
    return names


def _resolve(names: dict[str, str], folder: str, target: str) -> str | None:
    path = target.split("#", 1)[0]
    path = path[1:] if path.startswith("/") else posixpath.join(folder, path)
    path = posixpath.normpath(path)
    return names.get(path.lower()) or names.get(unquote(path).lower())


def _parse(archive: zipfile.ZipFile, part: str) -> ElementTree.Element:
    data = archive.read(part)
    if declares_dtd(data):
        raise WorkbookError(f"{part} declares a DTD (<!DOCTYPE or <!ENTITY), which workbook parts never hold — a "
                            "hostile or damaged file; kam_xl does not parse it")
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise WorkbookError(f"{part} is not well-formed XML ({exc})") from None


def _relationships(archive: zipfile.ZipFile, names: dict[str, str], part: str) -> dict[str, tuple[str, str, bool]]:
    """Id -> (type, target, external) of a relationships part."""
    entry = names.get(part.lower())
    if entry is None:
        raise WorkbookError(f"{part} is missing from the package")
    rels = {}
    for element in _parse(archive, entry).iter(qname(PACKAGE_REL_NS, "Relationship")):
        rels[element.get("Id")] = (element.get("Type", ""), element.get("Target", ""),
                                   element.get("TargetMode") == "External")
    return rels


# ---------------------------------------------------------------------------------------------- calcPr

_CALC_PR = re.compile(rb"<(?:[\w.-]+:)?calcPr\b[^>]*>")
_FULL_CALC_ON_LOAD = re.compile(rb"""\s+fullCalcOnLoad\s*=\s*(["'])\s*(1|true)\s*\1""")


def without_full_calc_on_load(xml: bytes) -> bytes | None:
    """workbook.xml without ``fullCalcOnLoad="1"`` on ``<calcPr>``; None when it is not set (nothing to do)."""
    calc_pr = _CALC_PR.search(xml)
    if calc_pr is None:
        return None
    attribute = _FULL_CALC_ON_LOAD.search(xml, calc_pr.start(), calc_pr.end())
    if attribute is None:
        return None
    return xml[:attribute.start()] + xml[attribute.end():]
