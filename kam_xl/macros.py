"""What each button of the Key Accounts ribbon runs (kam_xl/template/src/KamRibbon.bas calls these by RunPython).

Each entry point finds its book with `_book()`: the workbook that pressed the button when Excel called
(`xw.Book.caller()`), else the file named by the environment variable KAM_XL_WORKBOOK, so a button can be
run from a shell: `KAM_XL_WORKBOOK=KeyAccounts.xlsm python -c "import kam_xl.macros as m; m.refresh()"`.

A message for the user, never a traceback: in Excel it comes as an alert; in a plain Python process it is
printed. Bad input on a file prints the fix on stderr and exits with code 2, like the CLI's input errors (no
workbook to work on, too); Refresh on a
file whose formulas gave errors names the cells and exits with code 1, like `kam-xl recalc`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import xlwings as xw

from kam_xl.errors import InputError

WORKBOOK_ENV = "KAM_XL_WORKBOOK"
EXPORT_ENV = "KAM_XL_EXPORT"  # Import transactions on a file: the export to read
TITLE = "Key Accounts"
EXIT_INPUT_ERROR = 2
EXIT_FORMULA_ERRORS = 1  # Refresh on a file: some formulas gave errors or were not computed, as `kam-xl recalc`
SETTINGS_SHEET, HELP_SHEET = "Settings", "About"
DATA_CHECK_SHEET, DATA_CHECK_TABLE = "Data check", "DataCheck"
CUSTOMER_ENV = "KAM_XL_CUSTOMER"  # the customer the Dossier button shows, headless

#: A book: the live workbook in Excel, or the path of a workbook file.
Book = xw.Book | Path


def refresh() -> None:
    """Refresh: recompute the analysis, the matrix and the key-account flags, and write the Win-back and Data
    check tables.

    In Excel, Excel recalculates (the cell functions run through xlwings) and the tables are written through
    LiveBook; on a workbook file, the tables and the headless recalculation go in one save, exactly as
    `kam-xl refresh` does."""
    _run("Refresh", _refresh)


def dossier() -> None:
    """Dossier: show the Dossier sheet of the customer in the selected row (on a file: the customer
    KAM_XL_CUSTOMER names, saved in the selector, as `kam-xl dossier BOOK --customer ID` does)."""
    _run("Dossier", _dossier)


def winback() -> None:
    """Win-back: write the Win-back sheet of lost and at-risk key accounts."""
    _run("Win-back", _winback)


def import_transactions() -> None:
    """Import transactions: add an ERP export's new lines to the Transactions table (a file dialog in Excel;
    on a file, the export KAM_XL_EXPORT names, as `kam-xl import BOOK EXPORT` does)."""
    _run("Import transactions", _import_transactions)


def check_data() -> None:
    """Check data: list every input row that cannot be used, and how to fix it, in the Data check table."""
    _run("Check data", _check_data)


def show_settings() -> None:
    """Settings: go to the Settings sheet (on a file: list the settings it holds)."""
    _run("Settings", _show_settings)


def show_help() -> None:
    """Help: go to the About sheet, which explains the workbook (on a file: say where it is)."""
    _run("Help", _show_help)


def _book() -> Book:
    """The calling workbook in Excel, else the file KAM_XL_WORKBOOK names."""
    if "--from_xl=1" in sys.argv:  # RunPython passes this: a failure here is real, let xlwings show it
        return xw.Book.caller()
    try:
        return xw.Book.caller()  # also Excel's COM server (OPTIMIZED_CONNECTION), which passes no argv
    except Exception:  # not called from Excel: xlwings raises a bare Exception, or AttributeError off Windows/Mac
        pass
    named = os.environ.get(WORKBOOK_ENV)
    if not named:
        raise InputError(f"no workbook to work on: press the button in Excel, or set {WORKBOOK_ENV} to the "
                         "path of KeyAccounts.xlsm.")
    path = Path(named)
    if not path.is_file():
        raise InputError(f'{WORKBOOK_ENV} names "{named}", which is not a file - set it to the path of '
                         "KeyAccounts.xlsm.")
    return path


def _run(button: str, action: Callable[[Book], None]) -> None:
    """Run a button's action on its book; tell the user what went wrong instead of raising."""
    try:
        book = _book()
    except InputError as error:
        print(f"{button}: {error}", file=sys.stderr)
        raise SystemExit(EXIT_INPUT_ERROR) from None
    try:
        _check_stamp(book)
        action(book)
    except InputError as error:
        if isinstance(book, Path):
            print(f"{button}: {' '.join(str(error).split())}", file=sys.stderr)
            raise SystemExit(EXIT_INPUT_ERROR) from None
        _tell(book, f"{button}: {error}")


