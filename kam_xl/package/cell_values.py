"""Python values as SpreadsheetML cached values: the ``t`` attribute and the text of ``<v>`` (ECMA-376 Part 1,
18.3.1.4 ``c`` and 18.18.11 ST_CellType).

    number   no t (t="n" is the default)   <v>0.25</v>
    text     t="str"                        <v>Key account</v>   (a formula's string result, not a shared string;
                                                                 over 32,767 characters: #VALUE!, as in Excel)
    boolean  t="b"                          <v>1</v> / <v>0</v>
    error    t="e"                          <v>#DIV/0!</v>
    date     no t, an Excel serial number   (the styles' number format makes it look like a date)
    None     no <v> at all: the formula's result is empty
"""

from __future__ import annotations

import datetime as dt
import numbers
import re
from dataclasses import dataclass
from typing import NamedTuple

# The error values ECMA-376 allows in <v> (18.18.11, and #GETTING_DATA from MS-OI29500).
ECMA_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA"})
# Newer Excel errors exist in files only as rich values (vm="…" plus xl/richData parts); Excel puts #VALUE! in
# <v> next to them, which is what every reader that ignores rich data shows. kam_xl writes that #VALUE!.
RICH_ERRORS = frozenset({"#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!",
                         "#PYTHON!", "#EXTERNAL!", "#TIMEOUT!"})
RICH_ERROR_STORED_AS = "#VALUE!"

MAX_TEXT = 32767  # characters in one cell (Excel specifications and limits)
_EXACT_INT = 2 ** 53  # every whole number up to here is a double, and under 1e16 its repr has no exponent

# Serial number 1 of each date system; the 1900 system counts the fictitious 29 Feb 1900 (serial 60).
_EPOCH_1900 = dt.datetime(1899, 12, 30)
_EPOCH_1904 = dt.datetime(1904, 1, 1)
_MARCH_1900 = dt.datetime(1900, 3, 1)


@dataclass(frozen=True)
class ErrorValue:
    """An Excel error as a cell value, e.g. ``ErrorValue("#DIV/0!")``."""

    code: str

    def __post_init__(self):
        code = self.code.upper() if isinstance(self.code, str) else self.code
        if code not in ECMA_ERRORS and code not in RICH_ERRORS:
            known = ", ".join(sorted(ECMA_ERRORS | RICH_ERRORS))
            raise ValueError(f"unknown Excel error {self.code!r}; expected one of {known}")
        object.__setattr__(self, "code", code)

    @property
    def stored(self) -> str:
        """The text that goes into ``<v>``."""
        return self.code if self.code in ECMA_ERRORS else RICH_ERROR_STORED_AS

    def __str__(self) -> str:
        return self.code


CellValue = float | int | str | bool | ErrorValue | dt.datetime | dt.date | dt.time | None


class Cached(NamedTuple):
    """A value ready for the sheet XML: ``t`` (None for a number) and the escaped text of ``<v>`` (None: no <v>)."""

    t: bytes | None
    v: bytes | None
    downgraded: bool = False  # a rich-value error, or text over MAX_TEXT, stored as #VALUE!


EMPTY = Cached(None, None)
_TRUE, _FALSE = Cached(b"b", b"1"), Cached(b"b", b"0")
TOO_LONG = Cached(b"e", b"#VALUE!", downgraded=True)
_new_tuple = tuple.__new__  # _new_tuple(Cached, (t, v, False)) is Cached(t, v), without the cost of its defaults


def cached(value: object, *, date1904: bool = False) -> Cached:
    """The cached form of ``value``; ValueError or TypeError says why a value cannot be stored."""
    if type(value) is float or type(value) is int:  # the common case first
        return Cached(None, number_text(value))
    if value is None:
        return EMPTY
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        value = value.item()  # numpy.bool_, numpy.int64, numpy.str_ … as the Python value they hold
    if isinstance(value, bool):
        return _TRUE if value else _FALSE
    if isinstance(value, ErrorValue):
        return Cached(b"e", value.stored.encode("ascii"), downgraded=value.code != value.stored)
    if isinstance(value, str):
        if len(value) > MAX_TEXT:  # Excel shows #VALUE! for a formula whose text is longer
            return TOO_LONG
        return Cached(b"str", escape_text(value))
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return Cached(None, number_text(serial(value, date1904=date1904)))
    if isinstance(value, numbers.Real):
        return Cached(None, number_text(value))
    raise TypeError(f"cannot store a {type(value).__name__} ({value!r}) as a cell value")


