"""The graft: kam_xl's sheets, VBA project and ribbon put into workbooks kam_xl did not write.

Each foreign workbook is made by a real writer (XlsxWriter with a chart, a table, styles and a dynamic array
of its own; openpyxl; XlsxWriter with numbers only, so no shared strings; LibreOffice; the XlsxWriter book
with prefixed markup, as the Open XML SDK writes it), grafted with the template's
package, and checked: every part of theirs outside EDITED_PARTS byte-identical in the zip (compressed bytes
and headers), but for the code name a sheet without one gains; openxml-audit 0 errors; their cells (python-
calamine) and cell styles (openpyxl) as before; our sheets' styles as in our package; the VBA project read
back by oletools and pyopenvba with a document module per code name; formualizer recalculates it to the
Analysis values KeyAccounts.xlsm gets from the same data; LibreOffice converts it to PDF.
"""

from __future__ import annotations

import io
import re
import struct
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from oletools.olevba import VBA_Parser
from pyopenvba import ExcelFile
from python_calamine import CalamineWorkbook

from conftest import require_tools
from kam_xl import demo
from kam_xl.package import PackageError
from kam_xl.package.graft import EDITED_PARTS, edited_parts, graft
from kam_xl.cli import main
from kam_xl.template import CUSTOM_UI, add_ribbon
from kam_xl.template.sheet_about import UDF_MODULE
from kam_xl.template.sheets import SHEETS
from kam_xl.template.udf_wrappers import generate_function_help_module, generate_udf_module
from kam_xl.template.vba import project_modules
from kam_xl.template.workbook import workbook_bytes

AUDIT = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "openxml-audit"


# ---------------------------------------------------------------------------------------------- their books

def xlsxwriter_book() -> bytes:
    """Styles, a table, a line chart, a dynamic array (metadata.xml), shared strings, a chart sheet; sheetPr
    only on Sales."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sales = book.add_worksheet("Sales")
    sales.set_tab_color("#FF0000")
    head = book.add_format({"bold": True, "bg_color": "#FFFF00", "font_name": "Arial", "font_size": 9})
    money = book.add_format({"num_format": "#,##0.000 €", "italic": True, "border": 2})
    date = book.add_format({"num_format": "dd.mm.yyyy"})
    sales.write_row(0, 0, ["Kunde", "Datum", "Umsatz"], head)
    for row in range(1, 25):
        sales.write_string(row, 0, f"K{row % 6:03d}")
        sales.write_number(row, 1, 45300 + 7 * row, date)
        sales.write_number(row, 2, 120.5 * row, money)
    sales.add_table(0, 5, 4, 6, {"name": "Targets", "columns": [{"header": "Region"}, {"header": "Goal"}]})
    sales.write_dynamic_array_formula("J2:J7", "=UNIQUE(A2:A25)")
    chart = book.add_chart({"type": "line"})
    chart.add_series({"values": "=Sales!$C$2:$C$25", "name": "Umsatz"})
    sales.insert_chart("L2", chart)
    book.add_worksheet("Notes").write_string(0, 0, "Notizen")
    pie = book.add_chart({"type": "pie"})
    pie.add_series({"values": "=Sales!$C$2:$C$7", "categories": "=Sales!$A$2:$A$7"})
    book.add_chartsheet("Share").set_chart(pie)
    book.define_name("Goal", "=Sales!$G$2")
    book.close()
    return buffer.getvalue()


def openpyxl_book() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Umsätze"
    sheet["A1"], sheet["B1"] = "Kundennr.", "Betrag"
    sheet["A1"].font = openpyxl.styles.Font(name="Verdana", bold=True, color="FF0000FF")
    sheet["B1"].fill = openpyxl.styles.PatternFill("solid", fgColor="FFCCFFCC")
    for row in range(2, 12):
        sheet.cell(row, 1, f"D{row}")
        sheet.cell(row, 2, row * 3.25).number_format = "0.00%"
    book.create_sheet("Leer")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def numbers_book() -> bytes:
    """Numbers only: no sharedStrings.xml, no metadata.xml, no <sheetPr>."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("Zahlen")
    bold = book.add_format({"bold": True, "num_format": "0.0"})
    for row in range(5):
        sheet.write_number(row, 0, row * 1.5, bold)
        sheet.write_formula(row, 1, f"=A{row + 1}*2", None, row * 3.0)
    book.close()
    return buffer.getvalue()


