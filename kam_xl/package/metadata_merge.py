"""Merge our metadata.xml (the dynamic-array flag of spilled formulas) into theirs (ECMA-376 Part 1,
18.9 Metadata; [MS-XLSX] 2.6.x ``XLDAPR``).

    merged, cm = merge_metadata(their_xml, our_xml)
    cm[i]    the 1-based ``cellMetadata`` record in the merged part of our record i (a cell's ``cm``)

A cell's ``cm="n"`` names the n-th ``bk`` of ``cellMetadata``; its ``<rc t v>`` names the t-th metadata type
and the v-th (0-based) ``bk`` of that type's ``futureMetadata``. Each of our records is matched to theirs by
type name and content (their own dynamic arrays already use the same record), and appended where they have
none: type, future record and cell record, each after theirs, so none of their indices moves.
"""

from __future__ import annotations

import re

from kam_xl.package import xmltext

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
ORDER = ("metadataTypes", "metadataStrings", "mdxMetadata", "futureMetadata", "cellMetadata", "valueMetadata",
         "extLst")


class _Side:
    def __init__(self, text: str):
        self.text = text
        self.root = xmltext.root_element(text)
        self.elements = xmltext.children(text, self.root)

    def first(self, name: str):
        return next((e for e in self.elements if e.local == name), None)

    def future(self, name: str):
        return next((e for e in self.elements if e.local == "futureMetadata"
                     and xmltext.attribute(e.open_tag(self.text), "name") == name), None)

    def items(self, element) -> list:
        return [] if element is None else xmltext.children(self.text, element)

    def type_names(self) -> list[str]:
        return [xmltext.attribute(t.open_tag(self.text), "name") for t in self.items(self.first("metadataTypes"))]

    def records(self) -> list[list[tuple[int, int]]]:
        """cellMetadata: per bk, its (t, v) pairs."""
        def pair(rc) -> tuple[int, int]:
            tag = rc.open_tag(self.text)
            return int(xmltext.attribute(tag, "t")), int(xmltext.attribute(tag, "v"))

        return [[pair(rc) for rc in xmltext.children(self.text, bk)] for bk in self.items(self.first("cellMetadata"))]


def merge_metadata(theirs: str, ours: str) -> tuple[str, list[int]]:
    """Their metadata.xml with our cell metadata records added where they lack them, and the map of ours."""
    their, our = _Side(theirs), _Side(ours)
    adopt = xmltext.namespace_prefix(their.root.open_tag(theirs), MAIN) != "" or bool(their.root.prefix)
    declarations = dict(re.findall(r"""\sxmlns:([\w.-]+)\s*=\s*["']([^"']*)["']""", our.root.open_tag(ours)))
    their_types, our_types = their.type_names(), our.type_names()
    our_type_tags = [our.text[t.start:t.end] for t in our.items(our.first("metadataTypes"))]
    new_types: list[str] = []
    new_future: dict[str, list[str]] = {}
    their_records = their.records()
    new_records: list[str] = []
    mapping = []
    for record in our.records():
        pairs = []
        for t, v in record:
            name = our_types[t - 1]
            if name not in their_types:
                their_types.append(name)
                new_types.append(our_type_tags[t - 1])
            our_bk = our.items(our.future(name))[v]
            text = _declared(our.text[our_bk.start:our_bk.end], declarations)
            existing = [_normal(their.text[b.start:b.end]) for b in their.items(their.future(name))]
            pending = new_future.setdefault(name, [])
            if _normal(text) in existing:
                index = existing.index(_normal(text))
            elif text in pending:
                index = len(existing) + pending.index(text)
            else:
                pending.append(text)
                index = len(existing) + len(pending) - 1
            pairs.append((their_types.index(name) + 1, index))
        if pairs in their_records:
            mapping.append(their_records.index(pairs) + 1)
        else:
            their_records.append(pairs)
            new_records.append("<bk>" + "".join(f'<rc t="{t}" v="{v}"/>' for t, v in pairs) + "</bk>")
            mapping.append(len(their_records))

    def adopted(entries: list[str]) -> list[str]:
        return [xmltext.with_namespace(e, MAIN) for e in entries] if adopt else entries

    edits = []
    prefix = their.root.prefix

    def place(name: str) -> int:
        later = ORDER[ORDER.index(name) + 1:]
        return next((e.start for e in their.elements if e.local in later), their.root.close_start)

    if new_types:
        element = their.first("metadataTypes")
        if element is None:
            edits.append((their.root.open_end, their.root.open_end,
                          f'<{prefix}metadataTypes count="{len(new_types)}">{"".join(adopted(new_types))}'
                          f"</{prefix}metadataTypes>"))
        else:
            edits += xmltext.appended(theirs, element, adopted(new_types))
    for name, entries in new_future.items():
        if not entries:
            continue
        element = their.future(name)
        if element is None:
            at = place("futureMetadata")
            edits.append((at, at, f'<{prefix}futureMetadata name="{name}" count="{len(entries)}">'
                                  f'{"".join(adopted(entries))}</{prefix}futureMetadata>'))
        else:
            edits += xmltext.appended(theirs, element, adopted(entries))
    if new_records:
        element = their.first("cellMetadata")
        if element is None:
            at = place("cellMetadata")
            edits.append((at, at, f'<{prefix}cellMetadata count="{len(new_records)}">'
                                  f'{"".join(adopted(new_records))}</{prefix}cellMetadata>'))
        else:
            edits += xmltext.appended(theirs, element, adopted(new_records))
    return xmltext.apply_edits(theirs, edits), mapping


def _declared(element_text: str, declarations: dict[str, str]) -> str:
    """The element with the namespace prefixes it uses declared on its first tag."""
    used = sorted(set(re.findall(r"</?([\w.-]+):", element_text)) & set(declarations))
    match = re.match(r"<[\w.:-]+", element_text)
    extra = "".join(f' xmlns:{p}="{declarations[p]}"' for p in used)
    return element_text[:match.end()] + extra + element_text[match.end():]


def _normal(element_text: str) -> str:
    """An element's text without namespace declarations and white space between tags, for comparing."""
    text = re.sub(r"""\sxmlns(?::[\w.-]+)?\s*=\s*["'][^"']*["']""", "", element_text)
    return re.sub(r">\s+<", "><", text)
