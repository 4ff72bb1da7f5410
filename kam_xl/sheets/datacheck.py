"""The data check: every problem in every input table at once, one row per problem.

    data_check(tables, settings_raw=None, as_of=None) -> DataFrame   # columns: COLUMNS

``tables`` maps table names (Customers .. Prospects, any case) to their raw cells, headers as written: the
frames :func:`kam_xl.readers.read_table` gives (index = sheet row) or any frame (its n-th row is data row n,
sheet row n + 1). ``settings_raw`` is the Settings table (Setting, Value). Dates in the future are measured
against ``as_of`` (today when None). The columns each table holds and their kinds come from
:data:`kam_xl.template.sheet_inputs.TABLES`, so the check follows the template. Every check is one vectorised
mask over a column; ``Level`` is ``error`` (the row cannot be used) or ``warning`` (usable, but look).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from functools import cached_property

import numpy as np
import pandas as pd

from kam_xl import stamp
from kam_xl.core.settings import SOURCE_ROWS, Settings, SettingsError, field_names, parse_columns
from kam_xl.readers.columns import nanosecond_dates
from kam_xl.template.sheet_inputs import FIRST_DAY, TABLES, Column, Table

COLUMNS = ["Level", "Table", "Data row", "Sheet row", "Column", "Value", "Problem", "Fix"]
ERROR, WARNING = "error", "warning"
EXCEL_ERRORS = ("#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!",
                "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#UNKNOWN!", "#BUSY!")
_TRUE_FALSE = {"yes", "no"}
_REQUIRED = {("Transactions", "Date"), ("Transactions", "Amount"), ("Complaints", "Date"), ("Tenders", "Date"),
             ("Tenders", "Result"), ("Contacts", "Person"), ("Competitors", "Competitor"), ("Prospects", "Name")}
#: Empty is usable but wants filling: a customer's name (install seeds Customers with ids only).
_WANTED = {("Customers", "Name")}
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")


class _Found:
    """The problems found so far, as small frames."""

    def __init__(self):
        self.parts: list[pd.DataFrame] = []

    def add(self, place: _Place, column: str, mask: np.ndarray, problem: str, fix: str, level: str = ERROR,
            values: pd.Series | None = None) -> None:
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        source = values if values is not None else place.frame[column]
        shown = pd.Series(source.iloc[np.flatnonzero(mask)].to_numpy(dtype=object), dtype=object)
        self.parts.append(pd.DataFrame({
            "Level": level, "Table": place.table, "Data row": place.data_rows[mask],
            "Sheet row": place.sheet_rows[mask], "Column": column, "Value": _shown(shown).to_numpy(),
            "Problem": problem, "Fix": fix,
        }))

    def frame(self, order: list[str]) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})
        found = pd.concat(self.parts, ignore_index=True)
        rank = {t: i for i, t in enumerate(order)}
        found["_t"] = found["Table"].map(rank).fillna(len(rank))
        found["_l"] = (found["Level"] != ERROR).astype(int)
        found = found.sort_values(["_t", "Data row", "_l"], kind="stable").drop(columns=["_t", "_l"])
        return found.reset_index(drop=True)[COLUMNS]


class _Place:
    """One table's frame and the data row and sheet row of each of its rows."""

    def __init__(self, table: str, frame: pd.DataFrame):
        self.table, self.frame = table, frame
        self.cells: dict[str, _Cells] = {}  # each column's cells, worked out once
        self.data_rows = np.arange(1, len(frame) + 1)
        read = frame.attrs.get("row_word") == "row"
        self.sheet_rows = frame.index.to_numpy(dtype=np.int64) if read else self.data_rows + 1

    def column(self, header: str) -> _Cells:
        if header not in self.cells:
            self.cells[header] = _Cells(self.frame[header])
        return self.cells[header]


def data_check(tables: Mapping[str, pd.DataFrame], settings_raw: pd.DataFrame | None = None,
               as_of: dt.date | None = None) -> pd.DataFrame:
    """Every problem of the input tables and the settings, errors before warnings within a row."""
    by_name = {str(k).casefold(): v for k, v in tables.items()}
    today = pd.Timestamp(as_of or dt.date.today())
    found = _Found()
    customers = by_name.get("customers")
    ids = None if customers is None or "Customer ID" not in customers else _Cells(customers["Customer ID"])
    known = None if ids is None else set(ids.text[~ids.blank])
    for table in TABLES:
        frame = by_name.get(table.name.casefold())
        if frame is None:
            continue
        place = _Place(table.name, frame)
        kept = _without_blank_rows(frame, [c.header for c in table.columns if c.kind == "formula"], place.cells)
        if kept is not frame:
            frame, place = kept, _Place(table.name, kept)
        for column in table.columns:
            if column.header in frame.columns and column.kind != "formula":
                _check_column(found, place, table, column, known, today)
        _check_rows(found, place, table)
    if settings_raw is not None:
        _check_settings(found, _Place("Settings", _without_blank_rows(settings_raw)))
    return found.frame([t.name for t in TABLES] + ["Settings"])


