"""Cells not computed make every cell that reads them not computed too.

A formula the engine cannot compute keeps its old value, but a cell reading it would get the engine's error —
or, behind IFERROR, ISERROR or IF(ISNA(…)), a fallback that looks like a fine value and is not Excel's. So the
failures spread along the engine's own dependency graph (``Workbook.dependents``: direct dependents, ranges,
other sheets and spill cells included) to every cell downstream, each then reported with the cell it waits
on and left with its previous value.
"""

from __future__ import annotations

from collections import deque

import formualizer as fz

from kam_xl import a1

#: Budget of one look-up: far above any real cell's direct dependents (a truncated answer is refused below).
MAX_RESULTS = 1_000_000
MAX_WORK = 50_000_000


class DependencyLimit(RuntimeError):
    """The engine could not list every dependent of a cell within the budget."""


def spread(book: fz.Workbook, failures: dict[tuple[str, str], str],
           areas: dict[tuple[str, str], tuple[int, int, int, int]]) -> dict[tuple[str, str], str]:
    """Every formula cell downstream of ``failures`` (sheet, A1) that is not among them, with its reason
    ("depends on Sheet!A1, not computed"). ``areas`` gives the old spill range (r1, c1, r2, c2) of failed spill
    anchors: the engine knows dependents of each spill cell, not of the range."""
    reached: dict[tuple[str, str], str] = {}
    queue = deque()
    for key in failures:
        queue.append((key, key))
        sheet, address = key
        if key in areas:
            r1, c1, r2, c2 = areas[key]
            queue.extend(((sheet, a1.ref(r, c)), key) for r in range(r1, r2 + 1)
                         for c in range(c1, c2 + 1) if (r, c) != a1.parse(address))
    seen = set(failures)
    while queue:
        (sheet, address), origin = queue.popleft()
        report = book.dependents(f"{_quoted(sheet)}!{address}", max_results=MAX_RESULTS, max_work=MAX_WORK)
        if report.truncation.incomplete or report.truncation.omitted:
            raise DependencyLimit(f"{sheet}!{address}: the engine could not list every cell that reads it")
        for dependent in report.dependents:
            key = _key(dependent.cell)
            if key in seen:
                continue
            seen.add(key)
            reached[key] = f"depends on {_quoted(origin[0])}!{origin[1]}, not computed"
            queue.append((key, origin))
    return reached


def _quoted(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def _key(cell: str) -> tuple[str, str]:
    """"'My Sheet'!B7" -> ("My Sheet", "B7")."""
    sheet, _, address = cell.rpartition("!")
    if sheet.startswith("'") and sheet.endswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    return sheet, address.replace("$", "")
