"""The committed workbook/KeyAccounts.xlsm itself, checked without Excel: package parts and relationships,
code names against the VBA project's document modules, ribbon callbacks, module sources read back by two
independent readers, cell functions against kam_xl.udfs and the UDF wrappers, tables and names, and the
OOXML auditor.

The other test modules check the same contracts on small fixture workbooks built in the test; this one
checks the file users actually get (the VBA and ribbon checks are tests/workbook_checks.py, which
tests/test_install_foreign.py runs on installed workbooks too). It only reads: openpyxl must never save a kam_xl
workbook.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from functools import cache
from pathlib import Path

import openpyxl

import workbook_checks as checks
from kam_xl.core.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
WORKBOOK = ROOT / "workbook" / "KeyAccounts.xlsm"
AUDIT = Path(sys.executable).parent / "openxml-audit"

TABLES = ["Customers", "Transactions", "Complaints", "Tenders", "Contacts", "Competitors", "Prospects",
          "Settings", "Labels"]


@cache
def book() -> checks.Package:
    return checks.Package(WORKBOOK)


def test_content_types_declare_a_macro_enabled_main_part_and_the_vba_project():
    checks.check_content_types(book())


def test_workbook_relates_its_vba_project_and_the_package_relates_the_ribbon():
    checks.check_relationships(book())


def test_every_code_name_has_its_document_module_and_every_document_module_its_sheet():
    checks.check_code_names(book())


def test_every_on_action_names_one_ribbon_callback_that_runs_an_existing_macro():
    checks.check_ribbon(book())


def test_every_module_reads_back_as_built_through_olevba_strict_and_pyopenvba():
    checks.check_modules_read_back(book())


def test_every_cell_function_that_is_not_excel_s_is_in_kam_xl_udfs_and_wrapped_in_the_project():
    checks.check_cell_functions_wrapped(book())
    called = {name for _, formula in book().all_formulas() for name in checks.called_functions(formula)}
    assert "THREE_P" in called  # the Prospects table's column, ours in the built workbook


def test_function_wizard_help_of_every_wrapped_function_is_registered_when_the_workbook_opens():
    checks.check_function_help(book())


def test_openpyxl_sees_the_tables_the_names_and_the_validations():
    book = openpyxl.load_workbook(WORKBOOK, keep_vba=True)  # read here, never saved
    try:
        tables = {name: sheet.title for sheet in book.worksheets for name in sheet.tables}
        assert {name: tables.get(name) for name in TABLES} == {name: name for name in TABLES}
        names = set(book.defined_names)
        expected = {f"kam_{field.name}" for field in dataclasses.fields(Settings)} | {"kam_as_of", "kam_settings"}
        assert not expected - names, sorted(expected - names)
        for name in sorted(expected):
            destinations = list(book.defined_names[name].destinations)
            assert [sheet for sheet, _ in destinations] == ["Settings"], name
        for sheet in ("Customers", "Settings"):
            assert book[sheet].data_validations.dataValidation, f"no data validation on {sheet}"
    finally:
        book.close()


def test_openxml_audit_finds_no_errors():
    assert AUDIT.exists(), AUDIT
    result = subprocess.run([str(AUDIT), str(WORKBOOK)], capture_output=True, text=True, timeout=120)
    lines = result.stdout.strip().splitlines()
    assert lines and lines[-1] == "Errors: 0", result.stdout + result.stderr
