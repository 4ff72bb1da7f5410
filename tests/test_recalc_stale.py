"""Issue 7, point 3: recalculation never reports success over stale or failed results. On the demo workbook
with one bad amount, `kam-xl recalc` and the Refresh macro exit 1 and say so, name the cell, and no cell of the
Analysis sheet's old spill area keeps a value."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from kam_xl import macros
from kam_xl.a1 import column_letters
from kam_xl.cli import main
from kam_xl.core.schema import ANALYSIS_COLUMNS

MESSAGE = 'Analysis!A1: #KAM: Transactions data row 5, column Amount: "abc" is not a number'

SPILL = f"A1:{column_letters(len(ANALYSIS_COLUMNS))}201"  # header + 200 customers


@pytest.fixture(scope="module")
def bad_book(tmp_path_factory) -> Path:
    """The demo workbook (200 customers, analysis spilled over A1:<last column>201) with "abc" in the Amount of the
    Transactions table's data row 5."""
    folder = tmp_path_factory.mktemp("stale")
    book = folder / "book.xlsm"
    assert main(["demo", "--customers", "200", "--seed", "7", "--out", str(folder / "data"),
                 "--workbook", str(book)]) == 0
    bad = folder / "bad.xlsm"
    _put_text(book, bad, "Transactions", "Amount", data_row=5, text="abc")
    return bad


def _put_text(source: Path, target: Path, sheet: str, header: str, data_row: int, text: str) -> None:
    """A copy of ``source`` with ``text`` typed into column ``header`` of ``sheet``'s data row (row 1 holds the
    headers), every other part copied as it is."""
    ws = openpyxl.load_workbook(source, read_only=True)[sheet]
    letter = next(c.column_letter for c in next(ws.iter_rows(max_row=1)) if c.value == header)
    ref = f"{letter}{data_row + 1}"
    part = _sheet_part(source, sheet)
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == part:
                data, n = re.subn(rb'<c r="' + ref.encode() + rb'"( s="\d+")?[^>]*>.*?</c>',
                                  rb'<c r="' + ref.encode() + rb'"\1 t="inlineStr"><is><t>' + text.encode()
                                  + rb"</t></is></c>", data, count=1)
                assert n == 1
            dst.writestr(info, data)


def _sheet_part(book: Path, sheet: str) -> str:
    with zipfile.ZipFile(book) as z:
        rid = re.search(rb'<sheet name="' + sheet.encode() + rb'"[^>]*r:id="([^"]+)"', z.read("xl/workbook.xml"))
        rels = z.read("xl/_rels/workbook.xml.rels")
    target = re.search(rb'Id="' + rid.group(1) + rb'"[^>]*Target="([^"]+)"', rels) or \
        re.search(rb'Target="([^"]+)"[^>]*Id="' + rid.group(1) + rb'"', rels)
    return "xl/" + target.group(1).decode().removeprefix("/xl/")


def _old_spill_values(book: Path) -> dict[str, object]:
    """Every cell of SPILL on Analysis (the spill area before the bad amount) that holds a value."""
    ws = openpyxl.load_workbook(book, data_only=True)["Analysis"]
    return {c.coordinate: c.value for row in ws[SPILL] for c in row if c.value not in (None, "")}


def test_bad_amount_recalc_exits_1_names_the_cell_and_clears_the_old_spill(bad_book, tmp_path, capsys):
    book = tmp_path / "book.xlsm"
    shutil.copy(bad_book, book)
    assert len(_old_spill_values(book)) > 4000  # the old analysis is there to be cleared
    assert main(["recalc", str(book), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)["files"][0]
    assert report["errors"] == {"#KAM": 1} and report["messages"] == [MESSAGE]
    assert _old_spill_values(book) == {"A1": MESSAGE.removeprefix("Analysis!A1: ")}
    matrix = openpyxl.load_workbook(book, data_only=True)["Matrix"]
    assert matrix["G5"].value == 0  # counts from the empty analysis, as Excel gives them

    shutil.copy(bad_book, book)
    assert main(["recalc", str(book)]) == 1
    out, err = capsys.readouterr()
    assert "#KAM 1" in out and MESSAGE in err


def test_bad_amount_refresh_macro_exits_1_and_names_the_cell(bad_book, tmp_path):
    book = tmp_path / "book.xlsm"
    shutil.copy(bad_book, book)
    env = {k: v for k, v in os.environ.items() if k != macros.WORKBOOK_ENV} | {macros.WORKBOOK_ENV: str(book)}
    run = subprocess.run([sys.executable, "-c", "import kam_xl.macros as m; m.refresh()"], capture_output=True,
                         text=True, env=env)
    assert run.returncode == 1, run.stderr
    assert ", 1 with errors; book.xlsm saved." in run.stdout and f"  {MESSAGE}\n" in run.stdout
    assert _old_spill_values(book) == {"A1": MESSAGE.removeprefix("Analysis!A1: ")}


def test_the_analysis_spills_again_once_the_amount_is_fixed(bad_book, tmp_path):
    book = tmp_path / "book.xlsm"
    shutil.copy(bad_book, book)
    assert main(["recalc", str(book)]) == 1
    fixed = tmp_path / "fixed.xlsm"
    _put_text(book, fixed, "Transactions", "Amount", data_row=5, text="745.33")
    assert main(["recalc", str(fixed)]) == 0
    values = _old_spill_values(book), _old_spill_values(fixed)
    assert list(values[0]) == ["A1"] and len(values[1]) > 4000 and not values[1]["A1"].startswith("#KAM")
    with zipfile.ZipFile(fixed) as z:
        assert f'<f t="array" ref="{SPILL}">CUSTOMER_ANALYSIS('.encode() in z.read(_sheet_part(fixed, "Analysis"))
