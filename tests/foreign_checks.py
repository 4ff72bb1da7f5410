"""Checks for a workbook kam_xl changed that was not its own: parts kept, audit errors, rendered pixels.

    changed_parts(before, after) -> {"added": [...], "removed": [...], "changed": [...]}
    assert_parts_kept(before, after, allowed=EDITED_PARTS)    every other part of ``before`` byte-identical
    only_code_name_added(before_xml, after_xml) -> bool        a sheet part that gained sheetPr/@codeName only
    entries_kept(before, after) -> list[str]                   what the shared parts lost or moved of theirs
    audit_errors(path) -> list[str]                            openxml-audit's errors, one line each
    new_audit_errors(before, after) -> list[str]               errors of ``after`` that ``before`` did not have
    render_sheets(path, sheets, out_dir, env) -> list[Path]    one PNG per printed page of those sheets only
    rendered_errors(pdf) -> list[str]                          lines of the render showing #NAME? and the like
    same_pixels(pngs_a, pngs_b) -> PixelReport                 truthy when every page has the same pixels
    assert_theirs_kept(before, after, sheets, out_dir, env)    all of the above at once, for an installed file

The parts an install may rewrite are :data:`kam_xl.package.graft.EDITED_PARTS` (the workbook, its
relationships, content types, styles, shared strings, dynamic-array metadata; the package relationships for the
ribbon); everything else of theirs must stay byte-identical, but a sheet that gains only a code name.

Rendering goes through LibreOffice (tests/tools/uno_export_sheets.py, Debian's python3 with python3-uno):
the book is loaded hidden, the sheets not asked for are hidden in the loaded copy with their print areas
cleared (LibreOffice prints no hidden sheet but for its print area) and the calc_pdf_Export filter prints the
rest with their own page setup; pdftoppm turns the pages into PNG. The file itself is never written. Pass ``env`` = the ``ci_fonts_env`` fixture of
tests/conftest.py so page breaks do not depend on the machine's fonts.

PNG pages are compared without an image library: pdftoppm's PNG (8-bit, not interlaced) is decoded here
with zlib and numpy; two pages with the same filtered image data have the same pixels, so only pages that
differ there are decoded in full to count and locate the differing pixels.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import re
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np

from kam_xl.package.graft import EDITED_PARTS

TOOLS = Path(__file__).with_name("tools")
SYSTEM_PYTHON = "/usr/bin/python3"
AUDIT = Path(sys.executable).parent / "openxml-audit"



# ------------------------------------------------------------------------------------------------ parts

def parts(path: str | Path) -> dict[str, bytes]:
    """Every zip entry's uncompressed bytes, by name, in archive order."""
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def changed_parts(before: str | Path, after: str | Path) -> dict[str, list[str]]:
    """Parts added, removed and changed (uncompressed bytes differ), each in archive order."""
    old, new = parts(before), parts(after)
    return {
        "added": [name for name in new if name not in old],
        "removed": [name for name in old if name not in new],
        "changed": [name for name in old if name in new and old[name] != new[name]],
    }


def _allowed(name: str, allowed: tuple[str, ...]) -> bool:
    """``name`` is one of ``allowed`` or matches one as a pattern ("xl/theme/*"; "[Content_Types].xml" is a name)."""
    return name in allowed or any(fnmatch.fnmatchcase(name, pattern) for pattern in allowed)


def assert_parts_kept(before: str | Path, after: str | Path, allowed: Iterable[str] = EDITED_PARTS, *,
                      code_name_sheets: bool = True) -> dict[str, list[str]]:
    """Every part of ``before`` is in ``after``; those outside ``allowed`` (names or fnmatch patterns) are
    byte-identical, or, with ``code_name_sheets``, worksheets that gained only a sheetPr/@codeName.
    Returns :func:`changed_parts` for further checks."""
    allowed = tuple(allowed)
    report = changed_parts(before, after)
    assert not report["removed"], f"parts of theirs removed: {report['removed']}"
    old, new = parts(before), parts(after)
    broken = []
    for name in report["changed"]:
        if _allowed(name, allowed):
            continue
        if code_name_sheets and re.fullmatch(r"xl/worksheets/[^/]+\.xml", name) \
                and only_code_name_added(old[name], new[name]):
            continue
        broken.append(name)
    assert not broken, f"parts of theirs changed: {broken}"
    return report


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}"
#: Lists of xl/styles.xml whose entries are referenced by index: theirs must stay a prefix.
STYLE_LISTS = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs",
               "colors/indexedColors")
MACRO_WORKBOOK = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"


