"""The VBA project: built from text on Linux, read back exactly, standalone xlwings, reproducible."""

from __future__ import annotations

import datetime as dt
import hashlib
import inspect
import io
import json
import re
import subprocess
import sys
import textwrap
import tomllib
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
import xlwings
from oletools.olevba import VBA_Parser
from pyopenvba import ExcelFile

from kam_xl.template import CUSTOM_UI, add_ribbon, embed_vba
from kam_xl.template.udf_wrappers import MAX_LINE, generate_function_help_module, generate_udf_module
from kam_xl.template.vba import (
    DICTIONARY_CLS, XLWINGS_DIR, build_vba_project, class_stream_source, document_source, project_modules,
    xlwings_module_source,
)

ROOT = Path(__file__).resolve().parents[1]
AUDIT = Path(sys.executable).parent / "openxml-audit"
PINNED_XLWINGS = "0.37.8"

# A stand-in for kam_xl.udfs, written the way UDF authors write them.
UDF_FIXTURE = '''
"""Fixture cell functions."""
import xlwings as xw
from xlwings import func


@xw.func
@xw.arg("values", doc="Revenue per customer, one column.")
@xw.arg("a_share", doc="Share of the total the A class reaches; default 0.8.")
@xw.ret(expand="table")
def ABC_CLASSES(values, a_share=0.8):
    """ABC class of each customer's revenue: A, B, C, or N for none."""
    return values


@func(volatile=True, call_in_wizard=False)
def TOTAL(*numbers):
    """Sum of the numbers."""
    return sum(numbers)


@xw.func(category="Key Accounts")
def SHEET_OF(caller, x):
    return x


def not_a_udf(x):
    return x
'''


@pytest.fixture
def udf_fixture(tmp_path, monkeypatch):
    """The name of an importable UDF module (distinct per test, so no import cache interferes)."""
    name = f"kam_udf_fixture_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text(UDF_FIXTURE)
    monkeypatch.syspath_prepend(str(tmp_path))
    return name


# Function help the wizard must show exactly: quotes, a docstring of several lines longer than Excel's 255
# characters, text beyond ASCII (one character outside the BMP), an argument VBA passes itself (no help), a
# built-in category number, a function without docstring or arguments, and a sub.
HELP_FIXTURE = '''
import xlwings as xw


@xw.func(category="Key Accounts")
@xw.arg("name", doc='The customer\\'s name as in "Customers"; "" for none.')
@xw.arg("note", doc="Ümlaut, ellipsis … smile \\U0001F642, tab\\there. " + "long " * 60)
@xw.arg("caller", vba="Application.Caller")
def QUOTED(name, note, caller):
    """Says "hello" to the customer.

    The second paragraph goes on and on, so the whole docstring is longer than the 255 characters that
    Excel takes as a description: xlwings cuts it there, and so must the generated module, at the same
    place, never in the middle of a doubled quote "" of the VBA literal.
    """
    return name


@xw.func(category=5)
def PLAIN():
    return 1


@xw.sub
def A_MACRO():
    pass
'''


@pytest.fixture
def help_fixture(tmp_path, monkeypatch):
    name = f"kam_help_fixture_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text(HELP_FIXTURE, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    return name


def build_tiny_xlsm(udf_module: str) -> bytes:
    """Two sheets, the VBA project and the ribbon: the template's build in miniature."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    workbook.set_properties({"created": dt.datetime(2026, 1, 1)})
    for name in ("Customers", "Transactions"):
        workbook.add_worksheet(name).write(0, 0, name)
    embed_vba(workbook, udf_module)
    workbook.close()
    return add_ribbon(buffer.getvalue(), CUSTOM_UI.read_bytes())


@pytest.fixture
def built(tmp_path, udf_fixture):
    path = tmp_path / "tiny.xlsm"
    path.write_bytes(build_tiny_xlsm(udf_fixture))
    return path


def expected_modules(path: Path, udf_module: str) -> dict[str, str]:
    return {m.name: m.source for m in project_modules(code_names(path), generate_udf_module(udf_module),
                                                      generate_function_help_module(udf_module))}


def code_names(path: Path) -> list[str]:
    """The sheet code names in the package's sheet XML, in sheet order."""
    with zipfile.ZipFile(path) as package:
        sheets = sorted(n for n in package.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n))
        return [re.search(r'<sheetPr\b[^>]*codeName="([^"]+)"', package.read(n).decode()).group(1)
                for n in sheets]


