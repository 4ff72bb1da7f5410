"""Find the columns of a raw table by name and build the canonical frames the core reads.

A column is found by the name the user gives, else by its usual headers (aliases, English and German),
compared ignoring case, spaces and punctuation; each cell is parsed by :mod:`kam_xl.readers.columns`.
Every bad row is found in one pass: one raises a :class:`TableError`, several a :class:`BadRowsError`
(the first 50 listed), unless ``skip_bad_rows`` leaves them out (counted in ``frame.attrs``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from kam_xl import a1
from kam_xl.core import schema
from kam_xl.readers import headers, numbers
from kam_xl.readers.columns import (_blank_cells, _dates, _flags, _ids, _labels, _numbers, _override, _Parsed, _show,
                                    dotted_dates, number_hint)
from kam_xl.readers.errors import SHOWN_ROWS, BadRowsError, TableError
from kam_xl.readers.files import _key, _sep_name

# --------------------------------------------------------------------------------------------------
# Finding columns


@dataclass(frozen=True)
class _Role:
    """One column the analysis wants: canonical name, words for messages, CLI option, known headers."""

    name: str
    words: str
    option: str
    aliases: tuple[str, ...]  # best first; compared ignoring case, spaces and punctuation


_CUSTOMER = _Role(schema.CUSTOMER_ID, "customer id", "--customer-col", headers.CUSTOMER)
_DATE = _Role(schema.TX_DATE, "date", "--date-col", headers.TX_DATE)
_AMOUNT = _Role(schema.TX_AMOUNT, "amount", "--amount-col", headers.AMOUNT)
_MARGIN = _Role(schema.TX_MARGIN, "margin", "--margin-col", headers.MARGIN)
_KNOWN_BRAND = _Role(schema.KNOWN_BRAND, "known brand flag", "", headers.KNOWN_BRAND)
_HIGH_DEMANDS = _Role(schema.HIGH_DEMANDS, "high demands flag", "", headers.HIGH_DEMANDS)
_BUDGET = _Role(schema.BUDGET, "budget", "", headers.BUDGET)
_OVERRIDE = _Role(schema.KEY_OVERRIDE, "key account override", "", headers.KEY_OVERRIDE)
_COMPLAINT_DATE = _Role(schema.COMPLAINT_DATE, "date", "--date-col", headers.COMPLAINT_DATE)
_CATEGORY = _Role(schema.COMPLAINT_CATEGORY, "category", "", headers.CATEGORY)
_SEVERITY = _Role(schema.COMPLAINT_SEVERITY, "severity", "", headers.SEVERITY)
_DOCUMENT = _Role(schema.TX_DOCUMENT, "document number", "", headers.DOCUMENT)
_NAME = _Role("name", "customer name", "", headers.NAME)
#: The columns of each input kam_xl can read from a workbook it did not write, as (role, required) pairs:
#: ``kam-xl install`` finds them by these headers.
INPUT_ROLES: dict[str, tuple[tuple[_Role, bool], ...]] = {
    "transactions": ((_CUSTOMER, True), (_DATE, True), (_AMOUNT, True), (_MARGIN, False), (_DOCUMENT, False)),
    "customers": ((_CUSTOMER, True), (_NAME, False), (_KNOWN_BRAND, False), (_HIGH_DEMANDS, False),
                  (_BUDGET, False), (_OVERRIDE, False)),
    "complaints": ((_CUSTOMER, True), (_COMPLAINT_DATE, True), (_CATEGORY, False), (_SEVERITY, False)),
}


def _positions(raw: pd.DataFrame, name: str) -> list[int]:
    headers = [str(h) for h in raw.columns]
    exact = [i for i, h in enumerate(headers) if h == name]
    return exact or [i for i, h in enumerate(headers) if _key(h) and _key(h) == _key(name)]


def transaction_headers(customer_col: str | None = None, date_col: str | None = None,
                        amount_col: str | None = None) -> list[tuple[str, ...]]:
    """The headers a transactions table needs, as :func:`read_table` takes them: one group per column."""
    return [(given,) if given else role.aliases
            for role, given in ((_CUSTOMER, customer_col), (_DATE, date_col), (_AMOUNT, amount_col))]


def has_column(raw: pd.DataFrame, name: str) -> bool:
    """Whether a header of ``raw`` matches ``name`` (exactly, or ignoring case, spaces and punctuation)."""
    return bool(_positions(raw, name))


def _locate(raw: pd.DataFrame, source: str, role: _Role, given: str | None, required: bool) -> int | None:
    """Position of the column for ``role``: the one named ``given``, else the first known header found.

    None when there is none and it is not ``required``; an error naming the columns found otherwise.
    """
    header_row = raw.attrs.get("header_row")
    if given is not None:
        places = _positions(raw, given)
        wanted = f"no column \"{given}\" for the {role.words}"
        fix = "correct the column name"
    else:
        places = next((p for alias in role.aliases if (p := _positions(raw, alias))), [])
        looked = ", ".join(f'"{a}"' for a in role.aliases[:5])
        wanted = f"no column for the {role.words} (looked for {looked} …)"
        fix = "rename the column" + (f" or name it with {role.option}" if role.option else "")
    if not places:
        if given is None and not required:
            return None
        found = ", ".join(f'"{h}"' for h in raw.columns) or "none"
        if len(raw.columns) == 1 and "separator" in raw.attrs:  # probably split on the wrong character
            fix += f"; if the file is not separated by {_sep_name(raw.attrs['separator'])!r}, pass --sep"
        raise _table_error(raw, source, f"{wanted}; columns found: {found} — {fix}.", header_row)
    if len(places) > 1:
        letters = " and ".join(_column_letter(p) for p in places[:2])
        raise _table_error(raw, source, f"two columns are named \"{raw.columns[places[0]]}\" (columns {letters})"
                                        " — rename one.", header_row)
    return places[0]


def _column_letter(position: int) -> str:
    """Letter of a 0-based column position (0 -> A)."""
    return a1.column_letters(position + 1)


@dataclass
class _Column:
    """A parsed column with where it came from and whether it must be filled."""

    name: str
    header: str
    position: int
    required: bool
    parsed: _Parsed



# --------------------------------------------------------------------------------------------------
# Canonical frames


def transactions_frame(raw: pd.DataFrame, source: str, *, customer_col: str | None = None,
                       date_col: str | None = None, amount_col: str | None = None,
                       margin_col: str | None = None, date_format: str | None = None,
                       decimal: str | None = None, thousands: str | None = None,
                       skip_bad_rows: bool = False) -> pd.DataFrame:
    """Transactions with columns customer_id (text), date (datetime64), amount (float), margin (float).

    Columns are found by the names given, else by their usual headers (Customer ID, Kunde, Date, Datum,
    Amount, Umsatz, Margin, Deckungsbeitrag, ...). Margin is optional: left out when the table has no
    such column or the column is empty; blank margin cells are NaN. Every other cell must be valid.
    Numbers written as text follow ``decimal`` / ``thousands``, else what the column and the file show
    (:mod:`kam_xl.readers.numbers`); the delimiter and the date column's style count as signals.
    """
    customer = _take(raw, source, _CUSTOMER, customer_col, True, _ids)
    when = _take(raw, source, _DATE, date_col, True, lambda col: _dates(col, date_format))
    fmt = date_format or ""
    hint = numbers.file_hint(raw.attrs.get("separator"),
                             "%d.%m." in fmt or (not fmt and dotted_dates(raw.iloc[:, when.position])),
                             "%m/%d" in fmt)
    amounts = _take_numbers(raw, source, [(_AMOUNT, amount_col, True, True),
                                          (_MARGIN, margin_col, margin_col is not None, False)],
                            numbers.NumberStyle(decimal, thousands, hint))
    frame, _ = _assemble(raw, source, [customer, when, *amounts], table="Transactions", skip=skip_bad_rows)
    if frame.empty:
        raise _table_error(raw, source, "has no transactions — the table needs at least one row below its "
                                        "header.", raw.attrs.get("header_row"))
    if schema.TX_MARGIN in frame and frame[schema.TX_MARGIN].isna().all():
        frame = frame.drop(columns=schema.TX_MARGIN)
    return frame


def customers_frame(raw: pd.DataFrame, source: str, *, customer_col: str | None = None,
                    known_brand_col: str | None = None, high_demands_col: str | None = None,
                    budget_col: str | None = None, override_col: str | None = None, decimal: str | None = None,
                    thousands: str | None = None, skip_bad_rows: bool = False) -> pd.DataFrame:
    """Customers: customer_id (text) and, where the table has them, known_brand and high_demands (bool;
    blank = no), budget (float; NaN when blank) and key_account_override ("yes", "no", "" when blank).
    Other columns are carried along as read, under their own headers. Each customer id appears once.
    """
    columns = [
        _take(raw, source, _CUSTOMER, customer_col, True, _ids),
        _take(raw, source, _KNOWN_BRAND, known_brand_col, known_brand_col is not None, _flags, False),
        _take(raw, source, _HIGH_DEMANDS, high_demands_col, high_demands_col is not None, _flags, False),
        *_take_numbers(raw, source, [(_BUDGET, budget_col, budget_col is not None, False)],
                       numbers.NumberStyle(decimal, thousands, numbers.file_hint(raw.attrs.get("separator"),
                                                                                 False, False))),
        _take(raw, source, _OVERRIDE, override_col, override_col is not None, _override, False),
    ]
    columns = [c for c in columns if c]
    used = {c.position for c in columns}
    taken = {c.name for c in columns}
    extras = [i for i, h in enumerate(raw.columns) if i not in used and h and h not in taken]
    frame, rows = _assemble(raw, source, columns, extras, table="Customers", skip=skip_bad_rows)
    ids = frame[schema.CUSTOMER_ID]
    twice = ids.duplicated(keep=False).to_numpy()
    if twice.any():
        first = int(np.flatnonzero(twice)[0])
        again = int(np.flatnonzero(twice & (ids == ids.iloc[first]).to_numpy())[1])
        rows_word = raw.attrs.get("row_word", "row") + "s"
        raise _table_error(raw, source, f"customer {_show(ids.iloc[first])} appears twice ({rows_word} {rows[first]} "
                           f"and {rows[again]}) — keep one row per customer.", int(rows[again]), columns[0].header,
                           "Customers", int(np.flatnonzero(raw.index == rows[again])[0]) + 1)
    return frame


def complaints_frame(raw: pd.DataFrame, source: str, *, customer_col: str | None = None,
                     date_col: str | None = None, category_col: str | None = None,
                     severity_col: str | None = None, date_format: str | None = None,
                     skip_bad_rows: bool = False) -> pd.DataFrame:
    """Complaints: customer_id (text), date (datetime64), category and severity (text; "" when blank or
    when the table has no such column)."""
    columns = [
        _take(raw, source, _CUSTOMER, customer_col, True, _ids),
        _take(raw, source, _COMPLAINT_DATE, date_col, True, lambda col: _dates(col, date_format)),
        _take(raw, source, _CATEGORY, category_col, category_col is not None, _labels, False),
        _take(raw, source, _SEVERITY, severity_col, severity_col is not None, _labels, False),
    ]
    frame, _ = _assemble(raw, source, [c for c in columns if c], table="Complaints", skip=skip_bad_rows)
    for name in (schema.COMPLAINT_CATEGORY, schema.COMPLAINT_SEVERITY):
        if name not in frame:
            frame[name] = pd.array([""] * len(frame), dtype="str")
    return frame[[schema.CUSTOMER_ID, schema.COMPLAINT_DATE, schema.COMPLAINT_CATEGORY, schema.COMPLAINT_SEVERITY]]


_TEXT_COLUMNS = {schema.CUSTOMER_ID, schema.COMPLAINT_CATEGORY, schema.COMPLAINT_SEVERITY, schema.KEY_OVERRIDE}


def _take(raw: pd.DataFrame, source: str, role: _Role, given: str | None, present: bool,
          parse: Callable[[pd.Series], _Parsed], required: bool = True) -> _Column | None:
    """Find the column for ``role`` (an error when ``present`` and missing) and parse it."""
    position = _locate(raw, source, role, given, present)
    if position is None:
        return None
    return _Column(role.name, raw.columns[position], position, required, parse(raw.iloc[:, position]))


def _take_numbers(raw: pd.DataFrame, source: str, wanted: list[tuple[_Role, str | None, bool, bool]],
                  style: numbers.NumberStyle) -> list[_Column]:
    """The number columns found among ``wanted`` (role, given name, present, required), parsed in the
    style ``style`` fixes, else each column shows, else the other columns show, else the file hints."""
    found = [(role, p, required) for role, given, present, required in wanted
             if (p := _locate(raw, source, role, given, present)) is not None]
    taken = []
    for role, position, required in found:
        others = [p for _, p, _ in found if p != position]

        def sibling(others=others) -> str | None:
            hints = {h for p in others if (h := number_hint(raw.iloc[:, p]))}
            return hints.pop() if len(hints) == 1 else None

        try:
            parsed = _numbers(raw.iloc[:, position], style, sibling)
        except numbers.Ambiguous as exc:
            raise _table_error(raw, source, str(exc), None, raw.columns[position] or _column_letter(position)) from None
        taken.append(_Column(role.name, raw.columns[position], position, required, parsed))
    return taken


def _assemble(raw: pd.DataFrame, source: str, columns: list[_Column], extras: Sequence[int] = (), *,
              table: str, skip: bool = False) -> tuple[pd.DataFrame, np.ndarray]:
    """Frame of the parsed columns without blank rows, and the source row of each of its rows.

    A row is blank when every column read is blank. Bad rows raise (all of them in one error), or are
    left out when ``skip``: their count and first places go to ``frame.attrs["skipped_rows"]`` and
    ``frame.attrs["skipped_places"]``.
    """
    blanks = [c.parsed.blank for c in columns] + [_blank_cells(raw.iloc[:, i]) for i in extras]
    keep = ~np.logical_and.reduce(blanks)
    problems = [(c.parsed.bad | (c.parsed.blank & c.required)) & keep for c in columns]
    wrong = np.logical_or.reduce(problems)
    bad_rows = np.flatnonzero(wrong)
    errors = [_cell_error(raw, source, columns, problems, int(i), table) for i in bad_rows[:SHOWN_ROWS]]
    if errors and not skip:
        raise BadRowsError(source, errors, len(bad_rows))
    keep &= ~wrong
    data = {}
    for c in columns:
        values = c.parsed.values[keep]
        data[c.name] = pd.array(values, dtype="str") if c.name in _TEXT_COLUMNS else values
    for i in extras:
        data[raw.columns[i]] = raw.iloc[:, i].to_numpy(dtype=object)[keep]
    frame = pd.DataFrame(data, index=pd.RangeIndex(int(keep.sum())))
    frame.attrs.update(skipped_rows=len(bad_rows), skipped_places=[e.place() for e in errors])
    return frame, raw.index.to_numpy()[keep]


def _cell_error(raw: pd.DataFrame, source: str, columns: list[_Column], problems: list[np.ndarray], i: int,
                table: str) -> TableError:
    """The error of row position ``i``: its first bad column, left to right."""
    column = min((c for c, p in zip(columns, problems) if p[i]), key=lambda c: c.position)
    if column.parsed.bad[i]:
        message = column.parsed.explain(i)
    else:
        error = " or an Excel error such as #N/A" if raw.attrs.get("row_word") == "row" else ""
        message = f"expected {column.parsed.expected}, found an empty cell{error} — fill it in or delete the row."
    return _table_error(raw, source, message, int(raw.index[i]), column.header or _column_letter(column.position),
                        table, i + 1)


def _table_error(raw: pd.DataFrame, source: str, message: str, row: int | None,
                 column: str | None = None, table: str | None = None, data_row: int | None = None) -> TableError:
    return TableError(message, source=source, row=row, column=column, row_word=raw.attrs.get("row_word", "row"),
                      table=table, data_row=data_row)
