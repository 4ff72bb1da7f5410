"""The committed workbook/KeyAccounts.xlsm itself, checked without Excel: package parts and relationships,
code names against the VBA project's document modules, ribbon callbacks, module sources read back by two
independent readers, cell functions against kam_xl.udfs and the UDF wrappers, tables and names, and the
OOXML auditor.

The other test modules check the same contracts on small fixture workbooks built in the test; this one
checks the file users actually get. It only reads: openpyxl must never save a kam_xl workbook.
"""

from __future__ import annotations

import dataclasses
import io
import re
import subprocess
import sys
import zipfile
from functools import cache
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

import olefile
import openpyxl
from openpyxl.utils import FORMULAE
from oletools.olevba import VBA_Parser
from pyopenvba import ExcelFile

import kam_xl.macros
import kam_xl.udfs
from kam_xl.core.settings import Settings
from kam_xl.template.udf_wrappers import generate_function_help_module, generate_udf_module
from kam_xl.template.vba import project_modules

ROOT = Path(__file__).resolve().parents[1]
WORKBOOK = ROOT / "workbook" / "KeyAccounts.xlsm"
AUDIT = Path(sys.executable).parent / "openxml-audit"

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
CONTENT_TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}"
CUSTOM_UI_NS = "{http://schemas.microsoft.com/office/2009/07/customui}"
OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
VBA_PROJECT = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
UI_EXTENSIBILITY = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
MACRO_ENABLED_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
VBA_PROJECT_TYPE = "application/vnd.ms-office.vbaProject"

TABLES = ["Customers", "Transactions", "Complaints", "Tenders", "Contacts", "Competitors", "Prospects",
          "Settings", "Labels"]


# --- reading the package ---------------------------------------------------------------------------------

@cache
def part(name: str) -> bytes:
    with zipfile.ZipFile(WORKBOOK) as package:
        return package.read(name)


@cache
def part_names() -> frozenset[str]:
    with zipfile.ZipFile(WORKBOOK) as package:
        return frozenset(package.namelist())


def xml(name: str) -> ElementTree.Element:
    return ElementTree.fromstring(part(name))


def rels_of(name: str) -> str:
    """The relationships part of a part: xl/workbook.xml -> xl/_rels/workbook.xml.rels; "" -> _rels/.rels."""
    path = PurePosixPath(name)
    return str(path.parent / "_rels" / f"{path.name}.rels") if name else "_rels/.rels"


def relationships(name: str) -> list[tuple[str, str, str]]:
    """(Id, Type, target part name resolved against the source part) of each relationship of a part."""
    base = PurePosixPath(name).parent if name else PurePosixPath("")
    out = []
    for rel in xml(rels_of(name)).iter(f"{PKG_REL}Relationship"):
        target = rel.get("Target")
        resolved = target.lstrip("/") if target.startswith("/") else _normalise(base / target)
        out.append((rel.get("Id"), rel.get("Type"), resolved))
    return out


def _normalise(path: PurePosixPath) -> str:
    parts: list[str] = []
    for piece in path.parts:
        if piece == "..":
            parts.pop()
        elif piece != ".":
            parts.append(piece)
    return "/".join(parts)


def workbook_part() -> str:
    [main] = [target for _, kind, target in relationships("") if kind == OFFICE_DOCUMENT]
    return main


def sheet_parts() -> list[tuple[str, str]]:
    """(sheet name, worksheet part name) in workbook order, following the workbook's relationships."""
    targets = {rid: target for rid, _, target in relationships(workbook_part())}
    return [(sheet.get("name"), targets[sheet.get(f"{REL}id")])
            for sheet in xml(workbook_part()).iter(f"{MAIN}sheet")]


def workbook_code_name() -> str | None:
    pr = xml(workbook_part()).find(f"{MAIN}workbookPr")
    return None if pr is None else pr.get("codeName")


def sheet_code_names() -> dict[str, str | None]:
    """Sheet name -> <sheetPr codeName>, in workbook order."""
    out = {}
    for name, sheet_part in sheet_parts():
        pr = xml(sheet_part).find(f"{MAIN}sheetPr")
        out[name] = None if pr is None else pr.get("codeName")
    return out


def vba_project_part() -> str:
    [target] = [target for _, kind, target in relationships(workbook_part()) if kind == VBA_PROJECT]
    return target


def declared_modules() -> dict[str, list[str]]:
    """Kind (Document, Module, Class, ...) -> module names, as the project's PROJECT stream declares them."""
    with olefile.OleFileIO(io.BytesIO(part(vba_project_part()))) as ole:
        text = ole.openstream("PROJECT").read().decode("cp1252")
    declared: dict[str, list[str]] = {}
    for line in text.split("\r\n"):
        if line.startswith("["):  # [Host Extender Info], [Workspace]: no more module records
            break
        kind, _, value = line.partition("=")
        if kind in ("Document", "Module", "Class", "BaseClass", "Package"):
            declared.setdefault(kind, []).append(value.split("/")[0])
    return declared