def entries_kept(before: str | Path, after: str | Path) -> list[str]:
    """What an edit of the shared parts lost or moved of theirs (empty when nothing):

    - xl/workbook.xml: their sheets first, in order, unchanged; their defined names and pivot caches kept,
      in their order (new ones may sit between them: Excel sorts defined names);
    - the package's and the workbook's relationships: every one of theirs kept with its Id, type and target;
    - [Content_Types].xml: every Default and Override of theirs kept (the workbook's may become the
      macro-enabled type);
    - xl/styles.xml: every indexed list of theirs (fonts, fills, borders, cellXfs, dxfs ...) a prefix of the new
      one, entry for entry, so their cells' style indices mean what they meant;
    - xl/sharedStrings.xml: their strings a prefix of the new list, so their cells' indices still hold.
    Entries compare as parsed XML (attribute order and namespace prefixes aside)."""
    old, new = parts(before), parts(after)
    problems = []

    def tree(package, name):
        return ET.fromstring(package[name]) if name in package else None

    workbook_old, workbook_new = tree(old, "xl/workbook.xml"), tree(new, "xl/workbook.xml")
    sheets_old = _children(workbook_old, f"{_MAIN}sheets")
    sheets_new = _children(workbook_new, f"{_MAIN}sheets")
    if sheets_new[:len(sheets_old)] != sheets_old:
        problems.append("xl/workbook.xml: their sheets are not the first ones, unchanged")
    for path in ("definedNames", "pivotCaches", "externalReferences"):
        if not _subsequence(_children(workbook_old, f"{_MAIN}{path}"), _children(workbook_new, f"{_MAIN}{path}")):
            problems.append(f"xl/workbook.xml: {path} of theirs lost, changed or reordered")

    for name in ("_rels/.rels", "xl/_rels/workbook.xml.rels"):
        kept = set(_children(tree(new, name), None)) if name in new else set()
        lost = [rel for rel in _children(tree(old, name), None) if rel not in kept]
        if lost:
            problems.append(f"{name}: {len(lost)} relationship(s) of theirs lost or changed")

    types_new = set(_children(tree(new, "[Content_Types].xml"), None))
    for entry in _children(tree(old, "[Content_Types].xml"), None):
        if entry in types_new:
            continue
        if "/xl/workbook.xml" in entry and any("/xl/workbook.xml" in t and MACRO_WORKBOOK in t for t in types_new):
            continue
        problems.append(f"[Content_Types].xml: {entry} of theirs lost or changed")

    styles_old, styles_new = tree(old, "xl/styles.xml"), tree(new, "xl/styles.xml")
    for path in STYLE_LISTS:
        path = "/".join(f"{_MAIN}{step}" for step in path.split("/"))
        theirs, ours = _children(styles_old, path), _children(styles_new, path)
        if ours[:len(theirs)] != theirs:
            problems.append(f"xl/styles.xml: {path.replace(_MAIN, '')} of theirs not kept in place")

    strings_old, strings_new = tree(old, "xl/sharedStrings.xml"), tree(new, "xl/sharedStrings.xml")
    theirs, ours = _children(strings_old, None), _children(strings_new, None)
    if ours[:len(theirs)] != theirs:
        problems.append("xl/sharedStrings.xml: their strings not kept in place")
    return problems


def _children(root, path: str | None) -> list[str]:
    """Canonical text of each child of ``root`` (or of its element at ``path``); [] when absent."""
    if root is None:
        return []
    parent = root if path is None else root.find(path)
    if parent is None:
        return []
    return [_canonical(child) for child in parent]


def _canonical(element) -> str:
    """Tag, sorted attributes, text and children; whitespace between child elements ignored."""
    attributes = "".join(f' {k}="{v}"' for k, v in sorted(element.attrib.items()))
    text = (element.text or "") if len(element) == 0 else (element.text or "").strip()
    inner = "".join(_canonical(child) for child in element)
    return f"<{element.tag}{attributes}>{text}{inner}</{element.tag}>"


def _subsequence(small: list[str], big: list[str]) -> bool:
    rest = iter(big)
    return all(any(item == other for other in rest) for item in small)


_SHEET_PR = re.compile(rb"<(?:\w+:)?sheetPr\b[^>]*?/?>")


def only_code_name_added(before: bytes, after: bytes) -> bool:
    """Whether ``after`` is ``before`` plus a codeName attribute on sheetPr (a new ``<sheetPr codeName=".."/>``
    right after the worksheet tag, or the attribute added to an existing sheetPr), and nothing else."""
    if _code_name(before) is not None or _code_name(after) is None:
        return False
    stripped = re.sub(rb'\s+codeName="[^"]*"', b"", after, count=1)
    if stripped == before:
        return True
    empty = rb"<(?:\w+:)?sheetPr\s*(?:/>|>\s*</(?:\w+:)?sheetPr>)"
    return not _SHEET_PR.search(before) and re.sub(empty, b"", stripped, count=1) == before


