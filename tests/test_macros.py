"""The ribbon's macros: what a button press runs, in Excel or from a shell, says what it does plainly."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import subprocess
import sys
import zipfile

from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
import xlwings as xw
from pyopenvba import ExcelFile

from kam_xl import cli, macros
from kam_xl.template import CUSTOM_UI, add_ribbon, embed_vba

ROOT = Path(__file__).resolve().parents[1]

# Every button, with what its message calls it.
BUTTONS = {"refresh": "Refresh", "dossier": "Dossier", "winback": "Win-back",
           "import_transactions": "Import transactions", "check_data": "Check data",
           "show_settings": "Settings", "show_help": "Help"}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    workbook.set_properties({"created": dt.datetime(2026, 1, 1)})
    workbook.add_worksheet("Customers")
    embed_vba(workbook, "kam_xl.errors")  # a module without UDFs: this file is about the macros
    workbook.close()
    path = tmp_path_factory.mktemp("macros") / "KeyAccounts.xlsm"
    path.write_bytes(add_ribbon(buffer.getvalue(), CUSTOM_UI.read_bytes()))
    return path


def run_python_commands(path) -> dict[str, str]:
    """Each ribbon callback's RunPython command, as VBA holds it (doubled quotes undone), by macro name."""
    with ExcelFile(path) as book:
        source = book.get_module("KamRibbon")
    commands = [c.replace('""', '"') for c in re.findall(r'RunPython "((?:[^"]|"")*)"', source)]
    return {re.search(r"m\.(\w+)\(\)$", c).group(1): c for c in commands}


def run(command: str, **env: str) -> subprocess.CompletedProcess:
    """The command in a fresh Python process, as RunPython starts one (minus Excel)."""
    environment = {k: v for k, v in os.environ.items() if k != macros.WORKBOOK_ENV} | env
    return subprocess.run([sys.executable, "-c", command], capture_output=True, text=True, env=environment)


def test_every_button_command_in_the_built_workbook_runs_on_the_empty_template(built, tmp_path):
    commands = run_python_commands(built)
    assert set(commands) == set(BUTTONS)
    book = tmp_path / "KeyAccounts.xlsm"
    book.write_bytes((ROOT / "workbook" / "KeyAccounts.xlsm").read_bytes())
    refresh = run(commands["refresh"], KAM_XL_WORKBOOK=str(book))
    # The workbook as built holds no transactions yet: an empty analysis, no error.
    assert refresh.returncode == 0 and refresh.stderr == ""
    assert re.fullmatch(r"Refresh: (\d+) of \1 formulas computed in [\d.]+ s; KeyAccounts.xlsm saved.\n"
                        r"  Data check: no problems found.\n", refresh.stdout), refresh.stdout
    winback = run(commands["winback"], KAM_XL_WORKBOOK=str(book))
    assert (winback.returncode, winback.stdout, winback.stderr) == \
        (0, "Win-back: the Transactions table is empty; nothing to list yet.\n", "")
    settings = run(commands["show_settings"], KAM_XL_WORKBOOK=str(book))
    assert settings.returncode == 0 and "  a_share = 0.8\n" in settings.stdout and "  xyz_months = 12\n" in \
        settings.stdout
    help_ = run(commands["show_help"], KAM_XL_WORKBOOK=str(book))
    assert (help_.returncode, help_.stdout.startswith("Help: the About sheet of KeyAccounts.xlsm")) == (0, True)


def test_refresh_on_a_file_recalculates_and_saves_the_values(tmp_path):
    from kam_xl.package import write_values

    book = tmp_path / "Demo.xlsm"
    assert cli.main(["demo", "--customers", "60", "--out", str(tmp_path / "data"), "--workbook", str(book)]) == 0
    wiped = {"Analysis": {"B2": None, "F2": None}}
    write_values(book, wiped, all_computed=False)
    assert openpyxl.load_workbook(book, data_only=True)["Analysis"]["F2"].value is None
    macros_run = run("import kam_xl.macros as m; m.refresh()", KAM_XL_WORKBOOK=str(book))
    assert macros_run.returncode == 0, macros_run.stderr
    analysis = openpyxl.load_workbook(book, data_only=True)["Analysis"]
    assert analysis["F2"].value in ("A", "B", "C", "N") and analysis["B2"].value > 0


def live_copy_of(path: Path):
    """A recorder of xlwings (tests/book_recorder.py) holding every table of the workbook file, each on its own
    sheet, the as-of cell, the Analysis, Matrix and Dossier sheets with their cell functions' formulas and the
    Dossier's selector, as Excel would hand them to LiveBook."""
    import book_recorder as rec
    import python_calamine as pc

    from kam_xl.book import FileBook, LiveBook
    from kam_xl.core.settings import Settings
    from kam_xl.package.table_part import find_tables
    from kam_xl.package.workbook_part import read_workbook
    from kam_xl.sheets.spills import anchors, dossier_anchors
    from kam_xl.template.sheet_dossier import CUSTOMER_NAME, SHEET as DOSSIER

    with zipfile.ZipFile(path) as archive:
        names = [t.name for t in find_tables(archive, read_workbook(archive))]
    book = rec.Book(path.name)
    files, live = FileBook(path, recalc=False), LiveBook(book)
    for name in names:
        frame = files.read_table(name)
        book.add_sheet(name).add_table(name, list(frame.columns))
        if len(frame):
            live.write_table(name, frame)
    book.add_sheet("Settings")
    book.add_sheet("About")
    book.defined["kam_as_of"] = rec.Name(book.sheets["Settings"], 4, 2)
    for anchor in (*anchors(Settings()), *dossier_anchors()[1:]):
        sheet = next((s for s in book.sheet_list if s.name == anchor.sheet), None) or book.add_sheet(anchor.sheet)
        sheet.formulas[anchor.cell] = anchor.formula
    dossier = book.sheets[DOSSIER]
    book.defined[CUSTOMER_NAME] = rec.Name(dossier, 4, 2)
    with pc.CalamineWorkbook.from_path(path) as workbook:
        dossier.values[(4, 2)] = workbook.get_sheet_by_name(DOSSIER).to_python(skip_empty_area=False)[3][1]
    book.calls.clear()
    return book