def libreoffice_book(folder: Path) -> bytes:
    """The XlsxWriter book saved by LibreOffice: its own styles (20 cell styles), its chart sheet turned into a
    worksheet with a drawing, no theme part."""
    require_tools("soffice", install="libreoffice-calc-nogui")
    source = folder / "source.xlsx"
    source.write_bytes(xlsxwriter_book())
    subprocess.run(["soffice", f"-env:UserInstallation={(folder / 'lo').as_uri()}", "--headless", "--convert-to",
                    "xlsx:Calc MS Excel 2007 XML", "--outdir", str(folder / "lo-out"), str(source)],
                   check=True, capture_output=True, timeout=180)
    return (folder / "lo-out" / "source.xlsx").read_bytes()


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def prefixed_book() -> bytes:
    """The XlsxWriter book with SpreadsheetML under a prefix (``<x:worksheet xmlns:x=...>``), as the Open XML
    SDK writes it: every part the graft edits, and the sheets it reads, spelled another way."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsxwriter_book())) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info)
            if f'xmlns="{MAIN}"'.encode() in body:
                text = re.sub(r"<(/?)([A-Za-z]\w*)(?=[\s/>])", r"<\1x:\2", body.decode())
                body = text.replace(f'xmlns="{MAIN}"', f'xmlns:x="{MAIN}"').encode()
            target.writestr(info.filename, body)
    return out.getvalue()


BOOKS = {"xlsxwriter": xlsxwriter_book, "openpyxl": openpyxl_book, "numbers": numbers_book,
         "libreoffice": libreoffice_book, "prefixed": prefixed_book}
STYLED = {"xlsxwriter": ("Sales", ["A1", "C2", "B3", "A4"]), "openpyxl": ("Umsätze", ["A1", "B1", "B2", "A3"]),
          "numbers": ("Zahlen", ["A1", "B2"]), "libreoffice": ("Sales", ["A1", "C2", "B3", "A4"]),
          "prefixed": ("Sales", ["A1", "C2", "B3", "A4"])}
#: openxml-audit's errors in their own file, which the graft keeps: openpyxl writes a font's children out of
#: schema order (2), LibreOffice writes no theme part (1).
THEIR_ERRORS = {"openpyxl": 2, "libreoffice": 1}


@pytest.fixture(scope="module")
def ours() -> bytes:
    return workbook_bytes()


@pytest.fixture(scope="module", params=list(BOOKS))
def grafted(request, ours, tmp_path_factory):
    folder = tmp_path_factory.mktemp(request.param)
    theirs = folder / "theirs.xlsx"
    make = BOOKS[request.param]
    theirs.write_bytes(make(folder) if request.param == "libreoffice" else make())
    result = folder / "theirs-kam.xlsm"
    result.write_bytes(graft(theirs.read_bytes(), ours, name=theirs.name))
    return request.param, theirs, result


# ---------------------------------------------------------------------------------------------- helpers

def raw_entries(data: bytes) -> dict[str, tuple]:
    """Entry name -> (header fields, raw compressed bytes), as the zip holds them."""
    entries = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            fixed = data[info.header_offset:info.header_offset + 30]
            name_len, extra_len = struct.unpack("<HH", fixed[26:30])
            start = info.header_offset + 30 + name_len + extra_len
            entries[info.filename] = ((info.compress_type, info.date_time, info.external_attr, info.extra,
                                       info.create_system, info.CRC, info.flag_bits),
                                      data[start:start + info.compress_size])
    return entries


def code_name_parts(theirs: bytes) -> set[str]:
    """Their worksheet parts without a code name."""
    with zipfile.ZipFile(io.BytesIO(theirs)) as archive:
        return {n for n in archive.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)
                and b"codeName=" not in archive.read(n)}


def audit_errors(path: Path) -> int:
    out = subprocess.run([str(AUDIT), str(path)], capture_output=True, text=True, timeout=120, check=False).stdout
    return int(re.findall(r"^Errors: (\d+)$", out, re.MULTILINE)[-1])


def look(cell) -> tuple:
    font, fill = cell.font, cell.fill
    return (font.name, font.sz, font.b, font.i, font.color.rgb if font.color is not None else None,
            fill.fill_type, fill.fgColor.rgb, cell.number_format, cell.border.left.style)


def read_vba(path: Path) -> dict[str, str]:
    parser = VBA_Parser(str(path), relaxed=False)
    try:
        return {vba_name.rsplit(".", 1)[0]: code for _, _, vba_name, code in parser.extract_macros()}
    finally:
        parser.close()


def sheet_code_names(path: Path) -> list[str]:
    """The code names of the workbook's worksheets, in sheet order (openpyxl reads sheetPr codeName)."""
    book = openpyxl.load_workbook(path, keep_vba=False)
    return [sheet.sheet_properties.codeName for sheet in book.worksheets]