def _code_name(xml: bytes) -> bytes | None:
    tag = _SHEET_PR.search(xml)
    found = tag and re.search(rb'\scodeName="([^"]*)"', tag.group())
    return found.group(1) if found else None


# ------------------------------------------------------------------------------------------------ audit

def audit_errors(path: str | Path) -> list[str]:
    """openxml-audit's errors for ``path``, one line each: "PART PATH: DESCRIPTION" (empty when valid).
    Warnings (e.g. openpyxl's inline strings without a shared-strings part) are left out. Results are kept
    per file content, since the same original is audited by many tests."""
    content = Path(path).read_bytes()
    digest = hashlib.sha256(content).hexdigest()
    if digest not in _AUDITS:
        result = subprocess.run([str(AUDIT), "-o", "json", "-m", "0", str(path)], capture_output=True, text=True,
                                timeout=300, check=False)
        try:
            report = json.loads(result.stdout)[0]
        except (ValueError, IndexError) as error:
            raise RuntimeError(f"openxml-audit gave no report for {path}: {result.stdout}{result.stderr}") from error
        _AUDITS[digest] = [f"{e.get('part_uri', '')} {e.get('path', '')}: {e.get('description', '')}".replace("  ", " ")
                           for e in report["errors"] if e.get("severity", "error") == "error"]
    return list(_AUDITS[digest])


_AUDITS: dict[str, list[str]] = {}


def new_audit_errors(before: str | Path, after: str | Path) -> list[str]:
    """The errors of ``after`` beyond those ``before`` already had (as a multiset): what the change added.
    A maker's own errors (openpyxl's font, LibreOffice's missing theme) stay where they were."""
    extra = Counter(audit_errors(after)) - Counter(audit_errors(before))
    return sorted(extra.elements())


# ------------------------------------------------------------------------------------------------ render

def render_sheets(path: str | Path, sheets: Iterable[str], out_dir: str | Path, env: dict[str, str] | None = None,
                  *, dpi: int = 50) -> list[Path]:
    """PNG per printed page of ``sheets`` of ``path`` (in workbook order), as OUT_DIR/STEM-N.png; the PDF stays
    as OUT_DIR/STEM.pdf.

    ``env``: the LibreOffice environment (tests/conftest.py ``ci_fonts_env``, the CI fonts only)."""
    path, out_dir = Path(path), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sheets = list(sheets)
    if not sheets:
        raise ValueError("render_sheets: name at least one sheet")
    pdf = out_dir / (path.stem + ".pdf")
    result = subprocess.run([SYSTEM_PYTHON, str(TOOLS / "uno_export_sheets.py"), str(path), str(pdf), *sheets],
                            capture_output=True, text=True, timeout=600, env=env)
    if result.returncode or not pdf.is_file():
        raise RuntimeError(f"LibreOffice exported no PDF of {path.name} {sheets}: {result.stderr.strip()}")
    for old in out_dir.glob(f"{path.stem}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(out_dir / path.stem)], check=True,
                   timeout=600)
    pages = [p for p in out_dir.glob(f"{path.stem}-*.png") if re.fullmatch(r"\d+", p.stem[len(path.stem) + 1:])]
    return sorted(pages, key=lambda p: int(p.stem[len(path.stem) + 1:]))


#: What a cell shows in LibreOffice when its formula fails.
ERROR_TEXTS = ("#NAME?", "#VALUE!", "#REF!", "#N/A", "#DIV/0!", "#NUM!", "#NULL!", "Err:5", "Err:50")


