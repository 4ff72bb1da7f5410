"""Export some sheets of a workbook to PDF with LibreOffice, leaving the file untouched.

    python3 uno_export_sheets.py BOOK OUT.pdf SHEET [SHEET ...]

Loads BOOK hidden, with macros never executed and links never updated, shows exactly the named
sheets and hides the others in the loaded copy only, with their print areas cleared (LibreOffice prints
no hidden sheet, except the print area of one that has it), and stores the document with the
calc_pdf_Export filter, which prints every visible sheet in workbook order with its own page setup. The document is closed without saving. Exits 2 naming a sheet the workbook lacks.
Run by Debian's python3 (python3-uno).
"""
import sys

from uno_office import office, props, url

NEVER_EXECUTE = 0  # com.sun.star.document.MacroExecMode
NO_UPDATE = 0  # com.sun.star.document.UpdateDocMode


def main(book, out, wanted):
    with office() as desktop:
        doc = desktop.loadComponentFromURL(url(book), "_blank", 0, props(
            Hidden=True, MacroExecutionMode=NEVER_EXECUTE, UpdateDocMode=NO_UPDATE))
        try:
            sheets = doc.Sheets
            names = list(sheets.ElementNames)
            missing = [name for name in wanted if name not in names]
            if missing:
                print(f"{book}: no sheet named {', '.join(missing)} (sheets: {', '.join(names)})", file=sys.stderr)
                return 2
            # show the wanted ones first: a document must keep one visible sheet at all times
            for name in wanted:
                sheets.getByName(name).IsVisible = True
            doc.CurrentController.setActiveSheet(sheets.getByName(wanted[0]))
            for name in names:
                if name not in wanted:
                    sheet = sheets.getByName(name)
                    sheet.setPrintAreas(())  # LibreOffice prints a hidden sheet's print area all the same
                    sheet.IsVisible = False
            doc.storeToURL(url(out), props(FilterName="calc_pdf_Export"))
        finally:
            doc.close(True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
