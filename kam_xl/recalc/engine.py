"""Recalculate every formula of a workbook without Excel, our cell functions included (formualizer).

    recalculate(path_or_bytes, *, as_of=None) -> RecalcResult

The steps, each a few lines below:

1. Present the package as .xlsx in memory, array footprints cleared (:mod:`kam_xl.recalc.xlsx_view`).
2. Load it with formualizer's default ``native`` backend and define the workbook's tables on it. (0.13's
   ``native`` loader reads no table definitions; its ``umya`` loader does, but silently drops names defined
   by a formula, such as ``kam_label_column = IF(kam_language="DE",2,1)``, which then show #NAME?.)
3. Register every public function of :mod:`kam_xl.udfs` (:mod:`kam_xl.recalc.functions`).
4. Rewrite structured references to the A1 ranges they mean; formualizer 0.13 gets several wrong
   (:mod:`kam_xl.recalc.structured`; once per formula and placement, :mod:`kam_xl.recalc.row_pins`).
5. Pin TODAY()/NOW() to ``as_of`` (midnight UTC) when given; otherwise they read the host clock.
6. Evaluate everything, once. formualizer spills at most 10,000 cells; a larger result of one of our
   functions is placed into its area as values (Excel spills it). When the file records such a large spill
   (the usual case: the workbook was built or recalculated before), that cell is evaluated first and its
   result placed, so that the one evaluation of the rest sees it; a large result found only afterwards is
   placed then and the cells reading it are evaluated again. The engine's undo log is switched off: nothing
   is undone, and placing 220,000 cells takes a third of the time without it.
   Read back every formula cell and every spilled cell, dates as serial numbers.
7. Name what the engine could not do: functions it lacks, errors it invents (#CIRC!, #N/IMPL!). A cell
   showing #NAME? counts as not computed even when no unknown function explains it (an undefined name, or
   one the engine failed to load): Excel should have the last word on it.
8. Name the ``#KAM: …`` answers of our cell functions: computed, but formula errors all the same.
9. A dynamic array the file records over several cells whose result is now one value (an error, a
   ``#KAM:`` text) spills into its anchor only: ``spills`` says so, and the writer empties the rest.

Python's cycle collector is paused meanwhile (see :func:`collector_paused`).

``all_computed`` is True only when every formula got a value Excel would also show, so a writer may then
drop ``fullCalcOnLoad``; otherwise Excel must recalculate on open.
"""

from __future__ import annotations

import datetime as dt
import gc
import io
import os
import re
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import formualizer as fz
import numpy as np

from kam_xl.recalc import corrections, dependents, functions, xlsx_view
from kam_xl.recalc.row_pins import RowPins
from kam_xl.recalc.shapes import Shapes, one_value
from kam_xl.recalc.values import (
    KAM_ERROR,
    ErrorValue,
    engine_failure,
    from_engine_values,
)

BACKEND = "native"
#: formualizer 0.13 refuses to spill more cells than this (#SPILL!, "SpillTooLarge"; not configurable from
#: Python). Excel spills up to the sheet's edge: 10,000 customers x 22 analysis columns is 220,000 cells.
ENGINE_SPILL_LIMIT = 10_000



