"""`kam-xl dossier`: a customer's dossier from a KeyAccounts workbook, headless.

    kam-xl dossier BOOK.xlsm --customer C00042                      the Dossier sheet for C00042, as text
    kam-xl dossier BOOK.xlsm --key-accounts --out DOSSIERS.xlsx     one print-ready sheet per key account

``--customer`` recalculates the workbook in memory with the Dossier selector set to the customer (the engine of
`kam-xl recalc`, so the text is what the sheet's formulas give), prints it, and saves the workbook with the
selector set and its values current, as the Dossier button does in Excel (an unknown id leaves the file as it was).
``--key-accounts`` recalculates once, then fills the Dossier layout for every key account with the values of
the same cell functions, into a new workbook of values only (A4 portrait, one page per sheet).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter

from kam_xl import a1, atomic, cells
from kam_xl.core import schema
from kam_xl.errors import InputError
from kam_xl.book.file import require_current
from kam_xl.package.limits import guard
from kam_xl.recalc import recalculate
from kam_xl.template.sheet_dossier import AS_OF_CELL, SELECT_CELL, SHEET, write_dossier_sheet
from kam_xl.template.sheet_inputs import TABLES
from kam_xl.template.sheets import EXCEL_EPOCH, Formats
from kam_xl.template.workbook import WORKBOOK_OPTIONS

INVALID_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "dossier", help="a customer's dossier as text, or print copies for every key account",
        description="Shows the Dossier sheet of a KeyAccounts workbook for one customer (--customer), or writes "
                    "a new workbook with one print-ready dossier per key account (--key-accounts --out).")
    parser.add_argument("workbook", help="a KeyAccounts workbook (.xlsm)")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--customer", metavar="ID", help="the customer id to show")
    which.add_argument("--key-accounts", action="store_true", help="every key account, into --out")
    parser.add_argument("--out", metavar="DOSSIERS.xlsx", help="the new workbook --key-accounts writes")
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace) -> int:
    path = Path(args.workbook)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    guard(path)  # zip bombs, lying directories, DTDs: refused before anything parses the file
    require_current(path)
    if args.key_accounts:
        if not args.out:
            raise InputError("--key-accounts writes a new workbook: give it with --out DOSSIERS.xlsx")
        out = Path(args.out)
        if out.suffix.lower() != ".xlsx":
            raise InputError(f"--out {out}: the copies hold values only; name the file .xlsx")
        if out.exists() and out.resolve() == path.resolve():
            raise InputError(f"--out {out}: that is the workbook itself; name a new file")
        count = write_key_account_dossiers(path, out)
        print(f"{out}: {count} key-account dossier{'s' if count != 1 else ''}")
        return 0
    text = dossier_text(path, args.customer)
    select_customer(path, args.customer)
    print(text)
    return 0


def select_customer(path: Path, customer: str) -> None:
    """Set the Dossier selector of the workbook file and recalculate it (one atomic write each)."""
    from kam_xl.book import FileBook
    from kam_xl.template.sheet_dossier import CUSTOMER_NAME

    FileBook(path).set_named_cell(CUSTOMER_NAME, customer)


def dossier_text(path: Path, customer: str) -> str:
    """The Dossier sheet with the selector set to ``customer``, recalculated, as lines of text."""
    result = recalculate(path, inputs={(SHEET, SELECT_CELL.replace("$", "")): customer})
    _check_customer(path, _analysis(path, result), customer)
    values = result.values.get(SHEET, {})
    kinds = _layout()
    last_row = max(r for r, _ in kinds) + 1
    lines = []
    for row in range(last_row):
        shown = []
        for col in range(6):
            ref = a1.ref(row + 1, col + 1)
            value = customer if ref == SELECT_CELL.replace("$", "") else values.get(ref)
            text = _text(value, kinds.get((row, col), "text"))
            if text:
                shown.append(text)
        if shown or (lines and lines[-1]):  # one empty line between blocks
            lines.append("  ".join(shown))
    return "\n".join(lines).strip("\n")


def write_key_account_dossiers(path: Path, out: Path) -> int:
    """One values-only dossier sheet per key account (largest revenue first) into the new workbook ``out``."""
    tables, analysis, language = _book(path)
    key = analysis[analysis["key_account"] == True]  # noqa: E712 - cells hold True/False or text
    key = key.sort_values("revenue", ascending=False, kind="stable")
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, WORKBOOK_OPTIONS)
    formats = Formats.of(workbook)
    used: set[str] = set()
    for customer in key["customer_id"]:
        write_dossier_sheet(workbook, formats, tables, analysis, language, customer=customer,
                            copy=_sheet_name(customer, used))
    if not len(key):
        workbook.add_worksheet("No key accounts").write_string(0, 0, "The workbook has no key account.")
    workbook.close()
    atomic.write_bytes(out, buffer.getvalue())
    return len(key)


def _book(path: Path) -> tuple[dict[str, pd.DataFrame], pd.DataFrame, str]:
    """The input tables (canonical column names, cells as the cell functions get them; read where the workbook's
    sources say they live), the Analysis spill as a DataFrame with its as-of day, and the language, after one
    recalculation in memory."""
    from kam_xl.book import FileBook
    from kam_xl.sheets.inputs import read_input

    result = recalculate(path)
    analysis = _analysis(path, result)
    book = FileBook(path, recalc=False)
    sources = book.read_sources()
    tables = {}
    for table in TABLES:
        try:
            frame = read_input(book, table.name, sources)
        except InputError:  # an installed workbook may lack one of our tables
            continue
        tables[table.name.lower()] = frame.set_axis([cells.normalise_header(h) for h in frame.columns], axis=1)
    try:  # workbooks built before the Win-back sheet have none
        tables["winback"] = book.read_table("Winback")
    except InputError:
        pass
    return tables, analysis, _language(path)


def _analysis(path: Path, result) -> pd.DataFrame:
    """The Analysis spill of a recalculation as a DataFrame, with the Dossier's as-of day in ``attrs``."""
    spill = result.values.get("Analysis", {})
    columns = list(schema.ANALYSIS_COLUMNS)
    if spill.get("A1") != columns[0]:
        raise InputError(f"{path}: sheet Analysis, cell A1: no analysis table after recalculation "
                         f"({spill.get('A1')!r}) — run kam-xl recalc {path} and fix what it names")
    rows = []
    for row in range(2, 1 + 200_002):
        if spill.get(f"A{row}") in (None, ""):
            break
        rows.append([spill.get(a1.ref(row, col + 1)) for col in range(len(columns))])
    analysis = pd.DataFrame(rows, columns=columns)
    as_of = result.values.get(SHEET, {}).get(AS_OF_CELL.replace("$", ""))
    analysis.attrs["as_of"] = _date(as_of) if isinstance(as_of, (int, float)) else None
    if analysis.attrs["as_of"] is None:
        raise InputError(f"{path}: sheet {SHEET}, cell {AS_OF_CELL.replace('$', '')}: no as-of day "
                         "(the Transactions table is empty?)")
    return analysis


