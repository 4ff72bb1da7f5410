"""Carry parts of one package into another under free names (ECMA-376 Part 2, OPC).

    tree = copy_tree(our_archive, ["xl/worksheets/sheet3.xml"], our_folder="xl", their_folder="xl",
                     taken={"xl/worksheets/sheet1.xml", ...})
    tree.names      our part -> its name in theirs (the sheets, then everything their relationships reach:
                    tables, drawings, charts, images ...)
    tree.parts      new name -> content (relationship parts with their targets rewritten)

A part keeps its folder (relative to the workbook part's folder) and the stem of its name, with the lowest
number free in theirs: ``worksheets/sheet3.xml`` becomes ``worksheets/sheet7.xml`` next to their six sheets.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from xml.etree import ElementTree

from kam_xl.package.names import PACKAGE_REL_NS, qname

_NUMBERED = re.compile(r"^(.*?)(\d*)(\.[^./]+)?$")
_RELATIONSHIP = re.compile(r"<Relationship\b[^>]*>")


@dataclass
class Tree:
    names: dict[str, str] = field(default_factory=dict)
    parts: dict[str, bytes] = field(default_factory=dict)


def rels_part(part: str) -> str:
    return posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")


def resolve(source_part: str, target: str) -> str:
    """The part a relationship of ``source_part`` points to."""
    target = target.split("#", 1)[0]
    if target.startswith("/"):
        return posixpath.normpath(target[1:])
    return posixpath.normpath(posixpath.join(posixpath.dirname(source_part), target))


def relationships(archive: zipfile.ZipFile, part: str) -> list[tuple[str, str, str, bool]]:
    """(id, type, target, external) of each relationship of ``part``; [] when it has none."""
    name = rels_part(part)
    if name not in archive.namelist():
        return []
    root = ElementTree.fromstring(archive.read(name))
    return [(r.get("Id", ""), r.get("Type", ""), r.get("Target", ""), r.get("TargetMode") == "External")
            for r in root.iter(qname(PACKAGE_REL_NS, "Relationship"))]


def free_name(wanted: str, taken: set[str], *, as_is: bool = False) -> str:
    """``wanted`` with the lowest number in its stem that no name in ``taken`` (lower case) has (``as_is``:
    ``wanted`` itself when it is free); the name is added to ``taken``."""
    if as_is and wanted.lower() not in taken:
        taken.add(wanted.lower())
        return wanted
    folder, base = posixpath.split(wanted)
    stem, _, extension = _NUMBERED.match(base).groups()
    number = 1
    while True:
        name = posixpath.join(folder, f"{stem}{number}{extension or ''}")
        if name.lower() not in taken:
            taken.add(name.lower())
            return name
        number += 1


def copy_tree(archive: zipfile.ZipFile, roots: list[str], *, our_folder: str, their_folder: str,
              taken: set[str]) -> Tree:
    """Our ``roots`` and every part their relationships reach, named afresh in theirs."""
    tree = Tree()
    pending = list(roots)
    while pending:
        part = pending.pop(0)
        if part in tree.names:
            continue
        relative = posixpath.relpath(part, our_folder) if our_folder else part
        tree.names[part] = free_name(posixpath.normpath(posixpath.join(their_folder, relative)), taken)
        for _, _, target, external in relationships(archive, part):
            if not external:
                pending.append(resolve(part, target))
    for part, new in tree.names.items():
        tree.parts[new] = archive.read(part)
        if rels_part(part) in archive.namelist():
            name = rels_part(new)
            taken.add(name.lower())
            tree.parts[name] = _retargeted(archive, part, new, tree.names)
    return tree


def _retargeted(archive: zipfile.ZipFile, part: str, new: str, names: dict[str, str]) -> bytes:
    text = archive.read(rels_part(part)).decode("utf-8")

    def one(match: re.Match) -> str:
        tag = match.group(0)
        if 'TargetMode="External"' in tag:
            return tag
        target = re.search(r'Target="([^"]*)"', tag)
        moved = names[resolve(part, target.group(1))]
        relative = posixpath.relpath(moved, posixpath.dirname(new))
        return tag[:target.start(1)] + relative + tag[target.end(1):]

    return _RELATIONSHIP.sub(one, text).encode("utf-8")
