"""The workbook stamp and `kam-xl install --upgrade`, on real files.

The old workbook is real: tests/data/KeyAccounts-format0.xlsm is workbook/KeyAccounts.xlsm as committed before
the stamp existed (format 0). A copy gets demo data, a Win-back list with typed statuses and notes, changed
settings (all written with the package writer, as a user's buttons and edits would) and a stray cell on the
About sheet, as if an old template had laid it out differently; then it is upgraded.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from oletools.olevba import VBA_Parser
from pyopenvba import ExcelFile

import kam_xl
from kam_xl import demo, stamp, udfs
from kam_xl.book import FileBook
from kam_xl.cli import main
from kam_xl.core.analysis import analyze
from kam_xl.core.settings import Settings
from kam_xl.install.upgrade import REBUILT, upgrade
from kam_xl.sheets import winback as wb
from kam_xl.template import build_vba_project, generate_function_help_module, generate_udf_module
from kam_xl.template.sheet_about import UDF_MODULE
from kam_xl.template.sheet_inputs import TABLES
from kam_xl.template.sheets import SHEETS
from kam_xl.template.workbook import build_workbook

FORMAT0 = Path(__file__).resolve().parent / "data" / "KeyAccounts-format0.xlsm"
AUDIT = Path(sys.executable).parent / "openxml-audit"
CHANGED_SETTINGS = {"kam_a_share": 0.7, "kam_xyz_method": "frequency", "kam_winback_at_risk": True}
AS_OF = dt.datetime(2026, 9, 30)
DOSSIER_CUSTOMER = "C00007"
CALC_CHAIN = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<calcChain xmlns="http://schemas.'
              b'openxmlformats.org/spreadsheetml/2006/main"><c r="A1" i="9" a="1"/></calcChain>')
#: Parts upgrade owns in a KeyAccounts workbook: the rebuilt sheets and what they own, the tables they gain
#: entries in, the names, the VBA project and the ribbon.
OWNED = {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/sharedStrings.xml", "xl/vbaProject.bin",
         "customUI/customUI14.xml"}


def headed(table, frame: pd.DataFrame) -> pd.DataFrame:
    """A demo frame under the table's headers, as a user pastes it (yes/no flags, no formula columns)."""
    columns = {}
    for column in table.columns:
        if column.kind == "formula":
            continue
        values = frame[column.canonical] if column.canonical in frame.columns else pd.Series([None] * len(frame))
        if column.kind == "flag":
            values = values.map(lambda v: None if pd.isna(v) else "yes" if v else "no")
        columns[column.header] = values.astype(object).where(values.notna(), None).to_list()
    return pd.DataFrame(columns)


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def sheet_parts(path: Path) -> dict[str, str]:
    from kam_xl.package.workbook_part import read_workbook

    with zipfile.ZipFile(path) as archive:
        return {s.name: s.part for s in read_workbook(archive).sheets}


def edit_part(path: Path, part: str, edit) -> None:
    data = parts(path)
    data[part] = edit(data.get(part))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in data.items():
            archive.writestr(name, content)


def value_cell(path: Path, name: str) -> bytes:
    """The <c> element of a named cell, without its reference."""
    with zipfile.ZipFile(path) as archive:
        text = re.search(rb'<definedName name="%s">([^<]*)</definedName>' % name.encode(),
                         archive.read("xl/workbook.xml")).group(1).decode()
        sheet, ref = text.split("!")
        xml = archive.read(sheet_parts(path)[sheet])
    ref = ref.replace("$", "")
    return re.sub(rb'\sr="[A-Z]+\d+"', b"", re.search(rb'<c r="%s"[^>]*?(?:/>|>.*?</c>)' % ref.encode(), xml,
                                                      re.DOTALL).group(0))


@pytest.fixture(scope="module")
def world():
    return demo.generate(customers=60, seed=3)


