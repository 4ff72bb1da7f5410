"""The Dossier sheet: one customer on one A4 page, driven by the selector cell ``kam_dossier_customer``.

    B2   the as-of day (kam_dossier_as_of): Settings' as-of, else the last transaction day
    B4   the selector (a drop-down of ``kam_dossier_ids``: the DOSSIER_CUSTOMERS spill in hidden column J,
         key accounts first); J1 / K1 hold the customer's row in the Analysis spill and in Customers
    overview      figures of the Analysis row: INDEX(<Analysis column>, row)
    1 general     INDEX(<a column of the Customers data>, row)
    2 history     DOSSIER_YEARS, DOSSIER_DELIVERIES, DOSSIER_TENDERS (+ COUNTIFS/SUMIFS won/lost),
                  DOSSIER_COMPLAINTS
    3 buying centre  DOSSIER_CONTACTS;   4 competitors  DOSSIER_COMPETITORS;   5 open win-back actions
    DOSSIER_WINBACK (the customer's row of the Winback table while not recovered)

Every list is a spill of a fixed most rows into a block reserved for it, so no spill ever collides with the
next section. With data the build selects the first customer of the drop-down (or ``customer``) and caches
every result, computed by the cell functions themselves; ``snapshot`` writes the spills as values.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from xlsxwriter.workbook import Workbook

from kam_xl import cells
from kam_xl.core.settings import Settings
from kam_xl.template.labels import caption, label_formula
from kam_xl.template.sheet_analysis import column_range, column_rows
from kam_xl.template.sheet_inputs import TABLES
from kam_xl.template.sources import Sources
from kam_xl.template.sheets import OUTPUT_TAB, SHEETS, Formats, cell_values, excel_serial, page_setup, write_value

SHEET = "Dossier"
CUSTOMER_NAME = "kam_dossier_customer"
AS_OF_NAME = "kam_dossier_as_of"
IDS_NAME = "kam_dossier_ids"
SELECT_CELL = "$B$4"
AS_OF_CELL = "$B$2"
ANALYSIS_ROW = "$J$1"   # the customer's row in the Analysis spill (MATCH)
MASTER_ROW = "$K$1"     # its row in the Customers table
IDS_COL = 9             # column J: the drop-down's source spill, from J2
WIDTHS = (15, 28, 14, 13, 26, 13)
BLANK = "–"   # what a blank figure of the selected customer shows (a formula's "" reads back as no value)
LAST_COL = len(WIDTHS) - 1

#: Overview: (label key, Analysis column, format) in three label/value pairs of columns.
OVERVIEW = (
    (("dossier.owner", None, "text"), ("dossier.revenue", "revenue", "money0"),
     ("dossier.share", "share", "percent1"), ("dossier.abc_xyz", "abc_xyz", "text"),
     ("dossier.types", "types", "text"), ("dossier.key_account", "key_account", "boolean")),
    (("dossier.churn", "churn", "text"), ("dossier.p_alive", "p_alive", "decimal"),
     ("dossier.last_purchase", "last_purchase", "date"), ("dossier.silence", "silence_days", "integer"),
     ("dossier.interval", "interval_days", "decimal1"), ("dossier.complaints", "complaints_90d", "integer")),
    (("dossier.abc_12m", "abc_12m", "text"), ("dossier.migration", "migration", "text"),
     ("dossier.revenue_12m", "revenue_12m", "money0"), ("dossier.trend", "trend", "percent1"),
     ("dossier.expected", "expected_purchases_90d", "decimal1"), ("dossier.clv", "clv_12m", "money0")),
)
#: General information: (label key, Customers column (canonical), format, row offset, column).
WINDOW_CAPTIONS = ("dossier.col.recent", "dossier.col.before")
GENERAL = (("dossier.industry", "industry", "text", 0, 0), ("dossier.founded", "founded", "year", 0, 2),
           ("dossier.employees", "employees", "integer", 0, 4), ("dossier.region", "region", "text", 1, 0))
WINBACK_TABLE = "Winback"   # the table the buttons write; not an input


@dataclass(frozen=True)
class Block:
    """A spilled list: its cell function, caption keys and column formats, and how many rows it may fill."""

    heading: str | None   # a subheading above the captions, None for none
    function: str
    table: str
    columns: tuple[tuple[str, str], ...]   # (caption key, format name)
    rows: int
    as_of: bool = False
    window: bool = False   # the complaint window (kam_complaint_days) is the last argument

    def formula(self, sources: Sources = Sources()) -> str:
        block = f"{self.table}[#All]" if self.table == WINBACK_TABLE else sources[self.table].block()
        args = [CUSTOMER_NAME, block]
        if self.as_of:
            args.append(AS_OF_NAME)
        args += [str(self.rows), label_formula("dossier.none")[1:]]
        if self.window:
            args.append("kam_complaint_days")
        if self.table != WINBACK_TABLE and sources[self.table].kind != "ours":
            args.append("kam_settings")  # the column map of their data
        return f"={self.function}({','.join(args)})"


HISTORY = (
    Block("dossier.years", "DOSSIER_YEARS", "Transactions",
          (("dossier.col.year", "year"), ("dossier.col.revenue", "money0"), ("dossier.col.documents", "integer"),
           ("dossier.col.change", "percent1")), 5, as_of=True),
    Block("dossier.deliveries", "DOSSIER_DELIVERIES", "Transactions",
          (("dossier.col.date", "date"), ("dossier.col.document", "text"), ("dossier.col.lines", "integer"),
           ("dossier.col.amount", "money"), ("dossier.col.margin", "money")), 5, as_of=True),
    Block("dossier.tenders", "DOSSIER_TENDERS", "Tenders",
          (("dossier.col.date", "date"), ("dossier.col.subject", "text"), ("dossier.col.result", "text"),
           ("dossier.col.value", "money0"), ("dossier.col.reason", "text")), 5),
    Block("dossier.complaints_by", "DOSSIER_COMPLAINTS", "Complaints",
          (("dossier.col.category", "text"), ("dossier.col.recent", "integer"), ("dossier.col.before", "integer"),
           ("dossier.col.total", "integer"), ("dossier.col.trend", "text")), 6, as_of=True, window=True),
)
CONTACTS = Block(None, "DOSSIER_CONTACTS", "Contacts",
                 (("dossier.col.role", "text"), ("dossier.col.person", "text"), ("dossier.col.attitude", "text"),
                  ("dossier.col.last_contact", "date"), ("dossier.col.position", "text")), 8)
COMPETITORS = Block(None, "DOSSIER_COMPETITORS", "Competitors",
                    (("dossier.col.share", "percent"), ("dossier.col.competitor", "text"),
                     ("dossier.col.notes", "text")), 5)
WINBACK = Block(None, "DOSSIER_WINBACK", WINBACK_TABLE,
                (("dossier.col.status", "text"), ("dossier.col.means", "text"), ("dossier.col.due", "date"),
                 ("dossier.col.responsible", "text"), ("dossier.col.next_step", "text")), 2)


def write_dossier_sheet(workbook: Workbook, formats: Formats, tables: dict[str, pd.DataFrame] | None,
                        analysis: pd.DataFrame | None, language: str = "EN", snapshot: bool = False,
                        customer: str | None = None, *, copy: str | None = None,
                        sources: Sources = Sources()) -> dict[tuple[int, int], str]:
    """The Dossier sheet; with data, ``customer`` (default: the first of the drop-down) is selected.

    ``tables`` holds the input tables (canonical columns) and, under "winback", the Win-back table (its
    headers as columns), if any. ``copy`` names a print copy instead: a sheet of that name holding the values only (no formula, no
    selector, no names), for a workbook of its own. ``sources`` say where the inputs live. Returns the number
    format of every cell written."""
    return _write_sheet(workbook, formats, tables, analysis, language, snapshot, customer, copy, sources).kinds


def spill_anchors(sources: Sources = Sources()) -> list[tuple[tuple[int, int], str, int, int]]:
    """Each cell function's spill on the Dossier sheet, as the builder lays it out: (anchor cell (row,
    column, 1-based), formula, rows reserved, columns)."""
    import io

    book = Workbook(io.BytesIO(), {"in_memory": True})
    return _write_sheet(book, Formats.of(book), None, None, "EN", False, None, None, sources).spills


def _write_sheet(workbook: Workbook, formats: Formats, tables, analysis, language: str, snapshot: bool,
                 customer: str | None, copy: str | None, sources: Sources) -> _View:
    sheet = workbook.add_worksheet(copy or SHEET)
    if copy is None:
        sheet.set_vba_name(SHEETS[SHEET])
        sheet.set_tab_color(OUTPUT_TAB)
        sheet.set_column(IDS_COL, IDS_COL + 1, 12, None, {"hidden": True})
    for col, width in enumerate(WIDTHS):
        sheet.set_column(col, col, width)
    view = _View(workbook, sheet, formats, language, snapshot or copy is not None,
                 _Cached.of(tables, analysis, customer, language), values_only=copy is not None, sources=sources)

    sheet.set_row(0, 30)
    view.label(0, 0, "dossier.title", formats.title)
    view.label(1, 0, "dossier.as_of", view.bold)
    last_day = sources["Transactions"].column("date")
    view.formula(1, 1, f'=IF(kam_as_of="",MAX({last_day}),kam_as_of)', "date", view.cached.as_of_serial)
    if copy is None:
        view.label(1, 2, "dossier.hint", formats.note_nowrap)
    view.label(3, 0, "dossier.customer", view.bold)
    write_value(sheet, 3, 1, view.cached.customer, view.name if copy else view.selector)
    view.formula(3, 2, _master(sources, "name"), view.name, view.cached.master("name"))
    sheet.set_row(3, 22)
    if copy is None:
        _helpers(sheet, view)

    row = _overview(sheet, view, 5)
    row = _general(sheet, view, row + 1)
    view.heading(row + 1, "dossier.history")
    row += 2
    for block in HISTORY:
        row = view.block(row, block) + 1
        if block.function == "DOSSIER_TENDERS":
            row = _tender_summary(sheet, view, row - 1) + 2
    view.heading(row, "dossier.buying_centre")
    row = view.block(row + 1, CONTACTS) + 1
    view.heading(row, "dossier.competitors")
    row = view.block(row + 1, COMPETITORS) + 1
    view.heading(row, "dossier.winback")
    row = view.block(row + 1, WINBACK)
    sheet.print_area(0, 0, row, LAST_COL)
    page_setup(sheet, landscape=False, one_page=True)
    sheet.hide_gridlines(2)
    if copy is None:
        _selector(workbook, sheet)
    return view


def _selector(workbook: Workbook, sheet) -> None:
    """The names of the selector, the as-of cell and the drop-down's list, and the drop-down."""
    workbook.define_name(CUSTOMER_NAME, f"={SHEET}!{SELECT_CELL}")
    workbook.define_name(AS_OF_NAME, f"={SHEET}!{AS_OF_CELL}")
    ids = f"{SHEET}!$J$2:$J${200_001}"
    workbook.define_name(IDS_NAME, f"={SHEET}!$J$2:INDEX({ids},MAX(1,COUNTA({ids})))")
    sheet.data_validation(3, 1, 3, 1, {
        "validate": "list", "source": f"={IDS_NAME}", "error_type": "warning",
        "input_title": caption("dossier.customer", "EN"), "input_message": "Pick a customer: key accounts first.",
        "error_title": "Dossier", "error_message": "This id is not in the Analysis sheet."})


