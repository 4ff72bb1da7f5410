"""The text sheets: About (first), Labels (hidden) and xlwings.conf (last).

About explains the workbook in the language of the Settings sheet (label formulas) and lists the cell
functions of :mod:`kam_xl.udfs` with the first line of their docstrings. xlwings.conf is read by the embedded
xlwings VBA module exactly as xlwings' own quickstart sheet: keys from A1 down to the first empty cell in
column A, values in column B; column C and the rows below the gap are help for people only.
"""

from __future__ import annotations

import inspect
import math

import xlwings
from xlsxwriter.workbook import Workbook

import kam_xl
from kam_xl.template.labels import LABELS, caption, label_formula
from kam_xl.template.sheets import CONFIG_TAB, SHEETS, Formats, page_setup

UDF_MODULE = "kam_xl.udfs"

#: xlwings.conf rows: key (as xlwings reads it, case-insensitive), value, help.
XLWINGS_CONF = [
    ("UDF Modules", UDF_MODULE,
     "Python module with the cell functions. Leave as it is."),
]
#: Keys a PC sets for itself: below the block, so xlwings does not read them here (a key on this sheet, even
#: empty, would override every user's own xlwings.conf file).
XLWINGS_OPTIONAL = [
    ("Interpreter_Win",
     r"Windows: full path of python.exe, e.g. C:\Users\<you>\AppData\Local\Programs\Python\Python311\python.exe."),
    ("Interpreter_Mac",
     "macOS: full path of python, e.g. /Library/Frameworks/Python.framework/Versions/3.11/bin/python3."),
    ("PYTHONPATH", "Extra folders Python imports from, separated by ; (semicolon). Not needed when kam_xl is "
                   "installed with pip."),
]
XLWINGS_CONF_NOTES = [
    "How xlwings reads this sheet: keys in column A from A1 down to the first empty row, values in column B. "
    "Column C is help only. A key here overrides every other place, even with an empty value.",
    "Each PC sets its own Python in the file .xlwings\\xlwings.conf in the user folder (Windows; macOS: "
    "~/Library/Containers/com.microsoft.Excel/Data/xlwings.conf), one line per key: \"Interpreter_Win\",\"C:\\...\\python.exe\". "
    "Without it, python on the PATH runs.",
    "To pin a key for this workbook on every PC instead, move its row from below into the block at the top "
    "(no empty row between).",
    "The xlwings add-in is not needed: the xlwings VBA module is inside this workbook.",
]

ABOUT_SECTIONS = [
    ("about.what", ["about.what.1", "about.what.2", "about.what.3", "about.what.4"]),
    ("about.use", ["about.use.1", "about.use.2", "about.use.3", "about.use.4", "about.use.5"]),
    ("about.install", ["about.install.1", "about.install.2", "about.install.3", "about.install.4"]),
]
TEXT_WIDTH = 120  # characters across the merged text cells B:C
LINE_HEIGHT = 15


SETUP_CHECK = "SETUP_CHECK"


def write_about_sheet(workbook: Workbook, formats: Formats, language: str = "EN", snapshot: bool = False) -> None:
    """``snapshot`` writes the Check set-up answer as a value instead of ``=SETUP_CHECK()`` (empty until Python
    answers)."""
    sheet = workbook.add_worksheet("About")
    sheet.set_vba_name(SHEETS["About"])
    sheet.set_tab_color("#1F4E78")
    sheet.hide_gridlines(2)
    sheet.set_column(0, 0, 2)
    sheet.set_column(1, 1, 34)
    sheet.set_column(2, 2, 86)

    def text(row: int, key: str, fmt) -> None:
        value = caption(key, language)
        sheet.merge_range(row, 1, row, 2, "", fmt)
        sheet.write_formula(row, 1, label_formula(key), fmt, value)
        sheet.set_row(row, _height(value))

    sheet.set_row(0, 36)
    sheet.write_formula(0, 1, label_formula("about.title"), formats.title, caption("about.title", language))
    text(1, "about.subtitle", formats.subtitle_wrap)
    row = 3
    for heading, lines in ABOUT_SECTIONS:
        text(row, heading, formats.heading)
        sheet.set_row(row, 20)
        for key in lines:
            row += 1
            text(row, key, formats.wrap)
        row += 2

    text(row, "about.functions", formats.heading)
    sheet.set_row(row, 20)
    for name, signature, summary in cell_functions():
        row += 1
        sheet.write_string(row, 1, f"{name}{signature}", formats.code_wrap)
        sheet.write_string(row, 2, summary, formats.wrap)
        sheet.set_row(row, max(_height(summary, 86), _height(name + signature, 34, code=True)))
    row += 2

    text(row, "about.file", formats.heading)
    sheet.set_row(row, 20)
    row += 1
    sheet.write_formula(row, 1, label_formula("about.version"), formats.text, caption("about.version", language))
    sheet.write_string(row, 2, f"kam_xl {kam_xl.__version__}, xlwings {xlwings.__version__}", formats.text)
    row += 1
    sheet.write_formula(row, 1, label_formula("about.setup"), formats.text, caption("about.setup", language))
    if snapshot:
        from kam_xl import udfs

        sheet.write_string(row, 2, udfs.SETUP_CHECK(), formats.text)
    else:
        sheet.write_formula(row, 2, f"={SETUP_CHECK}()", formats.text, "")
    row += 1
    sheet.write_formula(row, 1, label_formula("about.licence"), formats.text, caption("about.licence", language))
    value = caption("about.licence.text", language)
    sheet.write_formula(row, 2, label_formula("about.licence.text"), formats.wrap, value)
    sheet.set_row(row, _height(value, 86))

    sheet.activate()
    sheet.print_area(0, 0, row, 2)
    page_setup(sheet, landscape=False, one_page=True)


