"""Each formula of conformance_cases.py, recalculated by kam_xl in one workbook, gives Excel's documented result
or is reported not computed and keeps its previous value; the families where formualizer 0.13 differs from Excel
come out of `kam-xl recalc` with Excel's values or untouched."""

from __future__ import annotations

import json
import re
import zipfile

import openpyxl
import pytest
import xlsxwriter

import conformance_book as book
from conformance_cases import CASES, SOURCES
from kam_xl.cli import main
from kam_xl.recalc import recalculate

PLACED = book.place()

#: The cases left to Excel (reported not computed), each a divergence docs/engine-gaps.md names.
LEFT_TO_EXCEL = {
    "=XLOOKUP(4,Lk!$A$2:$A$6,Lk!$B$2:$B$6,,-1)", "=XLOOKUP(4,Lk!$A$2:$A$6,Lk!$B$2:$B$6,,1)",
    "=XLOOKUP(9,Lk!$A$2:$A$6,Lk!$B$2:$B$6,,1)", "=XLOOKUP(0,Lk!$A$2:$A$6,Lk!$B$2:$B$6,,-1)",
    "=XLOOKUP(25,Lk!$Q$2:$Q$6,Lk!$R$2:$R$6,,-1)", "=XLOOKUP(25,Lk!$Q$2:$Q$6,Lk!$R$2:$R$6,,1)",
    "=XLOOKUP(6,Lk!$A$2:$A$6,Lk!$B$2:$B$6,,1,2)",
    "=NETWORKDAYS(DATE(2012,10,1),DATE(2013,3,1),Dt!$A$2)",
    '=NETWORKDAYS.INTL(DATE(2006,1,1),DATE(2006,2,1),7,{"2006/1/2","2006/1/16"})',
    '=NETWORKDAYS.INTL(DATE(2006,1,1),DATE(2006,2,1),"0010001",{"2006/1/2","2006/1/16"})',
    '=TEXT(1234.5678,"0.00E+00")', '=VALUE("abc")', "=CONCAT(0.1+0.2)", '=TEXTJOIN(",",TRUE,0.1+0.2)',
    '="x"&(1/3)', '="a"&1E+20', "=AGGREGATE(14,6,Ag!$B$2:$B$4,1)", '=COUNTIF(Ag!$B$2:$B$4,"#N/A")',
    "=B1+1", "=C2", "=SUM(D1:D3)", "=SORT(FILTER(Cr!A:A,ISNUMBER(Cr!A:A)),,-1)", "=Cr!A:A", "=Cr!1:1",
    '=Cr!B:B&""', "=ROWS(Lk!$A$2:INDEX(Lk!$A$2:$A$6,lk_two))", "=SUM(Lk!$A$2:INDEX(Lk!$A$2:$A$6,lk_cell))",
    "=ROWS(Lk!$A$2:INDEX(lk_dyn,3))", "=SUM(INDEX(Lk!$A$2:$C$6,lk_two,1):Lk!$C$3)",
}


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory):
    path = book.write(tmp_path_factory.mktemp("conformance") / "conformance.xlsx", PLACED)
    return recalculate(path)


def test_the_suite_holds_at_least_400_cases_each_family_with_its_source():
    assert len(CASES) >= 400
    assert {c.family for c in CASES} == set(SOURCES)


@pytest.mark.parametrize("placed", PLACED, ids=[f"{p.case.family}:{p.sheet}!{p.cell}:{p.case.formula}" for p in PLACED])
def test_case_gives_excels_result_or_is_reported_not_computed(placed, recalculated):
    why = book.outcome(placed, recalculated)
    assert why is None, f"{placed.sheet}!{placed.cell} {placed.case.formula}: {why}"


def test_only_the_documented_divergences_are_left_to_excel(recalculated):
    left = {p.case.formula for p in PLACED if (p.sheet, p.cell) in recalculated.failures}
    assert left == LEFT_TO_EXCEL
    gaps = (book.Path(__file__).parents[2] / "docs" / "engine-gaps.md").read_text()
    missing = [f for f in sorted(LEFT_TO_EXCEL) if f.lstrip("=") not in gaps]
    assert not missing, f"docs/engine-gaps.md does not show: {missing}"


