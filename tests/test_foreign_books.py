"""The foreign workbooks of the install tests, and the checks those tests use, checked themselves.

Each of the five books opens in python-calamine and openpyxl, holds exactly its transaction list where its
record says, gives kam_xl's analysis A/B/C classes, lost customers and a win-back list, has only its maker's
own openxml-audit errors, and renders in LibreOffice to the same pixels twice. The checks catch what they
are for: a changed part, a foreign sheet that gained more than a code name, a changed pixel.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

import foreign_books
import foreign_checks
from foreign_books import BUILDERS
from foreign_checks import (PixelReport, assert_parts_kept, assert_theirs_kept, audit_errors, changed_parts, entries_kept,
                            new_audit_errors, only_code_name_added, png_pixels, render_sheets, rendered_errors,
                            same_pixels)
from kam_xl import a1, cli
from kam_xl.core.analysis import analyze
from kam_xl.core.settings import Settings
from kam_xl.sheets.winback import COLUMNS, winback_table

ROOT = Path(__file__).resolve().parents[1]
NAMES = list(BUILDERS)
#: The makers' own openxml-audit errors (present before kam_xl touches anything).
MAKER_ERRORS = {
    "xlsxwriter": [],
    "openpyxl": ["/xl/styles.xml /styleSheet[1]/fonts[1]/font[1]: Unexpected element 'color' found"],
    "libreoffice": ["/xl/workbook.xml : A required relationship type "
                    "'http://schemas.openxmlformats.org/officeDocument/2006/relationships/theme' is missing."],
    "german": [],
    "export": [],
}


def _sheet_rows(path: Path, sheet: str) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def _block(rows: list[list], ref: str) -> list[list]:
    """The cells of ``ref`` (header row first)."""
    first, last = ref.split(":")
    (row0, col0), (row1, col1) = a1.parse(first), a1.parse(last)
    return [row[col0 - 1:col1] for row in rows[row0 - 1:row1]]


def _as_canonical(block: list[list], columns: dict[str, str]) -> pd.DataFrame:
    header, body = block[0], block[1:]
    frame = pd.DataFrame(body, columns=header)
    return foreign_books.canonical(pd.DataFrame({name: frame[columns[name]] for name in foreign_books.CANONICAL}))


# ------------------------------------------------------------------------------------------------ the books

@pytest.mark.parametrize("name", NAMES)
def test_calamine_reads_exactly_the_recorded_transactions(foreign, name):
    book = foreign[name]
    rows = _sheet_rows(book.path, book.transactions_sheet)
    block = _block(rows, book.transactions_ref)
    assert set(book.columns.values()) <= set(block[0])
    pd.testing.assert_frame_equal(_as_canonical(block, book.columns), book.frame)
    assert len(rows) == a1.parse(book.transactions_ref.split(":")[1])[0], "rows below the recorded range"


@pytest.mark.parametrize("name", NAMES)
def test_openpyxl_opens_every_book_with_its_sheets_and_tables(foreign, name):
    book = foreign[name]
    workbook = openpyxl.load_workbook(book.path)
    assert tuple(workbook.sheetnames) == book.sheets
    tables = {t for ws in workbook.worksheets for t in ws.tables}
    assert tables == set(book.tables)
    if book.is_table:
        sheet = workbook[book.transactions_sheet]
        assert sheet.tables[book.transactions].ref == book.transactions_ref
    else:
        assert book.transactions not in tables


def test_the_books_have_what_their_makers_put_in(foreign):
    with zipfile.ZipFile(foreign["xlsxwriter"].path) as package:
        names = package.namelist()
        workbook = package.read("xl/workbook.xml").decode()
    assert {"xl/charts/chart1.xml", "xl/media/image1.png", "xl/comments1.xml", "xl/tables/table1.xml",
            "docProps/custom.xml", "customXml/item1.xml", "customXml/itemProps1.xml"} <= set(names)
    assert any(n.startswith("xl/drawings/vmlDrawing") for n in names)
    assert 'name="TotalRevenue"' in workbook and 'name="MonthList" localSheetId="1"' in workbook

    workbook = openpyxl.load_workbook(foreign["openpyxl"].path)
    invoices = workbook["Invoices"]
    assert invoices.data_validations.dataValidation[0].formula1 == "PaidChoices"
    assert workbook["Lists"].sheet_state == "hidden"
    assert foreign["openpyxl"].visible_sheets == ("Invoices", "Overview")
    assert invoices.conditional_formatting and invoices.freeze_panes == "A2"
    assert workbook["Overview"]["B4"].value == "=SUM(tblInvoices[Net Amount])"

    german = openpyxl.load_workbook(foreign["german"].path)["Umsätze"]
    assert [c.value for c in german[4]] == ["Kundennr.", "Belegdatum", "Belegnr.", "Umsatz", "Deckungsbeitrag",
                                            "Vertreter"]
    assert german["B5"].number_format == "dd.mm.yyyy" and german["D5"].number_format == "#,##0.00"
    assert german["B5"].is_date and german.auto_filter.ref == foreign["german"].transactions_ref
    with zipfile.ZipFile(foreign["german"].path) as package:
        names = package.read("xl/workbook.xml").decode()
    assert all(f'name="_xlnm.{name}"' in names for name in ("_FilterDatabase", "Print_Titles", "Print_Area"))

    with zipfile.ZipFile(foreign["export"].path) as package:
        assert not [n for n in package.namelist() if "vba" in n.lower() or "customUI" in n]
        assert b"macroEnabled" not in package.read("[Content_Types].xml")


def test_libreoffice_wrote_a_real_pivot_table_and_its_cache(foreign):
    with zipfile.ZipFile(foreign["libreoffice"].path) as package:
        names = set(package.namelist())
        workbook = package.read("xl/workbook.xml")
        pivot = package.read("xl/pivotTables/pivotTable1.xml")
        cache = package.read("xl/pivotCache/pivotCacheDefinition1.xml")
        types = package.read("[Content_Types].xml")
    assert {"xl/pivotCache/pivotCacheDefinition1.xml", "xl/pivotCache/pivotCacheRecords1.xml",
            "xl/pivotTables/pivotTable1.xml", "xl/pivotTables/_rels/pivotTable1.xml.rels"} <= names
    assert b"<pivotCaches>" in workbook and b'appName="Calc"' in workbook
    assert b'name="RevenuePerCustomer"' in pivot and b"Client ID" in cache and b"pivotTable+xml" in types


def test_libreoffice_wrote_the_link_to_the_plan_workbook(foreign):
    book = foreign["libreoffice"]
    with zipfile.ZipFile(book.path) as package:
        link = package.read("xl/externalLinks/externalLink1.xml")
        rels = package.read("xl/externalLinks/_rels/externalLink1.xml.rels")
        workbook = package.read("xl/workbook.xml")
    assert b"<externalReferences>" in workbook and b"<v>2500000</v>" in link
    assert b'Target="budget-plan.xlsx" TargetMode="External"' in rels and book.linked == ("budget-plan.xlsx",)
    cell = openpyxl.load_workbook(book.path)["Pivot"]["H3"].value
    assert cell.startswith("=[1]Plan!") and cell.endswith("B$2"), cell


@pytest.mark.parametrize("name", NAMES)
def test_the_data_gives_classes_lost_customers_and_a_winback_list(foreign, name):
    book = foreign[name]
    inputs = book.inputs
    analysis = analyze(inputs["transactions"], inputs.get("customers"), inputs.get("complaints"), Settings())
    assert set(analysis["abc"]) >= {"A", "B", "C"}
    assert (analysis["churn"] == "lost").sum() >= 3
    assert len(analysis) >= 30 and 900 <= len(book.frame) <= 3000
    months = book.frame["date"].dt.to_period("M")
    assert (months.max() - months.min()).n >= 18
    winback = winback_table(analysis, inputs["transactions"], inputs.get("customers"), inputs.get("complaints"),
                            Settings(), pd.DataFrame(columns=COLUMNS))
    assert len(winback) >= 2


@pytest.mark.parametrize("name", NAMES)
def test_kam_xl_analyze_on_their_transactions_equals_the_analysis_of_the_record(foreign, name, tmp_path):
    """`kam-xl analyze BOOK --sheet TABLE|SHEET` with the recorded columns (the headless figures install's
    refresh must match) reads the recorded transactions: same customers, revenue, classes, key accounts and
    churn flags as the core on ``book.frame``. The columns are named: by its aliases alone analyze would take
    the XlsxWriter book's "Margin %" (a percentage) for the margin."""
    book = foreign[name]
    out = tmp_path / "analysis.json"
    options = {"customer_id": "--customer-col", "date": "--date-col", "amount": "--amount-col",
               "margin": "--margin-col"}
    columns = [f"{option}={book.columns[role]}" for role, option in options.items()]
    assert cli.main(["analyze", str(book.path), "--sheet", book.transactions, *columns, "--format", "json",
                     "--out", str(out)]) == 0
    got = pd.read_json(out, dtype={"customer_id": str})
    expected = analyze(book.frame, None, None, Settings())
    assert got["customer_id"].tolist() == expected["customer_id"].tolist()
    np.testing.assert_allclose(got["revenue"], expected["revenue"], rtol=1e-12)
    for column in ("abc", "xyz", "key_account", "churn"):
        assert got[column].tolist() == expected[column].tolist(), column


