"""The workbook's VBA project (xl/vbaProject.bin), built from text on any OS with pyopenvba.

The project holds, in the order it declares them:

    ThisWorkbook                 document module; its Workbook_Open runs KamFunctionHelp.RegisterFunctionHelp
    one per sheet                document modules, empty, as Excel makes them
    xlwings                      xlwings/xlwings.bas of the installed xlwings (BSD): RunPython and the UDF runtime
    Dictionary                   xlwings/addin/Dictionary.cls (MIT, VBA-Dictionary), which xlwings.bas uses on the Mac
    KamRibbon                    kam_xl/template/src/KamRibbon.bas: one callback per ribbon button
    xlwings_udfs                 the UDF wrappers "Import Functions" would write (see udf_wrappers.py)
    KamFunctionHelp              the function wizard help "Import Functions" would register (udf_wrappers.py)

Standalone, as xlwings does it: `xlwings quickstart --standalone` only copies the package's
quickstart_standalone.xlsm, and `xlwings release` (RELEASE_NO_ADDIN) imports xlwings.bas and
addin/Dictionary.cls unedited. Their `#Const App = "Microsoft Excel"` already targets Excel, so nothing
is edited here either; the build only checks that the line and the version it names are what it expects.
xlwings.bas names the DLL and AppleScript of its own version, so the copy comes from the installed, pinned
package at build time and is never kept in the repository.

Sheet code names: XlsxWriter writes `codeName` on a sheet only when it has one. `Workbook.add_vba_project`
makes the workbook's "ThisWorkbook" and, at close, gives every worksheet still without one "Sheet<n>" (n its
1-based position). Pass exactly the code names the workbook will carry, in sheet order, or let
`kam_xl.template.embed_vba` set and pass them. Chart sheets are not supported.

Reproducible: pyopenvba starts from its template project (an Excel-saved file baked into the package: fixed
project id, no timestamps in the compound file), writes new streams in the order modules are added and
zeroes the compiled-code cache (Excel recompiles on open). Same inputs give the same bytes.
"""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter
import xlwings
from pyopenvba import ExcelFile, VBAModuleKind

from kam_xl.template import SRC_DIR

XLWINGS_DIR = Path(xlwings.__file__).resolve().parent
XLWINGS_BAS = XLWINGS_DIR / "xlwings.bas"
DICTIONARY_CLS = XLWINGS_DIR / "addin" / "Dictionary.cls"

WORKBOOK_CODE_NAME = "ThisWorkbook"
UDF_MODULE_NAME = "xlwings_udfs"
HELP_MODULE_NAME = "KamFunctionHelp"
CODE_PAGE = "cp1252"

#: VB_Base of each kind of module, as Excel stores it (see quickstart_standalone.xlsm in the xlwings package).
WORKBOOK_BASE = "0{00020819-0000-0000-C000-000000000046}"
WORKSHEET_BASE = "0{00020820-0000-0000-C000-000000000046}"
CLASS_BASE = "0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"

_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,30}")


@dataclass(frozen=True)
class VbaModule:
    """One module as the project stores it: name, kind ("document", "standard" or "class"), source (CRLF)."""

    name: str
    kind: str
    source: str


def build_vba_project(sheet_code_names: list[str], udf_module_source: str, function_help_source: str, *,
                      src_dir: Path = SRC_DIR) -> bytes:
    """vbaProject.bin holding the modules of `project_modules`, for `Workbook.add_vba_project`."""
    modules = project_modules(sheet_code_names, udf_module_source, function_help_source, src_dir=src_dir)
    with tempfile.TemporaryDirectory(prefix="kam_xl_vba_") as scratch_dir:
        scratch = Path(scratch_dir, "scratch.xlsm")
        scratch.write_bytes(_scratch_workbook(sheet_code_names))
        with ExcelFile(scratch) as book:
            # Makes ThisWorkbook and one document module per sheet code name, as Excel does.
            project = book.add_vba_project()
            documents = [m.name for m in modules if m.kind == "document"]
            if project.module_names() != documents:
                raise RuntimeError(f"pyopenvba made document modules {project.module_names()}, "
                                   f"expected {documents}")
            for module in modules:
                if module.kind == "document":
                    if project.get_module(module.name).source != module.source:  # ThisWorkbook's code
                        book.set_module(module.name, module.source)
                else:
                    kind = VBAModuleKind.standard if module.kind == "standard" else VBAModuleKind.other
                    project.add_module(module.name, module.source, kind=kind)
            book.save()
        with zipfile.ZipFile(scratch) as package:
            return package.read("xl/vbaProject.bin")


