"""Find and edit elements of an XML part as text, so every byte outside an edit stays as it was.

    root = root_element(text)                   # the document element
    for child in children(text, root): ...      # its child elements, in order (comments, PIs skipped)
    child.local, child.prefix, child.open_tag(text), child.inner(text)
    set_attribute(open_tag, "count", "3")       # an attribute replaced in place, or added before the end
    apply_edits(text, [(start, end, new), ...])

An element is found by its local name whatever its namespace prefix (``<x:fonts>`` and ``<fonts>`` alike).
The parts edited this way were parsed by ElementTree before (well-formed, no DTD), so the scanner only has to
know tags, comments, processing instructions and CDATA sections.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(
    r"<!--.*?-->|<\?.*?\?>|<!\[CDATA\[.*?\]\]>"
    r"|<(/?)(?:([A-Za-z_][\w.-]*):)?([A-Za-z_][\w.-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*?)(/?)>", re.S)


@dataclass(frozen=True)
class Element:
    """Where an element sits in the text: its open tag ``start:open_end``, its content ``open_end:close_start``
    and its end ``end`` (a self-closing element has ``close_start == end == open_end``)."""

    local: str
    prefix: str          # "" or "x:"
    start: int
    open_end: int
    close_start: int
    end: int

    @property
    def empty(self) -> bool:
        return self.open_end == self.end

    def open_tag(self, text: str) -> str:
        return text[self.start:self.open_end]

    def inner(self, text: str) -> str:
        return text[self.open_end:self.close_start]


def root_element(text: str) -> Element:
    """The document element."""
    found = _elements(text, 0, len(text))
    if not found:
        raise ValueError("no element")
    return found[0]


def children(text: str, parent: Element) -> list[Element]:
    """The child elements of ``parent``, in document order."""
    return _elements(text, parent.open_end, parent.close_start)


def child(text: str, parent: Element, local: str) -> Element | None:
    """The first child of ``parent`` called ``local``, or None."""
    return next((c for c in children(text, parent) if c.local == local), None)


def _elements(text: str, start: int, end: int) -> list[Element]:
    found, depth, opened = [], 0, None
    for token in _TOKEN.finditer(text, start, end):
        local = token.group(3)
        if local is None:
            continue  # comment, processing instruction, CDATA
        closing, self_closing = token.group(1) == "/", token.group(5) == "/"
        if closing:
            depth -= 1
            if depth == 0:
                found.append(Element(opened[0], opened[1], opened[2], opened[3], token.start(), token.end()))
        elif self_closing:
            if depth == 0:
                prefix = token.group(2) + ":" if token.group(2) else ""
                found.append(Element(local, prefix, token.start(), token.end(), token.end(), token.end()))
        else:
            if depth == 0:
                opened = (local, token.group(2) + ":" if token.group(2) else "", token.start(), token.end())
            depth += 1
    return found


def _attribute_pattern(name: str) -> re.Pattern:
    return re.compile(r"(\s)" + re.escape(name) + r"""\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def attribute(tag: str, name: str) -> str | None:
    """The raw (still escaped) value of attribute ``name`` in an open tag, or None."""
    match = _attribute_pattern(name).search(tag)
    if match is None:
        return None
    return match.group(2) if match.group(2) is not None else match.group(3)


def set_attribute(tag: str, name: str, value: str) -> str:
    """The open tag with attribute ``name`` set to ``value`` (escaped already): replaced where it is, or added
    before the tag's end."""
    match = _attribute_pattern(name).search(tag)
    if match is not None:
        return tag[:match.start()] + f'{match.group(1)}{name}="{value}"' + tag[match.end():]
    end = len(tag) - (2 if tag.endswith("/>") else 1)
    return tag[:end].rstrip() + f' {name}="{value}"' + tag[end:]


def remove_attribute(tag: str, name: str) -> str:
    return _attribute_pattern(name).sub("", tag)


def namespace_prefix(tag: str, uri: str) -> str | None:
    """The prefix an open tag binds to ``uri`` ("" for the default namespace), or None."""
    for match in re.finditer(r"""\sxmlns(?::([\w.-]+))?\s*=\s*(?:"([^"]*)"|'([^']*)')""", tag):
        if (match.group(2) if match.group(2) is not None else match.group(3)) == uri:
            return match.group(1) or ""
    return None


def with_namespace(element_text: str, uri: str) -> str:
    """An element's text with ``xmlns="uri"`` declared on its first tag (for markup put into a part whose
    default namespace is another one)."""
    match = re.match(r"<[\w.:-]+", element_text)
    return element_text[:match.end()] + f' xmlns="{uri}"' + element_text[match.end():]


def apply_edits(text: str, edits: list[tuple[int, int, str]]) -> str:
    """``text`` with each (start, end, new) span replaced; spans must not overlap; insertions at one place
    keep their order in the list."""
    out, at = [], 0
    for start, end, new in sorted(edits, key=lambda e: (e[0], e[1])):
        if start < at:
            raise ValueError("overlapping edits")
        out += [text[at:start], new]
        at = end
    out.append(text[at:])
    return "".join(out)


def escape_attribute(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


def appended(text: str, element: Element, entries: list[str], *, count: bool = True) -> list[tuple[int, int, str]]:
    """Edits that append ``entries`` to ``element``'s children (and set its ``count`` to the new number)."""
    body = "".join(entries)
    tag = element.open_tag(text)
    if count:
        tag = set_attribute(tag, "count", str(len(children(text, element)) + len(entries)))
    if element.empty:
        return [(element.start, element.end, tag[:-2].rstrip() + ">" + body + f"</{element.prefix}{element.local}>")]
    return [(element.start, element.open_end, tag), (element.close_start, element.close_start, body)]