# ---------------------------------------------------------------------------------------------- the checks

def test_their_parts_outside_the_edited_ones_are_byte_identical(grafted):
    _, theirs, result = grafted
    before, after = raw_entries(theirs.read_bytes()), raw_entries(result.read_bytes())
    assert list(after)[:len(before)] == list(before)  # their entries first, in their order
    assert edited_parts(theirs.read_bytes()) <= set(EDITED_PARTS)
    allowed = set(EDITED_PARTS) | code_name_parts(theirs.read_bytes())
    for name, entry in before.items():
        if name not in allowed:
            assert after[name] == entry, name


def test_a_sheet_without_code_name_gains_only_that_attribute(grafted):
    kind, theirs, result = grafted
    missing = code_name_parts(theirs.read_bytes())
    assert missing, "every foreign book here has at least one sheet without a code name"
    with zipfile.ZipFile(theirs) as old, zipfile.ZipFile(result) as new:
        for part in missing:
            before, after = old.read(part), new.read(part)
            names = re.findall(rb' codeName="(\w+)"', after)
            assert len(names) == 1
            stripped = after.replace(b' codeName="' + names[0] + b'"', b"", 1)
            if b"<sheetPr" not in before:
                stripped = re.sub(rb"<(?:x:)?sheetPr/>", b"", stripped, count=1)
            assert stripped == before, part


def test_openxml_audit_finds_no_errors_but_those_their_file_had(grafted):
    kind, theirs, result = grafted
    assert audit_errors(result) == audit_errors(theirs) == THEIR_ERRORS.get(kind, 0)


def test_their_cells_and_styles_are_as_before_and_ours_as_in_our_package(grafted, ours, tmp_path):
    kind, theirs, result = grafted
    old, new = CalamineWorkbook.from_path(str(theirs)), CalamineWorkbook.from_path(str(result))
    for name in old.sheet_names:
        assert new.get_sheet_by_name(name).to_python() == old.get_sheet_by_name(name).to_python(), name
    assert new.sheet_names[:len(old.sheet_names)] == old.sheet_names
    sheet, cells = STYLED[kind]
    before, after = openpyxl.load_workbook(theirs), openpyxl.load_workbook(result)
    for ref in cells:
        assert look(after[sheet][ref]) == look(before[sheet][ref]), (sheet, ref)
    (tmp_path / "ours.xlsm").write_bytes(ours)
    template = openpyxl.load_workbook(tmp_path / "ours.xlsm")
    for name, ref in (("About", "B1"), ("About", "B2"), ("Analysis", "A1"), ("Matrix", "A4"), ("Settings", "B9"),
                      ("Customers", "A1"), ("Win-back", "A4"), ("Dossier", "B4")):
        assert look(after[name][ref]) == look(template[name][ref]), (name, ref)
    ours_read = CalamineWorkbook.from_path(str(tmp_path / "ours.xlsm"))
    for name in ours_read.sheet_names:  # shared strings and numbers of ours as they were
        assert new.get_sheet_by_name(name).to_python() == ours_read.get_sheet_by_name(name).to_python(), name
    for name in ("Analysis", "Win-back"):  # conditional formats keep their differential formats
        ours_rules = [(r.type, look_dxf(r.dxf)) for rng in template[name].conditional_formatting for r in rng.rules]
        their_rules = [(r.type, look_dxf(r.dxf)) for rng in after[name].conditional_formatting for r in rng.rules]
        assert their_rules == ours_rules and ours_rules


