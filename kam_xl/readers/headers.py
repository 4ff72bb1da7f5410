"""The headers each input column goes by, English and German, in one list for every face: the readers
(``kam-xl analyze``, import), the cell functions (a table block with its header row) and the workbook's sources.

    key("Kunden-Nr.") -> "kundennr"                     # how headers are compared
    find_columns(headers, "transactions", {"amount": "Netto EUR"}) -> {"customer_id": 1, "date": 0, ...}

A column is found by the header given for it (a column map), else by its canonical name ("customer_id" matches
"Customer ID"), else by its aliases, best first; headers compare ignoring case, spaces and punctuation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

CUSTOMER = ("Customer ID", "Customer No", "Customer Number", "Client ID", "Account ID", "Kundennummer", "Kunden-Nr",
            "Kunden-ID", "KdNr", "Debitor", "Debitorennummer", "Customer", "Client", "Account", "Kunde")
TX_DATE = ("Date", "Datum", "Invoice Date", "Document Date", "Order Date", "Transaction Date", "Rechnungsdatum",
           "Belegdatum", "Buchungsdatum")
AMOUNT = ("Amount", "Revenue", "Sales", "Net Amount", "Umsatz", "Betrag", "Nettobetrag", "Nettoumsatz", "Netto",
          "Nettowert")
MARGIN = ("Margin", "Profit", "Gross Margin", "Marge", "Deckungsbeitrag", "DB", "Rohertrag", "Gewinn")
DOCUMENT = ("Document no", "Document number", "Document", "Invoice no", "Invoice number", "Invoice", "Belegnummer",
            "Beleg-Nr", "Belegnr", "Beleg", "Rechnungsnummer", "Rechnungs-Nr", "Rechnung")
LINE = ("Line no", "Line number", "Line", "Item", "Position", "Pos", "Positionsnummer", "Zeile")
KNOWN_BRAND = ("Known Brand", "Brand", "Image", "Bekannte Marke", "Marke", "Image Maker", "Bildmacher")
HIGH_DEMANDS = ("High Demands", "Demanding", "Hohe Anforderungen", "Anspruchsvoll", "Expert", "Experte")
BUDGET = ("Budget",)
KEY_OVERRIDE = ("Key Account Override", "Override", "Key Account", "Schlüsselkunde", "Schluesselkunde")
NAME = ("Name", "Customer Name", "Company", "Kundenname", "Firma", "Firmenname", "Name 1")
OWNER = ("Owner", "Account Manager", "Key Account Manager", "Sales Rep", "Betreuer", "Kundenbetreuer", "Verkäufer",
         "Vertriebsmitarbeiter", "Außendienst")
COMPLAINT_DATE = ("Date", "Datum", "Complaint Date", "Reklamationsdatum", "Beschwerdedatum", "Eingangsdatum")
CATEGORY = ("Category", "Kategorie", "Reason", "Grund", "Art")
SEVERITY = ("Severity", "Schwere", "Schweregrad", "Priority", "Priorität", "Prioritaet")

#: Input (lower-case table name) -> canonical column -> its aliases. Columns not listed go by their own name.
ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "transactions": {"date": TX_DATE, "customer_id": CUSTOMER, "document_no": DOCUMENT, "amount": AMOUNT,
                     "margin": MARGIN, "line_no": LINE},
    "customers": {"customer_id": CUSTOMER, "name": NAME, "owner": OWNER, "known_brand": KNOWN_BRAND,
                  "high_demands": HIGH_DEMANDS, "budget": BUDGET, "key_account_override": KEY_OVERRIDE},
    "complaints": {"date": COMPLAINT_DATE, "customer_id": CUSTOMER, "category": CATEGORY, "severity": SEVERITY},
    "tenders": {"customer_id": CUSTOMER},
    "contacts": {"customer_id": CUSTOMER},
    "competitors": {"customer_id": CUSTOMER},
}


def key(header) -> str:
    """A header as compared: case, spaces and punctuation ignored, except "%": "Margin %" (a percentage) is no
    "Margin" (an amount)."""
    return "".join(ch for ch in str(header if header is not None else "").casefold() if ch.isalnum() or ch == "%")


def aliases(table: str, canonical: str) -> tuple[str, ...]:
    """The headers a column goes by, best first: its canonical name, then its aliases."""
    return (canonical, *ALIASES.get(table.lower(), {}).get(canonical, ()))


def find_column(headers: Sequence, table: str, canonical: str, given: str | None = None) -> int | None:
    """Position of a column among ``headers``: the header ``given``, else the first alias found; None if none."""
    keys = [key(h) for h in headers]
    for name in (given,) if given else aliases(table, canonical):
        if key(name) and key(name) in keys:
            return keys.index(key(name))
    return None


def find_columns(headers: Sequence, table: str, canonicals: Sequence[str],
                 given: Mapping[str, str] | None = None) -> dict[str, int]:
    """Position of each of ``canonicals`` that ``headers`` hold (see :func:`find_column`); a header serves one
    column only: the first canonical that claims it."""
    given = given or {}
    found: dict[str, int] = {}
    for canonical in sorted(canonicals, key=lambda c: c not in given):  # columns named in the map first
        keys = [key(h) if i not in found.values() else "" for i, h in enumerate(headers)]
        at = find_column(keys, table, canonical, given.get(canonical))
        if at is not None:
            found[canonical] = at
    return found
