"""Refresh in Excel on macOS, where xlwings runs macros but no cell functions: the analysis is computed in Python
and its spills are written as values through LiveBook, on a recorder of xlwings holding a demo workbook."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest
import python_calamine as pc

from kam_xl import cli, macros
from kam_xl.book import FileBook, LiveBook
from kam_xl.core import schema
from kam_xl.sheets.spills import dossier_anchors, spills
from kam_xl.sheets.winback import CUSTOMER, NOTES, RECOVERED, STATUS
from kam_xl.template import sheet_analysis, sheet_dossier, sheet_matrix
from test_macros import live_copy_of

WIDTH = len(schema.ANALYSIS_COLUMNS)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A demo workbook recalculated headless (`kam-xl refresh`), as the reference the Mac values must equal."""
    folder = tmp_path_factory.mktemp("mac")
    book = folder / "Demo.xlsm"
    assert cli.main(["demo", "--customers", "60", "--out", str(folder / "data"), "--workbook", str(book)]) == 0
    assert cli.main(["refresh", str(book)]) in (0, 1)
    return book


def sheet_cells(path, sheet: str) -> list[list]:
    with pc.CalamineWorkbook.from_path(path) as book:
        return book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def block(recorder, sheet: str, top: int, left: int, rows: int, cols: int) -> list[list]:
    values = recorder.sheets[sheet].values
    return [[values.get((r, c)) for c in range(left, left + cols)] for r in range(top, top + rows)]