# --- reading the VBA project -----------------------------------------------------------------------------

@cache
def expected_modules() -> tuple[tuple[str, str], ...]:
    """(name, source) of each module as the build makes it for this file's sheet code names, in order."""
    code_names = list(sheet_code_names().values())
    modules = project_modules(code_names, generate_udf_module("kam_xl.udfs"),
                              generate_function_help_module("kam_xl.udfs"))
    return tuple((m.name, m.source) for m in modules)


@cache
def pyopenvba_modules() -> tuple[tuple[str, str], ...]:
    with ExcelFile(WORKBOOK) as book:
        return tuple(book.vba_modules().items())


@cache
def olevba_modules() -> tuple[tuple[str, str], ...]:
    parser = VBA_Parser(str(WORKBOOK), relaxed=False)
    try:
        return tuple((vba_name.rsplit(".", 1)[0], code) for _, _, vba_name, code in parser.extract_macros())
    finally:
        parser.close()


def procedures(source: str) -> list[tuple[str, str, str]]:
    """(kind, name, text from the declaration through its End line) of each Sub/Function of a module."""
    pattern = re.compile(r"^[ \t]*(?:(?:Public|Private|Friend)[ \t]+)?(?:Static[ \t]+)?(Sub|Function)[ \t]+(\w+)"
                         r"[\s\S]*?^[ \t]*End[ \t]+\1\b", flags=re.MULTILINE | re.IGNORECASE)
    return [(m.group(1).capitalize(), m.group(2), m.group(0)) for m in pattern.finditer(source)]


# --- formulas --------------------------------------------------------------------------------------------

def all_formulas() -> list[tuple[str, str]]:
    """(part, formula) of every formula in the package: cells, table columns, defined names, validations,
    conditional formats."""
    out = []
    for name in sorted(part_names()):
        if not (name.startswith("xl/") and name.endswith(".xml")):
            continue
        root = xml(name)
        for tag in ("f", "calculatedColumnFormula", "definedName", "formula", "formula1", "formula2"):
            out += [(name, e.text) for e in root.iter(f"{MAIN}{tag}") if e.text]
    return out


def called_functions(formula: str) -> set[str]:
    """Names called in a formula (NAME( outside string literals), as written, prefixes like _xlfn. kept."""
    code = re.sub(r'"(?:[^"]|"")*"', '""', formula)
    code = re.sub(r"'(?:[^']|'')*'!", "Sheet!", code)  # quoted sheet names may hold "(" or dots
    return {m.group(1) for m in re.finditer(r"(?<![\w.\]])((?:_xl\w+\.)*[A-Za-z_\\][\w.]*)\(", code)}


def is_built_in(name: str) -> bool:
    """Excel's own: a known function, or one stored with the future-function prefix (_xlfn., _xlws.).
    _xludf. marks a user function Excel took for a built-in's namesake, so it is not built-in."""
    if name.startswith(("_xlfn.", "_xlws.")):
        return True
    return not name.startswith("_xl") and name.upper() in FORMULAE


# --- the tests -------------------------------------------------------------------------------------------

def test_content_types_declare_a_macro_enabled_main_part_and_the_vba_project():
    types = xml("[Content_Types].xml")
    overrides = {o.get("PartName"): o.get("ContentType") for o in types.iter(f"{CONTENT_TYPES}Override")}
    defaults = {d.get("Extension").lower(): d.get("ContentType") for d in types.iter(f"{CONTENT_TYPES}Default")}

    def content_type(name: str) -> str | None:
        return overrides.get("/" + name, defaults.get(name.rsplit(".", 1)[-1].lower()))

    assert content_type(workbook_part()) == MACRO_ENABLED_MAIN
    assert content_type(vba_project_part()) == VBA_PROJECT_TYPE
    assert vba_project_part() == "xl/vbaProject.bin"


def test_workbook_relates_its_vba_project_and_the_package_relates_the_ribbon():
    assert workbook_part() == "xl/workbook.xml"
    assert [target for _, kind, target in relationships(workbook_part()) if kind == VBA_PROJECT] == \
        ["xl/vbaProject.bin"]
    assert part("xl/vbaProject.bin")[:8] == bytes.fromhex("D0CF11E0A1B11AE1")  # a compound file
    assert [target for _, kind, target in relationships("") if kind == UI_EXTENSIBILITY] == \
        ["customUI/customUI14.xml"]
    assert "customUI/customUI14.xml" in part_names()
    assert xml("customUI/customUI14.xml").tag == f"{CUSTOM_UI_NS}customUI"


