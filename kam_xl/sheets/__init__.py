"""Tables the buttons write, computed in pandas from the input tables (no Excel): the Win-back list."""
