"""Cached values written into real workbooks from three writers with three XML habits: XlsxWriter, openpyxl
(inline strings, empty <v></v>, no spill cells) and LibreOffice (t="n" everywhere, &quot;, aca="false"),
plus hand-written sheet XML for what none of them writes (shared formulas, inline-string results, prefixes).

Every test compares whole packages entry by entry: the entries the edit owns changed as intended, every other
entry is the same raw compressed bytes with the same header fields.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import struct
import subprocess
import time
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.formula import ArrayFormula

from kam_xl.package import Conflict, ErrorValue, write_values
from kam_xl.package.cell_values import (
    ECMA_ERRORS,
    RICH_ERRORS,
    cached,
    cached_values,
    escape_text,
    number_text,
)
from kam_xl.package.sheet_part import CONSTANT, NO_REFERENCES, canonical_refs

AUDIT = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "openxml-audit"


# ---------------------------------------------------------------------------------------------- helpers

def raw_entries(path: Path) -> list[dict]:
    """Every entry in central-directory order: its header fields and its raw (compressed) bytes."""
    entries = []
    with open(path, "rb") as fh, zipfile.ZipFile(fh) as archive:
        for info in archive.infolist():
            fh.seek(info.header_offset)
            fixed = fh.read(30)
            name_len, extra_len = struct.unpack("<HH", fixed[26:30])
            fh.seek(info.header_offset + 30 + name_len + extra_len)
            entries.append({
                "name": info.filename, "compress_type": info.compress_type, "date_time": info.date_time,
                "external_attr": info.external_attr, "comment": info.comment, "extra": info.extra,
                "create_system": info.create_system, "CRC": info.CRC, "file_size": info.file_size,
                "raw": fh.read(info.compress_size),
            })
    return entries


def assert_only_changed(before: Path, after: Path, changed: set[str]) -> None:
    """(1) Same entries in the same order; entries outside ``changed`` identical down to their compressed
    bytes and CRC; the changed ones keep name, method, date, attributes, comment and extra."""
    old, new = raw_entries(before), raw_entries(after)
    assert [e["name"] for e in new] == [e["name"] for e in old]
    for a, b in zip(old, new):
        if a["name"] in changed:
            keep = ("compress_type", "date_time", "external_attr", "comment", "extra", "create_system")
            assert {k: b[k] for k in keep} == {k: a[k] for k in keep}, a["name"]
            assert b["raw"] != a["raw"], f"{a['name']} was expected to change"
        else:
            assert b == a, f"{a['name']} changed"


def part(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read(name)


_VALUE_MARKUP = re.compile(rb'<v>[^<]*</v>|<v/>|<is>.*?</is>|\s(?:t|vm)="[^"]*"')
_EMPTY_ELEMENT = re.compile(rb"<(c|row)\b([^>]*?)></\1>")


def without_values(xml: bytes, created: list[str] = ()) -> bytes:
    """(2) The sheet with every cached value, t and vm removed, and the cells (and rows) kam_xl created."""
    for ref in created:
        xml = re.sub(rb'<c r="' + ref.encode() + rb'"[^>]*>.*?</c>', b"", xml)
    xml = _VALUE_MARKUP.sub(b"", xml)
    return _EMPTY_ELEMENT.sub(rb"<\1\2/>", xml)


def rows_of(xml: bytes) -> set[bytes]:
    return set(re.findall(rb'<row r="(\d+)"', xml))


def assert_same_but_values(before: bytes, after: bytes, created: list[str]) -> None:
    old, new = without_values(before), without_values(after, created)
    new_rows = rows_of(after) - rows_of(before)
    for row in new_rows:  # created rows are empty once their created cells are gone
        new = new.replace(b'<row r="' + row + b'"/>', b"")
    assert new == old


def audit_errors(path: Path) -> int:
    """(4) openxml-audit's error count (its summary reads "Errors: N", then "Warnings: N" if any)."""
    out = subprocess.run([str(AUDIT), str(path)], capture_output=True, text=True, timeout=120, check=False).stdout
    return int(re.findall(r"^Errors: (\d+)$", out, re.MULTILINE)[-1])


def read_back(path: Path, sheet: str) -> dict[str, object]:
    """(3) What openpyxl (data_only) reads in every cell that has a value."""
    workbook = openpyxl.load_workbook(path, data_only=True)
    return {c.coordinate: c.value for row in workbook[sheet].iter_rows() for c in row if c.value is not None}


def decoded(text: str) -> str:
    """ST_Xstring as Excel reads it: _xHHHH_ is one UTF-16 unit (openpyxl leaves it undecoded in <v>)."""
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text)


# ---------------------------------------------------------------------------------------------- workbooks

def xlsxwriter_book(path: Path) -> Path:
    workbook = xlsxwriter.Workbook(str(path))
    data = workbook.add_worksheet("Data")
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for i in range(1, 6):
        data.write_number(f"A{i}", i * 10)
    data.write_formula("B1", "=A1*2", None, 20)
    data.write_formula("B2", '=IF(A2>5,"big","small")', None, "big")
    data.write_formula("B3", "=A3>5", None, True)
    data.write_formula("B4", "=1/0", None, "#DIV/0!")
    data.write_formula("B5", "=TODAY()", date_format, 0)
    data.write_array_formula("C1:C5", "{=A1:A5*3}", None, 30)
    data.write_dynamic_array_formula("D1:D5", "=SORT(A1:A5,,-1)", None, 50)
    data.write_string("G1", "a constant")
    other = workbook.add_worksheet("Other Sheet")
    other.write_formula("A1", "=Data!A1", None, 10)
    workbook.add_worksheet("Untouched").write_formula("A1", "=1+1", None, 2)
    workbook.close()
    return path


