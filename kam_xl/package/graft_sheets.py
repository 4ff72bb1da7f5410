"""The sheet and table parts a graft touches, edited as bytes.

Theirs: only a worksheet's code name (``<sheetPr codeName>``, ECMA-376 Part 1, 18.3.1.82), which VBA ties a
document module to; :func:`code_name` reads it, :func:`with_code_name` adds it to a sheet that has none —
as an attribute of ``<sheetPr>``, or as ``<sheetPr codeName="..."/>``, the first child of the root, when the
sheet has no ``<sheetPr>`` — and changes no other byte.

Ours (copied from the package the template wrote): :func:`our_sheet` remaps cell formats (``s`` of cells,
rows, ``style`` of columns; a cell without ``s`` gets our format 0, so it keeps our default look),
shared-string indices, cell metadata (``cm``) and differential formats (``dxfId``), drops ``tabSelected``
(their selected sheet stays the one selected) and renames the code name where theirs took it;
:func:`our_table` gives a table its new ``id`` and remaps its differential formats.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_QUOTED = rb"""(?:[^>"']|"[^"]*"|'[^']*')*?"""
_PROLOG = re.compile(rb"(?:\xef\xbb\xbf)?\s*(?:(?:<\?.*?\?>|<!--.*?-->)\s*)*", re.S)
_ROOT = re.compile(rb"<(?:([\w.-]+):)?([\w.-]+)\b" + _QUOTED + rb"(/?)>")
_GAP = re.compile(rb"\s*(?:<!--.*?-->\s*)*", re.S)
_SHEET_PR = re.compile(rb"<(?:[\w.-]+:)?sheetPr\b(" + _QUOTED + rb")(/?)>")
_CODE_NAME = re.compile(rb"""\scodeName\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def _sheet_pr(xml: bytes) -> tuple[re.Match, re.Match | None]:
    """The root's open tag, and the ``<sheetPr>`` tag when it is the root's first child."""
    root = _ROOT.match(xml, _PROLOG.match(xml).end())
    if root is None or root.group(3):
        raise ValueError("no root element")
    return root, _SHEET_PR.match(xml, _GAP.match(xml, root.end()).end())


def code_name(xml: bytes) -> str | None:
    """The sheet's code name, or None."""
    _, sheet_pr = _sheet_pr(xml)
    if sheet_pr is None:
        return None
    found = _CODE_NAME.search(sheet_pr.group(1))
    return None if found is None else (found.group(1) or found.group(2) or b"").decode("utf-8") or None


def with_code_name(xml: bytes, name: str) -> bytes:
    """The sheet with ``codeName="name"``; every other byte as it was."""
    root, sheet_pr = _sheet_pr(xml)
    attribute = f' codeName="{name}"'.encode()
    if sheet_pr is None:
        prefix = root.group(1) + b":" if root.group(1) else b""
        return xml[:root.end()] + b"<" + prefix + b"sheetPr" + attribute + b"/>" + xml[root.end():]
    if _CODE_NAME.search(sheet_pr.group(1)):
        raise ValueError("the sheet has a code name already")
    at = sheet_pr.start(1) + len(sheet_pr.group(1).rstrip())
    return xml[:at] + attribute + xml[at:]


@dataclass(frozen=True)
class SheetMaps:
    """Where our indices went: cell formats, differential formats, shared strings, cell metadata."""

    xf: list[int]
    dxf: list[int]
    strings: int
    cm: list[int] | None       # None: our metadata part was added as it is, so ``cm`` stays
    code_name: str | None = None   # our code name's replacement, when theirs took it


_CELL = re.compile(rb"<c\b(" + _QUOTED + rb")(/?)>(<v>(\d+)</v>)?")
_ROW = re.compile(rb"<row\b" + _QUOTED + rb">")
_COL = re.compile(rb"<col\b" + _QUOTED + rb">")
_CF_RULE = re.compile(rb"<cfRule\b" + _QUOTED + rb">")
_SHEET_VIEW = re.compile(rb"<sheetView\b" + _QUOTED + rb">")


def _attr(name: bytes) -> re.Pattern:
    return re.compile(rb'(\s' + name + rb'=")(\d+)(")')


_S, _STYLE, _CM, _DXF = _attr(b"s"), _attr(b"style"), _attr(b"cm"), _attr(b"dxfId")
_T_SHARED = re.compile(rb'\st="s"')
_TAB_SELECTED = re.compile(rb'\stabSelected="(?:1|true)"')
_ANY_DXF = re.compile(rb'(\s\w*DxfId=")(\d+)(")')
_TABLE_ID = re.compile(rb'(<table\b[^>]*?\sid=")(\d+)(")')


def _mapped(pattern: re.Pattern, mapping: Callable[[int], int]) -> Callable[[bytes], bytes]:
    return lambda tag: pattern.sub(lambda m: m.group(1) + str(mapping(int(m.group(2)))).encode() + m.group(3), tag)


def our_sheet(xml: bytes, maps: SheetMaps) -> bytes:
    """Our worksheet with every index pointing into the merged parts."""
    style = _mapped(_S, maps.xf.__getitem__)
    cm = (lambda tag: tag) if maps.cm is None else _mapped(_CM, lambda i: maps.cm[i - 1])

    def cell(match: re.Match) -> bytes:
        attributes = match.group(1)
        attributes = style(attributes) if _S.search(attributes) else attributes + f' s="{maps.xf[0]}"'.encode()
        attributes = cm(attributes)
        value = match.group(3) or b""
        if value and _T_SHARED.search(attributes):
            value = f"<v>{int(match.group(4)) + maps.strings}</v>".encode()
        return b"<c" + attributes + match.group(2) + b">" + value

    xml = _CELL.sub(cell, xml)
    xml = _ROW.sub(lambda m: style(m.group(0)), xml)
    xml = _COL.sub(lambda m: _mapped(_STYLE, maps.xf.__getitem__)(m.group(0)), xml)
    xml = _CF_RULE.sub(lambda m: _mapped(_DXF, maps.dxf.__getitem__)(m.group(0)), xml)
    xml = _SHEET_VIEW.sub(lambda m: _TAB_SELECTED.sub(b"", m.group(0)), xml, count=1)
    if maps.code_name is not None:
        _, sheet_pr = _sheet_pr(xml)
        tag = _CODE_NAME.sub(f' codeName="{maps.code_name}"'.encode(), sheet_pr.group(0), count=1)
        xml = xml[:sheet_pr.start()] + tag + xml[sheet_pr.end():]
    return xml


def our_table(xml: bytes, table_id: int, dxf: list[int]) -> bytes:
    """Our table with its new id and its differential formats remapped."""
    xml, found = _TABLE_ID.subn(lambda m: m.group(1) + str(table_id).encode() + m.group(3), xml, count=1)
    if not found:
        raise ValueError("the table has no id")
    return _mapped(_ANY_DXF, dxf.__getitem__)(xml)
