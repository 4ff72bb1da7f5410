"""Merge our styles.xml into theirs: every entry of theirs stays where it is, ours are appended
(ECMA-376 Part 1, 18.8.39 ``styleSheet``).

    merged, maps = merge_styles(their_xml, our_xml)
    maps.xf[i]     the index in the merged ``cellXfs`` of our cell format i (a cell's ``s``)
    maps.dxf[i]    the index in the merged ``dxfs`` of our differential format i (``dxfId``)

* ``numFmts``: our custom formats (id 164 and up) take the id of their format with the same code, or a new id
  after theirs; built-in ids (below 164) mean the same everywhere.
* ``fonts``, ``fills``, ``borders``, ``dxfs``: ours appended. Our fonts lose ``<scheme>`` so they keep their
  face when their theme's fonts differ from ours (a scheme font takes its face from the theme).
* ``cellStyleXfs`` / ``cellStyles``: our named styles map to theirs of the same built-in id or name (our
  "Normal" is their "Normal"); any other is appended with its cell style. Cell formats (``cellXfs``) carry
  their own font, fill, border and number format, so our cells look as they did.
* ``cellXfs``: ours appended with every id remapped, each applying its own font (``applyFont="1"``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kam_xl.package import xmltext
from kam_xl.package.xmltext import Element

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
#: The children of styleSheet in schema order.
ORDER = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs",
         "tableStyles", "colors", "extLst")
FIRST_CUSTOM_FORMAT = 164
_SCHEME = re.compile(r"<(?:[\w.-]+:)?scheme\b[^>]*/>")
_NUM_FMT_IN_DXF = re.compile(r"(<(?:[\w.-]+:)?numFmt\b[^>]*>)")


@dataclass(frozen=True)
class StyleMaps:
    xf: list[int]
    dxf: list[int]


class _Side:
    """One styles.xml: its text, root and children by name."""

    def __init__(self, text: str):
        self.text = text
        self.root = xmltext.root_element(text)
        self.parts: dict[str, Element] = {}
        for element in xmltext.children(text, self.root):
            self.parts.setdefault(element.local, element)

    def items(self, name: str) -> list[Element]:
        element = self.parts.get(name)
        return [] if element is None else xmltext.children(self.text, element)

    def tags(self, name: str) -> list[str]:
        return [item.open_tag(self.text) for item in self.items(name)]

    def texts(self, name: str) -> list[str]:
        return [self.text[item.start:item.end] for item in self.items(name)]


def merge_styles(theirs: str, ours: str) -> tuple[str, StyleMaps]:
    """Their styles.xml with ours appended, and where our cell and differential formats went."""
    their, our = _Side(theirs), _Side(ours)
    for unsupported in ("tableStyles", "colors"):
        if our.items(unsupported):
            raise ValueError(f"our styles.xml has {unsupported} entries, which the merge does not carry")
    formats = _Formats(their)
    for tag in our.tags("numFmts"):
        formats.map(int(xmltext.attribute(tag, "numFmtId")), _unescaped(xmltext.attribute(tag, "formatCode")))

    added: dict[str, list[str]] = {name: [] for name in ORDER}
    offsets = {name: len(their.items(name)) for name in ("fonts", "fills", "borders", "dxfs")}
    added["fonts"] = [_SCHEME.sub("", text) for text in our.texts("fonts")]
    added["fills"] = our.texts("fills")
    added["borders"] = our.texts("borders")
    added["dxfs"] = [_NUM_FMT_IN_DXF.sub(lambda m: _dxf_format(m.group(1), formats), text)
                     for text in our.texts("dxfs")]

    def remapped(text: str, style_xf: list[int] | None) -> str:
        end = text.index(">") + 1
        tag = text[:end]
        for name, offset in (("fontId", "fonts"), ("fillId", "fills"), ("borderId", "borders")):
            value = xmltext.attribute(tag, name)
            if value is not None:
                tag = xmltext.set_attribute(tag, name, str(int(value) + offsets[offset]))
        value = xmltext.attribute(tag, "numFmtId")
        if value is not None:
            tag = xmltext.set_attribute(tag, "numFmtId", str(formats.id_of(int(value))))
        value = xmltext.attribute(tag, "xfId")
        if value is not None and style_xf is not None:
            tag = xmltext.set_attribute(tag, "xfId", str(style_xf[int(value)]))
        return tag + text[end:]

    style_xf = _style_xfs(their, our, added, remapped)
    cell_xfs = len(their.items("cellXfs"))
    added["cellXfs"] = [_font_applied(remapped(text, style_xf)) for text in our.texts("cellXfs")]
    added["numFmts"] = formats.added
    merged = _insert(their, added)
    return merged, StyleMaps(xf=[cell_xfs + i for i in range(len(added["cellXfs"]))],
                             dxf=[offsets["dxfs"] + i for i in range(len(added["dxfs"]))])


def _style_xfs(their: _Side, our: _Side, added: dict[str, list[str]], remapped) -> list[int]:
    """Where each of our cell style formats goes: their style of the same built-in id or name, or appended
    (with its cellStyles entry)."""
    their_styles = their.tags("cellStyles")
    by_builtin = {xmltext.attribute(t, "builtinId"): int(xmltext.attribute(t, "xfId") or 0)
                  for t in their_styles if xmltext.attribute(t, "builtinId") is not None}
    by_name = {_unescaped(xmltext.attribute(t, "name") or "").casefold(): int(xmltext.attribute(t, "xfId") or 0)
               for t in their_styles}
    our_styles = our.tags("cellStyles")
    mapping, next_index = [], len(their.items("cellStyleXfs"))
    for index, text in enumerate(our.texts("cellStyleXfs")):
        styles = [t for t in our_styles if int(xmltext.attribute(t, "xfId") or 0) == index]
        target = None
        for tag in styles:
            builtin, name = xmltext.attribute(tag, "builtinId"), _unescaped(xmltext.attribute(tag, "name") or "")
            target = by_builtin.get(builtin) if builtin is not None else None
            if target is None:
                target = by_name.get(name.casefold())
            if target is not None:
                break
        if target is None:
            target = next_index
            next_index += 1
            added["cellStyleXfs"].append(remapped(text, None))
            for tag in styles:
                added["cellStyles"].append(xmltext.set_attribute(tag, "xfId", str(target)))
        mapping.append(target)
    return mapping


class _Formats:
    """Number formats: theirs by id and code, and the ones we add."""

    def __init__(self, their: _Side):
        self.codes: dict[str, int] = {}
        self.used: set[int] = set()
        for tag in their.tags("numFmts"):
            number = int(xmltext.attribute(tag, "numFmtId"))
            self.used.add(number)
            self.codes.setdefault(_unescaped(xmltext.attribute(tag, "formatCode") or ""), number)
        self.ours: dict[int, int] = {}
        self.added: list[str] = []

    def map(self, our_id: int, code: str) -> int:
        if our_id < FIRST_CUSTOM_FORMAT:
            return our_id
        if our_id not in self.ours:
            number = self.codes.get(code)
            if number is None:
                number = max(self.used | {FIRST_CUSTOM_FORMAT - 1}) + 1
                self.used.add(number)
                self.codes[code] = number
                self.added.append(f'<numFmt numFmtId="{number}" formatCode="{xmltext.escape_attribute(code)}"/>')
            self.ours[our_id] = number
        return self.ours[our_id]

    def id_of(self, our_id: int) -> int:
        return self.ours.get(our_id, our_id)


def _font_applied(text: str) -> str:
    """A cell format of ours says it applies its own font: its parent is now their Normal style, whose font
    (say Arial 10) a reader would otherwise take (LibreOffice does for a format without ``applyFont``)."""
    end = text.index(">") + 1
    if xmltext.attribute(text[:end], "applyFont") is not None:
        return text
    return xmltext.set_attribute(text[:end], "applyFont", "1") + text[end:]


def _dxf_format(tag: str, formats: _Formats) -> str:
    number, code = xmltext.attribute(tag, "numFmtId"), xmltext.attribute(tag, "formatCode")
    if number is None or code is None:
        return tag
    return xmltext.set_attribute(tag, "numFmtId", str(formats.map(int(number), _unescaped(code))))


def _insert(their: _Side, added: dict[str, list[str]]) -> str:
    """Their text with each list of entries appended to its collection (created in schema order when they
    have none), counts updated."""
    text, edits = their.text, []
    adopt = xmltext.namespace_prefix(their.root.open_tag(text), MAIN) != "" or bool(their.root.prefix)
    prefix = their.root.prefix
    for position, name in enumerate(ORDER):
        entries = added.get(name) or []
        if not entries:
            continue
        if adopt:
            entries = [xmltext.with_namespace(entry, MAIN) for entry in entries]
        body = "".join(entries)
        element = their.parts.get(name)
        if element is not None:
            count = len(their.items(name)) + len(entries)
            tag = xmltext.set_attribute(element.open_tag(text), "count", str(count))
            if element.empty:
                tag = tag[:-2].rstrip() + ">"
                edits.append((element.start, element.end, f"{tag}{body}</{element.prefix}{name}>"))
            else:
                edits += [(element.start, element.open_end, tag), (element.close_start, element.close_start, body)]
            continue
        before = [their.parts[n] for n in ORDER[:position] if n in their.parts]
        at = max((e.end for e in before), default=their.root.open_end)
        edits.append((at, at, f'<{prefix}{name} count="{len(entries)}">{body}</{prefix}{name}>'))
    return xmltext.apply_edits(text, edits)


def _unescaped(value: str) -> str:
    return (value.replace("&quot;", '"').replace("&apos;", "'").replace("&lt;", "<").replace("&gt;", ">")
            .replace("&amp;", "&"))
