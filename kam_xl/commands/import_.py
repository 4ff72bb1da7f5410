"""`kam-xl import BOOK EXPORT`: add an ERP export's new transaction lines to a workbook's Transactions table."""

from __future__ import annotations

import argparse

from kam_xl.errors import InputError


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "import", help="import an ERP export (CSV/XLSX) into a workbook's Transactions table",
        description="Adds the export's lines that the Transactions table does not hold yet (by document no., "
                    "customer, date, amount, margin and line no.), writes rejected rows and the workbook's other "
                    "problems to the Data check table, and recalculates — all or nothing.")
    parser.add_argument("book", help="the KeyAccounts workbook (.xlsm)")
    parser.add_argument("export", help="the export: CSV (, or ; separated, UTF-8 or Windows-1252) or XLSX")
    parser.add_argument("--sheet", help="sheet or table of an XLSX export")
    parser.add_argument("--sep", help="CSV delimiter: , ; tab | (default: sniffed)")
    parser.add_argument("--decimal", choices=[",", "."], help="decimal separator of numbers written as text")
    parser.add_argument("--thousands", help="thousands separator of numbers written as text")
    parser.add_argument("--date-format", help="date format such as %%d.%%m.%%Y (default: recognised)")
    for name in ("customer", "date", "amount", "margin", "document", "line"):
        parser.add_argument(f"--{name}-col", help=f"header of the {name} column (default: found by name)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from kam_xl.book import reading

    begun = reading.start_inflating(args.book)  # guarded, inflated and read while the importer loads
    from kam_xl.package.errors import PackageError
    from kam_xl.sheets.importer import import_file

    options = {k: getattr(args, k) for k in ("sheet", "sep", "decimal", "thousands", "date_format", "customer_col",
                                             "date_col", "amount_col", "margin_col", "document_col", "line_col")}
    try:
        report = import_file(args.book, args.export, reading=begun, **options)
    except PackageError as exc:
        raise InputError(f"{exc} — the workbook is unchanged.") from None
    print(report.line())
    return 0
