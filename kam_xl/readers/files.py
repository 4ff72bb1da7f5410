"""Open a CSV file or a workbook and read its table as raw values, headers as written.

Workbooks (XLSX/XLSM) are read with calamine, by table (ListObject) or sheet name, else the first
table or sheet holding the wanted headers; on a sheet the header is the first of the top 20 rows that
holds them (title rows above it are skipped). CSV files are decoded (UTF-8, UTF-16, Windows-1252)
and their separator sniffed. Parquet files (a data-lake export) are read with fastparquet, their values typed as
in a workbook. Anything else (old .xls, .xlsb,
.ods, images, archives, binary data) is refused with a message saying what it is and what to do.
"""

from __future__ import annotations

import csv
import functools
import io
import itertools
import os
import re
import zipfile
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from kam_xl.errors import InputError
from kam_xl.package.limits import Limits, guard
from kam_xl.readers.errors import TableError
from kam_xl.readers.headers import key as _key

SEPARATORS = (",", ";", "\t", "|")
HEADER_ROWS = 20  # a sheet's header is searched in its top rows
_SEP_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}


def read_table(path: str | os.PathLike, *, sheet: str | None = None, sep: str | None = None,
               default_names: Sequence[str] = (),
               headers: Sequence[Sequence[str]] = (), limits: Limits = Limits()) -> tuple[pd.DataFrame, str]:
    """The table in a CSV or Excel file as raw values, and a label naming where it came from.

    ``sheet`` names a worksheet or an Excel table (ListObject) of a workbook; tables win when both
    carry the name. Without it the first of ``default_names`` found as a table or sheet is read, else
    the first table or sheet whose header holds ``headers`` (each a group of names, one of which must
    be there), else the first worksheet with data. A sheet's header row is the first of its top
    :data:`HEADER_ROWS` rows that holds ``headers`` (the first row when none does or none are given);
    when no sheet or table holds them the error lists the sheets and tables. ``sep`` fixes the CSV delimiter (one of , ; tab |); by default it
    is sniffed from the first lines. The label ("sales.xlsx, sheet Data") starts every message.
    A workbook goes to calamine only when :func:`kam_xl.package.limits.guard` passes it with ``limits``.
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
        _guard(file, limits)
        return _read_workbook(file, name, sheet, default_names, headers)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise InputError("is an Excel 97-2003 workbook (.xls) or a password-protected file — open it in Excel "
                         "and save it as .xlsx (without a password) or as CSV.", source=name)
    if head.startswith(b"PAR1"):
        if sheet is not None:
            raise InputError(f"is a Parquet file and has no sheets — leave out the sheet name ({sheet}).",
                             source=name)
        return _read_parquet(file, name), name
    what = _binary_kind(head)
    if what:
        raise InputError(f"is {what}, not a table — name a CSV file or an .xlsx/.xlsm workbook.", source=name)
    if sheet is not None:
        raise InputError(f"is a CSV file and has no sheets — leave out the sheet name ({sheet}).", source=name)
    return _read_csv(data, name, sep), name



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


def workbook_tables(path: str | os.PathLike, limits: Limits = Limits()) -> list[str]:
    """Names of the Excel tables in a workbook file; [] for a CSV or anything calamine cannot open.
    PackageError (an InputError) for a workbook :func:`kam_xl.package.limits.guard` refuses."""
    import python_calamine as pc

    if not Path(path).is_file():
        return []
    with open(path, "rb") as handle:  # the signature only, not the whole file
        if handle.read(4) != b"PK\x03\x04":
            return []
    _guard(Path(path), limits)
    try:
        with pc.CalamineWorkbook.from_path(path, load_tables=True) as book:
            return list(book.table_names or [])
    except (pc.CalamineError, OSError, ValueError):
        return []


def _guard(file: Path, limits: Limits) -> None:
    """:func:`guard`, once per file version (analyze reads up to four tables of one workbook)."""
    stat = file.stat()
    _guarded(str(file.resolve()), stat.st_size, stat.st_mtime_ns, limits)


@functools.lru_cache(maxsize=16)
def _guarded(path: str, size: int, mtime_ns: int, limits: Limits) -> None:
    guard(path, limits)


def _read_workbook(file: Path, name: str, sheet: str | None, default_names: Sequence[str],
                   headers: Sequence[Sequence[str]]) -> tuple[pd.DataFrame, str]:
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
            if table_name is None and sheet_name is None and headers:
                table_name = next((t for t in tables if _holds(book.get_table_by_name(t).columns, headers)), None)
                sheet_name = None if table_name else next(
                    (s for s in sheets if _header_row(book.get_sheet_by_name(s), headers) is not None), None)
                if table_name is None and sheet_name is None:
                    raise InputError(f"no sheet or table has a header row with the {_wanted(headers)} columns in its "
                                     f"top {HEADER_ROWS} rows; sheets: {_listing(sheets)}; tables: "
                                     f"{_listing(tables)} — name the one with the data with --sheet.", source=name)
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
        top = _header_row(ws, headers) or 0
        return _raw_frame(rows[top], rows[top + 1:], ws.start[0] + top + 2), source


def _holds(cells: Sequence, headers: Sequence[Sequence[str]]) -> bool:
    keys = {_key(c) for c in cells if c is not None}
    return all(any(_key(n) in keys for n in group) for group in headers)


def _header_row(ws, headers: Sequence[Sequence[str]]) -> int | None:
    """Position (among the sheet's rows from its first filled one) of the first top row holding ``headers``."""
    if not headers or ws.start is None:
        return None
    top = ws.to_python(skip_empty_area=True, nrows=HEADER_ROWS)
    return next((i for i, row in enumerate(top) if _holds(row, headers)), None)


def _wanted(headers: Sequence[Sequence[str]]) -> str:
    names = [f'"{group[0]}"' for group in headers]
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]