@pytest.mark.parametrize("name", ["xlsxwriter", "openpyxl", "german", "export"])
def test_builders_are_byte_for_byte_reproducible(foreign, name, tmp_path):
    again = BUILDERS[name](tmp_path)
    assert again.path.read_bytes() == foreign[name].path.read_bytes()
    pd.testing.assert_frame_equal(again.frame, foreign[name].frame)


def test_a_copy_is_the_same_book_elsewhere(foreign, tmp_path):
    copy = foreign["german"].copy_to(tmp_path / "mine")
    assert copy.path == tmp_path / "mine" / "umsaetze-de.xlsx"
    assert copy.path.read_bytes() == foreign["german"].path.read_bytes()
    assert copy.columns == foreign["german"].columns and copy.frame is foreign["german"].frame
    linked = foreign["libreoffice"].copy_to(tmp_path / "linked")
    assert sorted(p.name for p in linked.path.parent.iterdir()) == ["budget-plan.xlsx", "libreoffice-pivot.xlsx"]


def test_libreoffice_builds_the_same_content_twice_but_for_its_save_date(foreign, tmp_path, ci_fonts_env):
    again = foreign_books.libreoffice_book(tmp_path, ci_fonts_env)
    assert changed_parts(foreign["libreoffice"].path, again.path) == {
        "added": [], "removed": [], "changed": ["docProps/core.xml"]}


