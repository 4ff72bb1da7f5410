"""The conformance cases: formula, Excel's documented result, the source that documents it.

Each family cites where its results come from: the Microsoft support page of each function ("<NAME>
function", support.microsoft.com/office, examples section and remarks) and, for edge rules the pages state
only in prose, ECMA-376 Part 1 §18.17.7 (the formula reference Excel's file format defines). Ranges such as
``Lk!$A$2:$C$6`` read the example tables of conformance_inputs.py. Results are as Excel shows them; ``tol`` is the
rounding of the documented figure (the page prints 2 decimals: tol 0.005).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from conformance_inputs import serial as d


@dataclass(frozen=True)
class Err:
    """An Excel error value as a result, e.g. ``Err("#N/A")``."""

    code: str


@dataclass(frozen=True)
class Spill:
    """A dynamic array result: the rows it spills, top-left at the formula cell."""

    rows: tuple


def spill(*rows) -> Spill:
    return Spill(tuple(tuple(r) if isinstance(r, (list, tuple)) else (r,) for r in rows))


@dataclass(frozen=True)
class FullSpill:
    """A whole-column (or row) reference spilled: Excel fills ``area``; ``head`` are its first values."""

    area: str
    head: tuple


#: Excel keeps the cell's value and warns (a circular reference): must be reported not computed.
NOT_COMPUTED = "not computed"


@dataclass(frozen=True)
class Case:
    family: str
    formula: str
    expected: object
    tol: float = 1e-9
    sheet: str | None = None          # own sheet and cell (circular references, full-extent spills)
    cell: str | None = None
    setup: tuple = field(default=())  # (A1, formula) written beside it on its own sheet


#: family -> its sources.
SOURCES = {
    "lookup": "Microsoft support: VLOOKUP, HLOOKUP, MATCH, XLOOKUP, XMATCH, INDEX function pages (examples, "
              "range_lookup / match_mode / search_mode remarks, wildcards); ECMA-376 §18.17.7.",
    "rounding": "Microsoft support: ROUND, ROUNDUP, ROUNDDOWN, CEILING, CEILING.MATH, CEILING.PRECISE, FLOOR, "
                "FLOOR.MATH, FLOOR.PRECISE, ISO.CEILING, MROUND, INT, TRUNC, EVEN, ODD function pages.",
    "date": "Microsoft support: DATE, EDATE, EOMONTH, DATEDIF, NETWORKDAYS(.INTL), WORKDAY(.INTL), WEEKNUM, "
            "ISOWEEKNUM, YEARFRAC, WEEKDAY pages; 'Excel incorrectly assumes that the year 1900 is a leap "
            "year' (Microsoft Learn, Office troubleshooting); ECMA-376 §18.17.4.1 (date bases).",
    "text": "Microsoft support: TEXT, VALUE, FIXED, CONCAT, TEXTJOIN, TRIM, PROPER pages; 'Number format "
            "codes' and 'Excel specifications and limits' (15 significant digits).",
    "finance": "Microsoft support: PMT, IPMT, PPMT, NPV, XNPV, IRR, XIRR, SLN, SYD, DB, DDB, VDB, FV, PV, "
               "NPER, RATE function pages (example tables).",
    "conversion": "Microsoft support: DEC2BIN, DEC2OCT, DEC2HEX, BIN2DEC, BIN2OCT, BIN2HEX, OCT2*, HEX2*, "
                  "DECIMAL, BASE pages (two's-complement remarks); ECMA-376 §18.17.7 DEC2BIN.",
    "statistics": "Microsoft support: STDEV.S, STDEV.P, VAR.S, VAR.P, PERCENTILE(.INC/.EXC), QUARTILE(.INC/"
                  ".EXC), MEDIAN, RANK.EQ, RANK.AVG, MODE.SNGL, LARGE, SMALL pages.",
    "aggregation": "Microsoft support: SUM, COUNT, COUNTA, COUNTBLANK, AVERAGE, AVERAGEA, MAX, MIN, AGGREGATE, "
                   "SUBTOTAL, SUMPRODUCT pages ('Arguments that are error values or text that cannot be "
                   "translated...' remarks).",
    "criteria": "Microsoft support: SUMIFS (example table), SUMIF, COUNTIF(S), AVERAGEIFS, MAXIFS, MINIFS "
                "pages (criteria strings, wildcards, ~ escape, blanks).",
    "circular": "Microsoft support: 'Remove or allow a circular reference' (Excel warns and the cell shows 0 "
                "/ its last value).",
    "array": "Microsoft support: FILTER, SORT, SORTBY, UNIQUE, SEQUENCE pages; 'Dynamic array formulas and "
             "spilled array behavior'; 'Excel specifications and limits' (1,048,576 rows, 16,384 columns).",
}

LK = "Lk!$A$2:$C$6"
LKA, LKB, LKC = "Lk!$A$2:$A$6", "Lk!$B$2:$B$6", "Lk!$C$2:$C$6"
TX, TXE, TXF = "Lk!$E$2:$F$7", "Lk!$E$2:$E$7", "Lk!$F$2:$F$7"
SO, SOH, SOI = "Lk!$H$2:$I$6", "Lk!$H$2:$H$6", "Lk!$I$2:$I$6"
HL = "Lk!$K$1:$M$4"
DESC, DESCR = "Lk!$Q$2:$Q$6", "Lk!$R$2:$R$6"

_lookup = [
    # VLOOKUP exact, numbers and text, unsorted, wildcards, case
    (f"=VLOOKUP(3,{LK},2,FALSE)", "three"), (f"=VLOOKUP(4,{LK},2,FALSE)", Err("#N/A")),
    (f"=VLOOKUP(8,{LK},3,FALSE)", 8.5), (f"=VLOOKUP(5,{LK},4,FALSE)", Err("#REF!")),
    (f"=VLOOKUP(5,{LK},0,FALSE)", Err("#VALUE!")), (f'=VLOOKUP("3",{LK},2,FALSE)', Err("#N/A")),
    (f"=VLOOKUP(3,{LK},2,0)", "three"),
    (f'=VLOOKUP("fig",{TX},2,FALSE)', 30.0), (f'=VLOOKUP("APPLE",{TX},2,FALSE)', 20.0),
    (f'=VLOOKUP("app*",{TX},2,FALSE)', 20.0), (f'=VLOOKUP("*pie",{TX},2,FALSE)', 50.0),
    (f'=VLOOKUP("f?g",{TX},2,FALSE)', 30.0), (f'=VLOOKUP("b?",{TX},2,FALSE)', Err("#N/A")),
    (f'=VLOOKUP("a~*b",{TX},2,FALSE)', 60.0), (f'=VLOOKUP("kiwi",{TX},2,FALSE)', Err("#N/A")),
    # VLOOKUP approximate (sorted), numbers and text
    (f"=VLOOKUP(4,{LK},2,TRUE)", "three"), (f"=VLOOKUP(4,{LK},2)", "three"), (f"=VLOOKUP(4.99,{LK},2,1)", "three"),
    (f"=VLOOKUP(8,{LK},3,TRUE)", 8.5), (f"=VLOOKUP(100,{LK},3,TRUE)", 8.5), (f"=VLOOKUP(0.5,{LK},2,TRUE)", Err("#N/A")),
    (f"=VLOOKUP(1,{LK},3,TRUE)", 1.5), (f"=VLOOKUP(2.5,{LK},3)", 2.5),
    (f'=VLOOKUP("coconut",{SO},2,TRUE)', 3.0), (f'=VLOOKUP("Aardvark",{SO},2,TRUE)', Err("#N/A")),
    (f'=VLOOKUP("zebra",{SO},2,TRUE)', 5.0), (f'=VLOOKUP("BANANA",{SO},2,TRUE)', 2.0),
    (f'=VLOOKUP("grape",{SO},2)', 4.0),
    # HLOOKUP (the support page's example table)
    (f'=HLOOKUP("Axles",{HL},2,TRUE)', 4.0), (f'=HLOOKUP("Bearings",{HL},3,FALSE)', 7.0),
    (f'=HLOOKUP("B",{HL},3,TRUE)', 5.0), (f'=HLOOKUP("Bolts",{HL},4)', 11.0),
    ('=HLOOKUP(3,{1,2,3;"a","b","c";"d","e","f"},2,TRUE)', "c"), (f'=HLOOKUP("Nuts",{HL},2,FALSE)', Err("#N/A")),
    (f'=HLOOKUP("Axles",{HL},5,FALSE)', Err("#REF!")), (f'=HLOOKUP("B*",{HL},4,FALSE)', 8.0),
    (f'=HLOOKUP("Zzz",{HL},2,TRUE)', 9.0), (f'=HLOOKUP("A",{HL},2,TRUE)', Err("#N/A")),
    # MATCH, all three types
    ("=MATCH(39,Lk!$O$2:$O$5,1)", 2.0), ("=MATCH(41,Lk!$O$2:$O$5,0)", 4.0), ("=MATCH(40,Lk!$O$2:$O$5,-1)", Err("#N/A")),
    (f"=MATCH(4,{LKA})", 3.0), (f"=MATCH(0,{LKA},1)", Err("#N/A")), (f"=MATCH(99,{LKA},1)", 5.0),
    (f"=MATCH(25,{DESC},-1)", 3.0), (f"=MATCH(60,{DESC},-1)", Err("#N/A")), (f"=MATCH(5,{DESC},-1)", 5.0),
    (f"=MATCH(40,{DESC},-1)", 2.0),
    (f'=MATCH("b*",{TXE},0)', 4.0), (f'=MATCH("FIG",{TXE},0)', 3.0), (f'=MATCH("grape",{SOH},0)', 4.0),
    (f'=MATCH("kiwi",{SOH},1)', 4.0), (f'=MATCH("kiwi",{SOH},0)', Err("#N/A")), (f'=MATCH("?ear",{TXE},0)', 1.0),
    # XLOOKUP: match modes 0, -1, 1, 2; search modes 1, -1, 2, -2
    (f"=XLOOKUP(3,{LKA},{LKB})", "three"), (f"=XLOOKUP(4,{LKA},{LKB})", Err("#N/A")),
    (f'=XLOOKUP(4,{LKA},{LKB},"none")', "none"), (f"=XLOOKUP(4,{LKA},{LKB},,-1)", "three"),
    (f"=XLOOKUP(4,{LKA},{LKB},,1)", "five"), (f"=XLOOKUP(9,{LKA},{LKB},,1)", Err("#N/A")),
    (f"=XLOOKUP(0,{LKA},{LKB},,-1)", Err("#N/A")), (f'=XLOOKUP("app*",{TXE},{TXF},,2)', 20.0),
    (f'=XLOOKUP("app*",{TXE},{TXF},,0)', Err("#N/A")), (f'=XLOOKUP("app*",{TXE},{TXF},,2,-1)', 50.0),
    (f"=XLOOKUP(5,{LKA},{LKB},,0,2)", "five"), (f"=XLOOKUP(3,{LKA},{LKC})", 3.5),
    (f'=XLOOKUP("x",{TXE},{TXF},"n/f")', "n/f"), (f"=XLOOKUP(20,{DESC},{DESCR},,0,-2)", "e20"),
    (f"=XLOOKUP(25,{DESC},{DESCR},,-1)", "e20"), (f"=XLOOKUP(25,{DESC},{DESCR},,1)", "e30"),
    (f'=XLOOKUP("PEAR",{TXE},{TXF})', 10.0), (f"=XLOOKUP(6,{LKA},{LKB},,1,2)", "eight"),
    # XMATCH
    (f"=XMATCH(3,{LKA})", 3.0), (f"=XMATCH(4,{LKA})", Err("#N/A")), (f"=XMATCH(4,{LKA},-1)", 3.0),
    (f"=XMATCH(4,{LKA},1)", 4.0), (f'=XMATCH("*e",{SOH},2)', 1.0), (f'=XMATCH("*e",{SOH},2,-1)', 4.0),
    (f"=XMATCH(20,{DESC},0,-2)", 4.0), (f"=XMATCH(25,{DESC},-1)", 4.0), (f"=XMATCH(25,{DESC},1)", 3.0),
    (f'=XMATCH("cherry",{SOH},0,2)', 3.0),
    # INDEX
    (f"=INDEX({LK},2,3)", 2.5), (f"=INDEX({LK},4,2)", "five"), (f"=INDEX({LKA},3)", 3.0),
    ("=INDEX(Lk!$A$2:$C$2,2)", "one"), (f"=INDEX({LK},6,1)", Err("#REF!")), ("=INDEX({1,2;3,4},2,1)", 3.0),
    (f"=INDEX({LK},MATCH(5,{LKA},0),2)", "five"), (f"=SUM(INDEX({LK},0,3))", 21.5),
    (f"=SUM(INDEX({LK},2,0))", 4.5), (f'=INDEX({SOI},MATCH("melon",{SOH},0))', 5.0),
    # INDEX as an end of a range (a reference), its arguments plain or defined names (lk_two = 2, lk_cell =
    # Lk!I3 holding 2, lk_keys = Lk!A2:A6, lk_dyn = the filled rows of Lk!A2:A99; Lk!A2:I3 sums to 40)
    (f"=ROWS(Lk!$A$2:INDEX({LKA},3))", 3.0), (f"=SUM(Lk!$A$2:INDEX({LKA},MAX(1,COUNTA({LKA}))))", 19.0),
    (f"=SUM(Lk!$A$2:INDEX({LKA},0))", 19.0), (f"=SUM(INDEX({LKA},2):Lk!$A$5)", 10.0),
    (f"=INDEX({LKA},lk_two)", 2.0), (f"=ROWS(Lk!$A$2:INDEX({LKA},lk_two))", 2.0),
    (f"=SUM(Lk!$A$2:INDEX({LKA},lk_cell))", 3.0), ("=ROWS(Lk!$A$2:INDEX(lk_keys,4))", 4.0),
    (f"=SUM(INDEX({LK},lk_two,1):Lk!$C$3)", 9.0), ("=SUM(INDEX(lk_keys,2):INDEX(lk_keys,4))", 10.0),
    ("=SUM(Lk!$A$2:INDEX(lk_cell,1))", 40.0), ("=ROWS(Lk!$A$2:INDEX(lk_dyn,3))", 3.0),
]

_rounding = [
    ("=ROUND(2.15,1)", 2.2), ("=ROUND(2.149,1)", 2.1), ("=ROUND(-1.475,2)", -1.48), ("=ROUND(21.5,-1)", 20.0),
    ("=ROUND(626.3,-3)", 1000.0), ("=ROUND(1.98,-1)", 0.0), ("=ROUND(-50.55,-2)", -100.0), ("=ROUND(2.5,0)", 3.0),
    ("=ROUND(-2.5,0)", -3.0), ("=ROUND(-0.5,0)", -1.0),
    ("=ROUNDUP(3.2,0)", 4.0), ("=ROUNDUP(76.9,0)", 77.0), ("=ROUNDUP(3.14159,3)", 3.142), ("=ROUNDUP(-3.14159,1)", -3.2),
    ("=ROUNDUP(31415.92654,-2)", 31500.0),
    ("=ROUNDDOWN(3.2,0)", 3.0), ("=ROUNDDOWN(76.9,0)", 76.0), ("=ROUNDDOWN(3.14159,3)", 3.141),
    ("=ROUNDDOWN(-3.14159,1)", -3.1), ("=ROUNDDOWN(31415.92654,-2)", 31400.0),
    ("=CEILING(2.5,1)", 3.0), ("=CEILING(-2.5,-2)", -4.0), ("=CEILING(-2.5,2)", -2.0), ("=CEILING(1.5,0.1)", 1.5),
    ("=CEILING(0.234,0.01)", 0.24), ("=CEILING(2.5,-1)", Err("#NUM!")), ("=CEILING(5,0)", 0.0),
    ("=CEILING(-11,2)", -10.0), ("=CEILING(4.42,0.05)", 4.45),
    ("=FLOOR(3.7,2)", 2.0), ("=FLOOR(-2.5,-2)", -2.0), ("=FLOOR(2.5,-2)", Err("#NUM!")), ("=FLOOR(1.58,0.1)", 1.5),
    ("=FLOOR(0.234,0.01)", 0.23), ("=FLOOR(-2.5,2)", -4.0), ("=FLOOR(5,0)", Err("#DIV/0!")), ("=FLOOR(-11,2)", -12.0),
    ("=CEILING.MATH(24.3,5)", 25.0), ("=CEILING.MATH(6.7)", 7.0), ("=CEILING.MATH(-8.1,2)", -8.0),
    ("=CEILING.MATH(-5.5,2,-1)", -6.0), ("=CEILING.MATH(-5.5,-2)", -4.0), ("=CEILING.MATH(5.5,-2)", 6.0),
    ("=FLOOR.MATH(24.3,5)", 20.0), ("=FLOOR.MATH(6.7)", 6.0), ("=FLOOR.MATH(-8.1,2)", -10.0),
    ("=FLOOR.MATH(-5.5,2,-1)", -4.0), ("=FLOOR.MATH(-5.5,-2)", -6.0),
    ("=CEILING.PRECISE(4.3)", 5.0), ("=CEILING.PRECISE(-4.3)", -4.0), ("=CEILING.PRECISE(4.3,2)", 6.0),
    ("=CEILING.PRECISE(4.3,-2)", 6.0), ("=CEILING.PRECISE(-4.3,2)", -4.0), ("=CEILING.PRECISE(-4.3,-2)", -4.0),
    ("=FLOOR.PRECISE(-3.2,-1)", -4.0), ("=FLOOR.PRECISE(3.2,1)", 3.0), ("=FLOOR.PRECISE(-3.2,1)", -4.0),
    ("=FLOOR.PRECISE(3.2,-1)", 3.0), ("=FLOOR.PRECISE(3.2)", 3.0), ("=ISO.CEILING(-4.3,2)", -4.0),
    ("=MROUND(10,3)", 9.0), ("=MROUND(-10,-3)", -9.0), ("=MROUND(1.3,0.2)", 1.4), ("=MROUND(5,-2)", Err("#NUM!")),
    ("=MROUND(-10,3)", Err("#NUM!")), ("=MROUND(5,0)", 0.0), ("=MROUND(7.5,5)", 10.0),
    ("=INT(8.9)", 8.0), ("=INT(-8.9)", -9.0), ("=INT(-0.5)", -1.0),
    ("=TRUNC(8.9)", 8.0), ("=TRUNC(-8.9)", -8.0), ("=TRUNC(0.45)", 0.0), ("=TRUNC(-4.567,2)", -4.56),
    ("=TRUNC(1234.5,-2)", 1200.0),
    ("=EVEN(1.5)", 2.0), ("=EVEN(3)", 4.0), ("=EVEN(-1)", -2.0), ("=ODD(1.5)", 3.0), ("=ODD(-2)", -3.0),
]

_date = [
    ("=DATE(2008,1,2)", 39449.0), ("=DATE(2024,14,1)", d(2025, 2, 1)), ("=DATE(2024,1,0)", d(2023, 12, 31)),
    ("=DATE(2024,-1,1)", d(2023, 11, 1)), ("=DATE(108,1,2)", 39449.0), ("=DATE(1900,2,29)", 60.0),
    ("=DATE(1900,3,1)", 61.0), ("=DATE(1900,1,1)", 1.0), ("=DATE(1899,12,31)", 693962.0),
    ("=DATE(10000,1,1)", Err("#NUM!")), ("=DATE(-1,1,1)", Err("#NUM!")), ("=DATE(1900,1,0)", 0.0),
    ("=DATE(1900,1,-1)", Err("#NUM!")), ("=DATE(9999,12,31)", 2958465.0),
    ("=EDATE(DATE(2011,1,15),1)", 40589.0), ("=EDATE(DATE(2011,1,15),-1)", 40527.0),
    ("=EDATE(DATE(2011,1,15),2)", 40617.0), ("=EDATE(DATE(2024,1,31),1)", d(2024, 2, 29)),
    ("=EDATE(DATE(2023,3,31),-1)", d(2023, 2, 28)), ("=EDATE(-1,1)", Err("#NUM!")),
    ("=EDATE(DATE(2024,1,31),1.9)", d(2024, 2, 29)), ("=EDATE(DATE(9999,12,1),1)", Err("#NUM!")),
    ("=EOMONTH(DATE(2011,1,1),1)", 40602.0), ("=EOMONTH(DATE(2011,1,1),-3)", 40482.0),
    ("=EOMONTH(DATE(2024,2,10),0)", d(2024, 2, 29)), ("=EOMONTH(-1,0)", Err("#NUM!")),
    ("=EOMONTH(DATE(2024,1,15),-1.5)", d(2023, 12, 31)), ("=EOMONTH(DATE(9999,12,1),1)", Err("#NUM!")),
    ('=DATEDIF(DATE(2001,1,1),DATE(2003,1,1),"Y")', 2.0), ('=DATEDIF(DATE(2001,6,1),DATE(2002,8,15),"D")', 440.0),
    ('=DATEDIF(DATE(2001,6,1),DATE(2002,8,15),"YD")', 75.0), ('=DATEDIF(DATE(2001,6,1),DATE(2002,8,15),"MD")', 14.0),
    ('=DATEDIF(DATE(2001,6,1),DATE(2002,8,15),"M")', 14.0), ('=DATEDIF(DATE(2001,6,1),DATE(2002,8,15),"YM")', 2.0),
    ('=DATEDIF(DATE(2003,1,1),DATE(2001,1,1),"Y")', Err("#NUM!")),
    ('=DATEDIF(DATE(2001,1,1),DATE(2003,1,1),"X")', Err("#NUM!")),
    ('=DATEDIF(DATE(2001,6,1),DATE(2002,8,15),"ym")', 2.0), ('=DATEDIF(DATE(2024,1,31),DATE(2024,2,29),"M")', 0.0),
    ("=NETWORKDAYS(DATE(2012,10,1),DATE(2013,3,1))", 110.0),
    ("=NETWORKDAYS(DATE(2012,10,1),DATE(2013,3,1),Dt!$A$2)", 109.0),
    ("=NETWORKDAYS(DATE(2012,10,1),DATE(2013,3,1),Dt!$A$2:$A$4)", 107.0),
    ("=NETWORKDAYS(DATE(2013,3,1),DATE(2012,10,1))", -110.0),
    ("=NETWORKDAYS(DATE(2024,1,6),DATE(2024,1,7))", 0.0),
    ("=NETWORKDAYS.INTL(DATE(2006,1,1),DATE(2006,1,31))", 22.0),
    ("=NETWORKDAYS.INTL(DATE(2006,2,28),DATE(2006,1,31))", -21.0),
    ('=NETWORKDAYS.INTL(DATE(2006,1,1),DATE(2006,2,1),7,{"2006/1/2","2006/1/16"})', 22.0),
    ('=NETWORKDAYS.INTL(DATE(2006,1,1),DATE(2006,2,1),"0010001",{"2006/1/2","2006/1/16"})', 20.0),
    ("=WORKDAY(DATE(2008,10,1),151)", 39933.0), ("=WORKDAY(DATE(2008,10,1),151,Dt!$B$2:$B$4)", 39938.0),
    ("=WORKDAY(DATE(2024,1,6),0)", d(2024, 1, 6)), ("=WORKDAY(DATE(2024,1,8),-1)", d(2024, 1, 5)),
    ("=WORKDAY(DATE(2024,1,5),1)", d(2024, 1, 8)),
    ("=WORKDAY.INTL(DATE(2012,1,1),30,0)", Err("#NUM!")), ("=WORKDAY.INTL(DATE(2012,1,1),90,11)", 41013.0),
    ("=WORKDAY.INTL(DATE(2012,1,1),30,17)", 40944.0),
    ("=WEEKNUM(DATE(2012,3,9))", 10.0), ("=WEEKNUM(DATE(2012,3,9),2)", 11.0), ("=WEEKNUM(DATE(2024,1,1),21)", 1.0),
    ("=WEEKNUM(DATE(2021,1,1),21)", 53.0), ("=WEEKNUM(DATE(2024,12,31))", 53.0), ("=WEEKNUM(DATE(2024,1,1),3)", Err("#NUM!")),
    ("=WEEKNUM(DATE(2023,1,1),11)", 1.0), ("=WEEKNUM(DATE(2023,1,2),11)", 2.0),
    ("=ISOWEEKNUM(DATE(2012,3,9))", 10.0), ("=ISOWEEKNUM(DATE(2021,1,1))", 53.0),
    ("=ISOWEEKNUM(DATE(2024,12,30))", 1.0), ("=ISOWEEKNUM(DATE(2026,1,1))", 1.0),
    ("=YEARFRAC(DATE(2012,1,1),DATE(2012,7,30))", 0.58055556, 5e-9),
    ("=YEARFRAC(DATE(2012,1,1),DATE(2012,7,30),1)", 0.57650273, 5e-9),
    ("=YEARFRAC(DATE(2012,1,1),DATE(2012,7,30),3)", 0.57808219, 5e-9),
    ("=YEARFRAC(DATE(2012,1,1),DATE(2012,7,30),2)", 211 / 360),
    ("=YEARFRAC(DATE(2012,7,30),DATE(2012,1,1))", 0.58055556, 5e-9),
    ("=YEARFRAC(DATE(2012,1,1),DATE(2012,7,30),5)", Err("#NUM!")), ("=YEARFRAC(-1,1)", Err("#NUM!")),
    ("=YEARFRAC(DATE(2024,1,1),DATE(2025,1,1),1)", 1.0),
    ("=DAY(60)", 29.0), ("=MONTH(60)", 2.0), ("=DATE(1900,2,28)+1", 60.0), ('=TEXT(60,"yyyy-mm-dd")', "1900-02-29"),
    ("=WEEKDAY(1)", 1.0), ("=WEEKDAY(60)", 4.0), ("=WEEKDAY(61)", 5.0), ("=DAYS(DATE(1900,3,1),DATE(1900,2,28))", 2.0),
    ("=YEAR(0)", 1900.0), ("=DAY(0)", 0.0), ("=MONTH(0)", 1.0), ("=DAY(-1)", Err("#NUM!")),
    ("=WEEKDAY(DATE(2024,3,5))", 3.0), ("=WEEKDAY(DATE(2024,3,5),2)", 2.0), ("=WEEKDAY(DATE(2024,3,5),3)", 1.0),
    ("=YEAR(DATE(2024,12,31)+1)", 2025.0), ("=DAYS(DATE(2024,3,1),DATE(2024,2,1))", 29.0),
]

_text = [
    ('=TEXT(1234.567,"$#,##0.00")', "$1,234.57"), ('=TEXT(0.285,"0.0%")', "28.5%"),
    ('=TEXT(DATE(2024,3,5),"dd.mm.yyyy")', "05.03.2024"), ('=TEXT(DATE(2024,3,5),"mmmm d, yyyy")', "March 5, 2024"),
    ('=TEXT(DATE(2024,3,5),"ddd")', "Tue"), ('=TEXT(DATE(2024,3,5),"dddd")', "Tuesday"),
    ('=TEXT(1234.5,"0")', "1235"), ('=TEXT(-1234.5,"#,##0.00")', "-1,234.50"), ('=TEXT(-5,"0;(0)")', "(5)"),
    ('=TEXT(0,"0;-0;""zero""")', "zero"), ('=TEXT(0.5,"h:mm")', "12:00"), ('=TEXT(1.25,"[h]:mm")', "30:00"),
    ('=TEXT(12,"000")', "012"), ('=TEXT(1234567,"#,##0,")', "1,235"), ('=TEXT(1234.5678,"0.00E+00")', "1.23E+03"),
    ('=TEXT(2.5,"0")', "3"), ('=TEXT(-2.5,"0")', "-3"), ('=TEXT(44927,"yyyy-mm-dd")', "2023-01-01"),
    ('=TEXT(0.999999,"0.00")', "1.00"), ('=TEXT(1234.5,"General")', "1234.5"), ('=TEXT(DATE(2024,3,5),"mmm")', "Mar"),
    ('=TEXT(0.75,"0%")', "75%"), ('=TEXT(DATE(2024,3,5)+0.75,"hh:mm:ss")', "18:00:00"),
    ('=TEXT(1234.5,"#,##0.0")', "1,234.5"), ('=TEXT(5,"00.00")', "05.00"),
    ('=VALUE("$1,000")', 1000.0), ('=VALUE("16:48:00")-VALUE("12:00:00")', 0.2), ('=VALUE(" 12 ")', 12.0),
    ('=VALUE("1e3")', 1000.0), ('=VALUE("abc")', Err("#VALUE!")), ('=VALUE("50%")', 0.5), ('=VALUE("(100)")', -100.0),
    ('=VALUE("-1.5")', -1.5),
    ("=FIXED(1234.567,1)", "1,234.6"), ("=FIXED(1234.567,-1)", "1,230"), ("=FIXED(-1234.567,-1,TRUE)", "-1230"),
    ("=FIXED(44.332)", "44.33"), ("=FIXED(1234.5,0)", "1,235"), ("=FIXED(1234567.891,2,TRUE)", "1234567.89"),
    ('=CONCAT("a","b","c")', "abc"), ("=CONCAT(Lk!$H$2:$H$4)", "applebananacherry"), ("=CONCAT(1,TRUE)", "1TRUE"),
    ('=CONCAT(1.5,"x")', "1.5x"), ('=CONCAT(Ag!$A$4,"x")', "x"), ("=CONCAT(0.1+0.2)", "0.3"),
    ('=CONCATENATE("a",1,"b")', "a1b"),
    ('=TEXTJOIN(", ",TRUE,"a","","b")', "a, b"), ('=TEXTJOIN(", ",FALSE,"a","","b")', "a, , b"),
    ('=TEXTJOIN("-",TRUE,Lk!$H$2:$H$4)', "apple-banana-cherry"), ('=TEXTJOIN("",TRUE,1,2,3)', "123"),
    ('=TEXTJOIN(",",TRUE,0.1+0.2)', "0.3"), ('=TEXTJOIN(",",TRUE,Ag!$A$2:$A$5)', "10,5,TRUE"),
    ('=TEXTJOIN(",",FALSE,Ag!$A$2:$A$5)', "10,5,,TRUE"),
    ('="x"&(1/3)', "x0.333333333333333"), ('="a"&1E+20', "a1E+20"), ('="a"&TRUE', "aTRUE"), ("=LEN(1/3)", 17.0),
    ('="n"&123456789012', "n123456789012"), ('="n"&-0.5', "n-0.5"),
    ('=TRIM("  a  b ")', "a b"), ('=PROPER("this is a TITLE")', "This Is A Title"), ('=UPPER("abc")', "ABC"),
    ('=MID("Fluid Flow",7,20)', "Flow"), ('=SUBSTITUTE("Quarter 1, 2011","1","2",3)', "Quarter 1, 2012"),
    ('=LEFT("Sale Price",4)', "Sale"), ('=RIGHT("Sale Price",5)', "Price"), ('=LEN("Phoenix, AZ")', 11.0),
]