def cached_values(values, *, date1904: bool = False) -> list[Cached]:
    """``[cached(v) for v in values]``, faster: each distinct float, whole number or text is encoded once, and
    a float's text is its ``repr`` when that is already the shortest form. Raises like :func:`cached` (the
    caller then finds the cell by encoding the values one by one)."""
    out: list[Cached] = []
    add = out.append
    floats, ints, texts = {}, {}, {}  # one table per type: 1.0 == 1 == True, but they are stored apart
    for value in values:
        kind = type(value)
        if kind is float:
            known = floats.get(value)
            if known is None:
                known = floats[value] = _float_cached(value)
        elif kind is str:
            known = texts.get(value)
            if known is None:
                known = texts[value] = cached(value)
        elif kind is int:
            known = ints.get(value)
            if known is None:
                known = ints[value] = _int_cached(value)
        elif value is None:
            known = EMPTY
        elif kind is bool:
            known = _TRUE if value else _FALSE
        else:
            known = cached(value, date1904=date1904)
        add(known)
    return out


def _float_cached(value: float) -> Cached:
    text = repr(value)
    if text[-1] not in "0fn":  # already the shortest form
        return _new_tuple(Cached, (None, text.encode("ascii"), False))
    if text[-2:] == ".0" and text != "-0.0":  # a whole number: "12.0" -> "12"
        return _new_tuple(Cached, (None, text[:-2].encode("ascii"), False))
    return Cached(None, number_text(value))  # "nan", "inf", "-0.0", "1e+100" … the exact path


def _int_cached(value: int) -> Cached:
    if -_EXACT_INT <= value <= _EXACT_INT:  # a double holds it exactly, and repr writes it without exponent
        return _new_tuple(Cached, (None, b"%d" % value, False))
    return Cached(None, number_text(value))


def number_text(value: numbers.Real) -> bytes:
    """Shortest text that reads back as the same double: ``2`` not ``2.0``, ``1e-05``, ``1.5e+300``."""
    try:
        text = repr(float(value))
    except OverflowError:
        raise ValueError(f"{value} is too large for Excel (Excel shows #NUM! for it)") from None
    if text[-2:] == ".0":
        text = text[:-2]
        if text == "-0":
            text = "0"  # Excel has no negative zero
    elif text in ("nan", "inf", "-inf"):
        raise ValueError(f"{text} is not a number Excel can store (Excel shows #NUM! for it)")
    return text.encode("ascii")


def serial(value: dt.datetime | dt.date | dt.time, *, date1904: bool = False) -> float:
    """Excel serial number of a date, date-time or time of day (days, fractions of a day)."""
    if isinstance(value, dt.time):
        if value.tzinfo is not None:
            raise ValueError(f"time {value} has a time zone; Excel stores times without one")
        return (value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6) / 86400
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            raise ValueError(f"date-time {value} has a time zone; Excel stores local times without one")
        moment = value
    else:
        moment = dt.datetime(value.year, value.month, value.day)
    if date1904:
        delta = moment - _EPOCH_1904
    else:
        delta = moment - _EPOCH_1900
        if moment < _MARCH_1900:
            delta += dt.timedelta(days=-1)  # before Excel's fictitious 29 Feb 1900
    days = delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400
    if days < (0 if date1904 else 1):
        raise ValueError(f"{value} is before the first date of the workbook's date system")
    return days


# XML 1.0 forbids most C0 controls; ST_Xstring (22.9.2.19) spells any UTF-16 unit as _xHHHH_, and a literal
# "_xHHHH_" must itself be escaped as _x005F_xHHHH_ so it is not decoded.
_NEEDS_ESCAPE = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]|_(?=x[0-9A-Fa-f]{4}_)")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;", "_": "_x005F_"}


def _escape_one(match: re.Match) -> str:
    ch = match.group()
    return _ENTITIES.get(ch) or f"_x{ord(ch):04X}_"


def needs_escape(text: str) -> bool:
    """Whether :func:`escape_text` would change anything in ``text``."""
    return _NEEDS_ESCAPE.search(text) is not None


def escape_text(text: str) -> bytes:
    """Text as the UTF-8 content of ``<v>``: markup escaped, carriage returns kept, controls as _xHHHH_."""
    return _NEEDS_ESCAPE.sub(_escape_one, text).encode("utf-8")
