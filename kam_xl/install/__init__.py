"""`kam-xl install`: find where a workbook kam_xl did not write keeps its data, and what kam_xl adds to it.

``discover`` opens the workbook read-only and finds the transactions (and, when present, customers and
complaints): an Excel table, or a plain range whose header row is among a sheet's top rows, its columns found
by their EN/DE headers (:data:`kam_xl.readers.frames.INPUT_ROLES`) or given with ``--map``. Nothing is
guessed: two candidates for one input, or two headers for one column, stop with one line naming them and the
option that settles it. ``found`` holds the result, ``seed`` the tables install adds for what the workbook
lacks, ``report`` the text ``--dry-run`` prints, ``compose`` the new workbook.
"""

from kam_xl.install.discover import discover
from kam_xl.install.found import Found, InstallError, Located

__all__ = ["discover", "Found", "Located", "InstallError"]
