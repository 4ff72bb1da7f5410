"""The sheets of KeyAccounts.xlsm: tables and headers, named settings, drop-downs, formulas, reproducibility."""

from __future__ import annotations

import dataclasses
import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import FORMULAE

import kam_xl
from kam_xl import demo, stamp, udfs
from kam_xl.a1 import column_letters
from kam_xl.commands import build_workbook as command
from kam_xl.core import schema
from kam_xl.core.analysis import analyze
from kam_xl.core.settings import ABC_VALUES, LANGUAGES, XYZ_METHODS, XYZ_PERIODS, Settings, describe
from kam_xl.template import labels
from kam_xl.template.sheet_inputs import ATTITUDES, COMPLAINT_CATEGORIES, ROLES, SEVERITIES, TENDER_RESULTS
from kam_xl.template.sheets import SHEETS
from kam_xl.template.workbook import build_workbook, workbook_bytes

AUDIT = Path(sys.executable).parent / "openxml-audit"
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
DEMO_CUSTOMERS = 80

# The workbook's contract with the cell functions and the people typing into it.
HEADERS = {
    "Customers": ["Customer ID", "Name", "Industry", "Region", "Employees", "Founded", "Description", "Owner",
                  "Known brand", "High demands", "Budget", "Key account override"],
    "Transactions": ["Date", "Customer ID", "Document no", "Amount", "Margin"],
    "Complaints": ["Date", "Customer ID", "Category", "Severity", "Description"],
    "Tenders": ["Date", "Customer ID", "Subject", "Result", "Reason", "Value"],
    "Contacts": ["Customer ID", "Person", "Position", "Role", "Attitude", "Last contact", "Email", "Phone"],
    "Competitors": ["Customer ID", "Competitor", "Share of wallet", "Notes"],
    "Prospects": ["Prospect ID", "Name", "Industry", "Need", "Ability to pay", "Authority", "Budget", "Notes",
                  "Potential key customer"],
}
SHEET_ORDER = ["About", "Customers", "Transactions", "Complaints", "Tenders", "Contacts", "Competitors",
               "Prospects", "Analysis", "Matrix", "Dossier", "Win-back", "Data check", "Settings", "Labels", "xlwings.conf"]
CHOICES = {"abc_value": ABC_VALUES, "xyz_method": XYZ_METHODS, "xyz_period": XYZ_PERIODS, "language": LANGUAGES}
FORMULA_TEXTS = (demo.FORMULA_NAME, demo.FORMULA_NOTE, demo.FORMULA_PROSPECT_NOTE)


@pytest.fixture(scope="module")
def data():
    return demo.generate(DEMO_CUSTOMERS, seed=7)


@pytest.fixture(scope="module")
def analysis(data):
    return analyze(data.transactions, data.customers, data.complaints, Settings())


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return build_workbook(tmp_path_factory.mktemp("template") / "KeyAccounts.xlsm")


@pytest.fixture(scope="module")
def filled(tmp_path_factory, data, analysis) -> Path:
    return build_workbook(tmp_path_factory.mktemp("demo") / "KeyAccounts.xlsm", data, analysis)


@pytest.fixture(scope="module", params=["template", "filled"])
def book_path(request) -> Path:
    return request.getfixturevalue(request.param)


@pytest.fixture(scope="module")
def book(book_path):
    """Loaded for reading only: openpyxl must never save a kam_xl workbook (it drops the ribbon)."""
    return openpyxl.load_workbook(book_path, keep_vba=True)


@pytest.fixture(scope="module")
def filled_book(filled):
    return openpyxl.load_workbook(filled, keep_vba=True)


