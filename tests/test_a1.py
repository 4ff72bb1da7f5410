"""A1 references: the one spelling of columns as letters."""

import pytest

from kam_xl import a1


@pytest.mark.parametrize("col, letters", [(1, "A"), (26, "Z"), (27, "AA"), (52, "AZ"), (703, "AAA"), (16384, "XFD")])
def test_columns_round_trip(col, letters):
    assert a1.column_letters(col) == letters
    assert a1.column_number(letters) == col
    assert a1.column_number(letters.lower()) == col


def test_references():
    assert a1.parse("B7") == (7, 2) and a1.parse("$xf$10") == (10, 630)
    assert a1.ref(7, 2) == "B7"
    with pytest.raises(ValueError, match="not a cell reference"):
        a1.parse("7B")