def _helpers(sheet, view: _View) -> None:
    """J1/K1: the customer's rows; J2: the drop-down's source spill."""
    sheet.write_formula(0, IDS_COL, f'=IFERROR(MATCH({CUSTOMER_NAME},{column_range("customer_id")},0),"")', None,
                        view.cached.analysis_row)
    ids = view.sources["Customers"].column("customer_id")
    sheet.write_formula(0, IDS_COL + 1, f'=IFERROR(MATCH({CUSTOMER_NAME},{ids},0),"")' if ids else '=""', None,
                        view.cached.master_row)
    ranges = ",".join(column_rows(c) for c in ("customer_id", "key_account", "revenue"))
    view.spill(1, IDS_COL, f"=DOSSIER_CUSTOMERS({ranges})", view.cached.ids, [None])


def _overview(sheet, view: _View, row: int) -> int:
    view.heading(row, "dossier.overview")
    for pair, items in enumerate(OVERVIEW):
        for offset, (key, column, fmt) in enumerate(items):
            r = row + 1 + offset
            view.label(r, 2 * pair, key, view.bold)
            if column is None:
                view.formula(r, 2 * pair + 1, _master(view.sources, "owner"), fmt, view.cached.master("owner"))
            elif fmt == "boolean":  # 1/0: LibreOffice has no TRUE/FALSE cells, Excel and kam-xl do
                value = view.cached.figure(column)
                formula = f'=IFERROR(IF(INDEX({column_range(column)},{ANALYSIS_ROW}),1,0),"")'
                view.formula(r, 2 * pair + 1, formula, fmt, value if value == "" else int(value))
            else:
                view.formula(r, 2 * pair + 1, _figure(column), fmt, view.cached.figure(column))
    r = row + 1 + len(OVERVIEW[0])
    view.label(r, 0, "dossier.warning", view.bold)
    sheet.merge_range(r, 1, r, LAST_COL, "", view.warning)
    view.formula(r, 1, _figure("warning"), view.warning, view.cached.figure("warning"))
    sheet.set_row(r, 30)
    return r + 1


