"""Input tables the conformance cases read: sheet -> {A1: value}. Each block mirrors the example data of the
Microsoft support page the cases of its family cite (see conformance_cases.py)."""

from __future__ import annotations

import datetime as dt

EPOCH = dt.date(1899, 12, 30)


def serial(year: int, month: int, day: int) -> float:
    """Excel's serial number of a date (1900 date system; its phantom 29 Feb 1900 is serial 60)."""
    days = (dt.date(year, month, day) - EPOCH).days
    return float(days - 1 if days < 61 else days)


class Date(float):
    """A date input: written as a number with a date format."""


def _column(sheet: dict, column: str, first_row: int, values) -> None:
    for row, value in enumerate(values, start=first_row):
        if value is not None:
            sheet[f"{column}{row}"] = value


def _build() -> dict[str, dict[str, object]]:
    lk: dict[str, object] = {"A1": "Key", "B1": "Name", "C1": "Price"}
    _column(lk, "A", 2, [1, 2, 3, 5, 8])                                  # sorted numbers
    _column(lk, "B", 2, ["one", "two", "three", "five", "eight"])
    _column(lk, "C", 2, [1.5, 2.5, 3.5, 5.5, 8.5])
    _column(lk, "E", 2, ["pear", "apple", "fig", "banana", "apple pie", "a*b"])  # unsorted text
    _column(lk, "F", 2, [10, 20, 30, 40, 50, 60])
    _column(lk, "H", 2, ["apple", "banana", "cherry", "grape", "melon"])  # sorted text
    _column(lk, "I", 2, [1, 2, 3, 4, 5])
    for col, values in zip("KLM", [["Axles", 4, 5, 6], ["Bearings", 4, 7, 8], ["Bolts", 9, 10, 11]]):
        _column(lk, col, 1, values)                                      # HLOOKUP example table
    _column(lk, "O", 2, [25, 38, 40, 41])                                 # MATCH example
    _column(lk, "Q", 2, [50, 40, 30, 20, 10])                             # descending
    _column(lk, "R", 2, ["e50", "e40", "e30", "e20", "e10"])

    st: dict[str, object] = {}
    _column(st, "A", 2, [1345, 1301, 1368, 1322, 1310, 1370, 1318, 1350, 1303, 1299])  # STDEV example
    _column(st, "C", 2, [7, 3.5, 3.5, 1, 2])                                           # RANK.EQ example
    _column(st, "E", 2, [89, 88, 92, 101, 94, 97, 95])                                 # RANK.AVG example
    _column(st, "G", 2, [1, 2, "text", None, 3, 4, True])                              # mixed

    ag: dict[str, object] = {}
    _column(ag, "A", 2, [10, "5", None, True, 20, 0])
    ag["B2"], ag["B4"] = 1, 3       # B3 holds =NA() (a case of its own)

    cr: dict[str, object] = {"A1": "Qty", "B1": "Product", "C1": "Person"}      # SUMIFS example
    _column(cr, "A", 2, [5, 4, 15, 3, 22, 12, 10, 33])
    _column(cr, "B", 2, ["Apples", "Apples", "Artichokes", "Artichokes", "Bananas", "Bananas", "Carrots",
                         "Carrots"])
    _column(cr, "C", 2, ["Tom", "Sarah", "Tom", "Sarah", "Tom", "Sarah", "Tom", "Sarah"])
    _column(cr, "E", 2, ["x", None, "y", 0])
    cr["G2"] = 10

    fn: dict[str, object] = {}
    _column(fn, "A", 2, [-10000, 2750, 4250, 3250, 2750])                  # XNPV / XIRR example
    _column(fn, "B", 2, [Date(serial(*d)) for d in [(2008, 1, 1), (2008, 3, 1), (2008, 10, 30), (2009, 2, 15),
                                                    (2009, 4, 1)]])
    _column(fn, "D", 2, [-70000, 12000, 15000, 18000, 21000, 26000])      # IRR example
    _column(fn, "F", 2, [8000, 9200, 10000, 12000, 14500])                 # NPV example 2

    dt_: dict[str, object] = {}
    _column(dt_, "A", 2, [Date(serial(*d)) for d in [(2012, 11, 22), (2012, 12, 4), (2013, 1, 21)]])
    _column(dt_, "B", 2, [Date(serial(*d)) for d in [(2008, 11, 26), (2008, 12, 4), (2009, 1, 21)]])
    return {"Lk": lk, "St": st, "Ag": ag, "Cr": cr, "Fn": fn, "Dt": dt_}


DATA = _build()
#: Defined names of the conformance workbook: a constant, a cell, a range (Lk!A2:A6 holds 1, 2, 3, 5, 8) and
#: a range worked out by a formula.
NAMES = {"lk_two": "=2", "lk_cell": "=Lk!$I$3", "lk_keys": "=Lk!$A$2:$A$6",
         "lk_dyn": "=Lk!$A$2:INDEX(Lk!$A$2:$A$99,MAX(1,COUNTA(Lk!$A$2:$A$99)))"}
