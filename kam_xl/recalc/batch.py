"""One workbook file recalculated and saved: the job `kam-xl recalc` and `kam-xl refresh` run per file and the
Refresh button runs on a workbook file.

    recalc_file(path, out_dir=None, as_of=None, lock_timeout=30.0, limits=Limits(), owner_file_max_age=24.0,
                steps=()) -> FileReport  # never raises

Before anything parses the file, :func:`kam_xl.package.limits.guard` refuses zip bombs, lying zip directories
and parts declaring a DTD. A text result longer than a cell holds becomes #VALUE! in its cell, as in Excel.
``steps`` are table-producing steps, each ``step(book) -> {table name: frame}`` on a :class:`FileBook` of the
file (the Win-back list, the data check): their tables, the defined names of plain-range sources moved over
rows added below them, and the recalculation go into the file in one atomic write; a frame's
``attrs["summary"]`` (one line) goes into the report's note. A kam_xl workbook of another workbook format
(kam_xl.stamp) is not touched: the report says to upgrade it. A workbook open in Excel (its owner file
``~$NAME`` beside it) is not touched: the report says why; an owner file older than ``owner_file_max_age``
hours is taken as left behind by a crash, and the report notes it.
"""

from __future__ import annotations

import datetime as dt
import importlib
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kam_xl.errors import InputError
from kam_xl.package import ErrorValue, check_package, workbook_lock, write_values, zipcopy
from kam_xl.package.cell_values import MAX_TEXT
from kam_xl.package.limits import Limits, guard
from kam_xl.package.names import WORKBOOK_SUFFIXES
from kam_xl.package.table_part import table_names
from kam_xl.package.workbook_part import read_workbook
from kam_xl.recalc.engine import RecalcResult, collector_paused, recalculate
from kam_xl.recalc.xlsx_view import scan_ahead
from kam_xl.stamp import SETTINGS_TABLE

#: Cells a report names, per kind (formula errors of our functions, cells not computed); the counts say the rest.
LISTED = 20


@dataclass
class FileReport:
    """What happened to one file."""

    path: str
    ok: bool = False
    reason: str = ""
    written_to: str = ""
    formulas: int = 0
    computed: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    unsupported: dict[str, int] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)      # "Analysis!A1: #KAM: …", the first LISTED
    not_computed: list[str] = field(default_factory=list)  # "S!A3: unsupported: FOO" (value kept), the first LISTED
    cells_written: int = 0
    changed: bool = False
    full_calc_cleared: bool = False
    seconds: float = 0.0
    tables: dict[str, int] = field(default_factory=dict)  # table written by a step -> its rows
    note: str = ""                                          # e.g. a stale owner file that was ignored


def recalc_file(path: Path, out_dir: Path | None = None, as_of: dt.date | None = None,
                lock_timeout: float = 30.0, limits: Limits = Limits(), owner_file_max_age: float = 24.0,
                steps: Sequence[Callable] = ()) -> FileReport:
    """Recalculate one workbook (after writing the tables of ``steps``) and write its values; never raises
    (the reason goes into the report).

    A formula cell the engine could not compute keeps the value it had (and Excel recalculates on open).
    ``limits``: what the file may inflate to (``--max-size``, ``--max-ratio``)."""
    started = time.perf_counter()
    report = FileReport(path=str(path))
    target = out_dir / path.name if out_dir is not None else path
    try:
        if not path.exists():
            raise InputError(f"{path}: no such file or folder")
        if path.suffix.lower() not in WORKBOOK_SUFFIXES:
            raise InputError(f"{path}: not an .xlsx or .xlsm workbook")
        report.note = check_owner_file(path, owner_file_max_age)
        with workbook_lock(target, lock_timeout), collector_paused():  # held over read, recalculation, write
            guard(path, limits)  # zip bombs, lying directories, DTDs: refused before anything parses the file
            check_package(path)  # a clear reason for a bad file before a long recalculation
            if steps:  # their reading of the tables gives the stamp
                result, written = _with_steps(path, steps, as_of, target if out_dir is not None else None,
                                              lock_timeout, report)
            else:
                _check_stamp(path)
                result = recalculate(path, as_of=as_of)
                _too_long_as_errors(result)
                values, spills = result.to_write()
                written = write_values(path, values, all_computed=result.all_computed, spills=spills,
                                       out=target if out_dir is not None else None, lock_timeout=lock_timeout)
        report.ok = True
        report.written_to = str(target)
        report.formulas, report.computed = result.formulas, result.computed
        report.errors = dict(result.errors)
        report.unsupported = dict(result.unsupported)
        report.messages, report.not_computed = _listed(result.messages), _listed(result.failures)
        report.cells_written = written.cells_written
        report.changed = written.written
        report.full_calc_cleared = written.full_calc_cleared
    except InputError as exc:
        report.reason = str(exc).removeprefix(f"{path}: ")
    except MemoryError:
        report.reason = "out of memory"
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # one bad file must not stop the batch (a Rust panic is a BaseException)
        report.reason = f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:300]
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _check_stamp(path: Path, book=None) -> None:
    """InputError when a kam_xl workbook was written in another workbook format: its formulas would be computed
    by functions of another contract (kam_xl.stamp); other workbooks pass. ``book``: a FileBook of ``path``
    whose reading of the tables gives the stamp."""
    if not _holds_settings_table(path):
        return  # not a kam_xl workbook: no stamp to read (and no pandas to import for it)
    from kam_xl.book.file import require_current

    try:
        require_current(path, book)
    except InputError as exc:
        raise InputError(f"{exc}; not recalculated, left as it was") from None
    except Exception:  # a file calamine cannot read: the recalculation itself names what is wrong with it
        return