def openpyxl_book(path: Path) -> Path:
    workbook = openpyxl.Workbook()
    data = workbook.active
    data.title = "Data"
    for i in range(1, 6):
        data[f"A{i}"] = i * 10
    data["B1"] = "=A1*2"
    data["B2"] = '=IF(A2>5,"big","small")'
    data["C1"] = ArrayFormula("C1:C8", "=A1:A8*3")  # C2:C8 do not exist; rows 6-8 neither
    data["E1"] = "an inline constant"
    workbook.create_sheet("Untouched")["A1"] = "=1+1"
    workbook.save(path)
    return path


@pytest.fixture(scope="module")
def libreoffice_book(tmp_path_factory) -> Path:
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    folder = tmp_path_factory.mktemp("lo")
    source = xlsxwriter_book(folder / "source.xlsx")
    out = folder / "out"
    subprocess.run(["soffice", f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless",
                    "--convert-to", "xlsx", "--outdir", str(out), str(source)],
                   check=True, capture_output=True, timeout=180)
    return out / "source.xlsx"


def package(path: Path, sheet_xml: bytes, *, workbook_pr: bytes = b"", calc_pr: bytes = b'<calcPr calcId="191029"/>',
            compression=zipfile.ZIP_DEFLATED) -> Path:
    """A minimal package around one hand-written worksheet called Data."""
    main = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        b'<Default Extension="xml" ContentType="application/xml"/>'
        b'<Override PartName="/xl/workbook.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        b'<Override PartName="/xl/worksheets/sheet1.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        b'<Override PartName="/xl/styles.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>',
        "_rels/.rels": b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="' + rel + b'/officeDocument" Target="xl/workbook.xml"/>'
        b"</Relationships>",
        "xl/workbook.xml": b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<workbook xmlns="' + main + b'" xmlns:r="' + rel + b'">' + workbook_pr +
        b'<sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets>' + calc_pr + b"</workbook>",
        "xl/_rels/workbook.xml.rels": b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="' + rel + b'/worksheet" Target="worksheets/sheet1.xml"/>'
        b'<Relationship Id="rId2" Type="' + rel + b'/styles" Target="styles.xml"/>'
        b"</Relationships>",
        "xl/worksheets/sheet1.xml": sheet_xml,
        # eight plain cell formats, so s="0" … s="7" mean something
        "xl/styles.xml": b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<styleSheet xmlns="' + main + b'"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font>'
        b'</fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill '
        b'patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/>'
        b'<diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
        b'borderId="0"/></cellStyleXfs><cellXfs count="8">'
        + b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>' * 8 + b"</cellXfs>"
        b'<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>',
    }
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in parts.items():
            archive.writestr(zipfile.ZipInfo(name, (2024, 5, 6, 7, 8, 10)), data, compression)
    return path


def sheet(rows: bytes, *, prefix: str = "", before: bytes = b"") -> bytes:
    p = (prefix + ":").encode() if prefix else b""
    xmlns = (b"xmlns:" + prefix.encode()) if prefix else b"xmlns"
    return (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<' + p + b"worksheet " + xmlns
            + b'="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + before
            + b"<" + p + b"sheetData>" + rows + b"</" + p + b"sheetData></" + p + b"worksheet>")


# ---------------------------------------------------------------------------------------------- three writers

SHEET1 = "xl/worksheets/sheet1.xml"


def test_xlsxwriter_workbook_gets_values_and_keeps_every_other_byte(tmp_path):
    source = xlsxwriter_book(tmp_path / "source.xlsx")
    book = tmp_path / "book.xlsx"
    shutil.copyfile(source, book)
    report = write_values(book, {
        "Data": {"B1": 21.5, "B2": "small & <tiny>", "B3": False, "B4": ErrorValue("#N/A"),
                 "B5": dt.date(2026, 11, 30),
                 "C1": 1, "C2": 2, "C3": 3, "C4": 4, "C5": 5,            # legacy array formula range
                 "D1": "e", "D2": "d", "D3": 30, "D4": True, "D5": None},  # dynamic-array spill range
        "Other Sheet": {"A1": 11},
    }, all_computed=True)
    assert report.written and report.full_calc_cleared and not report.conflicts
    assert report.sheets_rewritten == ["Data", "Other Sheet"]
    assert (report.cells_written, report.cells_created) == (16, 0)
    assert report.bytes_before == source.stat().st_size and report.bytes_after == book.stat().st_size

    assert_only_changed(source, book, {SHEET1, "xl/worksheets/sheet2.xml", "xl/workbook.xml"})
    assert_same_but_values(part(source, SHEET1), part(book, SHEET1), [])
    assert part(book, "xl/workbook.xml") == part(source, "xl/workbook.xml").replace(b' fullCalcOnLoad="1"', b"")
    # The formulas themselves, the dynamic array's cm="1" and the array formula's ref are untouched.
    xml = part(book, SHEET1)
    assert b'<c r="D1" t="str" cm="1"><f t="array" ref="D1:D5">_xlfn._xlws.SORT(A1:A5,,-1)</f><v>e</v></c>' in xml
    assert b'<c r="D5"></c>' in xml  # None: no cached value left

    values = read_back(book, "Data")
    assert values["B1"] == 21.5 and values["B2"] == "small & <tiny>" and values["B3"] is False
    assert values["B4"] == "#N/A"
    assert values["B5"] == dt.datetime(2026, 11, 30)  # the cell's date format makes openpyxl see a date
    assert [values[f"C{i}"] for i in range(1, 6)] == [1, 2, 3, 4, 5]
    assert [values.get(f"D{i}") for i in range(1, 6)] == ["e", "d", 30, True, None]
    assert read_back(book, "Other Sheet") == {"A1": 11}
    assert audit_errors(source) == 0 and audit_errors(book) == 0


