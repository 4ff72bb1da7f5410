"""Compose the installed workbook: our sheets, built by the template reading their data, grafted onto theirs.

Two parts do the work: :mod:`kam_xl.template.sources` (``Source``/``Sources``: where the template's formulas and
Python steps read each input) and :func:`kam_xl.package.graft.graft` (our package's sheets, tables, names,
styles, VBA project and ribbon put after their sheets).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from kam_xl.install.found import Found
from kam_xl.install.plan import Plan, range_formula
from kam_xl.install.seed import added_tables


def compose(their: bytes, found: Found, plan: Plan, language: str | None = None, *,
            data: Mapping[str, pd.DataFrame] | None = None, analysis: pd.DataFrame | None = None,
            snapshot: bool = False) -> bytes:
    """The new .xlsm package: ``their`` with our sheets of ``plan`` added, reading their inputs as ``found``;
    ``language`` (EN, DE) of our sheets, None for the template's default.

    ``data`` (their inputs as frames with our canonical columns, by lower-case name: "transactions" ...) and
    ``analysis`` (of that data) give our sheets cached results; with ``snapshot`` those are written as plain
    values instead of the cell functions: a picture for programs that cannot run them (LibreOffice; see
    :func:`kam_xl.template.workbook.workbook_bytes`), no working workbook. Install itself passes neither: the
    first refresh computes every result."""
    from kam_xl.package.graft import graft
    from kam_xl.template.sources import Source, Sources
    from kam_xl.template.workbook import workbook_bytes

    sources = Sources.of(*(
        Source.of_table(loc.input.capitalize(), loc.table, loc.column_map) if loc.kind == "table"
        else Source.of_range(loc.input.capitalize(), range_formula(loc), loc.column_map)
        for loc in found.inputs))
    ours = workbook_bytes(added_tables(found) | dict(data or {}), analysis, snapshot=snapshot, sources=sources,
                          sheets=list(plan.sheets), language=language)
    return graft(their, ours, name=Path(found.path).name)
