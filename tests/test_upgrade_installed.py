"""`kam-xl install --upgrade` on workbooks kam_xl was installed into, on real files.

Two foreign workbooks (tests/foreign_books.py): the German one with its transactions and customers in plain
ranges, and the XlsxWriter one with its transactions in the table ``Sales``. Each gets kam_xl installed, two
settings and the language changed, a row typed below the German range (so refresh moves the end of its
defined name), a refresh, statuses and notes typed into the Win-back table (with the package table writer, as
the user's saved edits look); then it is made "older" as tests/test_upgrade.py does (stamp set back, a stray
cell on a generated sheet, stale VBA, an old ribbon label) and upgraded.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

import foreign_books
from test_upgrade import vba_modules
from kam_xl import stamp
from kam_xl.book import FileBook
from kam_xl.cli import main
from kam_xl.install.parts import Package
from kam_xl.install.upgrade import REBUILT
from kam_xl.sheets import winback as wb
from kam_xl.template import build_vba_project, generate_function_help_module, generate_udf_module
from kam_xl.template.sheet_about import UDF_MODULE

AUDIT = Path(sys.executable).parent / "openxml-audit"
CHANGED = {"kam_a_share": 0.7, "kam_winback_at_risk": True, "kam_language": "DE"}
SOURCE_ROW = re.compile(r"^\w+_(source|columns)$")
#: Parts upgrade owns besides the rebuilt sheets and what they lead to.
OWNED = {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml",
         "xl/sharedStrings.xml", "xl/vbaProject.bin", "customUI/customUI14.xml"}


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write_parts(path: Path, data: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in data.items():
            archive.writestr(name, content)


def sheets_of(path: Path) -> dict[str, str]:
    from kam_xl.package.workbook_part import read_workbook

    with zipfile.ZipFile(path) as archive:
        return {s.name: s.part for s in read_workbook(archive).sheets}


def defined(path: Path) -> dict[str, bytes]:
    """Workbook-scoped defined names -> their definedName element."""
    xml = parts(path)["xl/workbook.xml"]
    return {m.group(1).decode(): m.group(0) for m in re.finditer(
        rb'<definedName name="([^"]+)"(?![^>]*localSheetId)[^>]*>[^<]*</definedName>', xml)}


def cell_xml(path: Path, sheet: str, ref: str) -> bytes:
    """The <c> element of one cell, without its reference."""
    xml = parts(path)[sheets_of(path)[sheet]]
    found = re.search(rb'<c r="%s"[^>]*?(?:/>|>.*?</c>)' % ref.encode(), xml, re.DOTALL)
    return re.sub(rb'\sr="[A-Z]+\d+"', b"", found.group(0))


def named_cell(path: Path, name: str) -> bytes:
    sheet, ref = re.search(rb">([^<]*)</definedName>", defined(path)[name]).group(1).decode().split("!")
    return cell_xml(path, sheet.strip("'"), ref.replace("$", ""))


def source_cells(path: Path) -> dict[str, bytes]:
    """The value cell of each Settings row recording a source, by its label."""
    sheet = openpyxl.load_workbook(path)["Settings"]
    return {row[0].value: cell_xml(path, "Settings", row[1].coordinate) for row in sheet.iter_rows(max_col=2)
            if isinstance(row[0].value, str) and SOURCE_ROW.match(row[0].value)}


def type_a_row_below(path: Path, sheet: str) -> None:
    """The last row of ``sheet`` typed once more below it (another line of their transactions)."""
    data = parts(path)
    part = sheets_of(path)[sheet]
    xml = data[part]
    last = list(re.finditer(rb'<row r="(\d+)".*?</row>', xml, re.DOTALL))[-1]
    number = int(last.group(1))
    row = re.sub(rb'(r="[A-Z]*)%d"' % number, rb'\g<1>%d"' % (number + 1), last.group(0))
    data[part] = xml[:last.end()] + row + xml[last.end():]
    write_parts(path, data)


def retype_column_map(path: Path) -> str:
    """The transactions' column map of the Settings table typed anew by the user, in another order and spacing
    (the same map): an inline string where the install wrote a shared one. Returns the text typed."""
    sheet = openpyxl.load_workbook(path)["Settings"]
    cell = next(row[1] for row in sheet.iter_rows(max_col=2) if row[0].value == "transactions_columns")
    typed = " ; ".join(reversed(str(cell.value).split("; ")))
    data = parts(path)
    part = sheets_of(path)["Settings"]
    data[part] = re.sub(rb'<c r="%s"( s="\d+")?[^>]*?(?:/>|>.*?</c>)' % cell.coordinate.encode(),
                        lambda m: b'<c r="%s"%s t="inlineStr"><is><t>%s</t></is></c>' % (
                            cell.coordinate.encode(), m.group(1) or b"", typed.encode()), data[part], count=1)
    write_parts(path, data)
    return typed


def make_older(path: Path) -> None:
    """Stamp set back a version, a stray cell on About, stale VBA (an old wrapper), an old ribbon label."""
    files = FileBook(path, recalc=False)
    files.set_named_cell(stamp.VERSION_NAME, "0.0.9")
    data = parts(path)
    about = sheets_of(path)["About"]
    data[about] = data[about].replace(
        b"</sheetData>", b'<row r="300"><c r="A300" t="inlineStr"><is><t>old layout</t></is></c></row></sheetData>')
    codes = [re.search(rb'<sheetPr\b[^>]*\bcodeName="([^"]+)"', data[p]).group(1).decode()
             for p in sheets_of(path).values()]
    old = generate_udf_module(UDF_MODULE).replace("CUSTOMER_ANALYSIS", "OLD_ANALYSIS")
    data["xl/vbaProject.bin"] = build_vba_project(codes, old, generate_function_help_module(UDF_MODULE))
    data["customUI/customUI14.xml"] = data["customUI/customUI14.xml"].replace(b'label="', b'label="Old ', 1)
    write_parts(path, data)


def analysis_values(path: Path) -> list[tuple]:
    sheet = openpyxl.load_workbook(path, data_only=True)["Analysis"]
    return [tuple(c.value for c in row) for row in sheet.iter_rows()]


def audit_errors(path: Path) -> list[str]:
    result = subprocess.run([str(AUDIT), str(path)], capture_output=True, text=True, timeout=120)
    lines = result.stdout.strip().splitlines()
    assert lines and lines[-1].startswith("Errors: "), result.stdout + result.stderr
    return [line for line in lines[:-1] if "error" in line.lower()]


@pytest.fixture(scope="module", params=["german", "xlsxwriter"])
def case(request, tmp_path_factory) -> dict:
    """The installed book in use and made older (``old``), its upgrade (``new``), a fresh install of the
    original in the language chosen (``fresh``), and what the book showed before the upgrade."""
    folder = tmp_path_factory.mktemp(request.param)
    theirs = foreign_books.BUILDERS[request.param](folder)
    old, fresh = folder / "Theirs-kam.xlsm", folder / "Fresh-kam.xlsm"
    assert main(["install", str(theirs.path), "--out", str(old)]) == 0
    assert main(["install", str(theirs.path), "--out", str(fresh), "--language", "DE"]) == 0
    files = FileBook(old, recalc=False)
    for name, value in CHANGED.items():
        files.set_named_cell(name, value)
    typed = retype_column_map(old)
    if not theirs.is_table:
        type_a_row_below(old, theirs.transactions_sheet)
    assert main(["refresh", str(old)]) == 0
    listed = files.read_table(wb.TABLE)
    assert len(listed) >= 2, "the demo data lists customers to win back"
    listed[wb.STATUS] = ["contacted", "offer sent"] + ["open"] * (len(listed) - 2)
    listed[wb.NOTES] = [f"rang {i}, =not a formula" for i in range(len(listed))]
    files.write_table(wb.TABLE, listed)
    analysis = analysis_values(old)
    if not theirs.is_table:  # a comment given the name in Excel's Name Manager
        data = parts(old)
        data["xl/workbook.xml"] = data["xl/workbook.xml"].replace(
            b'<definedName name="kam_transactions"', '<definedName name="kam_transactions" comment="Süd"'.encode(), 1)
        write_parts(old, data)
    make_older(old)
    assert FileBook(old).read_stamp() == stamp.Stamp("0.0.9", stamp.WORKBOOK_FORMAT)
    new = folder / "Upgraded-kam.xlsm"
    shutil.copy(old, new)
    assert main(["install", "--upgrade", str(new)]) == 0
    return {"theirs": theirs, "old": old, "new": new, "fresh": fresh, "analysis": analysis, "typed": typed}


def test_win_back_notes_settings_and_sources_keep_their_bytes(case):
    old, new = case["old"], case["new"]
    winback = sheets_of(old)["Win-back"]
    assert parts(new)[winback] == parts(old)[winback]
    table = next(p for p in Package.read(old.read_bytes()).owned(winback) if "/tables/" in p)
    assert parts(new)[table] == parts(old)[table]
    notes = FileBook(new).read_table(wb.TABLE)
    assert list(notes[wb.NOTES])[:2] == ["rang 0, =not a formula", "rang 1, =not a formula"]
    assert list(notes[wb.STATUS])[:2] == ["contacted", "offer sent"]
    for name in [*CHANGED, "kam_b_share", "kam_as_of"]:
        assert named_cell(new, name) == named_cell(old, name), name
    recorded = source_cells(old)
    assert b"<t>%s</t>" % case["typed"].encode() in recorded["transactions_columns"]  # as they typed it
    assert source_cells(new) == recorded != source_cells(case["fresh"])
    assert FileBook(new).read_sources() == FileBook(old).read_sources()
    settings = FileBook(new).read_settings()
    assert (settings.a_share, settings.winback_at_risk, settings.language) == (0.7, True, "DE")
    assert FileBook(new).read_stamp() == stamp.CURRENT


def test_the_plain_ranges_keep_the_end_refresh_moved(case):
    if case["theirs"].is_table:
        pytest.skip("their transactions are a table")
    old, new, fresh = defined(case["old"]), defined(case["new"]), defined(case["fresh"])
    assert new["kam_transactions"] == old["kam_transactions"] != fresh["kam_transactions"]
    assert 'comment="Süd"'.encode() in new["kam_transactions"]
    assert new["kam_customers"] == old["kam_customers"]


def test_every_part_of_theirs_and_not_owned_by_upgrade_keeps_its_bytes(case):
    old_path, new_path = case["old"], case["new"]
    old, new, where = parts(old_path), parts(new_path), sheets_of(old_path)
    package = Package.read(old_path.read_bytes())
    rebuilt = {where[name] for name in REBUILT}
    owned = OWNED | rebuilt | {p for part in rebuilt for p in package.owned(part)} | {
        f"xl/worksheets/_rels/{Path(p).name}.rels" for p in rebuilt} | {
        f"xl/drawings/_rels/{Path(p).name}.rels" for part in rebuilt for p in package.owned(part)}
    assert set(new) == set(old)
    changed = {name for name in new if old[name] != new[name]}
    assert changed <= owned, changed - owned
    for sheet in case["theirs"].sheets:
        assert new[where[sheet]] == old[where[sheet]], sheet
    for sheet in set(where) - set(REBUILT):
        assert new[where[sheet]] == old[where[sheet]], sheet


def cells_of(path: Path, sheet: str) -> dict[str, tuple]:
    """Every cell of a sheet: value or formula, and its look."""
    ws = openpyxl.load_workbook(path)[sheet]

    def shown(value):
        return (value.ref, value.text) if hasattr(value, "text") else value

    return {c.coordinate: (shown(c.value), c.number_format, c.font.b, c.font.i, c.font.sz,
                           c.font.color and c.font.color.rgb, c.fill.fgColor.rgb, c.alignment.horizontal,
                           c.alignment.wrap_text, c.border.bottom.style)
            for row in ws.iter_rows() for c in row if c.value is not None or c.has_style}


def test_the_generated_sheets_equal_a_fresh_installs(case):
    new, fresh = case["new"], case["fresh"]
    names = {n: openpyxl.load_workbook(fresh).defined_names[n].attr_text for n in defined(fresh)}
    for sheet in REBUILT:
        got, expected = cells_of(new, sheet), cells_of(fresh, sheet)
        if sheet == "Settings":  # the values the user changed stay theirs (the fresh install is in DE too)
            for name in CHANGED:
                ref = names[name].split("!")[1].replace("$", "")
                assert (got.pop(ref)[0] == expected.pop(ref)[0]) == (name == "kam_language"), name
            ref = next(r for r, cell in expected.items() if cell[0] == "transactions_columns").replace("A", "B")
            assert got.pop(ref)[0] == case["typed"] != expected.pop(ref)[0]  # the map as they typed it
        assert got == expected, sheet
    moved = {"kam_transactions"} if not case["theirs"].is_table else set()
    upgraded = openpyxl.load_workbook(new).defined_names
    assert {n: upgraded[n].attr_text for n in names if n not in moved} == {
        n: text for n, text in names.items() if n not in moved}


def test_the_vba_project_has_a_document_module_for_every_sheet(case):
    assert "OLD_ANALYSIS" in vba_modules(case["old"])[0]["xlwings_udfs"]
    olevba, pyopenvba = vba_modules(case["new"])
    assert olevba == pyopenvba and olevba == vba_modules(case["fresh"])[0]
    data = parts(case["new"])
    codes = [re.search(rb'<sheetPr\b[^>]*\bcodeName="([^"]+)"', data[p]).group(1).decode()
             for p in sheets_of(case["new"]).values()]
    assert set(codes) | {"ThisWorkbook", "xlwings_udfs", "KamRibbon"} <= set(olevba)
    theirs = [codes[list(sheets_of(case["new"])).index(s)] for s in case["theirs"].sheets]
    assert theirs and set(theirs) <= set(olevba)
    assert data["customUI/customUI14.xml"] == parts(case["fresh"])["customUI/customUI14.xml"]


def test_openxml_audit_finds_no_new_errors(case):
    assert set(audit_errors(case["new"])) <= set(audit_errors(case["old"]))


def test_refresh_after_the_upgrade_reads_their_data(case, tmp_path):
    book = shutil.copy(case["new"], tmp_path / "Refreshed-kam.xlsm")
    assert main(["refresh", str(book)]) == 0
    assert analysis_values(book) == case["analysis"]
    notes = FileBook(book).read_table(wb.TABLE).set_index(wb.CUSTOMER)
    before = FileBook(case["new"]).read_table(wb.TABLE).set_index(wb.CUSTOMER)
    assert (notes.loc[before.index, wb.NOTES] == before[wb.NOTES]).all()


def test_upgrade_on_a_current_installed_book_changes_nothing(case, tmp_path, capsys):
    book = shutil.copy(case["new"], tmp_path / "Current-kam.xlsm")
    before = Path(book).read_bytes()
    capsys.readouterr()
    assert main(["install", "--upgrade", str(book)]) == 0
    assert capsys.readouterr().out == f"Current-kam.xlsm: already current ({stamp.CURRENT}); nothing changed.\n"
    assert Path(book).read_bytes() == before


def test_a_second_upgrade_keeps_the_same_and_audits_clean(case, tmp_path):
    book = shutil.copy(case["new"], tmp_path / "Again-kam.xlsm")
    FileBook(book, recalc=False).set_named_cell(stamp.VERSION_NAME, "0.0.9")
    before = parts(book)
    assert main(["install", "--upgrade", str(book)]) == 0
    after, where = parts(book), sheets_of(book)
    for sheet in [*case["theirs"].sheets, "Win-back"]:
        assert after[where[sheet]] == before[where[sheet]], sheet
    assert source_cells(book) == source_cells(case["old"])
    assert cells_of(book, "Analysis") == cells_of(case["new"], "Analysis")
    assert set(audit_errors(book)) <= set(audit_errors(case["old"]))
