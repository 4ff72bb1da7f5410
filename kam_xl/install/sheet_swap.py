"""A sheet of a workbook replaced by a sheet of a template build, with everything each owns.

    replace_sheet(target, fresh, target_part, fresh_part, styles, strings)
    kept_cell(sheet_xml, ref) -> bytes | None          # the <c> element of a cell, as written
    put_cell(sheet_xml, ref, cell) -> bytes            # a <c> element in place of the one at ref
    merge_names(target_workbook_xml, fresh_workbook_xml, target_sheets, fresh_sheets, rebuilt, kept) -> bytes

The target's sheet keeps its part name (so workbook.xml and its relationships stay as they are) and its VBA code
name; the parts the
old sheet owned (drawings, charts, tables) go, the fresh sheet's come, renamed where a name is taken. The fresh
sheet's cell formats and shared strings point into the target's tables, into which the graft's merges
(:mod:`kam_xl.package.styles_merge`, :mod:`kam_xl.package.strings_merge`) appended the fresh build's, and its
tables get free ids. The fresh XML is XlsxWriter's, whose regular markup the patterns here rely on; of the
target's sheets only single ``<c>`` elements are read, by their reference.
"""

from __future__ import annotations

import re

from kam_xl.install.parts import Package, Rel, rels_part, relative, rels_xml
from kam_xl.package.styles_merge import StyleMaps

TABLE_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"


def replace_sheet(target: Package, fresh: Package, target_part: str, fresh_part: str, styles: StyleMaps,
                  strings: int) -> None:
    """The sheet ``target_part`` replaced by ``fresh_part`` of the fresh build, whose cell formats are at
    ``styles`` in the target's styles.xml and whose shared strings start at index ``strings`` of its table."""
    old_owned = target.owned(target_part)
    old_ids = {_table_name(target.parts[p]): _table_id(target.parts[p]) for p in old_owned
               if target.content_type(p) == TABLE_TYPE}
    target.parts.pop(rels_part(target_part), None)
    _drop_unreferenced(target, old_owned)

    names = {}
    for part in fresh.owned(fresh_part):
        names[part] = target.free_name(part)
        target.parts[names[part]] = b""  # reserved
    table_ids = _table_ids(target)
    for part, name in names.items():
        content = fresh.parts[part]
        content_type = fresh.content_type(part)
        if content_type == TABLE_TYPE:  # the old table's id for a table of its name, else a free one
            kept = old_ids.get(_table_name(content))
            table_ids.append(kept if kept is not None and kept not in table_ids else max(table_ids, default=0) + 1)
            content = re.sub(rb'(<table\b[^>]*?\sid=")\d+"', rb'\g<1>%d"' % table_ids[-1], content, count=1)
            content = _with_dxfs(content, styles)
        target.parts[name] = content
        if content_type:
            target.set_content_type(name, content_type)
        _copy_rels(fresh, part, target, name, names)
    _copy_rels(fresh, fresh_part, target, target_part, names)
    xml = _with_styles(_with_strings(fresh.parts[fresh_part], strings), styles)
    target.parts[target_part] = _with_code_name(xml, _CODE_NAME.search(target.parts[target_part]))


_CODE_NAME = re.compile(rb'(<sheetPr\b[^>]*?\scodeName=")([^"]*)"')


def _with_code_name(xml: bytes, old: re.Match | None) -> bytes:
    """The sheet keeps the code name it had: the workbook's VBA project knows its document module by it."""
    if old is None:
        return xml
    return _CODE_NAME.sub(lambda m: m.group(1) + old.group(2) + b'"', xml, count=1)


def _drop_unreferenced(target: Package, parts: list[str]) -> None:
    """Remove those of ``parts`` no relationship leads to any more (a picture another sheet shows stays)."""
    while True:
        referenced = target.referenced()
        gone = [p for p in parts if p in target.parts and p not in referenced]
        if not gone:
            return
        for part in gone:
            target.remove(part)


def _copy_rels(fresh: Package, part: str, target: Package, name: str, names: dict[str, str]) -> None:
    rels = fresh.rels(part)
    if not rels:
        return
    moved = [Rel(r.id, r.type, relative(name, names[r.part]) if r.part in names else r.target,
                 names.get(r.part, r.part)) for r in rels.values()]
    target.parts[rels_part(name)] = rels_xml(moved)


def _table_ids(target: Package) -> list[int]:
    return [i for name, data in target.parts.items() if data and target.content_type(name) == TABLE_TYPE
            for i in [_table_id(data)] if i is not None]


def _table_id(xml: bytes) -> int | None:
    found = re.search(rb'<(?:\w+:)?table\b[^>]*?\sid="(\d+)"', xml)
    return int(found.group(1)) if found else None


def _table_name(xml: bytes) -> str:
    found = re.search(rb'<(?:\w+:)?table\b[^>]*?\sdisplayName="([^"]*)"', xml)
    return found.group(1).decode() if found else ""


