"""LibreOffice opens the built workbook and lists its VBA modules over UNO, each with the source we built.

    libreoffice_modules(path) -> {module: source}   what LibreOffice lists (skips without LibreOffice)
    expected_modules(path) -> [(module, source)]    what the build makes for the file's sheet code names
    code_lines(source) -> [str]                     a module's code as both sides compare it

tests/test_install_foreign.py runs the same comparison on installed workbooks."""

from __future__ import annotations

import json
import os
import re
import subprocess
import zipfile
from pathlib import Path

import pytest

from conftest import require_tools
from kam_xl.template.udf_wrappers import generate_function_help_module, generate_udf_module
from kam_xl.template.vba import project_modules

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = Path(__file__).with_name("tools") / "uno_list_vba.py"
SYSTEM_PYTHON = "/usr/bin/python3"
WORKBOOK = ROOT / "workbook" / "KeyAccounts.xlsm"


def libreoffice_modules(path: Path) -> dict[str, str]:
    """{module: source} of the VBAProject library LibreOffice loads from ``path``."""
    require_tools("soffice", install="libreoffice-calc-nogui python3-uno")
    if not os.path.exists(SYSTEM_PYTHON) or subprocess.run([SYSTEM_PYTHON, "-c", "import uno"]).returncode:
        require_tools("python3-uno-bridge", install="python3-uno")
    out = subprocess.run([SYSTEM_PYTHON, str(SCRIPT), str(path)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)["VBAProject"]


@pytest.fixture(scope="module")
def modules() -> dict:
    return libreoffice_modules(WORKBOOK)


def code_lines(source: str) -> list[str]:
    """Module text without the lines each tool adds its own way: attributes, and LibreOffice's
    "Option VBASupport 1" / "Option ClassModule" markers."""
    return [line.rstrip() for line in source.replace("\r\n", "\n").split("\n")
            if line.strip() and not line.startswith(("Attribute ", "Rem Attribute ", "Option VBASupport",
                                                      "Option ClassModule"))]


def test_libreoffice_lists_every_module_of_the_project(modules):
    expected = {name for name, _ in expected_modules(WORKBOOK)}
    assert set(modules) == expected
    assert {"xlwings", "Dictionary", "KamRibbon", "xlwings_udfs", "KamFunctionHelp", "ThisWorkbook"} <= set(modules)


def test_libreoffice_reads_the_module_sources_we_built(modules):
    for name, source in expected_modules(WORKBOOK):
        assert code_lines(modules[name]) == code_lines(source), name


def expected_modules(path: Path) -> list[tuple[str, str]]:
    """(name, source) of every module, as the build makes them for the sheets of the workbook at ``path``
    (worksheet parts named sheetN.xml, in N's order)."""
    with zipfile.ZipFile(path) as package:
        sheets = sorted((n for n in package.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)),
                        key=lambda n: int(re.search(r"\d+", n).group()))
        code_names = [re.search(rb'codeName="([^"]+)"', package.read(n)).group(1).decode() for n in sheets]
    modules = project_modules(code_names, generate_udf_module("kam_xl.udfs"),
                              generate_function_help_module("kam_xl.udfs"))
    return [(m.name, m.source) for m in modules]
