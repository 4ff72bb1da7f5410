"""Bringing kam_xl into a workbook and keeping it current there (``kam-xl install``).

    upgrade.py      ``kam-xl install --upgrade BOOK.xlsm``: kam_xl's own parts replaced, the user's kept
    parts.py        a package as named parts, its relationships and content types, written back as a zip
    styles.py       cell and differential formats of one package added to another's styles.xml
    strings.py      shared strings of one package added to another's sharedStrings.xml
    sheet_swap.py   a sheet of a kam_xl workbook replaced by the template's, with everything it owns
"""
