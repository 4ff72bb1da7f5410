"""LiveBook against a recorder of exactly the xlwings calls it makes (signatures checked against the installed
xlwings), and the same frames through LiveBook and FileBook giving the same cells."""

from __future__ import annotations

import inspect
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xlwings.main

import book_recorder as rec
from kam_xl.book import FileBook, LiveBook
from kam_xl.errors import InputError

COMMITTED = Path(__file__).resolve().parents[1] / "workbook" / "KeyAccounts.xlsm"
THREE_P = "=THREE_P(Prospects[[#This Row],[Need]],Prospects[[#This Row],[Ability to pay]],Prospects[[#This Row],[Authority]])"


def _plain(signature: inspect.Signature) -> list[tuple]:
    return [(p.name, p.kind, p.default) for p in signature.parameters.values()]


@pytest.mark.parametrize("recorder", list(rec.XLWINGS_CLASSES), ids=lambda c: c.__name__)
def test_the_recorder_implements_only_xlwings_calls_with_their_signatures(recorder):
    real = getattr(xlwings.main, rec.XLWINGS_CLASSES[recorder])
    for name, ours in vars(recorder).items():
        if name.startswith("_") and name not in ("__getitem__", "__iter__") or name in rec.SETUP:
            continue
        theirs = inspect.getattr_static(real, name, None)
        assert theirs is not None, f"xlwings.{real.__name__} has no {name}"
        if isinstance(ours, property):
            assert isinstance(theirs, property), f"xlwings.{real.__name__}.{name} is not a property"
            assert ours.fset is None or theirs.fset is not None, f"xlwings.{real.__name__}.{name} cannot be set"
        else:
            assert _plain(inspect.signature(ours)) == _plain(inspect.signature(theirs)), f"{real.__name__}.{name}"


def transactions() -> pd.DataFrame:
    return pd.DataFrame({"Date": pd.to_datetime(["2025-01-02", "2025-02-03", "2025-03-04"]),
                         "Customer ID": ["C1", "=1+2", "007"], "Document no": ["D1", None, "@x"],
                         "Amount": [1.5, 2.0, -3.25], "Margin": [0.5, None, 1.0]})


def prospects() -> pd.DataFrame:
    return pd.DataFrame({"Prospect ID": ["P1", "P2"], "Name": ["Acme", "+49 89"], "Industry": ["a", "b"],
                         "Need": ["yes", "no"], "Ability to pay": ["yes", "yes"], "Authority": ["yes", "no"],
                         "Budget": [60000.0, None], "Notes": [None, "-5"]})


def recorder_book() -> rec.Book:
    """The committed workbook's Transactions and Prospects tables, as a recorder."""
    book = rec.Book("KeyAccounts.xlsm")
    book.add_sheet("Transactions").add_table("Transactions", list(transactions().columns))
    book.add_sheet("Prospects").add_table("Prospects", [*prospects().columns, "Potential key customer"],
                                          calculated={"Potential key customer": THREE_P})
    return book


def recorded(sheet: rec.Sheet, rows: int, cols: int) -> list[list]:
    return [[sheet.values.get((r, c)) for c in range(1, cols + 1)] for r in range(2, rows + 2)]


def test_a_frame_written_live_and_on_file_gives_the_same_cells(tmp_path):
    path = tmp_path / "KeyAccounts.xlsm"
    shutil.copyfile(COMMITTED, path)
    live, file = LiveBook(recorder_book()), FileBook(path, recalc=False)
    for name, frame in (("Transactions", transactions()), ("Prospects", prospects())):
        live.write_table(name, frame)
        file.write_table(name, frame)
        ws = openpyxl.load_workbook(path)[name]
        on_file = [[c.value for c in row] for row in ws.iter_rows(min_row=2, max_row=len(frame) + 1,
                                                                   max_col=len(frame.columns))]
        assert recorded(live.book.sheets[name], len(frame), len(frame.columns)) == on_file
        assert ws.max_row == len(frame) + 1
    sheet = live.book.sheets["Prospects"]
    assert [sheet.formulas[(r, 9)] for r in (2, 3)] == [THREE_P, THREE_P]  # Excel filled the calculated column
    assert live.read_table("Transactions").to_dict("list") == file.read_table("Transactions").to_dict("list")


def test_a_live_write_is_one_resize_and_one_value_per_block_of_columns():
    book = recorder_book()
    LiveBook(book).write_table("Prospects", pd.concat([prospects()] * 500, ignore_index=True))
    writes = [c for c in book.calls if c[0] in ("set value", "resize", "clear_contents")]
    assert writes == [("resize", "Prospects!R1C1:R1001C9"), ("set value", "Prospects!R2C1:R1001C8")]
    book.calls.clear()
    LiveBook(book).write_table("Prospects", prospects().iloc[:1])
    writes = [c for c in book.calls if c[0] in ("set value", "resize", "clear_contents")]
    assert writes == [("resize", "Prospects!R1C1:R2C9"), ("clear_contents", "Prospects!R3C1:R1001C9"),
                      ("set value", "Prospects!R2C1:R2C8")]


def test_the_active_customer_is_the_customer_id_of_the_selected_table_row():
    book = recorder_book()
    LiveBook(book).write_table("Transactions", transactions())
    live = LiveBook(book)
    book.select(book.sheets["Transactions"], 2, 4)
    assert live.active_customer() == "C1"
    book.select(book.sheets["Prospects"], 2, 1)
    assert live.active_customer() is None  # Prospects has no Customer ID column
    assert FileBook(COMMITTED, customer="C7").active_customer() == "C7"


def test_named_cells_sheets_and_messages_reach_excel_and_the_file(tmp_path, capsys):
    book = recorder_book()
    selector = book.add_sheet("Settings")
    book.defined["kam_language"] = rec.Name(selector, 37, 2)
    live = LiveBook(book)
    live.set_named_cell("kam_language", "DE")
    live.activate_sheet("Settings")
    live.show_message("Done.")
    assert selector.values[(37, 2)] == "DE" and book.active == "Settings" and book.messages == ["Done."]
    path = tmp_path / "KeyAccounts.xlsm"
    shutil.copyfile(COMMITTED, path)
    file = FileBook(path, recalc=False)
    file.set_named_cell("kam_language", "DE")
    assert openpyxl.load_workbook(path)["Settings"]["B37"].value == "DE"
    assert file.read_settings().language == "DE"
    file.show_message("Done.")
    assert capsys.readouterr().out == "Done.\n"
    file.activate_sheet("Dossier")
    with pytest.raises(InputError, match="no sheet named 'Nowhere'"):
        file.activate_sheet("Nowhere")


def test_the_as_of_date_of_the_settings_sheet_reaches_both_adapters(tmp_path):
    import datetime as dt

    book = recorder_book()
    settings = book.add_sheet("Settings")
    book.defined["kam_as_of"] = rec.Name(settings, 4, 2)
    assert LiveBook(book).read_as_of() is None
    settings.values[(4, 2)] = dt.datetime(2026, 6, 30)
    assert LiveBook(book).read_as_of() == dt.date(2026, 6, 30)
    path = tmp_path / "KeyAccounts.xlsm"
    shutil.copyfile(COMMITTED, path)
    file = FileBook(path, recalc=False)
    assert file.read_as_of() is None
    file.set_named_cell("kam_as_of", dt.date(2026, 6, 30))
    assert file.read_as_of() == dt.date(2026, 6, 30)
