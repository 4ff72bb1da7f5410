"""Builds workbook/KeyAccounts.xlsm from the text sources in kam_xl/template/src/ (package data).

This package holds the macro side: the VBA project (vba.py), the UDF wrapper and function wizard help
modules in it (udf_wrappers.py) and the ribbon (ribbon.py). Around the code that writes the sheets:

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    ...                                        # add and fill every worksheet
    embed_vba(workbook, "kam_xl.udfs")         # after the last add_worksheet, before close
    workbook.close()
    xlsm = add_ribbon(buffer.getvalue(), CUSTOM_UI.read_bytes())

For a byte-reproducible file also pin the document dates (`workbook.set_properties({"created": ...})`);
in_memory mode gives every zip entry the fixed 1980-01-01 timestamp, and add_ribbon rewrites them all alike.
"""

from __future__ import annotations

import importlib
import io
import types
from pathlib import Path

import xlsxwriter

__all__ = ["CUSTOM_UI", "add_ribbon", "build_vba_project", "embed_vba", "generate_function_help_module",
           "generate_udf_module"]

SRC_DIR = Path(__file__).resolve().parent / "src"  # the text sources the build reads (package data)
CUSTOM_UI = SRC_DIR / "customUI14.xml"

# The macro side loads when first used: a command that only reads where a workbook's inputs live
# (kam_xl.template.sources) need not import the VBA project builder.
_LAZY = {"add_ribbon": "ribbon", "build_vba_project": "vba", "generate_function_help_module": "udf_wrappers",
         "generate_udf_module": "udf_wrappers"}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def embed_vba(workbook: xlsxwriter.Workbook, udf_module: types.ModuleType | str = "kam_xl.udfs") -> list[str]:
    """Embed the VBA project in `workbook`; return the sheet code names, in sheet order.

    Every worksheet keeps a code name set with `set_vba_name`; one without gets XlsxWriter's default,
    "Sheet<n>" for the n-th sheet, now, so the project and the sheet XML name the same modules.
    """
    code_names = []
    for sheet in workbook.worksheets():
        if getattr(sheet, "is_chartsheet", False):
            raise ValueError(f"Sheet {sheet.name!r} is a chart sheet: the VBA project build makes worksheet "
                             "document modules only; put the chart on a worksheet.")
        if sheet.vba_codename is None:
            sheet.set_vba_name()
        code_names.append(sheet.vba_codename)
    from kam_xl.template.udf_wrappers import generate_function_help_module, generate_udf_module
    from kam_xl.template.vba import WORKBOOK_CODE_NAME, build_vba_project

    workbook.set_vba_name(WORKBOOK_CODE_NAME)
    project = build_vba_project(code_names, generate_udf_module(udf_module),
                                generate_function_help_module(udf_module))
    workbook.add_vba_project(io.BytesIO(project), is_stream=True)
    return code_names