@dataclass
class RecalcResult:
    """What a recalculation computed.

    ``values[sheet][A1]`` holds the value of every formula cell and of every cell its spill covers: float,
    str, bool, ``None`` (empty) or ``ErrorValue`` (the package writer's, with valid Excel codes only).
    ``spills[(sheet, anchor)]`` is the range a dynamic array filled, e.g. "A1:V2001". ``errors`` counts
    error values by code ("#N/A": 3), the engine's own failures under their own names ("#CIRC!", stored as
    #VALUE!), our cell functions' ``#KAM:`` answers as "#KAM". ``unsupported`` counts, per function the
    engine lacks, the formula cells calling it (each shows #NAME?). ``failures[(sheet, A1)]`` says why a
    formula cell does not count as computed ("#CIRC!", "#NAME?", "unsupported: FOO"); ``computed`` =
    ``formulas`` - len(failures). ``messages[(sheet, A1)]`` is the ``#KAM: …`` text a cell function
    answered there."""

    values: dict[str, dict[str, object]] = field(default_factory=dict)
    formulas: int = 0
    computed: int = 0
    errors: Counter = field(default_factory=Counter)
    unsupported: Counter = field(default_factory=Counter)
    spills: dict[tuple[str, str], str] = field(default_factory=dict)
    failures: dict[tuple[str, str], str] = field(default_factory=dict)
    messages: dict[tuple[str, str], str] = field(default_factory=dict)
    seconds: float = 0.0
    all_computed: bool = False
    clock: dt.datetime | None = None   # what TODAY()/NOW() saw; None = the host clock

    def summary(self) -> str:
        parts = [f"{self.computed} of {self.formulas} formulas computed in {self.seconds:.2f} s"]
        if self.spills:
            parts.append(f"{len(self.spills)} spilled")
        if self.errors:
            parts.append("errors " + ", ".join(f"{k} {v}" for k, v in sorted(self.errors.items())))
        if self.unsupported:
            parts.append("not supported by the engine: " + ", ".join(sorted(self.unsupported)))
        return "; ".join(parts)

    def to_write(self) -> tuple[dict[str, dict[str, object]], dict[tuple[str, str], str]]:
        """``values`` and ``spills`` for the package writer, without the cells that were not computed: each
        keeps the value it had (and its spill range), and Excel recalculates it on open."""
        if not self.failures:
            return self.values, self.spills
        values = {sheet: {a: v for a, v in cells.items() if (sheet, a) not in self.failures}
                  for sheet, cells in self.values.items()}
        spills = {key: area for key, area in self.spills.items() if key not in self.failures}
        return values, spills


def recalculate(source: str | os.PathLike | bytes | io.BytesIO, *, as_of: dt.date | None = None,
                inputs: dict[tuple[str, str], object] | None = None, inflated=None) -> RecalcResult:
    """Recalculate every formula of the workbook ``source`` (a path, the file's bytes or a buffer holding them);
    the file is only read.

    ``inputs`` {(sheet, A1): value} replaces constant cells before the calculation (a what-if: the file keeps
    its own values). ``inflated``: parts inflated before (xlsx_view.present)."""
    started = time.perf_counter()
    with collector_paused():
        result = _recalculate(source, as_of, inputs or {}, inflated)
    result.seconds = time.perf_counter() - started
    return result


