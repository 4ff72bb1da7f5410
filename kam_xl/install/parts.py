"""A workbook package as named parts, for edits that add, replace and remove whole parts.

    package = Package.read(data)                 # bytes of a .xlsx/.xlsm
    package.rels("xl/worksheets/sheet1.xml")     # {rId: Rel} of its relationships part
    package.parts["xl/styles.xml"] = new_bytes   # replace (or add) a part
    package.remove("xl/drawings/drawing1.xml")   # and its Override in [Content_Types].xml
    package.to_bytes()                           # the zip: old entries in their order, then the new ones

Entries keep their name, date and compression; a part nobody changed keeps its bytes. Relationship and content
type parts are read with ElementTree; the caller has checked the package for DTDs and zip bombs first
(:func:`kam_xl.package.limits.guard`).
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree
from xml.sax.saxutils import quoteattr

from kam_xl.package.names import CONTENT_TYPES, CONTENT_TYPES_NS, PACKAGE_REL_NS, qname


@dataclass(frozen=True)
class Rel:
    id: str
    type: str
    target: str        # as written in the relationships part
    part: str | None   # the part it leads to; None for an external target


class Package:
    def __init__(self, infos: list[zipfile.ZipInfo], parts: dict[str, bytes]):
        self._infos = infos
        self.parts = parts

    @classmethod
    def read(cls, data: bytes) -> Package:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            return cls(infos, {info.filename: archive.read(info) for info in infos})

    def to_bytes(self) -> bytes:
        """The zip; Overrides of parts no longer there are dropped first."""
        self._prune_overrides()
        out = io.BytesIO()
        known = {info.filename for info in self._infos}
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for info in self._infos:
                if info.filename in self.parts:
                    archive.writestr(info, self.parts[info.filename])
            for name, data in self.parts.items():
                if name not in known:
                    archive.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data,
                                     compress_type=zipfile.ZIP_DEFLATED)
        return out.getvalue()

    # ----------------------------------------------------------------------------------- relationships

    def rels(self, part: str) -> dict[str, Rel]:
        """The relationships of ``part`` ("" for the package's own), by id; {} without a relationships part."""
        data = self.parts.get(rels_part(part))
        if data is None:
            return {}
        folder = posixpath.dirname(part)
        found = {}
        for element in ElementTree.fromstring(data).iter(qname(PACKAGE_REL_NS, "Relationship")):
            target, external = element.get("Target", ""), element.get("TargetMode") == "External"
            found[element.get("Id")] = Rel(element.get("Id"), element.get("Type", ""), target,
                                           None if external else resolve(folder, target))
        return found

    def owned(self, part: str) -> list[str]:
        """The parts reached from ``part`` through relationships (not ``part`` itself), depth first."""
        seen: list[str] = []

        def visit(name: str) -> None:
            for rel in self.rels(name).values():
                if rel.part and rel.part in self.parts and rel.part not in seen and rel.part != part:
                    seen.append(rel.part)
                    visit(rel.part)

        visit(part)
        return seen

    def referenced(self) -> set[str]:
        """Every part some relationships part of the package leads to."""
        found = set()
        for name in list(self.parts):
            if name.endswith(".rels"):
                source = source_of(name)
                found |= {r.part for r in self.rels(source).values() if r.part}
        return found

    def free_name(self, wanted: str) -> str:
        """``wanted``, or with its number raised until no part has the name (drawing1.xml -> drawing2.xml)."""
        lower = {name.lower() for name in self.parts}
        match = re.fullmatch(r"(.*?)(\d*)(\.[^./]+)", wanted)
        stem, number, suffix = match.groups() if match else (wanted, "", "")
        n = int(number or 1)
        name = wanted
        while name.lower() in lower:
            n += 1
            name = f"{stem}{n}{suffix}"
        return name

    # ------------------------------------------------------------------------------------ content types

    def content_type(self, part: str) -> str | None:
        root = ElementTree.fromstring(self.parts[CONTENT_TYPES])
        for element in root.iter(qname(CONTENT_TYPES_NS, "Override")):
            if element.get("PartName", "").lower() == "/" + part.lower():
                return element.get("ContentType")
        extension = part.rsplit(".", 1)[-1].lower()
        for element in root.iter(qname(CONTENT_TYPES_NS, "Default")):
            if element.get("Extension", "").lower() == extension:
                return element.get("ContentType")
        return None

    def set_content_type(self, part: str, content_type: str) -> None:
        """An Override for ``part`` unless the Default of its extension already gives ``content_type``."""
        if self.content_type(part) == content_type:
            return
        self._drop_override(part)
        entry = f"<Override PartName={quoteattr('/' + part)} ContentType={quoteattr(content_type)}/>"
        self.parts[CONTENT_TYPES] = self.parts[CONTENT_TYPES].replace(b"</Types>", entry.encode() + b"</Types>")

    def remove(self, part: str) -> None:
        """Drop ``part`` and its relationships part (its Override goes at :meth:`to_bytes` unless the name is
        taken again, so a part replaced by one of the same name keeps its entry in place)."""
        self.parts.pop(part, None)
        self.parts.pop(rels_part(part), None)

    def _prune_overrides(self) -> None:
        lower = {"/" + name.lower() for name in self.parts}

        def kept(match: re.Match) -> bytes:
            return match.group(0) if match.group(1).decode().lower() in lower else b""

        self.parts[CONTENT_TYPES] = re.sub(rb'<Override\s+PartName="([^"]*)"[^>]*/>', kept, self.parts[CONTENT_TYPES])

    def _drop_override(self, part: str) -> None:
        pattern = rb'<Override\s+PartName="/' + re.escape(part.encode()) + rb'"[^>]*/>'
        self.parts[CONTENT_TYPES] = re.sub(pattern, b"", self.parts[CONTENT_TYPES], flags=re.IGNORECASE)


def rels_part(part: str) -> str:
    """The relationships part of ``part`` ("" is the package)."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def source_of(rels: str) -> str:
    """The part a relationships part belongs to."""
    folder, name = posixpath.split(rels)
    return posixpath.join(posixpath.dirname(folder), name.removesuffix(".rels"))


def resolve(folder: str, target: str) -> str:
    path = target.split("#", 1)[0]
    return posixpath.normpath(path[1:] if path.startswith("/") else posixpath.join(folder, path))


def relative(source_part: str, target_part: str) -> str:
    """``target_part`` as a relationship of ``source_part`` writes it."""
    return posixpath.relpath(target_part, posixpath.dirname(source_part) or ".")


def rels_xml(rels: list[Rel]) -> bytes:
    body = "".join(f"<Relationship Id={quoteattr(r.id)} Type={quoteattr(r.type)} Target={quoteattr(r.target)}"
                   + ("" if r.part else ' TargetMode="External"') + "/>" for r in rels)
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PACKAGE_REL_NS}">'
            f"{body}</Relationships>").encode()