def test_openpyxl_workbook_gets_array_cells_and_rows_created(tmp_path):
    source = openpyxl_book(tmp_path / "source.xlsx")
    book = tmp_path / "book.xlsx"
    shutil.copyfile(source, book)
    report = write_values(book, {"Data": {"B1": 20, "B2": "big", **{f"C{i}": i * 3 for i in range(1, 9)}}},
                          all_computed=False)
    assert report.cells_written == 3 and report.cells_created == 7 and not report.conflicts
    assert report.sheets_rewritten == ["Data"] and not report.full_calc_cleared
    assert_only_changed(source, book, {SHEET1})
    created = [f"C{i}" for i in range(2, 9)]
    assert_same_but_values(part(source, SHEET1).replace(b"A1:E5", b"A1:E8"), part(book, SHEET1), created)
    xml = part(book, SHEET1)
    # created in column order within existing rows, and as new rows in row order after them
    assert b'<row r="2"><c r="A2" t="n"><v>20</v></c><c r="B2" t="str"><f>IF(A2&gt;5,"big","small")</f>' \
        b'<v>big</v></c><c r="C2"><v>6</v></c></row>' in xml
    assert xml.index(b'<row r="5">') < xml.index(b'<row r="6"><c r="C6"><v>18</v></c></row>') \
        < xml.index(b'<row r="8"><c r="C8"><v>24</v></c></row>') < xml.index(b"</sheetData>")
    values = read_back(book, "Data")
    assert values["B1"] == 20 and values["B2"] == "big" and values["E1"] == "an inline constant"
    assert [values[f"C{i}"] for i in range(1, 9)] == [i * 3 for i in range(1, 9)]
    assert audit_errors(book) <= audit_errors(source)  # openpyxl's own styles.xml already draws one


def test_libreoffice_workbook_keeps_its_habits(tmp_path, libreoffice_book):
    book = tmp_path / "book.xlsx"
    shutil.copyfile(libreoffice_book, book)
    report = write_values(book, {"Data": {"B1": 2.5, "B2": "small", "B3": True, "C1": "x", "D1": 50, "D2": 40}},
                          all_computed=True)
    assert report.written and not report.conflicts
    # LibreOffice writes no fullCalcOnLoad: workbook.xml stays as it is
    assert not report.full_calc_cleared
    assert_only_changed(libreoffice_book, book, {SHEET1})
    before, after = part(libreoffice_book, SHEET1), part(book, SHEET1)
    assert_same_but_values(before, after, [])
    assert b'<c r="B1" s="0" t="n"><f aca="false">A1*2</f><v>2.5</v></c>' in after  # t="n" kept for a number
    assert b'<c r="B3" s="0" t="b"><f aca="false">A3&gt;5</f><v>1</v></c>' in after
    values = read_back(book, "Data")
    assert (values["B1"], values["B2"], values["B3"], values["C1"], values["D1"], values["D2"]) == \
        (2.5, "small", True, "x", 50, 40)
    assert audit_errors(book) <= audit_errors(libreoffice_book)


# ---------------------------------------------------------------------------------------------- hand-written XML

def test_shared_formulas_stay_shared_and_inline_results_become_str(tmp_path):
    rows = (b'<row r="1"><c r="A1"><v>1</v></c><c r="B1"><f t="shared" ref="B1:B3" si="0">A1*2</f><v>2</v></c></row>'
            b'<row r="2"><c r="A2"><v>2</v></c><c r="B2"><f t="shared" si="0"/><v>4</v></c></row>'
            b'<row r="3"><c r="A3"><v>3</v></c><c r="B3" s="4"><f t="shared" si="0"/></c>'
            b'<c r="C3" t="inlineStr"><f>"old"</f><is><t>old</t></is></c>'
            b'<c r="D3" t="e" vm="1"><f>SEQUENCE(A1)</f><v>#VALUE!</v></c></row>')
    source = package(tmp_path / "source.xlsx", sheet(rows))
    book = tmp_path / "book.xlsx"
    shutil.copyfile(source, book)
    report = write_values(book, {"Data": {"B1": 3, "B2": 6, "B3": "nine", "C3": "new", "D3": 1}},
                          all_computed=True)
    assert report.cells_written == 5 and not report.conflicts and not report.full_calc_cleared
    xml = part(book, SHEET1)
    assert b'<c r="B1"><f t="shared" ref="B1:B3" si="0">A1*2</f><v>3</v></c>' in xml
    assert b'<c r="B2"><f t="shared" si="0"/><v>6</v></c>' in xml
    assert b'<c r="B3" s="4" t="str"><f t="shared" si="0"/><v>nine</v></c>' in xml
    assert b'<c r="C3" t="str"><f>"old"</f><v>new</v></c>' in xml   # inline string result converted
    assert b'<c r="D3"><f>SEQUENCE(A1)</f><v>1</v></c>' in xml       # the stale rich value's vm is gone
    assert_only_changed(source, book, {SHEET1})
    assert_same_but_values(part(source, SHEET1), xml, [])
    assert read_back(book, "Data") == {"A1": 1, "A2": 2, "A3": 3, "B1": 3, "B2": 6, "B3": "nine",
                                       "C3": "new", "D3": 1}
    assert audit_errors(book) <= audit_errors(source)  # the minimal package lacks a theme: one error in both


