"""Number spellings from German, Swiss, US and SAP exports: one table, read by the shared reader and by
`kam-xl analyze` end to end (real CSV files, the real analysis, revenue checked per customer)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from kam_xl import cli
from kam_xl.errors import InputError
from kam_xl.readers import read_table, transactions_frame

DATES = {  # date style -> (a date as written, the --date-format it needs)
    "iso": ("2024-01-02", None),
    "dotted": ("02.01.2024", None),
    "dotted-time": ("02.01.2024 10:15", None),
    "us": ("01/02/2024", "%m/%d/%Y"),
}
REFUSED = "refused"  # nothing settles the separators: one line asking for --decimal

# (name, amounts as written, separator, date style, options, expected amounts or REFUSED)
SPELLINGS = [
    # German
    ("de thousands dots, semicolon and dotted dates", ["2.000", "12.345"], ";", "dotted", {}, [2000, 12345]),
    ("de thousands and decimal comma", ["1.234,50", "99,95"], ";", "dotted", {}, [1234.5, 99.95]),
    ("de millions", ["1.234.567,89"], ";", "iso", {}, [1234567.89]),
    ("de decimal comma and a whole number", ["12,5", "3"], ";", "iso", {}, [12.5, 3]),
    ("de semicolon alone settles 1.500", ["1.500"], ";", "iso", {}, [1500]),
    ("de dotted dates alone settle 2.000", ["2.000"], "\t", "dotted", {}, [2000]),
    ("de date-times settle it too", ["2.000", "3.500"], "\t", "dotted-time", {}, [2000, 3500]),
    ("de space as thousands", ["1 234,50", "-5,00"], ";", "iso", {}, [1234.5, -5]),
    ("de non-breaking space as thousands", ["1\u00a0234,50", "7\u202f000,00"], ";", "iso", {}, [1234.5, 7000]),
    ("de currency before and after", ["€ 1.234,50", "EUR 12,00", "3,10 €"], ";", "dotted", {}, [1234.5, 12, 3.1]),
    ("de leading zero", ["0,500"], ";", "iso", {}, [0.5]),
    ("de decimal comma in a comma file", ["2.000", "2,5"], ",", "iso", {}, [2000, 2.5]),
    # SAP
    ("sap trailing minus", ["100,00-", "1.234,56-"], ";", "dotted", {}, [-100, -1234.56]),
    ("sap trailing minus, tab, iso dates", ["100,00-", "50,00"], "\t", "iso", {}, [-100, 50]),
    ("sap thousands with trailing minus", ["1.000,00-", "2.000,00"], "\t", "dotted", {}, [-1000, 2000]),
    ("sap parentheses", ["(1.234,50)", "10,00"], ";", "dotted", {}, [-1234.5, 10]),
    # Swiss
    ("ch apostrophe thousands", ["1'234.50", "12.5"], ";", "dotted", {}, [1234.5, 12.5]),
    ("ch millions", ["1'234'567.80"], ";", "iso", {}, [1234567.8]),
    ("ch currency code", ["CHF 1'234.50", "Fr. 12.50"], ";", "iso", {}, [1234.5, 12.5]),
    ("ch typographic apostrophe", ["1’234.50"], "\t", "iso", {}, [1234.5]),
    ("ch whole thousands", ["2'000"], "\t", "iso", {}, [2000]),
    # US
    ("us thousands commas in a comma file", ["1,500", "12,000"], ",", "iso", {}, [1500, 12000]),
    ("us thousands and decimal point", ["1,234.50", "7.25"], ",", "iso", {}, [1234.5, 7.25]),
    ("us dollar sign", ["$1,234.50", "$ 7.25"], ",", "iso", {}, [1234.5, 7.25]),
    ("us millions in a tab file", ["1,234,567"], "\t", "iso", {}, [1234567]),
    ("us parentheses", ["(1,234.50)", "3.00"], ",", "iso", {}, [-1234.5, 3]),
    ("us decimal point beats a semicolon", ["-12.5", "1,234.5"], ";", "dotted", {}, [-12.5, 1234.5]),
    ("us dates settle 1,500", ["1,500"], "\t", "us", {}, [1500]),
    ("plain exponent", ["1e3", "2.5"], ",", "iso", {}, [1000, 2.5]),
    # Nothing settles it: refused
    ("only 2.000 and 12.345, tab, iso dates", ["2.000", "12.345"], "\t", "iso", {}, REFUSED),
    ("only 1,500, tab, iso dates", ["1,500", "250,000"], "\t", "iso", {}, REFUSED),
    ("semicolon but us dates", ["2.000"], ";", "us", {}, REFUSED),
    ("comma file but dotted dates", ["1.500"], ",", "dotted", {}, REFUSED),
    # ... unless an option says it
    ("--decimal , reads 2.000 as 2000", ["2.000", "12.345"], "\t", "iso", {"decimal": ","}, [2000, 12345]),
    ("--decimal . reads 2.000 as 2", ["2.000", "12.345"], "\t", "iso", {"decimal": "."}, [2, 12.345]),
    ("--thousands , reads 1,500 as 1500", ["1,500"], "\t", "iso", {"thousands": ","}, [1500]),
    ("--thousands none reads 2.000 as 2", ["2.000"], "\t", "iso", {"thousands": "none"}, [2]),
    ("space thousands and a decimal comma", ["1 500,5"], "\t", "iso", {}, [1500.5]),
]


def write_csv(path, amounts, sep, dates):
    when, _ = DATES[dates]
    stream = io.StringIO()
    writer = csv.writer(stream, delimiter=sep, lineterminator="\n")
    writer.writerow(["Customer", "Date", "Amount"])
    writer.writerows([f"C{i}", when, amount] for i, amount in enumerate(amounts, start=1))
    path.write_text(stream.getvalue(), encoding="utf-8")
    return path


def test_the_table_holds_at_least_30_spellings():
    assert len(SPELLINGS) >= 30 and len({s[0] for s in SPELLINGS}) == len(SPELLINGS)


@pytest.mark.parametrize("name, amounts, sep, dates, options, expected", SPELLINGS, ids=[s[0] for s in SPELLINGS])
def test_number_spellings_through_the_shared_reader(tmp_path, name, amounts, sep, dates, options, expected):
    f = write_csv(tmp_path / "tx.csv", amounts, sep, dates)
    raw, source = read_table(f)

    def read():
        return transactions_frame(raw, source, date_format=DATES[dates][1], **options)

    if expected == REFUSED:
        with pytest.raises(InputError) as info:
            read()
        message = str(info.value)
        assert message.startswith(f"{f}, column Amount: cannot tell whether")
        assert f'"{amounts[0]}"' in message and "--decimal ," in message and "--decimal ." in message
        assert (len(amounts) < 2 or f'"{amounts[1]}"' in message) and "\n" not in message
    else:
        frame = read()
        assert frame["amount"].tolist() == pytest.approx(expected, abs=1e-9)
        assert frame["date"].tolist() == [dt.datetime(2024, 1, 2)] * len(amounts)


@pytest.mark.parametrize("name, amounts, sep, dates, options, expected", SPELLINGS, ids=[s[0] for s in SPELLINGS])
def test_number_spellings_through_kam_xl_analyze(tmp_path, capsys, name, amounts, sep, dates, options, expected):
    f = write_csv(tmp_path / "tx.csv", amounts, sep, dates)
    argv = ["analyze", str(f), "--format", "json"]
    argv += ["--date-format", DATES[dates][1]] if DATES[dates][1] else []
    argv += [arg for key, value in options.items() for arg in (f"--{key}", value)]
    code = cli.main(argv)
    out, err = capsys.readouterr()
    if expected == REFUSED:
        assert code == 2 and err.count("\n") == 1
        assert err.startswith(f"kam-xl analyze: {f}, column Amount: cannot tell whether") and "--decimal" in err
    else:
        assert code == 0, err
        import json
        revenue = {row["customer_id"]: row["revenue"] for row in json.loads(out)}
        assert [revenue[f"C{i}"] for i in range(1, len(amounts) + 1)] == pytest.approx(expected, abs=0.0051)  # to the cent


def test_the_other_number_column_settles_an_ambiguous_one(tmp_path):
    f = tmp_path / "tx.csv"
    f.write_text("Customer\tDate\tAmount\tMargin\nC1\t2024-01-02\t2.000\t1,5\nC2\t2024-01-02\t3.000\t2,25\n")
    raw, source = read_table(f)
    frame = transactions_frame(raw, source)
    assert frame["amount"].tolist() == [2000, 3000] and frame["margin"].tolist() == [1.5, 2.25]


def test_workbook_number_cells_stay_and_numeric_text_follows_the_same_rules(tmp_path):
    import xlsxwriter

    path = tmp_path / "tx.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Data")
    rows = [["Customer", "Date", "Amount"], ["C1", "2024-01-02", 2.5], ["C2", "2024-01-02", "1.234,50"],
            ["C3", "2024-01-02", 2000]]
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            (sheet.write_string if isinstance(value, str) else sheet.write_number)(r, c, value)
    book.close()
    assert transactions_frame(*read_table(path))["amount"].tolist() == [2.5, 1234.5, 2000]

    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Data")
    for r, row in enumerate([["Customer", "Date", "Amount"], ["C1", "2024-01-02", "2.000"], ["C2", "2024-01-02", 7]]):
        for c, value in enumerate(row):
            (sheet.write_string if isinstance(value, str) else sheet.write_number)(r, c, value)
    book.close()
    raw, source = read_table(path)
    with pytest.raises(InputError, match=r'sheet Data, column Amount: cannot tell .*"2\.000"'):
        transactions_frame(raw, source)
    assert transactions_frame(raw, source, decimal=",")["amount"].tolist() == [2000, 7]


def test_plain_numbers_are_classed_a_column_at_a_time_as_the_patterns_class_them_one_by_one():
    import random
    import re

    import numpy as np

    from kam_xl.readers import numbers

    rng = random.Random(3)
    texts = ["1.500", "0.500", "1,500", "-2.000", "+1,234", "12,345", "1234,567", "0,5", ",5", ".5", "007", "1.2345", ""]
    for _ in range(20_000):
        v = rng.choice([rng.randint(0, 10**7), round(rng.uniform(-1e6, 1e6), rng.randint(0, 4))])
        texts.append(rng.choice([str(v), str(v).replace(".", ","), "0" + str(v), "+" + str(v), "-" + str(v).lstrip("-"),
                                 "." + str(abs(int(v)))[:3], "," + str(abs(int(v)))[:4]]))
    plain = [t for t in texts if t == "" or re.fullmatch(r"[+-]?(?:\d+|\d*[.,]\d+)", t)]
    assert len(plain) > 15_000
    one_by_one = [m.lastgroup if (m := numbers._CLASSIFIER.match(t)) else "" for t in plain]
    assert numbers._plain_kinds(np.array(plain, dtype=object)).tolist() == one_by_one
    for other in ("1.234,5", "5.", "-", "1e5", "--5", "1,2,3", "12 345"):  # any other form: each text on its own
        assert numbers._plain_kinds(np.array(["12,5", other], dtype=object)) is None, other