def read_olevba(path: Path) -> dict[str, str]:
    parser = VBA_Parser(str(path), relaxed=False)
    try:
        return {vba_name.rsplit(".", 1)[0]: code for _, _, vba_name, code in parser.extract_macros()}
    finally:
        parser.close()


# --- xlwings' standalone module ---------------------------------------------------------------------

def test_embedded_xlwings_is_the_pinned_version():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert f"xlwings=={PINNED_XLWINGS}" in pyproject["project"]["dependencies"]
    assert xlwings.__version__ == PINNED_XLWINGS
    source = xlwings_module_source()
    for text in (f"'Version: {PINNED_XLWINGS}", f'XLWINGS_VERSION As String = "{PINNED_XLWINGS}"',
                 f'Lib "xlwings64-{PINNED_XLWINGS}.dll"', f'Lib "xlwings32-{PINNED_XLWINGS}.dll"',
                 '#Const App = "Microsoft Excel"'):
        assert text in source


def test_standalone_modules_equal_those_in_xlwings_quickstart_standalone():
    # quickstart_standalone.xlsm is what `xlwings quickstart --standalone` copies; its project holds
    # xlwings.bas and Dictionary.cls unedited.
    shipped = read_olevba(XLWINGS_DIR / "quickstart_standalone.xlsm")
    ours = {m.name: m.source for m in project_modules(["Sheet1", "Sheet2"], "", "")}
    for name in ("Sheet1", "Sheet2"):
        assert ours[name] == shipped[name]
    # ThisWorkbook starts with the same attribute header; ours adds Workbook_Open after it, which registers
    # the function wizard help (see test_this_workbook_registers_the_function_help_when_it_opens).
    assert shipped["ThisWorkbook"] == document_source("ThisWorkbook", "0{00020819-0000-0000-C000-000000000046}")
    assert ours["ThisWorkbook"].startswith(shipped["ThisWorkbook"])
    # There the xlwings module is stored with bare LF line ends; we store CRLF, as the VBE does (and as
    # the same file stores Dictionary).
    assert ours["xlwings"] == shipped["xlwings"].replace("\n", "\r\n")
    # The VBE normalises identifier case project-wide (Err -> err there); otherwise identical.
    assert ours["Dictionary"] != shipped["Dictionary"]
    assert ours["Dictionary"].casefold() == shipped["Dictionary"].casefold()


def test_class_header_is_converted_from_export_form_to_stream_form():
    source = class_stream_source(DICTIONARY_CLS.read_text())
    assert source.splitlines()[:8] == [
        'Attribute VB_Name = "Dictionary"',
        'Attribute VB_Base = "0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"',
        "Attribute VB_GlobalNameSpace = False", "Attribute VB_Creatable = False",
        "Attribute VB_PredeclaredId = False", "Attribute VB_Exposed = True",
        "Attribute VB_TemplateDerived = False", "Attribute VB_Customizable = False"]
    assert "VERSION 1.0 CLASS" not in source


# --- the built workbook -----------------------------------------------------------------------------

def test_package_is_a_macro_enabled_workbook_with_its_project(built):
    with zipfile.ZipFile(built) as package:
        types = package.read("[Content_Types].xml").decode()
        rels = package.read("xl/_rels/workbook.xml.rels").decode()
        assert package.read("xl/vbaProject.bin")[:8] == bytes.fromhex("D0CF11E0A1B11AE1")
    assert ('<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"/>') in types
    assert '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>' in types
    assert ('Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" '
            'Target="vbaProject.bin"') in rels


