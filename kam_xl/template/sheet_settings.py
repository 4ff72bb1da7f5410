"""The Settings sheet: one row per field of :class:`kam_xl.core.settings.Settings`, each value a named cell.

    Settings!A1    title, note
    row 4          As of | <date, named kam_as_of> | what an empty cell means
    row 6          table "Settings": Setting | Value | Description, one row per field (declaration order)

Each Value cell is named ``kam_<field>``; below the fields, the stamp rows (:mod:`kam_xl.stamp`, named
``kam_workbook_format`` and ``kam_version``); ``kam_settings`` names the Setting:Value block (without the header,
stamp included) that the cell functions read. Defaults and help texts come from the Settings class, nothing is restated
here; the validation follows the field's type and the choices the settings module declares.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from xlsxwriter.workbook import Workbook

from kam_xl import stamp
from kam_xl.core import settings as core_settings
from kam_xl.core.settings import Settings, describe
from kam_xl.template.labels import caption, label_formula
from kam_xl.template.sources import Sources
from kam_xl.template.sheets import CONFIG_TAB, SHEETS, TABLE_STYLE, Formats, page_setup, write_value

SHEET = "Settings"
AS_OF_ROW = 3          # 0-based: row 4
TABLE_ROW = 5          # 0-based header row of the table: row 6
AS_OF_NAME = "kam_as_of"
SETTINGS_NAME = "kam_settings"

#: Fields with a fixed set of values -> the values (from the settings module).
CHOICES = {
    "abc_value": core_settings.ABC_VALUES,
    "xyz_method": core_settings.XYZ_METHODS,
    "xyz_period": core_settings.XYZ_PERIODS,
    "language": core_settings.LANGUAGES,
}
#: Upper bound of "tolerance", the epsilon of threshold comparisons (the settings module checks the same).
TOLERANCE_MAX = 0.01


def cell_name(field: str) -> str:
    """Workbook name of a setting's value cell."""
    return f"kam_{field}"


def write_settings_sheet(workbook: Workbook, formats: Formats, language: str = "EN",
                         sources: Sources = Sources()) -> None:
    """The Settings sheet; inputs that live elsewhere (``sources``) add their two rows after the settings, inside
    ``kam_settings``, and the defined names of their plain ranges."""
    sheet = workbook.add_worksheet(SHEET)
    sheet.set_vba_name(SHEETS[SHEET])
    sheet.set_tab_color(CONFIG_TAB)
    defaults = dataclasses.replace(Settings(), language=language)
    fields = dataclasses.fields(Settings)

    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 1, 14)
    sheet.set_column(2, 2, 96)
    sheet.set_row(0, 30)
    _caption(sheet, 0, 0, "settings.title", formats.title, language)
    _caption(sheet, 1, 0, "settings.note", formats.subtitle, language)

    _caption(sheet, AS_OF_ROW, 0, "settings.as_of", formats.heading, language)
    sheet.write_blank(AS_OF_ROW, 1, None, formats.setting_value_date)
    _caption(sheet, AS_OF_ROW, 2, "settings.as_of.note", formats.note, language)
    sheet.set_row(AS_OF_ROW, 30)
    sheet.data_validation(AS_OF_ROW, 1, AS_OF_ROW, 1, {
        "validate": "date", "criteria": ">=", "value": dt.date(1990, 1, 1),
        "input_title": "As of", "input_message": "A date, or empty for the day of the last transaction.",
        "error_title": "As of", "error_message": "Enter a date, e.g. 2026-09-30, or leave the cell empty."})
    workbook.define_name(AS_OF_NAME, f"={SHEET}!$B${AS_OF_ROW + 1}")

    recorded = sources.setting_rows()
    first, last = TABLE_ROW + 1, TABLE_ROW + len(fields) + len(recorded) + len(stamp.ROWS)
    sheet.add_table(TABLE_ROW, 0, last, 2, {
        "name": "Settings", "style": TABLE_STYLE, "autofilter": False,
        "columns": [{"header": h, "header_format": formats.header} for h in ("Setting", "Value", "Description")],
    })
    for row, f in enumerate(fields, start=first):
        value = getattr(defaults, f.name)
        sheet.write_string(row, 0, f.name, formats.code)
        fmt = formats.setting_value_bool if isinstance(value, bool) else formats.setting_value
        write_value(sheet, row, 1, value, fmt)
        if value is None:
            sheet.write_blank(row, 1, None, fmt)
        sheet.write_string(row, 2, describe(f.name), formats.note)
        sheet.data_validation(row, 1, row, 1, validation(f, value))
        workbook.define_name(cell_name(f.name), f"={SHEET}!$B${row + 1}")
    for row, (name, value) in enumerate(recorded, start=first + len(fields)):
        sheet.write_string(row, 0, name, formats.code)
        sheet.write_string(row, 1, value, formats.setting_value)
        sheet.write_string(row, 2, _source_note(name), formats.note)
    for name, refers_to in sources.defined_names().items():
        workbook.define_name(name, f"={refers_to}")
    _write_stamp(workbook, sheet, formats, first + len(fields) + len(recorded))
    workbook.define_name(SETTINGS_NAME, f"={SHEET}!$A${first + 1}:$B${last + 1}")

    sheet.freeze_panes(TABLE_ROW + 1, 0)
    page_setup(sheet, one_page=True)


