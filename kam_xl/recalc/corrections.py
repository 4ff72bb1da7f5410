"""Where formualizer 0.13 answers differently from Excel: corrected built-ins, and the forms left to Excel.

    register_corrections(workbook) -> list[str]    # Excel's rules under the built-ins' names (overrides)
    divergent_forms(text) -> set[str]              # argument forms of a formula the engine gets wrong
    suspect_result(text, value, spilled) -> str | None   # results that show the engine went wrong

A corrected function computes what Excel documents; for an argument it does not cover (a serial before
March 1900, a date written as text) it answers the engine's own "not implemented" error, which the cells
reading it inherit: each is reported not computed (``#N/IMPL!``) and keeps its value. The forms and results
named by the other two functions are reported as unsupported the same way. docs/engine-gaps.md lists every
divergence and the conformance case that shows it (tests/conformance/).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable

import formualizer as fz

NOT_IMPLEMENTED = {"type": "Error", "kind": "NImpl"}
_NUM, _VALUE, _DIV, _CALC = ({"type": "Error", "kind": k} for k in ("Num", "Value", "Div", "Calc"))
_EPOCH = dt.date(1899, 12, 30)
_LAST_SERIAL = 2958465  # 9999-12-31


class _Answer(Exception):
    """Stop and answer ``value`` (an error) for the whole call."""

    def __init__(self, value):
        self.value = value


# --- arguments ----------------------------------------------------------------------------------------------

def _number(value) -> float:
    if type(value) is float:
        return value
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dict):
        raise _Answer(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            raise _Answer(_VALUE) from None
    raise _Answer(_VALUE)


def _integer(value) -> int:
    return math.trunc(_number(value))


def _scalar(function: Callable) -> Callable:
    """``function`` of scalars applied cell by cell when an argument is a range (Excel's lifting); each cell
    answers an error of its own."""

    def one(*args):
        try:
            return function(*args)
        except _Answer as answer:
            return answer.value

    def call(*args):
        shapes = {(len(a), len(a[0])) for a in args if isinstance(a, list)}
        if not shapes:
            return one(*args)
        if len(shapes) > 1:
            return NOT_IMPLEMENTED
        height, width = shapes.pop()
        return [[one(*(a[r][c] if isinstance(a, list) else a for a in args)) for c in range(width)]
                for r in range(height)]

    call.__name__ = function.__name__
    return call


def _snap(quotient: float) -> float:
    """``quotient`` as the whole number it is meant to be when it is within rounding noise of one."""
    whole = round(quotient)
    return float(whole) if abs(quotient - whole) <= 1e-9 * max(1.0, abs(quotient)) else quotient


def _digits15(value: float) -> float:
    return float(f"{value:.15g}")


# --- rounding to a multiple ---------------------------------------------------------------------------------

@_scalar
def ceiling(number, significance):
    n, s = _number(number), _number(significance)
    if s == 0 or n == 0:
        return 0.0
    if n > 0 > s:
        return _NUM
    return _digits15(math.ceil(_snap(n / s)) * s)


@_scalar
def floor(number, significance):
    n, s = _number(number), _number(significance)
    if n == 0:
        return 0.0
    if s == 0:
        return _DIV
    if n > 0 > s:
        return _NUM
    return _digits15(math.floor(_snap(n / s)) * s)


@_scalar
def ceiling_math(number, significance=1.0, mode=0.0):
    n, s, m = _number(number), abs(_number(significance)), _number(mode)
    if s == 0:
        return 0.0
    if n < 0 and m != 0:
        return _digits15(-math.ceil(_snap(-n / s)) * s)
    return _digits15(math.ceil(_snap(n / s)) * s)


@_scalar
def floor_math(number, significance=1.0, mode=0.0):
    n, s, m = _number(number), abs(_number(significance)), _number(mode)
    if s == 0:
        return 0.0
    if n < 0 and m != 0:
        return _digits15(-math.floor(_snap(-n / s)) * s)
    return _digits15(math.floor(_snap(n / s)) * s)


# --- dates (1900 system: serial 60 is the phantom 29 Feb 1900) ----------------------------------------------

def _serial(day: dt.date) -> float:
    days = (day - _EPOCH).days
    return float(days - 1 if days < 61 else days)


def _date(serial: int) -> dt.date:
    """The date of a serial from 61 (1 March 1900) on; earlier serials are the engine's to refuse."""
    if serial < 61:
        raise _Answer(NOT_IMPLEMENTED)
    if serial > _LAST_SERIAL:
        raise _Answer(_NUM)
    return _EPOCH + dt.timedelta(days=serial)


def _month_start(year: int, month: int) -> int:
    if year == 1900 and month <= 2:
        return 1 if month == 1 else 32
    return int(_serial(dt.date(year, month, 1)))


def _checked(serial: float):
    return serial if 0 <= serial <= _LAST_SERIAL else _NUM


@_scalar
def date(year, month, day):
    y, m, d = _integer(year), _integer(month), _integer(day)
    if not 0 <= y < 10000:
        return _NUM
    if y < 1900:
        y += 1900
    y, m = divmod(y * 12 + m - 1, 12)
    if not 1900 <= y <= 9999:
        return _NUM
    return _checked(float(_month_start(y, m + 1) + d - 1))


def _add_months(start, months, end_of_month: bool):
    serial = _integer(start)
    if serial < 0:
        return _NUM
    day = _date(serial)
    y, m = divmod(day.year * 12 + day.month - 1 + _integer(months), 12)
    if not 1900 <= y <= 9999:
        return _NUM
    first = dt.date(y, m + 1, 1)
    last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    target = last if end_of_month else first.replace(day=min(day.day, last.day))
    if target < dt.date(1900, 3, 1):
        return NOT_IMPLEMENTED
    return _checked(_serial(target))


@_scalar
def edate(start, months):
    return _add_months(start, months, end_of_month=False)


@_scalar
def eomonth(start, months):
    return _add_months(start, months, end_of_month=True)


@_scalar
def days(end, start):
    if isinstance(end, str) or isinstance(start, str):
        return NOT_IMPLEMENTED
    return float(_integer(end) - _integer(start))


# --- number bases -------------------------------------------------------------------------------------------

def _to_base(base: int, digits: Callable[[int], str]):
    bits = {2: 10, 8: 30, 16: 40}[base]
    low, high = -(1 << (bits - 1)), (1 << (bits - 1)) - 1

    def convert(number, places=None):
        n = _integer(number)
        if not low <= n <= high:
            return _NUM
        if n < 0:
            return digits(n + (1 << bits)).upper()
        text = digits(n).upper()
        if places is None:
            return text
        width = _integer(places)
        if not 0 < width <= 10 or len(text) > width:
            return _NUM
        return text.rjust(width, "0")

    return _scalar(convert)


dec2bin = _to_base(2, lambda n: format(n, "b"))
dec2oct = _to_base(8, lambda n: format(n, "o"))
dec2hex = _to_base(16, lambda n: format(n, "x"))


# --- depreciation -------------------------------------------------------------------------------------------

@_scalar
def db(cost, salvage, life, period, month=12.0):
    c, s, n = _number(cost), _number(salvage), _number(life)
    p, m = _integer(period), _integer(month)
    if c < 0 or s < 0 or n <= 0 or p <= 0 or not 1 <= m <= 12 or p > n + 1 or (m == 12 and p > n):
        return _NUM
    if c == 0:
        return 0.0
    rate = round(1 - (s / c) ** (1 / n), 3)
    total = first = c * rate * m / 12
    if p == 1:
        return first
    for year in range(2, p + 1):
        value = (c - total) * rate
        if year == n + 1:
            value *= (12 - m) / 12
        total += value
    return value


def _ddb(cost: float, salvage: float, life: float, period: float, factor: float) -> float:
    rate = factor / life
    if rate >= 1:
        rate, old = 1.0, (cost if period == 1 else 0.0)
    else:
        old = cost * (1 - rate) ** (period - 1)
    new = cost * (1 - rate) ** period
    return max(0.0, old - salvage if new < salvage else old - new)


def _vdb_whole(cost, salvage, life, life1, period, factor) -> float:
    """Depreciation over periods 1..ceil(period), switching to straight line when that is larger."""
    total, remaining, straight, switched = 0.0, cost - salvage, 0.0, False
    end = math.ceil(_snap(period))
    for i in range(1, end + 1):
        if not switched:
            ddb = _ddb(cost, salvage, life, i, factor)
            straight = remaining / (life1 - (i - 1))
            if straight > ddb:
                term, switched = straight, True
            else:
                term = ddb
                remaining -= ddb
        else:
            term = straight
        if i == end:
            term *= period + 1 - end
        total += term
    return total


@_scalar
def vdb(cost, salvage, life, start, end, factor=2.0, no_switch=False):
    c, s, n, a, b, f = (_number(v) for v in (cost, salvage, life, start, end, factor))
    if a < 0 or b < a or b > n or c < 0 or s > c or f <= 0 or n <= 0:
        return _NUM
    first, last = math.floor(_snap(a)), math.ceil(_snap(b))
    if _number(no_switch):
        total = 0.0
        for i in range(first + 1, last + 1):
            term = _ddb(c, s, n, i, f)
            if i == first + 1:
                term *= min(b, first + 1) - a
            elif i == last:
                term *= b + 1 - last
            total += term
        return total
    part = 0.0
    if a != first:
        rest = c - _vdb_whole(c, s, n, n, first, f)
        part += (a - first) * _vdb_whole(rest, s, n, n - first, 1, f)
    if b != last:
        rest = c - _vdb_whole(c, s, n, n, last - 1, f)
        part += (last - b) * _vdb_whole(rest, s, n, n - (last - 1), 1, f)
    rest = c - _vdb_whole(c, s, n, n, first, f)
    return _vdb_whole(rest, s, n, n - first, last - first, f) - part


# --- information and arrays ---------------------------------------------------------------------------------

def _is(test: Callable[[object], bool]) -> Callable:
    def check(value):
        if isinstance(value, list):
            return [[test(v) for v in row] for row in value]
        return test(value)

    return check


def _error_kind(value) -> str | None:
    return value.get("kind") if isinstance(value, dict) else None


IS_FUNCTIONS = {
    "ISNUMBER": _is(lambda v: type(v) is float or (isinstance(v, int) and not isinstance(v, bool))),
    "ISTEXT": _is(lambda v: isinstance(v, str)),
    "ISNONTEXT": _is(lambda v: not isinstance(v, str)),
    "ISBLANK": _is(lambda v: v is None),
    "ISLOGICAL": _is(lambda v: isinstance(v, bool)),
    "ISERROR": _is(lambda v: _error_kind(v) is not None),
    "ISNA": _is(lambda v: _error_kind(v) == "Na"),
    "ISERR": _is(lambda v: _error_kind(v) not in (None, "Na")),
}


def sumproduct(*arrays):
    grids = [a if isinstance(a, list) else [[a]] for a in arrays]
    shape = (len(grids[0]), len(grids[0][0]))
    if any((len(g), len(g[0])) != shape for g in grids):
        return _VALUE
    total = 0.0
    for rows in zip(*grids):
        for cells in zip(*rows):
            product = 1.0
            for v in cells:
                if isinstance(v, dict):
                    return v
                product *= v if type(v) is float else (float(v) if isinstance(v, int) and not isinstance(v, bool)
                                                       else 0.0)
            total += product
    return total


def unique(array, by_col=False, exactly_once=False):
    grid = array if isinstance(array, list) else [[array]]
    if _number(by_col):
        grid = [list(col) for col in zip(*grid)]
    key = [tuple(v.casefold() if isinstance(v, str) else repr(v) for v in row) for row in grid]
    seen: dict[tuple, int] = {}
    for k in key:
        seen[k] = seen.get(k, 0) + 1
    kept, done = [], set()
    for k, row in zip(key, grid):
        if k in done or (_number(exactly_once) and seen[k] > 1):
            continue
        done.add(k)
        kept.append(list(row))
    if not kept:
        return _CALC
    return [list(col) for col in zip(*kept)] if _number(by_col) else kept


def excel_text(number: float) -> str | None:
    """``number`` as Excel turns it into text (General, 15 significant digits); None where Excel would use
    an exponent form this does not reproduce."""
    if number == int(number) and abs(number) < 1e15:
        return str(int(number))
    text = f"{number:.15g}"
    return None if "e" in text else text


@_scalar
def length(value):
    if isinstance(value, str):
        return float(len(value))
    if isinstance(value, bool):
        return float(len(str(value)))
    if isinstance(value, dict):
        return value
    text = excel_text(_number(value))
    return NOT_IMPLEMENTED if text is None else float(len(text))


_PLAIN_NUMBER = re.compile(r"[+-]?(\d{1,3}(,\d{3})+|\d*)(\.\d*)?([eE][+-]?\d+)?")
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}(?:\.\d+)?))?")


