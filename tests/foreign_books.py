"""Workbooks kam_xl did not write, for the install tests: five makers, each with a small transaction list.

    xlsxwriter_book(folder)  table "Sales" (English headers, a calculated column), a Summary sheet with
                             formulas, a chart, an image, a note, formats, a frozen pane, defined names,
                             custom document properties and a SharePoint custom XML item
    openpyxl_book(folder)    table "tblInvoices" ("Customer No", "Invoice Date", "Net Amount" ...), styles,
                             a conditional format, a drop-down fed by a hidden sheet, an Overview sheet with
                             formulas; inline strings, no shared-strings part
    libreoffice_book(folder) made by LibreOffice itself (tests/tools/uno_pivot_book.py over UNO): a plain range
                             on "Data", a pivot table of revenue per customer and year on "Pivot", a link to
                             another workbook (budget-plan.xlsx, written beside it)
    german_book(folder)      plain range on "Umsätze" under two title rows ("Kundennr.", "Belegdatum",
                             "Umsatz", "Deckungsbeitrag" ...), an autofilter, a plain range "Kunden" with a
                             print area
    export_book(folder)      the demo's seven input tables as a macro-free .xlsx, written by the template's
                             own input-sheet code (see :func:`export_book`)

Each writes its file into ``folder`` and returns a :class:`ForeignBook`: where the transactions are, the
column map a discovery should find, and the transactions as a canonical frame to compare ``kam-xl analyze``
with. The data comes from :func:`kam_xl.demo.generate` (a few dozen customers, ~1-2k lines over two years,
fixed seeds), so ABC, XYZ and churn give A/B/C classes and lost customers. Builds are deterministic: the same
call gives the same bytes (LibreOffice's file: the same content; see :func:`libreoffice_book`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import os
import shutil
import struct
import subprocess
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kam_xl import a1, demo

DOCUMENT_DATE = dt.datetime(2026, 10, 5, 9, 30, 0)
ZIP_DATE = (2026, 10, 5, 9, 30, 0)
SYSTEM_PYTHON = "/usr/bin/python3"
TOOLS = Path(__file__).with_name("tools")
CANONICAL = ["customer_id", "date", "amount", "margin"]


@dataclass(frozen=True)
class ForeignBook:
    """One foreign workbook and what install should find in it."""

    name: str                   # xlsxwriter, openpyxl, libreoffice, german, export
    path: Path
    sheets: tuple[str, ...]     # their sheets, in workbook order
    transactions: str           # the Excel table holding the transactions, or the sheet of a plain range
    transactions_sheet: str
    transactions_ref: str       # A1 range of the transactions, header row included ("A4:G1234")
    is_table: bool
    columns: dict[str, str]     # canonical -> their header: customer_id, date, amount, margin, document_no
    frame: pd.DataFrame = field(repr=False)  # the transactions: customer_id, date, amount, margin
    customers: str | None = None            # table or sheet of their customer list, if any
    customer_columns: dict[str, str] = field(default_factory=dict)  # canonical -> their header
    tables: tuple[str, ...] = ()            # every Excel table of theirs
    #: the input tables the book holds, by canonical name, with the demo's columns (transactions, customers ...)
    inputs: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    notes: str = ""                         # what the maker leaves in the file that a checker should know
    linked: tuple[str, ...] = ()            # files beside it that it links to (external references)
    hidden: tuple[str, ...] = ()            # their hidden sheets (not printed)

    @property
    def visible_sheets(self) -> tuple[str, ...]:
        """Their sheets a user sees and prints: what a before/after render compares."""
        return tuple(name for name in self.sheets if name not in self.hidden)

    def copy_to(self, folder: str | os.PathLike) -> ForeignBook:
        """The same book (and the files it links to) copied into ``folder`` (created if missing): a test's own
        file to install into."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / self.path.name
        for name in self.linked:
            shutil.copyfile(self.path.with_name(name), folder / name)
        shutil.copyfile(self.path, target)
        return dataclasses.replace(self, path=target)


# ------------------------------------------------------------------------------------------------ data

