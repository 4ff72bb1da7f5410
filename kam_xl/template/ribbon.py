"""The Key Accounts ribbon: put customUI/customUI14.xml into a package XlsxWriter wrote.

XlsxWriter cannot add a ribbon. Office finds one through a relationship of type
`.../2007/relationships/ui/extensibility` from the package root (`_rels/.rels`) to
`customUI/customUI14.xml`; the part itself needs no content type of its own, the package's
`<Default Extension="xml">` covers it. The button callbacks live in
kam_xl/template/src/KamRibbon.bas.

The package is rewritten entry by entry, in its own order: `_rels/.rels` gains the relationship,
`customUI/customUI14.xml` is added at the end (or replaced where it already is), every other entry keeps
its bytes. Every entry gets the same zip metadata (1980-01-01 00:00, deflated level 6, made on MS-DOS), so equal
contents give an equal file, whichever OS or XlsxWriter mode wrote the input.
"""

from __future__ import annotations

import io
import re
import zipfile
from xml.etree import ElementTree

CUSTOM_UI_PART = "customUI/customUI14.xml"
ROOT_RELS_PART = "_rels/.rels"
CONTENT_TYPES_PART = "[Content_Types].xml"
CUSTOM_UI_NAMESPACE = "http://schemas.microsoft.com/office/2009/07/customui"
UI_EXTENSIBILITY_TYPE = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
XML_CONTENT_TYPE = "application/xml"
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)

_RELATIONSHIP = re.compile(r"<Relationship\b[^>]*>")
_ATTRIBUTE = re.compile(r'([\w:]+)="([^"]*)"')


def add_ribbon(xlsm_bytes: bytes, custom_ui_xml: bytes) -> bytes:
    """The package `xlsm_bytes` with `custom_ui_xml` as its ribbon (Office 2010+ customUI14)."""
    _check_custom_ui(custom_ui_xml)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsm_bytes)) as package, \
            zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as result:
        names = package.namelist()
        if ROOT_RELS_PART not in names or CONTENT_TYPES_PART not in names:
            raise ValueError(f"Not an OOXML package: it lacks {ROOT_RELS_PART} or {CONTENT_TYPES_PART}.")
        for name in names:
            data = package.read(name)
            if name == ROOT_RELS_PART:
                data = _with_ribbon_relationship(data)
            elif name == CONTENT_TYPES_PART:
                data = _with_xml_default(data)
            elif name == CUSTOM_UI_PART:
                data = custom_ui_xml
            _write_entry(result, name, data)
        if CUSTOM_UI_PART not in names:
            _write_entry(result, CUSTOM_UI_PART, custom_ui_xml)
    return out.getvalue()


def _check_custom_ui(custom_ui_xml: bytes) -> None:
    try:
        root = ElementTree.fromstring(custom_ui_xml)
    except ElementTree.ParseError as error:
        raise ValueError(f"customUI14.xml is not well-formed XML: {error}") from None
    if root.tag != f"{{{CUSTOM_UI_NAMESPACE}}}customUI":
        raise ValueError(f"customUI14.xml: expected root element customUI in namespace {CUSTOM_UI_NAMESPACE}, "
                         f"found {root.tag} - Office ignores a ribbon in another namespace.")


def _with_ribbon_relationship(rels: bytes) -> bytes:
    """_rels/.rels with the ribbon relationship, under the next free rId; unchanged if it is there."""
    text = rels.decode("utf-8")
    relationships = [dict(_ATTRIBUTE.findall(tag)) for tag in _RELATIONSHIP.findall(text)]
    if any(r.get("Type") == UI_EXTENSIBILITY_TYPE for r in relationships):
        return rels
    numbers = [int(r["Id"][3:]) for r in relationships if re.fullmatch(r"rId\d+", r.get("Id", ""))]
    relationship = (f'<Relationship Id="rId{max(numbers, default=0) + 1}" Type="{UI_EXTENSIBILITY_TYPE}" '
                    f'Target="{CUSTOM_UI_PART}"/>')
    return text.replace("</Relationships>", relationship + "</Relationships>", 1).encode("utf-8")


def _with_xml_default(content_types: bytes) -> bytes:
    """[Content_Types].xml with a Default for the .xml extension, which the ribbon part relies on."""
    text = content_types.decode("utf-8")
    if re.search(r'<Default\b[^>]*\bExtension="xml"', text, flags=re.IGNORECASE):
        return content_types
    default = f'<Default Extension="xml" ContentType="{XML_CONTENT_TYPE}"/>'
    root = re.search(r"<Types\b[^>]*>", text)
    if root is None:
        raise ValueError(f"{CONTENT_TYPES_PART} has no <Types> element.")
    return (text[:root.end()] + default + text[root.end():]).encode("utf-8")


def _write_entry(result: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, ZIP_DATE_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 0  # MS-DOS, as Excel writes; zipfile's default depends on the OS
    result.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
