"""Surgical OOXML editing: computed values written back into a workbook as cached values.

    from kam_xl.package import write_values, CellValue, ErrorValue, PackageError
    report = write_values("Book.xlsm", {"Analysis": {"B7": 0.25, "C7": "A", "D7": ErrorValue("#DIV/0!")}},
                          all_computed=True)
    # with a recalculation: write_values(path, result.values, all_computed=result.all_computed,
    #                                    spills=result.spills)

One module per part of the file it touches: ``names`` (namespaces and types), ``workbook_part``,
``sheet_part``, ``cell_values`` (how a value looks in a cell), ``zipcopy`` (the archive), ``lock``,
``writer`` (the public entry).

``graft`` puts kam_xl's sheets, VBA project and ribbon into a workbook kam_xl did not write (``kam-xl install``),
with ``graft_parts`` (parts carried under free names), ``graft_sheets`` (the sheet and table edits),
``styles_merge``, ``strings_merge``, ``metadata_merge`` and ``xmltext`` (elements found and edited as text).
"""

from kam_xl.package.cell_values import CellValue, ErrorValue
from kam_xl.package.errors import PackageError
from kam_xl.package.lock import workbook_lock
from kam_xl.package.writer import Conflict, WriteReport, check_package, write_values

__all__ = ["CellValue", "Conflict", "ErrorValue", "PackageError", "WriteReport", "check_package", "workbook_lock",
           "write_values"]