def _check_stamp(book: Book) -> None:
    """InputError (the upgrade line) when the workbook was written in another workbook format than this kam_xl's:
    no button computes on it."""
    from kam_xl import stamp
    from kam_xl.book import FileBook, LiveBook

    adapter = FileBook(book) if isinstance(book, Path) else LiveBook(book)
    outdated = stamp.problem(adapter.read_stamp(), str(book) if isinstance(book, Path) else book.name)
    if outdated:
        raise InputError(outdated)


def _tell(book: Book, message: str) -> None:
    if isinstance(book, Path):
        print(message)
    else:
        book.app.alert(message, title=TITLE)


def _refresh(book: Book) -> None:
    if not isinstance(book, Path):
        _refresh_live(book)
        return
    from kam_xl.commands.refresh import STEPS
    from kam_xl.recalc.batch import recalc_file

    report = recalc_file(book, steps=STEPS)
    if not report.ok:
        raise InputError(report.reason, source=book.name)
    errors, skipped = sum(report.errors.values()), report.formulas - report.computed
    lines = [f"Refresh: {report.computed:,} of {report.formulas:,} formulas computed in {report.seconds:.1f} s"
             + (f", {errors:,} with errors" if errors else "") + f"; {book.name} "
             + ("saved." if report.changed else "was up to date.")]
    lines += [f"  {report.note}"] if report.note else []
    lines += [f"  {message}" for message in report.messages]
    lines += [f"  not computed, previous value kept (Excel recalculates it on open): {cell}"
              for cell in report.not_computed]
    listed = len(report.messages) + len(report.not_computed)
    if report.errors.get("#KAM", 0) + skipped > listed:
        lines.append(f"  … and {report.errors.get('#KAM', 0) + skipped - listed:,} more such cells.")
    _tell(book, "\n".join(lines))
    if errors or skipped:
        raise SystemExit(EXIT_FORMULA_ERRORS)


def _refresh_live(book, platform: str = sys.platform) -> None:
    """Excel recalculates (the cell functions run there), then the Win-back and Data check tables are written
    from the input tables, as `kam-xl refresh` does on a file, and Excel recalculates what reads them.

    On macOS (``platform`` "darwin", as xlwings tells it) Excel runs no cell functions: the analysis is computed
    here and its spills (Analysis, the Matrix's Pareto curve and watch list) are written as values over their
    formulas (kam_xl.sheets.spills); Excel then recalculates the native formulas that read them. On Windows,
    a formula a Mac's Refresh replaced by values is put back first."""
    from kam_xl.book import LiveBook
    from kam_xl.core.settings import Settings
    from kam_xl.sheets import winback
    from kam_xl.sheets.checkbook import book_check
    from kam_xl.sheets.datacheck import summary
    from kam_xl.sheets.spills import anchors, dossier_anchors, spills

    live = LiveBook(book)
    if platform == "darwin":
        written = spills(live)
        for spill in written:
            live.write_block(spill.anchor.sheet, spill.anchor.cell, spill.values, spill.anchor.rows,
                             spill.anchor.columns)
        lines = [f"Refresh: analysis of {max(len(written[0].values) - 1, 0):,} customers computed in Python "
                 "(Excel on macOS runs no cell functions); written as values."]
    else:
        try:
            settings = live.read_settings()
        except InputError:  # the Data check names it; the anchors need only the watch list's length
            settings = Settings()
        back = sum(live.write_formula(a.sheet, a.cell, a.formula, a.rows, a.columns)
                   for a in (*anchors(settings), *dossier_anchors()[1:]))
        book.app.calculate()
        lines = ["Refresh: recalculated." + (f" {back} formula{'s' * (back != 1)} that a Refresh on a Mac had "
                                              "replaced by values put back." if back else "")]
    try:
        frame = winback.from_book(live)
    except InputError as error:  # bad input stops the list, not the refresh (the Data check names it)
        lines.append(f"Win-back list not written: {error}")
    else:
        if frame is not None:
            live.write_table(winback.TABLE, frame)
            lines.append(f"Win-back: {len(frame):,} rows, {int(frame[winback.RECOVERED].isna().sum()):,} open.")
    found = book_check(live, live.read_as_of())
    live.write_table(DATA_CHECK_TABLE, found)
    lines.append(summary(found))
    if platform == "darwin":  # the Dossier's lists read the tables just written
        _write_dossier_lists(live)
    book.app.calculate()
    live.show_message("\n".join(lines))


def _write_dossier_lists(live) -> None:
    """Excel on macOS: the Dossier's lists for the selected customer, as values."""
    from kam_xl.sheets.spills import dossier_spills
    from kam_xl.template.sheet_dossier import CUSTOMER_NAME

    customer = live.read_named_cell(CUSTOMER_NAME)
    for spill in dossier_spills(live, "" if customer is None else customer):
        live.write_block(spill.anchor.sheet, spill.anchor.cell, spill.values, spill.anchor.rows,
                         spill.anchor.columns)