def test_prefixed_namespace_self_closing_rows_and_styles_of_new_cells(tmp_path):
    rows = (b'<x:row r="1"><x:c r="A1"><x:f t="array" ref="A1:C3">SEQUENCE(3,3)</x:f><x:v>1</x:v></x:c>'
            b'<x:c r="B1" s="2"/></x:row>'
            b'<x:row r="2" s="5" customFormat="1" ht="30" customHeight="1"/>')
    cols = b'<x:cols><x:col min="3" max="3" width="9" style="7" customWidth="1"/></x:cols>'
    source = package(tmp_path / "source.xlsx", sheet(rows, prefix="x", before=cols))
    book = tmp_path / "book.xlsx"
    shutil.copyfile(source, book)
    values = {f"{c}{r}": r * 10 + i for r in (1, 2, 3) for i, c in enumerate("ABC", 1)}
    report = write_values(book, {"Data": values}, all_computed=False)
    assert (report.cells_written, sorted(report.conflicts)) == (2, [])
    xml = part(book, SHEET1)
    assert b'<x:c r="B1" s="2"><x:v>12</x:v></x:c>' in xml                       # style of the empty cell kept
    assert b'<x:c r="C1" s="7"><x:v>13</x:v></x:c>' in xml                       # the column's style
    assert (b'<x:row r="2" s="5" customFormat="1" ht="30" customHeight="1"><x:c r="A2" s="5"><x:v>21</x:v>'
            b'</x:c><x:c r="B2" s="5"><x:v>22</x:v></x:c><x:c r="C2" s="5"><x:v>23</x:v></x:c></x:row>') in xml
    assert (b'<x:row r="3"><x:c r="A3"><x:v>31</x:v></x:c><x:c r="B3"><x:v>32</x:v></x:c>'
            b'<x:c r="C3" s="7"><x:v>33</x:v></x:c></x:row></x:sheetData>') in xml
    assert read_back(book, "Data") == values
    assert audit_errors(book) <= audit_errors(source)


def test_constants_are_never_overwritten_and_unanchored_cells_never_created(tmp_path):
    rows = (b'<row r="1"><c r="A1"><v>1</v></c><c r="B1" t="s"><v>0</v></c><c r="C1" s="3"/>'
            b'<c r="D1"><f>A1</f><v>1</v></c></row>')
    source = package(tmp_path / "source.xlsx", sheet(rows))
    book = tmp_path / "book.xlsx"
    shutil.copyfile(source, book)
    report = write_values(book, {"Data": {"A1": 5, "B1": "x", "C1": 1, "E9": 2, "B2": None, "D1": 1}}, all_computed=True)
    assert {(c.cell, c.reason.split(",")[0].split(";")[0]) for c in report.conflicts} == {
        ("A1", "holds a constant"), ("B1", "holds a constant"),
        ("C1", "has no formula and lies outside every array/spill range"),
        ("E9", "has no formula and lies outside every array/spill range")}
    assert report.cells_unchanged == 1 and not report.written  # D1 already held 1; B2 None: nothing
    assert book.read_bytes() == source.read_bytes()


def test_spilled_cells_that_hold_their_values_are_left_and_the_others_get_t_and_v(tmp_path):
    """The cells of a spill range have no formula: the quick scan settles them once the range is known."""
    rows = (b'<row r="1"><c r="A1" cm="1"><f t="array" ref="A1:B3">SEQ()</f><v>1</v></c>'
            b'<c r="B1" s="2"><v>2</v></c></row>'
            b'<row r="2"><c r="A2" s="2" t="str"><v>x</v></c><c r="B2" s="2"/></row>'
            b'<row r="3"><c r="A3"><v>5</v></c><c r="B3" t="n"><v>6</v></c><c r="C3"><v>7</v></c></row>')
    source = package(tmp_path / "source.xlsx", sheet(rows))
    book = tmp_path / "book.xlsx"
    shutil.copyfile(source, book)
    same = {"A1": 1, "B1": 2, "A2": "x", "B2": None, "A3": 5, "B3": 6}
    report = write_values(book, {"Data": same}, all_computed=False)
    assert (report.written, report.cells_unchanged, report.conflicts) == (False, 6, [])
    assert book.read_bytes() == source.read_bytes()
    report = write_values(book, {"Data": {**same, "B1": "b", "B2": 7, "A3": None, "B3": 6.5, "C3": 8}},
                          all_computed=False)
    assert (report.cells_written, report.cells_unchanged) == (4, 2)
    assert [(c.cell, c.reason) for c in report.conflicts] == [("C3", CONSTANT)]  # outside the range
    xml = part(book, SHEET1)
    assert (b'<c r="B1" s="2" t="str"><v>b</v></c>' in xml and b'<c r="B2" s="2"><v>7</v></c>' in xml
            and b'<c r="A3"></c>' in xml and b'<c r="B3" t="n"><v>6.5</v></c>' in xml)
    assert_same_but_values(part(source, SHEET1), xml, [])


