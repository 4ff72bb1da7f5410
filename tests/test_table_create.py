"""--make-tables: plain ranges become Excel tables, and nothing else of the workbook changes.

Checked on workbooks XlsxWriter and openpyxl wrote: openxml-audit finds no error, LibreOffice opens the file and
keeps the tables, python-calamine reads the same cells, and each sheet part equals the original once the added
``<tableParts>`` element (or ``<tablePart>``) is taken out; every other part but the relationships and content
types is byte-identical.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
import python_calamine as pc

import install_books as books
from kam_xl.package.table_create import TableCreateError, make_tables, table_name, with_table_part

AUDIT = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "openxml-audit"
if not AUDIT.exists():  # a worktree without its own venv
    AUDIT = Path("/work/main/.venv/bin/openxml-audit")


def parts(path_or_bytes) -> dict[str, bytes]:
    if isinstance(path_or_bytes, bytes):
        path_or_bytes = io.BytesIO(path_or_bytes)
    with zipfile.ZipFile(path_or_bytes) as archive:
        return {n: archive.read(n) for n in archive.namelist()}


def cells(path: Path) -> dict[str, list]:
    with pc.CalamineWorkbook.from_path(str(path)) as book:
        return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def audit_errors(path: Path) -> int:
    out = subprocess.run([str(AUDIT), str(path)], capture_output=True, text=True, timeout=120, check=False).stdout
    return int(re.findall(r"^Errors: (\d+)$", out, re.MULTILINE)[-1])


def without_added(xml: bytes) -> bytes:
    """The sheet part without the tableParts element install added (or, in an existing one, the tablePart and
    the count it raised)."""
    alone = re.sub(rb'<tableParts count="1"><tablePart(?: xmlns:r="[^"]+")? r:id="rId\d+"/></tableParts>', b"", xml)
    if alone != xml:
        return alone
    grown = re.sub(rb'<tablePart r:id="rId\d+"/></tableParts>', b"</tableParts>", xml)
    return re.sub(rb'<tableParts count="(\d+)">', lambda m: b'<tableParts count="%d">' % (int(m.group(1)) - 1), grown)


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    folder = tmp_path_factory.mktemp("make-tables")
    source = books.range_for_tables(folder / "source.xlsx")
    data, tables = make_tables(source.read_bytes(), [("Umsätze 2024", "A3:C9"), ("Liste", "A6:B7")],
                               reserved={"Transactions"})
    target = folder / "tables.xlsx"
    target.write_bytes(data)
    return source, target, tables


def test_the_ranges_become_tables_named_after_their_sheets(made):
    source, target, tables = made
    assert [(t.sheet, t.name, t.ref, t.part) for t in tables] == [
        ("Umsätze 2024", "Umsaetze_2024", "A3:C9", "xl/tables/table2.xml"),
        ("Liste", "Liste", "A6:B7", "xl/tables/table3.xml")]
    book = openpyxl.load_workbook(target)
    assert dict(book["Umsätze 2024"].tables.items()) == {"Umsaetze_2024": "A3:C9"}
    assert dict(book["Liste"].tables.items()) == {"Codes": "A1:B3", "Liste": "A6:B7"}
    assert [c.name for c in book["Umsätze 2024"].tables["Umsaetze_2024"].tableColumns] == \
        ["Belegdatum", "Kundennr.", "Umsatz"]
    ids = sorted(int(re.search(rb' id="(\d+)"', xml).group(1)) for name, xml in parts(target).items()
                 if name.startswith("xl/tables/"))
    assert ids == [1, 2, 3]


def test_only_the_added_elements_change(made):
    source, target, _ = made
    before, after = parts(source), parts(target)
    assert set(after) - set(before) == {"xl/tables/table2.xml", "xl/tables/table3.xml",
                                        "xl/worksheets/_rels/sheet1.xml.rels"}
    changed = {n for n in before if before[n] != after[n]}
    assert changed == {"xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/worksheets/_rels/sheet2.xml.rels",
                       "[Content_Types].xml"}
    for sheet in ("xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"):
        assert without_added(after[sheet]) == before[sheet]
    # the schema puts tableParts after the conditional formats, validations and page setup, before extLst
    assert re.search(rb"</dataValidations><pageMargins [^>]+/><tableParts ", after["xl/worksheets/sheet1.xml"])
    overrides = re.findall(rb'<Override PartName="([^"]+)" ContentType="[^"]+table\+xml"/>',
                           after["[Content_Types].xml"])
    assert overrides == [b"/xl/tables/table1.xml", b"/xl/tables/table2.xml", b"/xl/tables/table3.xml"]
    assert after["[Content_Types].xml"].startswith(before["[Content_Types].xml"][:-len(b"</Types>")])


def test_openxml_audit_finds_no_errors(made):
    source, target, _ = made
    assert audit_errors(source) == 0
    assert audit_errors(target) == 0


def test_calamine_reads_the_same_cells(made):
    source, target, _ = made
    assert cells(target) == cells(source)


def test_libreoffice_opens_the_file_and_keeps_the_tables(made, tmp_path):
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    _, target, _ = made
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", "xlsx", "--outdir", str(tmp_path / "lo"), str(target)],
                   check=True, capture_output=True, timeout=180)
    book = openpyxl.load_workbook(tmp_path / "lo" / target.name)
    assert dict(book["Umsätze 2024"].tables.items()) == {"Umsaetze_2024": "A3:C9"}
    assert dict(book["Liste"].tables.items()) == {"Codes": "A1:B3", "Liste": "A6:B7"}
    assert [c.value for c in book["Umsätze 2024"]["B"][3:9]] == books.IDS


def test_an_openpyxl_sheet_without_relationships_and_a_header_without_rows(tmp_path):
    path = books.german_range(tmp_path / "de.xlsx")
    book = openpyxl.load_workbook(path)
    book["Kunden"].delete_rows(2, 10)
    book.save(path)
    before = parts(path)
    data, tables = make_tables(path.read_bytes(), [("Kunden", "A1:C1")])
    assert [(t.name, t.ref) for t in tables] == [("Kunden", "A1:C2")]  # a table holds at least one body row
    after = parts(data)
    assert without_added(after["xl/worksheets/sheet2.xml"]) == before["xl/worksheets/sheet2.xml"]
    assert after["xl/worksheets/_rels/sheet2.xml.rels"].count(b"<Relationship ") == 1
    assert {n for n in before if before[n] != after[n]} == {"xl/worksheets/sheet2.xml", "[Content_Types].xml"}
    (tmp_path / "t.xlsx").write_bytes(data)
    assert dict(openpyxl.load_workbook(tmp_path / "t.xlsx")["Kunden"].tables.items()) == {"Kunden": "A1:C2"}


def test_table_names():
    assert table_name("Umsätze 2024", set()) == "Umsaetze_2024"
    assert table_name("2024", set()) == "T_2024"
    assert table_name("AB12", set()) == "AB12_data"  # not a cell reference
    assert table_name("R1C1", set()) == "R1C1_data"
    assert table_name("Sales", {"sales", "Sales_2"}) == "Sales_3"
    assert table_name("Q1 (net) - EUR", set()) == "Q1__net____EUR"


@pytest.mark.parametrize("edit, message", [
    (lambda s: s.__setitem__("B4", None), "sheet Umsätze, cell B4: the header cell is empty"),
    (lambda s: s.__setitem__("B4", 2024), "sheet Umsätze, cell B4: the header 2024 is not one line of text"),
    (lambda s: s.__setitem__("B4", "belegdatum"), 'sheet Umsätze, cell B4: the header "belegdatum" is also in A4'),
    (lambda s: setattr(s.auto_filter, "ref", "A4:E10"),
     "sheet Umsätze has a filter (AutoFilter)"),
    (lambda s: s.merge_cells("E9:F10"), "sheet Umsätze: the merged cells E9:F10 lie in the range"),
])
def test_ranges_a_table_cannot_cover_are_refused(tmp_path, edit, message):
    path = books.german_range(tmp_path / "de.xlsx")
    book = openpyxl.load_workbook(path)
    edit(book["Umsätze"])
    book.save(path)
    with pytest.raises(TableCreateError) as caught:
        make_tables(path.read_bytes(), [("Umsätze", "A4:E10")])
    assert str(caught.value).startswith(message)


def test_table_parts_go_before_ext_lst_and_keep_a_prefixed_root():
    xml = (b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
           b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><x:sheetData/>'
           b'<x:pageMargins/><x:extLst><x:ext uri="{1}"><x:extLst/></x:ext></x:extLst></x:worksheet>')
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    assert with_table_part(xml, "rId4", rel) == xml.replace(
        b"<x:extLst><x:ext", b'<x:tableParts count="1"><x:tablePart r:id="rId4"/></x:tableParts><x:extLst><x:ext')


def test_table_names_are_ascii():
    assert table_name("Übersicht Größe", set()) == "Uebersicht_Groesse"
    assert table_name("Café", set()) == "Cafe"
    assert table_name("Продажи", {"Table"}) == "Table_2"