def test_every_code_name_in_the_package_has_its_document_module_and_back(built):
    with zipfile.ZipFile(built) as package:
        workbook_xml = package.read("xl/workbook.xml").decode()
        project = package.read("xl/vbaProject.bin")
    assert '<workbookPr codeName="ThisWorkbook"' in workbook_xml
    assert code_names(built) == ["Sheet1", "Sheet2"]
    import olefile
    with olefile.OleFileIO(project) as ole:
        declared = ole.openstream("PROJECT").read().decode("cp1252")
    documents = re.findall(r"^Document=(\w+)/&H00000000\r$", declared, flags=re.MULTILINE)
    assert documents == ["ThisWorkbook", *code_names(built)]


def test_every_module_reads_back_identical_through_olevba_and_pyopenvba(built, udf_fixture):
    expected = expected_modules(built, udf_fixture)
    assert list(expected) == ["ThisWorkbook", "Sheet1", "Sheet2", "xlwings", "Dictionary", "KamRibbon",
                              "xlwings_udfs", "KamFunctionHelp"]
    assert read_olevba(built) == expected
    with ExcelFile(built) as book:
        assert book.vba_modules() == expected
        assert book.validate() == []


def test_project_references_office_for_the_ribbon_callbacks(built):
    with ExcelFile(built) as book:
        names = {reference.name for reference in book.references()}
    assert "Office" in names  # IRibbonControl


def test_udf_module_in_the_project_wraps_the_fixture_functions(built, udf_fixture):
    with ExcelFile(built) as book:
        source = book.get_module("xlwings_udfs")
    assert re.findall(r"^Function (\w+)\((.*)\)\r$", source, flags=re.MULTILINE) == [
        ("ABC_CLASSES", "values, Optional a_share"), ("SHEET_OF", "x"), ("TOTAL", "ParamArray numbers()")]
    assert f'XLPy.CallUDF("{udf_fixture}", "ABC_CLASSES", Array(values, a_share), ThisWorkbook' in source


def test_two_builds_are_byte_identical(udf_fixture):
    assert build_tiny_xlsm(udf_fixture) == build_tiny_xlsm(udf_fixture)


def test_builds_in_separate_processes_are_byte_identical(udf_fixture, tmp_path):
    script = textwrap.dedent(f"""
        import hashlib, sys
        sys.path[:0] = [{str(tmp_path)!r}, {str(Path(__file__).parent)!r}]
        from test_vba import build_tiny_xlsm
        print(hashlib.sha256(build_tiny_xlsm({udf_fixture!r})).hexdigest())
    """)
    digests = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                              env={"PYTHONHASHSEED": seed, "PATH": ""}).stdout.strip()
               for seed in ("1", "2")}
    assert digests == {hashlib.sha256(build_tiny_xlsm(udf_fixture)).hexdigest()}


def test_openxml_audit_finds_no_errors(built):
    result = subprocess.run([str(AUDIT), str(built)], capture_output=True, text=True)
    assert result.stdout.strip().splitlines()[-1] == "Errors: 0", result.stdout


@pytest.mark.parametrize("names, problem", [
    ([], "is empty"), (["Sheet1", "sheet1"], "used twice"), (["KamRibbon"], "names another module"),
    (["KamFunctionHelp"], "names another module"), (["1st"], "VBA identifier"), (["Sheet 1"], "VBA identifier")])
def test_bad_sheet_code_names_are_refused(names, problem):
    with pytest.raises(ValueError, match=problem):
        build_vba_project(names, "", "")


# --- the UDF wrappers --------------------------------------------------------------------------------

@pytest.mark.skipif(sys.platform.startswith("win"), reason="on Windows the decorators record")
def test_xlwings_decorators_record_nothing_off_windows(udf_fixture):
    # The finding behind udf_wrappers.py: the module as imported here has no metadata to generate from.
    module = __import__(udf_fixture)
    assert not hasattr(module.ABC_CLASSES, "__xlfunc__")


