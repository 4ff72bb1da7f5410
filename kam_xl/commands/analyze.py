"""`kam-xl analyze`: the analysis table (ABC-XYZ, types, key accounts, churn) from transaction files.

Reads and checks the inputs with :mod:`kam_xl.readers`, builds :class:`Settings` from the options,
runs :func:`kam_xl.core.analysis.analyze` and writes one row per customer as CSV, JSON or XLSX.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from dataclasses import MISSING, fields
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from kam_xl import atomic, readers
from kam_xl.commands.recalc import add_limit_options, limits_of
from kam_xl.core import settings as settings_module
from kam_xl.core.settings import Settings, SettingsError, describe, field_names
from kam_xl.errors import InputError
from kam_xl.package.limits import Limits
from kam_xl.readers.numbers import DECIMALS, THOUSANDS

FORMATS = ("csv", "json", "xlsx")
_SETTING = "setting_"  # dest prefix of the options generated from Settings
# Settings the analysis table does not use (they act in the workbook: win-back list, labels, key-account
# share band of the Matrix sheet); a KeyAccounts workbook's Settings sheet may still hold them.
_NOT_IN_ANALYZE = ("key_share_low", "key_share_high", "winback_at_risk", "winback_due_days", "watch_list_size",
                   "language")
_CHOICES = {"abc_value": settings_module.ABC_VALUES, "xyz_method": settings_module.XYZ_METHODS,
            "xyz_period": settings_module.XYZ_PERIODS}


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "analyze", help="analysis table per customer from a transactions file",
        description="One row per customer: revenue, profit, ABC, XYZ, types, key account, churn, P(alive). "
                    "Reads CSV (separator , ; tab or |, UTF-8 or Windows-1252), .xlsx/.xlsm workbooks and "
                    "Parquet.")
    parser.add_argument("tx_file", metavar="TX_FILE",
                        help="transactions: CSV, or a workbook (sheet or Excel table); a KeyAccounts workbook also "
                             "lends its Customers and Complaints tables and its Settings, unless options say otherwise")
    parser.add_argument("--sheet", metavar="S", help="sheet or Excel table of TX_FILE (default: a table or sheet "
                                                     "named Transactions, else the first sheet with data)")
    parser.add_argument("--sep", metavar="C", help="CSV separator: , ; tab or | (default: detected)")
    parser.add_argument("--customers", metavar="F", help="customers file: id, known brand, high demands, budget, "
                                                         "key account override")
    parser.add_argument("--customers-sheet", metavar="S", help="sheet or Excel table of the customers file")
    parser.add_argument("--complaints", metavar="F", help="complaints file: customer, date, category, severity")
    parser.add_argument("--complaints-sheet", metavar="S", help="sheet or Excel table of the complaints file")
    parser.add_argument("--customer-col", metavar="C", help="header of the customer id column (in every file that "
                                                            "has it; default: Customer ID, Customer, Kunde, ...)")
    parser.add_argument("--date-col", metavar="C", help="header of the date column (default: Date, Datum, ...)")
    parser.add_argument("--amount-col", metavar="C", help="header of the amount column (default: Amount, Revenue, "
                                                          "Umsatz, Betrag, ...)")
    parser.add_argument("--margin-col", metavar="C", help="header of the margin column (default: Margin, Marge, "
                                                          "Deckungsbeitrag, ...; none = no profit data)")
    parser.add_argument("--date-format", metavar="FMT", help="how text dates are written when not ISO, e.g. "
                                                             "%%d/%%m/%%Y or %%Y%%m%%d (ISO and Excel dates always "
                                                             "work)")
    parser.add_argument("--decimal", choices=DECIMALS,
                        help="decimal separator of numbers written as text (default: decided per column from its "
                             "values, the separator and the date style; asked for when they cannot tell)")
    parser.add_argument("--thousands", choices=THOUSANDS,
                        help="thousands separator of numbers written as text (default: the other of . and ,; "
                             "spaces and apostrophes are always read as thousands separators)")
    parser.add_argument("--skip-bad-rows", action="store_true",
                        help="leave out rows with a bad cell (counted on standard error) instead of stopping")
    parser.add_argument("--as-of", metavar="YYYY-MM-DD", help="evaluation day (default: the last transaction day)")
    parser.add_argument("--format", choices=FORMATS, help="output format (default: from --out, else csv)")
    parser.add_argument("--out", metavar="PATH", help="output file (default: standard output; xlsx needs a file)")
    add_limit_options(parser)
    group = parser.add_argument_group(
        "analysis settings", "Defaults as in the Settings sheet. The workbook's win-back, language and key-account "
                             "share settings act only in the workbook.")
    for field in fields(Settings):
        if field.name in _NOT_IN_ANALYZE:
            continue
        default = field.default if field.default is not MISSING else None
        group.add_argument(f"--{field.name.replace('_', '-')}", dest=_SETTING + field.name,
                           choices=_CHOICES.get(field.name), metavar=_metavar(field.name, default),
                           help=_help(field.name, default))
    parser.set_defaults(run=run)
    return parser


def _metavar(name: str, default) -> str:
    if name in _CHOICES:
        return "{" + ",".join(_CHOICES[name]) + "}"
    if isinstance(default, bool):
        return "true|false"
    if isinstance(default, int):
        return "N"
    if isinstance(default, float):
        return "X"
    if name == "key_type_classes":
        return "LETTERS"
    return "TEXT" if isinstance(default, str) else "N"


def _help(name: str, default) -> str:
    shown = "none" if default is None else str(default).lower() if isinstance(default, bool) else default
    return f"{describe(name)} (default: {shown})".replace("%", "%%")


def run(args: argparse.Namespace) -> int:
    options = {name[len(_SETTING):]: value for name, value in vars(args).items()
               if name.startswith(_SETTING) and value is not None}
    limits = limits_of(args)
    book_tables = {t.lower() for t in readers.workbook_tables(args.tx_file, limits)} if args.sheet is None else set()
    book = _book_settings(args.tx_file, book_tables, limits)
    try:
        settings = Settings.from_mapping({**book, **options})
    except SettingsError as exc:  # name the option, or the workbook's Settings row the value came from
        from_book = {f for f, v in book.items() if v is not None and f not in options}
        raise InputError(exc.named(lambda f: f"Settings row {f} of {Path(args.tx_file).name}" if f in from_book
                                   else f"--{f.replace('_', '-')}")) from None
    as_of = _as_of(args.as_of)
    fmt = _output_format(args.format, args.out)

    numbers = dict(decimal=args.decimal, thousands=args.thousands, skip_bad_rows=args.skip_bad_rows)
    recorded = _recorded_inputs(args.tx_file, book_tables)
    raw, source = recorded.get("Transactions") or readers.read_table(
        args.tx_file, sheet=args.sheet, sep=args.sep, default_names=("Transactions",),
        headers=readers.transaction_headers(args.customer_col, args.date_col, args.amount_col), limits=limits)
    transactions = readers.transactions_frame(raw, source, customer_col=args.customer_col, date_col=args.date_col,
                                              amount_col=args.amount_col, margin_col=args.margin_col,
                                              date_format=args.date_format, **numbers)
    _report_skipped(transactions, source)
    _check_as_of(transactions, as_of)
    customers = complaints = None
    customers_file = args.customers or (args.tx_file if "customers" in book_tables else None)
    complaints_file = args.complaints or (args.tx_file if "complaints" in book_tables else None)
    if "Customers" in recorded and not args.customers:
        customers_file = args.tx_file
    if customers_file:
        raw, source = (recorded.get("Customers") if customers_file == args.tx_file else None) or readers.read_table(
            customers_file, sheet=args.customers_sheet, sep=args.sep, default_names=("Customers",), limits=limits)
        customers = readers.customers_frame(raw, source, customer_col=_if_present(raw, args.customer_col), **numbers)
        _report_skipped(customers, source)
        _warn_unmatched(transactions, customers, source)
    if "Complaints" in recorded and not args.complaints:
        complaints_file = args.tx_file
    if complaints_file:
        raw, source = (recorded.get("Complaints") if complaints_file == args.tx_file else None) or \
            readers.read_table(complaints_file, sheet=args.complaints_sheet, sep=args.sep,
                               default_names=("Complaints",), limits=limits)
        complaints = readers.complaints_frame(raw, source, customer_col=_if_present(raw, args.customer_col),
                                              date_col=_if_present(raw, args.date_col),
                                              date_format=args.date_format, skip_bad_rows=args.skip_bad_rows)
        _report_skipped(complaints, source)

    from kam_xl.core.analysis import analyze  # imported late: reading errors need no analysis

    result = analyze(transactions, customers=customers, complaints=complaints, settings=settings, as_of=as_of)
    if args.out:
        _write_atomic(Path(args.out), lambda path: WRITERS[fmt](result, path))
    else:
        _write_stdout(result, fmt)
    return 0


def _warn(message: str) -> None:
    print(f"kam-xl analyze: warning: {message}", file=sys.stderr)


def _report_skipped(frame: pd.DataFrame, source: str) -> None:
    count = frame.attrs.get("skipped_rows", 0)
    if count:
        places = "; ".join(frame.attrs["skipped_places"][:3]) + ("; …" if count > 3 else "")
        _warn(f"{source}: left out {count} bad row{'s' if count > 1 else ''} (--skip-bad-rows): {places}")


def _check_as_of(transactions: pd.DataFrame, as_of: pd.Timestamp | None) -> None:
    first = transactions["date"].min()
    if as_of is not None and as_of < first:
        raise InputError(f"no transaction is on or before {as_of:%Y-%m-%d} (the first is on {first:%Y-%m-%d}) — "
                         "choose a later day.", source="--as-of")


def _warn_unmatched(transactions: pd.DataFrame, customers: pd.DataFrame, source: str) -> None:
    """Customer ids in only one of the two tables: counted on standard error with a few examples."""
    sold = pd.Index(transactions["customer_id"].unique())
    listed = pd.Index(customers["customer_id"])
    for ids, what in ((listed.difference(sold, sort=False), f"in {source} {{has}} no transaction"),
                      (sold.difference(listed, sort=False), f"with transactions {{is}} missing from {source}")):
        if len(ids):
            many = len(ids) > 1
            shown = ", ".join(f'"{i}"' for i in ids[:3]) + (", …" if len(ids) > 3 else "")
            what = what.format(has="have" if many else "has", **{"is": "are" if many else "is"})
            _warn(f"{len(ids)} customer id{'s' if many else ''} {what} ({shown}) — check the ids (leading zeros, "
                  "spaces, another id scheme).")


def _book_settings(path: str, book_tables: set[str], limits: Limits) -> dict:
    """The Settings table of a KeyAccounts workbook (name -> value), so the analysis of the workbook file
    follows the workbook's own settings; options given on the command line go on top."""
    if "settings" not in book_tables:
        return {}
    raw, _ = readers.read_table(path, sheet="Settings", limits=limits)
    if raw.shape[1] < 2:
        return {}
    known = set(field_names())  # another workbook's "Settings" table may hold other things: only ours count
    return {n.strip(): (None if v is None or v == "" or (isinstance(v, float) and math.isnan(v)) else v)
            for n, v in zip(raw.iloc[:, 0], raw.iloc[:, 1]) if isinstance(n, str) and n.strip() in known}