@_scalar
def value(text):
    if not isinstance(text, str):
        return _VALUE if isinstance(text, bool) else _number(text)
    body, sign, scale = text.strip(), 1.0, 1.0
    if body.startswith("(") and body.endswith(")"):
        body, sign = body[1:-1].strip(), -1.0
    if body.endswith("%"):
        body, scale = body[:-1].strip(), 0.01
    if body.startswith(("$", "-$", "+$")):
        body = body.replace("$", "", 1)
    if time := _TIME.fullmatch(body):
        h, m, s = int(time[1]), int(time[2]), float(time[3] or 0)
        return sign * scale * (h * 3600 + m * 60 + s) / 86400
    if body and any(ch.isdigit() for ch in body) and _PLAIN_NUMBER.fullmatch(body):
        return sign * scale * float(body.replace(",", ""))
    return NOT_IMPLEMENTED  # dates and other text Excel may read: left to Excel


#: name -> (implementation, min_args, max_args)
CORRECTED: dict[str, tuple[Callable, int, int | None]] = {
    "CEILING": (ceiling, 2, 2), "FLOOR": (floor, 2, 2), "CEILING.MATH": (ceiling_math, 1, 3),
    "FLOOR.MATH": (floor_math, 1, 3), "DATE": (date, 3, 3), "EDATE": (edate, 2, 2), "EOMONTH": (eomonth, 2, 2),
    "DAYS": (days, 2, 2), "DEC2BIN": (dec2bin, 1, 2), "DEC2OCT": (dec2oct, 1, 2), "DEC2HEX": (dec2hex, 1, 2),
    "DB": (db, 4, 5), "VDB": (vdb, 5, 7), "SUMPRODUCT": (sumproduct, 1, None), "UNIQUE": (unique, 1, 3),
    "LEN": (length, 1, 1), "VALUE": (value, 1, 1),
    **{name: (check, 1, 1) for name, check in IS_FUNCTIONS.items()},
}


