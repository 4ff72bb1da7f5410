"""Cell formats (``s=``) and differential formats (``dxfId=``) of one package made valid in another's styles.xml.

The target's entries stay where they are, so every cell of the user keeps its look; a format of the source is
looked up in the target by what it is (its font, fill, border, number format, alignment, protection) and
appended only when the target has none like it.

    styles = Styles(target_styles_xml, source_styles_xml)
    styles.xf(5), styles.dxf(2)       # the target's index of the source's cell / differential format
    new_styles_xml = styles.to_bytes()  # None when nothing was appended
"""

from __future__ import annotations

import re

from lxml import etree

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
FIRST_CUSTOM_NUMFMT = 164
#: styleSheet children in schema order (ECMA-376 Part 1, 18.8.39): where a missing section goes.
ORDER = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs", "tableStyles",
         "colors", "extLst")
_IDS = ("numFmtId", "fontId", "fillId", "borderId")


def _parse(xml: bytes):
    return etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False))


def _local(tag) -> str:
    return etree.QName(tag).localname


def _canon(element) -> tuple:
    """What an element is, whatever the order of its attributes and its namespace prefix."""
    return (_local(element.tag), tuple(sorted((_local(k), v) for k, v in element.attrib.items())),
            tuple(_canon(c) for c in element if isinstance(c.tag, str)), (element.text or "").strip())


def _children(root, section: str) -> list:
    found = root.find(f"{{{MAIN}}}{section}")
    return [] if found is None else [c for c in found if isinstance(c.tag, str)]


class Styles:
    def __init__(self, target: bytes, source: bytes):
        self.original = target
        self._target, self._source = _parse(target), _parse(source)
        self._declared = self._target.nsmap.get(None) == MAIN  # SpreadsheetML is the default namespace there
        self._lists = {s: _children(self._target, s) for s in ("fonts", "fills", "borders", "cellXfs", "dxfs")}
        self._keys = {s: {_canon(e): i for i, e in reversed(list(enumerate(self._lists[s])))}
                      for s in ("fonts", "fills", "borders", "dxfs")}
        self._codes = {e.get("formatCode"): int(e.get("numFmtId")) for e in _children(self._target, "numFmts")}
        self._xf_keys = {}
        for i, xf in reversed(list(enumerate(self._lists["cellXfs"]))):
            self._xf_keys[self._xf_key(xf, self._target, self._number_format(self._target, xf))] = i
        self.added: dict[str, list[bytes]] = {s: [] for s in ("numFmts", "fonts", "fills", "borders", "cellXfs",
                                                              "dxfs")}
        self._xf_map: dict[int, int] = {}
        self._dxf_map: dict[int, int] = {}

    def xf(self, index: int) -> int:
        if index not in self._xf_map:
            xf = _children(self._source, "cellXfs")[index]
            key = self._xf_key(xf, self._source, self._number_format(self._source, xf))
            found = self._xf_keys.get(key)
            if found is None:
                ids = {"numFmtId": self._numfmt(self._number_format(self._source, xf)),
                       "fontId": self._entry("fonts", _children(self._source, "fonts"), xf.get("fontId", "0")),
                       "fillId": self._entry("fills", _children(self._source, "fills"), xf.get("fillId", "0")),
                       "borderId": self._entry("borders", _children(self._source, "borders"),
                                               xf.get("borderId", "0"))}
                copy = etree.fromstring(etree.tostring(xf))
                for name, value in ids.items():
                    copy.set(name, str(value))
                copy.set("xfId", "0")  # the Normal cell style, as XlsxWriter writes every cell format
                found = self._xf_keys[key] = len(self._lists["cellXfs"]) + len(self.added["cellXfs"])
                self.added["cellXfs"].append(_serialised(copy, self._declared))
            self._xf_map[index] = found
        return self._xf_map[index]

    def dxf(self, index: int) -> int:
        if index not in self._dxf_map:
            self._dxf_map[index] = self._entry("dxfs", _children(self._source, "dxfs"), str(index))
        return self._dxf_map[index]

    def _entry(self, section: str, source_list: list, index: str) -> int:
        element = source_list[int(index)]
        key = _canon(element)
        found = self._keys[section].get(key)
        if found is None:
            found = self._keys[section][key] = len(self._lists[section]) + len(self.added[section])
            self.added[section].append(_serialised(element, self._declared))
        return found

    def _number_format(self, root, xf) -> str:
        """The format code of a cell format ("#<id>" for a built-in one)."""
        number = int(xf.get("numFmtId", "0"))
        for fmt in _children(root, "numFmts"):
            if int(fmt.get("numFmtId")) == number:
                return fmt.get("formatCode")
        return f"#{number}"

    def _numfmt(self, code: str) -> int:
        if code.startswith("#") and code[1:].isdigit():
            return int(code[1:])
        if code not in self._codes:
            self._codes[code] = max([FIRST_CUSTOM_NUMFMT - 1, *self._codes.values()]) + 1
            element = etree.Element(f"{{{MAIN}}}numFmt", nsmap={None: MAIN}, numFmtId=str(self._codes[code]),
                                    formatCode=code)
            self.added["numFmts"].append(_serialised(element, self._declared))
        return self._codes[code]

    def _xf_key(self, xf, root, number_format: str) -> tuple:
        def part(section, attribute):
            items = _children(root, section)
            index = int(xf.get(attribute, "0"))
            return _canon(items[index]) if index < len(items) else None

        attributes = tuple(sorted((k, v) for k, v in xf.attrib.items() if k not in (*_IDS, "xfId")))
        return (number_format, part("fonts", "fontId"), part("fills", "fillId"), part("borders", "borderId"),
                attributes, tuple(_canon(c) for c in xf if isinstance(c.tag, str)))

    def to_bytes(self) -> bytes | None:
        if not any(self.added.values()):
            return None
        xml = self.original
        for section, items in self.added.items():
            if items:
                xml = _appended(xml, section, items)
        return xml


