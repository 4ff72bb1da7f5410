"""Tables the buttons write, computed in pandas from the input tables (no Excel): data check, import, win-back."""
