"""The seven input sheets: one Excel table each, named like its sheet, with drop-downs and formats.

The headers are the workbook's contract with the cell functions: a header normalised (lower case, spaces to
"_") is the canonical column name of :mod:`kam_xl.core.schema` and of the demo data, so "Customer ID" is
``customer_id``. Without data a table has one empty, formatted row; with data it holds the rows of the
matching DataFrame (columns by canonical name; extra columns are left out, missing ones stay empty).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from xlsxwriter.workbook import Workbook

from kam_xl.template.sheets import (BOOLEAN_FORMAT, DATE_FORMAT, INPUT_TAB, PORTRAIT_WIDTH, SHEETS, TABLE_STYLE,
                                    Formats, cell_values, page_setup, write_value)

YES_NO = ["yes", "no"]
TENDER_RESULTS = ["won", "lost"]
SEVERITIES = ["low", "medium", "high"]
COMPLAINT_CATEGORIES = ["Delivery", "Quality", "Invoice", "Service", "Packaging", "Other"]
ROLES = ["Decider", "Buyer", "User", "Influencer", "Gatekeeper", "Initiator"]
ATTITUDES = ["champion", "supporter", "neutral", "critic"]

#: Column kind -> cell format properties.
KIND_FORMATS = {
    "text": {}, "id": {}, "choice": {},
    "date": {"num_format": DATE_FORMAT, "align": "left"},
    "money": {"num_format": "#,##0.00"}, "money0": {"num_format": "#,##0"}, "integer": {"num_format": "#,##0"},
    "year": {"num_format": "0", "align": "center"}, "percent": {"num_format": "0%"},
    "flag": {"align": "center"}, "formula": {"align": "center", "num_format": BOOLEAN_FORMAT},
}
FIRST_DAY = dt.date(1990, 1, 1)  # dates before this are typing errors

#: Drop-down source of every Customer ID column outside the Customers table (Excel takes no structured
#: reference there, INDIRECT of its text it does).
CUSTOMER_ID_LIST = '=INDIRECT("Customers[Customer ID]")'


@dataclass(frozen=True)
class Column:
    """One table column: header, kind of value (picks the format), width, drop-down, help."""

    header: str
    kind: str = "text"  # text, id, date, money, money0, integer, year, percent, flag, choice, formula
    width: float = 14
    choices: list[str] | None = None
    strict: bool = True  # drop-down rejects other values (else it only warns)
    formula: str | None = None
    help: str = ""

    @property
    def canonical(self) -> str:
        return "_".join(self.header.lower().split())


@dataclass(frozen=True)
class Table:
    """An input table: named like its sheet."""

    name: str
    columns: list[Column]

    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


def _customer_ref() -> Column:
    return Column("Customer ID", "id", 13, strict=False,
                  help="A Customer ID from the Customers table.")


def _flag(header: str, width: float = 13, help: str = "") -> Column:
    return Column(header, "flag", width, YES_NO, help=help or "yes or no")


TABLES: list[Table] = [
    Table("Customers", [
        Column("Customer ID", "id", 13, help="Unique id of the customer, as in the ERP."),
        Column("Name", "text", 38),
        Column("Industry", "text", 22),
        Column("Region", "text", 20),
        Column("Employees", "integer", 11),
        Column("Founded", "year", 9),
        Column("Description", "text", 72),
        Column("Owner", "text", 17),
        _flag("Known brand", help="yes if the customer is a well-known name in its industry or region "
                                  "(image maker)."),
        _flag("High demands", help="yes if the customer has high demands on quality and service (expert)."),
        Column("Budget", "money0", 12, help="The customer's budget for our products, per year."),
        _flag("Key account override", 15, help="yes or no to decide by hand; empty = the rules decide."),
    ]),
    Table("Transactions", [
        Column("Date", "date", 11),
        _customer_ref(),
        Column("Document no", "text", 18),
        Column("Amount", "money", 13, help="Net amount; credit notes negative."),
        Column("Margin", "money", 13, help="Contribution margin of the line (optional)."),
    ]),
    Table("Complaints", [
        Column("Date", "date", 11),
        _customer_ref(),
        Column("Category", "choice", 13, COMPLAINT_CATEGORIES, strict=False),
        Column("Severity", "choice", 10, SEVERITIES),
        Column("Description", "text", 44),
    ]),
    Table("Tenders", [
        Column("Date", "date", 11),
        _customer_ref(),
        Column("Subject", "text", 38),
        Column("Result", "choice", 9, TENDER_RESULTS),
        Column("Reason", "text", 26, help="Why it was won or lost: price, quality, delivery time ..."),
        Column("Value", "money0", 12),
    ]),
    Table("Contacts", [
        _customer_ref(),
        Column("Person", "text", 22),
        Column("Position", "text", 24),
        Column("Role", "choice", 12, ROLES, help="Role in the buying centre."),
        Column("Attitude", "choice", 11, ATTITUDES, help="Attitude towards us."),
        Column("Last contact", "date", 12),
        Column("Email", "text", 32),
        Column("Phone", "text", 17),
    ]),
    Table("Competitors", [
        _customer_ref(),
        Column("Competitor", "text", 24),
        Column("Share of wallet", "percent", 10, help="The competitor's share of the customer's spend, 0-100 %."),
        Column("Notes", "text", 42),
    ]),
    Table("Prospects", [
        Column("Prospect ID", "id", 12),
        Column("Name", "text", 34),
        Column("Industry", "text", 22),
        _flag("Need", 9, "yes if the prospect needs what we offer."),
        _flag("Ability to pay", 10, "yes if the prospect can pay for it."),
        _flag("Authority", 11, "yes if our contact has the authority to decide."),
        Column("Budget", "money0", 12),
        Column("Notes", "text", 34),
        Column("Potential key customer", "formula", 12,
               formula="=THREE_P(Prospects[@[Need]],Prospects[@[Ability to pay]],Prospects[@[Authority]])",
               help="TRUE when all three P are yes."),
    ]),
]


def write_input_sheets(workbook: Workbook, formats: Formats, data: dict[str, pd.DataFrame] | None,
                       snapshot: bool = False, *, only: tuple[str, ...] | None = None,
                       customer_list: str = CUSTOMER_ID_LIST) -> None:
    """Add the seven input sheets (or those named in ``only``), in order, each holding its table (empty without
    data). ``customer_list`` is the drop-down source of the Customer ID columns outside Customers.

    ``snapshot`` writes the results of formula columns as plain values (see workbook.workbook_bytes).
    """
    kinds = cell_formats(workbook)
    for table in TABLES:
        if only is not None and table.name not in only:
            continue
        frame = None if data is None else data.get(table.name.lower())
        write_table_sheet(workbook, formats, kinds, table, frame, snapshot, customer_list)


def cell_formats(workbook: Workbook) -> dict:
    """Format of each kind of column: its number format, and a light grid that LibreOffice shows too
    (it ignores table styles)."""
    grid = {"font_name": "Calibri", "font_size": 11, "valign": "top", "border": 1, "border_color": "#D9D9D9"}
    return {kind: workbook.add_format(grid | props) for kind, props in KIND_FORMATS.items()}


def write_table_sheet(workbook: Workbook, formats: Formats, kinds: dict, table: Table, frame: pd.DataFrame | None,
                      snapshot: bool = False, customer_list: str = CUSTOMER_ID_LIST) -> None:
    sheet = workbook.add_worksheet(table.name)
    sheet.set_vba_name(SHEETS[table.name])
    sheet.set_tab_color(INPUT_TAB)
    rows = 0 if frame is None else len(frame)
    last_row = max(rows, 1)  # a table needs at least one data row
    cell_formats = [kinds[c.kind] for c in table.columns]

    options = {
        "name": table.name,
        "style": TABLE_STYLE,
        "columns": [_table_column(c, f, formats, snapshot) for c, f in zip(table.columns, cell_formats)],
    }
    sheet.add_table(0, 0, last_row, len(table.columns) - 1, options)

    for col, (column, fmt) in enumerate(zip(table.columns, cell_formats)):
        sheet.set_column(col, col, column.width)
        if column.kind == "formula":
            _write_formula_column(sheet, col, column, fmt, frame, rows, snapshot)
        elif rows == 0:
            sheet.write_blank(1, col, None, fmt)  # the template's one empty row, formatted
        elif column.canonical in frame.columns:
            values = cell_values(frame[column.canonical])
            if column.kind == "flag":
                values = [_yes_no(v) for v in values]
            for offset, value in enumerate(values):
                write_value(sheet, 1 + offset, col, value, fmt)
        _validate(sheet, col, column, last_row, customer_list)

    sheet.set_row(0, 30)
    sheet.freeze_panes(1, 0)
    page_setup(sheet, landscape=sum(c.width for c in table.columns) > PORTRAIT_WIDTH, repeat_rows=(0, 0))


def _table_column(column: Column, fmt, formats: Formats, snapshot: bool) -> dict:
    spec = {"header": column.header, "header_format": formats.header}
    if fmt is not None:
        spec["format"] = fmt
    if column.formula and not snapshot:
        spec["formula"] = column.formula
    return spec


def _write_formula_column(sheet, col: int, column: Column, fmt, frame: pd.DataFrame | None, rows: int,
                          snapshot: bool) -> None:
    """Rewrite the table's formula cells with their cached results (add_table writes them as 0)."""
    from kam_xl import udfs

    formula = _this_row(column.formula)
    if frame is None or rows == 0:
        if snapshot:
            sheet.write_blank(1, col, None, fmt)
            return
        sheet.write_formula(1, col, formula, fmt, "")
        return
    arguments = _formula_arguments(column.formula)
    columns = [[_yes_no(v) for v in cell_values(frame[a])] if a in frame.columns else [None] * rows
               for a in arguments]
    function = getattr(udfs, column.formula[1:column.formula.index("(")])
    for offset, args in enumerate(zip(*columns)):
        if snapshot:
            write_value(sheet, 1 + offset, col, function(*args), fmt)
        else:
            sheet.write_formula(1 + offset, col, formula, fmt, function(*args))