def look_dxf(dxf) -> tuple:
    if dxf is None:
        return ()
    return (dxf.font.color.rgb if dxf.font is not None and dxf.font.color is not None else None,
            dxf.fill.bgColor.rgb if dxf.fill is not None else None)


def test_vba_project_has_a_document_module_per_sheet_and_reads_back(grafted):
    kind, theirs, result = grafted
    names = sheet_code_names(result)
    assert len(names) == len(set(names)) and all(names)
    expected = {m.name: m.source for m in project_modules(names, generate_udf_module(UDF_MODULE),
                                                          generate_function_help_module(UDF_MODULE))}
    assert read_vba(result) == expected
    with ExcelFile(result) as book:
        assert book.vba_modules() == expected
        assert book.validate() == []
    with zipfile.ZipFile(result) as package:
        types = package.read("[Content_Types].xml").decode()
        workbook = package.read("xl/workbook.xml").decode()
        root_rels = package.read("_rels/.rels").decode()
        assert package.read("customUI/customUI14.xml") == zipfile.ZipFile(io.BytesIO(workbook_bytes())).read(
            "customUI/customUI14.xml")
    assert 'ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"' in types
    assert re.search(r'<(?:x:)?workbookPr\b[^>]*codeName="ThisWorkbook"', workbook)
    assert "ui/extensibility" in root_rels


def test_two_grafts_of_the_same_books_are_byte_identical(ours):
    theirs = numbers_book()
    assert graft(theirs, ours, name="a.xlsx") == graft(theirs, ours, name="a.xlsx")


def test_a_chart_sheet_of_theirs_gets_no_document_module(ours, tmp_path):
    result = tmp_path / "sales-kam.xlsm"
    result.write_bytes(graft(xlsxwriter_book(), ours, name="sales.xlsx"))
    with zipfile.ZipFile(result) as package:
        assert b"codeName" not in package.read("xl/chartsheets/sheet1.xml")
    modules = read_vba(result)
    assert "Chart1" not in modules and len([m for m in modules if m.startswith("Sheet")]) == 2


def test_a_code_name_of_theirs_that_one_of_ours_has_moves_ours_aside(ours, tmp_path):
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.add_worksheet("Matrix data").set_vba_name("shtMatrix")
    book.close()
    path = tmp_path / "mine.xlsm"
    path.write_bytes(graft(buffer.getvalue(), ours, name="mine.xlsx"))
    names = sheet_code_names(path)
    assert names[0] == "shtMatrix" and names[1 + list(SHEETS).index("Matrix")] == "shtMatrix1"
    assert {"shtMatrix", "shtMatrix1"} <= set(read_vba(path))


def test_defined_names_are_appended_with_their_sheet_indices_moved(grafted, ours):
    kind, theirs, result = grafted
    with zipfile.ZipFile(theirs) as archive:
        their_sheets = len(re.findall(rb"<sheet ", archive.read("xl/workbook.xml")))
        their_names = re.findall(rb"<definedName\b.*?</definedName>", archive.read("xl/workbook.xml"))
    with zipfile.ZipFile(result) as archive:
        names = re.findall(rb"<definedName\b.*?</definedName>", archive.read("xl/workbook.xml"))
    assert names[:len(their_names)] == their_names
    book = openpyxl.load_workbook(result)
    dossier = book.sheetnames.index("Dossier")
    assert dossier >= their_sheets
    assert book["Dossier"].print_area == "'Dossier'!$A$1:$F$78"
    assert "kam_language" in book.defined_names


def test_their_selected_sheet_stays_the_only_selected_one_and_excel_calculates_on_open(grafted):
    _, theirs, result = grafted
    with zipfile.ZipFile(theirs) as old, zipfile.ZipFile(result) as new:
        added = [n for n in new.namelist() if n.startswith("xl/worksheets/sheet") and n not in old.namelist()]
        assert added and not any(b"tabSelected" in new.read(n) for n in added)
        assert re.search(rb'<(?:x:)?calcPr\b[^>]*fullCalcOnLoad="1"', new.read("xl/workbook.xml"))


