"""`kam-xl install --upgrade BOOK.xlsm`: kam_xl's own parts of a workbook replaced by this version's
(kam_xl.install.upgrade); the user's data, settings and notes kept. Exit 0 upgraded or already current, 2 refused.
"""

from __future__ import annotations

import argparse

from kam_xl.errors import InputError


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "install", help="keep a kam_xl workbook current: --upgrade BOOK.xlsm",
        description="With --upgrade: replace kam_xl's parts of BOOK.xlsm (VBA project, ribbon, the About, "
                    "Analysis, Matrix, Dossier, Labels and Settings sheets) with this kam_xl's and keep the data, "
                    "the settings values, the win-back notes, xlwings.conf and every other part of yours; one "
                    "atomic write. A workbook already current is left alone.")
    parser.add_argument("book", metavar="BOOK.xlsm", help="the workbook")
    parser.add_argument("--upgrade", action="store_true", help="upgrade a workbook kam_xl wrote before")
    parser.add_argument("--out", metavar="NEW.xlsm", help="write the upgraded workbook there (default: in place)")
    parser.add_argument("--lock-timeout", type=float, default=30.0, metavar="SECONDS",
                        help="wait this long for another kam-xl run on the workbook (default 30)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.upgrade:
        return upgrade(args)
    raise InputError(f"only --upgrade is available here: kam-xl install --upgrade {args.book}")


def upgrade(args: argparse.Namespace) -> int:
    from kam_xl.install.upgrade import upgrade as upgrade_book

    print(upgrade_book(args.book, out=args.out, lock_timeout=args.lock_timeout).line())
    return 0