def register_corrections(workbook: fz.Workbook, uncovered: set[str] | None = None) -> list[str]:
    """Put Excel's rules in place of the built-ins formualizer 0.13 gets wrong; returns their names.

    ``uncovered`` collects the names of corrected functions that answered "not implemented" during the
    evaluation (see :func:`masked`)."""
    for name, (function, low, high) in CORRECTED.items():
        noted = function if uncovered is None else _noting(function, name, uncovered)
        for spelled in (name, "_XLFN." + name):  # files store newer functions as _xlfn.NAME
            workbook.register_function(spelled, noted, min_args=low, max_args=high, volatile=False,
                                       deterministic=True, allow_override_builtin=True)
    return list(CORRECTED)


def _noting(function: Callable, name: str, uncovered: set[str]) -> Callable:
    def call(*args):
        value = function(*args)
        if value is NOT_IMPLEMENTED or (isinstance(value, list) and any(
                v is NOT_IMPLEMENTED for row in value for v in row)):
            uncovered.add(name)
        return value

    return call


_CATCHES = re.compile(r"\b(?:_XLFN\.)?(IFERROR|IFNA|ISERROR|ISERR|ISNA|ERROR\.TYPE|AGGREGATE)\s*\(",
                      re.IGNORECASE)


def masked(text: str, uncovered: set[str]) -> str | None:
    """A corrected function that met an argument it does not cover answers "not implemented"; in a formula
    that also catches errors (IFERROR, ISERROR, ...) that answer may be hidden behind a fallback in the same
    cell. Returns the function's name when ``text`` could be such a formula, else None."""
    if not uncovered or not _CATCHES.search(text):
        return None
    upper = text.upper()
    for name in sorted(uncovered):
        if re.search(rf"\b(?:_XLFN\.)?{re.escape(name)}\s*\(", upper):
            return name
    return None