def _source_note(row: str) -> str:
    table = row.rsplit("_", 1)[0].capitalize()
    if row.endswith("_source"):
        return (f"Where kam_xl reads the {table}: an Excel table, or the defined name of a plain range (its header "
                "row and used rows; a refresh moves its end when rows are added).")
    return f"Column map of the {table}: kam_xl column=your header, separated by \";\"."


def _write_stamp(workbook: Workbook, sheet, formats: Formats, row: int) -> None:
    """The stamp rows (kam_xl.stamp) below the settings: the format and the version that wrote the workbook."""
    note = "Written by kam_xl; do not change. kam-xl install --upgrade updates it."
    for offset, (label, name, value, what) in enumerate((
            (stamp.FORMAT_ROW, stamp.FORMAT_NAME, stamp.WORKBOOK_FORMAT, "Workbook format"),
            (stamp.VERSION_ROW, stamp.VERSION_NAME, stamp.CURRENT.version, "kam_xl version"))):
        sheet.write_string(row + offset, 0, label, formats.code)
        write_value(sheet, row + offset, 1, value, formats.text)
        sheet.write_string(row + offset, 2, f"{what} of this workbook. {note}", formats.note)
        workbook.define_name(name, f"={SHEET}!$B${row + offset + 1}")


def validation(f: dataclasses.Field, default) -> dict:
    """Data validation of a setting's value cell, from its type and declared choices."""
    name = f.name
    message = {"error_title": name[:32], "input_title": name[:32], "input_message": describe(name)[:255]}
    if name in CHOICES:
        values = list(CHOICES[name])
        return {"validate": "list", "source": values,
                "error_message": f"{name}: choose one of {', '.join(values)}."} | message
    if isinstance(default, bool):
        return {"validate": "list", "source": ["TRUE", "FALSE"],
                "error_message": f"{name}: choose TRUE or FALSE."} | message
    if isinstance(default, int) or (default is None and "int" in str(f.type)):
        return {"validate": "integer", "criteria": ">=", "value": 1,
                "error_message": f"{name}: enter a whole number of at least 1"
                                 f"{' or leave it empty' if default is None else ''}."} | message
    if name == "key_type_classes":
        return {"validate": "length", "criteria": "<=", "value": 4,
                "error_message": f"{name}: enter class letters from A, B, C, N, e.g. AB, or none."} | message
    if isinstance(default, float):
        if name == "warn_trend":
            return {"validate": "decimal", "criteria": ">=", "value": -1,
                    "error_message": f"{name}: enter a change of at least -1 (-100 %)."} | message
        if name == "tolerance":
            low, high = 0, TOLERANCE_MAX
        elif _is_share(name):
            low, high = 0, 1
        else:
            return {"validate": "decimal", "criteria": ">=", "value": 0,
                    "error_message": f"{name}: enter a number of at least 0."} | message
        return {"validate": "decimal", "criteria": "between", "minimum": low, "maximum": high,
                "error_message": f"{name}: enter a number from {low:g} to {high:g}."} | message
    raise TypeError(f"setting {name}: no validation rule for a {type(default).__name__}; "
                    "extend kam_xl/template/sheet_settings.py")


def _is_share(name: str) -> bool:
    return name.endswith("_share") or "_share_" in name or name.endswith("_frequency")


def _caption(sheet, row: int, col: int, key: str, fmt, language: str) -> None:
    sheet.write_formula(row, col, label_formula(key), fmt, caption(key, language))
