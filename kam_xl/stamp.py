"""The stamp every workbook carries: the kam_xl version that wrote it and its workbook format.

``WORKBOOK_FORMAT`` is bumped whenever the workbook's layout, formulas or VBA contract change. The stamp is two
rows at the end of the Settings table, inside the ``kam_settings`` range every cell function with a settings
argument already reads, and named ``kam_workbook_format`` and ``kam_version`` for buttons and commands:

    Setting          Value
    workbook_format  1          (kam_workbook_format)
    kam_xl_version   0.1.0      (kam_version)

A Settings range that lists every setting of the first workbooks (``UNSTAMPED_SETTINGS``) but has no stamp was
written before the stamp existed: format 0. A range without either is a user's own list of a few settings, no
workbook's, and is not judged. :func:`problem` words what to do about a stamp other than the current one.
"""

from __future__ import annotations

from dataclasses import dataclass

import kam_xl

#: The workbook format this kam_xl writes and reads (0: the workbooks written before the stamp).
WORKBOOK_FORMAT = 1
SETTINGS_TABLE = "Settings"  # the table the stamp rows end
FORMAT_ROW, VERSION_ROW = "workbook_format", "kam_xl_version"
FORMAT_NAME, VERSION_NAME = "kam_workbook_format", "kam_version"
ROWS = (FORMAT_ROW, VERSION_ROW)
#: The Settings rows of the workbooks written before the stamp (format 0), frozen: a range that holds them all
#: is such a workbook's Settings block.
UNSTAMPED_SETTINGS = frozenset({
    "abc_value", "abc_months", "a_share", "b_share", "tolerance", "xyz_method", "xyz_period", "xyz_months", "x_cv",
    "y_cv", "x_frequency", "y_frequency", "breadwinner_share", "new_months", "prospect_budget", "lost_factor",
    "lost_days", "risk_factor", "complaint_days", "complaint_min", "key_share", "key_type_classes", "key_share_low",
    "key_share_high", "winback_at_risk", "winback_due_days", "discount_rate", "warn_trend", "warn_expected",
    "watch_list_size", "language"})
UPGRADE = "kam-xl install --upgrade"


@dataclass(frozen=True)
class Stamp:
    """Who wrote a workbook: a kam_xl version ("" when unknown) and a workbook format."""

    version: str
    format: int

    @property
    def current(self) -> bool:
        """Written in this kam_xl's format (the version may differ: same format, same contract)."""
        return self.format == WORKBOOK_FORMAT

    def __str__(self) -> str:
        who = f"kam_xl {self.version}" if self.version else "an older kam_xl"
        return f"{who} (format {self.format})"


CURRENT = Stamp(kam_xl.__version__, WORKBOOK_FORMAT)


def of_rows(rows: dict[str, object]) -> Stamp | None:
    """The stamp of a Settings block given as {normalised row name: value}; None when it is no workbook's block
    (a user's own list of settings)."""
    if FORMAT_ROW in rows:
        return Stamp(_text(rows.get(VERSION_ROW)), _format(rows[FORMAT_ROW]))
    if UNSTAMPED_SETTINGS <= rows.keys():
        return Stamp("", 0)
    return None


def problem(stamp: Stamp | None, book: str = "BOOK.xlsm") -> str | None:
    """What to do about a workbook of ``stamp`` (one line), or None when this kam_xl computes it rightly."""
    if stamp is None or stamp.current:
        return None
    if stamp.format < WORKBOOK_FORMAT:
        return f"This workbook was written by {stamp}; upgrade it with {UPGRADE} {book}"
    return (f"This workbook was written by {stamp}, newer than this {CURRENT}; install kam_xl "
            f"{stamp.version or 'of that version'} (pip install -U kam_xl)")


def _text(value) -> str:
    if value is None:
        return ""
    return f"{value:g}" if isinstance(value, float) else str(value).strip()


def _format(value) -> int:
    """The format number of a cell (a number, or text of one); -1 when it is unreadable (then never current)."""
    try:
        number = float(str(value).strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        return -1
    return int(number) if number == int(number) else -1