def sheet_xml(path: Path) -> dict[str, ElementTree.Element]:
    """Sheet name -> parsed worksheet XML."""
    with zipfile.ZipFile(path) as package:
        workbook = ElementTree.fromstring(package.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(package.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target") for r in rels}
        rid = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
        return {s.get("name"): ElementTree.fromstring(package.read("xl/" + targets[s.get(rid)]))
                for s in workbook.iter(f"{MAIN}sheet")}


def all_formulas(path: Path) -> list[str]:
    """Every formula in the package: cells, table columns, defined names, validations, conditional formats."""
    formulas = []
    with zipfile.ZipFile(path) as package:
        for name in package.namelist():
            if not name.endswith(".xml") or not name.startswith("xl/"):
                continue
            root = ElementTree.fromstring(package.read(name))
            for tag in ("f", "calculatedColumnFormula", "definedName", "formula", "formula1", "formula2"):
                formulas += [e.text for e in root.iter(f"{MAIN}{tag}") if e.text]
    return formulas


# --- sheets and tables ------------------------------------------------------------------------------------


def test_sheets_come_in_the_designed_order_with_code_names(book):
    assert book.sheetnames == SHEET_ORDER
    assert [book[name].sheet_properties.codeName for name in SHEET_ORDER] == [SHEETS[n] for n in SHEET_ORDER]
    assert book["Labels"].sheet_state == "hidden"
    assert all(book[n].sheet_state == "visible" for n in SHEET_ORDER if n != "Labels")


@pytest.mark.parametrize("sheet", list(HEADERS))
def test_input_table_is_named_like_its_sheet_with_the_exact_headers(book, sheet):
    tables = book[sheet].tables
    assert list(tables) == [sheet]
    assert [c.name for c in tables[sheet].tableColumns] == HEADERS[sheet]
    first_row = [c.value for c in book[sheet][1]]
    assert first_row == HEADERS[sheet]


def test_headers_normalise_to_the_canonical_column_names_of_the_core_and_the_demo(data):
    normalised = {sheet: ["_".join(h.lower().split()) for h in headers] for sheet, headers in HEADERS.items()}
    assert {schema.CUSTOMER_ID, schema.KNOWN_BRAND, schema.HIGH_DEMANDS, schema.BUDGET,
            schema.KEY_OVERRIDE} <= set(normalised["Customers"])
    assert {schema.TX_DATE, schema.CUSTOMER_ID, schema.TX_DOCUMENT, schema.TX_AMOUNT,
            schema.TX_MARGIN} == set(normalised["Transactions"])
    assert {schema.COMPLAINT_DATE, schema.COMPLAINT_CATEGORY, schema.COMPLAINT_SEVERITY} <= set(
        normalised["Complaints"])
    for sheet, frame in data.tables().items():
        sheet = sheet.capitalize()
        formula_columns = {"potential_key_customer"}
        assert set(normalised[sheet]) - formula_columns <= set(frame.columns), sheet


def test_template_tables_have_one_empty_row(template):
    book = openpyxl.load_workbook(template, keep_vba=True)
    for sheet in HEADERS:
        table = book[sheet].tables[sheet]
        assert table.ref.endswith("2"), (sheet, table.ref)
        values = [c.value for c in book[sheet][2]]
        if sheet == "Prospects":
            assert values[-1].startswith("=THREE_P(")
            values = values[:-1]
        assert values == [None] * len(values), sheet


def test_filled_tables_hold_every_row_of_the_data(filled_book, data):
    for name, frame in data.tables().items():
        sheet = name.capitalize()
        assert filled_book[sheet].tables[sheet].ref.endswith(str(len(frame) + 1)), sheet
    row = filled_book["Customers"][2]
    first = data.customers.iloc[0]
    assert row[0].value == first["customer_id"] and row[1].value == first["name"]
    assert row[8].value == ("yes" if first["known_brand"] else "no")
    tx = filled_book["Transactions"][2]
    assert tx[0].value.date() == data.transactions["date"].iloc[0].date()
    assert tx[3].value == pytest.approx(data.transactions["amount"].iloc[0])


def test_formula_looking_text_from_data_is_stored_as_text_never_as_a_formula(filled, data):
    texts = {str(v) for frame in data.tables().values() for v in frame.to_numpy(object).ravel()}
    planted = [t for t in FORMULA_TEXTS if t in texts]
    assert len(planted) == len(FORMULA_TEXTS), "the demo no longer plants every formula-looking text at this size"
    with zipfile.ZipFile(filled) as package:
        strings = [ElementTree.fromstring(package.read("xl/sharedStrings.xml"))]
    shared = ["".join(t.text or "" for t in si.iter(f"{MAIN}t")) for si in strings[0].iter(f"{MAIN}si")]
    for text in planted:
        assert text in shared, text
    formulas = all_formulas(filled)
    for text in planted:
        assert text.lstrip("=+-") not in formulas
        assert all(not f.startswith(text.lstrip("=")) for f in formulas)
    for sheet, root in sheet_xml(filled).items():
        for cell in root.iter(f"{MAIN}c"):
            v = cell.find(f"{MAIN}v")
            if cell.get("t") == "s" and v is not None and shared[int(v.text)] in planted:
                assert cell.find(f"{MAIN}f") is None, (sheet, cell.get("r"))


# --- settings ----------------------------------------------------------------------------------------------


def test_every_setting_has_a_named_value_cell_holding_its_default(book):
    sheet = book["Settings"]
    defaults = Settings()
    for field in dataclasses.fields(Settings):
        name = book.defined_names[f"kam_{field.name}"]
        ((title, ref),) = name.destinations
        assert title == "Settings"
        row = int(ref.split("$")[-1])
        assert sheet.cell(row, 1).value == field.name
        value = sheet.cell(row, 2).value
        default = getattr(defaults, field.name)
        assert value == default, field.name
        assert sheet.cell(row, 3).value == describe(field.name)


def test_settings_table_and_names_for_the_cell_functions(book):
    sheet = book["Settings"]
    table = sheet.tables["Settings"]
    assert [c.name for c in table.tableColumns] == ["Setting", "Value", "Description"]
    ((_, block),) = book.defined_names["kam_settings"].destinations
    first, last = (int(part.split("$")[-1]) for part in block.split(":"))
    assert block.startswith("$A$") and ":$B$" in block
    assert [sheet.cell(r, 1).value for r in range(first, last + 1)] == [f.name for f in dataclasses.fields(Settings)] \
        + [stamp.FORMAT_ROW, stamp.VERSION_ROW]
    assert [sheet.cell(r, 2).value for r in range(last - 1, last + 1)] == [stamp.WORKBOOK_FORMAT, kam_xl.__version__]
    for name, row in ((stamp.FORMAT_NAME, last - 1), (stamp.VERSION_NAME, last)):
        ((_, ref),) = book.defined_names[name].destinations
        assert ref == f"$B${row}"
    ((_, as_of),) = book.defined_names["kam_as_of"].destinations
    assert sheet[as_of.replace("$", "")].value is None  # blank = the last transaction day


def test_settings_pass_the_cell_functions_own_reader(book):
    from kam_xl import cells

    sheet = book["Settings"]
    ((_, block),) = book.defined_names["kam_settings"].destinations
    rows = [[c.value for c in row] for row in sheet[block.replace("$", "")]]
    assert cells.settings_from_range(rows) == Settings()


def _validations(sheet) -> dict[str, object]:
    """First cell of each validated range -> its validation."""
    out = {}
    for dv in sheet.data_validations.dataValidation:
        for rng in str(dv.sqref).split():
            out[rng.split(":")[0]] = dv
    return out


def test_settings_values_are_validated_by_type(book):
    sheet = book["Settings"]
    found = _validations(sheet)
    for field in dataclasses.fields(Settings):
        ((_, ref),) = book.defined_names[f"kam_{field.name}"].destinations
        dv = found[ref.replace("$", "")]
        default = getattr(Settings(), field.name)
        if field.name in CHOICES:
            assert dv.type == "list" and dv.formula1 == '"' + ",".join(CHOICES[field.name]) + '"'
            assert default in CHOICES[field.name]
        elif isinstance(default, bool):
            assert dv.type == "list" and dv.formula1 == '"TRUE,FALSE"'
        elif isinstance(default, int) or default is None:
            assert dv.type == "whole" and dv.operator == "greaterThanOrEqual", field.name
        elif field.name == "key_type_classes":
            assert dv.type == "textLength" and dv.operator == "lessThanOrEqual" and dv.formula1 == "4"
        else:
            assert dv.type == "decimal", field.name
            if field.name.endswith("_share") or field.name.endswith("_frequency"):
                assert (dv.formula1, dv.formula2) == ("0", "1"), field.name
            low = float(dv.formula1)
            high = float(dv.formula2) if dv.formula2 is not None else float("inf")
            assert low <= default <= high, field.name


# --- drop-downs in the input tables ------------------------------------------------------------------------


@pytest.mark.parametrize("sheet, column, choices", [
    ("Customers", "I", ["yes", "no"]), ("Customers", "J", ["yes", "no"]), ("Customers", "L", ["yes", "no"]),
    ("Complaints", "C", COMPLAINT_CATEGORIES), ("Complaints", "D", ["low", "medium", "high"]),
    ("Tenders", "D", ["won", "lost"]), ("Contacts", "D", ROLES), ("Contacts", "E", ATTITUDES),
    ("Prospects", "D", ["yes", "no"]), ("Prospects", "E", ["yes", "no"]), ("Prospects", "F", ["yes", "no"]),
])
def test_drop_down_lists_cover_the_data_rows(book, sheet, column, choices):
    dv = _validations(book[sheet])[f"{column}2"]
    assert dv.type == "list"
    assert dv.formula1 == '"' + ",".join(choices) + '"'
    last_row = int(re.sub("[A-Z]", "", book[sheet].tables[sheet].ref.split(":")[1]))
    assert str(dv.sqref) == (f"{column}2" if last_row == 2 else f"{column}2:{column}{last_row}")


@pytest.mark.parametrize("sheet", ["Transactions", "Complaints", "Tenders", "Contacts", "Competitors"])
def test_customer_id_columns_pick_from_the_customers_table(book, sheet):
    col = "ABCDEFGH"[HEADERS[sheet].index("Customer ID")]
    dv = _validations(book[sheet])[f"{col}2"]
    assert dv.type == "list" and dv.formula1 == 'INDIRECT("Customers[Customer ID]")'
    assert dv.errorStyle == "warning"  # a transaction of an unknown customer still counts


def test_demo_values_fit_the_drop_downs(data):
    assert set(data.complaints["category"]) <= set(COMPLAINT_CATEGORIES)
    assert set(data.complaints["severity"]) <= set(SEVERITIES)
    assert set(data.tenders["result"]) <= set(TENDER_RESULTS)
    assert set(data.contacts["role"]) <= set(ROLES)
    assert set(data.contacts["attitude"]) <= set(ATTITUDES)
    assert set(data.customers["key_account_override"]) <= {"", "yes", "no"}


def test_input_sheets_freeze_the_header_row(book):
    for sheet in HEADERS:
        assert book[sheet].freeze_panes == "A2"


# --- formulas ---------------------------------------------------------------------------------------------


def function_names(formula: str) -> set[str]:
    """Names called in a formula (NAME( tokens outside string literals), without _xlfn. prefixes."""
    code = re.sub(r'"[^"]*"', '""', formula)
    return {m.group(1).upper() for m in re.finditer(r"(?<![\w.])((?:_xlfn\.|_xlws\.)*[A-Za-z_][\w.]*)\(", code)}


def test_every_function_in_a_formula_is_excel_s_or_a_kam_xl_cell_function(book_path):
    called = set().union(*(function_names(f) for f in all_formulas(book_path)))
    own = {name for name in called if not name.startswith("_XLFN.") and name not in FORMULAE}
    assert own, "expected kam_xl cell functions in the formulas"
    missing = sorted(name for name in own if not callable(getattr(udfs, name, None)))
    assert not missing, f"formulas call {missing}, which kam_xl.udfs does not define"
    assert {"CUSTOMER_ANALYSIS", "PARETO_CURVE", "THREE_P"} <= own


def test_cell_function_names_are_no_excel_function_names():
    """A UDF named like a built-in or future function would be shadowed (Excel shows it as _xludf.NAME)."""
    from xlsxwriter.worksheet import Worksheet
    import inspect

    future = set(re.findall(r"_xlfn\.(?:_xlws\.)?([A-Z][A-Z0-9.]*)\(", inspect.getsource(Worksheet._prepare_formula)))
    names = {n for n in vars(udfs) if n.isupper() and callable(getattr(udfs, n))}
    assert names
    assert not names & (FORMULAE | future)


def test_formulas_never_use_whole_column_references(book_path):
    whole_column = re.compile(r"\$?\b[A-Z]{1,3}:\$?[A-Z]{1,3}\b(?!\d)")
    for formula in all_formulas(book_path):
        code = re.sub(r'"[^"]*"', '""', formula)
        assert not whole_column.search(code.replace("[", " ").replace("]", " ")), formula


def test_analysis_is_one_dynamic_array_formula_at_a1(template, filled, analysis):
    formula = "CUSTOMER_ANALYSIS(Customers[#All],Transactions[#All],Complaints[#All],kam_settings,kam_as_of)"
    empty = sheet_xml(template)["Analysis"]
    (anchor,) = [c for c in empty.iter(f"{MAIN}c") if c.find(f"{MAIN}f") is not None]
    assert anchor.get("r") == "A1" and anchor.get("cm") == "1"
    assert anchor.find(f"{MAIN}f").text == formula and anchor.find(f"{MAIN}f").get("ref") == "A1"
    assert len([c for c in empty.iter(f"{MAIN}c") if c.find(f"{MAIN}v") is not None and
                c.find(f"{MAIN}v").text]) == 0

    root = sheet_xml(filled)["Analysis"]
    formulas = [c for c in root.iter(f"{MAIN}c") if c.find(f"{MAIN}f") is not None]
    assert len(formulas) == 1
    last = f"{column_letters(len(schema.ANALYSIS_COLUMNS))}{len(analysis) + 1}"
    assert formulas[0].find(f"{MAIN}f").get("ref") == f"A1:{last}"


def test_filled_analysis_caches_the_spill_values(filled_book, analysis):
    sheet = filled_book["Analysis"]
    assert [c.value for c in sheet[1]][1:] == schema.ANALYSIS_COLUMNS[1:]
    for i in (0, len(analysis) // 2, len(analysis) - 1):
        row = [c.value for c in sheet[i + 2]]
        expected = analysis.iloc[i]
        assert row[0] == expected["customer_id"]
        assert row[1] == pytest.approx(expected["revenue"])
        assert row[schema.ANALYSIS_COLUMNS.index("abc")] == expected["abc"]
        assert row[schema.ANALYSIS_COLUMNS.index("key_account")] == bool(expected["key_account"])
        last = row[schema.ANALYSIS_COLUMNS.index("last_purchase")]
        assert last.date() == pd.Timestamp(expected["last_purchase"]).date()


def test_matrix_caches_what_its_formulas_compute(filled, filled_book, analysis):
    from kam_xl.template.sheet_matrix import FIRST_CLASS_ROW, FIRST_VALUE_COL, KEY_ROW

    sheet = filled_book["Matrix"]
    counts = pd.crosstab(analysis["abc"], analysis["xyz"])
    cached = cached_values(filled, "Matrix")
    for i, a in enumerate("ABCN"):
        for j, x in enumerate("XYZN"):
            cell = sheet.cell(FIRST_CLASS_ROW + 3 * i + 1, FIRST_VALUE_COL + j + 1)
            assert cell.value == f'=COUNTIFS(Analysis!$F$2:$F$200001,"{a}",Analysis!$I$2:$I$200001,"{x}")'
            expected = counts.loc[a, x] if a in counts.index and x in counts.columns else 0
            assert cached[cell.coordinate] == expected, (a, x)
    key_count = sheet.cell(KEY_ROW + 2, 2)
    assert key_count.value.startswith("=COUNTIFS(Analysis!$M$2:$M$200001,TRUE)")
    assert cached[key_count.coordinate] == int(analysis["key_account"].sum())
    key_share = sheet.cell(KEY_ROW + 3, 2)
    revenue = analysis["revenue"]
    expected = revenue[analysis["key_account"].astype(bool)].sum() / revenue[revenue > 0].sum()
    assert cached[key_share.coordinate] == pytest.approx(expected)


def cached_values(path: Path, sheet: str) -> dict:
    """Cell -> cached result of each formula cell (openpyxl shows the formulas, so read the XML)."""
    out = {}
    for cell in sheet_xml(path)[sheet].iter(f"{MAIN}c"):
        v = cell.find(f"{MAIN}v")
        if cell.find(f"{MAIN}f") is None or v is None:
            continue
        kind = cell.get("t")
        out[cell.get("r")] = (v.text or "" if kind in ("str", "e") else v.text == "1" if kind == "b"
                              else float(v.text))
    return out


def test_pareto_block_is_fed_by_pareto_curve_with_cached_points(filled):
    root = sheet_xml(filled)["Matrix"]
    anchors = [c for c in root.iter(f"{MAIN}c") if c.find(f"{MAIN}f") is not None
               and c.find(f"{MAIN}f").text.startswith("PARETO_CURVE(")]
    (anchor,) = anchors
    assert anchor.find(f"{MAIN}f").text == \
        "PARETO_CURVE(Analysis!$B$2:INDEX(Analysis!$B$2:$B$200001,MAX(1,COUNTA(Analysis!$A$2:$A$200001))),100)"
    assert anchor.get("cm") == "1" and anchor.find(f"{MAIN}f").get("ref") == "I5:J105"
    with zipfile.ZipFile(filled) as package:
        assert any(n.startswith("xl/charts/chart") for n in package.namelist())


def test_captions_are_label_formulas_with_every_key_in_both_languages(book_path):
    keys = set()
    for formula in all_formulas(book_path):
        keys |= set(re.findall(r'MATCH\("([^"]+)",Labels\[Key\]', formula))
    assert keys and keys <= set(labels.LABELS)
    for key, (en, de) in labels.LABELS.items():
        assert bool(en) == bool(de), key


def test_labels_table_holds_every_label(book):
    sheet = book["Labels"]
    assert [c.name for c in sheet.tables["Labels"].tableColumns] == ["Key", "EN", "DE"]
    rows = {r[0]: (r[1] or "", r[2] or "") for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows == labels.LABELS


# --- xlwings.conf, about ---------------------------------------------------------------------------------


def test_xlwings_conf_sheet_is_what_xlwings_reads(book):
    sheet = book["xlwings.conf"]
    keys = []
    row = 1
    while sheet.cell(row, 1).value:  # xlwings: from A1 down to the first empty cell (End(xlDown))
        keys.append((sheet.cell(row, 1).value, sheet.cell(row, 2).value))
        row += 1
    assert keys == [("UDF Modules", "kam_xl.udfs")]   # each PC's own xlwings.conf file sets its interpreter
    below = [sheet.cell(r, 1).value for r in range(row + 1, row + 4)]
    assert below == ["Interpreter_Win", "Interpreter_Mac", "PYTHONPATH"]   # documented, not read


def test_about_has_a_check_set_up_line_that_python_fills(book):
    sheet = book["About"]
    cells = [c for row in sheet.iter_rows() for c in row if c.value == "=SETUP_CHECK()"]
    assert len(cells) == 1 and cells[0].column_letter == "C"


def test_about_names_version_and_every_cell_function(book):
    import kam_xl

    text = " ".join(str(c.value) for row in book["About"].iter_rows() for c in row if c.value is not None)
    assert f"kam_xl {kam_xl.__version__}" in text
    for name in (n for n in vars(udfs) if n.isupper() and callable(getattr(udfs, n))):
        assert f"{name}(" in text


# --- the package ------------------------------------------------------------------------------------------


def test_two_builds_are_byte_identical(data, analysis):
    assert workbook_bytes() == workbook_bytes()
    assert workbook_bytes(data, analysis) == workbook_bytes(data, analysis)


def test_package_carries_vba_project_and_ribbon(book_path):
    with zipfile.ZipFile(book_path) as package:
        names = package.namelist()
        assert "xl/vbaProject.bin" in names and "customUI/customUI14.xml" in names
        assert b"customUI14.xml" in package.read("_rels/.rels")
        assert all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in package.infolist())


def test_openxml_audit_finds_no_errors(book_path):
    result = subprocess.run([str(AUDIT), str(book_path)], capture_output=True, text=True, timeout=300)
    lines = result.stdout.strip().splitlines()
    assert lines and lines[-1].strip() == "Errors: 0", result.stdout[-3000:] + result.stderr[-2000:]


def test_build_workbook_replaces_the_file_atomically(tmp_path):
    target = tmp_path / "KeyAccounts.xlsm"
    target.write_bytes(b"old")
    assert build_workbook(target) == target
    assert target.read_bytes() == workbook_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["KeyAccounts.xlsm"]


def test_check_tells_whether_the_file_equals_a_fresh_build(tmp_path, capsys):
    from kam_xl.cli import main

    target = tmp_path / "KeyAccounts.xlsm"
    assert main(["build-workbook", "--out", str(target)]) == 0
    assert main(["build-workbook", "--out", str(target), "--check"]) == 0
    target.write_bytes(target.read_bytes() + b"\0")
    assert main(["build-workbook", "--out", str(target), "--check"]) == 1
    assert "differs from a fresh build" in capsys.readouterr().err


def test_build_workbook_writes_the_checkouts_workbook_by_default():
    root = Path(__file__).resolve().parents[1]
    assert command.checkout_root() == root
    assert command.default_out() == root / "workbook" / "KeyAccounts.xlsm"


def test_snapshot_has_values_where_the_workbook_has_cell_functions(data, analysis):
    snapshot = io.BytesIO(workbook_bytes(data, analysis, snapshot=True))
    book = openpyxl.load_workbook(snapshot, keep_vba=True)
    assert book["Analysis"]["A1"].value == "customer_id"
    assert book["Analysis"]["B2"].value == pytest.approx(analysis["revenue"].iloc[0])
    assert book["Matrix"]["I5"].value == 0.0
    assert not any(isinstance(c.value, str) and c.value.startswith("=THREE_P")
                   for row in book["Prospects"].iter_rows() for c in row)


def test_committed_workbook_equals_a_fresh_build(capsys):
    from kam_xl.cli import main

    assert main(["build-workbook", "--check"]) == 0, capsys.readouterr().err