_finance = [
    ("=PMT(0.08/12,10,10000)", -1037.03, 0.005), ("=PMT(0.08/12,10,10000,0,1)", -1030.16, 0.005),
    ("=PMT(0.06/12,18*12,0,50000)", -129.08, 0.005), ("=PMT(0,10,1000)", -100.0),
    ("=IPMT(0.1/12,1,3*12,8000)", -66.67, 0.005), ("=IPMT(0.1,3,3,8000)", -292.45, 0.005),
    ("=IPMT(0.1,4,3,8000)", Err("#NUM!")), ("=PPMT(0.1/12,1,24,2000)", -75.62, 0.005),
    ("=PPMT(0.08,10,10,200000)", -27598.05, 0.005),
    ("=NPV(0.1,-10000,3000,4200,6800)", 1188.44, 0.005), ("=NPV(0.08,Fn!$F$2:$F$6)-40000", 1922.06, 0.005),
    ("=NPV(0.08,Fn!$F$2:$F$6,-9000)-40000", -3749.47, 0.005),
    ("=XNPV(0.09,Fn!$A$2:$A$6,Fn!$B$2:$B$6)", 2086.65, 0.005),
    ("=XIRR(Fn!$A$2:$A$6,Fn!$B$2:$B$6,0.1)", 0.373362535, 5e-9), ("=XIRR(Fn!$A$2:$A$6,Fn!$B$2:$B$6)", 0.373362535, 5e-9),
    ("=IRR(Fn!$D$2:$D$6)", -0.021244848, 5e-7), ("=IRR(Fn!$D$2:$D$7)", 0.086630948, 5e-9),
    ("=IRR(Fn!$D$2:$D$4,-0.1)", -0.443506941, 5e-9), ("=IRR({1,2,3})", Err("#NUM!")),
    ("=SLN(30000,7500,10)", 2250.0), ("=SYD(30000,7500,10,1)", 4090.91, 0.005), ("=SYD(30000,7500,10,10)", 409.09, 0.005),
    ("=DB(1000000,100000,6,1,7)", 186083.33, 0.005), ("=DB(1000000,100000,6,2,7)", 259639.42, 0.005),
    ("=DB(1000000,100000,6,3,7)", 176814.44, 0.005), ("=DB(1000000,100000,6,4,7)", 120410.64, 0.005),
    ("=DB(1000000,100000,6,5,7)", 81999.64, 0.005), ("=DB(1000000,100000,6,6,7)", 55841.76, 0.005),
    ("=DB(1000000,100000,6,7,7)", 15845.10, 0.005),
    ("=DDB(2400,300,10*365,1)", 1.32, 0.005), ("=DDB(2400,300,10*12,1,2)", 40.0), ("=DDB(2400,300,10,1,2)", 480.0),
    ("=DDB(2400,300,10,2,1.5)", 306.0), ("=DDB(2400,300,10,10)", 22.12, 0.005),
    ("=VDB(2400,300,10*365,0,1)", 1.32, 0.005), ("=VDB(2400,300,10*12,0,1)", 40.0), ("=VDB(2400,300,10,0,1)", 480.0),
    ("=VDB(2400,300,10*12,6,18)", 396.31, 0.005), ("=VDB(2400,300,10*12,6,18,1.5)", 311.81, 0.005),
    ("=VDB(2400,300,10,0,0.875,1.5)", 315.0),
    ("=FV(0.06/12,10,-200,-500,1)", 2581.40, 0.005), ("=FV(0.12/12,12,-1000)", 12682.50, 0.005),
    ("=PV(0.08/12,12*20,500,,0)", -59777.15, 0.005), ("=NPER(0.12/12,-100,-1000,10000,1)", 59.6738657, 5e-8),
    ("=RATE(4*12,-200,8000)", 0.00770147, 5e-9),
]