def world(seed: int, customers: int, lines: int, end: dt.date = dt.date(2026, 9, 30)) -> demo.DemoData:
    """A small demo world over two years: enough for ABC/XYZ classes, churn and a few lost key accounts."""
    return demo.generate(customers, seed=seed, end=end, years=2, transactions=lines)


def canonical(transactions: pd.DataFrame) -> pd.DataFrame:
    """customer_id (text), date (datetime64[ns]), amount, margin (float): the frame analyze compares with."""
    return pd.DataFrame({
        "customer_id": transactions["customer_id"].astype(str).to_numpy(),
        "date": pd.to_datetime(transactions["date"]).astype("datetime64[ns]").to_numpy(),
        "amount": transactions["amount"].astype(float).to_numpy(),
        "margin": transactions["margin"].astype(float).to_numpy(),
    })


def _rows(frame: pd.DataFrame, columns: list[str]) -> list[list]:
    """Plain Python values (str, float, datetime.date) per row, in ``columns`` order."""
    out = []
    for column in columns:
        series = frame[column]
        if pd.api.types.is_datetime64_any_dtype(series):
            out.append([d.date() for d in pd.to_datetime(series)])
        elif pd.api.types.is_float_dtype(series):
            out.append([float(v) for v in series])
        else:
            out.append([str(v) for v in series])
    return [list(r) for r in zip(*out)]


def _monthly(frame: pd.DataFrame) -> pd.DataFrame:
    """Revenue and margin per calendar month (first day of the month), every month of the span."""
    months = pd.to_datetime(frame["date"]).dt.to_period("M")
    sums = frame.groupby(months)[["amount", "margin"]].sum()
    span = pd.period_range(sums.index.min(), sums.index.max(), freq="M")
    sums = sums.reindex(span, fill_value=0.0)
    return pd.DataFrame({"month": [p.start_time.date() for p in span], "amount": sums["amount"].to_numpy(),
                         "margin": sums["margin"].to_numpy()})


def tiny_png(width: int = 48, height: int = 48) -> bytes:
    """A small RGB logo (a blue square with an orange bar) as PNG bytes, made with zlib and struct only."""
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")  # filter: none
        for x in range(width):
            if height // 2 - 5 <= y <= height // 2 + 5 and 6 <= x < width - 6:
                row += bytes((237, 125, 49))
            elif 2 <= x < width - 2 and 2 <= y < height - 2:
                row += bytes((31, 78, 120))
            else:
                row += b"\xff\xff\xff"
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
            + chunk(b"IEND", b""))


def _ref(first_row: int, first_col: int, rows: int, cols: int) -> str:
    """A1 range of a block: header row ``first_row`` (1-based) plus ``rows`` data rows."""
    return f"{a1.column_letters(first_col)}{first_row}:{a1.column_letters(first_col + cols - 1)}{first_row + rows}"


# ------------------------------------------------------------------------------------------------ 1 XlsxWriter