def _language(path: Path) -> str:
    """The workbook's language setting (EN when unreadable)."""
    import python_calamine as pc

    with pc.CalamineWorkbook.from_path(path, load_tables=True) as book:
        rows = book.get_table_by_name("Settings").to_python()
    found = [str(r[1]).strip().upper() for r in rows if str(r[0]).strip() == "language"]
    return "DE" if found == ["DE"] else "EN"


def _check_customer(path: Path, analysis: pd.DataFrame, customer: str) -> None:
    ids = analysis["customer_id"].astype(str)
    if customer not in set(ids):
        key = ids[analysis["key_account"] == True].head(5).tolist()  # noqa: E712
        raise InputError(f"{path}: sheet Analysis: no customer {customer!r} — give --customer one of its ids"
                         + (f", e.g. the key accounts {', '.join(key)}" if key else ""))


def _layout() -> dict[tuple[int, int], str]:
    """The number format kind of every cell of the Dossier sheet, from writing its template once."""
    workbook = xlsxwriter.Workbook(io.BytesIO(), WORKBOOK_OPTIONS)
    kinds = write_dossier_sheet(workbook, Formats.of(workbook), None, None)
    workbook.close()
    return kinds


def _text(value, kind: str) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if not isinstance(value, (int, float)):
        return str(value)
    if kind == "date":
        return str(_date(value))
    if kind in ("percent", "percent1"):
        return f"{value:.{0 if kind == 'percent' else 1}%}"
    if kind == "money":
        return f"{value:,.2f}"
    if kind in ("money0", "integer"):
        return f"{value:,.0f}"
    if kind == "year":
        return f"{value:.0f}"
    if kind == "decimal1":
        return f"{value:.1f}"
    if kind == "boolean":
        return "yes" if value else "no"
    return f"{value:.2f}" if kind == "decimal" else f"{value:g}"


def _date(serial: float) -> dt.date:
    return (EXCEL_EPOCH + np.timedelta64(int(serial), "D")).item()


def _sheet_name(customer: str, used: set[str]) -> str:
    """A valid, unique sheet name for a customer id (31 characters, none of []:*?/\\)."""
    base = INVALID_SHEET_CHARS.sub("_", customer).strip("'")[:31] or "Customer"
    name, n = base, 2
    while name.lower() in used:
        name = f"{base[:27]}~{n}"
        n += 1
    used.add(name.lower())
    return name


