"""Parse one raw column into canonical values plus masks of bad and blank cells.

Each parser (ids, labels, numbers, dates, flags, override) takes a column of raw values and returns
its values, which cells are invalid or blank, and how to explain an invalid one.

Conversions are vectorised: a column is parsed in one pass (numbers: one style per column, see
:mod:`kam_xl.readers.numbers`; dates: in the format a sample shows, ISO or dd.mm.yyyy), and only the
cells that pass refuses go through the slower, more forgiving rules below.

Rules, in the order they are tried:

- Ids stay text: "00042" stays "00042"; a workbook number 42.0 becomes "42". Surrounding spaces go.
- Numbers: a number cell as it is; text in the column's style (German "1.234,50", English "1,234.50",
  Swiss "1'234.50", SAP "100,00-", "1e3"), decided from all its cells and the file's signals, or refused
  as ambiguous ("2.000" alone) — see :mod:`kam_xl.readers.numbers`.
- Dates: a date cell; text in the given ``date_format``; ISO text ("2024-03-31", with or without a
  time); Excel serial numbers (number cells or numeric text, 1900 date system); eight-digit numbers
  19000101-21991231 as YYYYMMDD; German "31.03.2024" or "31.03.24", also with a time ("02.01.2024
  10:15"); slash dates ("22/01/2024", "01/22/2024") when the column settles the order (a first number
  over 12 means day first, a second one month first), else they need ``date_format``. Times are dropped;
  dates must lie in 1900-2199.
- Yes/no flags: yes/no, true/false, 1/0, x, ja/nein, y/n, wahr/falsch, or blank (= no).
- Empty cells, whitespace and Excel error cells (#N/A, which calamine shows as "") are missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable

import numpy as np
import pandas as pd

from kam_xl.readers import numbers
from kam_xl.readers.numbers import NumberStyle

_FIRST_DATE, _LAST_DATE = pd.Timestamp("1900-01-01"), pd.Timestamp("2199-12-31")
_EXCEL_EPOCH = np.datetime64("1899-12-30", "D")  # serial 1 = 1900-01-01 (from March 1900 on)
_MAX_SERIAL = 2_958_465  # 9999-12-31
_TRUE = frozenset({"yes", "y", "true", "1", "x", "ja", "j", "wahr", "1.0"})
_FALSE = frozenset({"no", "n", "false", "0", "nein", "falsch", "0.0", ""})


@dataclass
class _Parsed:
    """One parsed column: canonical values, which cells are invalid or blank, and how to explain one."""

    values: np.ndarray
    bad: np.ndarray
    blank: np.ndarray
    expected: str  # "a number": what a blank required cell should have held
    explain: Callable[[int], str]  # message for the invalid cell at this position



@dataclass
class _Kinds:
    """Which cells of a raw column hold text, numbers, dates, booleans, nothing, or something else."""

    text: np.ndarray
    number: np.ndarray
    when: np.ndarray
    boolean: np.ndarray
    missing: np.ndarray
    other: np.ndarray


def _kinds(col: pd.Series) -> _Kinds:
    n = len(col)
    none, every = np.zeros(n, bool), np.ones(n, bool)
    if isinstance(col.dtype, pd.StringDtype):  # CSV
        missing = col.isna().to_numpy()
        return _Kinds(~missing, none, none, none, missing, none)
    kind = pd.api.types.infer_dtype(col, skipna=False)
    if kind == "string":
        return _Kinds(every, none, none, none, none, none)
    if kind in ("floating", "integer", "mixed-integer-float"):
        missing = col.isna().to_numpy()  # NaN
        return _Kinds(none, ~missing, none, none, missing, none)
    values = col.to_numpy(dtype=object)
    codes, types = pd.factorize(_TYPE(values))  # a column holds a few types

    def of(*kinds) -> np.ndarray:
        return np.isin(codes, [i for i, t in enumerate(types) if t in kinds])

    text = of(str)
    number = of(float, int, np.float64, np.int64)
    when = of(datetime, date, pd.Timestamp)
    boolean = of(bool, np.bool_)
    rest = ~(text | number | when | boolean)  # text, dates and booleans are never missing: None, NaT, NA ...
    missing = np.zeros(n, bool)
    missing[rest] = pd.isna(values[rest])
    other = rest & ~missing
    return _Kinds(text, number, when, boolean, missing, other)


_TYPE = np.frompyfunc(type, 1, 1)
_NO_TEXT = ("date", "datetime", "datetime64", "floating", "integer", "mixed-integer-float", "boolean", "empty")


def _part(col: pd.Series, mask: np.ndarray) -> pd.Series:
    return col if mask.all() else col[mask]


def _show(value) -> str:
    """A cell value as the user would recognise it, quoted when text, on one line."""
    if isinstance(value, (bool, np.bool_)):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.time() != datetime.min.time() else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        text = value.encode("unicode_escape").decode("ascii") if any(c < " " for c in value) else value
        return '"' + (text[:40] + "…" if len(text) > 40 else text) + '"'
    return str(value)


def _stripped(text: pd.Series) -> np.ndarray:
    """Text cells without surrounding spaces ("" for a missing one), as objects."""
    cells = text.to_numpy(dtype=object, na_value="")
    return np.fromiter(map(str.strip, cells), dtype=object, count=len(cells))


def _ids(col: pd.Series) -> _Parsed:
    """Customer ids as text; numbers from a workbook without ".0"; booleans and dates are errors."""
    k = _kinds(col)
    values = np.full(len(col), "", dtype=object)
    if k.text.any():
        values[k.text] = _stripped(_part(col, k.text))
    if k.number.any():
        numbers = col[k.number].to_numpy(dtype=float)
        whole = np.isfinite(numbers) & (numbers == np.round(numbers)) & (np.abs(numbers) < 2 ** 62)
        shown = numbers.astype(str).astype(object)
        shown[whole] = numbers[whole].astype(np.int64).astype(str)
        values[k.number] = shown
    blank = (values == "") & (k.text | k.missing)
    raw = col.to_numpy(dtype=object)

    def explain(i: int) -> str:
        return f"expected a customer id, found {_show(raw[i])} — correct the cell or delete the row."

    return _Parsed(values, k.when | k.boolean | k.other, blank, "a customer id", explain)


def _labels(col: pd.Series) -> _Parsed:
    """Free text (category, severity): stripped text, "" when blank; never invalid."""
    parsed = _ids(col)
    raw = col.to_numpy(dtype=object)
    parsed.values[parsed.bad] = [_show(v).strip('"') for v in raw[parsed.bad]]
    parsed.bad = np.zeros(len(col), bool)
    return parsed


def _numbers(col: pd.Series, style: NumberStyle = NumberStyle(),
             sibling: Callable[[], str | None] = lambda: None) -> _Parsed:
    """Numbers from number cells or text, the text in the column's style (:mod:`kam_xl.readers.numbers`).

    ``sibling()`` is the decimal separator the table's other number columns show. Raises
    :class:`numbers.Ambiguous` when nothing settles the separators of the column.
    """
    k = _kinds(col)
    values = np.full(len(col), np.nan)
    bad = k.when | k.boolean | k.other
    blank = k.missing.copy()
    decimal = None
    if k.number.any():
        values[k.number] = col[k.number].to_numpy(dtype=float)
    if k.text.any():
        text = _part(col, k.text)
        found = numbers.evidence(text)
        decimal, thousands = numbers.decide(found, style, sibling, text)
        values[k.text], blank[k.text] = numbers.parse(found, decimal, thousands)
    bad |= ~np.isfinite(values) & ~blank
    raw = col.to_numpy(dtype=object)
    other = {",": ".", ".": ","}.get(decimal or "")

    def explain(i: int) -> str:
        if other and isinstance(raw[i], str) and other in raw[i]:
            written = "1.234,50 with a decimal comma" if decimal == "," else "1,234.50 with a decimal point"
            return (f"expected a number written like the rest of the column ({written}), found {_show(raw[i])} "
                    f"— correct the cell, or set the separators with --decimal and --thousands.")
        return f"expected a number, found {_show(raw[i])} — correct the cell or delete the row."

    return _Parsed(values, bad, blank, "a number", explain)


def number_hint(col: pd.Series) -> str | None:
    """The decimal separator the text cells of a column show, or None."""
    k = _kinds(col)
    return numbers.evidence(_part(col, k.text)).decimal() if k.text.any() else None


def _sample(text: pd.Series, size: int = 500) -> pd.Series:
    """The first non-blank text cells of a column, stripped: enough to guess its format."""
    head = text.iloc[:4 * size].dropna().astype(str).str.strip()
    return head[head != ""].iloc[:size].astype(object)


def _dates(col: pd.Series, date_format: str | None = None) -> _Parsed:
    """Dates (midnight) from date cells, serial numbers or text; see the module docstring for the rules."""
    k = _kinds(col)
    values = np.full(len(col), np.datetime64("NaT"), dtype="datetime64[ns]")
    bad = k.boolean | k.other
    blank = k.missing.copy()
    if k.when.any():
        values[k.when] = pd.to_datetime(col[k.when], errors="coerce").to_numpy(dtype="datetime64[ns]")
    if k.number.any():
        values[k.number] = _serial_dates(col[k.number].to_numpy(dtype=float))
    if k.text.any():
        text = _part(col, k.text)
        values[k.text], blank[k.text] = _text_dates(text, date_format or slash_date_format(text))
    outside = (values < _FIRST_DATE.to_datetime64()) | (values > _LAST_DATE.to_datetime64())
    values[outside] = np.datetime64("NaT")
    bad |= np.isnat(values) & ~blank
    values = values.astype("datetime64[D]").astype("datetime64[ns]")  # drop the time of day
    raw = col.to_numpy(dtype=object)

    def explain(i: int) -> str:
        found = _show(raw[i])
        if outside[i]:
            return f"expected a date from 1900 to 2199, found {found} — correct the cell."
        if date_format:
            return (f"expected a date written as {date_format} (or ISO 2024-03-31, or an Excel date), "
                    f"found {found} — correct the cell or the date format.")
        if isinstance(raw[i], str) and "/" in raw[i]:
            return (f"expected a date such as 2024-03-31 or 31.03.2024, found {found} — name the format with "
                    "--date-format (e.g. %d/%m/%Y or %m/%d/%Y), or correct the cell.")
        return (f"expected a date such as 2024-03-31, 31.03.2024 or an Excel date, found {found} — correct the "
                "cell or delete the row.")

    return _Parsed(values, bad, blank, "a date", explain)


def _serial_dates(numbers: np.ndarray) -> np.ndarray:
    """Excel serial numbers (1900 system) and YYYYMMDD numbers as datetime64[ns]; NaT where neither."""
    out = np.full(len(numbers), np.datetime64("NaT"), dtype="datetime64[ns]")
    finite = np.isfinite(numbers)
    ymd = finite & (numbers >= 19000101) & (numbers <= 21991231) & (numbers == np.floor(numbers))
    if ymd.any():
        out[ymd] = pd.to_datetime(pd.Series(numbers[ymd].astype(np.int64).astype(str)), format="%Y%m%d",
                                  errors="coerce").to_numpy(dtype="datetime64[ns]")
    serial = finite & ~ymd & (numbers >= 1) & (numbers <= _MAX_SERIAL)
    if serial.any():
        days = np.floor(numbers[serial]).astype(np.int64).astype("timedelta64[D]")
        out[serial] = (_EXCEL_EPOCH + days).astype("datetime64[ns]")
    return out


def _text_dates(text: pd.Series, date_format: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Dates from text cells: values (NaT where unreadable) and which cells were blank.

    Fast path: the whole column in the given format, else in the one a sample shows (ISO or German);
    the cells it refuses go through the rules of the module docstring one by one.
    """
    if not date_format or "%H" not in date_format:  # times are dropped anyway
        text = _without_time(text)
    sample = _sample(text) if not date_format else None
    if sample is not None and sample.str.fullmatch(r"\d\d\.\d\d\.\d{4}").sum() > len(sample) // 2:
        values = _to_datetime(_german_to_iso(text), "%Y-%m-%d")  # 31.03.2024: pandas parses ISO fastest
    else:
        values = _to_datetime(text, date_format or "%Y-%m-%d")
    blank = np.zeros(len(text), bool)
    failed = np.isnat(values)
    if not failed.any():
        return values, blank
    rest = text[failed].fillna("").str.strip()
    found = np.full(len(rest), np.datetime64("NaT"), dtype="datetime64[ns]")
    rest_blank = (rest == "").to_numpy()
    todo = ~rest_blank
    if date_format and todo.any():  # the format with spaces stripped
        found[todo] = _to_datetime(rest[todo], date_format)
        todo &= np.isnat(found)
    numbers = pd.to_numeric(rest.where(todo, ""), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    number = todo & ~np.isnan(numbers)
    if number.any():
        found[number] = _serial_dates(numbers[number])
        todo &= ~number
    for pattern, fmt in ((r"\d{1,2}\.\d{1,2}\.\d{4}", "%d.%m.%Y"), (r"\d{1,2}\.\d{1,2}\.\d{2}", "%d.%m.%y")):
        match = todo & rest.str.fullmatch(pattern).to_numpy(dtype=bool)
        if match.any():
            found[match] = _to_datetime(rest[match], fmt)
            todo &= ~match
    if todo.any():
        found[todo] = _to_datetime(rest[todo], "ISO8601")
    values[failed] = found
    blank[failed] = rest_blank
    return values, blank


_TIME = r"[ T]+\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*$"
_DOTTED = r"\d{1,2}\.\d{1,2}\.\d{2,4}"


_SLASH = r"^\s*(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})(?:[ T]|$)"


def slash_date_format(text: pd.Series) -> str | None:
    """The order of a text column's slash dates when its own cells settle it: "%d/%m/%Y" when some first
    number is over 12, "%m/%d/%Y" when some second one is (``%y`` for two-digit years); None when no cell
    settles it, or cells contradict each other (then the dates need --date-format)."""
    if not text.str.contains("/", regex=False, na=False).any():
        return None
    parts = text.str.extract(_SLASH)
    found = parts[0].notna().to_numpy()
    if not found.any():
        return None
    first = parts[0][found].astype(int).to_numpy()
    second = parts[1][found].astype(int).to_numpy()
    day_first, month_first = bool((first > 12).any()), bool((second > 12).any())
    if day_first == month_first:
        return None
    year = "%Y" if (parts[2][found].str.len() == 4).mean() >= 0.5 else "%y"
    return f"%d/%m/{year}" if day_first else f"%m/%d/{year}"


def _without_time(text: pd.Series) -> pd.Series:
    """Text dates with a trailing time of day ("02.01.2024 10:15") cut to the date; others as they are."""
    if not text.str.contains(":", regex=False, na=False).any():
        return text
    return text.str.replace(_TIME, "", regex=True)


def dotted_dates(col: pd.Series) -> bool:
    """Whether most text cells of a date column are written dd.mm.yyyy (a sign of decimal commas)."""
    if pd.api.types.infer_dtype(col, skipna=False) in _NO_TEXT:
        return False
    k = _kinds(col)
    if not k.text.any():
        return False
    sample = _sample(_part(col, k.text))
    return bool(len(sample)) and sample.str.match(_DOTTED).mean() > 0.5


def _german_to_iso(text: pd.Series) -> pd.Series:
    """"31.03.2024" as "2024-03-31", by moving characters in a numpy array; "" for any other cell."""
    cells = text.to_numpy(dtype=object, na_value="").astype("U11")
    codes = cells.view(np.uint32).reshape(len(cells), 11)
    german = (codes[:, 10] == 0) & (codes[:, 2] == ord(".")) & (codes[:, 5] == ord("."))
    iso = codes[:, [6, 7, 8, 9, 2, 3, 4, 5, 0, 1]].copy()
    iso[:, [4, 7]] = ord("-")
    out = iso.view("U10").ravel().astype(object)
    out[~german] = ""
    return pd.Series(out, dtype=object)


def _to_datetime(text: pd.Series, fmt: str) -> np.ndarray:
    try:
        parsed = pd.to_datetime(text, format=fmt, errors="coerce")
    except (ValueError, TypeError):  # time zones mixed with none
        parsed = pd.to_datetime(text, format=fmt, errors="coerce", utc=True)
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    return np.array(nanosecond_dates(parsed.to_numpy()))  # writable


_NS_FIRST, _NS_LAST = pd.Timestamp.min.ceil("D").to_datetime64(), pd.Timestamp.max.floor("D").to_datetime64()


def nanosecond_dates(values: np.ndarray) -> np.ndarray:
    """Parsed dates as datetime64[ns]; one a nanosecond date cannot hold ("-5" read as the year -5, the year 1
    or 9999) is no date, NaT, instead of wrapping round to another date."""
    if values.dtype == "datetime64[ns]":
        return values
    inside = (values >= _NS_FIRST.astype(values.dtype)) & (values <= _NS_LAST.astype(values.dtype))
    return np.where(inside, values, np.datetime64("NaT")).astype("datetime64[ns]")


def _yes_no(col: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Masks yes, no, bad and blank of a flag column."""
    k = _kinds(col)
    yes, no = np.zeros(len(col), bool), np.zeros(len(col), bool)
    if k.boolean.any():
        flags = col[k.boolean].to_numpy(dtype=bool)
        yes[k.boolean], no[k.boolean] = flags, ~flags
    if k.number.any():
        numbers = col[k.number].to_numpy(dtype=float)
        yes[k.number], no[k.number] = numbers == 1, numbers == 0
    blank = k.missing.copy()
    if k.text.any():
        words = _part(col, k.text).fillna("").str.strip().str.casefold()
        yes[k.text] = words.isin(_TRUE).to_numpy(dtype=bool)
        blank[k.text] = (words == "").to_numpy(dtype=bool)
        no[k.text] = words.isin(_FALSE).to_numpy(dtype=bool) & ~blank[k.text]
    return yes, no, ~(yes | no | blank), blank


def _flag_explainer(col: pd.Series) -> Callable[[int], str]:
    raw = col.to_numpy(dtype=object)
    return lambda i: (f"expected yes or no (also true/false, 1/0, x, ja/nein, or blank), found {_show(raw[i])} "
                      "— correct the cell.")


def _flags(col: pd.Series) -> _Parsed:
    """Yes/no flags as booleans; blank means no."""
    yes, no, bad, blank = _yes_no(col)
    return _Parsed(yes, bad, blank, "yes or no", _flag_explainer(col))


def _override(col: pd.Series) -> _Parsed:
    """Key-account override: "yes", "no", or "" when blank (the rule decides)."""
    yes, no, bad, blank = _yes_no(col)
    values = np.where(yes, "yes", np.where(no, "no", "")).astype(object)
    return _Parsed(values, bad, blank, "yes or no", _flag_explainer(col))


def _blank_cells(col: pd.Series) -> np.ndarray:
    k = _kinds(col)
    blank = k.missing.copy()
    if k.text.any():
        blank[k.text] = (_part(col, k.text).fillna("").str.strip() == "").to_numpy(dtype=bool)
    return blank