def same(ours, theirs) -> bool:
    """One cell of the recorder against the file's cached value (calamine: dates as datetimes, numbers as
    floats, a blank as "")."""
    if ours is None or ours == "":
        return theirs in (None, "")
    if isinstance(ours, bool) or isinstance(theirs, bool):
        return bool(ours) == bool(theirs)
    if isinstance(ours, (int, float)) and isinstance(theirs, (int, float)):
        return math.isclose(ours, theirs, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(ours, dt.datetime) and isinstance(theirs, (dt.date, dt.datetime)):
        return ours.date() == (theirs.date() if isinstance(theirs, dt.datetime) else theirs)
    return ours == theirs


def mac_copy(path):
    """The demo as a recorder, its Analysis sheet holding a longer analysis of an earlier Mac refresh, and user
    columns typed into the Win-back."""
    recorder = live_copy_of(path)
    analysis = recorder.sheets[sheet_analysis.SHEET]
    analysis.formulas.clear()
    for r in range(1, 200):
        for c in range(1, WIDTH + 1):
            analysis.values[(r, c)] = "stale"
    live = LiveBook(recorder)
    winback = live.read_table("Winback")
    winback.loc[0, STATUS], winback.loc[0, NOTES] = "contacted", "=called twice"
    live.write_table("Winback", winback)
    recorder.calls.clear()
    return recorder, winback.loc[0, CUSTOMER]


def test_on_a_mac_refresh_writes_the_analysis_and_matrix_spills_as_the_headless_recalc_computes_them(demo):
    recorder, typed = mac_copy(demo)
    macros._refresh_live(recorder, platform="darwin")
    calls = list(recorder.calls)

    expected = sheet_cells(demo, sheet_analysis.SHEET)
    customers = len(expected) - 1
    got = block(recorder, sheet_analysis.SHEET, 1, 1, customers + 1, WIDTH)
    assert got[0] == list(schema.ANALYSIS_COLUMNS)
    wrong = [(r + 1, schema.ANALYSIS_COLUMNS[c], got[r][c], expected[r][c]) for r in range(1, customers + 1)
             for c in range(WIDTH) if not same(got[r][c], expected[r][c])]
    assert wrong == []
    # The stale rows below the new analysis are cleared, the block's columns only.
    assert block(recorder, sheet_analysis.SHEET, customers + 2, 1, 200 - customers - 2, WIDTH) == \
        [[None] * WIDTH] * (200 - customers - 2)

    matrix = sheet_cells(demo, sheet_matrix.SHEET)
    top, left = sheet_matrix.PARETO_FIRST_ROW + 1, sheet_matrix.PARETO_COL + 1
    pareto = block(recorder, sheet_matrix.SHEET, top, left, sheet_matrix.PARETO_POINTS + 1, 2)
    assert all(same(v, matrix[top - 1 + i][left - 1 + j]) for i, row in enumerate(pareto) for j, v in enumerate(row))
    watch_top = sheet_matrix.WATCH_ROW + 3
    watch = block(recorder, sheet_matrix.SHEET, watch_top, 1, 20, sheet_matrix.WATCH_COLUMNS)
    file_watch = [row[:sheet_matrix.WATCH_COLUMNS] for row in matrix[watch_top - 1:watch_top - 1 + 20]]
    assert watch[0][0] and all(same(v, file_watch[i][j]) for i, row in enumerate(watch) for j, v in enumerate(row))

    # The Dossier: its drop-down and the selected customer's lists.
    dossier = sheet_cells(demo, sheet_dossier.SHEET)
    (ids, *lists) = dossier_anchors()
    got = block(recorder, sheet_dossier.SHEET, *ids.cell, customers + 1, 1)
    assert [r[0] for r in got] == [row[ids.cell[1] - 1] for row in dossier[1:customers + 1]] + [None]
    for anchor in lists:
        (r0, c0), rows, cols = anchor.cell, anchor.rows, anchor.columns
        got = block(recorder, sheet_dossier.SHEET, r0, c0, rows, cols)
        want = [row[c0 - 1:c0 - 1 + cols] for row in dossier[r0 - 1:r0 - 1 + rows]]
        assert all(same(v, w) for g, r in zip(got, want) for v, w in zip(g, r)), (anchor.formula, got, want)
    assert any(block(recorder, sheet_dossier.SHEET, *lists[0].cell, 1, 1)[0])   # the years list is filled

    # The tables as on Windows; the user's columns kept.
    live = LiveBook(recorder)
    winback = live.read_table("Winback").set_index(CUSTOMER)
    assert (winback.loc[typed, STATUS], winback.loc[typed, NOTES]) == ("contacted", "=called twice")
    reference = FileBook(demo, recalc=False)
    assert sorted(winback.index[winback[RECOVERED].isna()]) == \
        sorted(reference.read_table("Winback").pipe(lambda t: t[t[RECOVERED].isna()])[CUSTOMER])
    assert len(live.read_table("DataCheck")) == len(reference.read_table("DataCheck"))

    # Batched: one Range.value per block, no calculation before the values are in, one after.
    writes = [c for c in calls if c[0] == "set value" and not c[1].startswith(("Winback", "DataCheck"))]
    assert writes[:3] == [("set value", f"Analysis!R1C1:R{customers + 1}C{WIDTH}"),
                          ("set value", f"Matrix!R{top}C{left}:R{top + sheet_matrix.PARETO_POINTS}C{left + 1}"),
                          ("set value", f"Matrix!R{watch_top}C1:R{watch_top + len([r for r in watch if r[0]]) - 1}C4")]
    assert len(writes) == 3 + len(dossier_anchors())
    assert [c for c in calls if c[0] == "calculate"] == [("calculate",)]
    assert calls[-2:] == [("calculate",), ("alert", recorder.messages[0])]
    assert recorder.messages[0].startswith(f"Refresh: analysis of {customers:,} customers computed in Python")


def test_the_platform_decides_and_windows_puts_the_formulas_back(demo):
    recorder, _ = mac_copy(demo)
    macros._refresh_live(recorder, platform="win32")    # Windows: Excel's cell functions fill the spills
    analysis, matrix = recorder.sheets[sheet_analysis.SHEET], recorder.sheets[sheet_matrix.SHEET]
    assert analysis.formulas == {(1, 1): sheet_analysis.analysis_formula()} and analysis.values == {}
    assert recorder.messages[-1].startswith("Refresh: recalculated. 1 formula that a Refresh on a Mac had replaced")

    macros._refresh_live(recorder, platform="darwin")
    assert analysis.formulas == {} and matrix.formulas == {} and analysis.values[(1, 1)] == "customer_id"
    assert recorder.sheets[sheet_dossier.SHEET].formulas == {}
    recorder.calls.clear()
    macros._refresh_live(recorder, platform="win32")
    top, left = sheet_matrix.PARETO_FIRST_ROW + 1, sheet_matrix.PARETO_COL + 1
    assert matrix.formulas == {(top, left): sheet_matrix.PARETO_FORMULA,
                               (sheet_matrix.WATCH_ROW + 3, 1): sheet_matrix.WATCH_FORMULA}
    assert analysis.formulas == {(1, 1): sheet_analysis.analysis_formula()} and analysis.values == {} and matrix.values == {}
    assert recorder.messages[-1].startswith("Refresh: recalculated. 11 formulas that a Refresh on a Mac had")
    assert len([c for c in recorder.calls if c[0] == "set formula2"]) == 11
    assert recorder.sheets[sheet_dossier.SHEET].formulas == {a.cell: a.formula for a in dossier_anchors()}
    assert [c for c in recorder.calls if c[0] == "set formula2"][:3] == [
        ("set formula2", "Analysis!R1C1:R1C1"), ("set formula2", f"Matrix!R{top}C{left}:R{top}C{left}"),
        ("set formula2", f"Matrix!R{sheet_matrix.WATCH_ROW + 3}C1:R{sheet_matrix.WATCH_ROW + 3}C1")]
    recorder.calls.clear()
    macros._refresh_live(recorder, platform="win32")    # in place: nothing to put back
    assert not [c for c in recorder.calls if c[0] in ("set formula2", "clear_contents") and "!" in c[1]
                and c[1].split("!")[0] in (sheet_analysis.SHEET, sheet_matrix.SHEET)]


def test_the_spills_read_the_same_through_either_adapter(demo):
    live, files = spills(LiveBook(live_copy_of(demo))), spills(FileBook(demo, recalc=False))
    assert [s.anchor for s in live] == [s.anchor for s in files]
    assert pd.DataFrame(live[0].values).equals(pd.DataFrame(files[0].values))
    assert live[0].anchor.formula == sheet_analysis.analysis_formula() and live[1].anchor.formula.startswith("=PARETO_CURVE(")


def test_a_block_clears_what_a_longer_and_wider_result_left_and_keeps_text_text():
    import book_recorder as rec

    recorder = rec.Book()
    sheet = recorder.add_sheet("Analysis")
    for r in range(1, 4):
        for c in range(1, 4):
            sheet.values[(r, c)] = "old"
    sheet.formulas[(1, 1)] = sheet_analysis.analysis_formula()
    LiveBook(recorder).write_block("Analysis", (1, 1), [["#KAM: Transactions: no column Amount", ""]], 3, 3)
    assert sheet.values == {(1, 1): "#KAM: Transactions: no column Amount"} and sheet.formulas == {}
    LiveBook(recorder).write_block("Analysis", (2, 2), [["=1+2", 5.0]])
    assert (sheet.values[(2, 2)], sheet.values[(2, 3)], sheet.formulas) == ("=1+2", 5.0, {})
    assert [c[0] for c in recorder.calls] == ["clear_contents", "set value", "set value"]


def test_on_a_mac_the_dossier_button_writes_the_lists_of_the_selected_row(demo, tmp_path):
    """The customer of the selected Customers row: the lists equal the headless recalculation's for it."""
    import shutil

    from kam_xl.commands.dossier import select_customer

    recorder = live_copy_of(demo)
    customers = recorder.sheets["Customers"]
    customer = customers.values[(8, 1)]
    assert customer != recorder.sheets[sheet_dossier.SHEET].values[(4, 2)]
    recorder.select(customers, 8, 3)
    macros._dossier(recorder, platform="darwin")
    assert recorder.sheets[sheet_dossier.SHEET].values[(4, 2)] == customer and recorder.active == "Dossier"

    reference = tmp_path / "Selected.xlsm"
    shutil.copy(demo, reference)
    select_customer(reference, customer)
    dossier = sheet_cells(reference, sheet_dossier.SHEET)
    for anchor in dossier_anchors()[1:]:
        (r0, c0), rows, cols = anchor.cell, anchor.rows, anchor.columns
        got = block(recorder, sheet_dossier.SHEET, r0, c0, rows, cols)
        want = [row[c0 - 1:c0 - 1 + cols] for row in dossier[r0 - 1:r0 - 1 + rows]]
        assert all(same(v, w) for g, r in zip(got, want) for v, w in zip(g, r)), (anchor.formula, got, want)
    assert block(recorder, sheet_dossier.SHEET, *dossier_anchors()[1].cell, 1, 2)[0][1] > 0   # a year's revenue


def test_on_a_mac_refresh_of_an_installed_workbook_reads_their_table_through_the_recorded_sources(tmp_path):
    """A workbook kam-xl install wrote into a team's own file (transactions in their table Sales, their
    headers): the Mac refresh computes the Analysis from their table, as the headless refresh does."""
    import foreign_books

    their = foreign_books.xlsxwriter_book(tmp_path).path
    installed = tmp_path / "installed.xlsm"
    assert cli.main(["install", str(their), "--out", str(installed)]) == 0
    assert cli.main(["refresh", str(installed)]) in (0, 1)
    recorder = live_copy_of(installed)
    recorder.sheets[sheet_analysis.SHEET].formulas.clear()
    macros._refresh_live(recorder, platform="darwin")

    expected = sheet_cells(installed, sheet_analysis.SHEET)
    customers = len(expected) - 1
    got = block(recorder, sheet_analysis.SHEET, 1, 1, customers + 1, WIDTH)
    assert customers > 10 and got[0] == list(schema.ANALYSIS_COLUMNS)
    wrong = [(r + 1, schema.ANALYSIS_COLUMNS[c], got[r][c], expected[r][c]) for r in range(1, customers + 1)
             for c in range(WIDTH) if not same(got[r][c], expected[r][c])]
    assert wrong == []
