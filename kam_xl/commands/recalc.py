"""`kam-xl recalc`: recalculate workbooks headless, kam_xl cell functions included, and save the values.

Each file is recalculated by the formula engine (:mod:`kam_xl.recalc`) and its results written back as
cached values (:mod:`kam_xl.package`): every other byte of the file stays as it was. Files run in a pool of
processes; one file's failure never stops the others.

Exit codes: 0 every file recalculated without formula errors; 1 some formulas gave errors (#N/A, #NAME? …);
2 some files could not be processed (each named with its reason).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

if TYPE_CHECKING:
    from kam_xl.recalc.batch import FileReport

from kam_xl.errors import InputError
from kam_xl.package.names import WORKBOOK_SUFFIXES


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "recalc", help="recalculate workbooks headless (kam_xl cell functions included) and save the values",
        description="Recalculate every formula of one workbook or many, including the kam_xl cell functions, "
                    "and save the results as the cells' cached values. Nothing else in a file changes. "
                    "Exit 0: all good; 1: some formulas gave errors; 2: some files could not be processed.")
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="workbook files (.xlsx/.xlsm), folders (their workbooks), or glob patterns")
    parser.add_argument("--out", metavar="DIR",
                        help="write the recalculated copies into DIR and leave the originals untouched")
    parser.add_argument("--workers", type=int, default=min(4, os.cpu_count() or 1), metavar="N",
                        help="files recalculated in parallel (default: number of cores, at most 4)")
    parser.add_argument("--as-of", metavar="YYYY-MM-DD",
                        help="day TODAY() and NOW() return, for reproducible runs (default: the clock)")
    parser.add_argument("--lock-timeout", type=float, default=30.0, metavar="SECONDS",
                        help="how long to wait for another kam-xl run on the same file (default 30)")
    parser.add_argument("--json", action="store_true", help="print the per-file reports as JSON on stdout")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    files = expand_paths(args.paths)
    as_of = _as_of(args.as_of)
    if args.workers < 1:
        raise InputError(f"--workers must be at least 1, found {args.workers}")
    out_dir = Path(args.out) if args.out else None
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        clashes = _same_names(files)
        if clashes:
            raise InputError(f"--out {out_dir}: several inputs are called {clashes[0]}; recalculate them "
                             "into separate folders")

    status = Console(stderr=True, highlight=False)
    started = time.perf_counter()
    reports = _run_all(files, out_dir, as_of, args.workers, args.lock_timeout, status)
    total = time.perf_counter() - started

    if args.json:
        print(json.dumps({"files": [asdict(r) for r in reports], "seconds": round(total, 3)}, indent=2))
    else:
        Console(highlight=False, width=None if sys.stdout.isatty() else 120).print(summary_table(reports, total))
    for report in reports:
        if not report.ok:
            status.print(f"[red]could not process[/] {report.path}: {report.reason}", markup=True)
    return exit_code(reports)


def exit_code(reports: list[FileReport]) -> int:
    if any(not r.ok for r in reports):
        return 2
    if any(r.errors or r.unsupported for r in reports):
        return 1
    return 0


def expand_paths(paths: list[str]) -> list[Path]:
    """Files as given, the workbooks inside folders, and glob matches; each file once, in order."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if _is_workbook(p))
        elif path.exists():
            found.append(path)
        elif glob.has_magic(raw):
            matches = sorted(Path(p) for p in glob.glob(raw, recursive=True) if _is_workbook(Path(p)))
            if not matches:
                raise InputError(f"{raw}: no .xlsx or .xlsm file matches")
            found += matches
        else:
            raise InputError(f"{raw}: no such file or folder")
    unique = list(dict.fromkeys(p.resolve() for p in found))
    if not unique:
        raise InputError(f"{', '.join(paths)}: no .xlsx or .xlsm file found")
    return unique


def summary_table(reports: list[FileReport], total: float) -> Table:
    table = Table(title="kam-xl recalc", title_justify="left")
    for name, justify in (("file", "left"), ("formulas", "right"), ("computed", "right"), ("errors", "left"),
                          ("unsupported", "left"), ("seconds", "right"), ("result", "left")):
        table.add_column(name, justify=justify)
    for r in reports:
        errors = ", ".join(f"{k} {v}" for k, v in sorted(r.errors.items()))
        unsupported = ", ".join(f"{k} ({v})" for k, v in sorted(r.unsupported.items()))
        result = ("saved" if r.changed else "unchanged") if r.ok else "FAILED"
        table.add_row(Path(r.path).name, f"{r.formulas:,}", f"{r.computed:,}", errors, unsupported,
                      f"{r.seconds:.2f}", result)
    ok = [r for r in reports if r.ok]
    table.add_section()
    table.add_row(f"{len(reports)} file{'s' if len(reports) != 1 else ''}", f"{sum(r.formulas for r in ok):,}",
                  f"{sum(r.computed for r in ok):,}", f"{sum(sum(r.errors.values()) for r in ok):,}",
                  f"{sum(sum(r.unsupported.values()) for r in ok):,}", f"{total:.2f}", "")
    return table


def _run_all(files, out_dir, as_of, workers, lock_timeout, status: Console) -> list[FileReport]:
    from kam_xl.recalc.batch import recalc_file

    columns = (TextColumn("recalc"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("{task.description}"))
    reports: dict[Path, FileReport] = {}
    with Progress(*columns, console=status, transient=True) as progress:
        task = progress.add_task("", total=len(files))
        if workers == 1 or len(files) == 1:
            for path in files:
                progress.update(task, description=path.name)
                reports[path] = recalc_file(path, out_dir, as_of, lock_timeout)
                progress.advance(task)
        else:
            with ProcessPoolExecutor(max_workers=min(workers, len(files))) as pool:
                futures = {pool.submit(recalc_file, p, out_dir, as_of, lock_timeout): p for p in files}
                for future in as_completed(futures):
                    path = futures[future]
                    try:
                        reports[path] = future.result()
                    except BrokenProcessPool:
                        continue  # a worker died: the files it took down with it are retried below, one by one
                    progress.update(task, description=path.name)
                    progress.advance(task)
            for path in (p for p in files if p not in reports):
                progress.update(task, description=path.name)
                reports[path] = _isolated(path, out_dir, as_of, lock_timeout)
                progress.advance(task)
    return [reports[p] for p in files]


def _isolated(path: Path, out_dir, as_of, lock_timeout) -> FileReport:
    """One file in a process of its own, so a crash (or the out-of-memory killer) costs only that file."""
    from kam_xl.recalc.batch import FileReport, recalc_file

    with ProcessPoolExecutor(max_workers=1) as pool:
        try:
            return pool.submit(recalc_file, path, out_dir, as_of, lock_timeout).result()
        except BrokenProcessPool:
            return FileReport(path=str(path), reason="the recalculation process died (a crash, or out of memory); "
                                                     "the file is unchanged")


def _is_workbook(path: Path) -> bool:
    name = path.name
    return path.is_file() and path.suffix.lower() in WORKBOOK_SUFFIXES and not name.startswith(("~$", ".~", ".kam-xl"))


def _same_names(files: list[Path]) -> list[str]:
    seen, clashes = set(), []
    for f in files:
        if f.name in seen:
            clashes.append(f.name)
        seen.add(f.name)
    return clashes


def _as_of(text: str | None):
    if not text:
        return None
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"--as-of: expected a date like 2026-09-30, found {text!r}") from None