def _recorded_inputs(path: str, book_tables: set[str]) -> dict[str, tuple[pd.DataFrame, str]]:
    """The inputs a workbook records as living in the user's own table or plain range (an installed
    workbook, see kam_xl.template.sources), read there: name -> (cells under our headers, how messages name
    it). Empty for other files and for a workbook that reads its own tables."""
    if "settings" not in book_tables:
        return {}
    from kam_xl.book import FileBook
    from kam_xl.sheets.inputs import read_input

    book = FileBook(path, recalc=False)
    try:
        sources = book.read_sources()
    except InputError:
        return {}
    found = {}
    for name in ("Transactions", "Customers", "Complaints"):
        if sources[name].kind != "ours":
            raw = read_input(book, name, sources)
            found[name] = (raw, f"{Path(path).name}, {name} ({raw.attrs['where']})")
    return found


def _if_present(raw: pd.DataFrame, name: str | None) -> str | None:
    """A column option applies to every file that has that column; others find theirs by the usual names."""
    return name if name is not None and readers.has_column(raw, name) else None


def _as_of(text: str | None) -> pd.Timestamp | None:
    if text is None:
        return None
    try:
        return pd.Timestamp(datetime.strptime(text.strip(), "%Y-%m-%d"))
    except ValueError:
        raise InputError(f"expected a date YYYY-MM-DD, found \"{text}\" — e.g. --as-of 2024-12-31.",
                         source="--as-of") from None


