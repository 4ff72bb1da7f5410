"""The VBA and ribbon checks of a workbook kam_xl built or installed, read without Excel: content types and
relationships of the project and the ribbon, code names against the project's document modules, every
onAction reaching a RunPython target, module sources read back by two independent readers (oletools' olevba,
strict, and pyopenvba), cell functions against kam_xl.udfs and their wrappers, the function wizard help.

    book = Package(path)          the package's parts, read once
    check_vba(book)               every check below but the ribbon's; assert on failure
    check_ribbon(book)

Used by tests/test_built_workbook.py (the committed KeyAccounts.xlsm) and tests/test_install_foreign.py
(workbooks ``kam-xl install`` wrote). Only reads: openpyxl must never save a kam_xl workbook.
"""

from __future__ import annotations

import io
import re
import zipfile
from functools import cached_property
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

import olefile
from openpyxl.utils import FORMULAE
from oletools.olevba import VBA_Parser
from pyopenvba import ExcelFile

import kam_xl.macros
import kam_xl.udfs
from kam_xl.template.udf_wrappers import generate_function_help_module, generate_udf_module
from kam_xl.template.vba import project_modules

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
CALLBACK = re.compile(r"^(?:Public[ \t]+)?Sub[ \t]+(\w+)\(control As IRibbonControl\)\r\n"
                      r'[ \t]*RunPython "import kam_xl\.macros as m; m\.(\w+)\(\)"\r\n'
                      r"[ \t]*End Sub$")


class Package:
    """A workbook package's parts, read once, and what the checks need of them."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        with zipfile.ZipFile(self.path) as package:
            self.parts = {name: package.read(name) for name in package.namelist()}

    def part(self, name: str) -> bytes:
        return self.parts[name]

    def xml(self, name: str) -> ElementTree.Element:
        return ElementTree.fromstring(self.parts[name])

    def relationships(self, name: str) -> list[tuple[str, str, str]]:
        """(Id, Type, target part name resolved against the source part) of each relationship of a part."""
        base = PurePosixPath(name).parent if name else PurePosixPath("")
        out = []
        for rel in self.xml(rels_of(name)).iter(f"{PKG_REL}Relationship"):
            target = rel.get("Target")
            resolved = target.lstrip("/") if target.startswith("/") else _normalise(base / target)
            out.append((rel.get("Id"), rel.get("Type"), resolved))
        return out

    @cached_property
    def workbook_part(self) -> str:
        [main] = [target for _, kind, target in self.relationships("") if kind == OFFICE_DOCUMENT]
        return main

    def sheet_parts(self) -> list[tuple[str, str]]:
        """(sheet name, worksheet part name) in workbook order, following the workbook's relationships."""
        targets = {rid: target for rid, _, target in self.relationships(self.workbook_part)}
        return [(sheet.get("name"), targets[sheet.get(f"{REL}id")])
                for sheet in self.xml(self.workbook_part).iter(f"{MAIN}sheet")]

    def workbook_code_name(self) -> str | None:
        pr = self.xml(self.workbook_part).find(f"{MAIN}workbookPr")
        return None if pr is None else pr.get("codeName")

    def sheet_code_names(self) -> dict[str, str | None]:
        """Sheet name -> <sheetPr codeName>, in workbook order."""
        out = {}
        for name, sheet_part in self.sheet_parts():
            pr = self.xml(sheet_part).find(f"{MAIN}sheetPr")
            out[name] = None if pr is None else pr.get("codeName")
        return out

    @cached_property
    def vba_project_part(self) -> str:
        [target] = [target for _, kind, target in self.relationships(self.workbook_part) if kind == VBA_PROJECT]
        return target

    def declared_modules(self) -> dict[str, list[str]]:
        """Kind (Document, Module, Class, ...) -> module names, as the project's PROJECT stream declares them."""
        with olefile.OleFileIO(io.BytesIO(self.part(self.vba_project_part))) as ole:
            text = ole.openstream("PROJECT").read().decode("cp1252")
        declared: dict[str, list[str]] = {}
        for line in text.split("\r\n"):
            if line.startswith("["):  # [Host Extender Info], [Workspace]: no more module records
                break
            kind, _, value = line.partition("=")
            if kind in ("Document", "Module", "Class", "BaseClass", "Package"):
                declared.setdefault(kind, []).append(value.split("/")[0])
        return declared

    @cached_property
    def expected_modules(self) -> tuple[tuple[str, str], ...]:
        """(name, source) of each module as the build makes it for this file's sheet code names, in order."""
        modules = project_modules(list(self.sheet_code_names().values()), generate_udf_module("kam_xl.udfs"),
                                  generate_function_help_module("kam_xl.udfs"))
        return tuple((m.name, m.source) for m in modules)

    @cached_property
    def pyopenvba_modules(self) -> tuple[tuple[str, str], ...]:
        with ExcelFile(self.path) as book:
            return tuple(book.vba_modules().items())

    @cached_property
    def olevba_modules(self) -> tuple[tuple[str, str], ...]:
        parser = VBA_Parser(str(self.path), relaxed=False)
        try:
            return tuple((vba_name.rsplit(".", 1)[0], code) for _, _, vba_name, code in parser.extract_macros())
        finally:
            parser.close()

    def all_formulas(self) -> list[tuple[str, str]]:
        """(part, formula) of every formula in the package: cells, table columns, defined names, validations,
        conditional formats."""
        out = []
        for name in sorted(self.parts):
            if not (name.startswith("xl/") and name.endswith(".xml")):
                continue
            root = self.xml(name)
            for tag in ("f", "calculatedColumnFormula", "definedName", "formula", "formula1", "formula2"):
                out += [(name, e.text) for e in root.iter(f"{MAIN}{tag}") if e.text]
        return out


