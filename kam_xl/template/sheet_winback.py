"""The Win-back sheet: a title, a note and the Excel table ``Winback`` that Refresh and the Win-back button
write (:mod:`kam_xl.sheets.winback`). Generated columns are white (a refresh rewrites them); the user columns
(responsible, status drop-down, action taken, next step, notes) are yellow like every input the workbook asks for. Prints landscape, one page wide, the header row repeated.
"""

from __future__ import annotations

import pandas as pd
from xlsxwriter.workbook import Workbook

from kam_xl.sheets import winback as wb
from kam_xl.template.labels import caption, label_formula
from kam_xl.template.sheets import (DATE_FORMAT, OUTPUT_TAB, RED, SHEETS, TABLE_STYLE, Formats, cell_values,
                                    page_setup, write_value)

SHEET = "Win-back"
TABLE_ROW = 3  # 0-based row of the table's header

#: Column -> (number format or None, width). No wrapping: a refresh writes rows of one line height.
LAYOUT = {
    wb.CUSTOMER: (None, 11), wb.NAME: (None, 30), wb.OWNER: (None, 15), wb.FLAG: (None, 7),
    wb.CRITERION: (None, 34), wb.SILENCE: ("#,##0", 8), wb.INTERVAL: ("0.0", 9), wb.AT_STAKE: ("#,##0", 12),
    wb.COMPLAINTS: ("0", 11), wb.COMPLAINT_TREND: (None, 10), wb.MAIN_CATEGORY: (None, 11),
    wb.MEANS: (None, 24), wb.WHY: (None, 52), wb.LISTED: (DATE_FORMAT, 11), wb.DUE: (DATE_FORMAT, 11),
    wb.RECOVERED: (DATE_FORMAT, 11), wb.RESPONSIBLE: (None, 14), wb.STATUS: (None, 11),
    wb.ACTION: (None, 24), wb.NEXT_STEP: (None, 22), wb.NOTES: (None, 28),
}
USER_FILL = "#FFF2CC"
GREEN_FILL = ("#C6EFCE", "#006100")


def write_winback_sheet(workbook: Workbook, formats: Formats, table: pd.DataFrame | None, language: str) -> None:
    """The sheet with its table: empty (one formatted row) without ``table``, else its rows."""
    sheet = workbook.add_worksheet(SHEET)
    sheet.set_vba_name(SHEETS[SHEET])
    sheet.set_tab_color(OUTPUT_TAB)
    rows = 0 if table is None else len(table)
    last = TABLE_ROW + max(rows, 1)
    grid = {"font_name": "Calibri", "font_size": 10, "valign": "top", "border": 1, "border_color": "#D9D9D9"}
    cell_formats = []
    for column in wb.COLUMNS:
        number = LAYOUT[column][0]
        props = grid | ({"num_format": number} if number else {})
        if number == DATE_FORMAT:
            props["align"] = "left"
        if column in wb.USER_COLUMNS:
            props["bg_color"] = USER_FILL
        cell_formats.append(workbook.add_format(props))

    sheet.write_formula(0, 0, label_formula("winback.title"), formats.title, caption("winback.title", language))
    sheet.write_formula(1, 0, label_formula("winback.note"), formats.subtitle, caption("winback.note", language))
    sheet.set_row(0, 30)
    sheet.add_table(TABLE_ROW, 0, last, len(wb.COLUMNS) - 1, {
        "name": wb.TABLE, "style": TABLE_STYLE,
        "columns": [{"header": c, "header_format": formats.header, "format": f}
                    for c, f in zip(wb.COLUMNS, cell_formats)],
    })
    for col, (column, fmt) in enumerate(zip(wb.COLUMNS, cell_formats)):
        sheet.set_column(col, col, LAYOUT[column][1])
        values = cell_values(table[column]) if rows else [None]
        for offset, value in enumerate(values):
            write_value(sheet, TABLE_ROW + 1 + offset, col, value, fmt)

    status = wb.COLUMNS.index(wb.STATUS)
    sheet.data_validation(TABLE_ROW + 1, status, last, status, {
        "validate": "list", "source": wb.STATUSES, "error_type": "stop",
        "input_message": "Where the win-back stands.", "error_title": wb.STATUS,
        "error_message": f"{wb.STATUS}: choose one of {', '.join(wb.STATUSES)}."})
    flag = wb.COLUMNS.index(wb.FLAG)
    sheet.conditional_format(TABLE_ROW + 1, flag, last, flag, {
        "type": "cell", "criteria": "==", "value": '"lost"',
        "format": workbook.add_format({"bg_color": RED[0], "font_color": RED[1]})})
    recovered = wb.COLUMNS.index(wb.RECOVERED)
    sheet.conditional_format(TABLE_ROW + 1, recovered, last, recovered, {
        "type": "no_blanks", "format": workbook.add_format({"bg_color": GREEN_FILL[0], "font_color": GREEN_FILL[1]})})
    sheet.set_row(TABLE_ROW, 30)
    sheet.freeze_panes(TABLE_ROW + 1, 2)
    page_setup(sheet, landscape=True, repeat_rows=(TABLE_ROW, TABLE_ROW))
