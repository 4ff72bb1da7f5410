"""Our cell functions inside formualizer: the very same function objects as in Excel, behind a thin shim.

    register_udfs(workbook, log=None) -> list[str]     # every public UPPERCASE function of kam_xl.udfs
    missing_functions(names, registered) -> set[str]   # names neither the engine nor we implement

What formualizer 0.13 hands a Python callback (measured), and what the shim passes on:

=========================  ==========================================  ===================================
argument                   formualizer gives                           the udf gets (as from xlwings)
=========================  ==========================================  ===================================
range, table, name         2-D list of rows, even for one row/column   the same 2-D list (*)
single cell, literal       scalar                                      the same scalar
number / date cell         float (dates as Excel serial numbers)       float (the udfs accept serials)
blank cell                 None                                        None
error value (#N/A, 1/0)    {"type": "Error", "kind": "Na"} dict        None (xlwings' default for errors)
empty argument ``F(1,,3)`` 0.0 (indistinguishable from a literal 0)    0.0 -- see note
=========================  ==========================================  ===================================

(*) xlwings itself hands a single row or column as a 1-D list; the udfs flatten either form (cells.flat,
cells.rows), so they compute the same.

Results go the other way as xlwings writes them: a 2-D list spills (a 1-D list is one row); None, NaN and
NaT become "" (xlwings writes ""; formualizer would turn None into 0); dates and datetimes become serial
numbers; numpy scalars plain floats/bools; "#KAM: ..." texts stay texts.

Note on omitted arguments: Excel hands an omitted optional argument to xlwings as missing, so the Python
default applies. formualizer passes 0.0 for an empty argument between commas, so ``=F(a,,c)`` is not the same
as in Excel; write ``=F(a,"",c)`` or leave trailing arguments off. Trailing omitted arguments are fine.

The engine calls a per-cell function once per formula cell, each time with a fresh copy of every range
argument (0.2-0.4 us per cell in the range, measured). A per-cell function over a whole column is therefore
quadratic in conversion alone, whatever the function does: 5,000 ``=ABC_CLASS(A2,A$2:A$5001)`` take ~16 s,
~11 s of it inside the engine, though the udfs' content cache ranks only once. ``=ABC_CLASSES(A2:A5001)``
takes milliseconds. Prefer the spilled twins on large tables.
"""

from __future__ import annotations

import datetime as dt
import inspect
import math
from collections import Counter
from collections.abc import Callable, Iterable
from itertools import chain

import formualizer as fz
import numpy as np

_EXCEL_EPOCH = dt.datetime(1899, 12, 30)


def public_udfs() -> dict[str, Callable]:
    """Every public UPPERCASE function defined in :mod:`kam_xl.udfs`, by name."""
    from kam_xl import udfs  # pandas and scipy: imported only by a workbook that calls a function of ours

    out = {}
    for name, value in vars(udfs).items():
        if name.isupper() and callable(value) and getattr(value, "__module__", None) == udfs.__name__:
            out[name] = value
    return out


class CallLog:
    """What the shimmed calls returned, for engine._place_large_spills: the most recent result, the number
    of calls per function and each function's last result with more than ``large`` cells."""

    def __init__(self, large: int):
        self.large = large
        self.last = None
        self.calls: Counter = Counter()
        self.large_results: dict[str, list] = {}

    def record(self, name: str, result) -> None:
        self.last = result
        self.calls[name] += 1
        if isinstance(result, list) and len(result) * len(result[0]) > self.large:
            self.large_results[name] = result


def register_udfs(workbook: fz.Workbook, log: CallLog | None = None) -> list[str]:
    """Register every public udf on ``workbook``; returns the names. ``log`` records each call's result. The
    results the udfs remember (by the content of their arguments) start afresh with each workbook."""
    from kam_xl import udfs

    udfs.forget()
    names = []
    for name, function in public_udfs().items():
        required, total = _arity(function)
        workbook.register_function(name, shim(function, log), min_args=required, max_args=total,
                                   volatile=False, deterministic=True)
        names.append(name)
    return names


