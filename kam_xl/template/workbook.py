"""Build workbook/KeyAccounts.xlsm: the sheets (XlsxWriter), the VBA project and the ribbon.

    build_workbook(path, data=None, analysis=None, *, ..., sources=None, sheets=None) -> Path
    workbook_bytes(data=None, analysis=None, *, ..., sources=None, sheets=None) -> bytes

    workbook = new_workbook(buffer); ...; write_sheets(workbook, data, ...); finish(workbook, buffer)
                                       # the same, after sheets of one's own (tests stand in for a user's file so)

Without data the result is the template: every input table has one empty row and the formulas carry no
results. With data (a :class:`kam_xl.demo.DemoData` or a mapping of table name -> DataFrame with canonical
columns) the tables are filled and every formula gets its cached result, from ``analysis`` (computed with
the default settings when not given), so viewers that do not calculate still show numbers.

The same inputs always give the same bytes: fixed document dates, fixed zip timestamps (XlsxWriter's
in-memory mode and :func:`add_ribbon` both write 1980-01-01), and no wall clock anywhere.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
import xlsxwriter

import kam_xl
from kam_xl import atomic
from kam_xl.core.analysis import analyze
from kam_xl.core.settings import Settings
from kam_xl.template import CUSTOM_UI, add_ribbon, embed_vba
from kam_xl.template.labels import LABEL_COLUMN_NAME, label_column_formula
from kam_xl.template.sheet_about import UDF_MODULE, write_about_sheet, write_labels_sheet, write_xlwings_conf_sheet
from kam_xl.template.sheet_analysis import write_analysis_sheet
from kam_xl.template.sheet_dossier import write_dossier_sheet
from kam_xl.template.sheet_datacheck import write_datacheck_sheet
from kam_xl.template.sheet_inputs import TABLES, write_input_sheets
from kam_xl.template.sheet_matrix import write_matrix_sheet
from kam_xl.template.sheet_settings import write_settings_sheet
from kam_xl.template.sheet_winback import write_winback_sheet
from kam_xl.template.sheets import SHEETS, Formats
from kam_xl.template.sources import Sources

#: Document date of every build (core.xml created/modified): fixed, so builds are reproducible.
DOCUMENT_DATE = dt.datetime(2026, 1, 1, 0, 0, 0)
WORKBOOK_OPTIONS = {
    "in_memory": True,
    # Defence in depth: cells are written with typed writers anyway; never turn data text into formulas.
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
}


def build_workbook(path: str | os.PathLike, data=None, analysis: pd.DataFrame | None = None, *,
                   snapshot: bool = False, data_check: pd.DataFrame | None = None,
                   dossier_customer: str | None = None, sources: Sources | None = None,
                   sheets: Sequence[str] | None = None, language: str | None = None) -> Path:
    """Write the workbook to ``path`` atomically (temporary file in the same folder, then rename)."""
    target = Path(path)
    content = workbook_bytes(data, analysis, snapshot=snapshot, data_check=data_check,
                             dossier_customer=dossier_customer, sources=sources, sheets=sheets, language=language)
    return atomic.write_bytes(target, content)


def workbook_bytes(data=None, analysis: pd.DataFrame | None = None, *, snapshot: bool = False,
                   data_check: pd.DataFrame | None = None, dossier_customer: str | None = None,
                   sources: Sources | None = None, sheets: Sequence[str] | None = None,
                   language: str | None = None) -> bytes:
    """The .xlsm package as bytes.

    ``snapshot`` writes the results of the kam_xl cell functions (the Analysis spill, the Pareto block,
    the three-P column) as plain values instead of formulas: a picture of the workbook for programs that
    cannot run the functions. LibreOffice recalculates every array formula and every formula with a table
    reference when it opens a file, whatever its settings, so unknown functions show #NAME? there in spite
    of the cached results; the snapshot is what renders. It is no working workbook; Excel users get the
    formulas. ``data_check`` (a :func:`kam_xl.sheets.datacheck.data_check` result) fills the Data check table.
    ``dossier_customer`` is the customer the Dossier sheet shows (default: the first of its list).
    ``sources`` say where the inputs live (default: our own tables; see :mod:`kam_xl.template.sources`);
    ``sheets`` names the sheets to build (default: all of :data:`SHEETS` but the input sheets of inputs that
    live elsewhere). ``data`` fills the input sheets built and gives the cached results; without transactions
    (allowed when they live elsewhere) nothing is cached and the first recalculation computes every result.
    """
    buffer = io.BytesIO()
    workbook = new_workbook(buffer)
    write_sheets(workbook, data, analysis, snapshot=snapshot, data_check=data_check,
                 dossier_customer=dossier_customer, sources=sources, sheets=sheets, language=language)
    return finish(workbook, buffer)


def new_workbook(buffer: io.BytesIO) -> xlsxwriter.Workbook:
    """An empty in-memory workbook with the fixed properties of every build."""
    workbook = xlsxwriter.Workbook(buffer, WORKBOOK_OPTIONS)
    workbook.set_properties({
        "title": "Key Accounts",
        "subject": "Key-account management: ABC-XYZ analysis, customer types, churn, dossiers, win-back",
        "author": "kam_xl",
        "company": "",
        "comments": f"Built by kam_xl {kam_xl.__version__}",
        "created": DOCUMENT_DATE,
    })
    workbook.set_calc_mode("auto")
    workbook.set_size(1600, 1000)
    return workbook


def write_sheets(workbook: xlsxwriter.Workbook, data=None, analysis: pd.DataFrame | None = None, *,
                 snapshot: bool = False, data_check: pd.DataFrame | None = None,
                 dossier_customer: str | None = None, sources: Sources | None = None,
                 sheets: Sequence[str] | None = None, language: str | None = None) -> None:
    """Add our sheets (see :func:`workbook_bytes`) after any the workbook already has; ``language`` (EN, DE) of
    the labels and the Settings value, the default setting's when None."""
    sources = sources or Sources()
    built = _sheets(sheets, sources)
    tables = _tables(data, sources["Transactions"].kind == "ours")
    if tables is not None and analysis is None and "transactions" in tables:
        analysis = analyze(tables["transactions"], tables.get("customers"), tables.get("complaints"), Settings())
    language = language or Settings().language
    formats = Formats.of(workbook)
    before = len(workbook.worksheets())

    if "About" in built:
        write_about_sheet(workbook, formats, language, snapshot)
    write_input_sheets(workbook, formats, tables, snapshot, only=tuple(t.name for t in TABLES if t.name in built),
                       customer_list=sources.customer_list())
    if "Analysis" in built:
        write_analysis_sheet(workbook, formats, analysis, snapshot, sources)
    if "Matrix" in built:
        write_matrix_sheet(workbook, formats, analysis, language, snapshot)
    winback = _winback(tables, analysis)
    if "Dossier" in built:
        write_dossier_sheet(workbook, formats, None if tables is None else tables | {"winback": winback}, analysis,
                            language, snapshot, dossier_customer, sources=sources)
    if "Win-back" in built:
        write_winback_sheet(workbook, formats, winback, language)
    if "Data check" in built:
        write_datacheck_sheet(workbook, formats, language, data_check)
    write_settings_sheet(workbook, formats, language, sources)
    write_labels_sheet(workbook, formats)
    if "xlwings.conf" in built:
        write_xlwings_conf_sheet(workbook, formats)
    workbook.define_name(LABEL_COLUMN_NAME, label_column_formula())

    names = [sheet.name for sheet in workbook.worksheets()[before:]]
    if names != built:
        raise RuntimeError(f"sheets written in the order {names}, expected {built}")