@pytest.fixture(scope="module")
def old_book(tmp_path_factory, world) -> Path:
    """A format-0 KeyAccounts copy in use: data, a Win-back list with notes, changed settings, old layout."""
    book = tmp_path_factory.mktemp("old") / "Sales.xlsm"
    shutil.copy(FORMAT0, book)
    files = FileBook(book, recalc=False)
    tables = world.tables()
    for table in TABLES[:3]:
        files.write_table(table.name, headed(table, tables[table.name.lower()]))
    analysis = analyze(world.transactions, world.customers, world.complaints, Settings())
    listed = wb.winback_table(analysis, world.transactions, world.customers, world.complaints,
                              Settings(winback_at_risk=True),
                              pd.DataFrame(columns=wb.COLUMNS))
    assert len(listed) >= 2
    listed[wb.STATUS] = ["contacted", "offer sent"] + ["open"] * (len(listed) - 2)
    listed[wb.NOTES] = [f"called {i}, =not a formula" for i in range(len(listed))]
    files.write_table(wb.TABLE, listed)
    for name, value in CHANGED_SETTINGS.items():
        files.set_named_cell(name, value)
    files.set_named_cell("kam_as_of", AS_OF)
    files.set_named_cell("kam_dossier_customer", DOSSIER_CUSTOMER)
    about = sheet_parts(book)["About"]
    edit_part(book, about, lambda xml: xml.replace(
        b"</sheetData>", b'<row r="300"><c r="A300" t="inlineStr"><is><t>old layout</t></is></c></row></sheetData>'))
    old_wrappers = generate_udf_module(UDF_MODULE).replace("CUSTOMER_ANALYSIS", "OLD_ANALYSIS")
    edit_part(book, "xl/vbaProject.bin", lambda _: build_vba_project(
        list(SHEETS.values()), old_wrappers, generate_function_help_module(UDF_MODULE)))
    edit_part(book, "customUI/customUI14.xml", lambda xml: xml.replace(b'label="', b'label="Old ', 1))
    # Excel's calculation chain, as a save in Excel leaves it
    edit_part(book, "xl/calcChain.xml", lambda _: CALC_CHAIN)
    edit_part(book, "xl/_rels/workbook.xml.rels", lambda xml: xml.replace(b"</Relationships>", (
        b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        b'calcChain" Target="calcChain.xml"/></Relationships>')))
    edit_part(book, "[Content_Types].xml", lambda xml: xml.replace(b"</Types>", (
        b'<Override PartName="/xl/calcChain.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        b'spreadsheetml.calcChain+xml"/></Types>')))
    return book


@pytest.fixture(scope="module")
def upgraded(old_book, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("new") / "Sales.xlsm"
    shutil.copy(old_book, out)
    report = upgrade(out)
    assert report.changed and report.before == stamp.Stamp("", 0) and report.after == stamp.CURRENT
    return out


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    return build_workbook(tmp_path_factory.mktemp("fresh") / "KeyAccounts.xlsm")


# --- the stamp -------------------------------------------------------------------------------------------

def test_a_fresh_workbook_carries_the_current_stamp(fresh):
    assert FileBook(fresh).read_stamp() == stamp.CURRENT
    assert FileBook(FORMAT0).read_stamp() == stamp.Stamp("", 0)


def settings_block(path: Path) -> list[list]:
    sheet = openpyxl.load_workbook(path)["Settings"]
    return [[row[0].value, row[1].value] for row in sheet.iter_rows(min_row=7, max_col=2) if row[0].value]


def test_cell_functions_on_an_older_workbook_answer_the_upgrade_line(old_book, world):
    block = settings_block(old_book)
    tx = [["Customer ID", "Date", "Amount"]] + [[c, d.to_pydatetime(), a] for c, d, a in
                                                 world.transactions[["customer_id", "date", "amount"]].head(50)
                                                 .itertuples(index=False)]
    customers = [["Customer ID"], *[[c] for c in world.customers["customer_id"].head(10)]]
    line = "#KAM: This workbook was written by an older kam_xl (format 0); upgrade it with kam-xl install --upgrade"
    assert udfs.CUSTOMER_ANALYSIS(customers, tx, None, block).startswith(line)
    assert udfs.CHURN_FLAG(None, 30, 0, 0, AS_OF, block).startswith(line)
    newer = [*block, ["workbook_format", stamp.WORKBOOK_FORMAT + 1], ["kam_xl_version", "9.0.0"]]
    assert udfs.CUSTOMER_ANALYSIS(customers, tx, None, newer) == (
        f"#KAM: This workbook was written by kam_xl 9.0.0 (format {stamp.WORKBOOK_FORMAT + 1}), newer than this "
        f"kam_xl {kam_xl.__version__} (format {stamp.WORKBOOK_FORMAT}); install kam_xl 9.0.0 (pip install -U kam_xl)")
    current = [*block, ["workbook_format", stamp.WORKBOOK_FORMAT], ["kam_xl_version", kam_xl.__version__]]
    assert isinstance(udfs.CUSTOMER_ANALYSIS(customers, tx, None, current), list)
    assert udfs.CHURN_FLAG(None, 30, 0, 0, AS_OF, [["lost_days", 400]]) == "none"  # a user's own few settings


def test_buttons_and_headless_runs_on_an_older_workbook_say_upgrade_and_leave_it(old_book, tmp_path, capsys):
    book = shutil.copy(old_book, tmp_path / "Old.xlsm")
    before = Path(book).read_bytes()
    line = f"This workbook was written by an older kam_xl (format 0); upgrade it with kam-xl install --upgrade {book}"
    for button in ("winback", "show_settings", "check_data", "refresh"):
        result = subprocess.run([sys.executable, "-c", f"import kam_xl.macros as m; m.{button}()"],
                                capture_output=True, text=True, env={"KAM_XL_WORKBOOK": str(book), "PATH": ""},
                                timeout=120)
        assert result.returncode == 2, (button, result.stderr)
        assert line in result.stderr, (button, result.stderr)
    export = tmp_path / "export.csv"
    export.write_text("Date,Customer ID,Document no,Amount\n2026-10-01,C00001,R-1,100\n", encoding="utf-8")
    for command in (["recalc", str(book)], ["refresh", str(book)], ["dossier", str(book), "--customer", "C00001"],
                    ["import", str(book), str(export)]):
        assert main(command) == 2, command
        assert line in capsys.readouterr().err, command
    assert Path(book).read_bytes() == before


# --- upgrade ---------------------------------------------------------------------------------------------

def test_every_part_of_the_user_keeps_its_bytes(old_book, upgraded):
    old, new, where = parts(old_book), parts(upgraded), sheet_parts(old_book)
    rebuilt = {where[name] for name in REBUILT}
    owned = OWNED | rebuilt | {f"xl/worksheets/_rels/{Path(p).name}.rels" for p in rebuilt} | {
        "xl/tables/table10.xml", "xl/tables/table11.xml", "xl/drawings/drawing1.xml", "xl/charts/chart1.xml",
        "xl/drawings/_rels/drawing1.xml.rels"}
    assert set(new) == set(old) - {"xl/calcChain.xml"}  # Excel builds its calculation chain anew
    assert b"calcChain" not in new["xl/_rels/workbook.xml.rels"] + new["[Content_Types].xml"]
    changed = {name for name in new if old[name] != new[name]}
    assert changed <= owned, changed - owned
    for sheet in ("Customers", "Transactions", "Complaints", "Win-back", "Data check", "xlwings.conf"):
        assert new[where[sheet]] == old[where[sheet]], sheet
    kept = re.compile(rb"<si>.*?</si>", re.DOTALL)
    assert kept.findall(new["xl/sharedStrings.xml"])[:len(kept.findall(old["xl/sharedStrings.xml"]))] == \
        kept.findall(old["xl/sharedStrings.xml"])  # the user's strings keep their places


def test_win_back_notes_and_changed_settings_are_kept_exactly(old_book, upgraded):
    before, after = FileBook(old_book).read_table(wb.TABLE), FileBook(upgraded).read_table(wb.TABLE)
    pd.testing.assert_frame_equal(after, before)
    assert list(after[wb.NOTES])[:2] == ["called 0, =not a formula", "called 1, =not a formula"]
    for name in [*CHANGED_SETTINGS, "kam_as_of", "kam_b_share", "kam_language", "kam_dossier_customer"]:
        assert value_cell(upgraded, name) == value_cell(old_book, name), name
    settings = FileBook(upgraded).read_settings()
    assert (settings.a_share, settings.xyz_method, settings.winback_at_risk) == (0.7, "frequency", True)
    assert FileBook(upgraded).read_as_of() == AS_OF.date()
    assert FileBook(upgraded).read_stamp() == stamp.CURRENT


def cells_of(path: Path, sheet: str) -> dict[str, tuple]:
    """Every cell of a sheet: value or formula, and its look."""
    ws = openpyxl.load_workbook(path)[sheet]
    def shown(value):  # an array formula by its range and text
        return (value.ref, value.text) if hasattr(value, "text") else value

    return {c.coordinate: (shown(c.value), c.number_format, c.font.b, c.font.i, c.font.sz,
                           c.font.color and c.font.color.rgb, c.fill.fgColor.rgb, c.alignment.horizontal,
                           c.alignment.wrap_text, c.border.bottom.style)
            for row in ws.iter_rows() for c in row if c.value is not None or c.has_style}


def test_the_rebuilt_sheets_equal_a_fresh_builds(upgraded, fresh):
    for sheet in REBUILT:
        new, expected = cells_of(upgraded, sheet), cells_of(fresh, sheet)
        if sheet == "Settings":  # the values the user changed stay theirs
            for ref in ("B4", "B9", "B12", "B31"):
                new.pop(ref), expected.pop(ref)
        if sheet == "Dossier":  # so does the customer they chose
            assert new.pop("B4")[0] == DOSSIER_CUSTOMER and expected.pop("B4")[0] != DOSSIER_CUSTOMER
        assert new == expected, sheet
    new_book, fresh_book = openpyxl.load_workbook(upgraded), openpyxl.load_workbook(fresh)
    for sheet in REBUILT:
        a, b = new_book[sheet], fresh_book[sheet]
        assert [str(r.sqref) for r in a.conditional_formatting] == [str(r.sqref) for r in b.conditional_formatting]
        assert [(v.sqref, v.formula1) for v in a.data_validations.dataValidation] == \
            [(v.sqref, v.formula1) for v in b.data_validations.dataValidation]
        assert list(a.tables) == list(b.tables) and len(a._charts) == len(b._charts)
    assert {n: new_book.defined_names[n].attr_text for n in fresh_book.defined_names} == \
        {n: fresh_book.defined_names[n].attr_text for n in fresh_book.defined_names}


def vba_modules(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    parser = VBA_Parser(str(path), relaxed=False)
    try:
        olevba = {name.rsplit(".", 1)[0]: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()
    with ExcelFile(path) as book:
        assert book.validate() == []
        return olevba, book.vba_modules()


def test_vba_project_and_ribbon_equal_a_fresh_builds(old_book, upgraded, fresh):
    assert "OLD_ANALYSIS" in vba_modules(old_book)[0]["xlwings_udfs"]
    assert b'label="Old ' in parts(old_book)["customUI/customUI14.xml"]
    olevba, pyopenvba = vba_modules(upgraded)
    assert olevba == pyopenvba and (olevba, pyopenvba) == vba_modules(fresh)
    assert "xlwings_udfs" in olevba and "KamRibbon" in olevba
    assert parts(upgraded)["customUI/customUI14.xml"] == parts(fresh)["customUI/customUI14.xml"]


def test_openxml_audit_finds_no_errors(upgraded):
    result = subprocess.run([str(AUDIT), str(upgraded)], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip().splitlines()[-1] == "Errors: 0", result.stdout


def test_refresh_works_on_the_upgraded_workbook_and_keeps_the_notes(upgraded, tmp_path, world):
    book = shutil.copy(upgraded, tmp_path / "Sales.xlsm")
    assert main(["refresh", str(book)]) == 0
    analysis = openpyxl.load_workbook(book, data_only=True)["Analysis"]
    ids = [row[0].value for row in analysis.iter_rows(min_row=2) if row[0].value]
    assert sorted(ids) == sorted(world.customers["customer_id"])
    table = FileBook(book).read_table(wb.TABLE).set_index(wb.CUSTOMER)
    before = FileBook(upgraded).read_table(wb.TABLE).set_index(wb.CUSTOMER)
    assert (table.loc[before.index, wb.NOTES] == before[wb.NOTES]).all()
    assert (table.loc[before.index, wb.STATUS] == before[wb.STATUS]).all()


def test_a_current_workbook_is_left_alone(upgraded, tmp_path, capsys):
    book = shutil.copy(upgraded, tmp_path / "Current.xlsm")
    before = Path(book).read_bytes()
    assert main(["install", "--upgrade", str(book)]) == 0
    assert capsys.readouterr().out == f"Current.xlsm: already current ({stamp.CURRENT}); nothing changed.\n"
    assert Path(book).read_bytes() == before


def test_a_workbook_kam_xl_never_wrote_is_refused(tmp_path, capsys):
    book = tmp_path / "Theirs.xlsm"
    shutil.copy(FORMAT0, book)
    edit_part(book, "xl/tables/table10.xml", lambda xml: xml.replace(b'"Settings"', b'"Prefs"'))
    before = book.read_bytes()
    assert main(["install", "--upgrade", str(book)]) == 2
    assert capsys.readouterr().err == (f"kam-xl install: {book}: not written by kam_xl (it has no kam_xl Settings "
                                       "table); use kam-xl install Theirs.xlsm to add kam_xl to it\n")
    assert book.read_bytes() == before


def test_the_cli_upgrades_in_place_and_says_so(old_book, tmp_path, capsys):
    book = shutil.copy(old_book, tmp_path / "Sales.xlsm")
    assert main(["install", "--upgrade", str(book)]) == 0
    assert capsys.readouterr().out == (f"Sales.xlsm: upgraded from an older kam_xl (format 0) to {stamp.CURRENT}; "
                                       "data, settings and notes kept.\n")
    assert FileBook(book).read_stamp() == stamp.CURRENT


# --- a workbook laid out by someone else -------------------------------------------------------------------

def foreign_book(path: Path, vba: bytes) -> Path:
    """A workbook of its own (formats, strings, a table, a chart, a conditional format on sheet Notes) with
    kam_xl's sheets About, Analysis, Matrix and Labels as empty stand-ins, as an installed workbook has them."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(path)
    notes = workbook.add_worksheet("Notes")
    red = workbook.add_format({"bold": True, "font_color": "#C00000", "num_format": "0.000", "italic": True})
    notes.write_string(0, 0, "Their title", red)
    notes.add_table(2, 0, 5, 1, {"name": "Mine", "columns": [{"header": "Who"}, {"header": "Much"}],
                                 "data": [["a", 1], ["b", 2], ["c", 3]]})
    notes.conditional_format("B4:B6", {"type": "cell", "criteria": ">", "value": 1,
                                       "format": workbook.add_format({"bg_color": "#00B0F0"})})
    chart = workbook.add_chart({"type": "line"})
    chart.add_series({"values": "=Notes!$B$4:$B$6"})
    notes.insert_chart("D2", chart)
    for name in ("About", "Analysis", "Matrix", "Labels"):
        workbook.add_worksheet(name).write_string(0, 0, f"{name} of an old kam_xl")
    for number, sheet in enumerate(workbook.worksheets()):
        sheet.set_vba_name(f"shtTheirs{number}")
    workbook.set_vba_name("ThisWorkbook")
    workbook.add_vba_project(__import__("io").BytesIO(vba), is_stream=True)
    workbook.close()
    return path


def test_kam_xl_sheets_move_into_a_workbook_with_other_formats_strings_tables_and_charts(fresh, tmp_path):
    from kam_xl.install.upgrade import upgraded_bytes

    rebuilt = ("About", "Analysis", "Matrix", "Labels", "Dossier")  # Dossier: a sheet the workbook lacks
    book = foreign_book(tmp_path / "Theirs.xlsm", parts(fresh)["xl/vbaProject.bin"])
    result = tmp_path / "Upgraded.xlsm"
    result.write_bytes(upgraded_bytes(book.read_bytes(), fresh.read_bytes(), rebuilt))
    loaded = openpyxl.load_workbook(result)
    assert loaded.sheetnames == ["Notes", "About", "Analysis", "Matrix", "Dossier", "Labels"]
    assert loaded["Labels"].sheet_state == "visible"  # theirs: kept as it was
    fresh_names = openpyxl.load_workbook(fresh).defined_names
    assert {n: loaded.defined_names[n].attr_text for n in fresh_names if n.startswith("kam_dossier")} == \
        {n: fresh_names[n].attr_text for n in fresh_names if n.startswith("kam_dossier")}
    assert loaded["Dossier"].print_area == openpyxl.load_workbook(fresh)["Dossier"].print_area

    for sheet in rebuilt:
        assert cells_of(result, sheet) == cells_of(fresh, sheet), sheet
    assert cells_of(result, "Notes") == cells_of(book, "Notes")
    old, new = parts(book), parts(result)
    notes = sheet_parts(book)["Notes"]
    assert new[notes] == old[notes] and new["xl/charts/chart1.xml"] == old["xl/charts/chart1.xml"]
    item = re.compile(rb"<si>.*?</si>", re.DOTALL)
    theirs = item.findall(old["xl/sharedStrings.xml"])
    assert item.findall(new["xl/sharedStrings.xml"])[:len(theirs)] == theirs  # their strings keep their places
    assert new["xl/styles.xml"] != old["xl/styles.xml"]
    assert len(loaded["Notes"]._charts) == 1 and len(loaded["Matrix"]._charts) == 1
    assert list(loaded["Notes"].tables) == ["Mine"] and list(loaded["Labels"].tables) == ["Labels"]
    ids = [int(re.search(rb'\sid="(\d+)"', data).group(1)) for name, data in new.items() if "/tables/" in name]
    assert len(ids) == len(set(ids)) == 2
    cf = loaded["Notes"].conditional_formatting
    assert [r.dxf.fill.bgColor.rgb for rule in cf for r in rule.rules] == ["FF00B0F0"]  # their dxf still theirs
    olevba, pyopenvba = vba_modules(result)
    assert olevba == pyopenvba and [m for m in olevba if m.startswith("sht")] == [
        "shtTheirs0", "shtTheirs1", "shtTheirs2", "shtTheirs3", "shtDossier", "shtTheirs4"]
    audit = subprocess.run([str(AUDIT), str(result)], capture_output=True, text=True, timeout=120)
    assert audit.stdout.strip().splitlines()[-1] == "Errors: 0", audit.stdout


def test_a_workbook_open_in_excel_is_not_upgraded(old_book, tmp_path, capsys):
    book = shutil.copy(old_book, tmp_path / "Sales.xlsm")
    (tmp_path / "~$Sales.xlsm").write_bytes(b"\x05Maria" + b"\x00" * 50)
    before = Path(book).read_bytes()
    assert main(["install", "--upgrade", str(book)]) == 2
    assert "open in Excel by Maria" in capsys.readouterr().err
    assert Path(book).read_bytes() == before


def test_libreoffice_opens_the_upgraded_workbook_with_the_users_cells(upgraded, tmp_path):
    from conftest import require_tools
    from kam_xl.recalc.libreoffice import libreoffice_recalculate

    require_tools("soffice", install="libreoffice-calc-nogui")
    converted = openpyxl.load_workbook(libreoffice_recalculate(upgraded, tmp_path / "lo"))
    assert converted.sheetnames == openpyxl.load_workbook(upgraded).sheetnames
    notes = [row[-1].value for row in converted["Win-back"].iter_rows(min_row=5) if row[0].value]
    assert notes == list(FileBook(upgraded).read_table(wb.TABLE)[wb.NOTES])
    settings = {row[0].value: row[1].value for row in converted["Settings"].iter_rows(min_row=7) if row[0].value}
    assert (settings["a_share"], settings["xyz_method"], settings["workbook_format"]) == (
        0.7, "frequency", stamp.WORKBOOK_FORMAT)


def test_a_workbook_of_the_same_format_but_an_older_version_gets_this_versions_parts(fresh, tmp_path):
    book = shutil.copy(fresh, tmp_path / "Patch.xlsm")
    FileBook(book, recalc=False).set_named_cell(stamp.VERSION_NAME, "0.0.9")
    assert FileBook(book).read_stamp() == stamp.Stamp("0.0.9", stamp.WORKBOOK_FORMAT)
    assert udfs.CHURN_FLAG(None, 30, 0, 0, AS_OF, settings_block(book)) == "none"  # same format: computes
    report = upgrade(book)
    assert report.changed and FileBook(book).read_stamp() == stamp.CURRENT


def test_a_workbook_of_a_newer_format_is_refused(fresh, tmp_path, capsys):
    book = shutil.copy(fresh, tmp_path / "Newer.xlsm")
    FileBook(book, recalc=False).set_named_cell(stamp.FORMAT_NAME, stamp.WORKBOOK_FORMAT + 1)
    before = Path(book).read_bytes()
    assert main(["install", "--upgrade", str(book)]) == 2
    assert f"(format {stamp.WORKBOOK_FORMAT + 1}), newer than this kam_xl" in capsys.readouterr().err
    assert Path(book).read_bytes() == before