def xlsxwriter_book(folder: str | os.PathLike) -> ForeignBook:
    """A sales report as a Python script would write it with XlsxWriter.

    Sheet "Sales": Excel table ``Sales`` (Date, Customer, Invoice No, Sales Rep, Revenue, Gross Margin and a
    calculated column Margin %), frozen header, formats. Sheet "Summary": totals and a revenue-per-month block
    made of SUMIFS formulas (with their cached values), a column chart of it, a note, a logo image, a
    workbook-scoped name ``TotalRevenue``, a sheet-scoped name ``Summary!MonthList``, two custom document
    properties (docProps/custom.xml) and a custom XML item as SharePoint adds to a file it stores.
    """
    import xlsxwriter

    data = world(seed=37, customers=40, lines=1500)
    tx = data.transactions
    owners = dict(zip(data.customers["customer_id"], data.customers["owner"]))
    path = Path(folder) / "xlsxwriter-sales.xlsx"
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
                                              "strings_to_urls": False})
    workbook.set_properties({"title": "Sales report", "author": "Sales Ops", "company": "Muster Maschinenbau AG",
                             "created": DOCUMENT_DATE})
    workbook.set_custom_property("Department", "Sales Operations")
    workbook.set_custom_property("Report version", 7)
    bold = workbook.add_format({"bold": True})
    title = workbook.add_format({"bold": True, "font_size": 16, "font_color": "#1F4E78"})
    date_fmt = workbook.add_format({"num_format": "dd mmm yyyy"})
    month_fmt = workbook.add_format({"num_format": "mmm yyyy", "align": "left"})
    money = workbook.add_format({"num_format": "#,##0.00"})
    money_bold = workbook.add_format({"num_format": "#,##0.00", "bold": True, "bg_color": "#DDEBF7",
                                      "border": 1})
    percent = workbook.add_format({"num_format": "0.0%"})

    sales = workbook.add_worksheet("Sales")
    summary = workbook.add_worksheet("Summary")
    headers = ["Date", "Customer", "Invoice No", "Sales Rep", "Revenue", "Gross Margin", "Margin %"]
    n = len(tx)
    sales.add_table(0, 0, n, len(headers) - 1, {
        "name": "Sales", "style": "Table Style Medium 9",
        "columns": [{"header": h} for h in headers[:-1]] + [{
            "header": "Margin %", "format": percent,
            "formula": "=IFERROR([@[Gross Margin]]/[@Revenue],0)"}],
    })
    for i, (day, customer, invoice, amount, margin) in enumerate(
            _rows(tx, ["date", "customer_id", "document_no", "amount", "margin"]), start=1):
        sales.write_datetime(i, 0, dt.datetime.combine(day, dt.time()), date_fmt)
        sales.write_string(i, 1, customer)
        sales.write_string(i, 2, invoice)
        sales.write_string(i, 3, str(owners.get(customer, "")))
        sales.write_number(i, 4, amount, money)
        sales.write_number(i, 5, margin, money)
        sales.write_formula(i, 6, "=IFERROR(Sales[[#This Row],[Gross Margin]]/Sales[[#This Row],[Revenue]],0)",
                            percent, margin / amount if amount else 0)
    sales.set_column(0, 0, 13)
    sales.set_column(1, 1, 11)
    sales.set_column(2, 2, 18)
    sales.set_column(3, 3, 17)
    sales.set_column(4, 6, 14)
    sales.freeze_panes(1, 0)
    sales.set_landscape()
    sales.fit_to_pages(1, 0)
    sales.repeat_rows(0)

    months = _monthly(tx)
    summary.write_string(0, 0, "Sales summary", title)
    summary.write_string(2, 0, "Total revenue", bold)
    summary.write_formula(2, 1, "=SUBTOTAL(109,Sales[Revenue])", money_bold, float(tx["amount"].sum()))
    summary.write_comment(2, 1, "Net of credit notes. Source: ERP export, refreshed monthly.",
                          {"author": "Sales Ops"})
    summary.write_string(3, 0, "Total margin", bold)
    summary.write_formula(3, 1, "=SUBTOTAL(109,Sales[Gross Margin])", money_bold, float(tx["margin"].sum()))
    summary.write_string(4, 0, "Margin %", bold)
    summary.write_formula(4, 1, "=IFERROR(B4/B3,0)", percent,
                          float(tx["margin"].sum() / tx["amount"].sum()))
    summary.write_row(6, 0, ["Month", "Revenue", "Margin"], bold)
    for i, (month, amount, margin) in enumerate(zip(months["month"], months["amount"], months["margin"]), start=7):
        summary.write_datetime(i, 0, dt.datetime.combine(month, dt.time()), month_fmt)
        within = f'Sales[Date],">="&A{i + 1},Sales[Date],"<"&EDATE(A{i + 1},1)'
        summary.write_formula(i, 1, f"=SUMIFS(Sales[Revenue],{within})", money, float(amount))
        summary.write_formula(i, 2, f"=SUMIFS(Sales[Gross Margin],{within})", money, float(margin))
    last = 7 + len(months) - 1
    summary.set_column(0, 0, 14)
    summary.set_column(1, 2, 15)
    chart = workbook.add_chart({"type": "column"})
    chart.add_series({"name": "Revenue", "categories": ["Summary", 7, 0, last, 0],
                      "values": ["Summary", 7, 1, last, 1], "fill": {"color": "#1F4E78"}})
    chart.set_title({"name": "Revenue per month"})
    chart.set_legend({"none": True})
    chart.set_x_axis({"num_format": "mmm yy"})
    summary.insert_chart("E3", chart, {"x_scale": 1.4, "y_scale": 1.2})
    summary.insert_image("H1", "logo.png", {"image_data": io.BytesIO(tiny_png()), "x_scale": 0.8,
                                            "y_scale": 0.8, "object_position": 3})
    summary.set_landscape()
    summary.fit_to_pages(1, 1)
    workbook.define_name("TotalRevenue", "=Summary!$B$3")
    workbook.define_name("Summary!MonthList", f"=Summary!$A$8:$A${last + 1}")
    workbook.close()
    _add_sharepoint_item(path)
    return ForeignBook(
        "xlsxwriter", path, ("Sales", "Summary"), "Sales", "Sales", _ref(1, 1, n, len(headers)), True,
        {"customer_id": "Customer", "date": "Date", "amount": "Revenue", "margin": "Gross Margin",
         "document_no": "Invoice No"},
        canonical(tx), tables=("Sales",), inputs={"transactions": tx},
        notes="comments (VML drawing), chart, image, workbook and sheet-scoped defined names, "
              "custom document properties, custom XML (customXml/item1.xml)")


