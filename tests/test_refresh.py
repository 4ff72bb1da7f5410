"""`kam-xl refresh` on real workbook files: the Win-back list agrees with `kam-xl analyze`, what users typed
survives a second refresh with new transactions, and a workbook open in Excel is never written."""

from __future__ import annotations

import os
import time

import pandas as pd
import pytest

from kam_xl.book import FileBook
from kam_xl.cli import main
from kam_xl.sheets import winback as wb


@pytest.fixture(scope="module")
def demo_book(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    path = folder / "demo.xlsm"
    assert main(["demo", "--customers", "300", "--out", str(folder), "--workbook", str(path)]) == 0
    return path


def copy(path, tmp_path, name="book.xlsm"):
    target = tmp_path / name
    target.write_bytes(path.read_bytes())
    return target


def lost_key_accounts(path, tmp_path) -> set[str]:
    out = tmp_path / "analysis.csv"
    assert main(["analyze", str(path), "--out", str(out)]) == 0
    analysis = pd.read_csv(out, dtype={"customer_id": str})
    return set(analysis.loc[analysis["key_account"] & (analysis["churn"] == "lost"), "customer_id"])


def test_after_the_first_refresh_the_open_rows_are_the_key_accounts_analyze_flags_lost(demo_book, tmp_path):
    book = copy(demo_book, tmp_path)
    assert main(["refresh", str(book)]) == 0
    table = FileBook(book).read_table(wb.TABLE)
    open_rows = set(table.loc[table[wb.RECOVERED].isna(), wb.CUSTOMER])
    assert open_rows and open_rows == lost_key_accounts(book, tmp_path)
    assert (table[wb.STATUS] == "open").all()


def test_statuses_typed_into_a_copy_survive_a_second_refresh_and_a_buyer_shows_recovered(demo_book, tmp_path):
    book = copy(demo_book, tmp_path)
    assert main(["refresh", str(book)]) == 0
    files = FileBook(book, recalc=False)
    table = files.read_table(wb.TABLE)
    table[wb.STATUS] = "offer sent"
    table[wb.NOTES] = [f"note {i}" for i in range(len(table))]
    files.write_table(wb.TABLE, table)
    buyer = table[wb.CUSTOMER].iloc[0]
    tx = files.read_table("Transactions")
    day = tx["Date"].max() + pd.Timedelta(days=3)
    new = pd.DataFrame({"Date": [day], "Customer ID": [buyer], "Document no": ["R-NEW-1"], "Amount": [1234.5],
                        "Margin": [100.0]})
    files.write_table("Transactions", pd.concat([tx, new], ignore_index=True))

    assert main(["refresh", str(book)]) in (0, 1)
    after = FileBook(book).read_table(wb.TABLE).set_index(wb.CUSTOMER)
    assert set(after.index) >= set(table[wb.CUSTOMER])
    assert (after.loc[table[wb.CUSTOMER], wb.STATUS] == "offer sent").all()
    assert list(after.loc[table[wb.CUSTOMER], wb.NOTES]) == list(table[wb.NOTES])
    assert pd.Timestamp(after.loc[buyer, wb.RECOVERED]) == day
    assert after.loc[buyer, wb.LISTED] == table.set_index(wb.CUSTOMER).loc[buyer, wb.LISTED]


@pytest.mark.parametrize("command", ["recalc", "refresh"])
def test_a_workbook_open_in_excel_is_skipped_untouched_with_exit_2(demo_book, tmp_path, capsys, command):
    book = copy(demo_book, tmp_path)
    (tmp_path / "~$book.xlsm").write_bytes(b"\x03Eva" + b"\x20" * 50)
    before = book.read_bytes()
    assert main([command, str(book)]) == 2
    assert book.read_bytes() == before
    assert "open in Excel by Eva (owner file ~$book.xlsm" in capsys.readouterr().err


def test_an_owner_file_older_than_the_max_age_is_taken_as_stale_and_said(demo_book, tmp_path, capsys):
    book = copy(demo_book, tmp_path, "KeyAccounts.xlsm")
    owner = tmp_path / "~$yAccounts.xlsm"  # Excel's name for a long file name
    owner.write_bytes(b"\x03Eva")
    old = time.time() - 30 * 3600
    os.utime(owner, (old, old))
    assert main(["recalc", str(book), "--owner-file-max-age", "24"]) == 0
    assert "owner file ~$yAccounts.xlsm is 30 h old (over --owner-file-max-age 24)" in capsys.readouterr().err
    assert main(["recalc", str(book), "--owner-file-max-age", "48"]) == 2


def test_bad_input_leaves_the_winback_table_unwritten_but_recalculates_and_says_why(demo_book, tmp_path, capsys):
    book = copy(demo_book, tmp_path)
    files = FileBook(book, recalc=False)
    before = files.read_table(wb.TABLE)
    tx = files.read_table("Transactions")
    tx.loc[4, "Amount"] = "abc"
    files.write_table("Transactions", tx)
    assert main(["refresh", str(book)]) == 1  # the analysis cells show #KAM, as after `recalc`
    err = capsys.readouterr().err
    assert "book.xlsm: note: winback table not written: table Transactions, row 6" in err
    assert 'column Amount: expected a number, found "abc"' in err
    pd.testing.assert_frame_equal(FileBook(book).read_table(wb.TABLE), before)



def test_a_damaged_formula_sheet_is_named_by_the_recalculation_and_the_file_stays_as_it_was(demo_book, tmp_path,
                                                                                              capsys):
    import zipfile

    from kam_xl.package.workbook_part import read_workbook

    book = tmp_path / "book.xlsm"
    with zipfile.ZipFile(demo_book) as source, zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as out:
        matrix = next(s.part for s in read_workbook(source).sheets if s.name == "Matrix")
        for info in source.infolist():
            body = source.read(info)
            if info.filename == matrix:  # a prefixed namespace (read with a real parser), cut off halfway
                body = body.replace(b'xmlns="', b'xmlns:x="', 1)[:len(body) // 2]
            out.writestr(info, body)
    before = book.read_bytes()
    assert main(["refresh", str(book)]) == 2
    err = capsys.readouterr().err
    assert "the recalculation failed (unclosed token" in err and "nothing written" in err
    assert book.read_bytes() == before

def test_refresh_writes_the_data_check_table_and_says_its_summary(demo_book, tmp_path, capsys):
    import json

    book = copy(demo_book, tmp_path)
    files = FileBook(book, recalc=False)
    contacts = files.read_table("Contacts")
    contacts.loc[contacts.index[2], "Attitude"] = "grumpy"        # not in the drop-down; the analysis is unaffected
    files.write_table("Contacts", contacts)
    capsys.readouterr()
    assert main(["refresh", str(book), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)["files"][0]
    assert "Data check: 1 error" in report["note"] and "winback" not in report["note"]
    found = FileBook(book).read_table("DataCheck")
    assert report["tables"]["DataCheck"] == len(found)
    assert ["Contacts", "Attitude", "grumpy"] in found[["Table", "Column", "Value"]].values.tolist()


def test_the_win_back_list_is_as_of_the_settings_sheet_date(demo_book, tmp_path):
    book = copy(demo_book, tmp_path)
    files = FileBook(book, recalc=False)
    day = (files.read_table("Transactions")["Date"].max() - pd.Timedelta(days=60)).date()
    files.set_named_cell("kam_as_of", day)
    files.write_table(wb.TABLE, files.read_table(wb.TABLE).iloc[0:0])   # no row listed yet
    assert main(["refresh", str(book)]) == 0
    table = FileBook(book).read_table(wb.TABLE)
    assert len(table) and (pd.to_datetime(table[wb.LISTED]).dt.date == day).all()
