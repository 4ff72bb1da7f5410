"""`kam-xl install` on the command line: the --dry-run text, option errors (exit 2, one line), the rules for
the output path. (Writing the new workbook needs the template's sources and the graft of issue 12.)"""

from __future__ import annotations

import os
import time

import pytest

import install_books as books
from kam_xl.cli import main

GERMAN_DRY_RUN = """\
de.xlsx: dry run, nothing written
Their data (read where it is; columns as --map names them):
  transactions: sheet Umsätze, range A4:E10, 6 rows
    date     = Belegdatum
    customer = Kundennr.
    document = Belegnr.
    amount   = Umsatz
    margin   = DB
  customers: sheet Kunden, range A1:C5, 4 rows
    customers.customer = Kundennr.
    customers.name     = Name
  complaints: not found — install adds a Complaints table
Will add:
  sheets: About, Complaints, Tenders, Contacts, Competitors, Prospects, Analysis, Matrix, Dossier, Win-back, \
Data check, Settings, Labels, xlwings.conf
  tables: Complaints, Tenders, Contacts, Competitors, Prospects, Winback, DataCheck, Settings, Labels
  names: kam_transactions = 'Umsätze'!$A$4:$E$10, kam_customers = 'Kunden'!$A$1:$C$5
  the VBA project (cell functions, buttons) and the Key Accounts ribbon
Would write de-kam.xlsm (your file stays as it is).
"""

ENGLISH_MAKE_TABLES_DRY_RUN = """\
en.xlsx: dry run, nothing written
Their data (read where it is; columns as --map names them):
  transactions: table Sales (sheet Data, A1:E7), 6 rows
    date     = Invoice Date
    customer = Customer No
    document = Invoice No
    amount   = Revenue
    margin   = Margin
  customers: not found — install adds a Customers table
  complaints: not found — install adds a Complaints table
Will add:
  sheets: About, Customers, Complaints, Tenders, Contacts, Competitors, Prospects, Analysis, Matrix, Dossier, \
Win-back, Data check, Settings, Labels, xlwings.conf
  tables: Customers (4 customer ids of your transactions; name and owner empty), Complaints, Tenders, Contacts, \
Competitors, Prospects, Winback, DataCheck, Settings, Labels
  the VBA project (cell functions, buttons) and the Key Accounts ribbon
Would write out/new.xlsm (your file stays as it is).
"""


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def listing(folder) -> dict:
    return {p.name: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_dry_run_prints_the_mapping_and_what_install_adds_and_writes_nothing(folder, capsys):
    books.german_range(folder / "de.xlsx")
    before = listing(folder)
    assert main(["install", "de.xlsx", "--dry-run"]) == 0
    assert capsys.readouterr().out == GERMAN_DRY_RUN
    assert listing(folder) == before


def test_dry_run_of_a_table_with_make_tables_and_out(folder, capsys):
    books.english_table(folder / "en.xlsx")
    (folder / "out").mkdir()
    assert main(["install", "en.xlsx", "--dry-run", "--make-tables", "--out", "out/new.xlsm"]) == 0
    assert capsys.readouterr().out == ENGLISH_MAKE_TABLES_DRY_RUN  # a table needs no --make-tables, nor a name


def test_dry_run_with_make_tables_names_the_new_tables(folder, capsys):
    books.german_range(folder / "de.xlsx")
    before = listing(folder)
    assert main(["install", "de.xlsx", "--dry-run", "--make-tables", "--language", "de"]) == 0
    out = capsys.readouterr().out
    assert "  transactions: table Umsaetze (sheet Umsätze, A4:E10), 6 rows\n" in out
    assert "  customers: table Kunden (sheet Kunden, A1:C5), 4 rows\n" in out
    assert ("  to your sheets (--make-tables): table Umsaetze over Umsätze!A4:E10, table Kunden over Kunden!A1:C5\n"
            in out)
    assert "names:" not in out  # tables need no defined names
    assert listing(folder) == before


@pytest.mark.parametrize("args, message", [
    (["de.xlsx", "--out", "x.xlsx"], "--out x.xlsx: the new workbook holds macros, which Excel opens only under an "
                                     ".xlsm name — use --out x.xlsm"),
    (["de.xlsm", "--out", "./de.xlsm"], "--out de.xlsm is your workbook itself; install never writes over it — name "
                                        "a new file"),
    (["de.xlsx", "--map", "amout=Umsatz"], "--map: transactions have no column 'amout'; use one of customer, date, "
                                           "amount, margin, document"),
    (["de.xlsx", "--language", "fr"], "--language fr: use EN or DE"),
    (["missing.xlsx"], "missing.xlsx: no such file — check the path and the file name"),
    (["fake.xlsx"], "fake.xlsx cannot be read as an Excel workbook (File is not a zip file) — open it in Excel and "
                    "save it again as .xlsx"),
    (["old.xls"], "old.xls: install reads .xlsx and .xlsm workbooks — open it in Excel and save it as .xlsx"),
    (["de.xlsx", "--transactions", "Sales"], "--transactions Sales: no table or sheet of that name (sheets: Umsätze, "
                                             "Kunden; tables: none)"),
    (["de.xlsx", "--customers", "Umsätze"], "--customers Umsätze: sheet Umsätze, header row 4 holds the "
                                            "transactions — name the table or sheet of the customers themselves"),
])
def test_option_errors_exit_2_with_one_line(folder, capsys, args, message):
    books.german_range(folder / "de.xlsx")
    (folder / "de.xlsm").write_bytes((folder / "de.xlsx").read_bytes())
    (folder / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    (folder / "fake.xlsx").write_text("Date;Customer;Amount\n", encoding="utf-8")
    assert main(["install", *args, "--dry-run"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"kam-xl install: {message}\n"


def test_an_existing_output_is_never_overwritten(folder, capsys):
    books.german_range(folder / "de.xlsx")
    (folder / "de-kam.xlsm").write_bytes(b"the user's work")
    assert main(["install", "de.xlsx"]) == 2
    assert capsys.readouterr().err == ("kam-xl install: de-kam.xlsm already exists — name another file with --out, "
                                       "or delete it (to bring an installed workbook up to date: kam-xl install "
                                       "--upgrade)\n")
    assert (folder / "de-kam.xlsm").read_bytes() == b"the user's work"


def test_a_workbook_open_in_excel_is_refused_unless_the_owner_file_is_stale(folder, capsys):
    books.german_range(folder / "de.xlsx")
    owner = folder / "~$de.xlsx"
    owner.write_bytes(b"owner")
    before = listing(folder)
    assert main(["install", "de.xlsx"]) == 2
    assert capsys.readouterr().err == ("kam-xl install: de.xlsx is open in Excel (owner file ~$de.xlsx) — save and "
                                       "close it, then run again: install reads the saved file\n")
    assert listing(folder) == before
    old = time.time() - 25 * 3600
    os.utime(owner, (old, old))
    (folder / "de-kam.xlsm").write_bytes(b"x")  # stops right after the owner-file check
    assert main(["install", "de.xlsx"]) == 2
    assert "already exists" in capsys.readouterr().err


def test_upgrade_takes_none_of_the_install_options(folder, capsys):
    books.german_range(folder / "de.xlsx")
    assert main(["install", "--upgrade", "de.xlsx", "--map", "amount=Umsatz", "--dry-run"]) == 2
    assert capsys.readouterr().err == ("kam-xl install: --upgrade keeps where the workbook reads its data; leave out "
                                       "--map, --dry-run\n")
