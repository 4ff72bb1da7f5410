"""Settings: defaults of DESIGN.md, validation messages that name the field, mapping from sheet/CLI values;
each face names a bad setting its own way (the option, the Settings row)."""

import pytest
import xlsxwriter

from kam_xl import cells, cli, udfs
from kam_xl.core.settings import Settings, SettingsError, describe, field_names


def test_defaults_are_the_design_defaults():
    s = Settings()
    assert (s.a_share, s.b_share, s.x_cv, s.y_cv, s.xyz_months, s.breadwinner_share) == (0.8, 0.95, 0.5, 1.0, 12, 0.1)
    assert (s.lost_factor, s.risk_factor, s.lost_days, s.complaint_days, s.complaint_min) == (3.0, 1.5, 365, 90, 2)
    assert s.abc_months is None and s.xyz_periods == 12
    assert Settings(xyz_period="quarter").xyz_periods == 4


@pytest.mark.parametrize("changes, field", [
    ({"a_share": 1.5}, "a_share"),
    ({"a_share": 0.96}, "a_share"),
    ({"abc_value": "margin"}, "abc_value"),
    ({"xyz_months": 0}, "xyz_months"),
    ({"xyz_period": "quarter", "xyz_months": 10}, "xyz_months"),
    ({"x_cv": 2.0}, "x_cv"),
    ({"language": "FR"}, "language"),
])
def test_bad_values_name_the_field(changes, field):
    with pytest.raises(SettingsError, match=f"^{field}"):
        Settings(**changes)


def test_from_mapping_converts_sheet_values():
    s = Settings.from_mapping({"a_share": "0.7", "xyz_months": 24.0, "abc_months": "", "winback_at_risk": "ja",
                               "language": "de"})
    assert (s.a_share, s.xyz_months, s.abc_months, s.winback_at_risk, s.language) == (0.7, 24, None, True, "DE")
    with pytest.raises(SettingsError, match="xyz_months: expected a whole number, found 'twelve'"):
        Settings.from_mapping({"xyz_months": "twelve"})
    with pytest.raises(SettingsError, match="nonsense: unknown setting"):
        Settings.from_mapping({"nonsense": 1})


def test_every_field_has_help():
    assert all(describe(name) for name in field_names())


def test_errors_carry_the_fields_at_fault_so_each_face_can_name_them():
    with pytest.raises(SettingsError) as caught:
        Settings(a_share=0.99, b_share=0.95)
    assert caught.value.fields == ("a_share", "b_share")
    assert str(caught.value) == "a_share (0.99) must not exceed b_share (0.95)"
    assert caught.value.named(str.upper) == "A_SHARE (0.99) must not exceed B_SHARE (0.95)"
    with pytest.raises(SettingsError) as caught:
        Settings.from_mapping({"abc_value": "{0} {x}"})
    assert caught.value.named(str.upper) == "ABC_VALUE: expected one of revenue, profit, found '{0} {x}'"


def test_type_errors_ask_for_a_number_not_a_python_type():
    with pytest.raises(SettingsError, match="^a_share: expected a number, found 'abc'$"):
        Settings.from_mapping({"a_share": "abc"})
    with pytest.raises(SettingsError, match="^winback_at_risk: expected true or false, found 'maybe'$"):
        Settings.from_mapping({"winback_at_risk": "maybe"})


TX = "Customer ID,Date,Amount\nC1,2024-01-05,100\nC2,2024-02-05,150\n"


def kam_analyze(capsys, *argv) -> tuple[int, str]:
    code = cli.main(["analyze", *map(str, argv)])
    return code, capsys.readouterr().err


def test_command_line_names_the_options(tmp_path, capsys):
    tx = tmp_path / "tx.csv"
    tx.write_text(TX)
    code, err = kam_analyze(capsys, tx, "--a-share", "0.99")
    assert (code, err) == (2, "kam-xl analyze: --a-share (0.99) must not exceed --b-share (0.95)\n")
    code, err = kam_analyze(capsys, tx, "--xyz-period", "quarter", "--xyz-months", "10")
    assert (code, err) == (2, "kam-xl analyze: --xyz-months: with --xyz-period quarter it must be a multiple of 3, "
                              "found 10\n")


def test_command_line_names_the_workbook_settings_row_a_bad_value_came_from(tmp_path, capsys):
    book = tmp_path / "book.xlsx"
    workbook = xlsxwriter.Workbook(book)
    sheet = workbook.add_worksheet("Transactions")
    sheet.add_table(0, 0, 2, 2, {"name": "Transactions", "columns": [{"header": h} for h in ("Customer ID", "Date",
                                                                                            "Amount")],
                                 "data": [["C1", "2024-01-05", 100], ["C2", "2024-02-05", 150]]})
    sheet = workbook.add_worksheet("Settings")
    sheet.add_table(0, 0, 1, 1, {"name": "Settings", "columns": [{"header": "Setting"}, {"header": "Value"}],
                                 "data": [["a_share", 0.99]]})
    workbook.close()
    code, err = kam_analyze(capsys, book)
    assert (code, err) == (2, "kam-xl analyze: Settings row a_share of book.xlsx (0.99) must not exceed --b-share "
                              "(0.95)\n")
    code, err = kam_analyze(capsys, book, "--b-share", "0.9")
    assert (code, err) == (2, "kam-xl analyze: Settings row a_share of book.xlsx (0.99) must not exceed --b-share "
                              "(0.9)\n")
    assert kam_analyze(capsys, book, "--a-share", "0.8")[0] == 0


def test_workbook_names_the_settings_row_as_the_user_wrote_it():
    settings = [["Setting", "Value"], ["A share", 0.99], ["b_share", 0.95]]
    with pytest.raises(cells.CellError, match=r"^Settings row A share \(0.99\) must not exceed Settings row "
                                              r"b_share \(0.95\)$"):
        cells.settings_from_range(settings)
    answer = udfs.XYZ_CLASSES([["C1"]], [["C1"], ["C1"]], [[45300.0], [45340.0]], [[1.0], [2.0]],
                              settings=[["xyz_months", "twelve"]])
    assert answer == "#KAM: Settings row xyz_months: expected a whole number, found 'twelve'"