def rels_of(name: str) -> str:
    """The relationships part of a part: xl/workbook.xml -> xl/_rels/workbook.xml.rels; "" -> _rels/.rels."""
    path = PurePosixPath(name)
    return str(path.parent / "_rels" / f"{path.name}.rels") if name else "_rels/.rels"


def _normalise(path: PurePosixPath) -> str:
    parts: list[str] = []
    for piece in path.parts:
        if piece == "..":
            parts.pop()
        elif piece != ".":
            parts.append(piece)
    return "/".join(parts)


def procedures(source: str) -> list[tuple[str, str, str]]:
    """(kind, name, text from the declaration through its End line) of each Sub/Function of a module."""
    pattern = re.compile(r"^[ \t]*(?:(?:Public|Private|Friend)[ \t]+)?(?:Static[ \t]+)?(Sub|Function)[ \t]+(\w+)"
                         r"[\s\S]*?^[ \t]*End[ \t]+\1\b", flags=re.MULTILINE | re.IGNORECASE)
    return [(m.group(1).capitalize(), m.group(2), m.group(0)) for m in pattern.finditer(source)]


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


# --- the checks ------------------------------------------------------------------------------------------

def check_content_types(book: Package) -> None:
    """The workbook part is macro-enabled and the project is declared, as xl/vbaProject.bin."""
    types = book.xml("[Content_Types].xml")
    overrides = {o.get("PartName"): o.get("ContentType") for o in types.iter(f"{CONTENT_TYPES}Override")}
    defaults = {d.get("Extension").lower(): d.get("ContentType") for d in types.iter(f"{CONTENT_TYPES}Default")}

    def content_type(name: str) -> str | None:
        return overrides.get("/" + name, defaults.get(name.rsplit(".", 1)[-1].lower()))

    assert content_type(book.workbook_part) == MACRO_ENABLED_MAIN
    assert content_type(book.vba_project_part) == VBA_PROJECT_TYPE
    assert book.vba_project_part == "xl/vbaProject.bin"


def check_relationships(book: Package) -> None:
    """The workbook relates its VBA project (a compound file), the package relates the ribbon part."""
    assert book.workbook_part == "xl/workbook.xml"
    assert [target for _, kind, target in book.relationships(book.workbook_part) if kind == VBA_PROJECT] == \
        ["xl/vbaProject.bin"]
    assert book.part("xl/vbaProject.bin")[:8] == bytes.fromhex("D0CF11E0A1B11AE1")
    assert [target for _, kind, target in book.relationships("") if kind == UI_EXTENSIBILITY] == \
        ["customUI/customUI14.xml"]
    assert "customUI/customUI14.xml" in book.parts
    assert book.xml("customUI/customUI14.xml").tag == f"{CUSTOM_UI_NS}customUI"


