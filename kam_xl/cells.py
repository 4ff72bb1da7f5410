"""Raw cell values, as Excel hands them to a Python function, turned into arrays and tables.

xlwings passes a range as a 2-D list (rows of cells), a single cell as a scalar; blanks are None, numbers
floats, dates datetimes, text str, and error cells None or "#N/A"-style text. On Linux the xlwings
decorators do nothing, so every cell function converts its arguments here, identically in Excel and in
the headless engine. Problems raise :class:`CellError` with a message a user can act on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from kam_xl import stamp
from kam_xl.core.settings import Settings, SettingsError, sources_from_mapping
from kam_xl.core.typology import parse_yes_no
from kam_xl.readers import headers as header_names
from kam_xl.readers.files import cell_grid

EXCEL_EPOCH = np.datetime64("1899-12-30", "D")


class CellError(ValueError):
    """A cell value the function cannot use; the message goes into the cell after "#KAM: "."""


def flat(raw) -> list:
    """Cells of a range (2-D list, 1-D list or scalar) as one flat list, row by row."""
    if isinstance(raw, (list, tuple)):
        if raw and isinstance(raw[0], (list, tuple)):
            return [cell for row in raw for cell in row]
        return list(raw)
    return [raw]


def rows(raw) -> list[list]:
    """A range as a list of rows (a scalar becomes one row of one cell); a list of lists is used as it is."""
    if isinstance(raw, (list, tuple)):
        if raw and isinstance(raw[0], (list, tuple)):
            return raw if isinstance(raw, list) and set(map(type, raw)) == {list} else [list(r) for r in raw]
        return [list(raw)]
    return [[raw]]


def is_blank(cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip()) or (isinstance(cell, float) and cell != cell)


def numbers(cells: Iterable, what: str, *, rows: Iterable[int] | None = None, table: str | None = None) -> np.ndarray:
    """Numbers (blanks as NaN); numeric text is accepted; anything else raises naming the data row
    (see :func:`place`)."""
    cells = list(cells)
    try:
        return np.array([np.nan if c is None else c for c in cells], dtype=float)
    except (TypeError, ValueError):
        pass
    out = np.empty(len(cells))
    for i, c in enumerate(cells):
        if is_blank(c):
            out[i] = np.nan
        elif isinstance(c, bool):
            out[i] = float(c)
        else:
            try:
                out[i] = float(str(c).strip().replace(",", "")) if isinstance(c, str) else float(c)
            except (TypeError, ValueError):
                raise CellError(f"{place(what, i, len(cells), rows, table)}: {_show(c)} is not a number") from None
    return out


def days(cells: Iterable, what: str, *, rows: Iterable[int] | None = None, table: str | None = None) -> np.ndarray:
    """Dates as datetime64[D] (blanks NaT): datetimes, Excel serial numbers, or ISO text."""
    cells = list(cells)
    kinds = set(map(type, cells))
    if kinds <= {float, int, type(None)}:  # serial numbers: the whole column at once
        serials = np.array([np.nan if c is None else c for c in cells], dtype=float)
        out = np.full(len(cells), np.datetime64("NaT"), dtype="datetime64[D]")
        known = np.isfinite(serials)
        out[known] = EXCEL_EPOCH + serials[known].astype(np.int64).astype("timedelta64[D]")
        return out
    if kinds <= {dt.datetime, pd.Timestamp, type(None)}:
        return pd.to_datetime(pd.Series(cells, dtype=object)).to_numpy("datetime64[D]")
    out = np.full(len(cells), np.datetime64("NaT"), dtype="datetime64[D]")
    for i, c in enumerate(cells):
        if is_blank(c):
            continue
        if isinstance(c, (dt.datetime, dt.date)):
            out[i] = np.datetime64(c.date() if isinstance(c, dt.datetime) else c, "D")
        elif isinstance(c, (int, float)) and not isinstance(c, bool):
            out[i] = EXCEL_EPOCH + np.timedelta64(int(c), "D")
        else:
            try:
                out[i] = np.datetime64(pd.Timestamp(str(c).strip()).date(), "D")
            except (TypeError, ValueError):
                raise CellError(f"{place(what, i, len(cells), rows, table)}: {_show(c)} is not a date") from None
    return out


def place(what: str, i: int, n: int, rows: Iterable[int] | None = None, table: str | None = None) -> str:
    """Where the ``i``-th of ``n`` cells handed over lies, as a cell function can know it: by data row (1-based
    within the data handed over; ``rows`` when they are not 1..n), never by sheet row, which it cannot see.

    "Transactions data row 5, column Amount" (``table``), "value, data row 2" (a range), "value" (one cell)."""
    row = list(rows)[i] if rows is not None else i + 1
    if table:
        return f"{table} data row {row}, column {what}"
    return f"{what}, data row {row}" if n > 1 or rows is not None else what


def column_numbers(frame: pd.DataFrame, column: str) -> np.ndarray:
    """:func:`numbers` of a column of a :func:`table`; a problem names the table, its data row and the header."""
    return numbers(frame[column], frame.attrs["headers"][column], rows=frame.index, table=frame.attrs["table"])


def column_days(frame: pd.DataFrame, column: str) -> np.ndarray:
    """:func:`days` of a column of a :func:`table`; a problem names the table, its data row and the header."""
    return days(frame[column], frame.attrs["headers"][column], rows=frame.index, table=frame.attrs["table"])


def texts(cells: Iterable) -> list[str]:
    """Text of each cell, with whole numbers shown without ".0" (an id typed as 42 is "42"); blanks ""."""
    cells = list(cells)
    if set(map(type, cells)) <= {str}:
        return list(map(str.strip, cells))
    out = []
    for c in cells:
        if is_blank(c):
            out.append("")
        elif isinstance(c, float) and c.is_integer():
            out.append(str(int(c)))
        else:
            out.append(str(c).strip())
    return out


def yes_no(cells: Iterable, what: str) -> np.ndarray:
    """Yes/no cells as 1.0/0.0, blanks NaN."""
    try:
        return parse_yes_no(list(cells), what)
    except ValueError as exc:
        raise CellError(str(exc)) from None


def table(raw, what: str, columns: Mapping[str, str] | None = None) -> pd.DataFrame:
    """A range whose first row holds headers, as a DataFrame of raw cells; headers normalised to
    lower_case_with_underscores (so "Customer ID" becomes customer_id), and the columns of input ``what`` found
    under another header (the column map ``columns``, canonical -> header, else the EN/DE aliases of
    :mod:`kam_xl.readers.headers`: "Kundennr." is customer_id) named canonically. Rows entirely blank are left
    out; the index is each row's data row (1 = the row under the headers), ``attrs`` hold ``table`` (``what``)
    and ``headers`` (column -> as written), for messages (:func:`column_numbers`)."""
    grid = rows(raw)
    if not grid or all(is_blank(c) for c in grid[0]):
        raise CellError(f"{what}: the first row must hold the column headers")
    headers = [normalise_header(h) for h in grid[0]]
    wanted = [*header_names.ALIASES.get(what.lower(), {}), *(columns or {})]
    found = header_names.find_columns(grid[0], what, list(dict.fromkeys(wanted)), columns)
    for canonical, at in found.items():
        headers = [f"{h}_{i}" if h == canonical and i != at else h for i, h in enumerate(headers)]
        headers[at] = canonical
    body = grid[1:]
    cells = cell_grid(body, len(headers)) if body else None  # one 2-D array when the rows are even
    # A row is left out when all its cells are blank; only rows whose first cell is blank can be.
    if cells is None:
        blank = {i for i, r in enumerate(body) if (not r or is_blank(r[0])) and all(is_blank(c) for c in r)}
    else:  # each distinct first cell is looked at once
        codes, firsts = pd.factorize(cells[:, 0])
        maybe = np.append(np.fromiter(map(is_blank, firsts), bool, len(firsts)), True)[codes]
        blank = {i for i in np.flatnonzero(maybe).tolist() if all(map(is_blank, body[i]))}
    if blank:
        kept = [i for i in range(len(body)) if i not in blank]
        body, index = [body[i] for i in kept] if cells is None else cells[kept], [i + 1 for i in kept]
    else:
        body, index = body if cells is None else cells, range(1, len(body) + 1)
    frame = pd.DataFrame(body, columns=headers, index=index, dtype=object)
    frame.attrs.update(table=what, headers={h: str(raw_h or "").strip() for h, raw_h in zip(headers, grid[0])})
    return frame


def normalise_header(header) -> str:
    return "_".join(str(header or "").strip().lower().replace(".", " ").split())


def source_columns(raw) -> dict[str, dict[str, str]]:
    """The column maps a Settings range records (``<input>_columns`` rows): input -> {canonical: header}."""
    if raw is None or is_blank(raw):
        return {}
    pairs = {normalise_header(r[0]): r[1] for r in rows(raw) if len(r) > 1 and not is_blank(r[0])}
    try:
        return {name: columns for name, (_, columns) in sources_from_mapping(pairs).items() if columns}
    except SettingsError as exc:
        raise CellError(exc.named(lambda f: "Settings row " + next(n for n in pairs if n.endswith(f)))) from None


def settings_from_range(raw) -> Settings:
    """Settings from a two-column name/value range (a header row "Setting | Value" is skipped).

    A workbook's Settings block written in another workbook format stops with the upgrade message
    (:mod:`kam_xl.stamp`): its formulas and layout are not the ones this kam_xl computes for."""
    if raw is None:
        return Settings()
    pairs = [r for r in rows(raw) if r and not is_blank(r[0])]
    if pairs and normalise_header(pairs[0][0]) == "setting":
        pairs = pairs[1:]
    if any(len(r) < 2 for r in pairs):
        raise CellError("settings range must have two columns: setting name and value")
    labels = {normalise_header(r[0]): str(r[0]).strip() for r in pairs}  # the row labels as the user sees them
    values = {normalise_header(r[0]): r[1] for r in pairs}
    outdated = stamp.problem(stamp.of_rows(values))
    if outdated:
        raise CellError(outdated)
    try:
        return Settings.from_mapping({k: v for k, v in values.items() if k not in stamp.ROWS})
    except SettingsError as exc:
        raise CellError(exc.named(lambda f: f"Settings row {labels.get(f, f)}")) from None


def as_of_day(raw):
    """The as-of cell: a date, a serial or ISO text; blank means "the last transaction day" (None)."""
    cells = flat(raw)
    if not cells or is_blank(cells[0]):
        return None
    return pd.Timestamp(days(cells[:1], "as-of date")[0]).date()


def to_cell(value):
    """A Python value as something Excel shows: NaN/NaT/None -> blank, numpy scalars -> plain."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, (float, np.floating)):
        return None if np.isnan(value) else float(value)
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else pd.Timestamp(value).to_pydatetime()
    return value


def _show(cell) -> str:
    text = str(cell)
    return f'"{text[:40]}"'
