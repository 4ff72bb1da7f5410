"""Where each input of the workbook lives, and the formula text that reads it.

An input (Transactions, Customers, Complaints, Tenders, Contacts, Competitors, Prospects) is read from one of:

- our own Excel table, named like the input, with our headers: the default, KeyAccounts.xlsm;
- the user's Excel table (``Sales``) with their headers;
- the user's plain range, through a defined name covering its header row and used rows
  (``kam_transactions`` = ``'Umsätze'!$A$1:$F$1234``); a refresh moves the name's end when rows are added.

Their headers are given by a column map, canonical column -> their header (``{"date": "Belegdatum"}``);
:meth:`Source.found` makes one from a header row through the EN/DE aliases of :mod:`kam_xl.readers.headers`.
The formulas of the template come from here::

    source.block()          Sales[#All]             kam_transactions
    source.column("date")   Sales[Belegdatum]       INDEX(kam_transactions,2,MATCH("Belegdatum",INDEX(
                                                    kam_transactions,1,0),0)):INDEX(kam_transactions,ROWS(
                                                    kam_transactions),MATCH("Belegdatum",INDEX(kam_transactions,1,0),0))

A plain range's column is the body of the block's column whose header matches: one defined name per range, and
the column found by its header, so a column moved in their sheet keeps the formulas right. ``INDEX(..):INDEX(..)``
is a reference (COUNTIFS, SUMIFS and MATCH take it) and not volatile; formualizer and LibreOffice compute it as
Excel does (tests/test_sources.py). A column the source lacks is None: the sheet shows a blank for it.

A workbook records its sources, so that ``kam-xl refresh`` and the buttons need no option: the defined name
of each plain range, and per input that is not ours two rows of the Settings table, ``<input>_source`` (their
table or the defined name) and ``<input>_columns`` (the map), see :data:`kam_xl.core.settings.SOURCE_ROWS`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from kam_xl.core.settings import format_columns, sources_from_mapping
from kam_xl.package.defined_names import parse_area
from kam_xl.readers.headers import find_columns
from kam_xl.template.sheet_inputs import CUSTOMER_ID_LIST, TABLES

#: Our input tables by lower-case name.
_OURS = {t.name.lower(): t for t in TABLES}
_NAME = re.compile(r"^(?:[^\W\d]|\\)[\w.]*$")  # an Excel table or defined name: a letter, _ or \ first
#: Characters that put a column specifier in brackets of its own (Excel: "Using structured references").
_SPECIAL = re.compile(r"[\t\n\r,:.\[\]#'\"{}$^&*+=\-<>/]")
#: Columns the analysis cannot do without, per input, that a source of theirs must map.
REQUIRED = {"transactions": ("customer_id", "date", "amount"), "customers": ("customer_id",),
            "complaints": ("customer_id", "date"), "tenders": ("customer_id",), "contacts": ("customer_id",),
            "competitors": ("customer_id",)}


@dataclass(frozen=True)
class Source:
    """Where one input lives: ``table`` is our input's name; ``name`` their Excel table or the defined name of
    their plain range ("" = our own table); ``refers_to`` the range that name covers (a plain range only);
    ``columns`` canonical column -> their header."""

    table: str
    name: str = ""
    refers_to: str = ""
    columns: tuple[tuple[str, str], ...] = field(default=())

    def __post_init__(self) -> None:
        if self.table.lower() not in _OURS:
            raise ValueError(f"source {self.table!r}: not an input; inputs are {', '.join(t.name for t in TABLES)}")
        object.__setattr__(self, "table", _OURS[self.table.lower()].name)
        if self.name and not _NAME.match(self.name):
            raise ValueError(f"source {self.table}: {self.name!r} is not a valid table or defined name")
        if self.refers_to and parse_area(self.refers_to) is None:
            raise ValueError(f"source {self.table}: {self.refers_to!r} is not a range such as 'Sheet'!$A$1:$F$100")
        if self.refers_to and not self.name:
            object.__setattr__(self, "name", default_range_name(self.table))
        format_columns(dict(self.columns))  # refuses headers a Settings row cannot record
        missing = [c for c in REQUIRED.get(self.table.lower(), ()) if self.name and c not in dict(self.columns)]
        if missing:
            raise ValueError(f"source {self.table} ({self.name}): no column for {', '.join(missing)}; name their "
                             "headers in the column map")

    @classmethod
    def of_table(cls, table: str, name: str, columns: Mapping[str, str]) -> Source:
        """Their Excel table ``name``; ``columns`` canonical -> their header."""
        return cls(table, name, "", tuple(columns.items()))

    @classmethod
    def of_range(cls, table: str, refers_to: str, columns: Mapping[str, str], name: str = "") -> Source:
        """Their plain range ``refers_to`` ("'Umsätze'!$A$1:$F$1234", header row first), read through the
        defined name ``name`` (default ``kam_<input>``)."""
        return cls(table, name, refers_to, tuple(columns.items()))

    @classmethod
    def found(cls, table: str, headers: Sequence, *, name: str, refers_to: str = "",
              given: Mapping[str, str] | None = None) -> Source:
        """The source whose header row is ``headers``, each column of our table found by the header ``given``
        for it, by its name or by its aliases; columns not found are left out of the map."""
        ours = _OURS[table.lower()]
        positions = find_columns(headers, ours.name, [c.canonical for c in ours.columns], given)
        columns = {c.canonical: str(headers[positions[c.canonical]]).strip()
                   for c in ours.columns if c.canonical in positions}
        return cls(table, name, refers_to, tuple(columns.items()))

    @property
    def kind(self) -> str:
        """"ours", "table" (theirs) or "range" (a plain range through a defined name)."""
        return "ours" if not self.name else "range" if self.refers_to else "table"

    @property
    def where(self) -> str:
        """The Excel table or defined name that holds the data."""
        return self.name or self.table

    def header(self, canonical: str) -> str | None:
        """Their header of a canonical column; ours for our own table; None when the source lacks it."""
        if self.kind == "ours":
            return next((c.header for c in _OURS[self.table.lower()].columns if c.canonical == canonical), None)
        return dict(self.columns).get(canonical)

    def block(self) -> str:
        """The whole data with its header row, as a formula reads it."""
        return self.name if self.kind == "range" else f"{self.where}[#All]"

    def column(self, canonical: str) -> str | None:
        """The body of one column (no header), as a formula reads it; None when the source lacks it."""
        header = self.header(canonical)
        if header is None:
            return None
        if self.kind != "range":
            return f"{self.where}[{structured_name(header)}]"
        at = f'MATCH("{_text(header)}",INDEX({self.name},1,0),0)'
        return f"INDEX({self.name},2,{at}):INDEX({self.name},ROWS({self.name}),{at})"

    def setting_rows(self) -> list[tuple[str, str]]:
        """The two Settings rows recording this source (none for our own table)."""
        if self.kind == "ours":
            return []
        key = self.table.lower()
        return [(f"{key}_source", self.where), (f"{key}_columns", format_columns(dict(self.columns)))]


@dataclass(frozen=True)
class Sources:
    """The sources of every input; an input not listed is our own table."""

    items: tuple[Source, ...] = ()

    def __post_init__(self) -> None:
        tables = [s.table for s in self.items]
        twice = {t for t in tables if tables.count(t) > 1}
        if twice:
            raise ValueError(f"sources: {', '.join(sorted(twice))} given twice")

    @classmethod
    def of(cls, *items: Source) -> Sources:
        return cls(tuple(s for s in items if s.kind != "ours"))

    def __getitem__(self, table: str) -> Source:
        return next((s for s in self.items if s.table.lower() == table.lower()), None) or Source(table)

    @property
    def default(self) -> bool:
        return not self.items

    def defined_names(self) -> dict[str, str]:
        """Defined name -> the range it covers, of every plain range."""
        return {s.name: s.refers_to for s in self.items if s.kind == "range"}

    def customer_list(self) -> str:
        """The drop-down source of a Customer ID column: the customers' ids where they live."""
        customers = self["Customers"]
        ids = customers.column("customer_id")
        if customers.kind == "ours":
            return CUSTOMER_ID_LIST
        if customers.kind == "table":
            return f'=INDIRECT("{_text(ids)}")'
        return f"={ids}"

    def setting_rows(self) -> list[tuple[str, str]]:
        """The Settings rows recording the sources, in input order."""
        return [row for t in TABLES for row in self[t.name].setting_rows()]

    @classmethod
    def from_settings(cls, values: Mapping[str, object], names: Mapping[str, str] | None = None) -> Sources:
        """The sources a workbook records: its Settings rows (name -> value) and its defined names (name ->
        what it refers to), so a plain range's ``refers_to`` is the workbook's current one."""
        names = {k.casefold(): v for k, v in (names or {}).items()}
        items = []
        for table, (where, columns) in sources_from_mapping(dict(values)).items():
            if where.casefold() in names:
                items.append(Source(table, where, names[where.casefold()].lstrip("="), tuple(columns.items())))
            elif where:
                items.append(Source(table, where, "", tuple(columns.items())))
        return cls.of(*items)


def default_range_name(table: str) -> str:
    """The defined name of an input's plain range: kam_transactions."""
    return f"kam_{table.lower()}"


def structured_name(header: str) -> str:
    """A column header as a structured reference's column specifier spells it: ', [, ], # escaped with a ', and
    in brackets of its own when it holds another special character (``[[Kundennr.]]``), as Excel writes it."""
    escaped = re.sub(r"(['\[\]#])", r"'\1", header)
    return f"[{escaped}]" if _SPECIAL.search(header) else escaped


def _text(text: str) -> str:
    """Text inside a formula's string literal."""
    return text.replace('"', '""')


__all__ = ["Source", "Sources", "default_range_name", "structured_name"]