def test_generating_leaves_xlwings_and_the_udf_module_as_they_were(udf_fixture):
    module = __import__(udf_fixture)
    before = (xlwings.func, xlwings.arg, xlwings.ret, xlwings.sub, xlwings.script)
    generate_udf_module(module)
    assert (xlwings.func, xlwings.arg, xlwings.ret, xlwings.sub, xlwings.script) == before
    assert sys.modules[udf_fixture] is module and not hasattr(module.ABC_CLASSES, "__xlfunc__")
    if not sys.platform.startswith("win"):
        assert not {"pythoncom", "pywintypes", "win32com.client", "xlwings.udfs"} & set(sys.modules)


# Runs xlwings' own "Import Functions" (import_udfs) end to end in a clean process, with the decorators
# xlwings/__init__.py installs on Windows and a stand-in workbook that captures the imported module file
# and the MacroOptions calls.
IMPORT_FUNCTIONS = textwrap.dedent('''
    import importlib, json, sys, types
    for name in ("pythoncom", "pywintypes", "win32com", "win32com.client"):
        sys.modules[name] = types.ModuleType(name)
    class com_error(Exception):
        pass
    sys.modules["pythoncom"].CoInitialize = lambda: None
    sys.modules["pywintypes"].com_error = com_error
    sys.modules["win32com.client"].Dispatch = None
    sys.modules["win32com"].client = sys.modules["win32com.client"]
    import xlwings
    import xlwings.udfs as udfs
    xlwings.func, xlwings.arg, xlwings.ret, xlwings.sub = udfs.xlfunc, udfs.xlarg, udfs.xlret, udfs.xlsub

    name = sys.argv[1]
    module = importlib.import_module(name)
    udfs.udf_modules[name] = {"filename": module.__file__, "filetime": None, "module": module}
    imported, options = [], []

    class Components:
        def __call__(self, name):
            return name
        def Remove(self, component):
            raise com_error()
        def Import(self, path):
            with open(path) as f:
                imported.append(f.read())

    class Application:
        Version = "16.0"
        def MacroOptions(self, macro, **kw):
            options.append([macro, kw["Description"], kw["Category"], kw["ArgumentDescriptions"]])

    class Workbook:
        Name = "KeyAccounts.xlsm"
        Application = Application()
        VBProject = types.SimpleNamespace(VBComponents=Components())

    udfs.import_udfs(name, Workbook())
    print(json.dumps({"module": imported[0], "options": options}))
''')


def test_udf_module_equals_what_xlwings_import_functions_writes(udf_fixture, tmp_path):
    result = subprocess.run([sys.executable, "-c", IMPORT_FUNCTIONS, udf_fixture], capture_output=True,
                            text=True, check=True, cwd=tmp_path, env={"PYTHONPATH": str(tmp_path), "PATH": ""})
    xlwings_wrote = json.loads(result.stdout.strip().splitlines()[-1])
    assert generate_udf_module(udf_fixture) == xlwings_wrote["module"]
    # What a prebuilt module cannot carry: Excel learns these from MacroOptions at import time.
    assert xlwings_wrote["options"][0] == [
        "'KeyAccounts.xlsm'!ABC_CLASSES", "ABC class of each customer's revenue: A, B, C, or N for none.",
        "xlwings", ["Revenue per customer, one column.", "Share of the total the A class reaches; default 0.8."]]


def test_udf_module_of_kam_xl_udfs_equals_what_xlwings_import_functions_writes(tmp_path):
    udfs = pytest.importorskip("kam_xl.udfs")
    result = subprocess.run([sys.executable, "-c", IMPORT_FUNCTIONS, udfs.__name__], capture_output=True,
                            text=True, check=True, cwd=tmp_path, env={"PATH": ""})
    xlwings_wrote = json.loads(result.stdout.strip().splitlines()[-1])
    ours = generate_udf_module(udfs)
    assert ours == xlwings_wrote["module"]
    assert ours.count("\nFunction ") == len(xlwings_wrote["options"]) > 0



# --- the function wizard help ----------------------------------------------------------------------------