# --- forms left to Excel ------------------------------------------------------------------------------------

_CRITERIA = {"COUNTIF": (1,), "SUMIF": (1,), "AVERAGEIF": (1,), "COUNTIFS": (1, 3, 5, 7, 9),
             "SUMIFS": (2, 4, 6, 8, 10), "AVERAGEIFS": (2, 4, 6, 8, 10), "MAXIFS": (2, 4, 6, 8, 10),
             "MINIFS": (2, 4, 6, 8, 10)}
_HOLIDAYS = {"NETWORKDAYS": 2, "WORKDAY": 2, "NETWORKDAYS.INTL": 3, "WORKDAY.INTL": 3}
_ERROR_CRITERION = re.compile(r"(=|<>)?#(N/A|DIV/0!|VALUE!|REF!|NAME\?|NUM!|NULL!)", re.IGNORECASE)


def _literal(node):
    """The value of a literal argument (a number with its sign), else None."""
    kind = node.node_type()
    if kind == "Literal":
        return node.get_literal_value()
    if kind == "UnaryOp" and node.get_operator() == "-":
        inner = _literal(node.children()[0])
        return -inner if isinstance(inner, float) else None
    return None


def _single_cell(node) -> bool:
    return node.node_type() == "Reference" and ":" not in (node.get_reference_string() or "")