@contextmanager
def collector_paused():
    """Python's cycle collector off for the duration (and back on after, if it was on).

    A recalculation creates millions of short-lived lists and values (a 200,000-row table handed to a cell
    function, 220,000 spilled cells) and almost no cycles; the collector would scan the growing heap again
    and again: ~0.8 s of 3.5 s on the 10,000-customer demo workbook. Writing the values back is the same
    story (:func:`kam_xl.recalc.batch.recalc_file` pauses it over both)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _recalculate(source: str | os.PathLike | bytes | io.BytesIO, as_of: dt.date | None,
                 inputs: dict[tuple[str, str], object], inflated=None) -> RecalcResult:
    if isinstance(source, io.BytesIO):  # an in-memory package, read where it is
        data = source
    elif isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    else:
        data = Path(source).read_bytes()
    view = xlsx_view.present(data, inflated)
    book = fz.Workbook.from_bytes(view.data, backend=BACKEND)
    book.set_temporal_egress("serial")
    for t in view.tables:
        book.add_table(t.name, t.sheet, (t.first_row, t.first_col, t.last_row, t.last_col), list(t.headers),
                       header_row=t.header_row, totals_row=t.totals_row)
    for (sheet, ref), value in inputs.items():
        row, col = xlsx_view.a1_to_rc(ref)
        book.set_value(sheet, row, col, value)
    log = functions.CallLog(large=ENGINE_SPILL_LIMIT)
    shapes = Shapes(view.texts)
    calls = shapes.function_names()  # text index -> the functions it calls
    called = set().union(*set(calls))  # every function called anywhere
    # Our cell functions are registered when a formula calls a function the engine lacks (theirs may not).
    unknown = functions.missing_functions(called)
    registered = functions.register_udfs(book, log) if unknown else []
    uncovered: set[str] = set()
    corrected = corrections.register_corrections(book, uncovered)
    clock = None
    if as_of is not None:
        clock = dt.datetime(as_of.year, as_of.month, as_of.day, tzinfo=dt.UTC)
        book.set_deterministic_clock(clock, "utc")
    book.set_changelog_enabled(False)
    _pin_table_formulas(book, view, shapes)
    ours = set(registered)
    expected = _recorded_large_spills(view, ours)
    placed = _place_large_spills(book, view, expected, log, evaluated=False)
    book.evaluate_all()
    refused = _refused_spills(book, view, ours, calls, tried=set(expected))
    late = _place_large_spills(book, view, refused, log, evaluated=True)
    if late:
        placed.update(late)
        book.evaluate_all()  # the cells that read the values placed late

    result = RecalcResult(formulas=view.formula_count, clock=clock)
    _read_back(book, view, result, placed, single=shapes.texts_where(one_value))
    missing = _unsupported(view, shapes, calls, called, registered + corrected, book)
    checked = set(missing) | shapes.texts_where(corrections.may_be_suspect)
    for sheet in view.sheets:
        values = result.values[sheet.name]
        for (row, col), text_id in zip(sheet.cells, sheet.text_of):
            if text_id not in checked:
                continue
            address = xlsx_view.rc_to_a1(row, col)
            names = missing.get(text_id)
            if not names and (sheet.name, address) not in result.failures:
                suspect = corrections.suspect_result(view.texts[text_id], values.get(address),
                                                     (sheet.name, address) in result.spills)
                names = {suspect} if suspect else None
            if names:
                result.unsupported.update(names)
                result.failures[(sheet.name, address)] = "unsupported: " + ", ".join(sorted(names))
    _masked_uncovered(view, uncovered, result)
    _failures_downstream(book, view, result)
    _collapsed_spills(view, result)
    _cell_function_errors(view, calls, ours, result)
    result.computed = result.formulas - len(result.failures)
    result.all_computed = not result.failures
    return result


def _masked_uncovered(view: xlsx_view.XlsxView, uncovered: set[str], result: RecalcResult) -> None:
    """Formulas that may hide a corrected function's "not implemented" answer behind IFERROR & co."""
    if not uncovered:
        return
    suspects = {i: name for i, text in enumerate(view.texts) if (name := corrections.masked(text, uncovered))}
    for sheet in view.sheets:
        for (row, col), text_id in zip(sheet.cells, sheet.text_of):
            key = (sheet.name, xlsx_view.rc_to_a1(row, col))
            if text_id in suspects and key not in result.failures:
                result.unsupported[suspects[text_id]] += 1
                result.failures[key] = f"unsupported: {suspects[text_id]} (an argument Excel alone computes)"


def _failures_downstream(book: fz.Workbook, view: xlsx_view.XlsxView, result: RecalcResult) -> None:
    """Cells reading a cell not computed are not computed either (behind IFERROR they would look fine)."""
    if not result.failures:
        return
    areas = {(s.name, xlsx_view.rc_to_a1(*anchor)): area for s in view.sheets for anchor, area in s.arrays.items()
             if (s.name, xlsx_view.rc_to_a1(*anchor)) in result.failures}
    result.failures.update(dependents.spread(book, result.failures, areas))


def _collapsed_spills(view: xlsx_view.XlsxView, result: RecalcResult) -> None:
    """Anchors whose recorded array range covers several cells but whose result is one value: their spill
    range is the anchor alone, so that the writer empties the cells the old result filled (Excel does)."""
    for sheet in view.sheets:
        for (row, col), (r1, c1, r2, c2) in sheet.arrays.items():
            key = (sheet.name, xlsx_view.rc_to_a1(row, col))
            if (r1, c1) != (r2, c2) and key not in result.spills and key not in result.failures:
                result.spills[key] = key[1]


def _cell_function_errors(view: xlsx_view.XlsxView, calls: list[frozenset[str]], registered: set[str],
                          result: RecalcResult) -> None:
    """``messages`` and ``errors["#KAM"]``: the formula cells calling one of our functions that answer
    ``#KAM: …``."""
    ours = {i for i, names in enumerate(calls) if names & registered}
    if not ours:
        return
    for sheet in view.sheets:
        values = result.values[sheet.name]
        for (row, col), text_id in zip(sheet.cells, sheet.text_of):
            if text_id in ours:
                address = xlsx_view.rc_to_a1(row, col)
                value = values.get(address)
                if type(value) is str and value.startswith(KAM_ERROR):
                    result.messages[(sheet.name, address)] = value
                    result.errors["#KAM"] += 1