def _this_row(formula: str) -> str:
    """The formula as stored in the file: "[@[Need]]" -> "[[#This Row],[Need]]"."""
    return formula.replace("[@[", "[[#This Row],[")


def _formula_arguments(formula: str) -> list[str]:
    """Canonical column names a "[@[Header]]" formula reads, in order."""
    parts = formula.split("[@[")[1:]
    return ["_".join(p[:p.index("]]")].lower().split()) for p in parts]


def _yes_no(value):
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def _validate(sheet, col: int, column: Column, last_row: int, customer_list: str) -> None:
    options = None
    if column.choices:
        options = {"validate": "list", "source": column.choices}
    elif column.header == "Customer ID" and sheet.name != "Customers":
        options = {"validate": "list", "source": customer_list}
    elif column.kind == "date":
        options = {"validate": "date", "criteria": ">=", "value": FIRST_DAY}
    elif column.kind in ("money", "money0"):
        options = {"validate": "decimal", "criteria": "between", "minimum": -1e12, "maximum": 1e12}
    elif column.kind in ("integer", "year"):
        options = {"validate": "integer", "criteria": ">=", "value": 0}
    elif column.kind == "percent":
        options = {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 1}
    if options is None:
        if column.help:
            sheet.data_validation(1, col, last_row, col, {"validate": "any", "input_message": column.help[:255]})
        return
    options["error_type"] = "stop" if column.strict else "warning"
    if column.help:
        options["input_message"] = column.help[:255]
    options["error_title"] = column.header[:32]
    options["error_message"] = _error_message(column, options)[:255]
    sheet.data_validation(1, col, last_row, col, options)


def _error_message(column: Column, options: dict) -> str:
    if column.choices:
        return f"{column.header}: choose one of {', '.join(column.choices)}."
    if column.header == "Customer ID" and not column.choices:
        return "This Customer ID is not in the Customers table. Add the customer there first, or keep it anyway."
    return {
        "date": f"{column.header}: enter a date, e.g. 2026-03-31.",
        "money": f"{column.header}: enter an amount.",
        "money0": f"{column.header}: enter an amount.",
        "integer": f"{column.header}: enter a whole number.",
        "year": f"{column.header}: enter a year, e.g. 1987.",
        "percent": f"{column.header}: enter a share from 0 % to 100 %.",
    }[column.kind]

