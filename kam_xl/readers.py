"""Read the user's tables (CSV, XLSX/XLSM) and turn them into the core's canonical frames.

One validation module for every face: the CLI, the macros and the data-check sheet call the same
functions and get the same messages. Two steps:

- :func:`read_table` reads a file as it is: a frame of raw values (text from CSV; text, numbers,
  datetimes and booleans from a workbook) whose columns are the headers as written and whose index is
  the line (CSV) or sheet row (workbook) the user sees. Blank rows stay in; nothing is converted.
- :func:`transactions_frame`, :func:`customers_frame`, :func:`complaints_frame` find the columns by
  name, convert and check every cell, and return the canonical columns of :mod:`kam_xl.core.schema`
  (RangeIndex; rows with nothing in any column read are dropped).

The first bad cell, in reading order, raises :class:`TableError` naming file, line or row, column,
the value found and the fix::

    transactions.csv, line 17, column Amount: expected a number, found "abc" — correct the cell or delete the row.

Conversions are vectorised: a column is parsed in one pass, in the format a sample of it shows (plain
or decimal-comma numbers; ISO or dd.mm.yyyy dates), and only the cells that pass refuses go through the
slower, more forgiving rules below. 1M CSV lines read and check in about 1.3 s (German style: 2.3 s).

Rules, in the order they are tried:

- Ids stay text: "00042" stays "00042"; a workbook number 42.0 becomes "42". Surrounding spaces go.
- Numbers: a number cell, or text a plain float parse accepts ("1234.5", "-3", "1e3"). Otherwise,
  after dropping spaces and a currency sign (€ $ £ EUR USD CHF GBP), German "1.234,50" or English
  "1,234.50". A column takes one style: once a cell shows a decimal comma, text like "1.234" in that
  column means 1234 and "1234.5" is an error. "1,234" alone reads as 1.234 (decimal comma).
- Dates: a date cell; text in the given ``date_format``; ISO text ("2024-03-31", with or without a
  time); Excel serial numbers (number cells or numeric text, 1900 date system); eight-digit numbers
  19000101-21991231 as YYYYMMDD; German "31.03.2024" or "31.03.24". Slash dates are ambiguous and need
  ``date_format``. Times are dropped; dates must lie in 1900-2199.
- Yes/no flags: yes/no, true/false, 1/0, x, ja/nein, y/n, wahr/falsch, or blank (= no).
- Empty cells, whitespace and Excel error cells (#N/A, which calamine shows as "") are missing.
"""

from __future__ import annotations

import csv
import io
import os
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from kam_xl import a1
from kam_xl.core import schema
from kam_xl.errors import InputError

__all__ = [
    "TableError", "read_table", "transactions_frame", "customers_frame", "complaints_frame", "has_column",
]

SEPARATORS = (",", ";", "\t", "|")
_SEP_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
_FIRST_DATE, _LAST_DATE = pd.Timestamp("1900-01-01"), pd.Timestamp("2199-12-31")
_EXCEL_EPOCH = np.datetime64("1899-12-30", "D")  # serial 1 = 1900-01-01 (from March 1900 on)
_MAX_SERIAL = 2_958_465  # 9999-12-31
_TRUE = frozenset({"yes", "y", "true", "1", "x", "ja", "j", "wahr", "1.0"})
_FALSE = frozenset({"no", "n", "false", "0", "nein", "falsch", "0.0", ""})


class TableError(InputError):
    """An :class:`InputError` at a place in a table; ``row`` is the number the user sees.

    ``row_word`` is "line" for CSV files (physical line, header included) and "row" for sheets.
    """

    def __init__(self, message: str, *, source: str | None = None, row: int | None = None,
                 column: str | None = None, row_word: str = "row"):
        super().__init__(message, source=source, row=row, column=column)
        self.row_word = row_word
        where = ", ".join(p for p in (source, f"{row_word} {row}" if row is not None else None,
                                      f"column {column}" if column else None) if p)
        self.args = (f"{where}: {message}" if where else message,)