def _general(sheet, view: _View, row: int) -> int:
    view.heading(row, "dossier.general")
    for key, column, fmt, down, col in GENERAL:
        view.label(row + 1 + down, col, key, view.bold)
        view.formula(row + 1 + down, col + 1, _master(view.sources, column), fmt, view.cached.master(column))
    r = row + 3
    view.label(r, 0, "dossier.description", view.bold)
    sheet.merge_range(r, 1, r, LAST_COL, "", view.wrap)
    view.formula(r, 1, _master(view.sources, "description"), view.wrap, view.cached.master("description"))
    sheet.set_row(r, 45)
    return r + 1


def _tender_summary(sheet, view: _View, row: int) -> int:
    """Won and lost tenders: count and value (COUNTIFS/SUMIFS over the Tenders table)."""
    tenders = view.sources["Tenders"]
    ids, results, values = (tenders.column(c) for c in ("customer_id", "result", "value"))
    for col, result in ((0, "won"), (3, "lost")):
        view.label(row, col, f"dossier.{result}", view.bold)
        condition = f'{ids},{CUSTOMER_NAME},{results},"{result}"'
        count, value = view.cached.tender_totals(result)
        whole = ids and results
        view.formula(row, col + 1, f"=COUNTIFS({condition})" if whole else "=0", "integer", count)
        view.formula(row, col + 2, f"=SUMIFS({values},{condition})" if whole and values else "=0", "money0", value)
    return row


