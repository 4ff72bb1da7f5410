"""Make a workbook with LibreOffice Calc itself: a data range and a pivot table, saved as .xlsx.

    python3 uno_pivot_book.py SOURCE.json OUT.xlsx

SOURCE.json: {"headers": [6 names: customer, date, document, amount, margin, year], "rows": [[...]],
"created": ISO date, "budget": optional path of a workbook whose sheet Plan holds a number in B2}; dates are
Excel serial numbers. Sheet "Data" gets the range (dates formatted
YYYY-MM-DD, amounts #,##0.00, an autofilter on the header row); sheet "Pivot" a title and a pivot table
"RevenuePerCustomer": rows = the customer column, columns = the year column, data = sum of the amount
column; with "budget", a cell on Pivot links to that workbook (an external reference). Stored with the "Calc MS Excel 2007 XML" filter, as a user would by "Save as .xlsx".
Run by Debian's python3 (python3-uno).
"""
import datetime
import json
import sys

import uno
from com.sun.star.sheet.DataPilotFieldOrientation import COLUMN, DATA, ROW
from com.sun.star.sheet.GeneralFunction import SUM
from com.sun.star.table import CellAddress, CellRangeAddress
from com.sun.star.util import DateTime

from uno_office import office, props, url


def number_format(doc, code):
    formats = doc.NumberFormats
    locale = uno.createUnoStruct("com.sun.star.lang.Locale")
    key = formats.queryKey(code, locale, False)
    return key if key != -1 else formats.addNew(code, locale)


def uno_date(iso):
    when = datetime.datetime.fromisoformat(iso)
    return DateTime(0, when.second, when.minute, when.hour, when.day, when.month, when.year, False)


def main(source, out):
    spec = json.load(open(source, encoding="utf-8"))
    headers, rows = spec["headers"], spec["rows"]
    with office() as desktop:
        doc = desktop.loadComponentFromURL("private:factory/scalc", "_blank", 0, props(Hidden=True))
        sheets = doc.Sheets
        data = sheets.getByIndex(0)
        data.Name = "Data"
        sheets.insertNewByName("Pivot", 1)
        pivot = sheets.getByName("Pivot")

        n, width = len(rows), len(headers)
        block = data.getCellRangeByPosition(0, 0, width - 1, n)
        block.setDataArray(tuple([tuple(headers)] + [tuple(r) for r in rows]))
        header = data.getCellRangeByPosition(0, 0, width - 1, 0)
        header.CharWeight = 150.0  # bold
        header.CellBackColor = 0xDDEBF7
        data.getCellRangeByPosition(1, 1, 1, n).NumberFormat = number_format(doc, "YYYY-MM-DD")
        data.getCellRangeByPosition(3, 1, 4, n).NumberFormat = number_format(doc, "#,##0.00")
        columns = data.Columns
        for index, width_mm in enumerate((25, 25, 40, 25, 25, 15)):
            columns.getByIndex(index).Width = width_mm * 100
        whole = CellRangeAddress(0, 0, 0, width - 1, n)
        unnamed = doc.getPropertyValue("UnnamedDatabaseRanges")  # the sheet's own range: an autofilter
        unnamed.setByTable(whole)
        unnamed.getByTable(0).AutoFilter = True

        title = pivot.getCellByPosition(0, 0)
        title.String = "Revenue per customer and year"
        title.CharWeight = 150.0
        title.CharHeight = 14.0
        tables = pivot.DataPilotTables
        descriptor = tables.createDataPilotDescriptor()
        descriptor.SourceRange = whole
        fields = descriptor.DataPilotFields
        fields.getByIndex(0).Orientation = ROW
        fields.getByIndex(5).Orientation = COLUMN
        amount = fields.getByIndex(3)
        amount.Orientation = DATA
        amount.Function = SUM
        tables.insertNewByName("RevenuePerCustomer", CellAddress(1, 0, 2), descriptor)
        if spec.get("budget"):  # a link to another workbook: LibreOffice writes an externalLink part
            pivot.getCellByPosition(6, 2).String = "Budget (plan file)"
            link = pivot.getCellByPosition(7, 2)
            link.Formula = f"='{url(spec['budget'])}'#$Plan.$B$2"
            link.NumberFormat = number_format(doc, "#,##0")

        info = doc.DocumentProperties
        info.Author = info.ModifiedBy = "Controlling"
        info.Title = "Sales by customer"
        info.CreationDate = info.ModificationDate = uno_date(spec["created"])
        doc.CurrentController.setActiveSheet(data)
        doc.storeToURL(url(out), props(FilterName="Calc MS Excel 2007 XML"))
        doc.close(True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
