"""The ``--map`` option: canonical column -> their header, per input.

    --map amount=Umsatz,date=Belegdatum,customer=Kundennr.,document=Belegnr.,margin=DB
    --map complaints.date=Eingang --map customers.name=Firma

Keys are the canonical names of :data:`kam_xl.readers.frames.INPUT_ROLES` (customer_id, date, amount, margin,
document_no ...; ``customer`` and ``document`` for short); a key without a prefix is a transactions column.
A comma separates pairs only where the next pair starts, so a header may hold commas ("Umsatz, netto").
"""

from __future__ import annotations

import re

from kam_xl.install.found import SEARCHED, InstallError
from kam_xl.readers.frames import INPUT_ROLES

SHORT = {"customer": "customer_id", "document": "document_no"}
_PAIR_START = re.compile(r",(?=\s*[\w.]+\s*=)")


def parse_map(values: list[str] | None) -> dict[str, dict[str, str]]:
    """{input: {canonical: header}} from the ``--map`` values; InstallError naming a bad pair."""
    mapping: dict[str, dict[str, str]] = {}
    for value in values or ():
        for pair in _PAIR_START.split(value):
            key, sep, header = pair.partition("=")
            key, header = key.strip().casefold(), header.strip()
            if not sep or not key or not header:
                raise InstallError(f"--map: expected COLUMN=HEADER pairs separated by commas (amount=Umsatz,"
                                   f"date=Belegdatum), found {pair.strip()!r}")
            table, dot, column = key.rpartition(".")
            table = table or "transactions"
            column = SHORT.get(column, column)
            known = [role.name for role, _ in INPUT_ROLES.get(table, ())]
            if table not in SEARCHED:
                raise InstallError(f"--map: {key!r} names no input; prefix a column with one of "
                                   f"{', '.join(s + '.' for s in SEARCHED[1:])} or none for transactions")
            if column not in known:
                shown = ", ".join(SHORT_NAMES.get(k, k) for k in known)
                raise InstallError(f"--map: {table} have no column {column!r}; use one of {shown}")
            if column in mapping.get(table, {}):
                raise InstallError(f"--map: {key} is given twice ({mapping[table][column]!r} and {header!r}) "
                                   "— keep one")
            mapping.setdefault(table, {})[column] = header
    return mapping


SHORT_NAMES = {full: short for short, full in SHORT.items()}
