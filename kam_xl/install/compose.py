"""Compose the installed workbook: our sheets, built by the template pointing at their data, grafted onto theirs.

Written against the interfaces the issue-12 plan fixes for parts built alongside this one:
``kam_xl.template.sources`` (where the template's formulas and Python steps read each input) and
``kam_xl.package.graft.graft`` (our package's sheets, tables, names, styles and VBA project put after theirs).
"""

from __future__ import annotations

from dataclasses import dataclass

from kam_xl.install.found import Found
from kam_xl.install.plan import RANGE_NAMES, Plan
from kam_xl.install.seed import added_tables


@dataclass(frozen=True)
class Options:
    language: str | None = None   # EN or DE: our sheets' language; None = the template's default


def compose(their: bytes, found: Found, plan: Plan, options: Options) -> bytes:
    """The new .xlsm package: ``their`` with our sheets of ``plan`` added, reading their inputs as ``found``."""
    from kam_xl.package.graft import graft
    from kam_xl.template.sources import Source, Sources
    from kam_xl.template.workbook import workbook_bytes

    sources = Sources(**{loc.input: Source(table=loc.table if loc.kind == "table" else None,
                                           name=RANGE_NAMES[loc.input] if loc.kind == "range" else None,
                                           sheet=loc.sheet, ref=loc.ref, columns=loc.column_map)
                         for loc in found.inputs})
    ours = workbook_bytes(added_tables(found), sources=sources, sheets=list(plan.sheets), language=options.language)
    return graft(their, ours)
