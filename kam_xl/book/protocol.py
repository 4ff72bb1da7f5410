"""``Book``: what a ribbon button may ask of a workbook, live or on file."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

import pandas as pd

from kam_xl.core.settings import Settings
from kam_xl.stamp import Stamp
from kam_xl.template.sources import Sources


class Book(Protocol):
    def read_table(self, name: str) -> pd.DataFrame:
        """The body of Excel table ``name`` (ignoring case), its headers as columns; blank cells None, rows
        entirely blank left out; ``attrs["header_row"]`` the sheet row of its header."""

    def write_table(self, name: str, frame: pd.DataFrame) -> None:
        """Make ``frame`` the table's body: the table resized to its rows, each column's format, validation
        and conditional format on every row, calculated columns (left out of ``frame``) filled by formula."""

    def read_range(self, name: str) -> pd.DataFrame:
        """The plain range a defined name covers, with the rows filled right below it: its header row as
        columns, index = sheet rows, rows entirely blank left out, ``attrs["header_row"]``."""

    def read_sources(self) -> Sources:
        """Where the inputs live: the Settings rows and defined names the workbook records."""

    def read_settings(self) -> Settings:
        """The Settings table's values."""

    def read_stamp(self) -> Stamp | None:
        """Who wrote the workbook (kam_xl.stamp): None when it has no kam_xl Settings table."""

    def read_as_of(self) -> dt.date | None:
        """The as-of date of the Settings sheet (the cell named kam_as_of); None while it is empty."""

    def active_customer(self) -> str | None:
        """The Customer ID of the selected row, in any sheet that has a Customer ID column; None if none."""

    def set_named_cell(self, name: str, value: object) -> None:
        """Put a constant into the cell a defined name refers to."""

    def activate_sheet(self, name: str) -> None:
        """Show sheet ``name``."""

    def show_message(self, text: str) -> None:
        """Tell the user."""