def summary(found: pd.DataFrame) -> str:
    """One line: how many errors and warnings, in how many tables."""
    if found.empty:
        return "Data check: no problems found."
    errors = int((found["Level"] == ERROR).sum())
    warnings = len(found) - errors
    return (f"Data check: {errors:,} error{'s' * (errors != 1)} and {warnings:,} warning{'s' * (warnings != 1)} in "
            f"{found['Table'].nunique()} table{'s' * (found['Table'].nunique() != 1)} — see the Data check sheet.")


# ------------------------------------------------------------------------------------------------------------
# Kinds of cells


class _Cells:
    """One column's cells and what they hold, each worked out once and by kind of cell (a column is nearly
    always one kind): plain list comprehensions over the text cells, numpy masks for the rest, so a table of
    200,000 rows costs a few passes over it. A column of datetime64[ns] (a table body about to be written) is
    read as it is: dates, NaT blank, never made cell objects for these checks."""

    def __init__(self, s: pd.Series):
        self.series, self.size = s, len(s)
        self.stamps = getattr(s, "dtype", None) == np.dtype("datetime64[ns]")  # (two columns of one header: none)

    @cached_property
    def values(self) -> np.ndarray:
        return self.series.to_numpy(dtype=object)

    @cached_property
    def _only(self) -> type | None:
        """The one type of every cell when there is one (a column nearly always holds only text or only
        numbers): then no cell is tested on its own."""
        kinds = set(map(type, self.values)) if self.size and not self.stamps else ()
        return next(iter(kinds)) if len(kinds) == 1 else None

    @cached_property
    def _types(self) -> np.ndarray:
        return _TYPE(self.values) if self.size else np.zeros(0, dtype=object)

    def _of_type(self, *types: type) -> np.ndarray:
        """Which cells hold a value of one of ``types`` (exactly that type)."""
        if self.stamps or self._only is not None:
            return np.full(self.size, not self.stamps and self._only in types)
        if len(types) == 1:
            return (self._types == types[0]).astype(bool)
        return pd.Series(self._types, dtype=object).isin(types).to_numpy()

    @cached_property
    def booleans(self) -> np.ndarray:
        """Which cells hold TRUE or FALSE."""
        return self._of_type(bool, np.bool_)

    @cached_property
    def _strings(self) -> np.ndarray:
        return self._of_type(str)

    @cached_property
    def _stripped(self) -> np.ndarray:
        """The text cells, stripped (one entry per text cell)."""
        if not self._strings.any():
            return np.zeros(0, dtype=object)
        texts = self.values[self._strings]
        return np.fromiter(map(str.strip, texts), dtype=object, count=len(texts))

    @cached_property
    def text(self) -> np.ndarray:
        """Each cell as stripped text (numbers like 42.0 as 42), blanks as ""."""
        out = np.full(self.size, "", dtype=object)
        strings = self._strings
        out[strings] = self._stripped
        floats = self._of_type(float)
        number = self.values[floats].astype(float)
        whole = np.isfinite(number) & (number == np.floor(number)) & (np.abs(number) < 2**53)
        shown = np.full(len(number), "", dtype=object)
        shown[whole] = number[whole].astype(np.int64).astype(str)
        shown[~whole] = [_one_text(v) for v in self.values[floats][~whole]]
        out[floats] = shown
        rest = ~strings & ~floats
        out[rest] = [_one_text(v) for v in self.values[rest]]
        return out

    @cached_property
    def blank(self) -> np.ndarray:
        if self._only is str:
            return self._stripped == ""
        out = (self.series.isna().to_numpy() if self.stamps else pd.isna(self.values)).astype(bool)
        out[self._strings] = self._stripped == ""
        return out

    @cached_property
    def is_text(self) -> np.ndarray:
        """Which cells hold text (object cells or a string column, whatever storage pandas chose for it)."""
        return self._strings & ~self.blank

    @cached_property
    def _marked(self) -> np.ndarray:
        """Positions (among the text cells) of the texts that start with a character an error value or a
        formula starts with: a rare few, found from each text's first character (numpy cuts a text to it)."""
        first = self._stripped.astype("U1").view(np.uint32)
        return np.flatnonzero(np.isin(first, _MARKS))

    def _matching(self, test) -> np.ndarray:
        """``test(text)`` over the marked text cells, False elsewhere."""
        out = np.zeros(self.size, dtype=bool)
        out[np.flatnonzero(self._strings)[self._marked]] = [bool(test(self._stripped[i])) for i in self._marked]
        return out

    @cached_property
    def errors(self) -> np.ndarray:
        return self._matching(lambda t: t.upper() in EXCEL_ERRORS or t.upper().startswith("#KAM"))

    @cached_property
    def formula_like(self) -> np.ndarray:
        return self._matching(_FORMULA_LIKE.match) & ~self.errors

    @cached_property
    def _written(self) -> pd.Series:
        """The text of the cells that hold text."""
        return pd.Series(self._stripped[self._stripped != ""], dtype=object)

    @cached_property
    def numbers(self) -> tuple[np.ndarray, np.ndarray]:
        """Numbers of the cells (NaN where none) and which cells hold a number written as text."""
        if self.stamps:
            return np.full(self.size, np.nan), np.zeros(self.size, dtype=bool)
        real = self._of_type(*_NUMBER_TYPES)
        number = np.full(self.size, np.nan)
        number[real] = self.values[real].astype(float)
        text = self.is_text
        number[text] = pd.to_numeric(self._written.str.replace("\u00a0", "").str.replace(" ", ""),
                                     errors="coerce").to_numpy(dtype=float)
        return number, text & ~np.isnan(number)

    @cached_property
    def dates(self) -> tuple[pd.Series, np.ndarray]:
        """Dates of the cells (NaT where none; numbers taken as Excel serials) and which were text."""
        if self.stamps:
            return pd.Series(self.series.to_numpy(), index=range(self.size)), np.zeros(self.size, dtype=bool)
        values = self.values
        when = pd.Series(pd.NaT, index=range(len(values)), dtype="datetime64[ns]")
        stamp = self._of_type(*_DATE_TYPES)
        when[stamp] = pd.to_datetime(pd.Series(values[stamp], dtype=object), errors="coerce").to_numpy()
        number, _ = self.numbers
        serial = ~stamp & ~self.is_text & ~np.isnan(number) & (number >= 1) & (number < 2_958_466)
        when[serial] = (_EXCEL_EPOCH + pd.to_timedelta(np.floor(number[serial]), unit="D")).to_numpy()
        text = self.is_text
        iso = nanosecond_dates(pd.to_datetime(self._written, format="ISO8601", errors="coerce").to_numpy())
        german = nanosecond_dates(pd.to_datetime(self._written, format="%d.%m.%Y", errors="coerce").to_numpy())
        when[text] = np.where(np.isnat(iso), german, iso)
        return when, text & when.notna().to_numpy()


