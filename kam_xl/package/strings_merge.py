"""Append our shared strings to theirs (ECMA-376 Part 1, 18.4.9 ``sst``): their items keep their indices,
ours follow, so a cell of ours that says ``t="s"`` with ``<v>i</v>`` now says ``<v>offset + i</v>``.

    merged, offset = merge_strings(their_xml, our_xml)

``uniqueCount`` becomes the number of items, ``count`` (the number of cells that refer to the table) the sum
of both, where they are given.
"""

from __future__ import annotations

import re

from kam_xl.package import xmltext

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_ITEM = re.compile(r"<(?:[\w.-]+:)?si(?=[\s/>])")


def merge_strings(theirs: str, ours: str) -> tuple[str, int]:
    """Their sst with our items appended, and the index our first item has in it."""
    their_root, our_root = xmltext.root_element(theirs), xmltext.root_element(ours)
    offset = len(_ITEM.findall(their_root.inner(theirs)))
    body = our_root.inner(ours)
    added = len(_ITEM.findall(body))
    if xmltext.namespace_prefix(their_root.open_tag(theirs), MAIN) != "" or their_root.prefix:
        body = re.sub(r"<si(?=[\s/>])", f'<si xmlns="{MAIN}"', body)
    tag = their_root.open_tag(theirs)
    tag = xmltext.set_attribute(tag, "uniqueCount", str(offset + added))
    their_count, our_count = xmltext.attribute(tag, "count"), xmltext.attribute(our_root.open_tag(ours), "count")
    if their_count is not None:
        tag = xmltext.set_attribute(tag, "count", str(int(their_count) + int(our_count or added)))
    if their_root.empty:
        tag = tag[:-2].rstrip() + ">"
        return theirs[:their_root.start] + tag + body + f"</{their_root.prefix}sst>" + theirs[their_root.end:], offset
    return xmltext.apply_edits(theirs, [(their_root.start, their_root.open_end, tag),
                                        (their_root.close_start, their_root.close_start, body)]), offset
