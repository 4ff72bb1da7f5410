"""``FileBook``: the Book operations on a workbook file, headless (kam_xl.package writes, python-calamine
reads, the recalculation of ``kam-xl recalc`` refreshes cached values after every write)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from kam_xl.book import frames
from kam_xl.core.settings import Settings
from kam_xl.errors import InputError
from kam_xl.package import workbook_lock
from kam_xl.package.named_cell import set_named_cell
from kam_xl.package.table_writer import write_table


class FileBook:
    """A workbook file. ``customer`` plays the selection (there is none in a file); ``tell`` shows messages.

    Activating a sheet only checks that it exists: the file keeps the sheet it opens on."""

    def __init__(self, path: str | os.PathLike, *, customer: str | None = None,
                 tell: Callable[[str], None] = print, recalc: bool = True, lock_timeout: float = 30.0):
        self.path = Path(path)
        self.customer = customer
        self.tell = tell
        self.recalc = recalc
        self.lock_timeout = lock_timeout

    def read_table(self, name: str) -> pd.DataFrame:
        import python_calamine as pc

        try:
            with pc.CalamineWorkbook.from_path(self.path, load_tables=True) as book:
                names = list(book.table_names or [])
                found = next((t for t in names if t.casefold() == name.casefold()), None)
                if found is None:
                    raise InputError(f"no table named {name!r} (its tables: {', '.join(names) or 'none'})",
                                     source=str(self.path))
                table = book.get_table_by_name(found)
                return frames.table_frame(table.columns, table.to_python())
        except (pc.CalamineError, OSError, ValueError) as exc:
            if isinstance(exc, InputError):
                raise
            raise InputError(f"cannot be read as a workbook ({' '.join(str(exc).split())})",
                             source=str(self.path)) from None

    def write_table(self, name: str, frame: pd.DataFrame) -> None:
        with workbook_lock(self.path, self.lock_timeout):  # held over the write and the recalculation
            write_table(self.path, name, frame, lock_timeout=self.lock_timeout)
            self._recalculate(f"table {name}")

    def read_settings(self) -> Settings:
        return frames.settings(self.read_table(frames.SETTINGS_TABLE), f"{self.path}, table Settings")

    def active_customer(self) -> str | None:
        return self.customer

    def set_named_cell(self, name: str, value: object) -> None:
        with workbook_lock(self.path, self.lock_timeout):
            set_named_cell(self.path, name, frames.grid(pd.DataFrame([[value]], dtype=object))[0][0],
                           lock_timeout=self.lock_timeout)
            self._recalculate(f"name {name}")

    def activate_sheet(self, name: str) -> None:
        import python_calamine as pc

        with pc.CalamineWorkbook.from_path(self.path) as book:
            if not any(s.casefold() == name.casefold() for s in book.sheet_names):
                raise InputError(f"no sheet named {name!r}", source=str(self.path))

    def show_message(self, text: str) -> None:
        self.tell(text)

    def _recalculate(self, what: str) -> None:
        if not self.recalc:
            return
        from kam_xl.recalc.batch import recalc_file

        report = recalc_file(self.path, lock_timeout=self.lock_timeout)
        if not report.ok:
            raise InputError(f"{what} written, but the recalculation failed ({report.reason}); run kam-xl recalc "
                             "on it", source=str(self.path))
