"""The Analysis sheet: A1 holds one dynamic-array formula that spills the whole analysis table.

    =CUSTOMER_ANALYSIS(Customers[#All],Transactions[#All],Complaints[#All],kam_settings,kam_as_of)

(the inputs' blocks as :mod:`kam_xl.template.sources` gives them, when they live elsewhere).

The spill has a header row (the names of ``schema.ANALYSIS_COLUMNS``) and one row per customer. With an
analysis DataFrame the builder stores the results as Excel does for a spill: the anchor carries the first
value and the spill range in ``ref``, every other cell a plain value. Column formats and conditional formats
cover rows 2..ANALYSIS_LAST_ROW, so they fit any spill up to MAX_CUSTOMERS rows.
"""

from __future__ import annotations

import pandas as pd
from xlsxwriter.workbook import Workbook

from kam_xl.core import schema
from kam_xl.template.sources import Sources
from kam_xl.template.sheets import (AMBER, GREEN, GREY, OUTPUT_TAB, RED, SHEETS, Formats, cell_values,
                                    column_letter, page_setup, write_value)

SHEET = "Analysis"
MAX_CUSTOMERS = 200_000
ANALYSIS_LAST_ROW = MAX_CUSTOMERS + 1  # 1-based last row the formats and the Matrix formulas cover


def analysis_formula(sources: Sources = Sources()) -> str:
    """The Analysis formula, reading the inputs where ``sources`` say they live (the module docstring's for ours)."""
    blocks = ",".join(sources[t].block() for t in ("Customers", "Transactions", "Complaints"))
    return f"=CUSTOMER_ANALYSIS({blocks},kam_settings,kam_as_of)"

#: Column -> (format name in Formats, width). Columns not listed are text, 12 wide.
LAYOUT = {
    "customer_id": ("text", 12), "revenue": ("money0", 12), "profit": ("money0", 12),
    "share": ("percent1", 8), "cum_share_before": ("percent1", 10), "abc": ("centre", 6),
    "periods": ("integer", 8), "cv": ("decimal", 7), "xyz": ("centre", 6), "abc_xyz": ("centre", 8),
    "types": ("text", 26), "primary_type": ("text", 13), "key_account": ("boolean", 9),
    "first_purchase": ("date", 11), "last_purchase": ("date", 11), "purchase_days": ("integer", 9),
    "interval_days": ("decimal1", 9), "silence_days": ("integer", 8), "complaints_90d": ("integer", 11),
    "complaints_prev_90d": ("integer", 11), "churn": ("centre", 8), "p_alive": ("decimal", 8),
    "abc_12m": ("centre", 8), "abc_prev": ("centre", 8), "migration": ("centre", 9), "revenue_12m": ("money0", 12),
    "revenue_prev_12m": ("money0", 12), "trend": ("percent1", 8), "expected_purchases_90d": ("decimal1", 10),
    "avg_order_value": ("money0", 11), "clv_12m": ("money0", 12), "warning": ("text", 60),
}

#: Class colours: column -> value -> (fill, font).
CLASS_COLOURS = {
    "abc": {"A": GREEN, "B": AMBER, "C": GREY},
    "xyz": {"X": GREEN, "Y": AMBER, "Z": GREY},
    "churn": {schema.LOST: RED, schema.AT_RISK: AMBER},
    "abc_12m": {"A": GREEN, "B": AMBER, "C": GREY},
}


def column_range(column: str) -> str:
    """Bounded absolute reference to one column of the spill below its header, e.g. Analysis!$F$2:$F$200001."""
    letter = column_letter(schema.ANALYSIS_COLUMNS.index(column))
    return f"{SHEET}!${letter}$2:${letter}${ANALYSIS_LAST_ROW}"


def column_rows(column: str) -> str:
    """Reference to the filled rows of one column of the spill (at least one), e.g.
    Analysis!$B$2:INDEX(Analysis!$B$2:$B$200001,MAX(1,COUNTA(Analysis!$A$2:$A$200001))): what a cell function is
    handed (every analysis row has an id). Given the whole :func:`column_range`, a function is handed 200,000
    cells, nearly all blank, whatever the customers, and Excel and the headless engine spend most of the call
    on them. The count is written out, not a defined name: formualizer 0.13 answers #REF! for a name inside
    such a reference (docs/engine-gaps.md)."""
    whole = column_range(column)
    return f"{whole.split(':')[0]}:INDEX({whole},MAX(1,COUNTA({column_range(schema.ANALYSIS_COLUMNS[0])})))"


def write_analysis_sheet(workbook: Workbook, formats: Formats, analysis: pd.DataFrame | None,
                         snapshot: bool = False, sources: Sources = Sources()) -> None:
    """The Analysis sheet; ``snapshot`` writes the analysis as plain values instead of the formula."""
    formula = analysis_formula(sources)
    sheet = workbook.add_worksheet(SHEET)
    sheet.set_vba_name(SHEETS[SHEET])
    sheet.set_tab_color(OUTPUT_TAB)
    columns = list(schema.ANALYSIS_COLUMNS)
    cell_formats = []
    for col, name in enumerate(columns):
        fmt_name, width = LAYOUT.get(name, ("text", 12))
        fmt = getattr(formats, fmt_name)
        cell_formats.append(fmt)
        sheet.set_column(col, col, max(width, 1.1 * len(name) + 1.5), fmt)  # room for the bold header
    sheet.set_row(0, 30, formats.header)

    if analysis is None:
        sheet.write_dynamic_array_formula(0, 0, 0, 0, formula, formats.header, "")
    else:
        missing = [c for c in columns if c not in analysis.columns]
        if missing:
            raise ValueError(f"analysis table lacks columns {missing}; build it with kam_xl.core.analysis.analyze")
        rows = len(analysis)
        if snapshot:
            sheet.write_string(0, 0, columns[0], formats.header)
        else:
            sheet.write_dynamic_array_formula(0, 0, rows, len(columns) - 1, formula, formats.header, columns[0])
        for col, name in enumerate(columns[1:], start=1):
            sheet.write_string(0, col, name, formats.header)
        for col, (name, fmt) in enumerate(zip(columns, cell_formats)):
            for offset, value in enumerate(cell_values(analysis[name])):
                write_value(sheet, 1 + offset, col, value, fmt)

    _conditional_formats(workbook, sheet, columns)
    sheet.freeze_panes(1, 1)
    page_setup(sheet, repeat_rows=(0, 0))


def _conditional_formats(workbook: Workbook, sheet, columns: list[str]) -> None:
    last = ANALYSIS_LAST_ROW - 1
    for name, colours in CLASS_COLOURS.items():
        col = columns.index(name)
        for value, (fill, font) in colours.items():
            sheet.conditional_format(1, col, last, col, {
                "type": "cell", "criteria": "==", "value": f'"{value}"',
                "format": workbook.add_format({"bg_color": fill, "font_color": font}),
            })
    key = column_letter(columns.index("key_account"))
    sheet.conditional_format(1, 0, last, len(columns) - 1, {
        "type": "formula", "criteria": f"=${key}2=TRUE",
        "format": workbook.add_format({"bold": True}),
    })