_conversion = [
    ("=DEC2BIN(9,4)", "1001"), ("=DEC2BIN(-100)", "1110011100"), ("=DEC2BIN(512)", Err("#NUM!")),
    ("=DEC2BIN(-513)", Err("#NUM!")), ("=DEC2BIN(511)", "111111111"), ("=DEC2BIN(9,2)", Err("#NUM!")),
    ("=DEC2BIN(-1)", "1111111111"), ("=DEC2BIN(9.7)", "1001"), ("=DEC2BIN(-512)", "1000000000"),
    ("=DEC2BIN(-100,4)", "1110011100"),
    ("=DEC2OCT(58,3)", "072"), ("=DEC2OCT(-100)", "7777777634"), ("=DEC2OCT(-1)", "7777777777"),
    ("=DEC2HEX(100,4)", "0064"), ("=DEC2HEX(-54)", "FFFFFFFFCA"), ("=DEC2HEX(28)", "1C"), ("=DEC2HEX(64,1)", Err("#NUM!")),
    ("=DEC2HEX(-1)", "FFFFFFFFFF"), ("=DEC2HEX(-549755813888)", "8000000000"), ("=DEC2HEX(549755813888)", Err("#NUM!")),
    ("=BIN2DEC(1100100)", 100.0), ("=BIN2DEC(1111111111)", -1.0), ('=BIN2DEC("1000000000")', -512.0),
    ("=BIN2DEC(12)", Err("#NUM!")), ("=BIN2HEX(11111011,4)", "00FB"), ("=BIN2HEX(1110)", "E"),
    ("=BIN2HEX(1111111111)", "FFFFFFFFFF"), ("=BIN2OCT(1001,3)", "011"), ("=BIN2OCT(1111111111)", "7777777777"),
    ('=HEX2DEC("A5")', 165.0), ('=HEX2DEC("FFFFFFFF5B")', -165.0), ('=HEX2DEC("3DA408B9")', 1034160313.0),
    ('=HEX2BIN("F",8)', "00001111"), ('=HEX2BIN("B7")', "10110111"), ('=HEX2BIN("FFFFFFFFFF")', "1111111111"),
    ('=HEX2OCT("F",3)', "017"), ('=HEX2OCT("FFFFFFFF00")', "7777777400"),
    ("=OCT2DEC(54)", 44.0), ("=OCT2DEC(7777777533)", -165.0), ("=OCT2BIN(3,3)", "011"),
    ("=OCT2BIN(7777777000)", "1000000000"), ("=OCT2HEX(100,4)", "0040"), ("=OCT2HEX(7777777533)", "FFFFFFFF5B"),
    ('=DECIMAL("FF",16)', 255.0), ("=BASE(7,2)", "111"), ("=BASE(15,2,10)", "0000001111"), ("=BASE(-1,2)", Err("#NUM!")),
]

