"""Settings: defaults of DESIGN.md, validation messages that name the field, mapping from sheet/CLI values."""

import pytest

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
    with pytest.raises(SettingsError, match="xyz_months: expected int"):
        Settings.from_mapping({"xyz_months": "twelve"})
    with pytest.raises(SettingsError, match="nonsense: unknown setting"):
        Settings.from_mapping({"nonsense": 1})


def test_every_field_has_help():
    assert all(describe(name) for name in field_names())