def test_unchanged_values_leave_the_file_alone_and_out_gets_a_copy(tmp_path):
    source = xlsxwriter_book(tmp_path / "source.xlsx")
    before = source.read_bytes()
    stamp = source.stat().st_mtime_ns
    report = write_values(source, {"Data": {"B1": 20, "B2": "big", "B3": True}}, all_computed=False)
    assert (report.written, report.cells_unchanged, report.sheets_rewritten) == (False, 3, [])
    assert source.read_bytes() == before and source.stat().st_mtime_ns == stamp
    out = tmp_path / "copy.xlsx"
    report = write_values(source, {"Data": {"B1": 20}}, all_computed=False, out=out)
    assert report.written and out.read_bytes() == before
    report = write_values(source, {"Data": {"B1": 99}}, all_computed=True, out=out)
    assert source.read_bytes() == before and read_back(out, "Data")["B1"] == 99
    assert_only_changed(source, out, {SHEET1, "xl/workbook.xml"})


def test_stored_entries_and_data_descriptors_are_copied_raw(tmp_path):
    rows = b'<row r="1"><c r="A1"><f>1+1</f><v>2</v></c></row>'
    stored = package(tmp_path / "stored.xlsx", sheet(rows), compression=zipfile.ZIP_STORED)
    # A zip written to a stream that cannot seek carries data descriptors after each entry.
    streamed = tmp_path / "streamed.xlsx"

    class Unseekable(io.RawIOBase):
        def __init__(self, fh):
            self.fh = fh

        def writable(self):
            return True

        def write(self, b):
            return self.fh.write(b)

    with open(streamed, "wb") as fh, zipfile.ZipFile(Unseekable(fh), "w", zipfile.ZIP_DEFLATED) as out, \
            zipfile.ZipFile(stored) as src:
        for info in src.infolist():
            with out.open(zipfile.ZipInfo(info.filename, info.date_time), "w") as entry:
                entry.write(src.read(info))
    for book in (stored, streamed):
        original = tmp_path / ("original-" + book.name)
        shutil.copyfile(book, original)
        report = write_values(book, {"Data": {"A1": 3}}, all_computed=False)
        assert report.written
        assert_only_changed(original, book, {SHEET1})
        assert read_back(book, "Data") == {"A1": 3}
        with zipfile.ZipFile(book) as archive:
            assert archive.testzip() is None


def test_dates_follow_the_workbook_date_system(tmp_path):
    rows = b'<row r="1"><c r="A1"><f>NOW()</f></c><c r="B1"><f>NOW()</f></c></row>'
    book = package(tmp_path / "book.xlsx", sheet(rows), workbook_pr=b'<workbookPr date1904="1"/>')
    write_values(book, {"Data": {"A1": dt.date(1904, 1, 2), "B1": dt.datetime(2024, 1, 1, 18)}},
                 all_computed=True)
    assert b"<v>1</v>" in part(book, SHEET1)
    assert read_back(book, "Data")["B1"] == pytest.approx(to_excel(dt.datetime(2024, 1, 1, 18), epoch=dt.datetime(1904, 1, 1)))


# ---------------------------------------------------------------------------------------------- values

def test_value_forms():
    assert cached(7).v == b"7" and cached(7.0).v == b"7" and cached(-0.0).v == b"0"
    assert cached(0.1).v == b"0.1" and cached(1e-5).v == b"1e-05" and cached(2 ** 60).v == b"1.152921504606847e+18"
    assert (cached(True).t, cached(True).v, cached(False).v) == (b"b", b"1", b"0")
    assert (cached("x").t, cached(ErrorValue("#div/0!")).v) == (b"str", b"#DIV/0!")
    assert cached(dt.date(1900, 1, 1)).v == b"1" and cached(dt.date(1900, 3, 1)).v == b"61"
    assert cached(dt.datetime(2024, 1, 31, 12)).v == b"45322.5" and cached(dt.time(6)).v == b"0.25"
    assert cached(None).v is None
    assert cached(np.float64(0.5)).v == b"0.5" and cached(np.int64(3)).v == b"3" and cached(np.bool_(True)).t == b"b"
    assert escape_text("a\x01b\rc_x0041_") == b"a_x0001_b&#13;c_x005F_x0041_"
    assert number_text(123456789012345.6) == b"123456789012345.6"
    for bad in (float("nan"), float("inf"), object(), dt.date(1899, 12, 31)):
        with pytest.raises((TypeError, ValueError)):
            cached(bad)
    assert cached("x" * 32768) == (b"e", b"#VALUE!", True)  # over a cell's 32,767 characters: as Excel shows it
    with pytest.raises(ValueError, match="unknown Excel error"):
        ErrorValue("#OOPS!")
    # Newer errors are rich values in Excel files; <v> holds #VALUE! as in Excel's own files.
    assert {cached(ErrorValue(code)).v for code in RICH_ERRORS} == {b"#VALUE!"}
    assert {cached(ErrorValue(code)).v.decode() for code in ECMA_ERRORS} == ECMA_ERRORS


FORMULA_CELLS = [f"B{i}" for i in range(1, 13)]

values_strategy = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-(2 ** 53), max_value=2 ** 53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.sampled_from(sorted(ECMA_ERRORS | RICH_ERRORS)).map(ErrorValue),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31)),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(9999, 12, 31)),
)


