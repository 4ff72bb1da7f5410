"""kam-xl install, discovery: where workbooks kam_xl did not write keep their transactions, customers and
complaints, and every case it refuses to guess (workbooks written with XlsxWriter and openpyxl)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

import install_books as books
from kam_xl.install.discover import discover
from kam_xl.install.found import InstallError
from kam_xl.install.options import parse_map
from kam_xl.install.seed import added_tables, customers_seed, empty_frame
from kam_xl.readers.frames import INPUT_ROLES
from kam_xl.template.sheet_inputs import TABLES

ROOT = Path(__file__).resolve().parents[1]
OTHERS = ("Tenders", "Contacts", "Competitors", "Prospects")


def test_a_table_with_english_headers(tmp_path):
    found = discover(books.english_table(tmp_path / "en.xlsx"))
    tx = found.transactions
    assert (tx.kind, tx.sheet, tx.table, tx.ref, tx.rows) == ("table", "Data", "Sales", "A1:E7", 6)
    assert tx.column_map == {"date": "Invoice Date", "customer_id": "Customer No", "document_no": "Invoice No",
                             "amount": "Revenue", "margin": "Margin"}
    assert found.customer_ids == ("C7", "C3", "C9", "C1")  # order of first appearance
    assert found.lacking == ("Customers", "Complaints", *OTHERS)
    assert (found.sheets, found.tables) == (("Data", "Notes"), ("Sales",))


def test_a_german_plain_range_below_title_rows_and_a_customer_list(tmp_path):
    found = discover(books.german_range(tmp_path / "de.xlsx"))
    tx = found.transactions
    # header in row 4 (two title rows and a blank one above); the note in H4 beyond a blank column is not part
    assert (tx.kind, tx.sheet, tx.table, tx.ref, tx.rows, tx.header_row) == ("range", "Umsätze", None, "A4:E10", 6, 4)
    assert tx.columns == (("date", "Belegdatum"), ("customer_id", "Kundennr."), ("document_no", "Belegnr."),
                          ("amount", "Umsatz"), ("margin", "DB"))
    customers = found.get("customers")
    assert (customers.kind, customers.sheet, customers.ref, customers.rows) == ("range", "Kunden", "A1:C5", 4)
    assert customers.column_map == {"customer_id": "Kundennr.", "name": "Name"}
    assert found.lacking == ("Complaints", *OTHERS)


def test_the_range_reaches_the_last_used_row_past_blank_ones(tmp_path):
    path = books.german_range(tmp_path / "de.xlsx")
    book = openpyxl.load_workbook(path)
    book["Umsätze"]["D14"] = 5.0  # three blank rows, then one more line
    book.save(path)
    tx = discover(path).transactions
    assert (tx.ref, tx.rows) == ("A4:E14", 10)


def test_two_candidate_transaction_lists_stop_and_an_option_settles_it(tmp_path):
    path = books.two_lists(tmp_path / "two.xlsx")
    with pytest.raises(InstallError) as caught:
        discover(path)
    assert str(caught.value) == ('two candidate transaction lists: sheet 2023, header row 1 and sheet 2024, header '
                                 'row 1 — name one with --transactions "2023"')
    tx = discover(path, transactions="2024").transactions
    assert (tx.kind, tx.sheet, tx.ref) == ("range", "2024", "A1:C2")


def test_a_column_two_headers_could_fill_stops_and_map_settles_it(tmp_path):
    path = books.german_range(tmp_path / "de.xlsx", extra_customer=True)  # "Kundennr." and "Kunde"
    with pytest.raises(InstallError) as caught:
        discover(path)
    assert str(caught.value) == ('sheet Umsätze, header row 4: the customer id could be "Kundennr." (column B) or '
                                 '"Kunde" (column F) — settle it with --map customer=Kundennr.')
    found = discover(path, mapping=parse_map(["customer=Kundennr."]))
    assert found.transactions.column_map["customer_id"] == "Kundennr."
    assert found.transactions.ref == "A4:F10"  # the range spans every header next to the columns found
    other = discover(path, mapping=parse_map(["customer=kunde"]))  # case, spaces and punctuation ignored
    assert other.transactions.column_map["customer_id"] == "Kunde"
    assert other.customer_ids == ("Firma C7", "Firma C3", "Firma C9", "Firma C1")


def test_map_names_headers_the_aliases_do_not_know(tmp_path):
    path = books.german_range(tmp_path / "de.xlsx", amount="Erlös netto, EUR")
    found = discover(path, mapping=parse_map(["amount=Erlös netto, EUR,margin=DB"]))
    assert found.transactions.column_map["amount"] == "Erlös netto, EUR"


def test_a_missing_amount_column_names_the_sheet_and_the_header_row_read(tmp_path):
    path = books.german_range(tmp_path / "de.xlsx", amount="Menge")
    with pytest.raises(InstallError) as caught:
        discover(path)
    assert str(caught.value) == (
        'sheet Umsätze, header row 4 reads "Belegdatum", "Kundennr.", "Belegnr.", "Menge", "DB", "Notiz": no column '
        'for the amount (looked for "Amount", "Revenue", "Sales", "Net Amount", "Umsatz" …) — name it with --map '
        'amount=HEADER')
    with pytest.raises(InstallError, match=r'no column "Netto" for the amount \(--map amount=Netto\)'):
        discover(path, mapping=parse_map(["amount=Netto"]))
    assert discover(path, mapping=parse_map(["amount=Menge"])).transactions.column_map["amount"] == "Menge"


def test_transactions_naming_a_sheet_a_table_or_nothing(tmp_path):
    path = books.complaints_sheet(tmp_path / "c.xlsx")
    assert discover(path, transactions="sales").transactions.table == "Sales"  # tables win, case ignored
    with pytest.raises(InstallError) as caught:
        discover(path, transactions="Umsatz")
    assert str(caught.value) == ("--transactions Umsatz: no table or sheet of that name (sheets: Sales, "
                                 "Reklamationen, Besuche; tables: Sales)")
    with pytest.raises(InstallError, match=r"^sheet Besuche, header row 1 reads \"Datum\", \"Kundennr.\", \"Notiz\": "
                                           r"no column for the amount"):
        discover(path, transactions="Besuche")


def test_a_named_sheet_with_a_table_reads_its_plain_range_when_the_table_does_not_fit(tmp_path):
    found = discover(books.range_for_tables(tmp_path / "rt.xlsx"), customers="Liste")
    customers = found.get("customers")
    assert (customers.kind, customers.sheet, customers.ref) == ("range", "Liste", "A6:B7")


def test_complaints_need_a_category_or_severity_besides_customer_and_date(tmp_path):
    found = discover(books.complaints_sheet(tmp_path / "c.xlsx"))
    complaints = found.get("complaints")
    assert (complaints.sheet, complaints.ref, complaints.rows) == ("Reklamationen", "A1:D2", 1)
    assert complaints.column_map == {"date": "Datum", "customer_id": "Kundennr.", "category": "Kategorie",
                                     "severity": "Schwere"}
    assert found.get("customers") is None  # Besuche (customer, date, note) is neither
    assert found.lacking == ("Customers", *OTHERS)


def test_no_transactions_anywhere_lists_sheets_and_tables(tmp_path):
    path = tmp_path / "empty.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["Hello"])
    book.save(path)
    with pytest.raises(InstallError) as caught:
        discover(path)
    assert str(caught.value) == ("empty.xlsx: no table or sheet has a header row with customer, date and amount "
                                 "columns in its top 20 rows (sheets: Sheet; tables: none) — name the one with the "
                                 "transactions with --transactions and its columns with --map")


def test_a_workbook_with_a_vba_project_is_refused(tmp_path):
    import zipfile

    book = tmp_path / "Macros.xlsm"
    books.english_table(book)  # a workbook of theirs, then a VBA project of theirs added to it
    with zipfile.ZipFile(book, "a") as package:
        package.writestr("xl/vbaProject.bin", b"their macros")
    with pytest.raises(InstallError, match=r"^Macros.xlsm holds a VBA project, and install does not merge "
                                           r"macros — save a copy without macros"):
        discover(book)


def test_a_workbook_holding_kam_xl_already_is_sent_to_upgrade():
    with pytest.raises(InstallError, match=r"^KeyAccounts.xlsm holds kam_xl already — to bring it up to this "
                                           r"kam_xl: kam-xl install --upgrade KeyAccounts.xlsm$"):
        discover(ROOT / "workbook" / "KeyAccounts.xlsm")


def test_customer_ids_as_numbers_and_blanks(tmp_path):
    path = tmp_path / "n.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Datum", "Debitor", "Betrag"])
    for cid in (42, None, "00042", 42.0, 7, "  8 "):
        sheet.append([dt.date(2024, 1, 1), cid, 1.0])
    book.save(path)
    assert discover(path).customer_ids == ("42", "00042", "7", "8")


def test_the_seed_and_the_empty_tables_have_our_canonical_columns(tmp_path):
    seed = customers_seed(("C7", "C3"))
    customers = next(t for t in TABLES if t.name == "Customers")
    assert list(seed.columns) == [c.canonical for c in customers.columns]
    assert seed["customer_id"].tolist() == ["C7", "C3"]
    assert seed.drop(columns="customer_id").isna().all().all()  # name, owner ... empty, for them to fill
    for table in TABLES:
        frame = empty_frame(table.name)
        assert list(frame.columns) == [c.canonical for c in table.columns] and frame.empty
    found = discover(books.english_table(tmp_path / "en.xlsx"))
    added = added_tables(found)
    assert list(added) == ["customers", "complaints", "tenders", "contacts", "competitors", "prospects"]
    assert added["customers"]["customer_id"].tolist() == ["C7", "C3", "C9", "C1"]


def test_parse_map():
    assert parse_map(["amount=Umsatz,date=Belegdatum,customer=Kundennr.,document=Belegnr.,margin=DB",
                      "complaints.date=Eingang", "customers.name=Firma, GmbH"]) == {
        "transactions": {"amount": "Umsatz", "date": "Belegdatum", "customer_id": "Kundennr.",
                         "document_no": "Belegnr.", "margin": "DB"},
        "complaints": {"date": "Eingang"}, "customers": {"name": "Firma, GmbH"}}
    for bad, message in (
            (["amount"], "--map: expected COLUMN=HEADER pairs separated by commas (amount=Umsatz,date=Belegdatum), "
                         "found 'amount'"),
            (["amout=Umsatz"], "--map: transactions have no column 'amout'; use one of customer, date, amount, "
                               "margin, document"),
            (["tenders.date=x"], "--map: 'tenders.date' names no input; prefix a column with one of customers., "
                                 "complaints. or none for transactions"),
            (["amount=a", "amount=b"], "--map: amount is given twice ('a' and 'b') — keep one")):
        with pytest.raises(InstallError) as caught:
            parse_map(bad)
        assert str(caught.value) == message


def test_every_input_role_has_distinct_aliases_within_its_input():
    for input, roles in INPUT_ROLES.items():
        keys = [("".join(ch for ch in a.casefold() if ch.isalnum()), role.name) for role, _ in roles
                for a in role.aliases]
        owners: dict[str, set] = {}
        for key, name in keys:
            owners.setdefault(key, set()).add(name)
        assert {k: v for k, v in owners.items() if len(v) > 1} == {}, input


def test_plan_refuses_a_sheet_or_name_of_theirs_that_ours_would_take(tmp_path):
    from kam_xl.install.plan import plan

    path = books.german_range(tmp_path / "de.xlsx")
    layout = plan(discover(path))
    assert layout.names == (("kam_transactions", "'Umsätze'!$A$4:$E$10"), ("kam_customers", "'Kunden'!$A$1:$C$5"))
    book = openpyxl.load_workbook(path)
    book.create_sheet("analysis")
    book.save(path)
    with pytest.raises(InstallError) as caught:
        plan(discover(path))
    assert str(caught.value) == ('de.xlsx: its sheet "analysis" has the name of a kam_xl sheet install adds — rename '
                                 'yours and run again')
    del book["analysis"]
    book.defined_names["KAM_Transactions"] = openpyxl.workbook.defined_name.DefinedName(
        "KAM_Transactions", attr_text="Kunden!$A$1")
    book.save(path)
    with pytest.raises(InstallError, match='its defined name "KAM_Transactions" has the name of a kam_xl name'):
        plan(discover(path))


def test_a_header_below_the_top_20_rows_is_not_searched(tmp_path):
    path = tmp_path / "deep.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["A1"] = "Report"
    sheet.append([])
    for _ in range(19):
        sheet.append(["filler"])
    sheet.append(["Date", "Customer ID", "Amount"])  # row 22: the 22nd row from the first filled one
    sheet.append([dt.date(2024, 1, 1), "C1", 1.0])
    book.save(path)
    with pytest.raises(InstallError, match="no table or sheet has a header row with customer, date and amount"):
        discover(path)