_TYPE = np.frompyfunc(type, 1, 1)
_MARKS = [ord(c) for c in "#=+-@"]  # the first characters of error values and formulas
_FORMULA_LIKE = re.compile(r"^(=|[+\-@]\D)")
_NUMBER_TYPES = (int, float, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
                 np.float16, np.float32, np.float64)
_DATE_TYPES = (dt.date, dt.datetime, pd.Timestamp, np.datetime64)


def _one_text(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _is_text(s: pd.Series) -> np.ndarray:
    return _Cells(s).is_text


def _text(s: pd.Series) -> np.ndarray:
    return _Cells(s).text


def _shown(values: pd.Series) -> pd.Series:
    def one(v):
        if v is None or v is pd.NaT or (isinstance(v, float) and np.isnan(v)):
            return ""
        if isinstance(v, (dt.date, pd.Timestamp)):
            stamp = pd.Timestamp(v)
            return stamp.strftime("%Y-%m-%d" if stamp == stamp.normalize() else "%Y-%m-%d %H:%M")
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)[:200]
    return pd.Series([one(v) for v in values.to_numpy(dtype=object)], dtype=object)


def _without_blank_rows(frame: pd.DataFrame, calculated: list[str] = (), cells: dict | None = None) -> pd.DataFrame:
    """The frame without rows blank in every column but the ``calculated`` ones (a table's empty row): the
    frame itself when it has none. ``cells`` keeps each column's cells worked out on the way."""
    typed = [i for i, c in enumerate(frame.columns) if c not in calculated]
    if frame.empty or not typed:
        return frame
    cells = {} if cells is None else cells
    unique = not frame.columns.duplicated().any()

    def blank_at(i: int) -> np.ndarray:
        if not unique:
            return _Cells(frame.iloc[:, i]).blank
        if frame.columns[i] not in cells:
            cells[frame.columns[i]] = _Cells(frame.iloc[:, i])
        return cells[frame.columns[i]].blank

    blank = np.logical_and.reduce([blank_at(i) for i in typed])
    if not blank.any():
        return frame
    kept = frame[~blank]
    kept.attrs = dict(frame.attrs)
    return kept


