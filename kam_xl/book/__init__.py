"""The few workbook operations the ribbon buttons need, behind one protocol, with two adapters that take and
give the same pandas objects:

    book = LiveBook(xw.Book.caller())          # Excel, through xlwings only
    book = FileBook("KeyAccounts.xlsm", customer="C0042")   # a file, through kam_xl.package and the recalc
    frame = book.read_table("Customers"); book.write_table("Win-back", frame); book.read_settings() …
"""

from kam_xl.book.file import FileBook
from kam_xl.book.live import LiveBook
from kam_xl.book.protocol import Book

__all__ = ["Book", "FileBook", "LiveBook"]