def shim(function: Callable, log: CallLog | None = None) -> Callable:
    """``function`` taking engine arguments and returning an engine value."""
    name = function.__name__.upper()

    def call(*args):
        result = to_engine(function(*(from_engine(a) for a in args)))
        if log is not None:
            log.record(name, result)
        return result

    call.__name__ = function.__name__
    call.__doc__ = function.__doc__
    call.__wrapped__ = function
    return call


def from_engine(value):
    """An argument as formualizer passes it, as xlwings would hand it over."""
    if isinstance(value, list):  # passes as it is unless an error cell is in it (one type scan, in C)
        if dict not in set(map(type, chain.from_iterable(value))):
            return value
        return [[None if type(c) is dict else c for c in row] for row in value]
    if isinstance(value, dict):  # an error value
        return None
    return value


def to_engine(value):
    """A udf's return value as the engine should store it (xlwings' conversions)."""
    if isinstance(value, (list, tuple)) or _is_array(value):
        rows = value.tolist() if _is_array(value) else list(value)
        if not rows:
            return ""
        if not isinstance(rows[0], (list, tuple)):
            rows = [rows]  # xlwings writes a 1-D list as one row
        width = max(len(r) for r in rows)
        if width == 0:
            return ""
        return [[c if (t := type(c)) is str or t is bool or (t is float and not math.isnan(c)) else _scalar(c) for c in r]
                + [""] * (width - len(r)) for r in rows]
    return _scalar(value)


def _scalar(value):
    import pandas as pd  # loaded already: only the udfs' results come here

    if type(value) is int:
        return float(value)
    if value is None or value is pd.NaT or value is pd.NA:
        return ""
    if isinstance(value, (str, bool)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        number = float(value)
        return "" if math.isnan(number) else number
    if isinstance(value, np.datetime64):
        return "" if np.isnat(value) else _serial(pd.Timestamp(value).to_pydatetime())
    if isinstance(value, dt.datetime):  # pd.Timestamp too
        return _serial(value)
    if isinstance(value, dt.date):
        return float((value - _EXCEL_EPOCH.date()).days)
    return str(value)


def _serial(value: dt.datetime) -> float:
    if value.tzinfo is not None:
        value = value.replace(tzinfo=None)
    delta = value - _EXCEL_EPOCH
    return delta.days + delta.seconds / 86400 + delta.microseconds / 86_400_000_000


def _is_array(value) -> bool:
    return isinstance(value, np.ndarray) and value.ndim >= 1


def _arity(function: Callable) -> tuple[int, int | None]:
    params = inspect.signature(function).parameters.values()
    if any(p.kind == p.VAR_POSITIONAL for p in params):
        return sum(p.default is p.empty and p.kind == p.POSITIONAL_OR_KEYWORD for p in params), None
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return sum(p.default is p.empty for p in positional), len(positional)


# --- which functions does the engine lack? -----------------------------------------------------------------

_KNOWN: dict[str, bool] = {}


def missing_functions(names: Iterable[str], registered: Iterable[str] = ()) -> set[str]:
    """The names among ``names`` that formualizer does not implement and we did not register.

    formualizer 0.13 has no public list of its built-ins, so each new name is probed once per process: a
    known function called without arguments answers #VALUE! (or a value), an unknown one #NAME?."""
    registered = {n.upper() for n in registered}
    wanted = {n.upper() for n in names} - registered
    unseen = sorted(n for n in wanted if n not in _KNOWN)
    if unseen:
        probe = fz.Workbook()
        probe.add_sheet("Probe")
        for row, name in enumerate(unseen, start=1):
            probe.set_formula("Probe", row, 1, f"={name}()")
        probe.evaluate_all()
        for row, name in enumerate(unseen, start=1):
            value = probe.get_value("Probe", row, 1)
            _KNOWN[name] = not (isinstance(value, dict) and value.get("kind") == "Name")
    return {n for n in wanted if not _KNOWN[n]}
