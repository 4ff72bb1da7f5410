"""Four customer types, primary type, key-account rule, three P."""

import numpy as np
import pytest

from kam_xl.core.prospects import three_p
from kam_xl.core.typology import customer_types, key_accounts, parse_yes_no


def types(share=0.0, brand=False, demands=False, new=False, budget=np.nan, **kw):
    r = customer_types([share], [brand], [demands], [new], [budget], **kw)
    return r.types[0], r.primary[0]


def test_breadwinner_from_ten_percent_share():
    assert types(share=0.10) == ("Breadwinner", "Breadwinner")
    assert types(share=0.0999) == ("", "")
    assert types(share=0.05, breadwinner_share=0.05)[1] == "Breadwinner"


def test_several_types_and_primary_by_order():
    assert types(share=0.2, brand=True, demands=True) == ("Breadwinner, Image maker, Expert", "Breadwinner")
    assert types(brand=False, demands=True, new=True, budget=60_000) == ("Expert, Prospect", "Expert")


def test_prospect_needs_new_and_budget():
    assert types(new=True, budget=50_000)[1] == "Prospect"
    assert types(new=True, budget=49_999)[1] == ""
    assert types(new=False, budget=1e6)[1] == ""
    assert types(new=True, budget=np.nan)[1] == ""


def test_key_account_rule_and_override():
    r = customer_types([0.0, 0.0, 0.2, 0.0, 0.0], [False, True, False, False, False], [False] * 5,
                       [True, False, False, False, False], [1e6] * 5)
    abc = np.array(["A", "C", "C", "C", "A"])
    override = parse_yes_no([None, None, None, "yes", "no"])
    # A-class; image maker; breadwinner; override yes; override no beats A. A prospect alone is not key.
    assert list(key_accounts(override, abc, r.flags)) == [True, True, True, True, False]
    prospect_only = customer_types([0.0], [False], [False], [True], [1e6])
    assert not key_accounts(np.array([np.nan]), np.array(["C"]), prospect_only.flags)[0]


def test_yes_no_parsing():
    out = parse_yes_no(["yes", "No", "x", "", None, True, "ja", "0"])
    assert list(np.nan_to_num(out, nan=-1)) == [1, 0, 1, -1, -1, 1, 1, 0]
    with pytest.raises(ValueError, match="row 2: override must be yes, no or empty, found 'maybe'"):
        parse_yes_no(["yes", "maybe"], "override")


def test_three_p_needs_all_three():
    assert list(three_p(["yes", "yes", "no", None], ["yes", "yes", "yes", "yes"], ["yes", "no", "yes", "yes"])) == [
        True, False, False, False]