ST = "St!$A$2:$A$11"
_statistics = [
    (f"=STDEV.S({ST})", 27.46391572, 5e-9), (f"=STDEV.P({ST})", 26.05455814, 5e-9), (f"=STDEV({ST})", 27.46391572, 5e-9),
    (f"=STDEVP({ST})", 26.05455814, 5e-9), (f"=VAR.S({ST})", 754.2666667, 5e-8), (f"=VAR.P({ST})", 678.84, 1e-9),
    ("=STDEV.S(5)", Err("#DIV/0!")), ("=STDEV.P(5)", 0.0), ("=STDEV.P(St!$G$2:$G$8)", 1.118033989, 5e-9),
    ("=PERCENTILE({1,3,2,4},0.3)", 1.9), ("=PERCENTILE.INC({1,3,2,4},0.3)", 1.9),
    ("=PERCENTILE.EXC({1,2,3,6,6,6,7,8,9},0.25)", 2.5), ("=PERCENTILE.EXC({1,2,3,6,6,6,7,8,9},0)", Err("#NUM!")),
    ("=PERCENTILE.EXC({1,2,3,6,6,6,7,8,9},0.01)", Err("#NUM!")), ("=PERCENTILE({1,2,3},1.1)", Err("#NUM!")),
    ("=PERCENTILE.INC({1,2,3,4},1)", 4.0),
    ("=QUARTILE({1,2,4,7,8,9,10,12},1)", 3.5), ("=QUARTILE.INC({1,2,4,7,8,9,10,12},3)", 9.25),
    ("=QUARTILE.EXC({6,7,15,36,39,40,41,42,43,47,49},1)", 15.0), ("=QUARTILE.EXC({6,7,15,36,39,40,41,42,43,47,49},3)", 43.0),
    ("=QUARTILE({1,2,4,7,8,9,10,12},5)", Err("#NUM!")), ("=QUARTILE({1,2,4,7,8,9,10,12},0)", 1.0),
    ("=QUARTILE({1,2,4,7,8,9,10,12},4)", 12.0),
    ("=MEDIAN({1,2,3,4,5})", 3.0), ("=MEDIAN({1,2,3,4,5,6})", 3.5), ("=MEDIAN(St!$G$2:$G$8)", 2.5),
    ("=MEDIAN(St!$C$2:$C$6)", 3.5),
    ("=RANK.EQ(7,St!$C$2:$C$6)", 1.0), ("=RANK.EQ(2,St!$C$2:$C$6,1)", 2.0), ("=RANK.EQ(3.5,St!$C$2:$C$6,1)", 3.0),
    ("=RANK.EQ(3.5,St!$C$2:$C$6)", 2.0), ("=RANK(3.5,St!$C$2:$C$6)", 2.0), ("=RANK.EQ(99,St!$C$2:$C$6)", Err("#N/A")),
    ("=RANK.AVG(94,St!$E$2:$E$8)", 4.0), ("=RANK.AVG(3.5,St!$C$2:$C$6)", 2.5),
    ("=MODE.SNGL({5.6,4,4,3,2,4})", 4.0), ("=LARGE({3,5,3,5,4},3)", 4.0), ("=SMALL({3,5,3,5,4},4)", 5.0),
    ("=LARGE({1,2},3)", Err("#NUM!")), (f"=AVERAGE({ST})", 1328.6), (f"=MAX({ST})-MIN({ST})", 71.0),
]

