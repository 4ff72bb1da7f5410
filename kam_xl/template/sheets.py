"""What every sheet writer shares: the sheet list and code names, the formats, and typed cell writing.

The sheets themselves are written by one module each:

    sheet_about.py     About, xlwings.conf, Labels (hidden)
    sheet_inputs.py    the seven input tables: Customers .. Prospects
    sheet_settings.py  Settings: one named cell per Settings field, the as-of date
    sheet_analysis.py  Analysis: one spilled CUSTOMER_ANALYSIS formula
    sheet_matrix.py    Matrix: ABC x XYZ counts, revenue shares, strategies, key-account band, Pareto chart
    sheet_dossier.py   Dossier: one customer on one page, driven by a selector cell
    sheet_winback.py   Win-back: the Winback table the buttons write
    sheet_datacheck.py Data check: the table DataCheck the Check data and Import buttons write

Cells are always written with the writer of their type (`write_string`, `write_number` ...), never with
`Worksheet.write`, so a text like "=SUM(A1)" from the data stays text.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from kam_xl import a1

#: Sheet name -> VBA code name, in workbook order.
SHEETS: dict[str, str] = {
    "About": "shtAbout",
    "Customers": "shtCustomers",
    "Transactions": "shtTransactions",
    "Complaints": "shtComplaints",
    "Tenders": "shtTenders",
    "Contacts": "shtContacts",
    "Competitors": "shtCompetitors",
    "Prospects": "shtProspects",
    "Analysis": "shtAnalysis",
    "Matrix": "shtMatrix",
    "Dossier": "shtDossier",
    "Win-back": "shtWinback",
    "Data check": "shtDataCheck",
    "Settings": "shtSettings",
    "Labels": "shtLabels",
    "xlwings.conf": "shtXlwingsConf",
}

INPUT_TAB = "#4472C4"
OUTPUT_TAB = "#70AD47"
CONFIG_TAB = "#A5A5A5"

TABLE_STYLE = "Table Style Medium 2"
DATE_FORMAT = "yyyy-mm-dd"
# Excel shows TRUE/FALSE whatever the format; LibreOffice needs this format to not show 1/0.
BOOLEAN_FORMAT = '"TRUE";"TRUE";"FALSE"'
EXCEL_EPOCH = np.datetime64("1899-12-30", "D")

# Colours of the classes (fill, font), shared by the Analysis conditional formats and the Matrix.
GREEN = ("#C6EFCE", "#006100")
AMBER = ("#FFEB9C", "#9C5700")
RED = ("#FFC7CE", "#9C0006")
GREY = ("#EDEDED", "#404040")
HEADER_FILL = "#1F4E78"
TITLE_COLOUR = "#1F4E78"
#: Column width (in characters) that A4 portrait holds at 100 %; wider tables print landscape.
PORTRAIT_WIDTH = 100


@dataclass(frozen=True)
class Formats:
    """The cell formats of the workbook, made once per workbook."""

    title: object
    subtitle: object
    subtitle_wrap: object
    heading: object
    text: object
    wrap: object
    note: object
    note_nowrap: object
    header: object
    date: object
    money: object
    money0: object
    integer: object
    year: object
    percent: object
    percent1: object
    decimal: object
    decimal1: object
    decimal3: object
    boolean: object
    centre: object
    setting_value: object
    setting_value_date: object
    setting_value_bool: object
    code: object
    code_wrap: object

    @classmethod
    def of(cls, workbook: Workbook) -> Formats:
        base = {"font_name": "Calibri", "font_size": 11, "valign": "top"}

        def fmt(**props):
            return workbook.add_format(base | props)

        return cls(
            title=fmt(bold=True, font_size=18, font_color=TITLE_COLOUR, valign="vcenter"),
            subtitle=fmt(italic=True, font_color="#595959"),
            subtitle_wrap=fmt(italic=True, font_color="#595959", text_wrap=True),
            heading=fmt(bold=True, font_size=13, font_color=TITLE_COLOUR, bottom=1, bottom_color=TITLE_COLOUR),
            text=fmt(),
            wrap=fmt(text_wrap=True),
            note=fmt(font_color="#595959", text_wrap=True),
            note_nowrap=fmt(font_color="#595959"),
            header=fmt(bold=True, font_color="#FFFFFF", bg_color=HEADER_FILL, text_wrap=True, valign="vcenter",
                       border=1, border_color="#FFFFFF"),
            date=fmt(num_format=DATE_FORMAT, align="left"),
            money=fmt(num_format="#,##0.00"),
            money0=fmt(num_format="#,##0"),
            integer=fmt(num_format="#,##0"),
            year=fmt(num_format="0", align="center"),
            percent=fmt(num_format="0%"),
            percent1=fmt(num_format="0.0%"),
            decimal=fmt(num_format="0.00"),
            decimal1=fmt(num_format="0.0"),
            decimal3=fmt(num_format="0.000"),
            boolean=fmt(align="center", num_format=BOOLEAN_FORMAT),
            centre=fmt(align="center"),
            setting_value=fmt(bg_color="#FFF2CC", border=1, border_color="#BFBFBF", align="left"),
            setting_value_bool=fmt(bg_color="#FFF2CC", border=1, border_color="#BFBFBF", align="left",
                                   num_format=BOOLEAN_FORMAT),
            setting_value_date=fmt(bg_color="#FFF2CC", border=1, border_color="#BFBFBF", align="left",
                                   num_format=DATE_FORMAT),
            code=fmt(font_name="Consolas", font_size=10),
            code_wrap=fmt(font_name="Consolas", font_size=10, text_wrap=True),
        )


def write_value(sheet: Worksheet, row: int, col: int, value, fmt=None) -> None:
    """Write one Python value with the writer of its type; blanks (None, NaN, NaT, "") keep only the format."""
    if value is None or value is pd.NaT or value is pd.NA:
        _blank(sheet, row, col, fmt)
    elif isinstance(value, (bool, np.bool_)):
        sheet.write_boolean(row, col, bool(value), fmt)
    elif isinstance(value, (int, float, np.integer, np.floating)):
        if isinstance(value, (float, np.floating)) and not math.isfinite(value):
            _blank(sheet, row, col, fmt)
        else:
            sheet.write_number(row, col, value, fmt)
    elif isinstance(value, (dt.date, np.datetime64)):
        serial = excel_serial(value)
        if serial is None:
            _blank(sheet, row, col, fmt)
        else:
            sheet.write_number(row, col, serial, fmt)
    elif isinstance(value, str):
        if value == "":
            _blank(sheet, row, col, fmt)
        else:
            sheet.write_string(row, col, value, fmt)
    else:
        raise TypeError(f"cell {sheet.name}!{_cell(row, col)}: cannot write a {type(value).__name__} ({value!r})")


def write_column(sheet: Worksheet, first_row: int, col: int, values: pd.Series, fmt=None) -> None:
    """Write a column of values from ``first_row`` down; dates go in as serial numbers."""
    for offset, value in enumerate(cell_values(values)):
        write_value(sheet, first_row + offset, col, value, fmt)


def cell_values(values: pd.Series) -> list:
    """The values of a column as plain Python cell values: dates as Excel serials, missing as None."""
    series = pd.Series(values)
    if series.dtype.kind == "M":
        days = series.to_numpy("datetime64[D]")
        serial = (days - EXCEL_EPOCH).astype(np.int64).astype(float)
        return [None if np.isnat(d) else s for d, s in zip(days, serial.tolist())]
    return [None if _missing(v) else v for v in series.to_numpy(object).tolist()]


def excel_serial(value) -> float | None:
    """Excel's day number of a date (1900 date system)."""
    day = np.datetime64(pd.Timestamp(value), "D") if not isinstance(value, np.datetime64) else value
    if np.isnat(day):
        return None
    return float((day.astype("datetime64[D]") - EXCEL_EPOCH).astype(np.int64))


def column_letter(index: int) -> str:
    """Column letter of a 0-based column index (0 -> A)."""
    return a1.column_letters(index + 1)


def page_setup(sheet: Worksheet, *, landscape: bool = True, one_page: bool = False,
               repeat_rows: tuple[int, int] | None = None) -> None:
    """A4, fit to one page wide (and tall with ``one_page``), sheet name and page number in the footer.

    Fitting, not a fixed zoom, holds the page count whatever fonts the printing machine has: a wider or
    taller substitute font shrinks the page instead of spilling onto another. Long tables repeat
    ``repeat_rows`` (their header) on every page.
    """
    sheet.set_paper(9)
    if landscape:
        sheet.set_landscape()
    else:
        sheet.set_portrait()
    sheet.fit_to_pages(1, 1 if one_page else 0)
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    sheet.set_footer("&L&8&A&R&8&P / &N")
    if repeat_rows is not None:
        sheet.repeat_rows(*repeat_rows)


def _blank(sheet: Worksheet, row: int, col: int, fmt) -> None:
    if fmt is not None:
        sheet.write_blank(row, col, None, fmt)


def _missing(value) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


def _cell(row: int, col: int) -> str:
    return f"{column_letter(col)}{row + 1}"