def _output_format(fmt: str | None, out: str | None) -> str:
    if fmt is None:
        suffix = Path(out).suffix.lower().lstrip(".") if out else ""
        fmt = suffix if suffix in FORMATS else "csv"
    if fmt == "xlsx" and not out:
        raise InputError("xlsx output needs a file — add --out result.xlsx.", source="--format")
    if out:
        folder = Path(out).resolve().parent
        if not folder.is_dir():
            raise InputError(f"the folder {folder} does not exist — create it or choose another path.", source=out)
        if Path(out).is_dir():
            raise InputError("is a folder — name a file, e.g. result.csv.", source=out)
    return fmt


# --------------------------------------------------------------------------------------------------
# Writing


MONEY = ("revenue", "profit", "revenue_12m", "revenue_prev_12m", "avg_order_value", "clv_12m")  # to cents
RATIOS = ("share", "cum_share_before", "cv", "interval_days", "p_alive", "trend",
          "expected_purchases_90d")  # to 6 significant digits
_XLSX_FORMATS = {**dict.fromkeys(MONEY, "#,##0.00"), "share": "0.00%", "cum_share_before": "0.00%",
                 "p_alive": "0.0%", "cv": "0.000", "interval_days": "0.0", "trend": "0.0%",
                 "expected_purchases_90d": "0.00"}
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run such text as a formula