def _holds_settings_table(path: Path) -> bool:
    """Whether the workbook has a table named like kam_xl's Settings table (where its stamp lives); True when
    that cannot be told, so that the stamp reader decides."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = table_names(archive, read_workbook(archive))
    except Exception:  # a damaged part: the stamp reader and the recalculation say what is wrong
        return True
    return any(name.casefold() == SETTINGS_TABLE.casefold() for name in names)


def _too_long_as_errors(result: RecalcResult) -> None:
    """Text results over a cell's :data:`MAX_TEXT` characters become #VALUE!, counted and named, as Excel
    shows them."""
    for sheet, cells in result.values.items():
        for ref in [ref for ref, value in cells.items() if type(value) is str and len(value) > MAX_TEXT]:
            result.messages[(sheet, ref)] = (f"text of {len(cells[ref]):,} characters, over the {MAX_TEXT:,} a "
                                             "cell holds: #VALUE! (as Excel shows it)")
            cells[ref] = ErrorValue("#VALUE!")
            result.errors["#VALUE!"] += 1


def _with_steps(path: Path, steps, as_of, out, lock_timeout, report: FileReport):
    """The steps' tables and the recalculation in one write; (RecalcResult, WriteReport of the values)."""
    from kam_xl.book import reading

    # The tables are read on a second thread (the file is guarded: recalc_file did it) while the book's
    # modules, those of the steps and of the recalculation load (pandas; the cell functions: scipy), the parts
    # are inflated for the recalculation of the new copy and the formulas of its sheets found.
    cells = reading.start(path, guarded=True)
    from kam_xl.book.file import FileBook, write_tables

    book = FileBook(path, recalc=False, lock_timeout=lock_timeout)
    book.read_ahead(cells)
    importlib.import_module("kam_xl.udfs")
    inflated = zipcopy.Inflated(path)
    scan_ahead(inflated)
    _check_stamp(path, book)
    try:  # plain ranges the workbook reads, grown by rows added below them: their names move with them
        names = book.grown_names()
    except InputError:  # the steps below name the problem
        names = {}
    if names:
        moved = ", ".join(f"{name} to {text}" for name, text in names.items())
        report.note = "; ".join(filter(None, [report.note, f"moved {moved}"]))
    frames = {}
    for step in steps:  # bad input stops that step, not the recalculation (the cells name the problem too)
        try:
            produced = step(book)
            frames.update(produced)
            notes = [f.attrs["summary"] for f in produced.values() if f.attrs.get("summary")]
            report.note = "; ".join(filter(None, [report.note, *notes]))
        except InputError as exc:
            what = step.__name__.removesuffix("_step")
            report.note = "; ".join(filter(None, [report.note, f"{what} table not written: {exc}"]))
    done = write_tables(path, frames, as_of=as_of, out=out, lock_timeout=lock_timeout, names=names,
                        inflated=inflated)
    report.tables = {t.table: t.rows_after for t in done.tables}
    done.values.written = done.changed
    return done.result, done.values


def owner_files(path: Path) -> list[Path]:
    """Where Excel puts the owner file of ``path``: ``~$NAME``, or for a long name ``~$`` over its first two
    characters."""
    names = dict.fromkeys(["~$" + path.name, "~$" + path.name[2:]])
    return [path.with_name(n) for n in names if len(n) > 2]


def check_owner_file(path: Path, max_age_hours: float) -> str:
    """InputError when Excel has ``path`` open (a fresh owner file beside it); a note when the owner file is
    older than ``max_age_hours`` (left behind by a crash, ignored); "" without one."""
    for owner in owner_files(path):
        try:
            stat = owner.stat()
        except OSError:
            continue
        hours = (time.time() - stat.st_mtime) / 3600
        if hours > max_age_hours:
            return (f"owner file {owner.name} is {hours:.0f} h old (over --owner-file-max-age {max_age_hours:g}): "
                    "taken as left behind by a crash and ignored")
        raise InputError(f"{path}: open in Excel{_user(owner)} (owner file {owner.name}, {hours:.1f} h old); skipped, "
                         "not overwritten — close it in Excel and run again (an owner file left by a crash counts "
                         f"as stale after --owner-file-max-age {max_age_hours:g} hours)")
    return ""


def _user(owner: Path) -> str:
    """" by NAME" from Excel's owner file (a length byte, then the user's name), or ""."""
    try:
        data = owner.read_bytes()[:128]
    except OSError:
        return ""
    if not data or data[0] == 0 or data[0] > len(data) - 1:
        return ""
    name = data[1:1 + data[0]].decode("latin-1").strip()
    return f" by {name}" if name.isprintable() and name else ""


def _listed(by_cell: dict[tuple[str, str], str]) -> list[str]:
    """The first LISTED entries as "Sheet!A1: what"."""
    return [f"{sheet}!{cell}: {what}" for (sheet, cell), what in list(by_cell.items())[:LISTED]]