def _serialised(element, declared: bool) -> bytes:
    """An element of the SpreadsheetML namespace as text, without its namespace declaration when the part
    ``declared`` it as its default."""
    text = etree.tostring(element)
    return re.sub(rb'\sxmlns="[^"]*"', b"", text, count=1) if declared else text


def _appended(xml: bytes, section: str, items: list[bytes]) -> bytes:
    """``items`` added at the end of ``section`` of styles.xml, its count raised; the section made if missing."""
    body = b"".join(items)
    opening = re.search(rb"<(\w+:)?%s\b([^>]*?)(/?)>" % section.encode(), xml)
    if opening is None:
        later = [re.search(rb"<(\w+:)?%s\b" % s.encode(), xml) for s in ORDER[ORDER.index(section) + 1:]]
        at = min([m.start() for m in later if m] or [xml.rindex(b"</")])
        return xml[:at] + b'<%s count="%d">' % (section.encode(), len(items)) + body + b"</%s>" % section.encode() \
            + xml[at:]
    prefix = opening.group(1) or b""
    count = re.search(rb'\bcount="(\d+)"', opening.group(2))
    total = (int(count.group(1)) if count else 0) + len(items)
    attributes = re.sub(rb'\bcount="\d+"', b'count="%d"' % total, opening.group(2)) if count else \
        opening.group(2) + b' count="%d"' % total
    head = b"<%s%s%s>" % (prefix, section.encode(), attributes)
    if opening.group(3):  # <dxfs count="0"/>
        return xml[:opening.start()] + head + body + b"</%s%s>" % (prefix, section.encode()) + xml[opening.end():]
    close = xml.index(b"</%s%s>" % (prefix, section.encode()), opening.end())
    return xml[:opening.start()] + head + xml[opening.end():close] + body + xml[close:]