@pytest.fixture(scope="module")
def formula_book(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("prop") / "book.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    data = workbook.add_worksheet("Data")
    for i, ref in enumerate(FORMULA_CELLS, 1):
        data.write_formula(ref, f"=A{i}", None, 0)
    workbook.close()
    return path


def expected(value):
    """What openpyxl (data_only) gives back for a value kam_xl wrote into a cell without a date format."""
    if isinstance(value, ErrorValue):
        return value.stored
    if isinstance(value, (dt.date, dt.datetime)):
        return pytest.approx(to_excel(value), rel=1e-15, abs=1e-9)
    if isinstance(value, str):
        return value or None  # an empty <v></v> reads as empty
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(values_strategy, st.integers(), st.sampled_from(
    [2.0, -0.0, 1e100, 1e-5, 1e16, 12.5, "A", True, 1, 2 ** 53, 2 ** 53 + 1, -(2 ** 60), 10 ** 17]))))
def test_values_encoded_in_bulk_as_one_by_one(values):
    """The bulk encoder (a memo per type, a float's repr taken as it is when already shortest) changes nothing."""
    for date1904 in (False, True):
        try:
            one_by_one = [cached(value, date1904=date1904) for value in values]
        except ValueError:  # e.g. a date before 1904
            with pytest.raises(ValueError):
                cached_values(values, date1904=date1904)
        else:
            assert cached_values(values, date1904=date1904) == one_by_one


def test_values_encoded_in_bulk_refuse_what_one_by_one_refuses():
    for bad in (float("nan"), float("inf"), object()):
        with pytest.raises((TypeError, ValueError)):
            cached_values([1.5, "A", bad])
    assert cached_values(["x" * 32768])[0] == (b"e", b"#VALUE!", True)


def test_references_checked_in_bulk():
    assert canonical_refs(["B7", "ZZ999999", "A1"]) == [b"B7", b"ZZ999999", b"A1"]
    assert canonical_refs([]) == []
    # Anything else takes the exact path, which accepts $ and lower case and names what is wrong.
    for odd in ("$B$7", "b7", "B07", "B0", "AAA1", "B1000000", "B7\nC8", "B 7", "", 7, "Ä1"):
        assert canonical_refs(["A1", odd]) is None, odd


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(values_strategy, min_size=len(FORMULA_CELLS), max_size=len(FORMULA_CELLS)))
def test_any_values_read_back_through_openpyxl(formula_book, tmp_path_factory, values):
    out = tmp_path_factory.mktemp("out") / "out.xlsx"
    write_values(formula_book, {"Data": dict(zip(FORMULA_CELLS, values))}, all_computed=True, out=out)
    got = read_back(out, "Data")
    for ref, value in zip(FORMULA_CELLS, values):
        read = got.get(ref)
        if isinstance(read, str) and isinstance(value, str):
            read = decoded(read)
        assert read == expected(value), (ref, value, read)
        if isinstance(value, bool):
            assert type(read) is bool


# ---------------------------------------------------------------------------------------------- scale

def test_two_hundred_thousand_values_in_one_sheet(tmp_path):
    """Scale check (the figure is measured outside the test: about a second on the development machine)."""
    path = tmp_path / "big.xlsx"
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    data = workbook.add_worksheet("Data")
    n = 200_000
    for row in range(n):
        data.write_number(row, 0, row)
        data.write_formula(row, 1, f"=A{row + 1}*2", None, 0)
    workbook.close()
    original = tmp_path / "original.xlsx"
    shutil.copyfile(path, original)
    values = {f"B{row + 1}": row * 2.5 for row in range(n)}
    started = time.perf_counter()
    report = write_values(path, {"Data": values}, all_computed=True)
    elapsed = time.perf_counter() - started
    assert report.cells_written == n - 1 and report.cells_unchanged == 1  # B1 already held 0
    assert_only_changed(original, path, {SHEET1, "xl/workbook.xml"})
    xml = part(path, SHEET1)
    assert xml.count(b"<f>") == n and b'<c r="B200000"><f>A200000*2</f><v>499997.5</v></c>' in xml
    print(f"\n200,000 cached values written in {elapsed:.2f} s")


def test_pretty_printed_xml_single_quotes_and_cells_without_references(tmp_path):
    rows = b"""
    <row r='1'>
      <c r='A1' s='0'>
        <f>1+1</f>
        <v>2</v>
      </c>
      <c>
        <f t='array' ref='B1:B3'>ROW(B1:B3)</f>
      </c>
    </row>
    <row>
      <c r='A2'><v>7</v></c>
    </row>
    <row r='3'><c><v>9</v></c></row>
  """
    source = package(tmp_path / "source.xlsx", sheet(rows))
    book = tmp_path / "book.xlsx"
    shutil.copyfile(source, book)
    report = write_values(book, {"Data": {"A1": 3, "B1": 1, "B2": 2, "B3": 3, "A2": 5}}, all_computed=True)
    # A1 and B1 (found by position: the second cell of row 1) are written; B2 would go into row 2, whose cells
    # have references; B3 into row 3, whose cell has none: it cannot be placed. A2 is a constant.
    assert set(report.conflicts) == {Conflict("Data", "A2", CONSTANT), Conflict("Data", "B3", NO_REFERENCES)}
    assert report.cells_written == 2 and report.cells_created == 1
    xml = part(book, SHEET1)
    assert b"<c r='A1' s='0'>\n        <f>1+1</f>\n        <v>3</v>\n      </c>" in xml
    assert b"<c>\n        <f t='array' ref='B1:B3'>ROW(B1:B3)</f><v>1</v>\n      </c>" in xml
    assert b"<c r='A2'><v>7</v></c>\n    <c r=\"B2\"><v>2</v></c></row>" in xml
    assert_same_but_values(part(source, SHEET1), xml.replace(b'<c r="B2"><v>2</v></c>', b""), [])
    assert read_back(book, "Data") == {"A1": 3, "B1": 1, "A2": 7, "B2": 2, "A3": 9}