def _dossier(book: Book, platform: str = sys.platform) -> None:
    """The Dossier sheet of the selected customer; on macOS its lists are written as values (no cell
    functions run there)."""
    from kam_xl.book import LiveBook
    from kam_xl.template.sheet_dossier import CUSTOMER_NAME, SHEET

    if isinstance(book, Path):
        from kam_xl.commands.dossier import dossier_text, select_customer

        customer = os.environ.get(CUSTOMER_ENV)
        if not customer:
            raise InputError(f"set {CUSTOMER_ENV} to the customer id to show, or run kam-xl dossier {book.name} "
                             "--customer ID.")
        text = dossier_text(book, customer)
        select_customer(book, customer)
        _tell(book, f"{text}\n\nDossier: {customer} selected; {book.name} saved.")
        return
    live = LiveBook(book)
    customer = live.active_customer()
    if not customer:
        raise InputError("select a row that holds a Customer ID (in any table or sheet), then press Dossier.")
    live.set_named_cell(CUSTOMER_NAME, customer)
    if platform == "darwin":
        _write_dossier_lists(live)
    live.activate_sheet(SHEET)


def _winback(book: Book) -> None:
    """The Win-back table written (live: LiveBook, then shown; on a file: FileBook, one atomic write with the
    recalculation)."""
    from kam_xl.book import FileBook, LiveBook
    from kam_xl.sheets.winback import RECOVERED, TABLE, from_book

    target = FileBook(book) if isinstance(book, Path) else LiveBook(book)
    frame = from_book(target)
    if frame is None:
        _tell(book, "Win-back: the Transactions table is empty; nothing to list yet.")
        return
    target.write_table(TABLE, frame)
    _tell(book, f"Win-back: {len(frame):,} rows, {int(frame[RECOVERED].isna().sum()):,} open"
                + (f"; {book.name} saved." if isinstance(book, Path) else "."))
    if not isinstance(book, Path):
        target.activate_sheet("Win-back")


def _show_settings(book: Book) -> None:
    if not isinstance(book, Path):
        book.sheets[SETTINGS_SHEET].activate()
        return
    from kam_xl.readers import read_table

    table, _ = read_table(book, sheet=SETTINGS_SHEET)
    lines = [f"  {name} = {_shown(value)}" for name, value in zip(table.iloc[:, 0], table.iloc[:, 1])]
    _tell(book, f"Settings of {book.name} (sheet {SETTINGS_SHEET}; empty = the default):\n" + "\n".join(lines))


def _shown(value) -> str:
    if value is None or value != value:
        return ""
    return f"{value:g}" if isinstance(value, float) else str(value)


def _show_help(book: Book) -> None:
    if not isinstance(book, Path):
        book.sheets[HELP_SHEET].activate()
        return
    _tell(book, f"Help: the {HELP_SHEET} sheet of {book.name} explains the workbook, its tables, the ribbon and "
                "the cell functions.")


def _check_data(book: Book) -> None:
    from kam_xl.book import FileBook, LiveBook
    from kam_xl.sheets.checkbook import book_check, file_check
    from kam_xl.sheets.datacheck import summary

    if isinstance(book, Path):
        found = file_check(book)
        FileBook(book, recalc=False).write_table(DATA_CHECK_TABLE, found)
        _tell(book, summary(found))
        return
    live = LiveBook(book)
    found = book_check(live, live.read_as_of())
    live.write_table(DATA_CHECK_TABLE, found)
    book.sheets[DATA_CHECK_SHEET].activate()
    live.show_message(summary(found))


def _import_transactions(book: Book) -> None:
    from kam_xl.sheets import importer

    if isinstance(book, Path):
        export = os.environ.get(EXPORT_ENV)
        if not export:
            raise InputError(f"set {EXPORT_ENV} to the export to import, or run kam-xl import {book.name} EXPORT.")
        _tell(book, importer.import_file(book, export).line())
        return
    from kam_xl.book import LiveBook
    from kam_xl.sheets.checkbook import book_check

    live = LiveBook(book)
    importer.refuse_plain_range(live)
    export = book.app.api.GetOpenFilename("ERP export (*.csv;*.txt;*.xlsx;*.xlsm),*.csv;*.txt;*.xlsx;*.xlsm")
    if not export:  # cancelled
        return
    lines, rejected = importer.read_export(export)
    added, skipped = importer.add_lines(live, lines)
    live.write_table(DATA_CHECK_TABLE, pd.concat([rejected, book_check(live, live.read_as_of())], ignore_index=True))
    live.show_message(importer.ImportReport(Path(export).name, added, skipped, rejected).line())