def _pick(wanted: str, names: Sequence[str]) -> str | None:
    """The name in ``names`` equal to ``wanted``, else equal ignoring case (Excel ignores it too)."""
    if wanted in names:
        return wanted
    return next((n for n in names if n.casefold() == wanted.strip().casefold()), None)


def _listing(names: Sequence[str]) -> str:
    return ", ".join(names) if names else "none"


def cell_grid(rows: Sequence[Sequence], width: int) -> np.ndarray | None:
    """Rows of cells as a 2-D object array when every row holds ``width`` cells (one pass over the cells,
    not a row at a time); None when their lengths differ."""
    if set(map(len, rows)) - {width}:
        return None
    cells = np.fromiter(itertools.chain.from_iterable(rows), dtype=object, count=len(rows) * width)
    return cells.reshape(len(rows), width)


def _raw_frame(header: Sequence, rows: list, first_row: int) -> pd.DataFrame:
    """Frame of workbook values: one object column per header cell, index = sheet row numbers."""
    labels = [_header_text(h) for h in header]
    cells = cell_grid(rows, len(labels)) if rows else None
    if cells is None:
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


def _read_parquet(file: Path, name: str) -> pd.DataFrame:
    """A Parquet file's table as raw values (numbers, text, dates and times; None for nulls), one object column
    per field, index = data row numbers (row 1 under the header). Read with fastparquet: pyarrow would switch
    pandas' strings to Arrow storage for the whole process."""
    from fastparquet import ParquetFile

    try:
        frame = ParquetFile(str(file)).to_pandas()
    except Exception as exc:  # noqa: BLE001 - whatever the parser trips over, the file is not readable Parquet
        raise InputError(f"cannot be read as Parquet ({type(exc).__name__}: {_one_line(exc)}) — export the "
                         "table again.", source=name) from None
    for label in frame.columns:
        if isinstance(frame[label].dtype, pd.DatetimeTZDtype):
            frame[label] = frame[label].dt.tz_localize(None)
    raw = frame.astype(object).where(frame.notna(), None)
    raw.columns = [_header_text(c) for c in frame.columns]
    raw.index = pd.RangeIndex(1, len(raw) + 1)
    raw.attrs.update(row_word="row", header_row=0)
    return raw


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