def test_entries_with_zip64_extra_fields(tmp_path):
    """Some writers put sizes in ZIP64 extra fields even for small parts; copied and rewritten in place."""
    rows = b'<row r="1"><c r="A1"><f>1+1</f><v>2</v></c></row>'
    plain = package(tmp_path / "plain.xlsx", sheet(rows))
    book = tmp_path / "book.xlsx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            with out.open(zipfile.ZipInfo(info.filename, info.date_time), "w", force_zip64=True) as entry:
                entry.write(src.read(info))
    with open(book, "rb") as fh:
        assert struct.unpack("<LL", fh.read(26)[18:26]) == (0xFFFFFFFF, 0xFFFFFFFF)  # sizes in the extra field
    original = tmp_path / "original.xlsx"
    shutil.copyfile(book, original)
    write_values(book, {"Data": {"A1": 3}}, all_computed=True)
    assert_only_changed(original, book, {SHEET1})
    with zipfile.ZipFile(book) as archive:
        assert archive.testzip() is None
    assert read_back(book, "Data") == {"A1": 3}


# ---------------------------------------------------------------------------------------------- spill ranges

def test_a_dynamic_array_spills_further_and_back(tmp_path):
    """The engine's result fills another range than the file records: ref follows it (RecalcResult.spills)."""
    source = xlsxwriter_book(tmp_path / "source.xlsx")  # =SORT(A1:A5,,-1) in D1, spill D1:D5
    book = tmp_path / "book.xlsx"
    shutil.copyfile(source, book)
    grown = {f"{c}{r}": r * 10 + (c == "E") for r in range(1, 8) for c in "DE"}
    report = write_values(book, {"Data": grown}, all_computed=True, spills={("Data", "D1"): "D1:E7"})
    assert report.spills_resized == ["Data!D1:E7"] and not report.conflicts and report.full_calc_cleared
    assert report.cells_created == 9  # E1:E5 in existing rows, D6:E7 in two new rows
    xml = part(book, SHEET1)
    assert b'<c r="D1" cm="1"><f t="array" ref="D1:E7">_xlfn._xlws.SORT(A1:A5,,-1)</f><v>10</v></c>' in xml
    created = [f"E{r}" for r in range(1, 6)] + ["D6", "E6", "D7", "E7"]
    assert b'<dimension ref="A1:G7"/>' in xml  # the used range covers the new cells (readers trust it)
    before = part(source, SHEET1).replace(b'ref="D1:D5"', b'ref="D1:E7"').replace(b"A1:G5", b"A1:G7")
    assert_same_but_values(before, xml, created)
    assert_only_changed(source, book, {SHEET1, "xl/workbook.xml"})
    assert {k: v for k, v in read_back(book, "Data").items() if k[0] in "DE"} == grown
    assert b'<c r="E1"><v>11</v></c><c r="G1" t="s"><v>0</v></c>' in xml  # in column order
    assert audit_errors(book) == 0

    # and back to two cells: the cells it leaves lose their cached values
    report = write_values(book, {"Data": {"D1": 1, "D2": 2}}, all_computed=True, spills={("Data", "D1"): "D1:D2"})
    assert report.spills_resized == ["Data!D1:D2"]
    xml = part(book, SHEET1)
    assert b'ref="D1:D2"' in xml and b'<c r="E7"></c>' in xml and b'<c r="D3"></c>' in xml
    values = read_back(book, "Data")
    assert [values.get(f"D{r}") for r in range(1, 8)] == [1, 2, None, None, None, None, None]
    assert not any(k.startswith("E") for k in values)
    assert audit_errors(book) == 0


def test_spill_ranges_of_legacy_arrays_and_of_nothing_stay_as_they_are(tmp_path):
    source = xlsxwriter_book(tmp_path / "source.xlsx")
    book = tmp_path / "book.xlsx"
    shutil.copyfile(source, book)
    report = write_values(book, {"Data": {"C1": 1, "C6": 6}}, all_computed=True,
                          spills={("Data", "C1"): "C1:C6", ("Data", "H1"): "H1:H2"})
    reasons = {c.cell: c.reason for c in report.conflicts}
    assert reasons["C1"].startswith("is an array formula without dynamic-array metadata")
    assert reasons["H1"].startswith("holds no array formula")
    assert reasons["C6"].startswith("has no formula")
    # A value could not be written, so Excel must still recalculate on open.
    assert not report.full_calc_cleared and b'ref="C1:C5"' in part(book, SHEET1)
    assert_only_changed(source, book, {SHEET1})


