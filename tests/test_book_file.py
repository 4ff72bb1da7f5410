"""FileBook writes through the table writer and recalculates with the engine of `kam-xl recalc`."""

from __future__ import annotations

import shutil

import openpyxl

from kam_xl.book import FileBook
from test_book_live import COMMITTED, prospects


def test_a_file_write_leaves_calculated_columns_with_current_values(tmp_path):
    path = tmp_path / "KeyAccounts.xlsm"
    shutil.copyfile(COMMITTED, path)
    book = FileBook(path)
    book.write_table("Prospects", prospects())
    ws = openpyxl.load_workbook(path, data_only=True)["Prospects"]
    assert [ws["I2"].value, ws["I3"].value] == [True, False]
    assert list(book.read_table("prospects")["Name"]) == ["Acme", "+49 89"]
