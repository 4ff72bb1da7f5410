"""kam_xl: key-account management inside the sales team's Excel workbook."""

__version__ = "0.1.0"