def test_tables_get_new_ids_and_keep_their_names(grafted):
    _, _, result = grafted
    with zipfile.ZipFile(result) as archive:
        tables = [archive.read(n) for n in archive.namelist() if n.startswith("xl/tables/")]
    ids = [int(re.search(rb'<(?:x:)?table\b[^>]*?\sid="(\d+)"', t).group(1)) for t in tables]
    names = [re.search(rb'\sname="([^"]+)"', t).group(1) for t in tables]
    assert len(ids) == len(set(ids)) and len(names) == len(set(names))
    assert b"Winback" in names and b"Customers" in names


def test_libreoffice_opens_the_grafted_workbook(grafted, ci_fonts_env, tmp_path):
    require_tools("soffice", install="libreoffice-calc-nogui")
    result = grafted[2]
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(result)],
                   check=True, capture_output=True, timeout=180, env=ci_fonts_env)
    pdf = tmp_path / (result.stem + ".pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 10_000


# ---------------------------------------------------------------------------------------------- recalc

def test_kam_xl_recalc_of_a_graft_gives_the_analysis_of_key_accounts_with_the_same_data(tmp_path):
    data = demo.generate(40, seed=3)
    alone, together = tmp_path / "KeyAccounts.xlsm", tmp_path / "sales-kam.xlsm"
    alone.write_bytes(workbook_bytes(data))
    together.write_bytes(graft(xlsxwriter_book(), alone.read_bytes(), name="sales.xlsx"))
    assert main(["recalc", "--workers", "1", str(alone), str(together)]) == 0
    first, second = CalamineWorkbook.from_path(str(alone)), CalamineWorkbook.from_path(str(together))
    for sheet in ("Analysis", "Matrix", "Dossier"):
        assert second.get_sheet_by_name(sheet).to_python() == first.get_sheet_by_name(sheet).to_python(), sheet
    assert second.get_sheet_by_name("Sales").to_python()[1][9] == "K001"  # their dynamic array computes too
    assert audit_errors(together) == 0


# ---------------------------------------------------------------------------------------------- refusals

def test_a_workbook_with_a_vba_project_is_refused_with_what_to_do(ours):
    with_macros = graft(numbers_book(), ours, name="first.xlsx")
    with pytest.raises(PackageError, match=r"^again.xlsm: already holds a VBA project .*\.xlsx.*add-in"):
        graft(with_macros, ours, name="again.xlsm")


def renamed(data: bytes, old: bytes, new: bytes) -> bytes:
    """``data`` with ``old`` replaced by ``new`` in every part (zip rewritten)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info).replace(old, new))
    return out.getvalue()


@pytest.mark.parametrize("old, new, message", [
    (b'name="Notes"', b'name="settings"', r"its sheet 'settings' has the name of a kam_xl sheet"),
    (b'name="Targets" displayName="Targets"', b'name="Customers" displayName="Customers"',
     r"its table 'Customers' has the name of a kam_xl table"),
    (b'name="Goal"', b'name="KAM_LANGUAGE"', r"its defined name 'KAM_LANGUAGE' has the name of a kam_xl defined name"),
])
def test_a_name_of_theirs_that_is_one_of_ours_is_refused_and_named(ours, old, new, message):
    theirs = renamed(xlsxwriter_book(), old, new)
    with pytest.raises(PackageError, match="^sales.xlsx: " + message):
        graft(theirs, ours, name="sales.xlsx")


def test_a_1904_workbook_is_refused(ours):
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "date_1904": True})
    book.add_worksheet("Mac").write_number(0, 0, 1)
    book.close()
    with pytest.raises(PackageError, match=r"^mac.xlsx: uses the 1904 date system"):
        graft(buffer.getvalue(), ours, name="mac.xlsx")


def test_a_workbook_with_a_ribbon_of_its_own_is_refused(ours):
    theirs = add_ribbon(numbers_book(), CUSTOM_UI.read_bytes())
    with pytest.raises(PackageError, match=r"^ribbon.xlsx: already carries a ribbon customisation"):
        graft(theirs, ours, name="ribbon.xlsx")


def test_a_strict_open_xml_workbook_is_refused(ours):
    theirs = renamed(numbers_book(), MAIN.encode(), b"http://purl.oclc.org/ooxml/spreadsheetml/main")
    with pytest.raises(PackageError, match=r"^strict.xlsx: is saved as Strict Open XML"):
        graft(theirs, ours, name="strict.xlsx")
