"""Shared strings of one package added to another's: the target's entries stay where they are (every cell of
the user keeps its index); a string the target already holds is reused, any other appended.

    strings = SharedStrings(target_sst_bytes)
    sheet_xml = strings.take(fresh_sheet_xml, fresh_sst_bytes)   # its t="s" cells point into the target's table
    new_sst = strings.to_bytes()                                  # None when nothing was appended
"""

from __future__ import annotations

import re

_ITEM = re.compile(rb"<si>.*?</si>|<si/>", re.DOTALL)
_CELL = re.compile(rb'<c\b([^>]*?)\bt="s"([^>]*)><v>(\d+)</v>')
SST_HEADER = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.openxmlformats.'
              b'org/spreadsheetml/2006/main" count="0" uniqueCount="0"></sst>')


class SharedStrings:
    def __init__(self, target: bytes | None):
        self.original = re.sub(rb"<sst\b([^>]*?)/>", rb"<sst\1></sst>", target if target is not None else SST_HEADER)
        self.items = [m.group(0) for m in _ITEM.finditer(self.original)]
        self.index = {}
        for i, item in enumerate(self.items):
            self.index.setdefault(item, i)
        self.added: list[bytes] = []
        self.references = 0

    def take(self, sheet_xml: bytes, source_sst: bytes) -> bytes:
        """``sheet_xml`` (written by XlsxWriter against ``source_sst``) with its string cells in the target's
        table."""
        source = [m.group(0) for m in _ITEM.finditer(source_sst)]

        def moved(match: re.Match) -> bytes:
            self.references += 1
            return b'<c%st="s"%s><v>%d</v>' % (match.group(1), match.group(2), self._of(source[int(match.group(3))]))

        return _CELL.sub(moved, sheet_xml)

    def _of(self, item: bytes) -> int:
        found = self.index.get(item)
        if found is None:
            found = self.index[item] = len(self.items)
            self.items.append(item)
            self.added.append(item)
        return found

    def to_bytes(self) -> bytes | None:
        if not self.added:
            return None
        xml = self.original.replace(b"</sst>", b"".join(self.added) + b"</sst>")
        xml = re.sub(rb'(<sst\b[^>]*?\buniqueCount=")\d+', rb"\g<1>%d" % len(self.items), xml, count=1)

        def count(match: re.Match) -> bytes:
            return match.group(1) + b"%d" % (int(match.group(2)) + self.references)

        return re.sub(rb'(<sst\b[^>]*?\bcount=")(\d+)', count, xml, count=1)
