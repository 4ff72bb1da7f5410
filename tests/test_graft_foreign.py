"""The graft on the five foreign workbooks of issue 12 (tests/foreign_books.py): with every template sheet
grafted, the four whose sheet names differ from ours keep every part and entry of theirs and gain no audit
error; the demo export, which holds our input sheets, is refused naming the first sheet that collides.
(Install grafts only the sheets a workbook lacks; see kam_xl/install.)"""

from __future__ import annotations

import pytest

from kam_xl.package import PackageError
from kam_xl.package.graft import EDITED_PARTS, graft
from kam_xl.template.workbook import workbook_bytes

foreign_books = pytest.importorskip("foreign_books")
foreign_checks = pytest.importorskip("foreign_checks")


@pytest.fixture(scope="module")
def ours() -> bytes:
    return workbook_bytes()


@pytest.mark.parametrize("name", ["xlsxwriter", "openpyxl", "libreoffice", "german"])
def test_their_parts_and_entries_are_kept_and_no_audit_error_comes_in(name, ours, tmp_path, ci_fonts_env):
    builder = foreign_books.BUILDERS[name]
    book = builder(tmp_path, ci_fonts_env) if name == "libreoffice" else builder(tmp_path)
    result = tmp_path / (book.path.stem + "-kam.xlsm")
    result.write_bytes(graft(book.path.read_bytes(), ours, name=book.path.name))
    foreign_checks.assert_parts_kept(book.path, result, allowed=EDITED_PARTS)
    assert foreign_checks.entries_kept(book.path, result) == []
    assert foreign_checks.new_audit_errors(book.path, result) == []


def test_the_demo_export_holding_our_input_sheets_is_refused_naming_the_sheet(ours, tmp_path):
    book = foreign_books.export_book(tmp_path)
    with pytest.raises(PackageError, match=r"its sheet 'Customers' has the name of a kam_xl sheet"):
        graft(book.path.read_bytes(), ours, name=book.path.name)