# --------------------------------------------------------------------------------------------------
# Reading files


def read_table(path: str | os.PathLike, *, sheet: str | None = None, sep: str | None = None,
               default_names: Sequence[str] = ()) -> tuple[pd.DataFrame, str]:
    """The table in a CSV or Excel file as raw values, and a label naming where it came from.

    ``sheet`` names a worksheet or an Excel table (ListObject) of a workbook; tables win when both
    carry the name. Without it the first of ``default_names`` found as a table or sheet is read, else
    the first worksheet with data. ``sep`` fixes the CSV delimiter (one of , ; tab |); by default it
    is sniffed from the first lines. The label ("sales.xlsx, sheet Data") starts every message.
    """
    name = os.fspath(path)
    file = Path(path)
    if not file.exists():
        raise InputError("no such file — check the path and the file name.", source=name)
    if file.is_dir():
        raise InputError("is a folder, not a file — name a CSV or Excel file.", source=name)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror}) — check that you may open it.", source=name) from None
    if not data.strip():
        raise InputError("the file is empty — export the table again, with a header row and its data.",
                         source=name)
    head = data[:8192]
    if head.startswith(b"PK\x03\x04"):
        _check_workbook_zip(file, name)
        return _read_workbook(file, name, sheet, default_names)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise InputError("is an Excel 97-2003 workbook (.xls) or a password-protected file — open it in Excel "
                         "and save it as .xlsx (without a password) or as CSV.", source=name)
    what = _binary_kind(head)
    if what:
        raise InputError(f"is {what}, not a table — name a CSV file or an .xlsx/.xlsm workbook.", source=name)
    if sheet is not None:
        raise InputError(f"is a CSV file and has no sheets — leave out the sheet name ({sheet}).", source=name)
    return _read_csv(data, name, sep), name


def has_column(raw: pd.DataFrame, name: str) -> bool:
    """Whether a header of ``raw`` matches ``name`` (exactly, or ignoring case, spaces and punctuation)."""
    return bool(_positions(raw, name))


_MAGIC = (
    (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"), (b"\x1f\x8b", "a gzip archive"), (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"), (b"\x7fELF", "a program"), (b"MZ", "a program"),
    (b"SQLite format 3", "an SQLite database"),
)


