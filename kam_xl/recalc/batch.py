"""One workbook file recalculated and saved: the job `kam-xl recalc` runs per file and the Refresh button
runs on a workbook file.

    recalc_file(path, out_dir=None, as_of=None, lock_timeout=30.0, limits=Limits()) -> FileReport  # never raises

Before anything parses the file, :func:`kam_xl.package.limits.guard` refuses zip bombs, lying zip directories
and parts declaring a DTD. A text result longer than a cell holds becomes #VALUE! in its cell, as in Excel.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path

from kam_xl.errors import InputError
from kam_xl.package import ErrorValue, check_package, workbook_lock, write_values
from kam_xl.package.cell_values import MAX_TEXT
from kam_xl.package.limits import Limits, guard
from kam_xl.package.names import WORKBOOK_SUFFIXES
from kam_xl.recalc.engine import RecalcResult, recalculate

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


def recalc_file(path: Path, out_dir: Path | None = None, as_of: dt.date | None = None,
                lock_timeout: float = 30.0, limits: Limits = Limits()) -> FileReport:
    """Recalculate one workbook and write its values; never raises (the reason goes into the report).

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
        with workbook_lock(target, lock_timeout):  # held over read, recalculation and write
            guard(path, limits)  # zip bombs, lying directories, DTDs: refused before anything parses the file
            check_package(path)  # a clear reason for a bad file before a long recalculation
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


def _too_long_as_errors(result: RecalcResult) -> None:
    """Text results over a cell's :data:`MAX_TEXT` characters become #VALUE!, counted and named, as Excel
    shows them."""
    for sheet, cells in result.values.items():
        for ref in [ref for ref, value in cells.items() if type(value) is str and len(value) > MAX_TEXT]:
            result.messages[(sheet, ref)] = (f"text of {len(cells[ref]):,} characters, over the {MAX_TEXT:,} a "
                                             "cell holds: #VALUE! (as Excel shows it)")
            cells[ref] = ErrorValue("#VALUE!")
            result.errors["#VALUE!"] += 1


def _listed(by_cell: dict[tuple[str, str], str]) -> list[str]:
    """The first LISTED entries as "Sheet!A1: what"."""
    return [f"{sheet}!{cell}: {what}" for (sheet, cell), what in list(by_cell.items())[:LISTED]]