# ------------------------------------------------------------------------------------------------------------
# Checks


def _check_column(found: _Found, place: _Place, table: Table, column: Column, known: set | None,
                  today: pd.Timestamp) -> None:
    cells = place.column(column.header)
    name = column.header
    blank, errors = cells.blank, cells.errors
    found.add(place, name, errors, "the cell holds an Excel error", "correct the formula or the value that "
              "causes it, or type the value")
    found.add(place, name, cells.formula_like, "text that looks like a formula (kept as text, never run)",
              "remove the leading =, +, - or @ if it was not meant, or correct the text", WARNING)
    usable = ~blank & ~errors
    if (table.name, name) in _REQUIRED:
        found.add(place, name, blank, f"{name} is empty", f"fill in the {name.lower()} or delete the row")
    elif (table.name, name) in _WANTED:
        found.add(place, name, blank, f"{name} is empty", f"fill in the {name.lower()}", WARNING)
    if column.kind == "id":
        _check_ids(found, place, table, column, cells, blank, usable, known)
    elif column.kind == "date":
        _check_dates(found, place, name, cells, usable, today)
    elif column.kind in ("money", "money0", "integer", "year", "percent"):
        _check_numbers(found, place, table, column, cells, usable, today)
    elif column.kind == "flag":
        _check_choice(found, place, name, cells, usable, ["yes", "no"], True, "yes or no")
    elif column.kind == "choice":
        _check_choice(found, place, name, cells, usable, column.choices, column.strict,
                      "one of " + ", ".join(column.choices))
    elif name == "Email":
        text = pd.Series(cells.text)
        found.add(place, name, usable & ~text.str.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$").to_numpy(),
                  "not an e-mail address", "correct it, e.g. name@example.com", WARNING)


def _check_ids(found, place, table, column, cells, blank, usable, known) -> None:
    name, text = column.header, cells.text
    if table.name in ("Customers", "Prospects"):
        found.add(place, name, blank, f"{name} is empty", f"give every row its own {name}")
        twice = pd.Series(text).duplicated(keep="first").to_numpy() & usable
        found.add(place, name, twice, f"{name} appears more than once (the first row is used)",
                  "merge the rows into one, or give each its own id")
        return
    found.add(place, name, blank, "Customer ID is empty", "fill in the customer's id from Customers or delete the row")
    if known is not None:
        missing = usable & ~pd.Series(text).isin(known).to_numpy()
        found.add(place, name, missing, "customer is not in the Customers table",
                  "add the customer to Customers, or correct the id", WARNING)


def _check_dates(found, place, name, cells, usable, today) -> None:
    when, written = cells.dates
    ok = when.notna().to_numpy()
    found.add(place, name, usable & ~ok, "not a date", "enter a date, e.g. 2026-03-31")
    found.add(place, name, usable & written, "a date written as text", "enter it as a date (Excel: Data > Text to "
              "Columns, or retype it)", WARNING)
    found.add(place, name, ok & (when < pd.Timestamp(FIRST_DAY)).to_numpy(), "date before 1990",
              "correct the year (a typing error?)")
    found.add(place, name, ok & (when > today).to_numpy(), "date in the future",
              "correct the date, or set the as-of date on the Settings sheet", WARNING)


def _check_numbers(found, place, table, column, cells, usable, today) -> None:
    name = column.header
    number, spelled = cells.numbers
    is_number = ~np.isnan(number)
    found.add(place, name, usable & ~is_number, "text in a number column", "enter a number (digits only)")
    found.add(place, name, usable & spelled, "a number written as text", "enter it as a number", WARNING)
    with np.errstate(invalid="ignore"):
        if column.kind == "percent":
            found.add(place, name, is_number & ((number < 0) | (number > 1)), "share outside 0–100 %",
                      "enter a share from 0 % to 100 % (35 % is 0.35)")
        elif column.kind in ("integer", "year"):
            found.add(place, name, is_number & (number != np.floor(number)), "not a whole number",
                      "enter a whole number")
            if column.kind == "year":
                found.add(place, name, is_number & ((number < 1800) | (number > today.year)),
                          f"year outside 1800–{today.year}", "enter the four-digit year, e.g. 1987")
            else:
                found.add(place, name, is_number & (number < 0), f"negative {name.lower()}", "enter 0 or more")
        elif name in ("Budget", "Value"):
            found.add(place, name, is_number & (number < 0), f"negative {name.lower()}", "enter 0 or more")