def _rounded(frame: pd.DataFrame) -> pd.DataFrame:
    """Money to cents, shares and ratios to 6 significant digits: no float noise in text output."""
    frame = frame.copy()
    for name in MONEY:
        if name in frame:
            frame[name] = frame[name].astype(float).round(2)
    for name in RATIOS:
        if name in frame:
            frame[name] = _significant(frame[name].to_numpy(dtype=float), 6)
    return frame


def _significant(x: np.ndarray, digits: int) -> np.ndarray:
    """``x`` rounded to ``digits`` significant digits (divided by a power of ten, so it prints short)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        places = digits - 1 - np.floor(np.log10(np.abs(x)))
    places = np.where(np.isfinite(places), places, 0)
    up, down = 10.0 ** np.maximum(places, 0), 10.0 ** np.maximum(-places, 0)
    return np.where(places >= 0, np.round(x * up) / up, np.round(x / down) * down)


def _text_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Lists (such as several customer types) joined to one text cell."""
    frame = frame.copy()
    for name in frame.columns:
        column = frame[name]
        if column.dtype == object and column.map(lambda v: isinstance(v, (list, tuple))).any():
            frame[name] = column.map(lambda v: ", ".join(map(str, v)) if isinstance(v, (list, tuple)) else v)
    return frame