SHAREPOINT_ITEM = {
    "customXml/item1.xml": b'<?xml version="1.0" encoding="UTF-8" standalone="no"?><?mso-contentType?>'
                           b'<FormTemplates xmlns="http://schemas.microsoft.com/sharepoint/v3/contenttype/forms">'
                           b'<Display>DocumentLibraryForm</Display><Edit>DocumentLibraryForm</Edit>'
                           b'<New>DocumentLibraryForm</New></FormTemplates>',
    "customXml/itemProps1.xml": b'<?xml version="1.0" encoding="UTF-8" standalone="no"?>\r\n'
                                b'<ds:datastoreItem ds:itemID="{6A2F6E41-1C1B-4E0B-9E42-0B7C1D7E5A11}" '
                                b'xmlns:ds="http://schemas.openxmlformats.org/officeDocument/2006/customXml">'
                                b'<ds:schemaRefs><ds:schemaRef ds:uri="http://schemas.microsoft.com/sharepoint/v3/'
                                b'contenttype/forms"/></ds:schemaRefs></ds:datastoreItem>',
    "customXml/_rels/item1.xml.rels": b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
                                      b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                                      b'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats'
                                      b'.org/officeDocument/2006/relationships/customXmlProps" '
                                      b'Target="itemProps1.xml"/></Relationships>',
}


def _add_sharepoint_item(path: Path) -> None:
    """Add the custom XML item SharePoint puts into a workbook stored in a document library (its form
    templates), with its relationship from the workbook and its content type, as Excel keeps them."""
    with zipfile.ZipFile(path) as package:
        entries = [(info, package.read(info)) for info in package.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for info, data in entries:
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", b'<Override PartName="/customXml/itemProps1.xml" ContentType='
                                                 b'"application/vnd.openxmlformats-officedocument.'
                                                 b'customXmlProperties+xml"/></Types>')
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rId99" Type="http://schemas.'
                                                         b'openxmlformats.org/officeDocument/2006/relationships/'
                                                         b'customXml" Target="../customXml/item1.xml"/>'
                                                         b"</Relationships>")
            package.writestr(info, data)
        for name, data in SHAREPOINT_ITEM.items():
            package.writestr(zipfile.ZipInfo(name, date_time=entries[0][0].date_time), data,
                             zipfile.ZIP_DEFLATED)


# ------------------------------------------------------------------------------------------------ 2 openpyxl

