"""Pure analytics on pandas/numpy/scipy: no Excel, no files."""

from kam_xl.core.settings import Settings, SettingsError

__all__ = ["Settings", "SettingsError"]
