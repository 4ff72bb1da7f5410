"""Read the user's tables (CSV, XLSX/XLSM) and turn them into the core's canonical frames.

One validation module for every face: the CLI, the macros and the data-check sheet call the same
functions and get the same messages. Two steps:

- :func:`read_table` reads a file as it is: a frame of raw values (text from CSV; text, numbers,
  datetimes and booleans from a workbook) whose columns are the headers as written and whose index is
  the line (CSV) or sheet row (workbook) the user sees. Blank rows stay in; nothing is converted.
- :func:`transactions_frame`, :func:`customers_frame`, :func:`complaints_frame` find the columns by
  name, convert and check every cell, and return the canonical columns of :mod:`kam_xl.core.schema`
  (RangeIndex; rows with nothing in any column read are dropped).

A bad cell raises :class:`TableError` naming file, line or row (and the table's data row, as the cell
functions say it), column, the value found and the fix; several bad rows raise one
:class:`BadRowsError` listing the first 50::

    transactions.csv, line 17 (Transactions data row 16), column Amount: expected a number, found "abc" — …

One module per step: ``files`` (opening CSV files and workbooks), ``columns`` (parsing one raw column:
the conversion rules), ``numbers`` (decimal and thousands separators per column), ``frames`` (finding
columns by name, the canonical frames), ``errors``.
"""

from kam_xl.readers.errors import BadRowsError, TableError
from kam_xl.readers.files import read_table, workbook_tables
from kam_xl.readers.frames import (complaints_frame, customers_frame, has_column, transaction_headers,
                                  transactions_frame)

__all__ = [
    "TableError", "BadRowsError", "read_table", "transactions_frame", "customers_frame", "complaints_frame", "has_column",
    "workbook_tables", "transaction_headers",
]
