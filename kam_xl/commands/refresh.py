"""`kam-xl refresh`: what the Refresh button does, on workbook files: the Win-back list, the data check and the
recalculation, in one atomic write per file.

The same paths, folders, globs, --workers, progress bar, summary, --json and exit codes as `kam-xl recalc`
(kam_xl.commands.recalc); a workbook open in Excel is skipped, never overwritten (exit 2). ``STEPS`` are the
table-producing steps, each ``step(book) -> {table: frame}``, run on the file before the recalculation.
"""

from __future__ import annotations

import argparse

from kam_xl.commands.recalc import add_batch_arguments, run_batch


def winback_step(book) -> dict:
    """The new Win-back table ({} when the workbook holds no transactions yet)."""
    from kam_xl.sheets.winback import TABLE, from_book

    frame = from_book(book)
    return {} if frame is None else {TABLE: frame}


def datacheck_step(book) -> dict:
    """The Data check table of the workbook's input tables and settings, with its one-line summary."""
    from kam_xl.sheets.checkbook import file_check
    from kam_xl.sheets.datacheck import summary
    from kam_xl.template.sheet_datacheck import TABLE

    found = file_check(book.path, book)
    found.attrs["summary"] = summary(found)
    return {TABLE: found}


#: Table-producing steps of a refresh, in order.
STEPS = (winback_step, datacheck_step)


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "refresh", help="refresh workbooks headless: the Win-back list, the data check and every formula, in one write",
        description="Write the Win-back table (user columns kept) and the Data check table, and recalculate every "
                    "formula of one workbook "
                    "or many, in one atomic write per file. Exit 0: all good; 1: some formulas gave errors or "
                    "were not computed; 2: some files could not be processed (also: open in Excel).")
    add_batch_arguments(parser, "refresh")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    return run_batch(args, "refresh", STEPS)