def finish(workbook: xlsxwriter.Workbook, buffer: io.BytesIO) -> bytes:
    """Embed the VBA project, close the workbook and add the ribbon: the .xlsm package's bytes."""
    embed_vba(workbook, UDF_MODULE)
    workbook.close()
    return add_ribbon(buffer.getvalue(), CUSTOM_UI.read_bytes())


def _sheets(sheets: Sequence[str] | None, sources: Sources) -> list[str]:
    """The sheets to build, in workbook order; Settings and Labels always (every label and setting reads them)."""
    elsewhere = {s.table for s in sources.items}
    if sheets is None:
        return [s for s in SHEETS if s not in elsewhere]
    unknown = [s for s in sheets if s not in SHEETS]
    if unknown:
        raise ValueError(f"sheets: unknown {', '.join(map(repr, unknown))}; the template has {', '.join(SHEETS)}")
    both = [s for s in sheets if s in elsewhere]
    if both:
        raise ValueError(f"sheets: {', '.join(both)} live elsewhere (sources); their input sheets are not built")
    return [s for s in SHEETS if s in sheets or s in ("Settings", "Labels")]


def _winback(tables: dict[str, pd.DataFrame] | None, analysis: pd.DataFrame | None) -> pd.DataFrame | None:
    """The Win-back table a first refresh of the data writes (none without data, or without transactions)."""
    if tables is None or analysis is None or "transactions" not in tables:
        return None
    from kam_xl.sheets.winback import COLUMNS, winback_table

    return winback_table(analysis, tables["transactions"], tables.get("customers"), tables.get("complaints"),
                         Settings(), pd.DataFrame(columns=COLUMNS))


def _tables(data, need_transactions: bool = True) -> dict[str, pd.DataFrame] | None:
    """Input tables by lower-case name, from DemoData (``tables()``) or a mapping; None without data. Without
    transactions (when they live elsewhere) no result is cached."""
    if data is None:
        return None
    if hasattr(data, "tables"):
        data = data.tables()
    if not isinstance(data, Mapping):
        raise TypeError(f"data: expected DemoData or a mapping of table name -> DataFrame, found "
                        f"{type(data).__name__}")
    tables = {str(name).lower(): frame for name, frame in data.items()}
    if "transactions" not in tables and need_transactions:
        raise ValueError("data: the transactions table is missing; the analysis needs it")
    return tables
