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


def key(values, abc, brand=None, demands=None, share=None, override=None, **kw):
    """Key-account flags of a small world: ABC values, classes, image-maker/expert flags, shares."""
    n = len(values)
    r = customer_types(share or [0.0] * n, brand or [False] * n, demands or [False] * n, [False] * n,
                       [np.nan] * n)
    over = parse_yes_no(override or [None] * n)
    return list(key_accounts(over, np.array(values, float), np.array(abc, object), r.flags, **kw))


# Ten customers: 30, 20, 10, 8 x 5, plus 0. Total 100: the size core at 40 % is the 30 and the 20
# (before 0 and 0.30 < 0.40; the 10 has before 0.50).
VALUES = [30, 20, 10, 5, 5, 5, 5, 5, 5, 5]
CLASSES = ["A", "A", "A", "A", "A", "B", "B", "C", "C", "C"]


def test_size_core_is_the_smallest_top_group_reaching_key_share():
    assert key(VALUES, CLASSES) == [True, True] + [False] * 8


def test_customer_crossing_key_share_is_in_the_core_and_ties_stay_together():
    assert key([35, 10, 25, 30], ["A"] * 4) == [True, False, False, True]   # 30 has before 0.35 and crosses 0.40
    assert key([35, 10, 10, 45], ["A"] * 4) == [False, False, False, True]  # 45 alone reaches 0.40
    assert key([30, 30, 40], ["A"] * 3) == [False, False, True]             # 40 reaches 0.40 exactly
    assert key([30, 30, 40], ["A"] * 3, key_share=0.41) == [True, True, True]  # both 30s have before 0.40


def test_breadwinner_is_key_whatever_its_class():
    assert key(VALUES, CLASSES, share=[0, 0, 0, 0, 0, 0, 0, 0.12, 0, 0])[7]


def test_image_maker_or_expert_at_b_is_key():
    brand = [False] * 5 + [True] + [False] * 4
    demands = [False] * 6 + [True] + [False] * 3
    flags = key(VALUES, CLASSES, brand=brand, demands=demands)
    assert flags[5] and flags[6]


def test_image_maker_or_expert_at_c_is_not_key():
    brand = [False] * 7 + [True] + [False] * 2
    demands = [False] * 8 + [True, False]
    flags = key(VALUES, CLASSES, brand=brand, demands=demands)
    assert not flags[7] and not flags[8]
    assert key(VALUES, CLASSES, brand=brand, demands=demands, key_type_classes="ABC")[7:9] == [True, True]


def test_override_wins_both_ways():
    override = ["no", None, None, None, None, None, None, None, None, "yes"]
    flags = key(VALUES, CLASSES, override=override)
    assert not flags[0]                           # in the size core, overridden to no
    assert flags[9]                               # a C customer, overridden to yes


def test_prospect_alone_is_not_key():
    prospect_only = customer_types([0.0], [False], [False], [True], [1e6])
    assert prospect_only.primary[0] == "Prospect"
    assert not key_accounts(np.array([np.nan]), np.array([0.0]), np.array(["N"], object), prospect_only.flags)[0]


def test_yes_no_parsing():
    out = parse_yes_no(["yes", "No", "x", "", None, True, "ja", "0"])
    assert list(np.nan_to_num(out, nan=-1)) == [1, 0, 1, -1, -1, 1, 1, 0]
    with pytest.raises(ValueError, match="row 2: override must be yes, no or empty, found 'maybe'"):
        parse_yes_no(["yes", "maybe"], "override")


def test_three_p_needs_all_three():
    assert list(three_p(["yes", "yes", "no", None], ["yes", "yes", "yes", "yes"], ["yes", "no", "yes", "yes"])) == [
        True, False, False, False]


def test_key_accounts_of_the_demo_world_hold_30_to_55_percent_and_are_fewer_than_a_customers():
    from kam_xl.core.analysis import analyze
    from kam_xl.demo import generate

    world = generate(customers=2000, seed=7)                   # what `kam-xl demo` and `make demo` use
    table = analyze(world.transactions, world.customers, world.complaints)
    positive = table["revenue"].clip(lower=0).sum()
    key = table["key_account"].astype(bool)
    assert 0.30 <= table.loc[key, "revenue"].sum() / positive <= 0.55
    assert key.sum() < (table["abc"] == "A").sum()