def _figure(column: str) -> str:
    """The selected customer's value in one column of the Analysis spill; a dash for a blank, "" for no
    customer."""
    cell = f"INDEX({column_range(column)},{ANALYSIS_ROW})"
    return f'=IFERROR(IF({cell}="","{BLANK}",{cell}),"")'


def _master(sources: Sources, column: str) -> str:
    """The selected customer's value in one column (canonical name) of the customers' data; a dash for a blank
    or a column the data lacks, "" for no customer."""
    data = sources["Customers"].column(column)
    if data is None:
        return f'=IF({MASTER_ROW}="","","{BLANK}")'
    cell = f"INDEX({data},{MASTER_ROW})"
    return f'=IFERROR(IF({cell}="","{BLANK}",{cell}),"")'


class _View:
    """The sheet being written, its formats, the language and the cached values."""

    def __init__(self, workbook: Workbook, sheet, formats: Formats, language: str, snapshot: bool,
                 cached: _Cached, values_only: bool, sources: Sources):
        self.sheet, self.formats, self.language, self.snapshot, self.cached = sheet, formats, language, snapshot, cached
        self.sources = sources
        self.values_only = values_only
        self.kinds: dict[tuple[int, int], str] = {}   # the number format of each cell written
        self.spills: list[tuple[tuple[int, int], str, int, int]] = []   # (cell, formula, rows, columns)
        base = {"font_name": "Calibri", "font_size": 10, "valign": "top", "align": "left"}

        def fmt(**props):
            return workbook.add_format(base | props)

        self.fmt = {"text": fmt(), "money": fmt(num_format="#,##0.00"), "money0": fmt(num_format="#,##0"),
                    "integer": fmt(num_format="#,##0"), "year": fmt(num_format="0", align="left"),
                    "percent": fmt(num_format="0%", align="left"), "percent1": fmt(num_format="0.0%"),
                    "decimal": fmt(num_format="0.00"), "decimal1": fmt(num_format="0.0"),
                    "date": fmt(num_format="yyyy-mm-dd", align="left"),
                    "boolean": fmt(num_format='"yes";"yes";"no"', align="left")}
        self.bold = fmt(bold=True, font_color="#404040")
        self.head = fmt(bold=True, font_color="#FFFFFF", bg_color="#1F4E78")
        self.sub = fmt(bold=True, italic=True, font_color="#1F4E78")
        self.selector = fmt(bold=True, font_size=12, bg_color="#FFF2CC", border=1, border_color="#BFBFBF")
        self.name = fmt(bold=True, font_size=13, font_color="#1F4E78")
        self.warning = fmt(text_wrap=True, font_color="#9C0006")
        self.wrap = fmt(text_wrap=True)
        self.heading_fmt = workbook.add_format(base | {"bold": True, "font_size": 12, "font_color": "#1F4E78",
                                                       "bottom": 1, "bottom_color": "#1F4E78"})

    def formula(self, row: int, col: int, formula: str, fmt, value) -> None:
        """A formula and its cached value, or the value alone in a copy; ``fmt`` a format or a kind's name."""
        if isinstance(fmt, str):
            self.kinds[(row, col)] = fmt
            fmt = self.fmt[fmt]
        if self.values_only:
            write_value(self.sheet, row, col, value, fmt)
        else:
            self.sheet.write_formula(row, col, formula, fmt, value)

    def label(self, row: int, col: int, key: str, fmt) -> None:
        self.formula(row, col, label_formula(key), fmt, caption(key, self.language))

    def heading(self, row: int, key: str) -> None:
        self.label(row, 0, key, self.heading_fmt)
        for col in range(1, LAST_COL + 1):
            self.sheet.write_blank(row, col, None, self.heading_fmt)
        self.sheet.set_row(row, 20)

    def block(self, row: int, block: Block) -> int:
        """Subheading, captions, the spill; the row after the block's reserved rows."""
        if block.heading is not None:
            self.label(row, 0, block.heading, self.sub)
        else:
            row -= 1
        for col, (key, _) in enumerate(block.columns):
            if key in WINDOW_CAPTIONS:  # "Last {n} days": n from the Settings
                text = caption(key, self.language).replace("{n}", str(Settings().complaint_days))
                self.formula(row + 1, col, f'=SUBSTITUTE({label_formula(key)[1:]},"{{n}}",kam_complaint_days)',
                             self.head, text)
            else:
                self.label(row + 1, col, key, self.head)
        for col in range(len(block.columns), LAST_COL + 1):
            self.sheet.write_blank(row + 1, col, None, self.head)
        for offset in range(block.rows):
            for col, (_, kind) in enumerate(block.columns):
                self.kinds[(row + 2 + offset, col)] = kind
        cell_formats = [self.fmt[f] for _, f in block.columns]
        self.spill(row + 2, 0, block.formula(self.sources), self.cached.section(block), cell_formats,
                   reserve=block.rows)
        return row + 2 + block.rows

    def spill(self, row: int, col: int, formula: str, values: list[list] | str, cell_formats: list,
              reserve: int = 0) -> None:
        """A cell function's spill with its cached values (plain values in a snapshot)."""
        for offset in range(reserve):
            for j, fmt in enumerate(cell_formats):
                self.sheet.write_blank(row + offset, col + j, None, fmt)
        rows = values if isinstance(values, list) else [[values]]
        self.spills.append(((row + 1, col + 1), formula, max(reserve, len(rows)), len(cell_formats)))
        first = cell_values(pd.Series([rows[0][0]]))[0]
        if self.snapshot:
            write_value(self.sheet, row, col, first, cell_formats[0])
        else:
            self.sheet.write_dynamic_array_formula(row, col, row + len(rows) - 1, col + len(rows[0]) - 1, formula,
                                                   cell_formats[0], "" if first is None else first)
        for offset, line in enumerate(rows):
            for j, value in enumerate(cell_values(pd.Series(line, dtype=object))):
                if offset or j:
                    write_value(self.sheet, row + offset, col + j, value, cell_formats[min(j, len(cell_formats) - 1)])


