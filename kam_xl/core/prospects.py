"""The three-P test for potential key customers: need, ability to pay, authority to decide."""

from __future__ import annotations

import numpy as np

from kam_xl.core.typology import parse_yes_no


def three_p(need, ability_to_pay, authority) -> np.ndarray:
    """True where all three are yes. Each input holds yes/no/true/false/1/0/x/ja/nein or blanks (= no)."""
    parts = [parse_yes_no(list(v), what) == 1.0
             for v, what in ((need, "need"), (ability_to_pay, "ability to pay"), (authority, "authority"))]
    return parts[0] & parts[1] & parts[2]