class _FixedDateZip(zipfile.ZipFile):
    """A zip whose entries all carry one date, so openpyxl's output does not depend on the clock."""

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if isinstance(zinfo_or_arcname, str):
            zinfo_or_arcname = zipfile.ZipInfo(zinfo_or_arcname, date_time=ZIP_DATE)
            zinfo_or_arcname.compress_type = zipfile.ZIP_DEFLATED
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        """openpyxl writes each worksheet to a temporary file first, then adds that file."""
        self.writestr(arcname or os.path.basename(filename), Path(filename).read_bytes())


def openpyxl_book(folder: str | os.PathLike) -> ForeignBook:
    """An invoice list as an openpyxl script would write it.

    Sheet "Invoices": Excel table ``tblInvoices`` (Document No, Invoice Date, Customer No, Customer Name,
    Net Amount, Margin, Paid), header styles, number formats, a drop-down (data validation) on Paid from the
    defined name ``PaidChoices`` on the hidden sheet "Lists", and a conditional format on negative margins.
    Sheet "Overview": formulas over the table (openpyxl writes no cached values; Excel and LibreOffice
    compute them on open). openpyxl writes text as inline strings: the file has no shared-strings part.

    openpyxl writes ``<color>`` before ``<name>`` in its default font, which openxml-audit reports as one
    schema error in xl/styles.xml: the maker's own error, present before install.
    """
    from openpyxl import Workbook
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.workbook.defined_name import DefinedName
    from openpyxl.worksheet.datavalidation import DataValidation
    from openpyxl.worksheet.table import Table, TableStyleInfo
    from openpyxl.writer.excel import ExcelWriter

    data = world(seed=22, customers=40, lines=1200)
    tx = data.transactions.sort_values(["document_no", "date"], kind="stable").reset_index(drop=True)
    names = dict(zip(data.customers["customer_id"], data.customers["name"]))
    path = Path(folder) / "openpyxl-invoices.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Invoices"
    headers = ["Document No", "Invoice Date", "Customer No", "Customer Name", "Net Amount", "Margin", "Paid"]
    ws.append(headers)
    for i, (doc, day, customer, amount, margin) in enumerate(
            _rows(tx, ["document_no", "date", "customer_id", "amount", "margin"])):
        ws.append([doc, day, customer, str(names.get(customer, "")), amount, margin,
                   "No" if i >= len(tx) - 40 else "Yes"])
    n = len(tx)
    header_fill = PatternFill("solid", fgColor="305496")
    for cell in ws[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center")
    for row in ws.iter_rows(min_row=2, max_row=n + 1):
        row[1].number_format = "yyyy-mm-dd"
        row[4].number_format = "#,##0.00"
        row[5].number_format = "#,##0.00"
    for col, width in zip("ABCDEFG", (18, 13, 13, 34, 14, 12, 7)):
        ws.column_dimensions[col].width = width
    table = Table(displayName="tblInvoices", ref=f"A1:G{n + 1}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    ws.add_table(table)
    paid = DataValidation(type="list", formula1="PaidChoices", allow_blank=True, showErrorMessage=True,
                          errorTitle="Paid", error="Yes or No")
    paid.add(f"G2:G{n + 1}")
    ws.add_data_validation(paid)
    ws.conditional_formatting.add(f"F2:F{n + 1}", CellIsRule(operator="lessThan", formula=["0"],
                                                            font=Font(color="9C0006"),
                                                            fill=PatternFill("solid", bgColor="FFC7CE")))
    ws.freeze_panes = "A2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True

    overview = wb.create_sheet("Overview")
    overview["A1"] = "Invoice overview"
    overview["A1"].font = Font(bold=True, size=14)
    rows = [("Invoice lines", "=ROWS(tblInvoices[Document No])"),
            ("Net amount", "=SUM(tblInvoices[Net Amount])"),
            ("Margin", "=SUM(tblInvoices[Margin])"),
            ("Margin %", "=IFERROR(B5/B4,0)"),
            ("Open (not paid)", '=SUMIFS(tblInvoices[Net Amount],tblInvoices[Paid],"No")')]
    for year in sorted(pd.to_datetime(tx["date"]).dt.year.unique()):
        rows.append((f"Net amount {year}",
                     f'=SUMIFS(tblInvoices[Net Amount],tblInvoices[Invoice Date],">="&DATE({year},1,1),'
                     f'tblInvoices[Invoice Date],"<"&DATE({year + 1},1,1))'))
    for i, (label, formula) in enumerate(rows, start=3):
        overview.cell(i, 1, label).font = Font(bold=True)
        overview.cell(i, 2, formula).number_format = "0.0%" if label == "Margin %" else "#,##0.00"
    overview.column_dimensions["A"].width = 22
    overview.column_dimensions["B"].width = 16

    lists = wb.create_sheet("Lists")
    for row in (["Paid"], ["Yes"], ["No"]):
        lists.append(row)
    lists.sheet_state = "hidden"
    wb.defined_names["PaidChoices"] = DefinedName("PaidChoices", attr_text="Lists!$A$2:$A$3")

    wb.properties.creator = "Accounting"
    wb.properties.created = wb.properties.modified = DOCUMENT_DATE
    with _FixedDateZip(path, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).write_data()
    return ForeignBook(
        "openpyxl", path, ("Invoices", "Overview", "Lists"), "tblInvoices", "Invoices",
        _ref(1, 1, n, len(headers)), True,
        {"customer_id": "Customer No", "date": "Invoice Date", "amount": "Net Amount", "margin": "Margin",
         "document_no": "Document No"},
        canonical(tx), tables=("tblInvoices",), inputs={"transactions": tx}, hidden=("Lists",),
        notes="no xl/sharedStrings.xml (inline strings); hidden sheet Lists; openxml-audit: 1 error of "
              "openpyxl's own in xl/styles.xml (font color before name)")


# ------------------------------------------------------------------------------------------------ 3 LibreOffice

def libreoffice_book(folder: str | os.PathLike, env: dict[str, str] | None = None) -> ForeignBook:
    """A workbook LibreOffice Calc made and saved as .xlsx, with a pivot table.

    tests/tools/uno_pivot_book.py (run by the system python3 with python3-uno) starts a private headless
    soffice, fills sheet "Data" (Client ID, Date, Document, Sales, Margin, Year: a plain range with an
    autofilter), puts a pivot table of Sales per Client ID and Year on sheet "Pivot" and stores the document
    with the "Calc MS Excel 2007 XML" filter: LibreOffice writes the pivot cache definition and records and
    the pivot table part itself. Document dates are fixed; LibreOffice stamps the zip entries with the clock,
    so two builds have the same content, not the same bytes.
    """
    data = world(seed=43, customers=40, lines=1400)
    tx = data.transactions
    folder = Path(folder)
    path = folder / "libreoffice-pivot.xlsx"
    source = folder / "libreoffice-pivot.json"
    rows = [[c, float((pd.Timestamp(d) - pd.Timestamp("1899-12-30")).days), doc, a, m, float(pd.Timestamp(d).year)]
            for d, c, doc, a, m in _rows(tx, ["date", "customer_id", "document_no", "amount", "margin"])]
    budget = folder / "budget-plan.xlsx"
    _budget_book(budget)
    source.write_text(json.dumps({
        "headers": ["Client ID", "Date", "Document", "Sales", "Margin", "Year"], "rows": rows,
        "created": DOCUMENT_DATE.isoformat(), "budget": str(budget)}), encoding="utf-8")
    result = subprocess.run([SYSTEM_PYTHON, str(TOOLS / "uno_pivot_book.py"), str(source), str(path)],
                            capture_output=True, text=True, timeout=300, env=env)
    source.unlink()
    if result.returncode or not path.is_file():
        raise RuntimeError(f"LibreOffice made no pivot workbook: {result.stdout}\n{result.stderr}")
    n = len(tx)
    return ForeignBook(
        "libreoffice", path, ("Data", "Pivot"), "Data", "Data", _ref(1, 1, n, 6), False,
        {"customer_id": "Client ID", "date": "Date", "amount": "Sales", "margin": "Margin",
         "document_no": "Document"},
        canonical(tx), inputs={"transactions": tx}, linked=(budget.name,),
        notes="pivot table on Pivot with its cache (pivotCacheDefinition, pivotCacheRecords); an external link "
              "to budget-plan.xlsx (H3 on Pivot); openxml-audit: 1 error of LibreOffice's own (no theme part)")


def _budget_book(path: Path) -> None:
    """The plan workbook the LibreOffice book links to: sheet Plan, the budget in B2."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path))
    workbook.set_properties({"created": DOCUMENT_DATE})
    plan = workbook.add_worksheet("Plan")
    plan.write_string(1, 0, "Budget 2026")
    plan.write_number(1, 1, 2_500_000)
    workbook.close()


# ------------------------------------------------------------------------------------------------ 4 German

def german_book(folder: str | os.PathLike) -> ForeignBook:
    """A German sales list kept by hand: plain ranges, no Excel table.

    Sheet "Umsätze": title and "Stand" in rows 1-2, headers in row 4 (Kundennr., Belegdatum, Belegnr.,
    Umsatz, Deckungsbeitrag, Vertreter), an autofilter, a frozen pane, dates as real dates formatted
    DD.MM.YYYY, amounts formatted ``#,##0.00`` (the file always stores the en-US code; German Excel shows
    it as #.##0,00). Sheet "Kunden": Kundennr., Name, Branche as a plain range.
    """
    import xlsxwriter

    data = world(seed=48, customers=30, lines=1000, end=dt.date(2026, 6, 30))
    tx = data.transactions
    customers = data.customers
    owners = dict(zip(customers["customer_id"], customers["owner"]))
    path = Path(folder) / "umsaetze-de.xlsx"
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
                                              "strings_to_urls": False})
    workbook.set_properties({"title": "Umsatzliste", "author": "Vertrieb Innendienst", "created": DOCUMENT_DATE})
    title = workbook.add_format({"bold": True, "font_size": 14})
    header = workbook.add_format({"bold": True, "bottom": 2, "bg_color": "#E2EFDA", "text_wrap": True})
    date_fmt = workbook.add_format({"num_format": "dd.mm.yyyy"})
    money = workbook.add_format({"num_format": "#,##0.00"})
    money_bold = workbook.add_format({"num_format": "#,##0.00", "bold": True})

    sheet = workbook.add_worksheet("Umsätze")
    headers = ["Kundennr.", "Belegdatum", "Belegnr.", "Umsatz", "Deckungsbeitrag", "Vertreter"]
    first = 3  # 0-based header row: row 4
    n = len(tx)
    sheet.write_string(0, 0, "Umsatzliste Vertrieb Süd", title)
    sheet.write_string(1, 0, "Stand: 30.06.2026")
    sheet.write_string(1, 2, "Summe Umsatz:")
    sheet.write_formula(1, 3, f"=SUM(D{first + 2}:D{first + 1 + n})", money_bold, float(tx["amount"].sum()))
    sheet.write_row(first, 0, headers, header)
    for i, (customer, day, doc, amount, margin) in enumerate(
            _rows(tx, ["customer_id", "date", "document_no", "amount", "margin"]), start=first + 1):
        sheet.write_string(i, 0, customer)
        sheet.write_datetime(i, 1, dt.datetime.combine(day, dt.time()), date_fmt)
        sheet.write_string(i, 2, doc)
        sheet.write_number(i, 3, amount, money)
        sheet.write_number(i, 4, margin, money)
        sheet.write_string(i, 5, str(owners.get(customer, "")))
    sheet.autofilter(first, 0, first + n, len(headers) - 1)
    sheet.freeze_panes(first + 1, 0)
    for col, width in enumerate((11, 12, 18, 14, 16, 17)):
        sheet.set_column(col, col, width)
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(first)

    kunden = workbook.add_worksheet("Kunden")
    kunden.write_row(0, 0, ["Kundennr.", "Name", "Branche"], header)
    for i, (cid, name, industry) in enumerate(_rows(customers, ["customer_id", "name", "industry"]), start=1):
        kunden.write_string(i, 0, cid)
        kunden.write_string(i, 1, name)
        kunden.write_string(i, 2, industry)
    kunden.set_column(0, 0, 11)
    kunden.set_column(1, 1, 38)
    kunden.set_column(2, 2, 24)
    kunden.set_paper(9)
    kunden.print_area(0, 0, len(customers), 2)
    workbook.close()
    return ForeignBook(
        "german", path, ("Umsätze", "Kunden"), "Umsätze", "Umsätze", _ref(first + 1, 1, n, len(headers)), False,
        {"customer_id": "Kundennr.", "date": "Belegdatum", "amount": "Umsatz", "margin": "Deckungsbeitrag",
         "document_no": "Belegnr."},
        canonical(tx), customers="Kunden",
        customer_columns={"customer_id": "Kundennr.", "name": "Name", "industry": "Branche"},
        inputs={"transactions": tx, "customers": customers[["customer_id", "name", "industry"]]},
        notes="title rows above the header; sheet-scoped defined names of Excel's: _xlnm._FilterDatabase "
              "(autofilter), _xlnm.Print_Titles, _xlnm.Print_Area")


# ------------------------------------------------------------------------------------------------ 5 export

def export_book(folder: str | os.PathLike) -> ForeignBook:
    """The demo data as a macro-free .xlsx: the seven input tables of KeyAccounts.xlsm, nothing else.

    What a user has after copying the input sheets of a KeyAccounts workbook into a new .xlsx (or saving it
    as .xlsx and deleting our other sheets): written with XlsxWriter by the template's own input-sheet code
    (:func:`kam_xl.template.sheet_inputs.write_input_sheets`: same tables, headers, formats, drop-downs and
    sheet code names), without the VBA project, the ribbon, the Settings or any output sheet. The Prospects
    column "Potential key customer" holds values (the template's snapshot), as no THREE_P function exists
    without kam_xl. Table names equal ours (Customers, Transactions ...): install must take them as the
    inputs, not collide with them.
    """
    import xlsxwriter

    from kam_xl.template.sheet_inputs import TABLES, write_input_sheets
    from kam_xl.template.sheets import Formats
    from kam_xl.template.workbook import WORKBOOK_OPTIONS

    data = world(seed=13, customers=40, lines=1300)
    path = Path(folder) / "demo-export.xlsx"
    workbook = xlsxwriter.Workbook(str(path), {k: v for k, v in WORKBOOK_OPTIONS.items() if k != "in_memory"})
    workbook.set_properties({"title": "Key account data", "author": "kam_xl demo", "created": DOCUMENT_DATE})
    write_input_sheets(workbook, Formats.of(workbook), data.tables(), snapshot=True)
    workbook.close()
    tx = data.transactions
    transactions = next(t for t in TABLES if t.name == "Transactions")
    return ForeignBook(
        "export", path, tuple(t.name for t in TABLES), "Transactions", "Transactions",
        _ref(1, 1, len(tx), len(transactions.columns)), True,
        {"customer_id": "Customer ID", "date": "Date", "amount": "Amount", "margin": "Margin",
         "document_no": "Document no"},
        canonical(tx), customers="Customers",
        customer_columns={"customer_id": "Customer ID", "name": "Name", "industry": "Industry", "owner": "Owner"},
        tables=tuple(t.name for t in TABLES), inputs=data.tables(),
        notes="our own input tables and sheet code names (shtCustomers ...), no VBA, no ribbon")


BUILDERS = {"xlsxwriter": xlsxwriter_book, "openpyxl": openpyxl_book, "libreoffice": libreoffice_book,
            "german": german_book, "export": export_book}


def build_all(folder: str | os.PathLike, env: dict[str, str] | None = None) -> dict[str, ForeignBook]:
    """All five workbooks in ``folder`` (created if missing), by name. ``env``: LibreOffice's environment."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return {name: builder(folder, env) if name == "libreoffice" else builder(folder)
            for name, builder in BUILDERS.items()}


__all__ = ["ForeignBook", "BUILDERS", "build_all", "canonical", "export_book", "german_book", "libreoffice_book",
           "openpyxl_book", "tiny_png", "world", "xlsxwriter_book"]
