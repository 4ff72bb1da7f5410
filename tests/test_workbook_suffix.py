"""A macro workbook is written only under an .xlsm name: Excel refuses to open one named .xlsx."""

from __future__ import annotations

import pytest

from kam_xl.cli import main


@pytest.mark.parametrize("name", ["book.xlsx", "book.XLSX", "book.xls", "book"])
def test_demo_refuses_a_workbook_name_that_is_not_xlsm_before_writing_anything(tmp_path, capsys, name):
    assert main(["demo", "--customers", "5", "--out", str(tmp_path / "d"), "--workbook", str(tmp_path / name)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Traceback" not in err
    assert err.startswith(f"kam-xl demo: {tmp_path / name}: ") and "Excel" in err
    assert err.endswith(f"use --workbook {(tmp_path / name).with_suffix('.xlsm')}")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["KeyAccounts.xlsx", "KeyAccounts"])
def test_build_workbook_refuses_an_out_name_that_is_not_xlsm(tmp_path, capsys, name):
    assert main(["build-workbook", "--out", str(tmp_path / name)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Traceback" not in err
    assert err == (f"kam-xl build-workbook: {tmp_path / name}: the workbook holds macros and Excel opens such a "
                   f"file only under an .xlsm name; use --out {tmp_path / 'KeyAccounts.xlsm'}")
    assert list(tmp_path.iterdir()) == []


def test_an_xlsm_name_in_capitals_is_accepted(tmp_path, capsys):
    assert main(["demo", "--customers", "5", "--out", str(tmp_path / "d"), "--workbook",
                 str(tmp_path / "Book.XLSM")]) == 0
    assert (tmp_path / "Book.XLSM").is_file()
