"""The few workbook operations the ribbon buttons need, behind one protocol, with two adapters that take and
give the same pandas objects:

    book = LiveBook(xw.Book.caller())          # Excel, through xlwings only
    book = FileBook("KeyAccounts.xlsm", customer="C0042")   # a file, through kam_xl.package and the recalc
    frame = book.read_table("Customers"); book.write_table("Win-back", frame); book.read_settings() …
"""

__all__ = ["Book", "FileBook", "LiveBook"]

_ADAPTERS = {"Book": "kam_xl.book.protocol", "FileBook": "kam_xl.book.file", "LiveBook": "kam_xl.book.live"}


def __getattr__(name: str):
    """The adapters, imported when first named: pandas loads with them, and a command that only starts reading
    a file (:mod:`kam_xl.book.reading`) goes on at once."""
    if name not in _ADAPTERS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_ADAPTERS[name]), name)