def _binary_kind(head: bytes) -> str | None:
    """What a file that is not text looks like, or None for text."""
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 text (Excel's "Unicode Text")
        return None
    control = sum(head.count(bytes([b])) for b in (*range(0, 9), 11, 12, *range(14, 27), *range(28, 32)))
    return "binary data" if b"\x00" in head or control > len(head) // 100 else None


def _check_workbook_zip(file: Path, name: str) -> None:
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        raise InputError("is a damaged ZIP/Excel file — open it in Excel and save it again, or export CSV.",
                         source=name) from None
    if "xl/workbook.xml" in names:
        return
    if "xl/workbook.bin" in names:
        what = "an Excel binary workbook (.xlsb)"
    elif "content.xml" in names:
        what = "an OpenDocument file (.ods)"
    else:
        what = "a ZIP archive, not an Excel workbook"
    raise InputError(f"is {what} — save the table as .xlsx or as CSV.", source=name)


def workbook_tables(path: str | os.PathLike) -> list[str]:
    """Names of the Excel tables in a workbook file; [] for a CSV or anything calamine cannot open."""
    import python_calamine as pc

    if not Path(path).is_file() or Path(path).read_bytes()[:4] != b"PK\x03\x04":
        return []
    try:
        with pc.CalamineWorkbook.from_path(path, load_tables=True) as book:
            return list(book.table_names or [])
    except (pc.CalamineError, OSError, ValueError):
        return []


def _read_workbook(file: Path, name: str, sheet: str | None,
                   default_names: Sequence[str]) -> tuple[pd.DataFrame, str]:
    import python_calamine as pc

    try:
        book = pc.CalamineWorkbook.from_path(file, load_tables=True)
    except pc.PasswordError:
        raise InputError("is password-protected — save a copy without a password.", source=name) from None
    except (pc.CalamineError, OSError, ValueError) as exc:
        raise InputError(f"cannot be read as an Excel workbook ({_one_line(exc)}) — open it in Excel and "
                         "save it again.", source=name) from None
    with book:
        tables = list(book.table_names or [])
        sheets = [m.name for m in book.sheets_metadata if m.typ == pc.SheetTypeEnum.WorkSheet]
        if sheet is not None:
            table_name, sheet_name = _pick(sheet, tables), _pick(sheet, sheets)
            if table_name is None and sheet_name is None:
                raise InputError(f"no sheet or table named \"{sheet}\"; sheets: {_listing(sheets)}; tables: "
                                 f"{_listing(tables)} — name one of these.", source=name)
        else:
            table_name = next((t for n in default_names if (t := _pick(n, tables))), None)
            sheet_name = next((s for n in default_names if (s := _pick(n, sheets))), None)
        if table_name is not None:
            table = book.get_table_by_name(table_name)
            first = table.start[0] + 1 if table.start else 2  # sheet row of the first data row
            return _raw_frame(table.columns, table.to_python(), first), \
                f"{name}, table {table_name} (sheet {table.sheet})"
        if sheet_name is None:  # the first worksheet with data
            ws = next((ws for s in sheets if (ws := book.get_sheet_by_name(s)).start is not None), None)
            if ws is None:
                raise InputError("has no worksheet with data — fill in the table, or export it as CSV.",
                                 source=name)
        else:
            ws = book.get_sheet_by_name(sheet_name)
        source = f"{name}, sheet {ws.name}"
        rows = ws.to_python(skip_empty_area=True)
        if ws.start is None or not rows:
            raise InputError("the sheet is empty — fill in the table with a header row, or name another sheet.",
                             source=source)
        return _raw_frame(rows[0], rows[1:], ws.start[0] + 2), source


def _pick(wanted: str, names: Sequence[str]) -> str | None:
    """The name in ``names`` equal to ``wanted``, else equal ignoring case (Excel ignores it too)."""
    if wanted in names:
        return wanted
    return next((n for n in names if n.casefold() == wanted.strip().casefold()), None)


def _listing(names: Sequence[str]) -> str:
    return ", ".join(names) if names else "none"


def _raw_frame(header: Sequence, rows: list, first_row: int) -> pd.DataFrame:
    """Frame of workbook values: one object column per header cell, index = sheet row numbers."""
    labels = [_header_text(h) for h in header]
    cells = np.empty((len(rows), len(labels)), dtype=object)
    if rows:
        cells[:] = [row[:len(labels)] for row in rows] if len(rows[0]) != len(labels) else rows
    frame = pd.DataFrame({i: cells[:, i] for i in range(len(labels))},
                         index=pd.RangeIndex(first_row, first_row + len(rows)))
    frame.columns = labels
    frame.attrs.update(row_word="row", header_row=first_row - 1)
    return frame


def _header_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


def _read_csv(data: bytes, name: str, sep: str | None) -> pd.DataFrame:
    data, encoding = _decodable(data, name)
    sample = data[:65536].decode(encoding, errors="replace").lstrip("\ufeff")
    lines = sample.splitlines()
    skip = 0
    while skip < len(lines) and not lines[skip].strip():
        skip += 1
    hint = re.fullmatch(r"\s*sep=(.)\s*", lines[skip], flags=re.IGNORECASE) if skip < len(lines) else None
    if hint:  # Excel's "sep=;" first line
        skip += 1
    sep = _separator(sep, name) if sep is not None else hint.group(1) if hint else _sniff(lines[skip:skip + 50])
    try:
        frame = pd.read_csv(io.BytesIO(data), sep=sep, header=None, dtype=str, na_filter=False,
                            skip_blank_lines=False, skiprows=skip, encoding=encoding, quotechar='"',
                            engine="c")
    except pd.errors.EmptyDataError:
        raise InputError("the file is empty — export the table again, with a header row and its data.",
                         source=name) from None
    except pd.errors.ParserError as exc:
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if found:
            want, record, saw = map(int, found.groups())
            raise TableError(f"expected {want} cells like the header, found {saw} — check the separator "
                             f"({_sep_name(sep)}) and the quotes on that line.", source=name,
                             row=_physical_line(data, encoding, sep, record), row_word="line") from None
        raise InputError(f"cannot be read as CSV ({_one_line(exc)}) — check the separator and quotes.",
                         source=name) from None
    lines_in_file = data.count(b"\n") + (0 if data.endswith(b"\n") else 1) - skip
    numbers = np.arange(len(frame)) + skip + 1
    if lines_in_file != len(frame):  # quoted cells holding line breaks: count them
        breaks = sum(frame[c].str.count("\n").fillna(0).to_numpy(int) for c in frame.columns)
        numbers = numbers + np.cumsum(breaks) - breaks
    labels = [str(v).strip() for v in frame.iloc[0]] if len(frame) else []
    raw = frame.iloc[1:]
    raw.columns = labels
    raw.index = pd.Index(numbers[1:])
    raw.attrs.update(row_word="line", header_row=int(numbers[0]) if len(numbers) else 1, separator=sep)
    return raw


def _physical_line(data: bytes, encoding: str, sep: str, record: int) -> int:
    """The line on which CSV record number ``record`` (1-based, blank lines counted) starts."""
    reader = csv.reader(io.StringIO(data.decode(encoding)), delimiter=sep)
    end_of_previous = 0
    for number, _ in enumerate(reader, start=1):
        if number == record:
            return end_of_previous + 1
        end_of_previous = reader.line_num
    return record


def _decodable(data: bytes, name: str) -> tuple[bytes, str]:
    """The bytes and the encoding that reads them: UTF-8 (BOM or not), UTF-16 with BOM, or Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16").encode("utf-8"), "utf-8"
    try:
        data.decode("utf-8")
        return data, "utf-8-sig"
    except UnicodeDecodeError:
        pass
    try:
        data.decode("cp1252")
        return data, "cp1252"
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise TableError(f"is neither UTF-8 nor Windows-1252 text (byte 0x{data[exc.start]:02X}) — save it "
                         "from Excel as \"CSV UTF-8\".", source=name, row=line, row_word="line") from None


def _separator(sep: str, name: str) -> str:
    sep = _SEP_NAMES.get(sep.lower(), sep) if sep.strip() else sep
    if sep not in SEPARATORS:
        raise InputError(f"separator {sep!r} is not supported; use one of , ; tab |", source=name)
    return sep


def _sep_name(sep: str) -> str:
    return "tab" if sep == "\t" else sep


def _sniff(lines: list[str]) -> str:
    """The delimiter that splits the header into most cells and the lines below into as many."""
    if not lines:
        return ","
    best, best_score = ",", (0, 0)
    for sep in SEPARATORS:
        counts = [len(row) for row in csv.reader(lines, delimiter=sep)]
        if counts[0] < 2:
            continue
        score = (sum(c == counts[0] for c in counts), counts[0])
        if score > best_score:
            best, best_score = sep, score
    return best


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200]


# --------------------------------------------------------------------------------------------------
# Finding columns


@dataclass(frozen=True)
class _Role:
    """One column the analysis wants: canonical name, words for messages, CLI option, known headers."""

    name: str
    words: str
    option: str
    aliases: tuple[str, ...]  # best first; compared ignoring case, spaces and punctuation


_CUSTOMER = _Role(schema.CUSTOMER_ID, "customer id", "--customer-col", (
    "Customer ID", "Customer No", "Customer Number", "Client ID", "Account ID", "Kundennummer", "Kunden-Nr",
    "Kunden-ID", "KdNr", "Debitor", "Debitorennummer", "Customer", "Client", "Account", "Kunde"))
_DATE = _Role(schema.TX_DATE, "date", "--date-col", (
    "Date", "Datum", "Invoice Date", "Document Date", "Order Date", "Transaction Date", "Rechnungsdatum",
    "Belegdatum", "Buchungsdatum"))
_AMOUNT = _Role(schema.TX_AMOUNT, "amount", "--amount-col", (
    "Amount", "Revenue", "Sales", "Net Amount", "Umsatz", "Betrag", "Nettobetrag", "Nettoumsatz"))
_MARGIN = _Role(schema.TX_MARGIN, "margin", "--margin-col", (
    "Margin", "Profit", "Gross Margin", "Marge", "Deckungsbeitrag", "DB", "Rohertrag", "Gewinn"))
_KNOWN_BRAND = _Role(schema.KNOWN_BRAND, "known brand flag", "", (
    "Known Brand", "Brand", "Image", "Bekannte Marke", "Marke", "Image Maker", "Bildmacher"))
_HIGH_DEMANDS = _Role(schema.HIGH_DEMANDS, "high demands flag", "", (
    "High Demands", "Demanding", "Hohe Anforderungen", "Anspruchsvoll", "Expert", "Experte"))
_BUDGET = _Role(schema.BUDGET, "budget", "", ("Budget",))
_OVERRIDE = _Role(schema.KEY_OVERRIDE, "key account override", "", (
    "Key Account Override", "Override", "Key Account", "Schlüsselkunde", "Schluesselkunde"))
_COMPLAINT_DATE = _Role(schema.COMPLAINT_DATE, "date", "--date-col", (
    "Date", "Datum", "Complaint Date", "Reklamationsdatum", "Beschwerdedatum", "Eingangsdatum"))
_CATEGORY = _Role(schema.COMPLAINT_CATEGORY, "category", "", ("Category", "Kategorie", "Reason", "Grund", "Art"))
_SEVERITY = _Role(schema.COMPLAINT_SEVERITY, "severity", "", (
    "Severity", "Schwere", "Schweregrad", "Priority", "Priorität", "Prioritaet"))


def _key(header: str) -> str:
    return "".join(ch for ch in str(header).casefold() if ch.isalnum())


def _positions(raw: pd.DataFrame, name: str) -> list[int]:
    headers = [str(h) for h in raw.columns]
    exact = [i for i, h in enumerate(headers) if h == name]
    return exact or [i for i, h in enumerate(headers) if _key(h) and _key(h) == _key(name)]


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


# --------------------------------------------------------------------------------------------------
# Parsing columns: each parser turns one raw column into values plus masks of bad and blank cells.


@dataclass
class _Parsed:
    """One parsed column: canonical values, which cells are invalid or blank, and how to explain one."""

    values: np.ndarray
    bad: np.ndarray
    blank: np.ndarray
    expected: str  # "a number": what a blank required cell should have held
    explain: Callable[[int], str]  # message for the invalid cell at this position


@dataclass
class _Column:
    """A parsed column with where it came from and whether it must be filled."""

    name: str
    header: str
    position: int
    required: bool
    parsed: _Parsed


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
    types = col.map(type).to_numpy()
    text = types == str
    number = np.isin(types, [float, int, np.float64, np.int64])
    when = np.isin(types, [datetime, date, pd.Timestamp])
    boolean = np.isin(types, [bool, np.bool_])
    missing = col.isna().to_numpy() & ~number
    other = ~(text | number | when | boolean | missing)
    return _Kinds(text, number, when, boolean, missing, other)


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


def _ids(col: pd.Series) -> _Parsed:
    """Customer ids as text; numbers from a workbook without ".0"; booleans and dates are errors."""
    k = _kinds(col)
    values = np.full(len(col), "", dtype=object)
    if k.text.any():
        values[k.text] = _part(col, k.text).str.strip().to_numpy(dtype=object, na_value="")
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


_GERMAN = r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?"  # 1.234,5  12,5  1.234  1234
_ENGLISH = r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"  # 1,234.5  1,234  12.5
_DECIMAL_COMMA = r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+),\d+|[+-]?\d{1,3}(?:\.\d{3}){2,}"  # only German reads these
_THOUSANDS_COMMA = r"[+-]?\d{1,3}(?:,\d{3})+\.\d+|[+-]?\d{1,3}(?:,\d{3}){2,}"  # only English reads these
_AMBIGUOUS = r"[+-]?\d{1,3},\d{3}"  # German 1.234 or English 1234: no evidence either way; alone it reads German
_NOISE = r"\s+|€|\$|£|\b(?:EUR|USD|CHF|GBP|eur|usd|chf|gbp)\b"  # spaces and currency signs


def _numbers(col: pd.Series) -> _Parsed:
    """Numbers from number cells or text (plain, German 1.234,50 or English 1,234.50)."""
    k = _kinds(col)
    values = np.full(len(col), np.nan)
    bad = k.when | k.boolean | k.other
    blank = k.missing.copy()
    style = None
    if k.number.any():
        values[k.number] = col[k.number].to_numpy(dtype=float)
    if k.text.any():
        parsed, text_bad, text_blank, style = _text_numbers(_part(col, k.text))
        values[k.text], bad[k.text], blank[k.text] = parsed, text_bad, text_blank
    bad |= ~np.isfinite(values) & ~blank
    raw = col.to_numpy(dtype=object)

    def explain(i: int) -> str:
        if style == "de" and isinstance(raw[i], str) and "." in raw[i]:
            return (f"expected a number written like the rest of the column (1.234,50 with a decimal comma), "
                    f"found {_show(raw[i])} — correct the cell.")
        return f"expected a number, found {_show(raw[i])} — correct the cell or delete the row."

    return _Parsed(values, bad, blank, "a number", explain)


def _text_numbers(text: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray, str | None]:
    """Numbers from text cells: values, bad, blank and the column's style ("de", "en" or None = plain).

    Fast path over the whole column: a plain parse, or, when a sample shows decimal commas, a parse
    with commas as points where cells holding a dot are left to the slow path. The slow path takes the
    cells the fast one refused, one rule after the other (see the module docstring).
    """
    n = len(text)
    sample = _sample(text)
    style = "de" if (sample.str.fullmatch(_DECIMAL_COMMA) & ~sample.str.fullmatch(_AMBIGUOUS)).any() else None
    if style == "de":
        values = _to_float(text.str.replace(",", ".", regex=False))
        values[text.str.contains(".", regex=False).to_numpy(dtype=bool, na_value=False)] = np.nan
    else:
        values = _to_float(text)
    bad, blank = np.zeros(n, bool), np.zeros(n, bool)
    failed = np.flatnonzero(np.isnan(values))
    if not failed.size:
        return values, bad, blank, style
    rest = pd.Series(text.to_numpy(dtype=object, na_value="")[failed], dtype=object).str.replace(
        _NOISE, "", regex=True)
    blank[failed] = (rest == "").to_numpy(dtype=bool)
    if style is None:  # the column's style shows in cells only one style reads
        german = (rest.str.fullmatch(_DECIMAL_COMMA) & ~rest.str.fullmatch(_AMBIGUOUS)).to_numpy(dtype=bool)
        english = rest.str.fullmatch(_THOUSANDS_COMMA).to_numpy(dtype=bool)
        evidence = np.flatnonzero(german | english)
        style = ("de" if german[evidence[0]] else "en") if evidence.size else (
            "de" if rest.str.contains(r"\d,\d", regex=True).any() else None)
        if style == "de":  # cells the plain parse took: "1.234" means 1234, "1234.5" is a mistake
            plain = np.flatnonzero(~np.isnan(values))
            shown = pd.Series(text.to_numpy(dtype=object)[plain], dtype=object).str.strip()
            dotted = plain[shown.str.contains(".", regex=False).to_numpy(dtype=bool)]
            failed = np.sort(np.concatenate([failed, dotted]))
            rest = pd.Series(text.to_numpy(dtype=object, na_value="")[failed], dtype=object).str.replace(
                _NOISE, "", regex=True)
    if style == "de":
        ok = rest.str.fullmatch(_GERMAN).to_numpy(dtype=bool)
        fixed = _to_float(rest.str.replace(".", "", regex=False).str.replace(",", ".", regex=False))
    elif style == "en":
        ok = rest.str.fullmatch(_ENGLISH).to_numpy(dtype=bool)
        fixed = _to_float(rest.str.replace(",", "", regex=False))
    else:
        ok, fixed = np.ones(len(rest), bool), _to_float(rest)
    values[failed] = np.where(ok, fixed, np.nan)
    bad |= np.isnan(values) & ~blank
    return values, bad, blank, style


def _sample(text: pd.Series, size: int = 500) -> pd.Series:
    """The first non-blank text cells of a column, stripped: enough to guess its format."""
    head = text.iloc[:4 * size].dropna().astype(str).str.strip()
    return head[head != ""].iloc[:size].astype(object)


def _to_float(text: pd.Series) -> np.ndarray:
    return np.array(pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan))


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
        values[k.text], blank[k.text] = _text_dates(_part(col, k.text), date_format)
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
    return np.array(parsed.to_numpy(dtype="datetime64[ns]"))  # writable


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


# --------------------------------------------------------------------------------------------------
# Canonical frames


def transactions_frame(raw: pd.DataFrame, source: str, *, customer_col: str | None = None,
                       date_col: str | None = None, amount_col: str | None = None,
                       margin_col: str | None = None, date_format: str | None = None) -> pd.DataFrame:
    """Transactions with columns customer_id (text), date (datetime64), amount (float), margin (float).

    Columns are found by the names given, else by their usual headers (Customer ID, Kunde, Date, Datum,
    Amount, Umsatz, Margin, Deckungsbeitrag, ...). Margin is optional: left out when the table has no
    such column or the column is empty; blank margin cells are NaN. Every other cell must be valid.
    """
    columns = [
        _take(raw, source, _CUSTOMER, customer_col, True, _ids),
        _take(raw, source, _DATE, date_col, True, lambda col: _dates(col, date_format)),
        _take(raw, source, _AMOUNT, amount_col, True, _numbers),
        _take(raw, source, _MARGIN, margin_col, margin_col is not None, _numbers, required=False),
    ]
    frame, _ = _assemble(raw, source, [c for c in columns if c])
    if frame.empty:
        raise _table_error(raw, source, "has no transactions — the table needs at least one row below its "
                                        "header.", raw.attrs.get("header_row"))
    if schema.TX_MARGIN in frame and frame[schema.TX_MARGIN].isna().all():
        frame = frame.drop(columns=schema.TX_MARGIN)
    return frame


def customers_frame(raw: pd.DataFrame, source: str, *, customer_col: str | None = None,
                    known_brand_col: str | None = None, high_demands_col: str | None = None,
                    budget_col: str | None = None, override_col: str | None = None) -> pd.DataFrame:
    """Customers: customer_id (text) and, where the table has them, known_brand and high_demands (bool;
    blank = no), budget (float; NaN when blank) and key_account_override ("yes", "no", "" when blank).
    Other columns are carried along as read, under their own headers. Each customer id appears once.
    """
    columns = [
        _take(raw, source, _CUSTOMER, customer_col, True, _ids),
        _take(raw, source, _KNOWN_BRAND, known_brand_col, known_brand_col is not None, _flags, False),
        _take(raw, source, _HIGH_DEMANDS, high_demands_col, high_demands_col is not None, _flags, False),
        _take(raw, source, _BUDGET, budget_col, budget_col is not None, _numbers, False),
        _take(raw, source, _OVERRIDE, override_col, override_col is not None, _override, False),
    ]
    columns = [c for c in columns if c]
    used = {c.position for c in columns}
    taken = {c.name for c in columns}
    extras = [i for i, h in enumerate(raw.columns) if i not in used and h and h not in taken]
    frame, rows = _assemble(raw, source, columns, extras)
    ids = frame[schema.CUSTOMER_ID]
    twice = ids.duplicated(keep=False).to_numpy()
    if twice.any():
        first = int(np.flatnonzero(twice)[0])
        again = int(np.flatnonzero(twice & (ids == ids.iloc[first]).to_numpy())[1])
        rows_word = raw.attrs.get("row_word", "row") + "s"
        raise _table_error(raw, source, f"customer {_show(ids.iloc[first])} appears twice ({rows_word} {rows[first]} "
                           f"and {rows[again]}) — keep one row per customer.", int(rows[again]), columns[0].header)
    return frame


def complaints_frame(raw: pd.DataFrame, source: str, *, customer_col: str | None = None,
                     date_col: str | None = None, category_col: str | None = None,
                     severity_col: str | None = None, date_format: str | None = None) -> pd.DataFrame:
    """Complaints: customer_id (text), date (datetime64), category and severity (text; "" when blank or
    when the table has no such column)."""
    columns = [
        _take(raw, source, _CUSTOMER, customer_col, True, _ids),
        _take(raw, source, _COMPLAINT_DATE, date_col, True, lambda col: _dates(col, date_format)),
        _take(raw, source, _CATEGORY, category_col, category_col is not None, _labels, False),
        _take(raw, source, _SEVERITY, severity_col, severity_col is not None, _labels, False),
    ]
    frame, _ = _assemble(raw, source, [c for c in columns if c])
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


def _assemble(raw: pd.DataFrame, source: str, columns: list[_Column],
              extras: Sequence[int] = ()) -> tuple[pd.DataFrame, np.ndarray]:
    """Frame of the parsed columns without blank rows, and the source row of each of its rows.

    A row is blank when every column read is blank. Raises at the first bad cell in reading order.
    """
    blanks = [c.parsed.blank for c in columns] + [_blank_cells(raw.iloc[:, i]) for i in extras]
    keep = ~np.logical_and.reduce(blanks)
    problems = [(c.parsed.bad | (c.parsed.blank & c.required)) & keep for c in columns]
    wrong = np.logical_or.reduce(problems)
    if wrong.any():
        i = int(np.argmax(wrong))
        column = min((c for c, p in zip(columns, problems) if p[i]), key=lambda c: c.position)
        if column.parsed.bad[i]:
            message = column.parsed.explain(i)
        else:
            error = " or an Excel error such as #N/A" if raw.attrs.get("row_word") == "row" else ""
            message = f"expected {column.parsed.expected}, found an empty cell{error} — fill it in or delete the row."
        raise _table_error(raw, source, message, int(raw.index[i]), column.header or _column_letter(column.position))
    data = {}
    for c in columns:
        values = c.parsed.values[keep]
        data[c.name] = pd.array(values, dtype="str") if c.name in _TEXT_COLUMNS else values
    for i in extras:
        data[raw.columns[i]] = raw.iloc[:, i].to_numpy(dtype=object)[keep]
    frame = pd.DataFrame(data, index=pd.RangeIndex(int(keep.sum())))
    return frame, raw.index.to_numpy()[keep]


def _table_error(raw: pd.DataFrame, source: str, message: str, row: int | None,
                 column: str | None = None) -> TableError:
    return TableError(message, source=source, row=row, column=column, row_word=raw.attrs.get("row_word", "row"))