def _pin_table_formulas(book: fz.Workbook, view: xlsx_view.XlsxView, shapes: Shapes) -> None:
    """Rewrite the structured references formualizer gets wrong (see :mod:`kam_xl.recalc.structured`).

    Before evaluation, formualizer 0.13 finds a formula's text by a search through all of them (``get_formula``
    ~5 ms a cell at 50,000 formulas), and building its graph with the tables' references in place is slow
    too. So the file's own text is pinned, and the engine asked only for the children of a shared formula
    (their text is relative to the master's cell). The new texts go in by column runs."""
    tables = {t.name.lower(): t for t in view.tables}
    if not tables:
        return
    names = re.compile(rf"(?<![\w.])(?:{'|'.join(map(re.escape, tables))})(?![\w.(!])", re.IGNORECASE)

    def names_a_table(text: str) -> bool:
        return "[" in text or (any(name in text.lower() for name in tables) and names.search(text) is not None)

    if any(ch.isdigit() for name in tables for ch in name):  # "Table1", "Table2": one shape, not one answer
        candidates = {i for i, text in enumerate(view.texts) if names_a_table(text)}
    else:
        candidates = shapes.texts_where(names_a_table)
    pins = RowPins(tables)
    for sheet in view.sheets:
        changed = []
        own: dict[tuple[int, int], list[int]] = {}  # (column, text) -> rows of the cells holding that text
        for i, ((row, col), text_id) in enumerate(zip(sheet.cells, sheet.text_of)):
            if text_id not in candidates:
                continue
            if i in sheet.inherited:
                formula = book.get_formula(sheet.name, row, col) or ""
                pinned = pins.pin(formula, row, col, sheet.name)
                if pinned != formula:
                    changed.append((col, row, pinned))
            else:
                own.setdefault((col, text_id), []).append(row)
        for (col, text_id), rows in own.items():
            formula = "=" + view.texts[text_id]
            rows.sort()
            changed += [(col, row, pinned) for row, pinned in zip(rows, pins.pin_rows(formula, rows, col, sheet.name))
                        if pinned != formula]
        _set_formula_runs(book, sheet.name, changed)


def _set_formula_runs(book: fz.Workbook, sheet: str, edits: list[tuple[int, int, str]]) -> None:
    """Set (column, row, formula) edits, each run of adjacent rows in a column in one batch."""
    edits.sort()
    start = 0
    if not edits:
        return
    for i in range(1, len(edits) + 1):
        if i == len(edits) or edits[i][0] != edits[start][0] or edits[i][1] != edits[i - 1][1] + 1:
            col, row, _ = edits[start]
            book.set_formulas_batch(sheet, row, col, [[formula] for *_, formula in edits[start:i]])
            start = i


Candidate = tuple[str, int, int, str]  # sheet, row, col, name of our function


def _recorded_large_spills(view: xlsx_view.XlsxView, registered: set[str]) -> list[Candidate]:
    """Anchors ``=OUR_FUNCTION(...)`` whose spill range, as the file records it, exceeds the engine's limit."""
    out = []
    for sheet in view.sheets:
        for (row, col), (r1, c1, r2, c2) in sheet.arrays.items():
            if (r2 - r1 + 1) * (c2 - c1 + 1) <= ENGINE_SPILL_LIMIT:
                continue
            name = _top_level_function(view.texts[sheet.text_of[sheet.cells.index((row, col))]])
            if name in registered:
                out.append((sheet.name, row, col, name))
    return out


def _refused_spills(book: fz.Workbook, view: xlsx_view.XlsxView, registered: set[str],
                    calls: list[frozenset[str]], tried: set[Candidate]) -> list[Candidate]:
    """Cells ``=OUR_FUNCTION(...)`` showing #SPILL! after evaluation, except those in ``tried``."""
    out = []
    calling = {i for i, names in enumerate(calls) if names & registered}
    for sheet in view.sheets if calling else ():
        for (row, col), text_id in zip(sheet.cells, sheet.text_of):
            if text_id not in calling:
                continue
            raw = book.get_value(sheet.name, row, col)
            if isinstance(raw, dict) and raw.get("kind") == "Spill":
                name = _top_level_function(view.texts[text_id])
                if name in registered and (sheet.name, row, col, name) not in tried:
                    out.append((sheet.name, row, col, name))
    return out


Area = tuple[int, int, int, int]  # first row, first col, last row, last col


