"""`kam-xl recalc`: recalculate workbooks headless, kam_xl cell functions included, and save the values.

Each file is recalculated by the formula engine (:mod:`kam_xl.recalc`) and its results written back as
cached values (:mod:`kam_xl.package`): every other byte of the file stays as it was. Files run in a pool of
processes; one file's failure never stops the others.

Exit codes: 0 every file recalculated without formula errors; 1 some formulas gave errors (#N/A, #NAME?, a
cell function's #KAM: answer …) or were not computed; 2 some files could not be processed or were not there
(each named with its reason; a workbook open in Excel is one of them: it is skipped, never overwritten).
Files a folder holds that are not recalculated (.xls, subfolders without
--recursive) are named with the reason on stderr and in the JSON. With ``--scheduler`` (or
$DASK_SCHEDULER_ADDRESS) the files run as tasks on a Dask cluster instead (:mod:`kam_xl.recalc.cluster`).
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
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
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
from kam_xl.package.limits import DEFAULT_PART, DEFAULT_RATIO, Limits, parse_size
from kam_xl.package.names import WORKBOOK_SUFFIXES


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "recalc", help="recalculate workbooks headless (kam_xl cell functions included) and save the values",
        description="Recalculate every formula of one workbook or many, including the kam_xl cell functions, "
                    "and save the results as the cells' cached values. Nothing else in a file changes. "
                    "Exit 0: all good; 1: some formulas gave errors or were not computed; 2: some files could "
                    "not be processed (also: open in Excel).")
    add_batch_arguments(parser, "recalculate")
    parser.set_defaults(run=run)


def add_batch_arguments(parser, verb: str) -> None:
    """The options `recalc` and `refresh` share: paths, --recursive, --out, --workers, --as-of, …"""
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="workbook files (.xlsx/.xlsm), folders (their workbooks), or glob patterns")
    parser.add_argument("--recursive", action="store_true",
                        help="take the workbooks of a folder's subfolders too (with --out: into the same subfolders)")
    parser.add_argument("--out", metavar="DIR",
                        help=f"write the new copies into DIR and leave the originals untouched (never the folder a "
                             f"file is in: leave out --out to {verb} in place)")
    parser.add_argument("--workers", type=int, default=min(4, os.cpu_count() or 1), metavar="N",
                        help="files done in parallel (default: number of cores, at most 4)")
    parser.add_argument("--scheduler", metavar="tcp://HOST:8786", default=os.environ.get("DASK_SCHEDULER_ADDRESS"),
                        help="run one task per workbook on this Dask cluster instead of local processes (default: "
                             "$DASK_SCHEDULER_ADDRESS); the workers must see the files at the same paths and run "
                             "the same kam_xl version; --workers is then the cluster's business")
    parser.add_argument("--as-of", metavar="YYYY-MM-DD",
                        help="day TODAY() and NOW() return, for reproducible runs (default: the clock)")
    parser.add_argument("--lock-timeout", type=float, default=30.0, metavar="SECONDS",
                        help="how long to wait for another kam-xl run on the same file (default 30)")
    add_limit_options(parser)
    parser.add_argument("--owner-file-max-age", type=float, default=24.0, metavar="HOURS",
                        help="a workbook open in Excel (owner file ~$NAME beside it) is skipped; an owner file "
                             "older than this is taken as left behind by a crash and ignored (default 24)")
    parser.add_argument("--json", action="store_true", help="print the per-file reports as JSON on stdout")


def run(args: argparse.Namespace) -> int:
    return run_batch(args, "recalc")


def run_batch(args: argparse.Namespace, title: str, steps: tuple = ()) -> int:
    """Run the per-file job over the paths: the recalculation, after the tables of ``steps`` (see
    kam_xl.recalc.batch.recalc_file), with the progress bar, summary, --json and exit code."""
    from functools import partial

    from kam_xl.recalc.batch import recalc_file

    found = expand_paths(args.paths, recursive=args.recursive)
    as_of = _as_of(args.as_of)
    if args.workers < 1:
        raise InputError(f"--workers must be at least 1, found {args.workers}")
    limits = limits_of(args)
    out_dirs = _out_dirs(found.files, Path(args.out) if args.out else None, args.out)

    status = Console(stderr=True, highlight=False, soft_wrap=True)  # one line per message
    for path, reason in found.skipped:
        status.print(f"skipped {path}: {reason}", markup=False)
    started = time.perf_counter()
    if args.owner_file_max_age < 0:
        raise InputError(f"--owner-file-max-age must not be negative, found {args.owner_file_max_age:g}")
    job = partial(recalc_file, limits=limits, owner_file_max_age=args.owner_file_max_age,
                  steps=steps)
    reports = _run_all(job, title, list(found.files), out_dirs, as_of, args.workers, args.lock_timeout, status,
                       args.scheduler)
    reports += [_missing(raw, reason) for raw, reason in found.missing]
    total = time.perf_counter() - started

    if args.json:
        print(json.dumps({"files": [asdict(r) for r in reports], "seconds": round(total, 3),
                          "skipped": [{"path": str(p), "reason": why} for p, why in found.skipped]}, indent=2))
    else:
        Console(highlight=False, width=None if sys.stdout.isatty() else 120).print(
            summary_table(reports, total, f"kam-xl {title}"))
    for report in reports:
        _tell_problems(report, status)
    return exit_code(reports)


def add_limit_options(parser: argparse.ArgumentParser) -> None:
    """``--max-size`` and ``--max-ratio``: what a workbook may inflate to (:mod:`kam_xl.package.limits`)."""
    parser.add_argument("--max-size", metavar="SIZE", default=f"{DEFAULT_PART >> 20}M",
                        help="largest size one part of a workbook (a sheet, the shared strings) may inflate to; "
                             "all parts together may take twice that (default %(default)s; e.g. 1G). Larger "
                             "workbooks are refused before they are read")
    parser.add_argument("--max-ratio", type=float, default=DEFAULT_RATIO, metavar="N",
                        help="largest compression ratio of a workbook part over 1 MiB, N to 1 (default "
                             "%(default)g; real sheets: 5 to 12, zip bombs: about 1,000)")


def limits_of(args: argparse.Namespace) -> Limits:
    """The :class:`Limits` the options ask for; InputError names a bad one."""
    try:
        part = parse_size(args.max_size)
    except ValueError as exc:
        raise InputError(f"--max-size: {exc}") from None
    if not args.max_ratio >= 1:
        raise InputError(f"--max-ratio must be at least 1, found {args.max_ratio:g}")
    return Limits(part=part, ratio=args.max_ratio)


def exit_code(reports: list[FileReport]) -> int:
    if any(not r.ok for r in reports):
        return 2
    if any(r.errors or r.unsupported or r.computed < r.formulas for r in reports):
        return 1
    return 0


#: Files a folder may hold that look like workbooks but are not recalculated, and what to do about them.
_NOT_RECALCULATED = {
    ".xls": "an Excel 97-2003 workbook (.xls), which kam-xl cannot write: save it as .xlsx to recalculate it",
    ".xlsb": "a binary workbook (.xlsb), which kam-xl cannot write: save it as .xlsx to recalculate it",
    ".ods": "an OpenDocument spreadsheet, which kam-xl cannot write: save it as .xlsx to recalculate it",
}


@dataclass
class Found:
    """What the paths on the command line name."""

    files: dict[Path, Path] = field(default_factory=dict)       # workbook -> its subfolder below the folder given
    missing: list[tuple[str, str]] = field(default_factory=list)  # (path as given, why): failed files
    skipped: list[tuple[Path, str]] = field(default_factory=list)  # in a folder or glob, not recalculated, and why


def expand_paths(paths: list[str], recursive: bool = False) -> Found:
    """Files as given, the workbooks inside folders (their subfolders too with ``recursive``), and glob
    matches; each file once, in order. A path naming nothing is a missing file, not the end of the run."""
    found = Found()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            _take_folder(path, path, recursive, found)
        elif path.exists():
            found.files.setdefault(path.resolve(), Path())
        elif glob.has_magic(raw):
            matches = sorted(Path(p) for p in glob.glob(raw, recursive=True) if Path(p).is_file())
            _take(matches, Path(), found)
            if not any(_is_workbook(p) for p in matches):
                found.missing.append((raw, "no .xlsx or .xlsm file matches"))
        else:
            found.missing.append((raw, "no such file or folder"))
    if not found.files and not found.missing:
        raise InputError(f"{', '.join(paths)}: no .xlsx or .xlsm file found"
                         + (" (see the files skipped above)" if found.skipped else ""))
    return found


def _take_folder(folder: Path, root: Path, recursive: bool, found: Found) -> None:
    entries = sorted(folder.iterdir())
    _take([p for p in entries if p.is_file()], folder.relative_to(root), found)
    for sub in (p for p in entries if p.is_dir() and not p.name.startswith(".")):
        if recursive:
            _take_folder(sub, root, recursive, found)
        else:
            found.skipped.append((sub, "a subfolder: add --recursive to recalculate the workbooks in it"))


def _take(files: list[Path], below: Path, found: Found) -> None:
    for p in files:
        if _is_workbook(p):
            found.files.setdefault(p.resolve(), below)
        elif p.suffix.lower() in _NOT_RECALCULATED and not p.name.startswith(("~$", ".")):
            found.skipped.append((p, _NOT_RECALCULATED[p.suffix.lower()]))


def _out_dirs(files: dict[Path, Path], out: Path | None, given: str | None) -> dict[Path, Path | None]:
    """The folder each file's copy goes to (None: in place); refuses copies over an original or over each
    other."""
    if out is None:
        return dict.fromkeys(files)
    dirs = {f: out / below for f, below in files.items()}
    targets: dict[Path, Path] = {}
    for f, folder in dirs.items():
        target = (folder / f.name).resolve()
        if target == f or (target.exists() and os.path.samefile(target, f)):
            raise InputError(f"--out {given}: the copy of {f} would overwrite the file itself; leave out --out "
                             "to recalculate in place")
        if target in targets:
            raise InputError(f"--out {given}: {targets[target]} and {f} are both called {f.name}; recalculate "
                             "them into separate folders")
        targets[target] = f
    for folder in set(dirs.values()):
        folder.mkdir(parents=True, exist_ok=True)
    return dirs


def _missing(raw: str, reason: str) -> FileReport:
    from kam_xl.recalc.batch import FileReport

    return FileReport(path=raw, reason=reason)


def _tell_problems(report: FileReport, status: Console) -> None:
    """The reason a file failed, or the cells it names: formula errors of our functions, cells not computed."""
    name = Path(report.path).name
    if report.note:
        status.print(f"{name}: note: {report.note}", markup=False)
    if not report.ok:
        status.print(f"[red]could not process[/] {escape(report.path)}: {escape(report.reason)}", markup=True)
        return
    for lines, total, what in ((report.messages, report.errors.get("#KAM", 0), "formula error"),
                               (report.not_computed, report.formulas - report.computed, "not computed, value kept")):
        for line in lines:
            status.print(f"{name}: {what}: {line}", markup=False)
        if total > len(lines):
            status.print(f"{name}: … and {total - len(lines):,} more cells ({what}); --json lists the first "
                         f"{len(lines)}", markup=False)


def summary_table(reports: list[FileReport], total: float, title: str = "kam-xl recalc") -> Table:
    table = Table(title=title, title_justify="left")
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


def _run_all(job, title, files, out_dirs, as_of, workers, lock_timeout, status: Console,
             scheduler: str | None = None) -> list[FileReport]:
    columns = (TextColumn(title), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("{task.description}"))
    reports: dict[Path, FileReport] = {}
    if not files:
        return []
    with Progress(*columns, console=status, transient=True) as progress:
        task = progress.add_task("", total=len(files))
        if scheduler:
            from kam_xl.recalc.cluster import run_on_cluster

            def done(path: Path) -> None:
                progress.update(task, description=path.name)
                progress.advance(task)

            reports = run_on_cluster(scheduler, job, files, out_dirs, as_of, lock_timeout, done)
        elif workers == 1 or len(files) == 1:
            for path in files:
                progress.update(task, description=path.name)
                reports[path] = job(path, out_dirs[path], as_of, lock_timeout)
                progress.advance(task)
        else:
            with ProcessPoolExecutor(max_workers=min(workers, len(files))) as pool:
                futures = {pool.submit(job, p, out_dirs[p], as_of, lock_timeout): p for p in files}
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
                reports[path] = _isolated(job, path, out_dirs[path], as_of, lock_timeout)
                progress.advance(task)
    return [reports[p] for p in files]


def _isolated(job, path: Path, out_dir, as_of, lock_timeout) -> FileReport:
    """One file in a process of its own, so a crash (or the out-of-memory killer) costs only that file."""
    from kam_xl.recalc.batch import FileReport

    with ProcessPoolExecutor(max_workers=1) as pool:
        try:
            return pool.submit(job, path, out_dir, as_of, lock_timeout).result()
        except BrokenProcessPool:
            return FileReport(path=str(path), reason="the recalculation process died (a crash, or out of memory); "
                                                     "the file is unchanged")


def _is_workbook(path: Path) -> bool:
    name = path.name
    return path.is_file() and path.suffix.lower() in WORKBOOK_SUFFIXES and not name.startswith(("~$", ".~", ".kam-xl"))


def _as_of(text: str | None):
    if not text:
        return None
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"--as-of: expected a date like 2026-09-30, found {text!r}") from None