#: One formula per divergent family: (formula, Excel's documented result, tolerance). Data!A1:A6 holds
#: 1, #N/A, 3, "5", TRUE, 20; Data!B1 the holiday 2012-11-22.
DIVERGENT = [
    ("=CEILING(-2.5,-2)", -4.0, 0), ("=FLOOR(2.5,-2)", "#NUM!", 0), ("=CEILING.MATH(-5.5,2,-1)", -6.0, 0),
    ("=DATE(10000,1,1)", "#NUM!", 0), ("=DATE(1900,2,29)", 60.0, 0), ("=EDATE(DATE(9999,12,1),1)", "#NUM!", 0),
    ("=EOMONTH(DATE(9999,12,1),1)", "#NUM!", 0), ("=DAYS(DATE(1900,3,1),DATE(1900,2,28))", 2.0, 0),
    ('=XLOOKUP(25,{50;40;30;20;10},{"e50";"e40";"e30";"e20";"e10"},,-1)', "e20", 0),
    ("=NETWORKDAYS(DATE(2012,10,1),DATE(2013,3,1),Data!B1)", 109.0, 0),
    ('=TEXT(1234.5678,"0.00E+00")', "1.23E+03", 0), ('=VALUE("$1,000")', 1000.0, 0),
    ('="x"&(1/3)', "x0.333333333333333", 0), ("=LEN(1/3)", 17.0, 0), ("=DEC2BIN(-100,4)", "1110011100", 0),
    ("=DB(1000000,100000,6,7,7)", 15845.10, 0.005), ("=VDB(2400,300,10*12,6,18)", 396.31, 0.005),
    ("=SUMPRODUCT(--ISNUMBER(Data!A1:A6))", 3.0, 0), ("=SUMPRODUCT(Data!A3:A6,Data!A3:A6)", 409.0, 0),
    ('=COUNTIF(Data!A1:A6,"#N/A")', 1.0, 0), ('=ROWS(UNIQUE({"a";"A";"b"}))', 2.0, 0),
    ("=AGGREGATE(14,6,Data!A1:A3,1)", 3.0, 0), ("=D23", 0.0, 0), ("=SUM(Data!A3:INDEX(Data!A3:A6,data_two))", 3.0, 0),
]


def test_divergent_families_come_out_of_kam_xl_recalc_as_excel_documents_or_untouched(tmp_path, capsys):
    path = tmp_path / "divergent.xlsx"
    workbook = xlsxwriter.Workbook(str(path), {"use_future_functions": True})
    sheet, data = workbook.add_worksheet("Divergent"), workbook.add_worksheet("Data")
    for row, value in enumerate([1, None, 3, "5", True, 20]):
        data.write(row, 0, value)
    data.write_formula("A2", "=NA()", None, "#N/A")
    data.write_number("B1", 41235)  # 2012-11-22
    workbook.define_name("data_two", "=2")
    for row, (formula, expected, _) in enumerate(DIVERGENT):
        sheet.write_formula(row, 3, formula, None, expected)
    workbook.close()

    code = main(["recalc", str(path), "--json"])
    report = json.loads(capsys.readouterr().out)

    assert code == 1  # the cells left to Excel
    cached = openpyxl.load_workbook(path, data_only=True)["Divergent"]
    for row, (formula, expected, tol) in enumerate(DIVERGENT, start=1):
        value = cached.cell(row, 4).value
        if isinstance(expected, float):
            assert isinstance(value, (int, float)) and abs(value - expected) <= tol + 1e-9, (formula, value)
        else:
            assert value == expected, (formula, value)
    with zipfile.ZipFile(path) as package:
        assert re.search(rb'fullCalcOnLoad="(1|true)"', package.read("xl/workbook.xml"))
    assert "Divergent!D23" in json.dumps(report)  # the circular reference is named, not written