def _place_large_spills(book: fz.Workbook, view: xlsx_view.XlsxView, candidates: list[Candidate],
                        log: functions.CallLog, *, evaluated: bool) -> dict[tuple[str, int, int], Area]:
    """Spill our functions' results that are larger than the engine allows, as Excel would.

    Each candidate's result is found by evaluating the cell (before the workbook is evaluated), or, once it
    has been (``evaluated``), from the one large result of that function when it ran only once, else by
    evaluating the cell once more (the udfs' cache makes that cheap). When the result is larger than
    ENGINE_SPILL_LIMIT and the area it needs is empty (no value, no other formula), it is written into the
    area as values (the anchor included, in the engine's copy) so that the cells reading it see it.
    Returns anchor -> area of every result placed this way."""
    placed = {}
    per_function = Counter(name for *_, name in candidates)
    for sheet, row, col, name in candidates:
        if evaluated and per_function[name] == 1 and log.calls[name] == 1:
            rows = log.large_results.get(name)  # its only call was this cell's
        else:
            log.last = None
            if evaluated:
                book.set_formula(sheet, row, col, book.get_formula(sheet, row, col))
            book.evaluate_cell(sheet, row, col)
            rows = log.last
        if not isinstance(rows, list) or len(rows) * len(rows[0]) <= ENGINE_SPILL_LIMIT:
            continue  # small enough for the engine, or blocked by a real value: Excel shows #SPILL! too
        area = (row, col, row + len(rows) - 1, col + len(rows[0]) - 1)
        if area[2] > 1_048_576 or area[3] > 16_384:
            continue
        if _occupied(book, view, sheet, area):
            continue  # something stands in the way
        book.set_values_batch(sheet, row, col, rows)
        placed[(sheet, row, col)] = area
    return placed


def _occupied(book: fz.Workbook, view: xlsx_view.XlsxView, sheet: str, area: Area) -> bool:
    """True when a cell of ``area`` other than its top-left one (the anchor) holds a value or a formula
    (formulas are looked up in the file's map: before evaluation the engine shows them empty)."""
    r1, c1, r2, c2 = area
    cells = next((s.cells for s in view.sheets if s.name == sheet), [])
    if any(r1 <= r <= r2 and c1 <= c <= c2 and (r, c) != (r1, c1) for r, c in cells):
        return True
    current = book.sheet(sheet).get_values(fz.RangeAddress(sheet, *area))
    current[0][0] = None  # the anchor: its formula, or the #SPILL! it shows
    return any(v is not None for line in current for v in line)


def _top_level_function(text: str) -> str | None:
    """The name of the function a formula consists of (``=F(...)``), upper case, else None."""
    try:
        node = fz.parse("=" + text)
    except (fz.ParserError, fz.TokenizerError):
        return None
    name = node.get_function_name() if node.node_type() == "Function" else None
    return name.upper() if name else None