def test_in_excel_refresh_writes_win_back_and_data_check_and_settings_and_help_drive_excel(monkeypatch, tmp_path):
    from kam_xl.book import FileBook, LiveBook

    book_file = tmp_path / "Demo.xlsm"
    assert cli.main(["demo", "--customers", "60", "--out", str(tmp_path / "data"), "--workbook", str(book_file)]) == 0
    FileBook(book_file, recalc=False).write_table("Winback", FileBook(book_file).read_table("Winback").iloc[0:0])
    book = live_copy_of(book_file)
    monkeypatch.setattr(xw.Book, "caller", classmethod(lambda cls: book))
    macros.refresh()
    stamp_read, *calls = book.calls  # the button reads the Settings table's stamp first (kam_xl.stamp)
    assert stamp_read[0] == "get value" and stamp_read[1].startswith("Settings!")
    calculated = calls.index(("calculate",))
    assert all(c[0] in ("get value", "get formula") for c in calls[:calculated])  # formulas in place
    assert calls[-2:] == [("calculate",), ("alert", book.messages[0])]
    live = LiveBook(book)
    assert len(live.read_table("Winback")) > 0 and live.read_table("DataCheck") is not None
    message = book.messages[0]
    assert message.startswith("Refresh: recalculated.\nWin-back: ") and "Data check:" in message
    macros.show_settings()
    macros.show_help()
    assert [c for c in book.calls if c[0] == "activate"] == [("activate", "Settings"), ("activate", "About")]


def test_without_excel_or_a_workbook_the_button_says_how_to_give_one(built):
    result = run(run_python_commands(built)["refresh"])
    assert result.returncode == macros.EXIT_INPUT_ERROR
    assert result.stdout == ""
    assert result.stderr == ("Refresh: no workbook to work on: press the button in Excel, or set "
                             "KAM_XL_WORKBOOK to the path of KeyAccounts.xlsm.\n")


def test_a_workbook_path_that_is_no_file_is_named(built, tmp_path):
    missing = tmp_path / "nowhere.xlsm"
    result = run(run_python_commands(built)["dossier"], KAM_XL_WORKBOOK=str(missing))
    assert result.returncode == macros.EXIT_INPUT_ERROR
    assert f'names "{missing}", which is not a file' in result.stderr
    assert "Traceback" not in result.stderr


def test_book_is_the_file_named_when_excel_did_not_call(built, monkeypatch):
    monkeypatch.setenv("KAM_XL_WORKBOOK", str(built))
    assert macros._book() == built


def test_in_excel_the_message_comes_as_an_alert(monkeypatch, capsys):
    """Dossier pressed on a row without a Customer ID: the fix comes as one alert, nothing is printed."""
    alerts = []

    class App:
        def alert(self, prompt, title=None, **_):
            alerts.append((prompt, title))

    class Cells:
        value = [["Notes", None], [None, None]]

        def options(self, **_):
            return self

    class Sheet:
        tables = []

        def range(self, *_):
            return Cells()

    class Selection:
        sheet, row, column = Sheet(), 2, 1

    class CallingBook:
        app, selection, name = App(), Selection(), "KeyAccounts.xlsm"
        sheets = [Selection.sheet]  # no Settings table: no stamp to check

    monkeypatch.setattr(xw.Book, "caller", classmethod(lambda cls: CallingBook()))
    macros.dossier()
    assert alerts == [("Dossier: select a row that holds a Customer ID (in any table or sheet), then press "
                       "Dossier.", "Key Accounts")]
    assert capsys.readouterr() == ("", "")


def test_every_button_runs_end_to_end_on_a_demo_file(built, tmp_path):
    """Each RunPython command read out of the built workbook, run on a filled copy as a fresh process."""
    commands = run_python_commands(built)
    book = tmp_path / "Demo.xlsm"
    assert cli.main(["demo", "--customers", "60", "--out", str(tmp_path / "data"), "--workbook", str(book)]) == 0
    customer = openpyxl.load_workbook(book, read_only=True)["Customers"]["A2"].value
    export = tmp_path / "export.csv"
    export.write_text("Kunde;Datum;Beleg;Betrag\n" + f"{customer};03.10.2026;R-9001;1.234,50\n", encoding="utf-8")
    env = {"KAM_XL_WORKBOOK": str(book), "KAM_XL_CUSTOMER": customer, "KAM_XL_EXPORT": str(export)}
    results = {macro: run(commands[macro], **env) for macro in
               ("import_transactions", "check_data", "winback", "refresh", "dossier", "show_settings", "show_help")}
    for macro, result in results.items():
        assert result.returncode in (0, 1) and "Traceback" not in result.stderr, (macro, result.stderr)
    assert "added" in results["import_transactions"].stdout
    assert results["check_data"].stdout.startswith("Data check:")
    assert results["winback"].stdout.startswith("Win-back:")
    assert f"Dossier: {customer} selected; Demo.xlsm saved." in results["dossier"].stdout
    names = openpyxl.load_workbook(book).defined_names
    ((sheet, ref),) = names["kam_dossier_customer"].destinations
    assert openpyxl.load_workbook(book, data_only=True)[sheet][ref.replace("$", "")].value == customer
