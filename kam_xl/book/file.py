"""``FileBook``: the Book operations on a workbook file, headless (kam_xl.package writes, python-calamine
reads, the recalculation of ``kam-xl recalc`` refreshes cached values after every write).

A write and its recalculation are one atomic write (:func:`write_tables`): the new table bodies are composed
into an in-memory copy of the package, the engine recalculates that copy, and the table parts and the new
cached values go into the file in one swap, under one lock. A failure anywhere leaves the file as it was.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kam_xl.book import frames
from kam_xl.book import reading as cells_reading
from kam_xl.core.settings import Settings
from kam_xl.errors import InputError
from kam_xl.stamp import Stamp
from kam_xl.package import PackageError, workbook_lock, zipcopy
from kam_xl.package.defined_names import Area, defined_names, parse_area, with_defined_name
from kam_xl.package.named_cell import set_named_cell
from kam_xl.package.table_writer import Appended, TableWrite, table_parts
from kam_xl.package.workbook_part import read_workbook
from kam_xl.package.writer import WriteReport, replace_parts, value_parts
from kam_xl.template.sources import Sources


class FileBook:
    """A workbook file. ``customer`` plays the selection (there is none in a file); ``tell`` shows messages.

    Activating a sheet only checks that it exists: the file keeps the sheet it opens on."""

    def __init__(self, path: str | os.PathLike, *, customer: str | None = None,
                 tell: Callable[[str], None] = print, recalc: bool = True, lock_timeout: float = 30.0):
        self.path = Path(path)
        self.customer = customer
        self.tell = tell
        self.recalc = recalc
        self.lock_timeout = lock_timeout
        self._cache: dict | None = None
        self._ahead: Future | None = None

    def read_table(self, name: str) -> pd.DataFrame:
        read = self._read()
        found = next((t for t in read["raw"] if t.casefold() == name.casefold()), None)
        if found is None:
            raise InputError(f"no table named {name!r} (its tables: {', '.join(read['raw']) or 'none'})",
                             source=str(self.path))
        if found not in read["tables"]:
            columns, rows, first_row = read["raw"][found]
            frame = read["tables"][found] = frames.table_frame(columns, rows)
            frame.attrs["header_row"] = first_row - 1  # the header's sheet row (the body's first row, 0-based)
        frame = read["tables"][found].copy()
        frame.attrs = dict(read["tables"][found].attrs)
        return frame

    def read_ahead(self, reading: Future | None = None) -> None:
        """Begin reading the file's tables (what :meth:`_read` keeps; the file guarded first) on a second
        thread, which the reader lets go of the GIL for most of the time: the caller goes on meanwhile, and the
        next reading waits for it. ``reading``: one begun before (:func:`kam_xl.book.reading.start` of this
        file)."""
        self._ahead = reading or cells_reading.start(self.path)

    def _read(self) -> dict:
        """Every table's cells and the as-of cell, read in one opening of the file and kept while the file
        stays as it is (a refresh's steps read the same tables); a table's frame is made when first asked."""
        ahead, self._ahead = self._ahead, None
        if ahead is not None:
            self._cache = _kept(ahead.result())  # raises what the reading raised
        try:
            if self._cache is not None and self._cache["stamp"] == cells_reading.stamp_of(self.path):
                return self._cache
        except OSError as exc:
            raise cells_reading.unreadable(self.path, exc) from None
        self._cache = _kept(cells_reading.read_cells(self.path))
        return self._cache

    def sheet_table(self, name: str, body: bool = True) -> pd.DataFrame | None:
        """Table ``name`` as :func:`kam_xl.readers.read_table` reads it (every row, blank ones too, indexed by
        its sheet row; headers as written), from the same reading as :meth:`read_table`; None without it.
        ``body=False``: its headers and ``attrs`` only, no rows."""
        from kam_xl.readers.files import _raw_frame

        read = self._read()
        found = next((t for t in read["raw"] if t.casefold() == name.casefold()), None)
        if found is None:
            return None
        if not body:
            columns, _, first_row = read["raw"][found]
            return _raw_frame(columns, [], first_row)
        if found not in read["sheet_tables"]:
            read["sheet_tables"][found] = _raw_frame(*read["raw"][found])
        frame = read["sheet_tables"][found].copy()
        frame.attrs = dict(read["sheet_tables"][found].attrs)
        return frame

    def read_range(self, name: str) -> pd.DataFrame:
        """The plain range the defined name ``name`` covers, grown by the rows filled below it (see
        :func:`grown_area`): its header row as columns, index = sheet rows, blank rows left out."""
        import python_calamine as pc

        area = self._area(name)
        with pc.CalamineWorkbook.from_path(self.path) as book:
            try:
                grid = book.get_sheet_by_name(area.sheet).to_python(skip_empty_area=False)
            except (pc.CalamineError, ValueError):
                raise InputError(f"name {name!r} refers to sheet {area.sheet!r}, which the workbook lacks",
                                 source=str(self.path)) from None
        area = grown_area(area, grid)
        return frames.range_frame(grid, area)

    def read_sources(self) -> Sources:
        """Where the workbook's inputs live: its Settings rows and defined names."""
        return frames.sources(self.read_table(frames.SETTINGS_TABLE), self._names, str(self.path))

    def grown_names(self) -> dict[str, str]:
        """Defined name -> the range it should cover, for each plain-range source with rows filled below it."""
        import python_calamine as pc

        moved = {}
        ranges = [s.name for s in self.read_sources().items if s.kind == "range"]
        if not ranges:
            return moved
        with pc.CalamineWorkbook.from_path(self.path) as book:
            for name in ranges:
                area = self._area(name)
                grown = grown_area(area, book.get_sheet_by_name(area.sheet).to_python(skip_empty_area=False))
                if grown != area:
                    moved[name] = grown.text()
        return moved

    def _names(self) -> dict[str, str]:
        with zipfile.ZipFile(self.path) as archive:
            return defined_names(archive.read(read_workbook(archive).part))

    def _area(self, name: str) -> Area:
        names = {k.casefold(): v for k, v in self._names().items()}
        if name.casefold() not in names:
            raise InputError(f"the workbook has no name {name!r} (Formulas > Name Manager)", source=str(self.path))
        area = parse_area(names[name.casefold()])
        if area is None:
            raise InputError(f"name {name!r} refers to {names[name.casefold()]!r}, not to a range of one sheet",
                             source=str(self.path))
        return area

    def write_table(self, name: str, frame: pd.DataFrame) -> None:
        write_tables(self.path, {name: frame}, recalc=self.recalc, lock_timeout=self.lock_timeout)

    def read_settings(self) -> Settings:
        return frames.settings(self.read_table(frames.SETTINGS_TABLE), f"{self.path}, table Settings")

    def read_stamp(self) -> Stamp | None:
        """The workbook's stamp (kam_xl.stamp); None without a kam_xl Settings table. Reads the Settings table
        alone unless the file's tables are read already (or being read): ``kam-xl recalc`` asks it of every
        workbook, and a workbook's other tables may hold hundreds of thousands of rows."""
        if self._cache is not None or self._ahead is not None:
            self._read()
            return frames.read_stamp(self)
        import python_calamine as pc

        try:
            with pc.CalamineWorkbook.from_path(self.path, load_tables=True) as book:
                name = next((t for t in book.table_names or [] if t.casefold() == frames.SETTINGS_TABLE.casefold()),
                            None)
                if name is None:
                    return None
                table = book.get_table_by_name(name)
                return frames.stamp(frames.table_frame(table.columns, table.to_python()))
        except (pc.CalamineError, OSError, ValueError):
            return None

    def read_as_of(self) -> dt.date | None:
        return self._read()["as_of"]

    def active_customer(self) -> str | None:
        return self.customer

    def set_named_cell(self, name: str, value: object) -> None:
        with workbook_lock(self.path, self.lock_timeout):
            set_named_cell(self.path, name, frames.grid(pd.DataFrame([[value]], dtype=object))[0][0],
                           lock_timeout=self.lock_timeout)
            self._recalculate(f"name {name}")

    def activate_sheet(self, name: str) -> None:
        import python_calamine as pc

        with pc.CalamineWorkbook.from_path(self.path) as book:
            if not any(s.casefold() == name.casefold() for s in book.sheet_names):
                raise InputError(f"no sheet named {name!r}", source=str(self.path))

    def show_message(self, text: str) -> None:
        self.tell(text)

    def _recalculate(self, what: str) -> None:
        if not self.recalc:
            return
        from kam_xl.recalc.batch import recalc_file

        report = recalc_file(self.path, lock_timeout=self.lock_timeout)
        if not report.ok:
            raise InputError(f"{what} written, but the recalculation failed ({report.reason}); run kam-xl recalc "
                             "on it", source=str(self.path))


def _kept(cells: dict) -> dict:
    """A reading (kam_xl.book.reading) as a FileBook keeps it: with the as-of cell, and room for the frames."""
    from kam_xl.template.sheet_settings import AS_OF_ROW

    rows = cells["settings_rows"]
    as_of = rows[AS_OF_ROW][1] if len(rows) > AS_OF_ROW and len(rows[AS_OF_ROW]) > 1 else None
    if isinstance(as_of, dt.datetime):
        as_of = as_of.date()
    return {**cells, "as_of": as_of if isinstance(as_of, dt.date) else None, "tables": {}, "sheet_tables": {}}


def require_current(path: str | os.PathLike, book: FileBook | None = None) -> None:
    """InputError with the upgrade line when the kam_xl workbook ``path`` was written in another workbook format
    (kam_xl.stamp): commands that compute on its formulas stop before they start. ``book``, a FileBook of
    ``path``, lends its reading of the file."""
    from kam_xl import stamp

    outdated = stamp.problem((book or FileBook(path)).read_stamp(), str(path))
    if outdated:
        raise InputError(f"{path}: {outdated}")


@dataclass
class Written:
    """What :func:`write_tables` did: the tables written, the recalculation and its values written."""

    tables: list[TableWrite] = field(default_factory=list)
    result: object = None          # the RecalcResult, None without recalculation
    values: WriteReport | None = None
    changed: bool = False          # the file (or ``out``) was written


def write_tables(path: str | os.PathLike, frames: Mapping[str, pd.DataFrame | Appended], *, recalc: bool = True,
                 as_of: dt.date | None = None, out: str | os.PathLike | None = None,
                 lock_timeout: float = 30.0, names: Mapping[str, str] | None = None,
                 inflated: zipcopy.Inflated | None = None) -> Written:
    """Make each frame the body of its table and recalculate, in one atomic write of ``path`` (or a new file
    ``out``, leaving ``path`` as it was): each table is written into an in-memory copy of the package, the
    copy is recalculated (``as_of`` pins TODAY()), and the changed parts go into the file in one swap.
    ``names`` (defined name -> what it refers to, e.g. a plain range grown by new rows) are set first.
    ``inflated``: the parts of ``path`` inflated before (the recalculation takes the unchanged ones from it)."""
    source = Path(path)
    done = Written()

    def edit(archive: zipfile.ZipFile, workbook) -> dict[str, bytes]:
        replaced: dict[str, bytes] = {}
        current = archive
        if names:
            xml = archive.read(workbook.part)
            for name, text in names.items():
                try:
                    xml = with_defined_name(xml, name, text)
                except KeyError as exc:
                    raise PackageError(source, f"{source}: {exc.args[0]}") from None
            replaced[workbook.part] = xml
            current = _in_memory(archive, replaced)
        for name, frame in frames.items():
            parts, write = table_parts(source, current, workbook, name, frame, inflated)
            replaced.update(parts)
            for part, content in parts.items():  # a large sheet is deflated while the engine works
                ahead.start(part, content)
            done.tables.append(write)
            current = _in_memory(archive, replaced)
            workbook = read_workbook(current)
        if recalc:
            from kam_xl.recalc.engine import recalculate

            if inflated is not None:
                inflated.hold(replaced)  # the new parts, as the in-memory copy stores them
            current.fp.seek(0)
            package = current.fp if isinstance(current.fp, io.BytesIO) else current.fp.read()  # no copy of a copy
            try:
                done.result = recalculate(package, as_of=as_of, inflated=inflated)
            except (KeyboardInterrupt, SystemExit, MemoryError):
                raise
            except BaseException as exc:  # the engine's own failures (a Rust panic is a BaseException)
                raise PackageError(source, f"{source}: the recalculation failed ({' '.join(str(exc).split())}"
                                           "); nothing written") from None
            values, spills = done.result.to_write()
            parts, done.values = value_parts(source, current, values, all_computed=done.result.all_computed,
                                             spills=spills, inflated=inflated)
            replaced.update(parts)
        return replaced

    from kam_xl.recalc.engine import collector_paused

    with collector_paused(), zipcopy.Ahead() as ahead:  # table bodies and values: many small objects, no cycles
        done.changed = replace_parts(source, edit, lock_timeout=lock_timeout, out=out, ahead=ahead)
    return done


def grown_area(area: Area, grid: list[list]) -> Area:
    """``area`` with its end moved down over the rows filled right below it (any cell of its columns), up to the
    first blank row: rows a user added to a plain range. A range never shrinks."""
    last = area.last_row
    while last < len(grid) and any(c not in (None, "") for c in grid[last][area.first_col - 1:area.last_col]):
        last += 1
    return area.until(last)


def _in_memory(archive: zipfile.ZipFile, replaced: dict[str, bytes]) -> zipfile.ZipFile:
    """``archive`` with the ``replaced`` entries, as a package in memory (they are stored uncompressed: the
    copy is read once, by the next table's writer or the recalculation)."""
    buffer = io.BytesIO()
    zipcopy.copy_archive(archive.fp, archive, replaced, buffer, store_replaced=True)
    return zipfile.ZipFile(buffer)