def _read_back(book: fz.Workbook, view: xlsx_view.XlsxView, result: RecalcResult,
               placed: dict[tuple[str, int, int], tuple[int, int, int, int]], single: set[int]) -> None:
    """Fill ``result.values``, ``spills``, ``errors`` and the engine's ``failures``.

    Values are read a run of adjacent formula cells in a column at a time. A formula cell blocks a spill
    (#SPILL!), so only cells with no formula right of them or below them are asked about one, unless every
    formula of their column can only give one value (``single``: text indexes, :func:`shapes.one_value`)."""
    for sheet in view.sheets:
        values = result.values.setdefault(sheet.name, {})
        failed: dict[tuple[int, int], str] = {}
        areas: dict[tuple[int, int], Area] = {}
        inspect, prefix = book.inspect_cell, _quoted(sheet.name) + "!"
        runs, rows_in = _column_runs(sheet.cells)
        spilling = _columns_that_may_spill(sheet, single)
        for col, r1, r2 in runs:
            letters = xlsx_view.column_letters(col)
            block = book.sheet(sheet.name).get_values(fz.RangeAddress(sheet.name, r1, col, r2, col))
            raws = [line[0] for line in block]
            cells = from_engine_values(raws)
            values.update(zip([f"{letters}{row}" for row in range(r1, r2 + 1)], cells))
            for row, raw, value in zip(range(r1, r2 + 1), raws, cells) if ErrorValue in set(map(type, cells)) else ():
                if type(value) is ErrorValue:
                    failure = engine_failure(raw) or ("#NAME?" if value.code == "#NAME?" else None)
                    if failure:
                        failed[(row, col)] = failure
            right = rows_in.get(col + 1)  # the formula rows of the next column: nothing spills into them
            ends = range(r1, r2) if right is None else np.setdiff1d(np.arange(r1, r2), right, True).tolist()
            for row in [*ends, r2] if col in spilling else ():
                area = placed.get((sheet.name, row, col))
                if area is None:
                    spill = inspect(f"{prefix}{letters}{row}", include_values=False).cell.spill
                    if spill is not None and spill.extent:
                        area = xlsx_view.range_to_rc(spill.extent.rsplit("!", 1)[-1].replace("$", ""))
                if area is not None:
                    areas[(row, col)] = area
        for row, col in sheet.cells if failed or areas else ():  # in the file's order
            address = xlsx_view.rc_to_a1(row, col)
            if (row, col) in failed:
                result.failures[(sheet.name, address)] = failed[(row, col)]
            area = areas.get((row, col))
            if area is not None:
                r1, c1, r2, c2 = area
                result.spills[(sheet.name, address)] = f"{xlsx_view.rc_to_a1(r1, c1)}:{xlsx_view.rc_to_a1(r2, c2)}"
                block = book.sheet(sheet.name).get_values(fz.RangeAddress(sheet.name, r1, c1, r2, c2))
                letters = [xlsx_view.column_letters(c) for c in range(c1, c2 + 1)]
                for number, line in enumerate(block, start=r1):  # a row at a time: 220,000 cells in ~0.1 s
                    values.update(zip([f"{x}{number}" for x in letters], from_engine_values(line)))
    for name, values in result.values.items():
        if ErrorValue not in set(map(type, values.values())):
            continue
        for address in [a for a, v in values.items() if type(v) is ErrorValue]:
            failure = result.failures.get((name, address), "")
            result.errors[failure if failure.startswith("#") else values[address].code] += 1


def _columns_that_may_spill(sheet: xlsx_view.SheetFormulas, single: set[int]) -> set[int]:
    """The columns of ``sheet`` holding a formula whose text is not in ``single`` (one that may spill)."""
    if not single:
        return {col for _, col in sheet.cells}
    return {col for (_, col), text_id in zip(sheet.cells, sheet.text_of) if text_id not in single}


def _column_runs(cells: list[tuple[int, int]]) -> tuple[list[tuple[int, int, int]], dict[int, np.ndarray]]:
    """(column, first row, last row) of each run of adjacent cells in a column, by column and row; and the
    rows of each column's cells, ascending."""
    if not cells:
        return [], {}
    at = np.array(cells, dtype=np.int64)
    order = np.lexsort((at[:, 0], at[:, 1]))
    rows, cols = at[order, 0], at[order, 1]
    column_starts = np.r_[0, np.flatnonzero(np.diff(cols)) + 1, len(cols)]
    rows_in = {int(cols[a]): rows[a:b] for a, b in zip(column_starts[:-1], column_starts[1:])}
    breaks = np.flatnonzero((np.diff(cols) != 0) | (np.diff(rows) != 1)) + 1
    starts, ends = np.r_[0, breaks], np.r_[breaks, len(rows)] - 1
    return list(zip(cols[starts].tolist(), rows[starts].tolist(), rows[ends].tolist())), rows_in


def _unsupported(view: xlsx_view.XlsxView, shapes: Shapes, calls: list[frozenset[str]], called: set[str],
                 registered: list[str], book: fz.Workbook) -> dict[int, set[str]]:
    """Text index -> the functions in that formula text the engine lacks (each cell shows #NAME?) and the
    argument forms it computes differently from Excel (:func:`corrections.divergent_forms`; only texts of a
    shape that may diverge are parsed)."""
    missing = functions.missing_functions(called, registered)
    lacking = {i for i, names in enumerate(calls) if names & missing} if missing else set()
    diverging = {s for s, (text, names) in enumerate(zip(shapes.first, shapes.names))
                 if corrections.may_diverge(text, names)}
    out = {}
    texts = lacking | shapes.texts_of(diverging)
    ranges = frozenset(n["name"].upper() for n in book.get_named_ranges() if n["kind"] in ("cell", "range")) \
        if texts else frozenset()
    for i in texts:
        names = (calls[i] & missing) | corrections.divergent_forms(view.texts[i], calls[i], ranges)
        if names:
            out[i] = names
    return out


def _quoted(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"