AG, AGE = "Ag!$A$2:$A$7", "Ag!$B$2:$B$4"
_aggregation = [
    (f"=SUM({AG})", 30.0), (f"=COUNT({AG})", 3.0), (f"=COUNTA({AG})", 5.0), (f"=COUNTBLANK({AG})", 1.0),
    (f"=AVERAGE({AG})", 10.0), (f"=AVERAGEA({AG})", 6.2), (f"=MAX({AG})", 20.0), (f"=MIN({AG})", 0.0),
    (f"=MAXA({AG})", 20.0), ("=PRODUCT(Ag!$A$2:$A$6)", 200.0), (f"=SUMSQ({AG})", 500.0),
    ('=SUM(10,"5",TRUE)', 16.0), ('=COUNT(10,"5",TRUE)', 3.0), ('=AVERAGE(10,"5",TRUE)', 16 / 3),
    ('=SUM("abc",1)', Err("#VALUE!")), ('=COUNTA(10,"",TRUE)', 3.0), ("=MAX(-1,TRUE)", 1.0),
    (f"=SUM({AGE})", Err("#N/A")), (f"=AGGREGATE(9,6,{AGE})", 4.0), (f"=IFERROR(SUM({AGE}),-1)", -1.0),
    (f"=COUNT({AGE})", 2.0), (f"=COUNTA({AGE})", 3.0), (f"=SUMPRODUCT(ISNUMBER({AGE})*1)", 2.0),
    (f"=MAX({AGE})", Err("#N/A")), (f"=AGGREGATE(4,6,{AGE})", 3.0), (f"=AGGREGATE(14,6,{AGE},1)", 3.0),
    (f"=SUBTOTAL(9,{AG})", 30.0), (f'=COUNTIF({AGE},"#N/A")', 1.0), (f"=SUMIF({AGE},\">0\")", 4.0),
    ("=SUMPRODUCT({1,2},{3,4})", 11.0), (f"=SUMPRODUCT({AG},{AG})", 500.0),
    ("=Ag!$A$4+1", 1.0), ('=Ag!$A$4&"x"', "x"), ("=Ag!$A$4", 0.0), ('="5"+1', 6.0), ('="a"+1', Err("#VALUE!")),
    ("=TRUE+1", 2.0), ("=Ag!$A$3*2", 10.0), ("=Ag!$A$5*2", 2.0), ("=1/0", Err("#DIV/0!")),
    ("=ISBLANK(Ag!$A$4)", True), ("=ISTEXT(Ag!$A$3)", True), ("=N(Ag!$A$3)", 0.0),
]

