"""The Matrix sheet: ABC x XYZ counts and revenue shares, a strategy per cell, the key-account band, Pareto.

    rows 4..18   the grid: per ABC class (A, B, C, N) three rows: Customers, Revenue share, Strategy;
                 columns X, Y, Z, N, Total; a Total block below
    rows 20..24  key accounts: count, revenue share, the typical band (kam_key_share_low/high), verdict
    D20          Pareto chart, fed by the block in I4:J105:
                 =PARETO_CURVE(<the filled rows of Analysis!$B$2:$B$200001>,100)
    rows 40..48  class migration: abc_prev (rows) x abc_12m (columns), customers and revenue of the last 12 months
    rows 51..72  watch list: =WATCH_LIST(...) spills the warned key accounts, largest revenue_12m first

Every number is a COUNTIFS/SUMIFS over bounded columns of the Analysis spill (no whole-column references, no
formula per customer); the cell functions are handed the filled rows only (``column_rows``). Captions and strategies are label formulas (EN/DE). With an analysis DataFrame each
formula also gets its cached value, computed here the way the formula computes it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from xlsxwriter.workbook import Workbook

from kam_xl.core.settings import Settings
from kam_xl.template.labels import caption, label_formula
from kam_xl.template.sheet_analysis import column_range, column_rows
from kam_xl.template.sheets import AMBER, GREEN, GREY, OUTPUT_TAB, SHEETS, Formats, column_letter, page_setup

SHEET = "Matrix"
ABC = ("A", "B", "C", "N")
XYZ = ("X", "Y", "Z", "N")
ROW_COLOURS = {"A": GREEN, "B": AMBER, "C": GREY, "N": ("#FFFFFF", "#404040")}

HEADER_ROW = 3             # 0-based: the X / Y / Z / N / Total header
FIRST_CLASS_ROW = 4        # A block starts here; each class takes 3 rows
TOTAL_ROW = FIRST_CLASS_ROW + 3 * len(ABC)
KEY_ROW = TOTAL_ROW + 3    # heading of the key-account block
FIRST_VALUE_COL = 2        # column C holds X
TOTAL_COL = FIRST_VALUE_COL + len(XYZ)
PARETO_COL = 8             # column I: customer share, J: revenue share
PARETO_FIRST_ROW = 4       # 0-based anchor row of the spill (I5)
PARETO_POINTS = 100
STRATEGY_HEIGHT = 50
MIGRATION_ROW = KEY_ROW + 20   # heading of the class-migration block
WATCH_ROW = MIGRATION_ROW + 12  # heading of the watch list; the spill starts two rows below
WATCH_COLUMNS = 4              # customer, revenue_12m, trend, reasons
PARETO_FORMULA = f"=PARETO_CURVE({column_rows('revenue')},{PARETO_POINTS})"
WATCH_FORMULA = "=WATCH_LIST({},kam_watch_list_size)".format(
    ",".join(column_rows(c) for c in ("customer_id", "key_account", "revenue_12m", "trend", "warning")))


@dataclass(frozen=True)
class MatrixFigures:
    """The values the Matrix formulas compute, for their cached results."""

    counts: pd.DataFrame            # index ABC, columns XYZ
    revenue: pd.DataFrame           # same shape, sum of revenue
    positive_total: float
    key_count: int
    key_revenue: float
    pareto: list[list[float]] | None
    migration_counts: pd.DataFrame  # index abc_prev, columns abc_12m
    migration_revenue: pd.DataFrame  # same shape, sum of revenue_12m
    watch: list[list] | str           # the WATCH_LIST result

    @classmethod
    def of(cls, analysis: pd.DataFrame | None) -> MatrixFigures:
        if analysis is None or analysis.empty:
            zeros = pd.DataFrame(0.0, index=list(ABC), columns=list(XYZ))
            moved = pd.DataFrame(0.0, index=list(ABC), columns=list(ABC))
            return cls(zeros.astype(int), zeros, 0.0, 0, 0.0, None, moved.astype(int), moved, "")
        revenue = analysis["revenue"].astype(float)
        grouped = pd.DataFrame({"abc": analysis["abc"], "xyz": analysis["xyz"], "revenue": revenue})
        counts = pd.crosstab(grouped["abc"], grouped["xyz"]).reindex(index=list(ABC), columns=list(XYZ),
                                                                    fill_value=0)
        sums = grouped.pivot_table(index="abc", columns="xyz", values="revenue", aggfunc="sum",
                                   fill_value=0.0).reindex(index=list(ABC), columns=list(XYZ), fill_value=0.0)
        key = analysis["key_account"].astype(bool).to_numpy()
        moves = pd.DataFrame({"prev": analysis["abc_prev"], "now": analysis["abc_12m"],
                              "revenue": analysis["revenue_12m"].astype(float)})
        moved = pd.crosstab(moves["prev"], moves["now"]).reindex(index=list(ABC), columns=list(ABC), fill_value=0)
        moved_revenue = moves.pivot_table(index="prev", columns="now", values="revenue", aggfunc="sum",
                                          fill_value=0.0).reindex(index=list(ABC), columns=list(ABC), fill_value=0.0)
        return cls(counts, sums, float(revenue[revenue > 0].sum()), int(key.sum()),
                   float(revenue[key].sum()), _pareto(revenue), moved, moved_revenue, _watch(analysis))

    def share(self, revenue: float) -> float:
        return revenue / self.positive_total if self.positive_total else 0.0


def write_matrix_sheet(workbook: Workbook, formats: Formats, analysis: pd.DataFrame | None,
                       language: str = "EN", snapshot: bool = False) -> None:
    """The Matrix sheet; ``snapshot`` writes the Pareto block as plain values instead of PARETO_CURVE."""
    sheet = workbook.add_worksheet(SHEET)
    sheet.set_vba_name(SHEETS[SHEET])
    sheet.set_tab_color(OUTPUT_TAB)
    figures = MatrixFigures.of(analysis)
    f = _MatrixFormats.of(workbook)

    def label(row: int, col: int, key: str, fmt) -> None:
        sheet.write_formula(row, col, label_formula(key), fmt, caption(key, language))

    sheet.set_column(0, 0, 20)
    sheet.set_column(1, 1, 15)
    sheet.set_column(FIRST_VALUE_COL, TOTAL_COL - 1, 25)
    sheet.set_column(TOTAL_COL, TOTAL_COL, 11)
    sheet.set_column(TOTAL_COL + 1, PARETO_COL - 1, 3)
    sheet.set_column(PARETO_COL, PARETO_COL + 1, 15)
    sheet.set_row(0, 30)
    label(0, 0, "matrix.title", formats.title)
    label(1, 0, "matrix.subtitle", formats.subtitle)

    # Header row.
    sheet.set_row(HEADER_ROW, 22)
    label(HEADER_ROW, 0, "matrix.class", f.head)
    sheet.write_blank(HEADER_ROW, 1, None, f.head)
    for j, x in enumerate(XYZ):
        label(HEADER_ROW, FIRST_VALUE_COL + j, f"matrix.col.{x}", f.head)
    label(HEADER_ROW, TOTAL_COL, "matrix.total", f.head)

    abc, xyz, revenue = column_range("abc"), column_range("xyz"), column_range("revenue")
    positive = f'SUMIFS({revenue},{revenue},">0")'
    for i, a in enumerate(ABC):
        top = FIRST_CLASS_ROW + 3 * i
        fill, font = ROW_COLOURS[a]
        sheet.merge_range(top, 0, top + 2, 0, "", f.row_label(fill, font))
        label(top, 0, f"matrix.row.{a}", f.row_label(fill, font))
        label(top, 1, "matrix.customers", f.measure)
        label(top + 1, 1, "matrix.revenue_share", f.measure)
        label(top + 2, 1, "matrix.strategy", f.measure_last)
        sheet.set_row(top + 2, STRATEGY_HEIGHT)
        for j, x in enumerate(XYZ):
            col = FIRST_VALUE_COL + j
            sheet.write_formula(top, col, f'=COUNTIFS({abc},"{a}",{xyz},"{x}")', f.count,
                                int(figures.counts.loc[a, x]))
            sheet.write_formula(top + 1, col, f'=IFERROR(SUMIFS({revenue},{abc},"{a}",{xyz},"{x}")/{positive},0)',
                                f.share, figures.share(figures.revenue.loc[a, x]))
            if a != "N":
                key = f"strategy.{a}{x}" if x != "N" else "strategy.N_col"
                label(top + 2, col, key, f.strategy)
        if a == "N":
            sheet.merge_range(top + 2, FIRST_VALUE_COL, top + 2, TOTAL_COL - 1, "", f.strategy)
            label(top + 2, FIRST_VALUE_COL, "strategy.N_row", f.strategy)
            sheet.set_row(top + 2, 34)
        sheet.write_formula(top, TOTAL_COL, f'=COUNTIFS({abc},"{a}")', f.count_total,
                            int(figures.counts.loc[a].sum()))
        sheet.write_formula(top + 1, TOTAL_COL, f'=IFERROR(SUMIFS({revenue},{abc},"{a}")/{positive},0)',
                            f.share_total, figures.share(figures.revenue.loc[a].sum()))
        sheet.write_blank(top + 2, TOTAL_COL, None, f.strategy)

    # Total block: column sums of the grid above.
    sheet.merge_range(TOTAL_ROW, 0, TOTAL_ROW + 1, 0, "", f.total_label)
    label(TOTAL_ROW, 0, "matrix.total", f.total_label)
    label(TOTAL_ROW, 1, "matrix.customers", f.measure_total)
    label(TOTAL_ROW + 1, 1, "matrix.revenue_share", f.measure_total)
    for j in range(len(XYZ) + 1):
        col = FIRST_VALUE_COL + j
        counts = ",".join(_cell(FIRST_CLASS_ROW + 3 * i, col) for i in range(len(ABC)))
        shares = ",".join(_cell(FIRST_CLASS_ROW + 3 * i + 1, col) for i in range(len(ABC)))
        if j < len(XYZ):
            count, rev = figures.counts[XYZ[j]].sum(), figures.revenue[XYZ[j]].sum()
        else:
            count, rev = figures.counts.to_numpy().sum(), figures.revenue.to_numpy().sum()
        sheet.write_formula(TOTAL_ROW, col, f"=SUM({counts})", f.count_grand, int(count))
        sheet.write_formula(TOTAL_ROW + 1, col, f"=SUM({shares})", f.share_grand, figures.share(rev))

    _key_accounts(sheet, formats, f, figures, label, language)
    _pareto_block(workbook, sheet, f, figures, label, language, snapshot)
    _migration(sheet, formats, f, figures, label)
    _watch_list(sheet, formats, f, figures, label, snapshot)

    sheet.print_area(0, 0, WATCH_ROW + 2 + Settings().watch_list_size, TOTAL_COL)
    page_setup(sheet, landscape=False, one_page=True)  # tall: grid, key accounts, migration, watch list
    sheet.hide_gridlines(2)


def _key_accounts(sheet, formats: Formats, f, figures: MatrixFigures, label, language: str) -> None:
    row = KEY_ROW
    key, revenue = column_range("key_account"), column_range("revenue")
    label(row, 0, "matrix.key", formats.heading)
    sheet.write_blank(row, 1, None, formats.heading)
    label(row + 1, 0, "matrix.key.count", f.measure)
    sheet.merge_range(row + 1, 1, row + 1, 2, "", f.count)
    sheet.write_formula(row + 1, 1, f"=COUNTIFS({key},TRUE)", f.count, figures.key_count)
    label(row + 2, 0, "matrix.key.share", f.measure)
    share = figures.share(figures.key_revenue)
    sheet.merge_range(row + 2, 1, row + 2, 2, "", f.share)
    sheet.write_formula(row + 2, 1, f'=IFERROR(SUMIFS({revenue},{key},TRUE)/SUMIFS({revenue},{revenue},">0"),0)',
                        f.share, share)
    label(row + 3, 0, "matrix.key.band", f.measure)
    low, high = _defaults("key_share_low"), _defaults("key_share_high")
    sheet.merge_range(row + 3, 1, row + 3, 2, "", f.band)
    sheet.write_formula(row + 3, 1, '=TEXT(kam_key_share_low,"0%")&" - "&TEXT(kam_key_share_high,"0%")',
                        f.band, f"{low:.0%} - {high:.0%}")
    label(row + 4, 0, "matrix.key.verdict", f.measure)
    count_cell, share_cell = _cell(row + 1, 1), _cell(row + 2, 1)
    verdict = (f'=IF({count_cell}=0,"",IF({share_cell}<kam_key_share_low,{_lookup("matrix.key.below")},'
               f'IF({share_cell}>kam_key_share_high,{_lookup("matrix.key.above")},{_lookup("matrix.key.ok")})))')
    if figures.key_count == 0:
        cached = ""
    else:
        cached = caption("matrix.key.below" if share < low else "matrix.key.above" if share > high
                         else "matrix.key.ok", language)
    sheet.merge_range(row + 4, 1, row + 4, 2, "", f.verdict)
    sheet.write_formula(row + 4, 1, verdict, f.verdict, cached)
    sheet.set_row(row + 4, 34)
    sheet.conditional_format(row + 4, 1, row + 4, 2, {
        "type": "formula", "criteria": f"=AND({count_cell}>0,OR({share_cell}<kam_key_share_low,"
                                       f"{share_cell}>kam_key_share_high))",
        "format": f.alarm})
    sheet.conditional_format(row + 4, 1, row + 4, 2, {
        "type": "formula", "criteria": f"=AND({count_cell}>0,{share_cell}>=kam_key_share_low,"
                                       f"{share_cell}<=kam_key_share_high)",
        "format": f.fine})


def _migration(sheet, formats: Formats, f, figures: MatrixFigures, label) -> None:
    """abc_prev x abc_12m: customers and revenue of the last 12 months per pair of classes."""
    row = MIGRATION_ROW
    prev, now, revenue = column_range("abc_prev"), column_range("abc_12m"), column_range("revenue_12m")
    label(row, 0, "matrix.migration", formats.heading)
    label(row + 1, 0, "matrix.migration.from", f.head)
    sheet.write_blank(row + 1, 1, None, f.head)
    for j, b in enumerate(ABC):
        label(row + 1, FIRST_VALUE_COL + j, f"matrix.row.{b}", f.head)
    label(row + 1, TOTAL_COL, "matrix.total", f.head)
    for i, a in enumerate(ABC):
        top = row + 2 + 2 * i
        fill, font = ROW_COLOURS[a]
        sheet.merge_range(top, 0, top + 1, 0, "", f.row_label(fill, font))
        label(top, 0, f"matrix.row.{a}", f.row_label(fill, font))
        label(top, 1, "matrix.customers", f.measure)
        label(top + 1, 1, "matrix.migration.revenue", f.measure)
        for j, b in enumerate(ABC):
            col = FIRST_VALUE_COL + j
            stay = a == b
            sheet.write_formula(top, col, f'=COUNTIFS({prev},"{a}",{now},"{b}")', f.count_total if stay else f.count,
                                int(figures.migration_counts.loc[a, b]))
            sheet.write_formula(top + 1, col, f'=SUMIFS({revenue},{prev},"{a}",{now},"{b}")',
                                f.money_total if stay else f.money, float(figures.migration_revenue.loc[a, b]))
        sheet.write_formula(top, TOTAL_COL, f'=COUNTIFS({prev},"{a}")', f.count_total,
                            int(figures.migration_counts.loc[a].sum()))
        sheet.write_formula(top + 1, TOTAL_COL, f'=SUMIFS({revenue},{prev},"{a}")', f.money_total,
                            float(figures.migration_revenue.loc[a].sum()))


def _watch_list(sheet, formats: Formats, f, figures: MatrixFigures, label, snapshot: bool) -> None:
    """Heading, column captions and the WATCH_LIST spill (plain values in a snapshot)."""
    row = WATCH_ROW
    label(row, 0, "matrix.watch", formats.heading)
    for j, key in enumerate(("customer", "revenue", "trend", "reasons")):
        label(row + 1, j, f"matrix.watch.{key}", f.head)
    for j in range(WATCH_COLUMNS, TOTAL_COL + 1):
        sheet.write_blank(row + 1, j, None, f.head)
    first = row + 2
    cell_formats = (f.watch_text, f.watch_money, f.watch_share, f.watch_text)
    for offset in range(Settings().watch_list_size):
        for j, fmt in enumerate(cell_formats):
            sheet.write_blank(first + offset, j, None, fmt)
    rows = figures.watch if isinstance(figures.watch, list) else [[figures.watch]]
    if snapshot:
        sheet.write(first, 0, rows[0][0], cell_formats[0])
    else:
        sheet.write_dynamic_array_formula(first, 0, first + len(rows) - 1, len(rows[0]) - 1, WATCH_FORMULA,
                                          cell_formats[0], rows[0][0])
    for offset, values in enumerate(rows):
        for j, value in enumerate(values):
            if offset or j:
                if value is None:
                    sheet.write_blank(first + offset, j, None, cell_formats[j])
                else:
                    sheet.write(first + offset, j, value, cell_formats[j])


def _pareto_block(workbook: Workbook, sheet, f, figures: MatrixFigures, label, language: str,
                  snapshot: bool) -> None:
    head = PARETO_FIRST_ROW - 1
    label(head - 1, PARETO_COL, "matrix.pareto", f.pareto_title)
    label(head, PARETO_COL, "matrix.pareto.customers", f.head)
    label(head, PARETO_COL + 1, "matrix.pareto.revenue", f.head)
    first, last = PARETO_FIRST_ROW, PARETO_FIRST_ROW + PARETO_POINTS
    if figures.pareto is None:
        sheet.write_dynamic_array_formula(first, PARETO_COL, first, PARETO_COL, PARETO_FORMULA, f.share, "")
    else:
        points = figures.pareto
        if snapshot:
            sheet.write_number(first, PARETO_COL, points[0][0], f.share)
        else:
            sheet.write_dynamic_array_formula(first, PARETO_COL, last, PARETO_COL + 1, PARETO_FORMULA, f.share,
                                              points[0][0])
        for offset, (x, y) in enumerate(points):
            if offset:
                sheet.write_number(first + offset, PARETO_COL, x, f.share)
            sheet.write_number(first + offset, PARETO_COL + 1, y, f.share)

    xs = [SHEET, first, PARETO_COL, last, PARETO_COL]
    ys = [SHEET, first, PARETO_COL + 1, last, PARETO_COL + 1]
    chart = workbook.add_chart({"type": "scatter", "subtype": "straight"})
    chart.add_series({"name": [SHEET, head, PARETO_COL + 1], "categories": xs, "values": ys,
                      "line": {"color": "#1F4E78", "width": 2.25}})
    chart.add_series({"name": caption("matrix.pareto.even", language), "categories": xs, "values": xs,
                      "line": {"color": "#A5A5A5", "width": 1, "dash_type": "dash"}})
    axis = {"min": 0, "max": 1, "major_unit": 0.2, "num_format": "0%",
            "major_gridlines": {"visible": True, "line": {"color": "#E7E6E6"}}}
    chart.set_x_axis(axis | {"name": caption("matrix.pareto.axis_x", language)})
    chart.set_y_axis(axis | {"name": caption("matrix.pareto.axis_y", language)})
    chart.set_title({"name": [SHEET, head - 1, PARETO_COL], "overlay": False,
                     "name_font": {"size": 12, "bold": True, "color": "#1F4E78"}})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 600, "height": 340})
    sheet.insert_chart(KEY_ROW, 3, chart, {"x_offset": 20, "y_offset": 0, "object_position": 1})


def _lookup(key: str) -> str:
    caption(key)
    return f'INDEX(Labels[[EN]:[DE]],MATCH("{key}",Labels[Key],0),kam_label_column)'


def _pareto(revenue: pd.Series) -> list[list[float]]:
    """The PARETO_CURVE result for these revenues, computed by the cell function itself."""
    from kam_xl import udfs

    values = [[None if np.isnan(v) else float(v)] for v in revenue.to_numpy(float)]
    points = udfs.PARETO_CURVE(values, PARETO_POINTS)
    if isinstance(points, str):
        raise ValueError(f"PARETO_CURVE failed on the analysis revenues: {points}")
    return points


def _watch(analysis: pd.DataFrame) -> list[list] | str:
    """The WATCH_LIST result for this analysis, computed by the cell function itself."""
    from kam_xl import udfs

    def column(name: str) -> list[list]:
        return [[None if pd.isna(v) else v] for v in analysis[name].tolist()]

    result = udfs.WATCH_LIST(column("customer_id"), column("key_account"), column("revenue_12m"), column("trend"),
                             column("warning"), Settings().watch_list_size)
    if isinstance(result, str) and result.startswith("#KAM"):
        raise ValueError(f"WATCH_LIST failed on the analysis: {result}")
    return result


def _defaults(name: str) -> float:
    return getattr(Settings(), name)


def _cell(row: int, col: int) -> str:
    return f"{column_letter(col)}{row + 1}"


class _MatrixFormats:
    """Formats of the grid (made once per workbook)."""

    def __init__(self, workbook: Workbook):
        self._workbook = workbook
        base = {"font_name": "Calibri", "font_size": 11, "border": 1, "border_color": "#BFBFBF",
                "valign": "vcenter"}

        def fmt(**props):
            return workbook.add_format(base | props)

        self._fmt = fmt
        self._row_labels = {}
        self.head = fmt(bold=True, font_color="#FFFFFF", bg_color="#1F4E78", align="center", border_color="#FFFFFF")
        self.measure = fmt(font_color="#404040")
        self.measure_last = fmt(font_color="#404040", valign="top")
        self.measure_total = fmt(bold=True, bg_color="#D9E1F2")
        self.count = fmt(num_format="#,##0", align="center", font_size=12, bold=True)
        self.count_total = fmt(num_format="#,##0", align="center", bold=True, bg_color="#F2F2F2")
        self.count_grand = fmt(num_format="#,##0", align="center", bold=True, bg_color="#D9E1F2")
        self.share = fmt(num_format="0.0%", align="center")
        self.share_total = fmt(num_format="0.0%", align="center", bg_color="#F2F2F2")
        self.share_grand = fmt(num_format="0.0%", align="center", bold=True, bg_color="#D9E1F2")
        self.strategy = fmt(text_wrap=True, valign="top", font_size=10, italic=True, font_color="#404040")
        self.total_label = fmt(bold=True, bg_color="#D9E1F2", valign="vcenter")
        self.band = fmt(align="center")
        self.money = fmt(num_format="#,##0", align="center")
        self.money_total = fmt(num_format="#,##0", align="center", bg_color="#F2F2F2")
        self.watch_text = fmt(border=0)
        self.watch_money = fmt(border=0, num_format="#,##0")
        self.watch_share = fmt(border=0, num_format="+0%;-0%;0%", align="center")
        self.verdict = fmt(bold=True, text_wrap=True)
        self.pareto_title = workbook.add_format({"bold": True, "font_size": 12, "font_color": "#1F4E78"})
        self.alarm = workbook.add_format({"bg_color": AMBER[0], "font_color": AMBER[1]})
        self.fine = workbook.add_format({"bg_color": GREEN[0], "font_color": GREEN[1]})

    @classmethod
    def of(cls, workbook: Workbook) -> _MatrixFormats:
        return cls(workbook)

    def row_label(self, fill: str, font: str):
        if (fill, font) not in self._row_labels:
            self._row_labels[(fill, font)] = self._fmt(bold=True, bg_color=fill, font_color=font, font_size=12,
                                                       valign="vcenter", text_wrap=True)
        return self._row_labels[(fill, font)]
