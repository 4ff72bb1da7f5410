"""The Data check sheet: a title, a note and the table ``DataCheck`` that the Check data and Import buttons
write (one row per problem: :data:`kam_xl.sheets.datacheck.COLUMNS`); errors red, warnings amber."""

from __future__ import annotations

import pandas as pd
from xlsxwriter.workbook import Workbook

from kam_xl.sheets.datacheck import COLUMNS, ERROR, WARNING
from kam_xl.template.labels import caption, label_formula
from kam_xl.template.sheets import AMBER, OUTPUT_TAB, RED, SHEETS, TABLE_STYLE, Formats, page_setup, write_value

SHEET = "Data check"
TABLE = "DataCheck"
TABLE_ROW = 3  # 0-based header row: row 4
WIDTHS = {"Level": 9, "Table": 13, "Data row": 10, "Sheet row": 10, "Column": 15, "Value": 22, "Problem": 56,
          "Fix": 66}
#: Rows the level colours cover (the table writer extends them with the table).
FORMAT_ROWS = 1000


def write_datacheck_sheet(workbook: Workbook, formats: Formats, language: str,
                          found: pd.DataFrame | None = None) -> None:
    """The sheet with an empty table, or with ``found`` (a data check's result) in it."""
    sheet = workbook.add_worksheet(SHEET)
    sheet.set_vba_name(SHEETS[SHEET])
    sheet.set_tab_color(OUTPUT_TAB)
    sheet.write_formula(0, 0, label_formula("datacheck.title"), formats.title, caption("datacheck.title", language))
    sheet.write_formula(1, 0, label_formula("datacheck.note"), formats.subtitle,
                        caption("datacheck.note", language))
    sheet.set_row(0, 28)
    rows = 0 if found is None else len(found)
    last = TABLE_ROW + max(rows, 1)
    cell = {c: formats.year if c.endswith("row") else formats.text for c in COLUMNS}  # one line a problem
    sheet.add_table(TABLE_ROW, 0, last, len(COLUMNS) - 1, {
        "name": TABLE, "style": TABLE_STYLE,
        "columns": [{"header": c, "header_format": formats.header, "format": cell[c]} for c in COLUMNS]})
    for col, name in enumerate(COLUMNS):
        sheet.set_column(col, col, WIDTHS[name])
        if rows == 0:
            sheet.write_blank(TABLE_ROW + 1, col, None, cell[name])
        for offset, value in enumerate([] if found is None else found[name].tolist()):
            write_value(sheet, TABLE_ROW + 1 + offset, col, value, cell[name])
    for level, (fill, font) in ((ERROR, RED), (WARNING, AMBER)):
        sheet.conditional_format(TABLE_ROW + 1, 0, TABLE_ROW + max(rows, FORMAT_ROWS), len(COLUMNS) - 1, {
            "type": "formula", "criteria": f'=$A{TABLE_ROW + 2}="{level}"',
            "format": workbook.add_format({"bg_color": fill, "font_color": font})})
    sheet.freeze_panes(TABLE_ROW + 1, 0)
    page_setup(sheet, landscape=True, repeat_rows=(TABLE_ROW, TABLE_ROW))