@pytest.mark.parametrize("name", NAMES)
def test_openxml_audit_finds_only_the_makers_own_errors(foreign, name):
    assert audit_errors(foreign[name].path) == MAKER_ERRORS[name]


# ------------------------------------------------------------------------------------------------ rendering

@pytest.mark.parametrize("name", NAMES)
def test_rendering_a_book_twice_gives_the_same_pixels(foreign, name, tmp_path, ci_fonts_env):
    book = foreign[name]
    before = book.path.read_bytes()
    first = render_sheets(book.path, book.visible_sheets, tmp_path / "first", ci_fonts_env)
    second = render_sheets(book.path, book.visible_sheets, tmp_path / "second", ci_fonts_env)
    assert first and all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in first)
    report = same_pixels(first, second)
    assert report, str(report)
    assert book.path.read_bytes() == before, "rendering changed the file"


def test_render_prints_the_named_sheets_only(foreign, tmp_path, ci_fonts_env):
    book = foreign["xlsxwriter"]
    pages = render_sheets(book.path, ["Summary"], tmp_path, ci_fonts_env)
    assert len(pages) == 1
    text = subprocess.run(["pdftotext", str(tmp_path / (book.path.stem + ".pdf")), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "Sales summary" in text and "Revenue per month" in text
    assert book.frame["customer_id"].iloc[0] not in text  # nothing of the Sales sheet
    every = render_sheets(book.path, book.sheets, tmp_path / "all", ci_fonts_env)
    assert len(every) > 10 and same_pixels(pages, every[-1:])  # Summary is the last sheet


def test_render_names_a_missing_sheet(foreign, tmp_path, ci_fonts_env):
    with pytest.raises(RuntimeError, match="no sheet named Nope"):
        render_sheets(foreign["german"].path, ["Kunden", "Nope"], tmp_path, ci_fonts_env)


def test_same_pixels_reports_where_pages_differ(foreign, tmp_path, ci_fonts_env):
    book = foreign["german"]
    changed = tmp_path / "changed" / book.path.name
    changed.parent.mkdir()
    with zipfile.ZipFile(book.path) as old, zipfile.ZipFile(changed, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename == "xl/sharedStrings.xml":
                data = data.replace("Vertrieb Süd".encode(), "Vertrieb Nord".encode())
            new.writestr(info, data)
    original = render_sheets(book.path, ["Umsätze"], tmp_path / "a", ci_fonts_env)
    edited = render_sheets(changed, ["Umsätze"], tmp_path / "b", ci_fonts_env)
    report = same_pixels(original, edited)
    assert not report
    assert len(report.differences) == 1 and report.differences[0].startswith("page 1: ")
    assert not same_pixels(original, original[:-1]) and "pages against" in str(same_pixels(original, original[:1]))


def test_png_decoder_agrees_with_pdftoppm_raw_pixels(foreign, tmp_path, ci_fonts_env):
    """Every PNG filter pdftoppm uses decodes to the pixels of its own uncompressed PPM output."""
    pages = render_sheets(foreign["xlsxwriter"].path, ["Summary"], tmp_path, ci_fonts_env)
    pdf = tmp_path / (foreign["xlsxwriter"].path.stem + ".pdf")
    subprocess.run(["pdftoppm", "-r", "50", "-singlefile", str(pdf), str(tmp_path / "raw")], check=True)
    ppm = (tmp_path / "raw.ppm").read_bytes()
    magic, width, height, maxval, pixels = ppm.split(maxsplit=4)
    assert magic == b"P6" and maxval == b"255"
    expected = np.frombuffer(pixels, np.uint8).reshape(int(height), int(width), 3)
    assert np.array_equal(png_pixels(pages[0]), expected)
    logo = png_pixels_of(foreign_books.tiny_png(), tmp_path)
    assert logo.shape == (48, 48, 3) and tuple(logo[24, 24]) == (237, 125, 49) and tuple(logo[0, 0]) == (255,) * 3


def png_pixels_of(data: bytes, folder: Path) -> np.ndarray:
    path = folder / "logo.png"
    path.write_bytes(data)
    return png_pixels(path)


# ------------------------------------------------------------------------------------------------ parts, audit

def _rewrite(source: Path, target: Path, edits: dict) -> Path:
    """A copy of ``source`` with some parts replaced (callable: old bytes -> new bytes) or added (bytes)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info)
            edit = edits.get(info.filename)
            new.writestr(info, edit(data) if callable(edit) else data)
        for name, data in edits.items():
            if not callable(data):
                new.writestr(name, data)
    return target


def test_changed_parts_and_parts_kept(foreign, tmp_path):
    source = foreign["german"].path
    after = _rewrite(source, tmp_path / "after.xlsx", {
        "xl/workbook.xml": lambda x: x.replace(b"</definedNames>",
                                               b'<definedName name="kam_version">"1"</definedName></definedNames>'),
        "xl/worksheets/sheet2.xml": lambda x: x.replace(b"<dimension", b'<sheetPr codeName="Tabelle2"/><dimension'),
        "xl/kam.bin": b"ours",
    })
    assert changed_parts(source, after) == {"added": ["xl/kam.bin"], "removed": [],
                                            "changed": ["xl/worksheets/sheet2.xml", "xl/workbook.xml"]}
    assert_parts_kept(source, after)
    with pytest.raises(AssertionError, match=r"sheet2\.xml"):
        assert_parts_kept(source, after, code_name_sheets=False)

    touched = _rewrite(source, tmp_path / "touched.xlsx", {
        "xl/worksheets/sheet1.xml": lambda x: x.replace(b"Vertrieb", b"Vertrieb"),  # same bytes
        "xl/theme/theme1.xml": lambda x: x + b" "})
    with pytest.raises(AssertionError, match=r"parts of theirs changed: \['xl/theme/theme1.xml'\]"):
        assert_parts_kept(source, touched)
    assert_parts_kept(source, touched, allowed={"xl/theme/*"})
    gone = tmp_path / "gone.xlsx"
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(gone, "w") as new:
        for info in old.infolist():
            if info.filename != "docProps/app.xml":
                new.writestr(info, old.read(info))
    with pytest.raises(AssertionError, match="removed.*docProps/app.xml"):
        assert_parts_kept(source, gone)


def test_only_code_name_added():
    plain = b'<worksheet xmlns="m"><dimension ref="A1"/><sheetData/></worksheet>'
    assert only_code_name_added(plain, plain.replace(b"<dimension", b'<sheetPr codeName="Sheet1"/><dimension'))
    assert only_code_name_added(plain, plain.replace(b"<dimension", b'<sheetPr codeName="S"></sheetPr><dimension'))
    assert not only_code_name_added(plain, plain.replace(b"<dimension", b'<sheetPr codeName="S"><tabColor '
                                                                        b'rgb="FF00FF00"/></sheetPr><dimension'))
    with_pr = b'<worksheet><sheetPr filterMode="false"><pageSetUpPr fitToPage="1"/></sheetPr><sheetData/></worksheet>'
    assert only_code_name_added(with_pr, with_pr.replace(b'filterMode="false"', b'filterMode="false" codeName="X"'))
    assert not only_code_name_added(with_pr, with_pr.replace(b'filterMode="false"', b'filterMode="true" codeName="X"'))
    named = with_pr.replace(b'filterMode="false"', b'codeName="Old"')
    assert not only_code_name_added(named, named.replace(b"Old", b"New"))
    assert not only_code_name_added(plain, plain)


def test_new_audit_errors_leaves_the_makers_own_out(foreign, tmp_path):
    source = foreign["openpyxl"].path
    same = shutil.copy(source, tmp_path / "copy.xlsx")
    assert new_audit_errors(source, same) == []
    broken = _rewrite(source, tmp_path / "broken.xlsx", {
        "xl/_rels/workbook.xml.rels": lambda x: x.replace(
            b"</Relationships>", b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/'
                                 b'officeDocument/2006/relationships/worksheet" Target="worksheets/nope.xml"/>'
                                 b"</Relationships>")})
    added = new_audit_errors(source, broken)
    assert added and all("styles.xml" not in line for line in added)
    assert len(audit_errors(broken)) == len(added) + 1


def test_pixel_report_reads_as_a_sentence():
    assert str(PixelReport(3, 3)) == "same pixels on all 3 pages"
    assert str(PixelReport(2, 3)) == "2 pages against 3"


# ------------------------------------------------------------------------------------------------ a sheet added

EXTRA_SHEET = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
               b'<row r="1"><c r="A1" t="inlineStr"><is><t>Our sheet</t></is></c></row>'
               b'<row r="2"><c r="A2" t="e"><f>1/0</f><v>#DIV/0!</v></c></row></sheetData></worksheet>')


def with_extra_sheet(source: Path, target: Path) -> Path:
    """``source`` plus a sheet "Extra" at the end and the VBA project of KeyAccounts.xlsm, made macro-enabled by
    the smallest edit of the shared parts (what install does at a larger scale): the new parts, their content
    types, their relationships, the sheet's entry in xl/workbook.xml and the workbook's code name."""
    with zipfile.ZipFile(source) as package:
        workbook = package.read("xl/workbook.xml")
    with zipfile.ZipFile(ROOT / "workbook" / "KeyAccounts.xlsm") as ours:
        vba = ours.read("xl/vbaProject.bin")
    ids = [int(i) for i in re.findall(rb'sheetId="(\d+)"', workbook)]
    relationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    return _rewrite(source, target, {
        "[Content_Types].xml": lambda x: x.replace(
            b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            foreign_checks.MACRO_WORKBOOK.encode()).replace(
            b"</Types>", b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
                         b'<Override PartName="/xl/worksheets/extra.xml" ContentType="application/vnd.'
                         b'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'),
        "xl/_rels/workbook.xml.rels": lambda x: x.replace(
            b"</Relationships>", f'<Relationship Id="rIdKam1" Type="{relationships}/worksheet" '
                                 f'Target="worksheets/extra.xml"/><Relationship Id="rIdKam2" Type="http://'
                                 f'schemas.microsoft.com/office/2006/relationships/vbaProject" '
                                 f'Target="vbaProject.bin"/></Relationships>'.encode()),
        "xl/workbook.xml": lambda x: re.sub(rb"<workbookPr\b", b'<workbookPr codeName="ThisWorkbook"', x).replace(
            b"</sheets>", b'<sheet name="Extra" sheetId="%d" r:id="rIdKam1"/></sheets>' % (max(ids) + 1)),
        "xl/worksheets/extra.xml": EXTRA_SHEET,
        "xl/vbaProject.bin": vba,
    })


@pytest.mark.parametrize("name", ["libreoffice", "german"])
def test_a_sheet_added_after_theirs_leaves_their_render_as_it_was(foreign, name, tmp_path, ci_fonts_env):
    """The method the install tests rely on: their sheets alone render the same with other sheets and a VBA
    project beside them (LibreOffice's own header and "Page N" footer included), and the added sheet renders
    on its own (the German Kunden sheet has a print area, which LibreOffice prints even on a hidden sheet
    unless the render clears it)."""
    book = foreign[name]
    after = with_extra_sheet(book.path, tmp_path / (book.path.stem + ".xlsm"))
    report = assert_theirs_kept(book.path, after, book.visible_sheets, tmp_path, ci_fonts_env)
    assert sorted(report["changed"]) == ["[Content_Types].xml", "xl/_rels/workbook.xml.rels", "xl/workbook.xml"]
    assert report["added"] == ["xl/worksheets/extra.xml", "xl/vbaProject.bin"]
    ours = render_sheets(after, ["Extra"], tmp_path / "ours", ci_fonts_env)
    assert len(ours) == 1
    assert rendered_errors(tmp_path / "ours" / (book.path.stem + ".pdf")) == ["page 1: #DIV/0!"]
    assert rendered_errors(tmp_path / "after" / (book.path.stem + ".pdf")) == []


def test_entries_kept_sees_what_was_lost_or_moved(foreign, tmp_path):
    source = foreign["xlsxwriter"].path
    grown = _rewrite(source, tmp_path / "grown.xlsm", {
        "xl/styles.xml": lambda x: x.replace(b"</fonts>", b'<font><b/><sz val="9"/><name val="Arial"/></font></fonts>')
                                    .replace(b'<fonts count="4">', b'<fonts count="5">'),
        "xl/workbook.xml": lambda x: x.replace(b"<definedName name=\"TotalRevenue\"",
                                               b'<definedName name="kam_version">"0.1"</definedName>'
                                               b'<definedName name="TotalRevenue"'),
        "[Content_Types].xml": lambda x: x.replace(
            b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            foreign_checks.MACRO_WORKBOOK.encode()),
    })
    assert entries_kept(source, grown) == []
    moved = _rewrite(source, tmp_path / "moved.xlsx", {
        "xl/styles.xml": lambda x: x.replace(b"<fonts count=\"4\">",
                                             b'<fonts count="5"><font><sz val="9"/><name val="Arial"/></font>'),
        "xl/_rels/workbook.xml.rels": lambda x: re.sub(rb'<Relationship Id="rId2"[^>]*/>', b"", x),
        "xl/workbook.xml": lambda x: x.replace(b'name="TotalRevenue"', b'name="TotalRevenue2"'),
        "xl/sharedStrings.xml": lambda x: x.replace(b"<si>", b"<si><t>first</t></si><si>", 1),
        "[Content_Types].xml": lambda x: re.sub(rb'<Default Extension="png"[^>]*/>', b"", x),
    })
    problems = entries_kept(source, moved)
    assert [p.split(":")[0] for p in problems] == [
        "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml", "xl/styles.xml",
        "xl/sharedStrings.xml"], problems
    assert "definedNames" in problems[0] and "fonts" in problems[3]
