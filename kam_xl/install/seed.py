"""The input tables install adds for what their workbook lacks, as frames the template writes.

Columns are the canonical names of our input tables' headers (:mod:`kam_xl.template.sheet_inputs`: "Customer
ID" -> customer_id), the way :func:`kam_xl.template.sheet_inputs.write_table_sheet` takes a frame.
"""

from __future__ import annotations

import pandas as pd

from kam_xl.core import schema
from kam_xl.install.found import Found
from kam_xl.template.sheet_inputs import TABLES

_BY_NAME = {t.name: t for t in TABLES}


def empty_frame(table: str) -> pd.DataFrame:
    """Our input table ``table`` ("Complaints") with its canonical columns and no rows."""
    return pd.DataFrame({c.canonical: pd.Series([], dtype=object) for c in _BY_NAME[table].columns})


def customers_seed(ids: tuple[str, ...] | list[str]) -> pd.DataFrame:
    """Our Customers table holding ``ids`` in their order, every other column (name, owner ...) empty."""
    frame = empty_frame("Customers").reindex(range(len(ids)))
    frame[schema.CUSTOMER_ID] = pd.Series(list(ids), dtype=object)
    return frame.astype(object).where(frame.notna(), None)


def added_tables(found: Found) -> dict[str, pd.DataFrame]:
    """{lower-case table name: frame} of the input tables install adds: Customers seeded with the ids of their
    transactions, the others empty."""
    return {name.lower(): customers_seed(found.customer_ids) if name == "Customers" else empty_frame(name)
            for name in found.lacking}