def cell_functions() -> list[tuple[str, str, str]]:
    """(name, "(arg, [optional])", first docstring line) of every cell function, in module order."""
    import importlib

    udfs = importlib.import_module(UDF_MODULE)
    out = []
    for name, fn in vars(udfs).items():
        if not (callable(fn) and name.isupper() and getattr(fn, "__module__", None) == udfs.__name__):
            continue
        params = inspect.signature(fn).parameters.values()
        args = ", ".join(p.name if p.default is inspect.Parameter.empty else f"[{p.name}]" for p in params)
        doc = (inspect.getdoc(fn) or "").strip()
        out.append((name, f"({args})", " ".join(doc.split("\n\n")[0].split())))
    return out


def write_labels_sheet(workbook: Workbook, formats: Formats) -> None:
    sheet = workbook.add_worksheet("Labels")
    sheet.set_vba_name(SHEETS["Labels"])
    sheet.set_tab_color(CONFIG_TAB)
    sheet.add_table(0, 0, len(LABELS), 2, {
        "name": "Labels", "style": "Table Style Light 1",
        "columns": [{"header": h, "header_format": formats.header} for h in ("Key", "EN", "DE")],
    })
    for row, (key, texts) in enumerate(LABELS.items(), start=1):
        sheet.write_string(row, 0, key, formats.code)
        for col, value in enumerate(texts, start=1):
            if value:
                sheet.write_string(row, col, value, formats.text)
    sheet.set_column(0, 0, 26)
    sheet.set_column(1, 2, 70)
    sheet.freeze_panes(1, 0)
    sheet.hide()


def write_xlwings_conf_sheet(workbook: Workbook, formats: Formats) -> None:
    sheet = workbook.add_worksheet("xlwings.conf")
    sheet.set_vba_name(SHEETS["xlwings.conf"])
    sheet.set_tab_color(CONFIG_TAB)
    sheet.set_column(0, 0, 18)
    sheet.set_column(1, 1, 40)
    sheet.set_column(2, 2, 100)
    for row, (key, value, note) in enumerate(XLWINGS_CONF):
        sheet.write_string(row, 0, key, formats.code)
        if value:
            sheet.write_string(row, 1, value, formats.setting_value)
        else:
            sheet.write_blank(row, 1, None, formats.setting_value)
        sheet.write_string(row, 2, note, formats.note)
        sheet.set_row(row, _height(note, 100))
    row = len(XLWINGS_CONF) + 1  # one empty row ends what xlwings reads
    for key, note in XLWINGS_OPTIONAL:
        sheet.write_string(row, 0, key, formats.code)
        sheet.write_blank(row, 1, None, formats.setting_value)
        sheet.write_string(row, 2, note, formats.note)
        sheet.set_row(row, _height(note, 100))
        row += 1
    row += 1
    for note in XLWINGS_CONF_NOTES:
        sheet.write_string(row, 0, note, formats.note_nowrap)
        row += 1
    page_setup(sheet, one_page=True)


def _height(text: str, width: int = TEXT_WIDTH, code: bool = False) -> float:
    """Row height for ``text`` wrapped in ``width`` characters of column (Calibri 11, or Consolas 10)."""
    per_line = width * (0.8 if code else 1.12)  # code breaks at commas and may print in a wider font
    lines = max(1, math.ceil(len(text) / per_line))
    return LINE_HEIGHT * lines + 3
