"""Cell values as the recalculation reports them: float, str, bool, None (empty) or ``ErrorValue``.

``ErrorValue`` is the package writer's (:mod:`kam_xl.package.cell_values`), so the values can be written
back as they are. Only valid Excel codes are produced: formualizer's own error kinds (a circular reference,
an unimplemented feature) are stored as #VALUE! and reported by :func:`engine_failure` instead.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

#: formualizer error kind -> the code Excel stores (``<c t="e"><v>#N/A</v></c>``).
EXCEL_CODES = {
    "Null": "#NULL!", "Div": "#DIV/0!", "Value": "#VALUE!", "Ref": "#REF!", "Name": "#NAME?", "Num": "#NUM!",
    "Na": "#N/A", "Spill": "#SPILL!", "Calc": "#CALC!",
}
#: Kinds only formualizer produces (the engine failed, not the formula): reported under their own name,
#: stored as #VALUE! so that a writer never puts an unknown code into a file.
ENGINE_KINDS = {"Circ": "#CIRC!", "NImpl": "#N/IMPL!", "Error": "#ERROR!", "Cancelled": "#CANCELLED!"}

#: How our cell functions' answers that are errors begin (:func:`kam_xl.udfs.cell_function`).
KAM_ERROR = "#KAM:"

_EPOCH = dt.datetime(1899, 12, 30)


try:  # the package writer's type, so that RecalcResult.values go straight into write_values
    from kam_xl.package.cell_values import ErrorValue
except ImportError:  # pragma: no cover - only while kam_xl.package is not there
    @dataclass(frozen=True)
    class ErrorValue:  # type: ignore[no-redef]
        """An Excel error as a cell value, e.g. ``ErrorValue("#DIV/0!")``."""

        code: str

        def __str__(self) -> str:
            return self.code


def engine_failure(value) -> str | None:
    """The name of a formualizer-only error kind ("#CIRC!") if ``value`` (as read from the engine) is one."""
    if isinstance(value, dict) and value.get("type") == "Error":
        kind = str(value.get("kind"))
        if kind not in EXCEL_CODES:
            return ENGINE_KINDS.get(kind, f"#{kind.upper()}!")
    return None


_PLAIN = frozenset({str, bool, float, type(None)})


def from_engine_values(line: list) -> list:
    """:func:`from_engine_value` over a row of values; text, numbers and blanks pass as they are."""
    return [v if type(v) in _PLAIN else from_engine_value(v) for v in line]


def from_engine_value(value):
    """A value read from formualizer (serial temporal egress) as a plain cell value; the engine's own error
    kinds become #VALUE! (see :func:`engine_failure`)."""
    if value is None or isinstance(value, (str, bool, float)):
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, dict) and value.get("type") == "Error":
        return ErrorValue(EXCEL_CODES.get(str(value.get("kind")), "#VALUE!"))
    if isinstance(value, dt.datetime):
        delta = value.replace(tzinfo=None) - _EPOCH
        return delta.days + delta.seconds / 86400 + delta.microseconds / 86_400_000_000
    if isinstance(value, dt.date):
        return float((value - _EPOCH.date()).days)
    if isinstance(value, dt.time):
        return (value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6) / 86400
    if isinstance(value, dt.timedelta):
        return value.total_seconds() / 86400
    return str(value)
