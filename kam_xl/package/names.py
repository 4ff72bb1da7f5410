"""Namespaces, relationship types and content types the package writer reads, in one place.

Transitional (ECMA-376 Part 4, what Excel writes by default) and Strict (Part 1, "Strict Open XML")
spell every URI differently; each table lists both so a lookup never depends on the flavour.
"""

from __future__ import annotations

# SpreadsheetML main namespace: the worksheet and workbook elements.
MAIN_NS = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
)
# Relationship ids in markup (r:id on <sheet>).
OFFICE_REL_NS = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/officeDocument/relationships",
)
# The .rels parts themselves (Open Packaging Conventions, Part 2).
PACKAGE_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"

PACKAGE_RELS = "_rels/.rels"
CONTENT_TYPES = "[Content_Types].xml"


def _rel_types(suffix: str) -> tuple[str, ...]:
    return tuple(ns + "/" + suffix for ns in OFFICE_REL_NS)


REL_OFFICE_DOCUMENT = _rel_types("officeDocument")
REL_WORKSHEET = _rel_types("worksheet")
REL_CHARTSHEET = _rel_types("chartsheet")
REL_DIALOGSHEET = _rel_types("dialogsheet")
REL_MACROSHEET = ("http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet",
                  "http://schemas.microsoft.com/office/2006/relationships/xlIntlMacrosheet")

# Main-part content types of the binary workbook (.xlsb), whose sheets are BIFF12 records, not XML.
XLSB_MAIN_CONTENT_TYPES = (
    "application/vnd.ms-excel.sheet.binary.macroEnabled.main",
)

# Compound File Binary (OLE2) signature: .xls files and password-encrypted .xlsx/.xlsm both start with it.
CFB_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
# Stream names inside a CFB directory are UTF-16LE.
CFB_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")
CFB_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
CFB_XLS_WORKBOOK = ("Workbook".encode("utf-16-le"), "Book".encode("utf-16-le"))


def qname(ns: str, local: str) -> str:
    """ElementTree's spelling of a namespaced name: ``{ns}local``."""
    return f"{{{ns}}}{local}"

# File name endings of the workbooks kam-xl reads and writes (.xls, .xlsb and .ods are other formats).
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
