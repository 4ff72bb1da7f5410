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