def test_every_code_name_has_its_document_module_and_every_document_module_its_sheet():
    code_names = sheet_code_names()
    assert workbook_code_name() == "ThisWorkbook"
    missing = [sheet for sheet, code_name in code_names.items() if not code_name]
    assert not missing, f"sheets without a codeName: {missing}"
    declared = declared_modules()
    documents = declared.get("Document", [])
    assert documents == [workbook_code_name(), *code_names.values()]
    assert len(set(documents)) == len(documents)
    # The project's dir stream agrees: documents are stored as non-procedural modules, and no other module
    # takes a code name.
    with ExcelFile(WORKBOOK) as book:
        kinds = {m.name: m.kind.name for m in book.vba_project().modules}
    assert {name: kinds[name] for name in documents} == dict.fromkeys(documents, "other")
    assert set(kinds) == {name for names in declared.values() for name in names}
    assert {name for name, kind in kinds.items() if kind == "other"} == \
        set(documents) | set(declared.get("Class", []))


def test_every_on_action_names_one_ribbon_callback_that_runs_an_existing_macro():
    ribbon = xml("customUI/customUI14.xml")
    actions = {e.get("id"): e.get("onAction") for e in ribbon.iter() if e.get("onAction") is not None}
    assert actions, "the ribbon has no onAction"
    defined = [(module, *proc) for module, source in pyopenvba_modules() for proc in procedures(source)]
    callback = re.compile(r"^(?:Public[ \t]+)?Sub[ \t]+(\w+)\(control As IRibbonControl\)\r\n"
                          r'[ \t]*RunPython "import kam_xl\.macros as m; m\.(\w+)\(\)"\r\n'
                          r"[ \t]*End Sub$")
    for control, action in actions.items():
        # VBA names are case-insensitive: any procedure spelled this way is a candidate for Excel.
        same_name = [(module, kind, text) for module, kind, name, text in defined
                     if name.casefold() == action.casefold()]
        assert len(same_name) == 1, (control, action, [m for m, _, _ in same_name])
        [(module, kind, text)] = same_name
        match = callback.match(text)
        assert match and match.group(1) == action, (control, module, text)
        macro = match.group(2)
        assert not macro.startswith("_") and callable(getattr(kam_xl.macros, macro, None)), (control, macro)


def test_every_module_reads_back_as_built_through_olevba_strict_and_pyopenvba():
    expected = expected_modules()
    names = [name for name, _ in expected]
    assert names[0] == "ThisWorkbook" and names[-5:] == ["xlwings", "Dictionary", "KamRibbon", "xlwings_udfs",
                                                         "KamFunctionHelp"]
    assert pyopenvba_modules() == expected
    olevba = olevba_modules()
    assert sorted(name for name, _ in olevba) == sorted(names)  # each module once
    assert dict(olevba) == dict(expected)
    with ExcelFile(WORKBOOK) as book:
        assert book.validate() == []


def test_every_cell_function_that_is_not_excel_s_is_in_kam_xl_udfs_and_wrapped_in_the_project():
    own: dict[str, set[str]] = {}
    for where, formula in all_formulas():
        for name in called_functions(formula):
            if not is_built_in(name):
                own.setdefault(name, set()).add(where)
    assert {"CUSTOMER_ANALYSIS", "PARETO_CURVE", "THREE_P"} <= set(own)
    not_in_udfs = {name: sorted(where) for name, where in own.items()
                   if not callable(getattr(kam_xl.udfs, name, None))}
    assert not not_in_udfs, f"formulas call functions kam_xl.udfs does not define: {not_in_udfs}"
    wrappers = {name for kind, name, _ in procedures(dict(pyopenvba_modules())["xlwings_udfs"])
                if kind == "Function"}
    not_wrapped = {name: sorted(where) for name, where in own.items() if name not in wrappers}
    assert not not_wrapped, f"no Function wrapper in xlwings_udfs for: {not_wrapped}"


def test_function_wizard_help_of_every_wrapped_function_is_registered_when_the_workbook_opens():
    modules = dict(pyopenvba_modules())
    # ThisWorkbook is no longer empty: Excel forgets MacroOptions registrations at close, so Workbook_Open
    # makes them again at every open. The sheet modules stay empty, as Excel makes them.
    [(kind, name, text)] = procedures(modules["ThisWorkbook"])
    assert (kind, name) == ("Sub", "Workbook_Open") and text.startswith("Private Sub")
    assert "\r\n    KamFunctionHelp.RegisterFunctionHelp\r\n" in text
    for code_name in sheet_code_names().values():
        assert not procedures(modules[code_name]) and "Option" not in modules[code_name], code_name
    wrapped = [name for kind, name, _ in procedures(modules["xlwings_udfs"]) if kind == "Function"]
    described = re.findall(r'^    Describe app, bookPrefix & "(\w+)", ', modules["KamFunctionHelp"], flags=re.MULTILINE)
    assert described == wrapped


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