def run_import_functions(module_name: str, cwd: Path, pythonpath: str | None = None) -> dict:
    """What xlwings' "Import Functions" writes and registers (MacroOptions), run in a clean process."""
    env = {"PATH": ""} | ({"PYTHONPATH": pythonpath} if pythonpath else {})
    result = subprocess.run([sys.executable, "-c", IMPORT_FUNCTIONS, module_name], capture_output=True,
                            text=True, check=True, cwd=cwd, env=env)
    return json.loads(result.stdout.strip().splitlines()[-1])


_STRING_PART = r'"(?:[^"]|"")*"|vbLf|vbCr|vbTab|ChrW\(\d+\)'
_STRING = re.compile(rf"(?:{_STRING_PART})(?: & (?:{_STRING_PART}))*")


def vba_string(expression: str) -> str:
    """The value of a string expression as the generator writes them: literals, vbLf/vbCr/vbTab, ChrW()."""
    assert _STRING.fullmatch(expression), expression
    units = []
    for part in re.findall(_STRING_PART, expression):
        if part.startswith('"'):
            units.append(part[1:-1].replace('""', '"'))
        elif part.startswith("ChrW("):
            units.append(chr(int(part[5:-1])))
        else:
            units.append({"vbLf": "\n", "vbCr": "\r", "vbTab": "\t"}[part])
    return "".join(units).encode("utf-16-le", "surrogatepass").decode("utf-16-le")


def registrations(source: str, workbook_name: str = "KeyAccounts.xlsm") -> list[list]:
    """Run RegisterFunctionHelp on paper: [macro, description, category, argument descriptions] per call,
    as MacroOptions receives them (the same shape the IMPORT_FUNCTIONS stand-in records)."""
    body = source.split("Public Sub RegisterFunctionHelp()\n", 1)[1].split("\nEnd Sub\n", 1)[0]
    variables: dict = {}
    calls = []
    for line in body.split("\n"):
        code = line.strip()
        if m := re.fullmatch(r"ReDim argDocs\(0 To (\d+)\)", code):
            variables["argDocs"] = [None] * (int(m.group(1)) + 1)
        elif code == "argDocs = Empty":
            variables["argDocs"] = None
        elif m := re.fullmatch(r"(helpText|argDocs\((\d+)\)) = (\1 & )?(.*)", code):
            _, place, append, value = m.groups()
            if place is None:
                variables["helpText"] = (variables["helpText"] if append else "") + vba_string(value)
            else:
                docs = variables["argDocs"]
                docs[int(place)] = (docs[int(place)] if append else "") + vba_string(value)
        elif m := re.fullmatch(r'Describe app, bookPrefix & "(\w+)", helpText, (\d+|".*"), argDocs', code):
            category = int(m.group(2)) if m.group(2).isdigit() else vba_string(m.group(2))
            calls.append([f"'{workbook_name}'!{m.group(1)}", variables["helpText"], category,
                          variables["argDocs"]])
        else:
            assert code.startswith(("'", "Dim ", "On Error Resume Next", "wasSaved = ThisWorkbook.Saved",
                                    "Set app = Application", "bookPrefix = ", "If wasSaved Then")), code
    return calls


def statements(source: str) -> list[list[str]]:
    """The physical lines of each statement (a line ending in " _" continues on the next)."""
    out, current = [], []
    for line in source.split("\n"):
        current.append(line)
        if not line.endswith(" _"):
            out.append(current)
            current = []
    return out


def test_function_help_registers_what_xlwings_import_functions_registers(help_fixture, tmp_path):
    xlwings_did = run_import_functions(help_fixture, tmp_path, pythonpath=str(tmp_path))
    ours = registrations(generate_function_help_module(help_fixture))
    assert ours == xlwings_did["options"]
    quoted = {macro: rest for macro, *rest in ours}["'KeyAccounts.xlsm'!QUOTED"]
    # The docstring, cut to Excel's 255 characters; the caller argument VBA passes has no help.
    assert quoted[0].startswith('Says "hello" to the customer.\n\n    The second') and len(quoted[0]) == 255
    assert quoted[2][0] == 'The customer\'s name as in "Customers"; "" for none.'
    assert quoted[2][1].startswith("Ümlaut, ellipsis … smile \U0001F642, tab\there. long") and len(quoted[2]) == 2


