"""`kam-xl install`: key-account management inside the workbook a team already has.

    kam-xl install Sales.xlsx --dry-run          print where the data was found and what install adds
    kam-xl install Sales.xlsx                    write Sales-kam.xlsm beside it (Sales.xlsx stays as it is)
    kam-xl install Sales.xlsx --transactions Umsätze --map amount=Netto,customer=Kundennr. --language DE
    kam-xl install --upgrade Sales-kam.xlsm     kam_xl's own parts replaced by this version's (kam_xl.install.upgrade)

Their data stays where it is (:mod:`kam_xl.install`); ``--make-tables`` turns their plain ranges into Excel tables
(:mod:`kam_xl.package.table_create`) in the new file. The original is never written; the new file is written
atomically and never over an existing one.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from kam_xl import atomic
from kam_xl.install.found import InstallError

SUFFIXES = (".xlsx", ".xlsm")
OWNER_FILE_MAX_AGE = 24.0  # hours, as kam-xl recalc's --owner-file-max-age default


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "install", help="add kam_xl to a workbook you already have (written as a new .xlsm beside it)",
        description="Write a copy of your workbook with kam_xl added: the Analysis, Matrix, Dossier, Win-back and "
                    "Data check sheets reading your data where it is, the input tables you lack, the VBA project "
                    "and the Key Accounts ribbon. Your workbook itself is never written.")
    parser.add_argument("workbook", type=Path, metavar="WORKBOOK.xlsx|xlsm", help="your workbook")
    parser.add_argument("--out", type=Path, default=None, metavar="NEW.xlsm",
                        help="where to write (default: NAME-kam.xlsm beside your workbook; must not exist; with "
                             "--upgrade: the workbook itself)")
    parser.add_argument("--upgrade", action="store_true",
                        help="upgrade a workbook kam_xl wrote before: kam_xl's parts replaced, your data, settings and "
                             "notes kept")
    parser.add_argument("--lock-timeout", type=float, default=30.0, metavar="SECONDS",
                        help="with --upgrade: wait this long for another kam-xl run on the workbook (default 30)")
    for input in ("transactions", "customers", "complaints"):
        parser.add_argument(f"--{input}", default=None, metavar="TABLE|SHEET",
                            help=f"the table or sheet holding your {input} (default: found by its headers)")
    parser.add_argument("--map", action="append", default=None, metavar="COLUMN=HEADER,...",
                        help="name the header of a column: amount=Umsatz,date=Belegdatum,customer=Kundennr.,"
                             "document=Belegnr.,margin=DB (customers.name=Firma, complaints.date=... for the others)")
    parser.add_argument("--language", default=None, metavar="EN|DE",
                        help="language of the kam_xl sheets (default: the template's)")
    parser.add_argument("--dry-run", action="store_true", help="print what was found and what would be added; "
                                                               "write nothing")
    parser.add_argument("--make-tables", action="store_true",
                        help="turn your plain ranges found as inputs into Excel tables (changes those sheets of "
                             "the new file: a table over the range, nothing else)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from kam_xl.install.compose import compose
    from kam_xl.install.discover import discover
    from kam_xl.install.options import parse_map
    from kam_xl.install.plan import plan
    from kam_xl.install.report import dry_run

    if args.upgrade:
        return upgrade(args)
    language = args.language.strip().upper() if args.language else None
    if language not in (None, "EN", "DE"):
        raise InstallError(f"--language {args.language}: use EN or DE")
    source = their_workbook(args.workbook)
    out = output_path(source, args.out)
    mapping = parse_map(args.map)
    found = discover(source, transactions=args.transactions, customers=args.customers, complaints=args.complaints,
                     mapping=mapping)
    their = source.read_bytes()
    made = []
    if args.make_tables:
        their, found, made = tables_made(their, found)
    layout = plan(found)
    if args.dry_run:
        print(dry_run(found, layout, out, made))
        return 0
    refuse_open(source)
    if out.exists():
        raise InstallError(f"{out} already exists — name another file with --out, or delete it (to bring an "
                           "installed workbook up to date: kam-xl install --upgrade)")
    written = atomic.write_bytes(out, compose(their, found, layout, language))
    print(f"Wrote {written} ({written.stat().st_size:,} bytes); {source.name} is unchanged.")
    return 0


def upgrade(args: argparse.Namespace) -> int:
    """``--upgrade``: the workbook's kam_xl parts replaced, in place or into ``--out``."""
    given = [f"--{name.replace('_', '-')}" for name in ("transactions", "customers", "complaints", "map", "language",
                                                         "dry_run", "make_tables") if getattr(args, name)]
    if given:
        raise InstallError(f"--upgrade keeps where the workbook reads its data; leave out {', '.join(given)}")
    from kam_xl.install.upgrade import upgrade as upgrade_book

    print(upgrade_book(args.workbook, out=args.out, lock_timeout=args.lock_timeout).line())
    return 0


def their_workbook(path: Path) -> Path:
    """``path`` when it is an .xlsx or .xlsm file; InstallError (one line) otherwise."""
    if not path.is_file():
        raise InstallError(f"{path}: no such file — check the path and the file name")
    if path.suffix.casefold() not in SUFFIXES:
        raise InstallError(f"{path}: install reads .xlsx and .xlsm workbooks — open it in Excel and save it as .xlsx")
    return path


def output_path(source: Path, out: Path | None) -> Path:
    """Where the new workbook goes: ``out`` (an .xlsm name that is not the original), else NAME-kam.xlsm beside
    the original."""
    if out is None:
        return source.with_name(f"{source.stem}-kam.xlsm")
    if out.suffix.casefold() != ".xlsm":
        raise InstallError(f"--out {out}: the new workbook holds macros, which Excel opens only under an .xlsm name "
                           f"— use --out {out.with_suffix('.xlsm')}")
    if out.resolve() == source.resolve() or (out.exists() and out.samefile(source)):
        raise InstallError(f"--out {out} is your workbook itself; install never writes over it — name a new file")
    return out


def refuse_open(source: Path) -> None:
    """InstallError when Excel has ``source`` open (a fresh owner file ~$NAME beside it): unsaved changes would
    be missing from the new file."""
    from kam_xl.recalc.batch import owner_files

    for owner in owner_files(source):
        try:
            age = (time.time() - owner.stat().st_mtime) / 3600
        except OSError:
            continue
        if age <= OWNER_FILE_MAX_AGE:
            raise InstallError(f"{source} is open in Excel (owner file {owner.name}) — save and close it, then run "
                               "again: install reads the saved file")


def tables_made(their: bytes, found):
    """``their`` with the ranges of ``found`` made tables (--make-tables), ``found`` updated, and the tables."""
    from kam_xl.install.plan import RANGE_NAMES, plan
    from kam_xl.package.table_create import TableCreateError, make_tables

    ranges = [loc for loc in found.inputs if loc.kind == "range"]
    reserved = set(plan(found).tables) | set(RANGE_NAMES.values())
    try:
        data, made = make_tables(their, [(loc.sheet, loc.ref) for loc in ranges], reserved=reserved)
    except TableCreateError as exc:
        raise InstallError(f"--make-tables: {exc}") from None
    tables = iter(made)
    inputs = tuple(loc.as_table(t.name, t.ref) if loc.kind == "range" and (t := next(tables)) else loc
                   for loc in found.inputs)
    return data, found.with_inputs(inputs), made
