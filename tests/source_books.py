"""Workbooks whose transactions live in the user's own sheet, for the sources tests.

Our sheets are built by the template into the same XlsxWriter workbook, after a sheet written here in the
user's style: German headers, as (a) an Excel table ``Sales`` on sheet ``Verkauf`` or (b) a plain range on
sheet ``Umsätze`` read through the defined name ``kam_transactions``. The data is a demo world's.

    path = source_book(tmp_path / "table.xlsm", demo, "table")
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from kam_xl.template.sheets import cell_values, write_value
from kam_xl.template.sources import Source, Sources
from kam_xl.template.workbook import finish, new_workbook, write_sheets

#: Their headers of our transaction columns (German, as an ERP export has them).
HEADERS = {"date": "Belegdatum", "customer_id": "Kundennr.", "document_no": "Rechnungsnr.", "amount": "Umsatz",
           "margin": "DB"}
#: A column of theirs that kam_xl does not read: it must be left alone.
EXTRA = "Vertreter"
TABLE_SHEET, TABLE_NAME = "Verkauf", "Sales"
RANGE_SHEET = "Umsätze"


def their_transactions(tables: dict[str, pd.DataFrame], headers: dict[str, str] = HEADERS) -> pd.DataFrame:
    """The demo transactions under their headers, with a column of their own."""
    tx = tables["transactions"]
    frame = pd.DataFrame({headers[c]: tx[c] for c in headers if c in tx.columns})
    frame[EXTRA] = "Müller"
    return frame


def source_book(path: Path, data, kind: str, headers: dict[str, str] = HEADERS) -> Path:
    """Write a workbook whose transactions are theirs: ``kind`` "table" or "range", under ``headers``. Our
    sheets hold the other input tables and no cached result: only a recalculation, reading their sheet, fills
    them."""
    tables = {k.lower(): v for k, v in data.tables().items()} if hasattr(data, "tables") else dict(data)
    frame = their_transactions(tables, headers)
    buffer = io.BytesIO()
    workbook = new_workbook(buffer)
    sheet = workbook.add_worksheet(TABLE_SHEET if kind == "table" else RANGE_SHEET)
    date_format = workbook.add_format({"num_format": "dd.mm.yyyy"})
    for col, header in enumerate(frame.columns):
        sheet.write_string(0, col, header)
        fmt = date_format if header == headers["date"] else None
        for row, value in enumerate(cell_values(frame[header]), start=1):
            write_value(sheet, row, col, value, fmt)
    last = f"${chr(ord('A') + len(frame.columns) - 1)}${len(frame) + 1}"
    columns = {c: h for c, h in headers.items() if h in frame.columns}
    if kind == "table":
        sheet.add_table(0, 0, len(frame), len(frame.columns) - 1,
                        {"name": TABLE_NAME, "columns": [{"header": h} for h in frame.columns]})
        source = Source.of_table("Transactions", TABLE_NAME, columns)
    else:
        source = Source.of_range("Transactions", f"'{RANGE_SHEET}'!$A$1:{last}", columns)
    ours = {name: frame for name, frame in tables.items() if name != "transactions"}
    write_sheets(workbook, ours, sources=Sources.of(source))
    path.write_bytes(finish(workbook, buffer))
    return path
