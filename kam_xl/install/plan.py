"""What install adds to their workbook: our sheets, tables and defined names, decided from what was found.

Their inputs stay where they are: a table is read by its name, a plain range through a defined name
(:data:`RANGE_NAMES`) covering its header and used rows. Our sheet, table or name that theirs already carry
stops install with one line (Excel keeps one of each name per workbook).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kam_xl.install.found import Found, InstallError, Located
from kam_xl.template.sheet_datacheck import TABLE as DATACHECK_TABLE
from kam_xl.template.sheet_inputs import TABLES as INPUT_TABLES
from kam_xl.template.sheets import SHEETS

#: The defined name through which kam_xl reads an input kept in a plain range.
RANGE_NAMES = {"transactions": "kam_transactions", "customers": "kam_customers", "complaints": "kam_complaints"}
_INPUT_SHEETS = {t.name for t in INPUT_TABLES}
#: Our tables on the sheets install always adds.
OWN_TABLES = ("Winback", DATACHECK_TABLE, "Settings", "Labels")


@dataclass(frozen=True)
class Plan:
    sheets: tuple[str, ...]               # our sheets, in the template's order
    tables: tuple[str, ...]               # our tables
    names: tuple[tuple[str, str], ...]    # (defined name, what it refers to) for their ranges


def range_formula(located: Located) -> str:
    """``'Umsätze'!$A$4:$E$10``: the defined name's formula for a plain range."""
    first, last = located.ref.split(":")
    sheet = located.sheet.replace("'", "''")
    return f"'{sheet}'!{_absolute(first)}:{_absolute(last)}"


def _absolute(cell: str) -> str:
    letters = "".join(ch for ch in cell if ch.isalpha())
    return f"${letters}${cell[len(letters):]}"


def plan(found: Found) -> Plan:
    """Our sheets, tables and names for ``found``; InstallError when one of them is taken in their workbook."""
    lacking = set(found.lacking)
    sheets = tuple(s for s in SHEETS if s not in _INPUT_SHEETS or s in lacking)
    tables = tuple(t.name for t in INPUT_TABLES if t.name in lacking) + OWN_TABLES
    names = tuple((RANGE_NAMES[loc.input], range_formula(loc)) for loc in found.inputs if loc.kind == "range")
    for kind, ours, theirs in (("sheet", sheets, found.sheets), ("table", tables, found.tables + found.names),
                               ("name", [n for n, _ in names], found.tables + found.names)):
        taken = {t.casefold(): t for t in theirs}
        clash = next((taken[n.casefold()] for n in ours if n.casefold() in taken), None)
        if clash is not None:
            raise InstallError(f"{Path(found.path).name}: its {_what(clash, found)} \"{clash}\" has the name of a "
                               f"kam_xl {kind} install adds — rename yours and run again")
    return Plan(sheets, tables, names)


def _what(name: str, found: Found) -> str:
    if name in found.sheets:
        return "sheet"
    return "table" if name in found.tables else "defined name"
