"""Import transactions: new lines only (a multiset difference by line key), rejects into Data check, all or
nothing, text stays text — on real files through `kam-xl import`."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pytest

from kam_xl import cli
from kam_xl.book import FileBook

ROOT = Path(__file__).resolve().parents[1]
GERMAN = ("Belegnummer;Pos;Kunde;Datum;Betrag;Deckungsbeitrag\r\n"
          "R-1;1;C1;02.01.2024;1.234,50;100,00\r\n"
          "R-1;2;C1;02.01.2024;1.234,50;100,00\r\n"
          "R-1;2;C1;02.01.2024;1.234,50;100,00\r\n"
          "=1+2;1;Müller;03.01.2024;10,00;1,00\r\n"
          "R-3;1;C3;xx;5,00;1,00\r\n"
          "R-4;1;;04.01.2024;7,00;1,00\r\n")


@pytest.fixture
def book(tmp_path):
    path = tmp_path / "Book.xlsm"
    shutil.copy(ROOT / "workbook" / "KeyAccounts.xlsm", path)
    return path


def export(tmp_path, text=GERMAN, encoding="utf-8-sig", name="export.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_a_german_cp1252_export_adds_its_good_lines_with_decimal_comma_and_dotted_dates(book, tmp_path, capsys):
    assert cli.main(["import", str(book), str(export(tmp_path, encoding="cp1252"))]) == 0
    assert capsys.readouterr().out == ("Import from export.csv: 3 lines added, 1 already in the table skipped, "
                                       "2 rejected (see the Data check sheet).\n")
    rows = FileBook(book).read_table("Transactions")
    assert rows[["Customer ID", "Document no", "Amount", "Margin"]].values.tolist() == [
        ["C1", "R-1", 1234.5, 100.0], ["C1", "R-1", 1234.5, 100.0], ["Müller", "=1+2", 10.0, 1.0]]
    assert str(rows["Date"][2])[:10] == "2024-01-03"


def test_importing_the_same_export_twice_adds_nothing_the_second_time(book, tmp_path, capsys):
    path = export(tmp_path)
    assert cli.main(["import", str(book), str(path)]) == 0
    first = FileBook(book).read_table("Transactions")
    assert cli.main(["import", str(book), str(path)]) == 0
    assert "0 lines added, 4 already in the table skipped" in capsys.readouterr().out
    assert FileBook(book).read_table("Transactions").equals(first)


def test_two_equal_lines_without_line_numbers_are_both_kept_and_a_longer_export_adds_only_the_extra(book, tmp_path):
    line = "R-9,C1,2024-05-01,50.00,5.00\n"
    assert cli.main(["import", str(book), str(export(tmp_path, "Document no,Customer,Date,Amount,Margin\n" + line * 2))]) == 0
    assert cli.main(["import", str(book), str(export(tmp_path, "Document no,Customer,Date,Amount,Margin\n" + line * 3,
                                                     name="more.csv"))]) == 0
    assert len(FileBook(book).read_table("Transactions")) == 3


def test_two_equal_export_lines_against_one_held_add_one_and_equal_line_numbers_are_one_line(book, tmp_path, capsys):
    header = "Belegnummer;Pos;Kunde;Datum;Betrag;Deckungsbeitrag\r\n"
    held, other = "R-7;;C1;02.01.2024;10,00;1,00\r\n", "R-8;1;C1;03.01.2024;20,00;2,00\r\n"
    assert cli.main(["import", str(book), str(export(tmp_path, header + held, name="one.csv"))]) == 0
    with zipfile.ZipFile(book) as archive:
        before = archive.read("xl/worksheets/sheet3.xml").decode()  # About, Customers, Transactions
    assert cli.main(["import", str(book), str(export(tmp_path, header + held * 2 + other * 2, name="two.csv"))]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == ("Import from two.csv: 2 lines added, 2 already in the table "
                                                        "skipped, 0 rejected.")
    rows = FileBook(book).read_table("Transactions")
    assert rows[["Document no", "Amount"]].values.tolist() == [["R-7", 10.0], ["R-7", 10.0], ["R-8", 20.0]]
    with zipfile.ZipFile(book) as archive:  # the line held is appended to, its row kept as it was
        after = archive.read("xl/worksheets/sheet3.xml").decode()
    row = re.search(r'<row r="2"[ >].*?</row>', before).group(0)
    assert "R-7" in row and row in after


def test_rejected_rows_reach_the_data_check_table_with_row_column_and_reason(book, tmp_path):
    cli.main(["import", str(book), str(export(tmp_path))])
    found = FileBook(book).read_table("DataCheck")
    rejected = found[found["Table"] == "Import export.csv"]
    assert rejected[["Data row", "Sheet row", "Column", "Value", "Level"]].values.tolist() == [
        [5, 6, "Datum", "xx", "error"], [6, 7, "Kunde", None, "error"]]
    assert rejected["Problem"].str.startswith("expected").all() and rejected["Fix"].notna().all()
    assert "customer is not in the Customers table" in set(found["Problem"])


def test_formula_like_text_is_written_as_a_string_cell(book, tmp_path):
    cli.main(["import", str(book), str(export(tmp_path))])
    with zipfile.ZipFile(book) as archive:
        sheet = archive.read("xl/worksheets/sheet3.xml").decode()  # About, Customers, Transactions
    cell = re.search(r'<c r="C4"[^>]*>.*?</c>', sheet).group(0)
    assert re.search(r't="(inlineStr|s)"', cell)
    assert "<f>" not in cell and FileBook(book).read_table("Transactions")["Document no"][2] == "=1+2"


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_a_failing_import_leaves_the_workbook_byte_identical(book, tmp_path):
    locked = tmp_path / "Locked.xlsm"
    shutil.copy(book, locked)
    with zipfile.ZipFile(locked, "a") as archive:  # a table part that no longer parses: the write must fail
        archive.writestr("xl/tables/table2.xml", b"<broken")
    broken = locked.read_bytes()
    assert cli.main(["import", str(locked), str(export(tmp_path))]) == 2
    assert locked.read_bytes() == broken


def test_key_texts_read_each_cell_as_the_workbook_shows_it():
    import numpy as np
    import pandas as pd

    from kam_xl.sheets.importer import _texts

    cells = pd.Series([1.0, " a ", None, np.nan, 3.5, "x", 2, True, 1e20, False, 0.0, "True", 1, pd.NaT],
                      dtype=object)
    assert list(_texts(cells)) == ["1", "a", "", "", "3.5", "x", "2", "True", "1e+20", "False", "0", "True", "1",
                                   ""]