def _neutralised(frame: pd.DataFrame) -> pd.DataFrame:
    """Text that a spreadsheet would take for a formula (``=…``, ``+…``, ``-…``, ``@…``) gets a leading
    apostrophe, so a CSV opened in Excel shows it as text, as the xlsx output writes it."""
    frame = frame.copy()
    for name in frame.columns:
        column = frame[name]
        if column.dtype == object or pd.api.types.is_string_dtype(column.dtype):
            text = column.astype("string")
            risky = text.str.startswith(_FORMULA_STARTS).fillna(False).to_numpy(bool)
            if risky.any():
                column = column.astype(object)
                column[risky] = "'" + text[risky].astype(str)
                frame[name] = column
    return frame


def _write_csv(result: pd.DataFrame, stream) -> None:
    _neutralised(_text_cells(_rounded(result))).to_csv(stream, index=False, lineterminator="\n",
                                                      date_format="%Y-%m-%d")


def _write_json(result: pd.DataFrame, stream) -> None:
    records = [{key: _json_value(value) for key, value in row.items()}
               for row in _rounded(result).to_dict(orient="records")]
    json.dump(records, stream, ensure_ascii=False, indent=1)
    stream.write("\n")


def _json_value(value):
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_json_value(v) for v in value]
    if value is None or value is pd.NaT or (isinstance(value, float) and not math.isfinite(value)):
        return None
    if isinstance(value, (pd.Timestamp, datetime, date)):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, np.generic):
        return _json_value(value.item())
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def _write_xlsx(result: pd.DataFrame, path: str) -> None:
    """One sheet "Analysis"; text always as text (an id like "=1+1" or "00042" stays as written); money,
    shares and dates with number formats, values at full precision."""
    import xlsxwriter

    frame = _text_cells(result)
    book = xlsxwriter.Workbook(path, {"strings_to_formulas": False, "strings_to_numbers": False,
                                      "strings_to_urls": False})
    sheet = book.add_worksheet("Analysis")
    dated = book.add_format({"num_format": "yyyy-mm-dd"})
    bold = book.add_format({"bold": True})
    for c, name in enumerate(frame.columns):
        sheet.write_string(0, c, str(name), bold)
        column = frame[name]
        is_date = pd.api.types.is_datetime64_any_dtype(column.dtype)
        shown = book.add_format({"num_format": _XLSX_FORMATS[name]}) if name in _XLSX_FORMATS else None
        for r, value in enumerate(column.tolist(), start=1):
            if value is None or value is pd.NaT or (isinstance(value, float) and not math.isfinite(value)):
                continue
            if is_date or isinstance(value, (datetime, date)):
                sheet.write_datetime(r, c, pd.Timestamp(value).to_pydatetime(), dated)
            elif isinstance(value, (bool, np.bool_)):
                sheet.write_boolean(r, c, bool(value))
            elif isinstance(value, (int, float, np.integer, np.floating)):
                sheet.write_number(r, c, float(value), shown)
            else:
                sheet.write_string(r, c, str(value))
        sheet.set_column(c, c, max(10, min(40, len(str(name)) + 2)))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, len(frame), max(len(frame.columns) - 1, 0))
    book.close()


def _write_text(writer):
    def write(result: pd.DataFrame, path: str) -> None:
        with open(path, "w", encoding="utf-8", newline="") as stream:
            writer(result, stream)
    return write


WRITERS = {"csv": _write_text(_write_csv), "json": _write_text(_write_json), "xlsx": _write_xlsx}


def _write_stdout(result: pd.DataFrame, fmt: str) -> None:
    try:
        (_write_csv if fmt == "csv" else _write_json)(result, sys.stdout)
        sys.stdout.flush()
    except BrokenPipeError:  # `kam-xl analyze ... | head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _write_atomic(path: Path, write) -> None:
    """Write to a temporary file next to ``path``, then rename it over ``path``: never a half-written file."""
    try:
        atomic.replace_file(path, write)
    except PermissionError:
        raise InputError("cannot be written (permission denied) — close it in Excel or choose another path.",
                         source=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot be written ({exc.strerror or exc}) — check the disk and the path.",
                         source=str(path)) from None
