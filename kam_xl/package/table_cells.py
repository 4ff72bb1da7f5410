"""A DataFrame column as the ``<c>`` elements of a table's body, a whole column at a time.

    number        <c r="D2" s="13"><v>1250.5</v></c>
    date          <c r="A2" s="12"><v>45322</v></c>             a serial; the column's style shows it as a date
    yes/no        <c r="I2" s="11" t="b"><v>1</v></c>
    text          <c r="B2" s="8" t="inlineStr"><is><t xml:space="preserve">ACME</t></is></c>
    blank         <c r="C2" s="8"/>                               styled, so the format covers the row
    calculated    <c r="I2" s="15"><f>THREE_P(…)</f></c>           no cached value: the recalculation fills it

Text is always an inline string, never a formula: ``=1+2``, ``+49 89 …`` or ``@home`` stay the text they are.
Numeric, boolean and date columns are encoded with numpy in one pass; object columns value by value.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from kam_xl.cells import to_cell
from kam_xl.package import cell_values

_DAY = np.timedelta64(1, "D")
_EPOCH = {False: np.datetime64("1899-12-30"), True: np.datetime64("1904-01-01")}
_MARCH_1900 = np.datetime64("1900-03-01")


class CellValueError(ValueError):
    """A value that cannot be a cell: ``row`` is its position in the column, the message says why."""

    def __init__(self, row: int, message: str):
        self.row = row
        super().__init__(message)


def column_cells(values: pd.Series, refs: Sequence[str], style: str, prefix: str, *, date1904: bool) -> list[str]:
    """The ``<c>`` elements of one column; ``refs`` are the cells' references ("D2", "D3", …)."""
    return [f'<{prefix}c r="{ref}"{style}{tail}' for ref, tail in zip(refs, cell_tails(values, prefix, date1904).tolist())]


def formula_tail(formula: str, prefix: str) -> str:
    """The tail of a calculated column's cells: the same formula in every row (structured references need no
    shifting)."""
    return f"><{prefix}f>{formula}</{prefix}f></{prefix}c>"


def cell_tails(values: pd.Series, p: str, date1904: bool) -> np.ndarray:
    """Everything of each cell after its ``r`` and ``s`` attributes."""
    empty = "/>"
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype) and dtype != object:
        data = values.to_numpy(dtype=bool)
        return np.where(data, f' t="b"><{p}v>1</{p}v></{p}c>', f' t="b"><{p}v>0</{p}v></{p}c>').astype(object)
    if pd.api.types.is_numeric_dtype(dtype) and dtype != object:
        data = values.to_numpy(dtype=float, na_value=np.nan)
        return _numbers(data, p)
    if pd.api.types.is_datetime64_dtype(dtype):
        stamps = values.to_numpy(dtype="datetime64[ns]")
        missing = np.isnat(stamps)
        serials = (stamps - _EPOCH[date1904]) / _DAY
        if not date1904:
            serials = np.where(stamps < _MARCH_1900, serials - 1, serials)
        low = np.flatnonzero(~missing & (serials < (0 if date1904 else 1)))
        if low.size:
            raise CellValueError(int(low[0]), f"{stamps[low[0]]} is before the first date Excel can store")
        serials[missing] = np.nan
        return _numbers(serials, p)
    texts = _text_tails(values, p)
    if texts is not None:
        return texts
    out = np.empty(len(values), dtype=object)
    for i, value in enumerate(values.tolist()):
        value = to_cell(value)
        if value is None or value == "":
            out[i] = empty
        elif isinstance(value, str):
            if len(value) > cell_values.MAX_TEXT:
                raise CellValueError(i, f"text of {len(value)} characters; a cell holds at most "
                                        f"{cell_values.MAX_TEXT}")
            text = cell_values.escape_text(value).decode("utf-8")
            out[i] = f' t="inlineStr"><{p}is><{p}t xml:space="preserve">{text}</{p}t></{p}is></{p}c>'
        else:
            try:
                t, v, _ = cell_values.cached(value, date1904=date1904)
            except (TypeError, ValueError) as exc:
                raise CellValueError(i, str(exc)) from None
            kind = f' t="{t.decode()}"' if t else ""
            out[i] = f"{kind}><{p}v>{v.decode()}</{p}v></{p}c>"
    return out


def _text_tails(values: pd.Series, p: str) -> np.ndarray | None:
    """The tails of a column of text and blanks only (ids, document numbers, names), a column at a time;
    None for a column holding anything else."""
    cells = values.to_numpy(dtype=object)
    types = _TYPE(cells) if len(cells) else np.zeros(0, dtype=object)
    strings = (types == str).astype(bool)
    if not (strings | (types == type(None))).all():
        return None
    texts = cells[strings]
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    too_long = np.flatnonzero(lengths > cell_values.MAX_TEXT)
    if too_long.size:
        raise CellValueError(int(np.flatnonzero(strings)[too_long[0]]), f"text of {lengths[too_long[0]]} characters; "
                             f"a cell holds at most {cell_values.MAX_TEXT}")
    if cell_values.needs_escape("\n".join(texts)):  # one search over the column: most columns need none
        texts = np.array([cell_values.escape_text(t).decode("utf-8") for t in texts], dtype=object)
    out = np.full(len(cells), "/>", dtype=object)
    filled = np.flatnonzero(strings)[lengths > 0]
    out[filled] = f' t="inlineStr"><{p}is><{p}t xml:space="preserve">' + texts[lengths > 0] + f"</{p}t></{p}is></{p}c>"
    return out


_TYPE = np.frompyfunc(type, 1, 1)


def _numbers(data: np.ndarray, p: str) -> np.ndarray:
    bad = np.flatnonzero(np.isinf(data))
    if bad.size:
        raise CellValueError(int(bad[0]), f"{data[bad[0]]} is not a number Excel can store")
    missing = np.isnan(data)
    whole = ~missing & (np.abs(data) < 2 ** 53) & (data == np.round(data))
    other = ~missing & ~whole
    pre, post = f"><{p}v>", f"</{p}v></{p}c>"
    out = np.full(len(data), "/>", dtype=object)
    out[whole] = [f"{pre}{v}{post}" for v in data[whole].astype(np.int64).tolist()]
    out[other] = [f"{pre}{v!r}{post}" for v in data[other].tolist()]  # Python's shortest repr, as numpy's
    return out