def test_a_large_rewritten_part_is_deflated_fast_and_its_flags_say_so(tmp_path):
    import io

    from kam_xl.package import zipcopy

    source = tmp_path / "big.zip"
    with zipfile.ZipFile(source, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("small.xml", b"<a/>" * 10)
        z.writestr("big.xml", b"<a/>")
    big = b"".join(b'<c r="A%d"><v>%d</v></c>' % (i, i) for i in range(300_000))
    assert len(big) > zipcopy.FAST_OVER
    out = io.BytesIO()
    with open(source, "rb") as raw, zipfile.ZipFile(source) as archive:
        zipcopy.copy_archive(raw, archive, {"big.xml": big, "small.xml": b"<b/>"}, out)
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as result:
        assert result.read("big.xml") == big and result.read("small.xml") == b"<b/>"
        assert (result.getinfo("big.xml").flag_bits >> 1) & 3 == 2          # fast
        assert (result.getinfo("small.xml").flag_bits >> 1) & 3 == 0        # as it was


def test_a_part_deflated_ahead_gives_the_same_archive_and_other_content_is_deflated_anew(tmp_path):
    import io

    from kam_xl.package import zipcopy

    source = tmp_path / "big.zip"
    with zipfile.ZipFile(source, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("small.xml", b"<a/>" * 10)
        z.writestr("big.xml", b"<a/>")
        z.writestr("other.xml", b"<a/>")
    big = b"".join(b'<c r="A%d"><v>%d</v></c>' % (i, i) for i in range(300_000))
    replaced = {"big.xml": big, "small.xml": b"<b/>", "other.xml": big + b"<x/>"}

    def copy(ahead=None) -> bytes:
        out = io.BytesIO()
        with open(source, "rb") as raw, zipfile.ZipFile(source) as archive:
            zipcopy.copy_archive(raw, archive, replaced, out, ahead=ahead)
        return out.getvalue()

    with zipcopy.Ahead() as ahead:
        ahead.start("big.xml", big)
        ahead.start("small.xml", b"<b/>")          # too small: not started
        ahead.start("other.xml", big)              # then replaced by other content: deflated anew
        assert set(ahead._jobs) == {"big.xml", "other.xml"}
        started = copy(ahead)
        assert not ahead._jobs  # each taken, or found stale, once
    assert started == copy()
    with zipfile.ZipFile(io.BytesIO(started)) as result:
        assert result.read("big.xml") == big and result.read("other.xml") == big + b"<x/>"


def test_a_part_deflated_ahead_is_checked_byte_for_byte_as_written(tmp_path):
    from kam_xl.package import writer, zipcopy

    source, written = tmp_path / "big.zip", tmp_path / "new.zip"
    with zipfile.ZipFile(source, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("big.xml", b"<a/>")
    big = b"".join(b'<c r="A%d"><v>%d</v></c>' % (i, i) for i in range(300_000))
    with zipcopy.Ahead() as ahead, open(source, "rb") as raw, zipfile.ZipFile(source) as archive:
        ahead.start("big.xml", big)
        with open(written, "wb") as out:
            zipcopy.copy_archive(raw, archive, {"big.xml": big}, out, ahead=ahead)
        assert set(ahead.taken) == {"big.xml"}
        writer._verify(written, archive, {"big.xml": big}, source, ahead)
        data = bytearray(written.read_bytes())
        data[len(data) // 2] ^= 0xFF  # one byte of the deflated part
        written.write_bytes(bytes(data))
        with pytest.raises(writer.PackageError, match="did not read back"):
            writer._verify(written, archive, {"big.xml": big}, source, ahead)


def test_parts_inflated_once_serve_a_copy_that_kept_them_and_only_those(tmp_path):
    import io

    from kam_xl.package import zipcopy

    source = tmp_path / "book.zip"
    with zipfile.ZipFile(source, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("kept.xml", b"<kept/>" * 1000)
        z.writestr("changed.xml", b"<old/>" * 1000)
    inflated = zipcopy.Inflated(source)
    copy = io.BytesIO()
    with open(source, "rb") as raw, zipfile.ZipFile(source) as archive:
        zipcopy.copy_archive(raw, archive, {"changed.xml": b"<new/>" * 1000}, copy)
    with zipfile.ZipFile(io.BytesIO(copy.getvalue())) as archive:
        kept, changed = archive.getinfo("kept.xml"), archive.getinfo("changed.xml")
        assert inflated.read(archive, kept) is inflated._parts["kept.xml"][1]      # taken, not inflated again
        assert inflated.read(archive, kept) == b"<kept/>" * 1000
        assert inflated.read(archive, changed) == b"<new/>" * 1000                  # new bytes: read anew
    new = {"changed.xml": b"<new/>" * 1000}
    inflated.hold(new)  # new parts as an in-memory copy stores them: taken from there
    stored = io.BytesIO()
    with open(source, "rb") as raw, zipfile.ZipFile(source) as archive:
        zipcopy.copy_archive(raw, archive, new, stored, store_replaced=True)
    with zipfile.ZipFile(stored) as archive:
        assert inflated.read(archive, archive.getinfo("changed.xml")) is new["changed.xml"]
        assert inflated.read(archive, archive.getinfo("kept.xml")) == b"<kept/>" * 1000
    inflated.hold({"changed.xml": b"<other/>"})  # a held part of another size is read from the copy
    with zipfile.ZipFile(stored) as archive:
        assert inflated.read(archive, archive.getinfo("changed.xml")) == b"<new/>" * 1000
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(b"PK\x03\x04 not a zip")
    assert zipcopy.Inflated(damaged)._parts == {}                                   # its readers say why