def check_code_names(book: Package) -> None:
    """Every code name has its document module and every document module its sheet (or the workbook)."""
    code_names = book.sheet_code_names()
    assert book.workbook_code_name() == "ThisWorkbook"
    missing = [sheet for sheet, code_name in code_names.items() if not code_name]
    assert not missing, f"sheets without a codeName: {missing}"
    declared = book.declared_modules()
    documents = declared.get("Document", [])
    assert documents == [book.workbook_code_name(), *code_names.values()]
    assert len(set(documents)) == len(documents)
    # The project's dir stream agrees: documents are stored as non-procedural modules, and no other module
    # takes a code name.
    with ExcelFile(book.path) as opened:
        kinds = {m.name: m.kind.name for m in opened.vba_project().modules}
    assert {name: kinds[name] for name in documents} == dict.fromkeys(documents, "other")
    assert set(kinds) == {name for names in declared.values() for name in names}
    assert {name for name, kind in kinds.items() if kind == "other"} == \
        set(documents) | set(declared.get("Class", []))


def check_ribbon(book: Package) -> None:
    """Every onAction names one ribbon callback, which runs an existing kam_xl.macros function."""
    ribbon = book.xml("customUI/customUI14.xml")
    actions = {e.get("id"): e.get("onAction") for e in ribbon.iter() if e.get("onAction") is not None}
    assert actions, "the ribbon has no onAction"
    defined = [(module, *proc) for module, source in book.pyopenvba_modules for proc in procedures(source)]
    for control, action in actions.items():
        # VBA names are case-insensitive: any procedure spelled this way is a candidate for Excel.
        same_name = [(module, kind, text) for module, kind, name, text in defined
                     if name.casefold() == action.casefold()]
        assert len(same_name) == 1, (control, action, [m for m, _, _ in same_name])
        [(module, kind, text)] = same_name
        match = CALLBACK.match(text)
        assert match and match.group(1) == action, (control, module, text)
        macro = match.group(2)
        assert not macro.startswith("_") and callable(getattr(kam_xl.macros, macro, None)), (control, macro)


def check_modules_read_back(book: Package) -> None:
    """olevba (strict) and pyopenvba read every module back exactly as the build makes it."""
    expected = book.expected_modules
    names = [name for name, _ in expected]
    assert names[0] == "ThisWorkbook" and names[-5:] == ["xlwings", "Dictionary", "KamRibbon", "xlwings_udfs",
                                                         "KamFunctionHelp"]
    assert book.pyopenvba_modules == expected
    olevba = book.olevba_modules
    assert sorted(name for name, _ in olevba) == sorted(names)  # each module once
    assert dict(olevba) == dict(expected)
    with ExcelFile(book.path) as opened:
        assert opened.validate() == []


def check_cell_functions_wrapped(book: Package) -> None:
    """Every cell function the formulas call that is not Excel's is in kam_xl.udfs and has a VBA wrapper."""
    own: dict[str, set[str]] = {}
    for where, formula in book.all_formulas():
        for name in called_functions(formula):
            if not is_built_in(name):
                own.setdefault(name, set()).add(where)
    assert {"CUSTOMER_ANALYSIS", "PARETO_CURVE"} <= set(own)
    not_in_udfs = {name: sorted(where) for name, where in own.items()
                   if not callable(getattr(kam_xl.udfs, name, None))}
    assert not not_in_udfs, f"formulas call functions kam_xl.udfs does not define: {not_in_udfs}"
    wrappers = {name for kind, name, _ in procedures(dict(book.pyopenvba_modules)["xlwings_udfs"])
                if kind == "Function"}
    not_wrapped = {name: sorted(where) for name, where in own.items() if name not in wrappers}
    assert not not_wrapped, f"no Function wrapper in xlwings_udfs for: {not_wrapped}"


def check_function_help(book: Package) -> None:
    """ThisWorkbook registers the function help of every wrapped function at open; sheet modules are empty."""
    modules = dict(book.pyopenvba_modules)
    # Excel forgets MacroOptions registrations at close, so Workbook_Open makes them again at every open.
    [(kind, name, text)] = procedures(modules["ThisWorkbook"])
    assert (kind, name) == ("Sub", "Workbook_Open") and text.startswith("Private Sub")
    assert "\r\n    KamFunctionHelp.RegisterFunctionHelp\r\n" in text
    for code_name in book.sheet_code_names().values():
        assert not procedures(modules[code_name]) and "Option" not in modules[code_name], code_name
    wrapped = [name for kind, name, _ in procedures(modules["xlwings_udfs"]) if kind == "Function"]
    described = re.findall(r'^    Describe app, bookPrefix & "(\w+)", ', modules["KamFunctionHelp"],
                           flags=re.MULTILINE)
    assert described == wrapped


def check_vba(book: Package) -> None:
    """Every VBA check of this module but the ribbon's."""
    for check in (check_content_types, check_relationships, check_code_names, check_modules_read_back,
                  check_cell_functions_wrapped, check_function_help):
        check(book)
