"""What discovery found: one frozen record per input located in the workbook, and the whole result."""

from __future__ import annotations

from dataclasses import dataclass, replace

from kam_xl.errors import InputError

#: Our input tables, in the order of the template; install adds the ones the workbook lacks.
INPUTS = ("Customers", "Transactions", "Complaints", "Tenders", "Contacts", "Competitors", "Prospects")
#: The inputs install looks for in the workbook (the others it always adds, empty).
SEARCHED = ("transactions", "customers", "complaints")


class InstallError(InputError):
    """Install cannot go on; the one-line message names what was found and the option that settles it."""


@dataclass(frozen=True)
class Located:
    """Where one input lives in their workbook.

    ``kind`` is "table" (an Excel table: ``table`` is its name) or "range" (a plain range: ``ref`` is the A1
    range of its header row and used rows, e.g. "A3:F120"). ``columns`` maps canonical names
    (:mod:`kam_xl.core.schema`: customer_id, date, amount ...) to their headers, as written, in sheet order;
    ``rows`` counts the data rows below the header (blank ones included)."""

    input: str            # transactions, customers, complaints
    kind: str             # table | range
    sheet: str
    table: str | None
    ref: str
    columns: tuple[tuple[str, str], ...]
    rows: int

    @property
    def column_map(self) -> dict[str, str]:
        return dict(self.columns)

    @property
    def header_row(self) -> int:
        return int("".join(ch for ch in self.ref.split(":")[0] if ch.isdigit()))

    def where(self) -> str:
        """'table Sales (sheet Data, A1:E41)' or 'sheet Umsätze, range A3:F120'."""
        if self.kind == "table":
            return f"table {self.table} (sheet {self.sheet}, {self.ref})"
        return f"sheet {self.sheet}, range {self.ref}"

    def as_table(self, name: str, ref: str) -> Located:
        """The same input after --make-tables turned its range into the table ``name`` over ``ref`` (a header
        without rows gets one empty body row)."""
        return replace(self, kind="table", table=name, ref=ref)


@dataclass(frozen=True)
class Found:
    """Everything discovery found in one workbook."""

    path: str
    inputs: tuple[Located, ...]          # transactions first, then customers and complaints when found
    customer_ids: tuple[str, ...]        # the ids of the transactions, in order of first appearance
    lacking: tuple[str, ...]             # our inputs (names of INPUTS) the workbook does not have
    sheets: tuple[str, ...] = ()         # their sheets (every kind), tables and defined names, as written
    tables: tuple[str, ...] = ()
    names: tuple[str, ...] = ()

    def get(self, name: str) -> Located | None:
        return next((i for i in self.inputs if i.input == name), None)

    @property
    def transactions(self) -> Located:
        found = self.get("transactions")
        assert found is not None  # discover() refuses a workbook without
        return found

    def with_inputs(self, inputs: tuple[Located, ...]) -> Found:
        return replace(self, inputs=inputs)