def _form(name: str, args: list) -> str | None:
    if name == "XLOOKUP" and len(args) > 4 and args[4].node_type() != "Omitted":
        if _literal(args[4]) not in (0.0, 2.0):
            return "XLOOKUP (match_mode -1 or 1)"
    if name in _HOLIDAYS and len(args) > _HOLIDAYS[name]:
        holidays = args[_HOLIDAYS[name]]
        if holidays.node_type() == "Array" or _single_cell(holidays):
            return f"{name} (holidays as one cell or an array constant)"
    if name == "TEXT" and len(args) == 2:
        fmt = _literal(args[1])
        if not isinstance(fmt, str) or re.search(r"[eE][+-]", fmt):
            return "TEXT (scientific or computed format)"
    if name in _CRITERIA:
        for i in _CRITERIA[name]:
            if i < len(args) and isinstance(c := _literal(args[i]), str) and _ERROR_CRITERION.match(c.strip()):
                return f"{name} (error value as criterion)"
    return None


def divergent_forms(text: str, names: frozenset[str] | None = None, ranges: frozenset[str] = frozenset()) -> set[str]:
    """The argument forms in formula ``text`` (without "=") that formualizer 0.13 computes differently from
    Excel, e.g. {"XLOOKUP (match_mode -1 or 1)"}.

    ``names``, the functions the formula calls (upper case, when known), lets a formula that calls none of
    the functions with a divergent form, or only criteria functions without an error literal, go unparsed.
    ``ranges``: the workbook's defined names (upper case) that stand for a cell or a range."""
    if names is not None and not may_diverge(text, names):
        return set()
    try:
        root = fz.parse("=" + text)
    except (fz.ParserError, fz.TokenizerError):
        return set()
    found, stack = set(), [root]
    while stack:
        node = stack.pop()
        children = node.children()
        kind = node.node_type()
        if kind == "Function":
            name = (node.get_function_name() or "").upper().removeprefix("_XLFN.").removeprefix("_XLWS.")
            if form := _form(name, children):
                found.add(form)
        elif kind == "BinaryOp" and node.get_operator() == ":" and any(_index_of_a_name(c, ranges) for c in children):
            found.add(NAMED_INDEX_RANGE)
        stack.extend(children)
    return found