def project_modules(sheet_code_names: list[str], udf_module_source: str, function_help_source: str, *,
                    src_dir: Path = SRC_DIR) -> list[VbaModule]:
    """Every module of the project, in declaration order, with the source the project stores."""
    _check_code_names(sheet_code_names)
    return [
        VbaModule(WORKBOOK_CODE_NAME, "document", workbook_module_source()),
        *[VbaModule(name, "document", document_source(name, WORKSHEET_BASE)) for name in sheet_code_names],
        VbaModule("xlwings", "standard", xlwings_module_source()),
        VbaModule("Dictionary", "class", class_stream_source(_read_text(DICTIONARY_CLS))),
        VbaModule("KamRibbon", "standard", _crlf(_read_text(src_dir / "KamRibbon.bas"))),
        VbaModule(UDF_MODULE_NAME, "standard", _crlf(udf_module_source)),
        VbaModule(HELP_MODULE_NAME, "standard", _crlf(function_help_source)),
    ]


def workbook_module_source() -> str:
    """ThisWorkbook: Excel's attribute header, then Workbook_Open registering the function wizard help.

    The built file was never opened in Excel, so nothing is registered in it; and Excel is known not to
    keep argument descriptions with a saved file. So the `Application.MacroOptions` calls that xlwings'
    "Import Functions" makes once are made at every open (with macros enabled).
    """
    return document_source(WORKBOOK_CODE_NAME, WORKBOOK_BASE) + _crlf(
        "Option Explicit\n"
        "\n"
        "Private Sub Workbook_Open()\n"
        f"    {HELP_MODULE_NAME}.RegisterFunctionHelp\n"
        "End Sub\n")


def xlwings_module_source() -> str:
    """xlwings.bas of the installed xlwings, after checking it targets Excel and names this xlwings version."""
    source = _crlf(_read_text(XLWINGS_BAS))
    version = xlwings.__version__
    expected = [f"'Version: {version}\r\n", f'Const XLWINGS_VERSION As String = "{version}"',
                f'"xlwings64-{version}.dll"', f'"xlwings32-{version}.dll"',
                '#Const App = "Microsoft Excel"']
    missing = [text.strip() for text in expected if text not in source]
    if missing:
        raise RuntimeError(f"{XLWINGS_BAS} does not contain {missing}: the standalone module changed shape in "
                           f"xlwings {version}; check kam_xl/template/vba.py against it before building.")
    return source


def document_source(name: str, base: str) -> str:
    """The attribute header Excel stores for an empty workbook or sheet document module."""
    return (f'Attribute VB_Name = "{name}"\r\nAttribute VB_Base = "{base}"\r\n'
            "Attribute VB_GlobalNameSpace = False\r\nAttribute VB_Creatable = False\r\n"
            "Attribute VB_PredeclaredId = True\r\nAttribute VB_Exposed = True\r\n"
            "Attribute VB_TemplateDerived = False\r\nAttribute VB_Customizable = True\r\n")


def class_stream_source(exported: str) -> str:
    """A class module as the VBE stores it after importing the exported .cls text.

    Drops the `VERSION 1.0 CLASS` / `BEGIN ... END` preamble, puts VB_Base after VB_Name and
    VB_TemplateDerived / VB_Customizable after VB_Exposed, as Excel does (measured on the Dictionary
    module of xlwings' quickstart_standalone.xlsm).
    """
    lines = _crlf(exported).split("\r\n")
    if lines and lines[0].startswith("VERSION ") and "END" in lines:
        lines = lines[lines.index("END") + 1:]
    out: list[str] = []
    for line in lines:
        out.append(line)
        if line.startswith("Attribute VB_Name "):
            out.append(f'Attribute VB_Base = "{CLASS_BASE}"')
        elif line.startswith("Attribute VB_Exposed "):
            out += ["Attribute VB_TemplateDerived = False", "Attribute VB_Customizable = False"]
    return "\r\n".join(out)


def _scratch_workbook(sheet_code_names: list[str]) -> bytes:
    """An xlsm with no project whose workbook and sheets carry the code names, for pyopenvba to add one to."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    workbook.set_vba_name(WORKBOOK_CODE_NAME)
    for place, code_name in enumerate(sheet_code_names, start=1):
        workbook.add_worksheet(f"S{place}").set_vba_name(code_name)
    workbook.close()
    return buffer.getvalue()


def _check_code_names(sheet_code_names: list[str]) -> None:
    if not sheet_code_names:
        raise ValueError("sheet_code_names is empty: a workbook has at least one sheet, and each needs its "
                         "document module.")
    taken = {name.casefold() for name in (WORKBOOK_CODE_NAME, "xlwings", "Dictionary", "KamRibbon",
                                          UDF_MODULE_NAME, HELP_MODULE_NAME)}
    for name in sheet_code_names:
        if not _IDENTIFIER.fullmatch(name):
            raise ValueError(f"Sheet code name {name!r}: expected a VBA identifier (a letter, then letters, "
                             "digits or _; at most 31 characters) - pass it to set_vba_name as such.")
        if name.casefold() in taken:
            raise ValueError(f"Sheet code name {name!r} is used twice or names another module of the "
                             "project - give each sheet its own code name.")
        taken.add(name.casefold())


def _read_text(path: Path) -> str:
    return path.read_bytes().decode(CODE_PAGE)


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")
