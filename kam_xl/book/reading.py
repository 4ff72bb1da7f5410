"""The cells of a workbook file's tables, as python-calamine reads them: what a FileBook keeps.

    reading = start(path)          # on a second thread, at once; the caller loads its modules meanwhile
    cells = reading.result()       # {"stamp", "raw", "settings_rows"}, or the error it met
    parts, reading = start_inflating(path)   # also the guard's inflate, kept for a recalculation, handed first

Light to import (no pandas), and the reading imports nothing (two threads importing one package at once can
meet it half made): a command starts the reading before the modules that work on it load, and the reader lets
go of the GIL most of the time. The file is guarded first (kam_xl.package.limits.guard: zip bombs, lying
directories, DTDs) unless the caller has guarded it already, so calamine never parses a hostile file.
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import python_calamine as pc

from kam_xl.errors import InputError
from kam_xl.package import zipcopy
from kam_xl.package.errors import PackageError
from kam_xl.package.limits import guard
from kam_xl.stamp import SETTINGS_TABLE


def start(path: str | os.PathLike, *, guarded: bool = False) -> Future:
    """:func:`read_cells` of ``path`` on a thread of its own, begun now."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kam_xl-read")
    cells = pool.submit(read_cells, Path(path), guarded=guarded)
    pool.shutdown(wait=False)  # the thread ends with the reading
    return cells


def start_inflating(path: str | os.PathLike) -> tuple[Future, Future]:
    """The file guarded with its parts kept, then its cells read, one after the other on a thread of their own,
    begun now: (the parts, a kam_xl.package.zipcopy.Inflated ready as soon as the guard passed; the cells).
    A refusal of the guard is what both give."""
    source = Path(path)
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kam_xl-read")
    parts = pool.submit(_guarded_parts, source)
    cells = pool.submit(_cells_after, parts, source)
    pool.shutdown(wait=False)
    return parts, cells


def _guarded_parts(path: Path) -> zipcopy.Inflated:
    try:
        return zipcopy.Inflated(path, guard(path, keep=True))
    except OSError as exc:
        raise unreadable(path, exc) from None


def _cells_after(parts: Future, path: Path) -> dict:
    parts.result()  # the guard's refusal is the reading's too
    return read_cells(path, guarded=True)


def read_cells(path: Path, *, guarded: bool = False) -> dict:
    """Every table's header, rows and first body row (``raw``), and the rows of the Settings table's sheet above
    its body (``settings_rows``: the as-of cell is there), in one opening of the file; ``stamp`` (taken before
    the reading) tells whether the file is still the one read."""
    try:
        stamp = stamp_of(path)
        if not guarded:
            guard(path)
        with pc.CalamineWorkbook.from_path(path, load_tables=True) as book:
            raw, settings_rows = {}, []
            for name in book.table_names or []:
                table = book.get_table_by_name(name)
                raw[name] = (table.columns, table.to_python(), table.start[0] + 1 if table.start else 2)
                if name.casefold() == SETTINGS_TABLE.casefold() and table.start:
                    settings_rows = book.get_sheet_by_name(table.sheet).to_python(skip_empty_area=False,
                                                                                  nrows=table.start[0])
    except PackageError:  # the guard's refusal, naming the part and the limit
        raise
    except (pc.CalamineError, OSError, ValueError) as exc:
        raise unreadable(path, exc) from None
    return {"stamp": stamp, "raw": raw, "settings_rows": settings_rows}


def unreadable(path: Path, exc: Exception) -> InputError:
    """The one line for a file that cannot be opened or read as a workbook."""
    return InputError(f"cannot be read as a workbook ({' '.join(str(exc).split())})", source=str(path))


def stamp_of(path: Path) -> tuple[int, int, int]:
    """What tells a file changed: its inode (a swap makes a new one), size and modification time."""
    stat = path.stat()
    return stat.st_ino, stat.st_size, stat.st_mtime_ns