_CELL_STYLE = re.compile(rb'(<c\b[^>]*?\ss=")(\d+)"')
_ROW_STYLE = re.compile(rb'(<row\b[^>]*?\ss=")(\d+)"')
_COL_STYLE = re.compile(rb'(<col\b[^>]*?\sstyle=")(\d+)"')
_DXF = re.compile(rb'(\s\w*[dD]xfId=")(\d+)"')


def _with_styles(xml: bytes, styles: StyleMaps) -> bytes:
    def xf(match: re.Match) -> bytes:
        return match.group(1) + b'%d"' % styles.xf[int(match.group(2))]

    for pattern in (_CELL_STYLE, _ROW_STYLE, _COL_STYLE):
        xml = pattern.sub(xf, xml)
    return _with_dxfs(xml, styles)


def _with_dxfs(xml: bytes, styles: StyleMaps) -> bytes:
    return _DXF.sub(lambda m: m.group(1) + b'%d"' % styles.dxf[int(m.group(2))], xml)


_STRING_CELL = re.compile(rb'(<c\b[^>]*?\bt="s"[^>]*><v>)(\d+)</v>')


def _with_strings(xml: bytes, offset: int) -> bytes:
    """The shared-string cells of ``xml`` pointing ``offset`` items further."""
    return _STRING_CELL.sub(lambda m: m.group(1) + b"%d</v>" % (int(m.group(2)) + offset), xml)


# ------------------------------------------------------------------------------------------------ cells

def _cell_pattern(ref: str) -> re.Pattern:
    return re.compile(rb'<c\b[^>]*?\sr="%s"[^>]*?(?:/>|>.*?</c>)' % ref.encode(), re.DOTALL)


def kept_cell(sheet_xml: bytes, ref: str) -> bytes | None:
    """The ``<c>`` element of cell ``ref`` as the sheet writes it; None when the sheet has none."""
    found = _cell_pattern(ref).search(sheet_xml)
    return found.group(0) if found else None


def put_cell(sheet_xml: bytes, ref: str, cell: bytes, old_ref: str) -> bytes:
    """``sheet_xml`` with ``cell`` (read at ``old_ref``) in place of its cell ``ref``; unchanged when it has none."""
    moved = re.sub(rb'(\sr=")%s"' % old_ref.encode(), rb'\g<1>%s"' % ref.encode(), cell, count=1)
    return _cell_pattern(ref).sub(lambda _: moved, sheet_xml, count=1)


# ------------------------------------------------------------------------------------------------ names

_NAME = re.compile(rb"<definedName\b([^>]*)>(.*?)</definedName>|<definedName\b[^>]*/>", re.DOTALL)
_ATTR = re.compile(rb'(\w+)="([^"]*)"')


def merge_names(target_xml: bytes, fresh_xml: bytes, target_sheets: list[str], fresh_sheets: list[str],
                rebuilt: set[str], kept: frozenset[str] = frozenset()) -> bytes:
    """workbook.xml of the target with the fresh build's names of ``rebuilt`` sheets and every ``kam_`` name: a
    name of the same name and scope takes the fresh text in its place, a new one is appended, a ``kam_`` name
    or sheet-scoped name of a rebuilt sheet the fresh build no longer has is dropped; the user's names stay,
    and so do the workbook-scoped names ``kept`` (the plain ranges of their data, whose end a refresh moves)."""
    def key(match: re.Match, sheets: list[str]) -> tuple[str, str | None]:
        attrs = dict(_ATTR.findall(match.group(1) or b""))
        scope = attrs.get(b"localSheetId")
        return attrs.get(b"name", b"").decode(), None if scope is None else sheets[int(scope)]

    def ours(match: re.Match, sheets: list[str]) -> bool:
        name, scope = key(match, sheets)
        text = (match.group(2) or b"").decode(errors="replace")
        return name.startswith("kam_") or scope in rebuilt or any(
            f"{s}!" in text or f"'{s}'!" in text for s in rebuilt)

    kept = {name.casefold() for name in kept}
    fresh = {}
    for match in _NAME.finditer(fresh_xml):
        name, scope = key(match, fresh_sheets)
        if ours(match, fresh_sheets) and not (scope is None and name.casefold() in kept):
            element = match.group(0)
            if scope is not None:
                element = re.sub(rb'localSheetId="\d+"', b'localSheetId="%d"' % target_sheets.index(scope), element)
            fresh[(name, scope)] = element

    def replaced(match: re.Match) -> bytes:
        k = key(match, target_sheets)
        if k[1] is None and k[0].casefold() in kept:
            return match.group(0)
        if k in fresh:
            return fresh.pop(k)
        return b"" if ours(match, target_sheets) and (k[0].startswith("kam_") or k[1] in rebuilt) else match.group(0)

    xml = _NAME.sub(replaced, target_xml)
    added = b"".join(fresh.values())
    if not added:
        return xml
    if b"</definedNames>" in xml:
        return xml.replace(b"</definedNames>", added + b"</definedNames>", 1)
    return xml.replace(b"</sheets>", b"</sheets><definedNames>" + added + b"</definedNames>", 1)