NAMED_INDEX_RANGE = "INDEX (a defined name as its row or column, as one end of a range)"


def _index_of_a_name(node, ranges: frozenset[str]) -> bool:
    """Whether ``node`` is INDEX(...) with a defined name as its row or column number, or as its array when
    the name is no cell or range (``ranges``): as an end of a range (``A2:INDEX(A2:A99,n)``) formualizer 0.13
    answers #REF! for it."""
    if node.node_type() != "Function" or (node.get_function_name() or "").upper() != "INDEX":
        return False
    for position, arg in enumerate(node.children()):
        if arg.node_type() == "Reference" and isinstance(ref := arg.get_reference(), fz.NamedRangeRef):
            if position or str(ref).upper() not in ranges:
                return True
    return False


def may_diverge(text: str, names: frozenset[str]) -> bool:
    """Whether formula ``text``, calling ``names``, may hold a divergent form (the same for every text of one
    shape: digits change neither)."""
    if names & _PARSED_FORMS or ("INDEX" in names and _RANGE_OF_INDEX.search(text)):
        return True
    return bool(names & _CRITERIA.keys()) and "#" in text


_PARSED_FORMS = frozenset({"XLOOKUP", "TEXT", *_HOLIDAYS})
_RANGE_OF_INDEX = re.compile(r":\s*(?:_xlfn\.)?INDEX\s*\(|\)\s*:", re.IGNORECASE)  # INDEX(...) as an end of a range
_STRING = re.compile(r'"(?:[^"]|"")*"')
_WHOLE = re.compile(r"(?<![\w.$])\$?(?:[A-Za-z]{1,3}:\$?[A-Za-z]{1,3}|\d+:\$?\d+)(?![\w(])")
_TEXT_JOIN = re.compile(r"&|\b(?:CONCAT|CONCATENATE|TEXTJOIN)\s*\(", re.IGNORECASE)
_NUMBER_RUN = re.compile(r"\d+(?:\.\d+)?")


def may_be_suspect(text: str) -> bool:
    """Whether :func:`suspect_result` can find anything in formula ``text``: it has a whole-column or
    whole-row reference or joins text (the same for every text of one shape: digits change neither)."""
    code = _STRING.sub('""', text)
    return bool(_WHOLE.search(code) or _TEXT_JOIN.search(code))


def suspect_result(text: str, value, spilled: bool) -> str | None:
    """Why the result ``value`` of formula ``text`` cannot be Excel's, or None.

    A whole-column or whole-row reference that spills (or fails to) is cut to the used range by the engine,
    where Excel fills the sheet's full extent; a number joined into text with more than 15 significant
    digits is Python's rendering, not Excel's (FILTER answers as Excel does)."""
    code = _STRING.sub('""', text)
    if _WHOLE.search(code) and not code.lstrip("=").upper().startswith(("FILTER(", "_XLFN._XLWS.FILTER(")):
        if spilled or getattr(value, "code", None) in ("#CALC!", "#SPILL!"):
            return "whole-column or whole-row reference spilled"
    if isinstance(value, str) and _TEXT_JOIN.search(code):
        for run in _NUMBER_RUN.findall(value):
            if len(run.replace(".", "").lstrip("0")) > 15:
                return "number joined into text beyond 15 digits"
    return None
