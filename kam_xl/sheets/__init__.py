"""What the ribbon buttons write into the workbook: data check, import, win-back."""
