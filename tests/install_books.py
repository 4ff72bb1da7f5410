"""Small workbooks kam_xl did not write, for the install tests: XlsxWriter and openpyxl, tables and ranges."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import xlsxwriter

DAY = dt.date(2024, 1, 2)
IDS = ["C7", "C3", "C7", "C9", "C3", "C1"]


def english_table(path: Path) -> Path:
    """A sheet Data with the table Sales (English headers) and a chart sheet-free notes sheet."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Data")
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    rows = [[DAY + dt.timedelta(days=9 * i), cid, f"INV-{100 + i}", 100.0 + i, 20.5] for i, cid in enumerate(IDS)]
    sheet.add_table(0, 0, len(rows), 4, {"name": "Sales", "data": rows, "columns": [
        {"header": "Invoice Date", "format": dates}, {"header": "Customer No"}, {"header": "Invoice No"},
        {"header": "Revenue"}, {"header": "Margin"}]})
    notes = book.add_worksheet("Notes")
    notes.write(0, 0, "Read me")
    book.close()
    return path


def german_range(path: Path, *, extra_customer: bool = False, amount: str = "Umsatz") -> Path:
    """A sheet Umsätze with two title rows, a blank row, then a plain range with German headers (openpyxl)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Umsätze"
    sheet["A1"] = "Umsatzliste 2024"
    sheet["A2"] = "Stand: Januar"
    headers = ["Belegdatum", "Kundennr.", "Belegnr.", amount, "DB"] + (["Kunde"] if extra_customer else [])
    sheet.append([])
    sheet.append(headers)  # row 4
    for i, cid in enumerate(IDS):
        row = [DAY + dt.timedelta(days=9 * i), cid, f"R-{i}", 100.0 + i, 20.0]
        sheet.append(row + ([f"Firma {cid}"] if extra_customer else []))
    sheet["H4"] = "Notiz"  # beside the range, after a blank column
    other = book.create_sheet("Kunden")
    other.append(["Kundennr.", "Name", "Betreuer"])
    for cid in sorted(set(IDS)):
        other.append([cid, f"Firma {cid}", "Anna"])
    book.save(path)
    return path


def two_lists(path: Path) -> Path:
    """Two sheets that both hold a transaction list."""
    book = openpyxl.Workbook()
    for name in ("2023", "2024"):
        sheet = book.create_sheet(name)
        sheet.append(["Date", "Customer ID", "Amount"])
        sheet.append([DAY, "C1", 5.0])
    del book["Sheet"]
    book.save(path)
    return path


def complaints_sheet(path: Path) -> Path:
    """Transactions as a table, complaints on a plain sheet, and a contacts-like sheet (customer and date only)."""
    book = xlsxwriter.Workbook(str(path))
    data = book.add_worksheet("Sales")
    rows = [[DAY, cid, 10.0] for cid in IDS]
    data.add_table(0, 0, len(rows), 2, {"name": "Sales", "data": rows, "columns": [
        {"header": "Date"}, {"header": "Customer ID"}, {"header": "Amount"}]})
    claims = book.add_worksheet("Reklamationen")
    claims.write_row(0, 0, ["Datum", "Kundennr.", "Kategorie", "Schwere"])
    claims.write_row(1, 0, ["2024-02-01", "C3", "Lieferung", "hoch"])
    visits = book.add_worksheet("Besuche")
    visits.write_row(0, 0, ["Datum", "Kundennr.", "Notiz"])
    visits.write_row(1, 0, ["2024-02-03", "C7", "Termin"])
    book.close()
    return path


def range_for_tables(path: Path) -> Path:
    """XlsxWriter: a plain range under a title with a conditional format and a validation after the cells
    (elements after <sheetData>), and a second sheet that already has a table."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Umsätze 2024")
    bold = book.add_format({"bold": True})
    sheet.write(0, 0, "Umsatzliste", bold)
    sheet.write_row(2, 0, ["Belegdatum", "Kundennr.", "Umsatz"], bold)
    for i, cid in enumerate(IDS):
        sheet.write_datetime(3 + i, 0, dt.datetime(2024, 1, 2 + i), book.add_format({"num_format": "dd.mm.yyyy"}))
        sheet.write_string(3 + i, 1, cid)
        sheet.write_number(3 + i, 2, 100.5 + i)
    sheet.conditional_format("C4:C9", {"type": "cell", "criteria": ">", "value": 103, "format": bold})
    sheet.data_validation("B4:B9", {"validate": "length", "criteria": "<", "value": 10})
    other = book.add_worksheet("Liste")
    other.add_table(0, 0, 2, 1, {"name": "Codes", "data": [["a", 1], ["b", 2]],
                                 "columns": [{"header": "Key"}, {"header": "Value"}]})
    other.write_row(5, 0, ["Kundennr.", "Name"])
    other.write_row(6, 0, ["C1", "Eins"])
    book.close()
    return path