def _check_choice(found, place, name, cells, usable, choices, strict, words) -> None:
    text = pd.Series(cells.text).str.casefold()
    allowed = {c.casefold() for c in choices}
    boolean = cells.booleans
    outside = usable & ~text.isin(allowed).to_numpy() & ~(boolean & (allowed == _TRUE_FALSE))
    kind = "not yes or no" if allowed == _TRUE_FALSE else f"not in the {name} list"
    found.add(place, name, outside, kind, f"choose {words}", ERROR if strict else WARNING)


def _check_rows(found: _Found, place: _Place, table: Table) -> None:
    """Checks that read several columns of a row (their cells as the column checks worked them out)."""
    frame = place.frame
    if table.name == "Transactions" and {"Amount", "Margin"} <= set(frame.columns):
        amount, _ = place.column("Amount").numbers
        margin, _ = place.column("Margin").numbers
        with np.errstate(invalid="ignore"):
            found.add(place, "Amount", amount == 0, "amount is 0", "delete the line or enter its amount", WARNING)
            found.add(place, "Margin", (amount > 0) & (margin > amount), "margin larger than the amount",
                      "correct the margin or the amount", WARNING)
    if table.name == "Transactions" and "Document no" in frame.columns:
        found.add(place, "Document no", place.column("Document no").blank, "no document no.",
                  "fill it in: the import matches lines by document no.", WARNING)
    if table.name == "Tenders" and {"Result", "Reason"} <= set(frame.columns):
        lost = pd.Series(place.column("Result").text).str.casefold().eq("lost").to_numpy()
        found.add(place, "Reason", lost & place.column("Reason").blank, "a lost tender without a reason",
                  "note why it was lost (price, quality, delivery time ...)", WARNING)
    if table.name == "Competitors" and {"Customer ID", "Share of wallet"} <= set(frame.columns):
        share, _ = place.column("Share of wallet").numbers
        total = pd.Series(np.nan_to_num(share)).groupby(place.column("Customer ID").text).transform("sum").to_numpy()
        found.add(place, "Share of wallet", (total > 1 + 1e-9) & ~np.isnan(share),
                  "the customer's competitors hold more than 100 % together", "correct the shares", WARNING)


def _check_settings(found: _Found, place: _Place) -> None:
    frame = place.frame.reset_index(drop=True)
    keys = {str(c).strip().casefold(): c for c in frame.columns}
    if "setting" not in keys or "value" not in keys:
        return
    names = pd.Series(_text(frame[keys["setting"]])).str.casefold().str.replace(" ", "_")
    values = frame[keys["value"]].to_numpy(dtype=object)
    known = set(field_names()) | set(SOURCE_ROWS)  # the rows recording where the inputs live are known too
    unknown = ~names.isin(known | set(stamp.ROWS)).to_numpy()  # the stamp rows are the workbook's, no setting
    found.add(place, "Setting", unknown & (names != "").to_numpy(), "unknown setting",
              "correct the name, or delete the row", values=frame[keys["setting"]])
    bad = np.zeros(len(frame), dtype=bool)
    reasons = np.full(len(frame), "", dtype=object)
    for i in np.flatnonzero(names.isin(known).to_numpy()):  # one per field: a few dozen rows
        try:
            if names[i].endswith("_columns"):
                parse_columns(values[i])
            Settings.from_mapping({names[i]: values[i]})
        except SettingsError as exc:
            bad[i], reasons[i] = True, exc.named(lambda f: f)
    for reason in sorted(set(reasons[bad])):
        found.add(place, "Value", bad & (reasons == reason), f"out of range: {reason}",
                  "enter a value in the range, or clear the cell for the default", values=frame[keys["value"]])
    if not bad.any():
        try:
            Settings.from_mapping({n: v for n, v in zip(names, values) if n in known})
        except SettingsError as exc:
            rows = names.isin(exc.fields).to_numpy()
            found.add(place, "Value", rows, exc.named(lambda f: f), "change one of these settings",
                      values=frame[keys["value"]])
