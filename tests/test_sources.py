"""Sources: the workbook's formulas, cell functions and Python steps read the inputs where they live — our
tables, the user's table ``Sales`` with German headers, or the user's plain range on ``Umsätze`` through the
defined name ``kam_transactions`` — with the same results (real files, formualizer and LibreOffice)."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from datetime import datetime as dt
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from kam_xl import stamp
import python_calamine as pc
import xlsxwriter

from kam_xl import udfs
from kam_xl.book import FileBook
from kam_xl.cli import main
from kam_xl.core.analysis import analyze
from kam_xl.core.schema import ANALYSIS_COLUMNS
from kam_xl.core.settings import Settings
from kam_xl.demo import generate
from kam_xl.errors import InputError
from kam_xl.package.defined_names import defined_names, parse_area
from kam_xl.package.workbook_part import read_workbook
from kam_xl.recalc.engine import recalculate
from kam_xl.recalc.libreoffice import find_soffice, libreoffice_recalculate
from kam_xl.sheets import importer
from kam_xl.sheets.inputs import read_input
from kam_xl.template.sheet_analysis import analysis_formula
from kam_xl.template.sources import Source, Sources, structured_name
from kam_xl.template.workbook import workbook_bytes
from source_books import EXTRA, HEADERS, RANGE_SHEET, source_book

DATA = generate(customers=40, seed=3)
TABLES = {k.lower(): v for k, v in DATA.tables().items()}
MONEY = ["revenue", "profit", "revenue_12m", "revenue_prev_12m", "clv_12m", "avg_order_value"]


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    """The demo data three ways: our tables (cached results), their table, their plain range (no cached results:
    only a recalculation reading their sheet fills our sheets)."""
    folder = tmp_path_factory.mktemp("sources")
    ours = folder / "ours.xlsm"
    ours.write_bytes(workbook_bytes(DATA))
    return {"ours": ours, "table": source_book(folder / "table.xlsm", DATA, "table"),
            "range": source_book(folder / "range.xlsm", DATA, "range")}


def analysis_sheet(path) -> pd.DataFrame:
    with pc.CalamineWorkbook.from_path(path) as book:
        rows = book.get_sheet_by_name("Analysis").to_python()
    return pd.DataFrame(rows[1:], columns=rows[0])


def same_analysis(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert list(got.columns) == list(ANALYSIS_COLUMNS)
    assert got["customer_id"].tolist() == want["customer_id"].astype(str).tolist()
    for column in ("abc", "xyz", "abc_xyz", "types", "churn", "migration", "warning"):
        assert got[column].fillna("").astype(str).tolist() == want[column].fillna("").astype(str).tolist(), column
    for column in MONEY:
        assert pd.to_numeric(got[column]).round(2).fillna(0).tolist() == \
            pd.to_numeric(want[column]).round(2).fillna(0).tolist(), column
    assert got["key_account"].astype(bool).tolist() == want["key_account"].astype(bool).tolist()


# --- formula text ---------------------------------------------------------------------------------------


def test_our_tables_give_the_formulas_of_keyaccounts_xlsm():
    ours = Sources()
    assert analysis_formula(ours) == \
        "=CUSTOMER_ANALYSIS(Customers[#All],Transactions[#All],Complaints[#All],kam_settings,kam_as_of)"
    assert ours["Tenders"].column("customer_id") == "Tenders[Customer ID]"
    assert ours["customers"].column("key_account_override") == "Customers[Key account override]"
    assert ours.customer_list() == '=INDIRECT("Customers[Customer ID]")'
    assert workbook_bytes(sources=Sources()) == workbook_bytes()


def test_their_table_and_plain_range_give_blocks_and_columns_by_their_headers():
    table = Source.of_table("Transactions", "Sales", HEADERS)
    assert table.block() == "Sales[#All]" and table.column("date") == "Sales[Belegdatum]"
    assert table.column("customer_id") == "Sales[[Kundennr.]]"
    assert table.column("line_no") is None
    plain = Source.of_range("Transactions", "'Umsätze'!$A$1:$F$803", HEADERS)
    assert plain.name == "kam_transactions" and plain.block() == "kam_transactions"
    at = 'MATCH("Umsatz",INDEX(kam_transactions,1,0),0)'
    assert plain.column("amount") == \
        f"INDEX(kam_transactions,2,{at}):INDEX(kam_transactions,ROWS(kam_transactions),{at})"
    assert structured_name("Kunde's [Nr] #") == "[Kunde''s '[Nr'] '#]"
    customers = Sources.of(Source.of_range("Customers", "Kunden!$A$1:$C$9", {"customer_id": "Kdnr"}))
    assert customers.customer_list().startswith("=INDEX(kam_customers,2,MATCH(\"Kdnr\"")


def test_a_source_without_the_columns_the_analysis_needs_is_refused():
    with pytest.raises(ValueError, match="no column for date, amount"):
        Source.of_table("Transactions", "Sales", {"customer_id": "Kunde"})
    with pytest.raises(ValueError, match="not a range"):
        Source.of_range("Transactions", "Umsätze!A:A", HEADERS)
    with pytest.raises(ValueError, match="not an input"):
        Source("Orders", "Sales")
    with pytest.raises(ValueError, match="cannot hold a header"):
        Source.of_table("Transactions", "Sales", HEADERS | {"margin": "DB; netto"})


def test_found_maps_our_columns_to_their_headers_by_alias_and_given_names():
    found = Source.found("Transactions", ["Rechnungsdatum", "Debitor", "Beleg", "Netto EUR", "DB", "Vertreter"],
                         name="Sales", given={"amount": "Netto EUR"})
    assert dict(found.columns) == {"date": "Rechnungsdatum", "customer_id": "Debitor", "document_no": "Beleg",
                                   "amount": "Netto EUR", "margin": "DB"}


# --- both engines compute the column forms ---------------------------------------------------------------


def forms_workbook() -> tuple[bytes, list[str]]:
    """Their data as a table and as a plain range, awkward headers, and formulas of every form the template
    writes over them."""
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True})
    headers = ["Belegdatum", "Kundennr.", "Umsatz [EUR]", "#Pos", "Kunde's Ergebnis"]
    rows = [(45000, "C1", 100.0, 1, "won"), (45010, "C2", 50.0, 2, "lost"), (45020, "C1", 25.0, 3, "won"),
            (45030, "C3", 10.0, 4, "won")]
    columns = {"date": headers[0], "customer_id": headers[1], "amount": headers[2], "line_no": headers[3],
               "margin": headers[4]}
    sheets = []
    for sheet_name, kind in (("Verkauf", "table"), (RANGE_SHEET, "range")):
        ws = wb.add_worksheet(sheet_name)
        for c, h in enumerate(headers):
            ws.write_string(0, c, h)
        for r, row in enumerate(rows, 1):
            for c, v in enumerate(row):
                (ws.write_string if isinstance(v, str) else ws.write_number)(r, c, v)
        if kind == "table":
            ws.add_table(0, 0, len(rows), len(headers) - 1,
                         {"name": "Sales", "columns": [{"header": h} for h in headers]})
            source = Source.of_table("Transactions", "Sales", columns)
        else:
            source = Source.of_range("Transactions", f"'{RANGE_SHEET}'!$A$1:$E$5", columns)
            for name, refers_to in Sources.of(source).defined_names().items():
                wb.define_name(name, "=" + refers_to)
        col = source.column
        formulas = [f"=MAX({col('date')})", f'=SUMIFS({col("amount")},{col("customer_id")},"C1")',
                    f'=COUNTIFS({col("customer_id")},"C1",{col("margin")},"won")',
                    f'=IFERROR(MATCH("C2",{col("customer_id")},0),"")',
                    f'=INDEX({col("amount")},MATCH("C2",{col("customer_id")},0))', f"=SUM({col('line_no')})"]
        out = wb.add_worksheet(f"F {kind}")
        for i, formula in enumerate(formulas):
            out.write_formula(i, 0, formula, None, 0)
        sheets.append(out.name)
    wb.close()
    return buffer.getvalue(), sheets


EXPECTED = [45030.0, 125.0, 2.0, 2.0, 50.0, 10.0]


def test_formualizer_computes_every_column_form_of_a_table_and_a_plain_range(tmp_path):
    data, sheets = forms_workbook()
    result = recalculate(data)
    assert not result.failures
    for sheet in sheets:
        assert [result.values[sheet][f"A{i + 1}"] for i in range(len(EXPECTED))] == EXPECTED, sheet


@pytest.mark.skipif(find_soffice() is None, reason="LibreOffice not installed")
def test_libreoffice_computes_every_column_form_of_a_table_and_a_plain_range(tmp_path):
    data, sheets = forms_workbook()
    src = tmp_path / "forms.xlsx"
    src.write_bytes(data)
    with pc.CalamineWorkbook.from_path(libreoffice_recalculate(src, tmp_path / "lo")) as book:
        for sheet in sheets:
            assert [r[0] for r in book.get_sheet_by_name(sheet).to_python()] == EXPECTED, sheet


# --- cell functions --------------------------------------------------------------------------------------


def block(frame: pd.DataFrame) -> list[list]:
    return [list(frame.columns)] + frame.astype(object).where(frame.notna(), None).values.tolist()


def test_customer_analysis_reads_german_headers_and_a_recorded_column_map():
    tx = TABLES["transactions"].head(300)
    want = analyze(tx, None, None, Settings())
    german = tx.rename(columns=HEADERS)
    german["date"] = "x"  # a column of theirs that happens to be called like ours is not read
    german = german.rename(columns={"date": "Date of entry"})
    got = udfs.CUSTOMER_ANALYSIS([["Kundennr."]], block(german))
    assert got[0] == list(ANALYSIS_COLUMNS)
    assert [r[0] for r in got[1:]] == want["customer_id"].tolist()
    assert [round(r[1], 2) for r in got[1:]] == want["revenue"].round(2).tolist()
    odd = tx.rename(columns={"amount": "Netto EUR", "customer_id": "Partner"})
    assert udfs.CUSTOMER_ANALYSIS([["Customer ID"]], block(odd)).startswith("#KAM:")
    settings = [["Setting", "Value"], ["transactions_columns", "amount=Netto EUR; customer_id=Partner"],
                ["customers_columns", "customer_id=Partner"]]
    got = udfs.CUSTOMER_ANALYSIS([["Partner"]], block(odd), None, settings)
    assert [round(r[1], 2) for r in got[1:]] == want["revenue"].round(2).tolist()


def test_dossier_functions_find_their_columns_by_alias():
    tx = TABLES["transactions"]
    customer = tx["customer_id"].iloc[0]
    as_of = float((tx["date"].max() - pd.Timestamp("1899-12-30")).days)
    ours = udfs.DOSSIER_DELIVERIES(customer, block(tx.rename(columns={"customer_id": "Customer ID",
                                                                      "document_no": "Document no"})), as_of, 5)
    theirs = udfs.DOSSIER_DELIVERIES(customer, block(tx.rename(columns=HEADERS)), as_of, 5)
    assert isinstance(theirs, list) and theirs == ours


# --- real workbooks: recalc, refresh, dossier, import -------------------------------------------------------


@pytest.mark.parametrize("kind", ["table", "range"])
def test_recalc_of_their_data_gives_the_analysis_of_kam_xl_analyze(books, kind, tmp_path):
    out = tmp_path / "out"
    assert main(["recalc", str(books[kind]), "--out", str(out)]) == 0
    got = analysis_sheet(out / books[kind].name)
    want = analyze(TABLES["transactions"], TABLES["customers"], TABLES["complaints"], Settings())
    same_analysis(got, want)
    same_analysis(got, analysis_sheet(books["ours"]))
    csv = tmp_path / "analysis.csv"
    assert main(["analyze", str(books[kind]), "--out", str(csv)]) == 0  # the CLI finds their sheet by its headers
    assert pd.read_csv(csv)["revenue"].round(2).tolist() == pd.to_numeric(got["revenue"]).round(2).tolist()


def test_the_dossier_of_a_key_account_shows_the_same_figures_wherever_the_data_lives(books, tmp_path, capsys):
    analysis = analysis_sheet(books["ours"])
    customer = analysis.loc[analysis["key_account"].astype(bool), "customer_id"].iloc[0]
    texts = {}
    for kind in ("ours", "table", "range"):
        book = tmp_path / f"{kind}.xlsm"
        book.write_bytes(books[kind].read_bytes())
        assert main(["dossier", str(book), "--customer", customer]) == 0
        texts[kind] = capsys.readouterr().out
    assert customer in texts["ours"] and "INV-" in texts["ours"]
    assert texts["table"] == texts["ours"] and texts["range"] == texts["ours"]


def append_row(path, sheet: str, row: int, values: list) -> None:
    """Add one row of cells below the last row of ``sheet`` (numbers, inline text), as a user typing there."""
    with zipfile.ZipFile(path) as archive:
        entries = {i.filename: archive.read(i.filename) for i in archive.infolist()}
        part = read_workbook(archive).sheet(sheet).part
    cells = "".join(
        f'<c r="{chr(65 + i)}{row}" t="inlineStr"><is><t>{v}</t></is></c>' if isinstance(v, str)
        else f'<c r="{chr(65 + i)}{row}"><v>{v}</v></c>' for i, v in enumerate(values))
    xml = entries[part].decode()
    entries[part] = xml.replace("</sheetData>", f'<row r="{row}">{cells}</row></sheetData>').encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)


def test_refresh_takes_in_a_row_added_below_the_plain_range_and_moves_its_name(books, tmp_path):
    book = tmp_path / "range.xlsm"
    book.write_bytes(books["range"].read_bytes())
    names = FileBook(book).read_sources()["Transactions"]
    area = parse_area(names.refers_to)
    customer = TABLES["transactions"]["customer_id"].iloc[0]
    day = (TABLES["transactions"]["date"].max() - pd.Timestamp("1899-12-30")).days
    append_row(book, RANGE_SHEET, area.last_row + 1, [day, customer, "R-NEW-1", 1000.0, 100.0, "Neu"])

    assert main(["refresh", str(book)]) == 0
    with zipfile.ZipFile(book) as archive:
        assert parse_area(defined_names(archive.read("xl/workbook.xml"))["kam_transactions"]) == \
            area.until(area.last_row + 1)
    extended = pd.concat([TABLES["transactions"], pd.DataFrame({
        "date": [pd.Timestamp("1899-12-30") + pd.Timedelta(days=day)], "customer_id": [customer],
        "document_no": ["R-NEW-1"], "amount": [1000.0], "margin": [100.0]})], ignore_index=True)
    same_analysis(analysis_sheet(book), analyze(extended, TABLES["customers"], TABLES["complaints"], Settings()))
    files = FileBook(book)
    raw = read_input(files, "Transactions")
    assert raw.index[-1] == area.last_row + 1 and raw["Document no"].iloc[-1] == "R-NEW-1"
    assert raw[EXTRA].iloc[-1] == "Neu"
    assert "Level" in files.read_table("DataCheck").columns
    audit = subprocess.run([str(Path(sys.executable).parent / "openxml-audit"), str(book)], capture_output=True,
                           text=True, timeout=120)
    assert audit.stdout.strip().splitlines()[-1] == "Errors: 0", audit.stdout
    assert main(["refresh", str(book)]) == 0  # nothing grew: the name stays
    with zipfile.ZipFile(book) as archive:
        assert parse_area(defined_names(archive.read("xl/workbook.xml"))["kam_transactions"]).last_row == \
            area.last_row + 1


def test_data_check_names_their_sheet_rows_of_a_plain_range(books, tmp_path, capsys):
    book = tmp_path / "range.xlsm"
    book.write_bytes(books["range"].read_bytes())
    area = parse_area(FileBook(book).read_sources()["Transactions"].refers_to)
    append_row(book, RANGE_SHEET, area.last_row + 1, [45000, "C00001", "R-BAD", "abc", 1.0])
    assert main(["refresh", str(book)]) == 1  # the Analysis names the bad cell too
    assert f'Transactions data row {area.last_row}, column Umsatz: "abc" is not a number' in capsys.readouterr().err
    found = FileBook(book).read_table("DataCheck")
    bad = found[found["Value"] == "abc"]
    assert bad[["Table", "Sheet row", "Column"]].values.tolist() == [["Transactions", area.last_row + 1, "Amount"]]


def export_file(tmp_path, customer: str) -> str:
    path = tmp_path / "export.csv"
    path.write_text("Belegdatum;Kundennr.;Rechnungsnr.;Umsatz;DB\n"
                    f"30.09.2026;{customer};R-IMP-1;1.234,50;100,00\n", encoding="utf-8")
    return str(path)


def test_import_into_their_table_adds_lines_under_their_headers_and_keeps_their_columns(books, tmp_path):
    book = tmp_path / "table.xlsm"
    book.write_bytes(books["table"].read_bytes())
    before = FileBook(book).read_table("Sales")
    report = importer.import_file(book, export_file(tmp_path, "C00001"), decimal=",")
    assert report.added == 1
    after = FileBook(book).read_table("Sales")
    assert list(after.columns) == list(before.columns) and len(after) == len(before) + 1
    assert after.iloc[-1][["Kundennr.", "Rechnungsnr.", "Umsatz"]].tolist() == ["C00001", "R-IMP-1", 1234.5]
    assert after[EXTRA].iloc[:-1].eq("Müller").all() and pd.isna(after[EXTRA].iloc[-1])
    assert importer.import_file(book, export_file(tmp_path, "C00001"), decimal=",").added == 0


def test_import_on_a_plain_range_stops_with_one_line_naming_make_tables(books, tmp_path, capsys):
    book = tmp_path / "range.xlsm"
    book.write_bytes(books["range"].read_bytes())
    before = book.read_bytes()
    with pytest.raises(InputError, match=r"Import needs an Excel table.*kam_transactions.*--make-tables"):
        importer.import_file(book, export_file(tmp_path, "C00001"))
    assert main(["import", str(book), export_file(tmp_path, "C00001")]) == 2
    message = capsys.readouterr().err.strip()
    assert "\n" not in message and "kam-xl install --make-tables" in message
    assert book.read_bytes() == before


# --- what the workbook records, and the sheets built ----------------------------------------------------------


def test_the_workbook_records_its_sources_in_settings_rows_and_a_defined_name(books):
    with pc.CalamineWorkbook.from_path(books["range"], load_tables=True) as book:
        rows = book.get_table_by_name("Settings").to_python()
    recorded = {r[0]: r[1] for r in rows if r[0].startswith("transactions_")}
    assert recorded == {"transactions_source": "kam_transactions",
                        "transactions_columns": "; ".join(f"{c}={h}" for c, h in HEADERS.items())}
    with zipfile.ZipFile(books["range"]) as archive:
        names = defined_names(archive.read("xl/workbook.xml"))
        sheet_names = re.findall(r'<sheet name="([^"]+)"', archive.read("xl/workbook.xml").decode())
    assert names["kam_transactions"] == f"'{RANGE_SHEET}'!$A$1:$F${len(TABLES['transactions']) + 1}"
    # the two source rows, then the stamp rows, close the settings range
    assert parse_area(names["kam_settings"]).last_row == parse_area(names["kam_language"]).last_row + 2 + len(stamp.ROWS)
    assert "Transactions" not in sheet_names and "Customers" in sheet_names  # their data, not our sheet
    assert FileBook(books["range"]).read_settings() == Settings()


def test_sheets_builds_a_subset_in_template_order_and_refuses_unknown_or_conflicting_ones():
    data = workbook_bytes({"customers": TABLES["customers"]}, sources=Sources.of(
        Source.of_table("Transactions", "Sales", HEADERS)), sheets=["Win-back", "Analysis", "Customers", "Dossier"])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet_names = re.findall(r'<sheet name="([^"]+)"', archive.read("xl/workbook.xml").decode())
    assert sheet_names == ["Customers", "Analysis", "Dossier", "Win-back", "Settings", "Labels"]
    with pytest.raises(ValueError, match="unknown 'Sales'"):
        workbook_bytes(sheets=["Sales"])
    with pytest.raises(ValueError, match="Transactions live elsewhere"):
        workbook_bytes(sources=Sources.of(Source.of_table("Transactions", "Sales", HEADERS)),
                       sheets=["Transactions"])
    with pytest.raises(ValueError, match="transactions table is missing"):
        workbook_bytes({"customers": TABLES["customers"]})


def test_recorded_sources_round_trip_through_the_settings_rows():
    sources = Sources.of(Source.of_range("Transactions", "'Umsätze'!$A$1:$F$9", HEADERS),
                         Source.of_table("Customers", "Kunden", {"customer_id": "Kundennr.", "name": "Firma"}))
    rows = dict(sources.setting_rows())
    assert Sources.from_settings(rows, {"kam_transactions": "='Umsätze'!$A$1:$F$9"}) == sources


def test_in_excel_the_buttons_read_a_plain_range_through_its_name_with_the_rows_added_below():
    import book_recorder as rec

    from kam_xl.book import LiveBook

    book = rec.Book("Theirs.xlsm")
    sheet = book.add_sheet(RANGE_SHEET)
    rows = [list(HEADERS.values()) + [EXTRA], [dt(2026, 1, 5), "C1", "R1", 100.0, 10.0, "a"],
            [dt(2026, 2, 5), "C2", "R2", 50.0, None, "b"], [dt(2026, 3, 5), "C1", "R3", 25.0, 2.5, "c"]]
    for r, row in enumerate(rows, start=3):  # their range starts in row 3, below a title
        for c, value in enumerate(row, start=2):
            if value is not None:
                sheet.values[(r, c)] = value
    sheet.values[(1, 2)] = "Umsätze 2026"
    sheet.values[(9, 2)] = "Summe"  # below a blank row: not part of the range
    book.defined["kam_transactions"] = rec.Name(sheet, 3, 2, 5, 7, name="kam_transactions")  # one row short
    settings = book.add_sheet("Settings")
    table = settings.add_table("Settings", ["Setting", "Value"], top=6)
    LiveBook(book).write_table("Settings", pd.DataFrame(
        Sources.of(Source.of_range("Transactions", f"'{RANGE_SHEET}'!$B$3:$G$5", HEADERS)).setting_rows(),
        columns=["Setting", "Value"]))
    assert table.range.shape[0] == 3
    live = LiveBook(book)
    raw = read_input(live, "Transactions")
    assert raw.index.tolist() == [4, 5, 6] and raw.attrs["header_row"] == 3
    assert list(raw.columns) == ["Date", "Customer ID", "Document no", "Amount", "Margin", EXTRA]
    assert raw["Document no"].tolist() == ["R1", "R2", "R3"]
    with pytest.raises(InputError, match="Import needs an Excel table"):
        importer.refuse_plain_range(live)


def test_moving_a_defined_name_changes_its_text_and_no_other_byte_of_workbook_xml(books):
    from kam_xl.package.defined_names import with_defined_name

    with zipfile.ZipFile(books["range"]) as archive:
        xml = archive.read("xl/workbook.xml")
    old = "'Umsätze'!$A$1:$F$803".encode()
    assert xml.count(old) == 1
    new = with_defined_name(xml, "KAM_TRANSACTIONS", "'Umsätze'!$A$1:$F$900")
    assert new == xml.replace(old, "'Umsätze'!$A$1:$F$900".encode())
    with pytest.raises(KeyError, match="no name 'kam_nowhere'"):
        with_defined_name(xml, "kam_nowhere", "'Umsätze'!$A$1:$F$900")


def test_headers_no_alias_knows_reach_the_analysis_and_kam_xl_analyze_through_the_recorded_map(tmp_path):
    odd = {"date": "Tag", "customer_id": "Partner", "document_no": "Vorgang", "amount": "Netto EUR", "margin": "DB"}
    book = source_book(tmp_path / "odd.xlsm", DATA, "range", odd)
    assert main(["recalc", str(book)]) == 0
    want = analyze(TABLES["transactions"], TABLES["customers"], TABLES["complaints"], Settings())
    same_analysis(analysis_sheet(book), want)
    csv = tmp_path / "analysis.csv"
    assert main(["analyze", str(book), "--out", str(csv)]) == 0
    assert pd.read_csv(csv)["revenue"].round(2).tolist() == want["revenue"].round(2).tolist()


def test_their_table_below_a_title_gives_its_own_sheet_rows(tmp_path):
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = wb.add_worksheet("Verkauf")
    sheet.write_string(0, 0, "Umsätze 2026")
    sheet.add_table(3, 1, 5, 3, {"name": "Sales", "columns": [{"header": h} for h in ("Datum", "Kunde", "Umsatz")],
                                 "data": [[45000, "C1", 10.0], [45001, "C2", "abc"]]})
    wb.close()
    path = tmp_path / "theirs.xlsx"
    path.write_bytes(buffer.getvalue())
    source = Source.of_table("Transactions", "Sales", {"date": "Datum", "customer_id": "Kunde", "amount": "Umsatz"})
    raw = read_input(FileBook(path), "Transactions", Sources.of(source))
    assert raw.attrs["header_row"] == 4 and raw.index.tolist() == [5, 6]
    assert list(raw.columns) == ["Date", "Customer ID", "Amount"]


def test_key_account_dossier_copies_are_the_same_from_their_plain_range(books, tmp_path):
    grids = []
    for kind in ("ours", "range"):
        book = tmp_path / f"{kind}.xlsm"
        book.write_bytes(books[kind].read_bytes())
        assert main(["refresh", str(book)]) == 0  # the Win-back list the dossier shows: ours was built with it
        out = tmp_path / f"{kind}.xlsx"
        assert main(["dossier", str(book), "--key-accounts", "--out", str(out)]) == 0
        with pc.CalamineWorkbook.from_path(out) as book:
            grids.append({name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names})
    assert len(grids[0]) > 1 and grids[1] == grids[0]


def test_data_check_names_a_column_map_it_cannot_read():
    from kam_xl.sheets.datacheck import data_check

    settings = pd.DataFrame({"Setting": ["a_share", "transactions_source", "transactions_columns"],
                             "Value": [0.8, "Sales", "date Belegdatum"]})
    found = data_check({}, settings)
    assert found[["Table", "Column", "Value"]].values.tolist() == [["Settings", "Value", "date Belegdatum"]]
    assert "column=header pairs" in found["Problem"].iloc[0]
    assert data_check({}, settings.assign(Value=[0.8, "Sales", "date=Belegdatum"])).empty