def test_function_help_quotes_text_as_vba_literals(help_fixture):
    source = generate_function_help_module(help_fixture)
    assert 'argDocs(0) = "The customer\'s name as in ""Customers""; """" for none."\n' in source
    assert "ChrW(220)" in source and "ChrW(8230)" in source and "ChrW(55357) & ChrW(56898)" in source
    assert '"Says ""hello"" to the customer." & vbLf & vbLf & "    The second' in source
    assert source.isascii()  # so the project's code page never changes a character


def test_function_help_stays_within_vba_line_limits(help_fixture):
    for module in (help_fixture, "kam_xl.udfs"):
        source = generate_function_help_module(module)
        assert max(len(line) for line in source.split("\n")) <= MAX_LINE
        assert max(len(lines) - 1 for lines in statements(source)) <= 24  # line continuations
    # A long text is built over several assignments rather than continued lines.
    source = generate_function_help_module(help_fixture)
    assert "\n    helpText = helpText & " in source and "\n    argDocs(1) = argDocs(1) & " in source


def test_function_help_ignores_errors_and_keeps_a_saved_workbook_saved(help_fixture):
    source = generate_function_help_module(help_fixture)
    body = source.split("Public Sub RegisterFunctionHelp()\n", 1)[1].split("\nEnd Sub\n", 1)[0].split("\n")
    code = [line.strip() for line in body if not line.strip().startswith(("'", "Dim "))]
    assert code[:2] == ["On Error Resume Next", "wasSaved = ThisWorkbook.Saved"]
    assert code[-1] == "If wasSaved Then ThisWorkbook.Saved = True"
    # The Excel object is late bound, so an Excel whose MacroOptions lacks ArgumentDescriptions fails at run
    # time (ignored, retried without) rather than at compile time.
    assert "Dim app As Object" in source and "Set app = Application" in source
    describe = source.split("Private Sub Describe(", 1)[1]
    assert describe.split("\n")[2].strip() == "On Error Resume Next"
    assert "ArgumentDescriptions:=argDocs" in describe and "If Err.Number = 0 Then Exit Sub" in describe


def test_function_help_of_kam_xl_udfs_names_every_cell_function_once_with_its_docstring():
    from kam_xl import udfs
    cell_functions = {name: fn for name, fn in vars(udfs).items()
                      if name.isupper() and callable(fn) and getattr(fn, "__module__", None) == udfs.__name__}
    calls = registrations(generate_function_help_module(udfs))
    names = [macro.split("!", 1)[1] for macro, *_ in calls]
    assert names == sorted(cell_functions)  # each once, in xlwings' order
    for (_, description, category, docs), name in zip(calls, names):
        fn = cell_functions[name]
        assert description == fn.__doc__[:255], name
        assert category == udfs.CATEGORY
        assert len(docs or []) == len(inspect.signature(fn).parameters), name   # None: no arguments
        assert all(doc and not doc.startswith("Positional argument") for doc in docs or []), name  # each documented


def test_function_help_of_kam_xl_udfs_equals_what_xlwings_import_functions_registers(tmp_path):
    xlwings_did = run_import_functions("kam_xl.udfs", tmp_path)
    assert registrations(generate_function_help_module("kam_xl.udfs")) == xlwings_did["options"]


def test_this_workbook_registers_the_function_help_when_it_opens(built):
    with ExcelFile(built) as book:
        modules = book.vba_modules()
    header = document_source("ThisWorkbook", "0{00020819-0000-0000-C000-000000000046}")
    assert modules["ThisWorkbook"] == header + ("Option Explicit\r\n\r\nPrivate Sub Workbook_Open()\r\n"
                                                "    KamFunctionHelp.RegisterFunctionHelp\r\nEnd Sub\r\n")
    assert "\r\nPublic Sub RegisterFunctionHelp()\r\n" in modules["KamFunctionHelp"]
    for sheet in code_names(built):  # sheet modules stay empty, as Excel makes them
        assert modules[sheet] == document_source(sheet, "0{00020820-0000-0000-C000-000000000046}")