@dataclass(frozen=True)
class _Cached:
    """What the formulas compute for the selected customer, computed by the cell functions themselves."""

    customer: str
    as_of_serial: float | str
    analysis_row: int | str
    master_row: int | str
    ids: list[list] | str
    row: pd.Series | None
    master_data: pd.Series | None
    raw: dict[str, list[list]]
    language: str

    @classmethod
    def of(cls, tables: dict[str, pd.DataFrame] | None, analysis: pd.DataFrame | None, customer: str | None,
           language: str) -> _Cached:
        from kam_xl import udfs

        if tables is None or analysis is None or analysis.empty:
            return cls("", "", "", "", "", None, None, {}, language)
        ids = udfs.DOSSIER_CUSTOMERS(*(_column(analysis[c]) for c in ("customer_id", "key_account", "revenue")))
        chosen = customer if customer is not None else (ids[0][0] if isinstance(ids, list) else "")
        listed = analysis["customer_id"].astype(str).tolist()
        if chosen not in listed:
            raise ValueError(f"dossier customer {chosen!r} is not in the analysis")
        as_of = pd.Timestamp(analysis.attrs["as_of"])
        masters = tables["customers"]["customer_id"].astype(str).tolist() if "customers" in tables else []
        return cls(chosen, cell_values(pd.Series([as_of]))[0], listed.index(chosen) + 1,
                   masters.index(chosen) + 1 if chosen in masters else "", ids,
                   analysis.iloc[listed.index(chosen)],
                   tables["customers"].iloc[masters.index(chosen)] if chosen in masters else None,
                   {t.name: _raw_table(t, tables.get(t.name.lower())) for t in TABLES}
                   | {WINBACK.table: _plain_table(tables.get("winback"))}, language)

    def figure(self, column: str):
        if self.row is None:
            return ""
        return _plain(self.row[column]) if _plain(self.row[column]) != "" else BLANK

    def master(self, column: str):
        if self.master_data is None or column not in self.master_data.index:
            return ""
        return _plain(self.master_data[column]) if _plain(self.master_data[column]) != "" else BLANK

    def section(self, block: Block):
        from kam_xl import udfs

        if self.row is None:
            return ""
        args = [self.customer, self.raw[block.table]]
        if block.as_of:
            args.append(self.as_of_serial)
        args += [block.rows, caption("dossier.none", self.language)]
        if block.window:
            args.append(Settings().complaint_days)
        return getattr(udfs, block.function)(*args)

    def tender_totals(self, result: str) -> tuple[int, float]:
        raw = self.raw.get("Tenders")
        if self.row is None or not raw:
            return 0, 0.0
        frame = pd.DataFrame(raw[1:], columns=raw[0])
        mine = frame[(frame["Customer ID"] == self.customer) & (frame["Result"] == result)]
        return len(mine), float(pd.to_numeric(mine["Value"]).fillna(0).sum())


def _plain(value):
    """A cached value as a formula gives it: dates as serial numbers, numpy scalars as Python ones, "" for a
    blank."""
    if isinstance(value, (dt.date, np.datetime64)):
        return excel_serial(value) if not pd.isna(value) else ""
    value = cells.to_cell(value)
    return "" if value is None else value


def _column(series: pd.Series) -> list[list]:
    return [[v] for v in cell_values(series)]


def _plain_table(frame: pd.DataFrame | None) -> list[list]:
    """A table written by a button (headers as its columns) as a cell function receives it."""
    from kam_xl.sheets.winback import COLUMNS

    if frame is None:
        return [list(COLUMNS)]
    return [list(frame.columns)] + [list(r) for r in zip(*(cell_values(frame[c]) for c in frame.columns))]


def _raw_table(table, frame: pd.DataFrame | None) -> list[list]:
    """An input table as a cell function receives it: the header row, then one list of cell values per row."""
    if frame is None:
        return [table.headers()]
    columns = [cell_values(frame[c.canonical]) if c.canonical in frame.columns else [None] * len(frame)
               for c in table.columns]
    return [table.headers()] + [list(r) for r in zip(*columns)]