def rendered_errors(pdf: str | Path) -> list[str]:
    """Lines of a rendered PDF (e.g. OUT_DIR/STEM.pdf of :func:`render_sheets`) that show a formula error,
    as "page N: LINE"."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True,
                          timeout=300).stdout
    return [f"page {page}: {line.strip()}" for page, body in enumerate(text.split("\f"), start=1)
            for line in body.splitlines() if any(error in line for error in ERROR_TEXTS)]


@dataclass
class PixelReport:
    """Result of :func:`same_pixels`: truthy when both sides have as many pages and every page is equal."""

    pages_a: int
    pages_b: int
    differences: list[str] = field(default_factory=list)  # one line per differing page

    def __bool__(self) -> bool:
        return self.pages_a == self.pages_b and not self.differences

    def __str__(self) -> str:
        if self:
            return f"same pixels on all {self.pages_a} pages"
        lines = [] if self.pages_a == self.pages_b else [f"{self.pages_a} pages against {self.pages_b}"]
        return "; ".join(lines + self.differences)


def same_pixels(pngs_a: Iterable[str | Path], pngs_b: Iterable[str | Path]) -> PixelReport:
    """Compare rendered pages pairwise: page count, size and every pixel."""
    pngs_a, pngs_b = [Path(p) for p in pngs_a], [Path(p) for p in pngs_b]
    report = PixelReport(len(pngs_a), len(pngs_b))
    for page, (a, b) in enumerate(zip(pngs_a, pngs_b), start=1):
        head_a, data_a = _png_stream(a)
        head_b, data_b = _png_stream(b)
        if head_a == head_b and data_a == data_b:
            continue
        pixels_a, pixels_b = png_pixels(a), png_pixels(b)
        if pixels_a.shape != pixels_b.shape:
            report.differences.append(f"page {page}: size {pixels_a.shape[1]}x{pixels_a.shape[0]} against "
                                      f"{pixels_b.shape[1]}x{pixels_b.shape[0]} ({a.name}, {b.name})")
            continue
        differ = np.any(pixels_a != pixels_b, axis=-1)
        if differ.any():
            rows, cols = np.nonzero(differ)
            report.differences.append(
                f"page {page}: {int(differ.sum())} pixels differ in x {cols.min()}-{cols.max()}, "
                f"y {rows.min()}-{rows.max()} ({a.name}, {b.name})")
    return report


def assert_theirs_kept(before: str | Path, after: str | Path, sheets: Iterable[str], out_dir: str | Path,
                       env: dict[str, str] | None = None, *,
                       allowed: Iterable[str] = EDITED_PARTS) -> dict[str, list[str]]:
    """Everything of theirs survived the change from ``before`` to ``after``: parts byte-identical outside
    ``allowed`` (sheets may gain a code name), entries of the shared parts kept in place, no new openxml-audit
    error, and ``sheets`` (their visible sheets) rendered by LibreOffice to the same pixels.
    Returns :func:`changed_parts`."""
    report = assert_parts_kept(before, after, allowed)
    problems = entries_kept(before, after)
    assert not problems, "; ".join(problems)
    added = new_audit_errors(before, after)
    assert not added, f"new openxml-audit errors: {added}"
    out_dir, sheets = Path(out_dir), list(sheets)
    pixels = same_pixels(render_sheets(before, sheets, out_dir / "before", env),
                         render_sheets(after, sheets, out_dir / "after", env))
    assert pixels, f"their sheets render differently: {pixels}"
    return report


# ------------------------------------------------------------------------------------------------ PNG

_CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}  # colour type -> samples per pixel (8-bit, no palette)


def _png_stream(path: Path) -> tuple[bytes, bytes]:
    """IHDR and the decompressed (filtered) image data of a PNG."""
    data = path.read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG file")
    pos, header, idat = 8, b"", []
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + length
    return header, zlib.decompress(b"".join(idat))


def png_pixels(path: str | Path) -> np.ndarray:
    """Pixels of an 8-bit, non-interlaced, non-palette PNG (pdftoppm's output) as a (height, width, channels)
    uint8 array."""
    path = Path(path)
    header, raw = _png_stream(path)
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    if depth != 8 or colour not in _CHANNELS or interlace:
        raise ValueError(f"{path}: only 8-bit non-interlaced grey/RGB(A) PNGs are decoded here")
    bpp = _CHANNELS[colour]
    stride = width * bpp
    rows = np.frombuffer(raw, np.uint8).reshape(height, stride + 1)
    out = np.zeros((height, stride), np.uint8)
    previous = np.zeros(stride, np.int32)
    for y in range(height):
        kind, line = rows[y, 0], rows[y, 1:].astype(np.int32)
        if kind == 0:
            current = line
        elif kind == 1:  # Sub: running sum per channel
            current = np.cumsum(line.reshape(width, bpp), axis=0).reshape(stride) & 0xFF
        elif kind == 2:  # Up
            current = (line + previous) & 0xFF
        elif kind in (3, 4):
            current = _unfilter_slow(kind, line.tolist(), previous.tolist(), bpp)
        else:
            raise ValueError(f"{path}: bad PNG filter {kind} in row {y}")
        out[y] = current
        previous = np.asarray(current, np.int32)
    return out.reshape(height, width, bpp)


def _unfilter_slow(kind: int, line: list[int], above: list[int], bpp: int) -> np.ndarray:
    """Average (3) and Paeth (4) depend on the pixel to the left: byte by byte."""
    current = [0] * len(line)
    for i, value in enumerate(line):
        left = current[i - bpp] if i >= bpp else 0
        up = above[i]
        if kind == 3:
            current[i] = (value + ((left + up) >> 1)) & 0xFF
            continue
        upper_left = above[i - bpp] if i >= bpp else 0
        p = left + up - upper_left
        pa, pb, pc = abs(p - left), abs(p - up), abs(p - upper_left)
        predictor = left if pa <= pb and pa <= pc else up if pb <= pc else upper_left
        current[i] = (value + predictor) & 0xFF
    return np.asarray(current, np.int32)