CA, CB, CC = "Cr!$A$2:$A$9", "Cr!$B$2:$B$9", "Cr!$C$2:$C$9"
CE = "Cr!$E$2:$E$5"
_criteria = [
    (f'=SUMIFS({CA},{CB},"=A*",{CC},"Tom")', 20.0), (f'=SUMIFS({CA},{CB},"<>Bananas",{CC},"Tom")', 30.0),
    (f'=COUNTIFS({CB},"Apples")', 2.0), (f'=COUNTIFS({CA},">10")', 4.0), (f'=COUNTIFS({CA},">=10",{CA},"<=15")', 3.0),
    (f'=AVERAGEIFS({CA},{CC},"Sarah")', 13.0), (f'=MAXIFS({CA},{CC},"Tom")', 22.0), (f'=MINIFS({CA},{CC},"Sarah")', 3.0),
    (f'=SUMIF({CB},"*o*",{CA})', 61.0), (f'=SUMIF({CA},">"&10)', 82.0), (f'=COUNTIF({CB},"?????s")', 2.0),
    (f'=COUNTIF({CB},"apples")', 2.0), (f'=COUNTIFS({CC},"<>Tom")', 4.0), (f'=COUNTIF({CA},"<>5")', 7.0),
    (f'=COUNTIF({CA},"10")', 1.0), (f"=COUNTIF({CA},10)", 1.0), (f'=COUNTIF({CB},"<B")', 4.0),
    (f'=SUMIFS({CA},{CB},"Carrots",{CC},"Sarah")', 33.0), (f'=AVERAGEIFS({CA},{CB},"Kiwi")', Err("#DIV/0!")),
    (f'=COUNTIF({CE},"")', 1.0), (f'=COUNTIF({CE},"<>")', 3.0), (f'=COUNTIF({CE},"*")', 2.0),
    (f'=COUNTIF({CE},"=")', 1.0), (f"=COUNTIF({CE},0)", 1.0), (f'=COUNTIF({CB},"~*")', 0.0),
    (f'=SUMIFS({CA},{CB},"*s")', 104.0), (f'=COUNTIF({CA},">=22")', 2.0), (f'=SUMIF({CB},"Apples")', 0.0),
    (f'=SUMIF({CB},"Apples",{CA})', 9.0), (f'=COUNTIF({CA},"<"&Cr!$G$2)', 3.0), (f'=SUMIF({CA},"<="&Cr!$G$2)', 22.0),
    (f'=AVERAGEIF({CB},"B*",{CA})', 17.0), (f'=COUNTIFS({CB},"A*",{CC},"Sarah")', 2.0),
    (f'=SUMIFS({CA},{CA},">"&5,{CA},"<"&20)', 37.0), (f'=COUNTIF({CA},"=15")', 1.0),
    (f'=MAXIFS({CA},{CB},"Kiwi")', 0.0), (f'=SUMIFS({CA},{CC},"t?m")', 52.0), (f'=COUNTIF({CA},">=1E1")', 5.0),
]

_circular = [
    Case("circular", "=B1+1", NOT_COMPUTED, sheet="Circ", cell="A1", setup=(("B1", "=A1+1"),)),
    Case("circular", "=C2", NOT_COMPUTED, sheet="Circ", cell="C2"),
    Case("circular", "=SUM(D1:D3)", NOT_COMPUTED, sheet="Circ", cell="D3"),
]

_arrays = [
    ("=SEQUENCE(3)", spill(1.0, 2.0, 3.0)), ("=SEQUENCE(2,3)", spill((1.0, 2.0, 3.0), (4.0, 5.0, 6.0))),
    ("=SEQUENCE(2,2,10,-2)", spill((10.0, 8.0), (6.0, 4.0))), ("=SEQUENCE(1,3,0,0.5)", spill((0.0, 0.5, 1.0))),
    ("=SORT({3;1;2})", spill(1.0, 2.0, 3.0)), ("=SORT({3;1;2},1,-1)", spill(3.0, 2.0, 1.0)),
    (f"=SORT({TXE})", spill("a*b", "apple", "apple pie", "banana", "fig", "pear")),
    (f"=SORT({LK},3,-1)", spill((8.0, "eight", 8.5), (5.0, "five", 5.5), (3.0, "three", 3.5), (2.0, "two", 2.5),
                                (1.0, "one", 1.5))),
    ("=SORTBY({\"a\";\"b\";\"c\"},{3;1;2})", spill("b", "c", "a")),
    ("=UNIQUE({1;2;1;3;2})", spill(1.0, 2.0, 3.0)), ('=UNIQUE({"a";"A";"b"})', spill("a", "b")),
    ("=UNIQUE({1;2;1;3},,TRUE)", spill(2.0, 3.0)), (f"=UNIQUE({CB})", spill("Apples", "Artichokes", "Bananas", "Carrots")),
    (f'=FILTER({CA},{CC}="Tom")', spill(5.0, 15.0, 22.0, 10.0)), (f'=FILTER({CA},{CC}="Bob","none")', "none"),
    (f'=FILTER({CA},{CC}="Bob")', Err("#CALC!")),
    ("=FILTER(Cr!$A$2:$C$9,Cr!$A$2:$A$9>20)", spill((22.0, "Bananas", "Tom"), (33.0, "Carrots", "Sarah"))),
    ("=SUM(Cr!A:A)", 104.0), ("=COUNTA(Cr!B:B)", 9.0), ("=ROWS(Cr!A:A)", 1048576.0), ("=COLUMNS(Cr!1:1)", 16384.0),
    ("=FILTER(Cr!A:A,Cr!A:A>20)", spill("Qty", 22.0, 33.0)),
    ("=SORT(FILTER(Cr!A:A,ISNUMBER(Cr!A:A)),,-1)", spill(33.0, 22.0, 15.0, 12.0, 10.0, 5.0, 4.0, 3.0)),
    ("=MAX(Cr!A:A)", 33.0), ("=XLOOKUP(33,Cr!A:A,Cr!B:B)", "Carrots"), ('=VLOOKUP("Bananas",Cr!B:C,2,FALSE)', "Tom"),
    ("=MATCH(22,Cr!A:A,0)", 6.0), ('=SUMIFS(Cr!A:A,Cr!C:C,"Tom")', 52.0), ('=COUNTIF(Cr!2:2,">0")', 2.0),
    ("=SUM(SEQUENCE(10))", 55.0), ("=ROWS(UNIQUE(Cr!B2:B9))", 4.0),
    ("=XLOOKUP(3,Lk!$A$2:$A$6,Lk!$A$2:$C$6)", spill((3.0, "three", 3.5))),
    ("=INDEX({1,2;3,4},0,2)", spill(2.0, 4.0)), ("=Lk!$A$2:$A$4*2", spill(2.0, 4.0, 6.0)),
]

_whole = [
    Case("array", "=Cr!A:A", FullSpill("A1:A1048576", ("Qty", 5.0, 4.0)), sheet="Whole", cell="A1"),
    Case("array", "=Cr!1:1", FullSpill("A1:XFD1", ("Qty", "Product", "Person")), sheet="WholeRow", cell="A1"),
    Case("array", "=Cr!B:B&\"\"", FullSpill("A1:A1048576", ("Product", "Apples", "Apples")), sheet="WholeText", cell="A1"),
]


def _cases(family: str, rows) -> list[Case]:
    return [Case(family, *row) for row in rows]


CASES: list[Case] = (
    _cases("lookup", _lookup) + _cases("rounding", _rounding) + _cases("date", _date) + _cases("text", _text)
    + _cases("finance", _finance) + _cases("conversion", _conversion) + _cases("statistics", _statistics)
    + _cases("aggregation", _aggregation) + _cases("criteria", _criteria) + _circular + _cases("array", _arrays)
    + _whole
)
