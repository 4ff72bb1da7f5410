"""The merges of the graft on parts other writers make: a prefixed styles.xml without dxfs or numFmts,
a metadata.xml with a type of its own, an empty shared-string table."""

from __future__ import annotations

from xml.etree import ElementTree

from kam_xl.package.metadata_merge import merge_metadata
from kam_xl.package.strings_merge import merge_strings
from kam_xl.package.styles_merge import merge_styles

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
X = f"{{{MAIN}}}"

THEIR_STYLES = (
    f'<x:styleSheet xmlns:x="{MAIN}"><x:fonts count="1"><x:font><x:sz val="10"/><x:name val="Arial"/></x:font>'
    '</x:fonts><x:fills count="2"><x:fill><x:patternFill patternType="none"/></x:fill><x:fill><x:patternFill '
    'patternType="gray125"/></x:fill></x:fills><x:borders count="1"><x:border/></x:borders><x:cellStyleXfs '
    'count="1"><x:xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></x:cellStyleXfs><x:cellXfs count="2"><x:xf '
    'numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><x:xf numFmtId="14" fontId="0" fillId="0" '
    'borderId="0" xfId="0"/></x:cellXfs><x:cellStyles count="1"><x:cellStyle name="Normal" xfId="0" '
    'builtinId="0"/></x:cellStyles></x:styleSheet>')
OUR_STYLES = (
    f'<styleSheet xmlns="{MAIN}"><numFmts count="1"><numFmt numFmtId="164" formatCode="0.0%"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><scheme val="minor"/></font><font><b/><sz '
    'val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border/></borders>'
    '<cellStyleXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/><xf numFmtId="0" fontId="1" '
    'fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" '
    'borderId="0" xfId="0"/><xf numFmtId="164" fontId="1" fillId="1" borderId="0" xfId="1" applyFont="1"/>'
    '</cellXfs><cellStyles count="2"><cellStyle name="Normal" xfId="0" builtinId="0"/><cellStyle name="Mine" '
    'xfId="1"/></cellStyles><dxfs count="1"><dxf><numFmt numFmtId="164" formatCode="0.0%"/></dxf></dxfs>'
    '</styleSheet>')


def test_styles_merge_into_a_prefixed_part_keeps_theirs_and_remaps_ours():
    merged, maps = merge_styles(THEIR_STYLES, OUR_STYLES)
    assert maps.xf == [2, 3] and maps.dxf == [0]
    root = ElementTree.fromstring(merged)
    children = [c.tag.removeprefix(X) for c in root]
    assert children == ["numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs"]
    fonts = root.find(X + "fonts")
    assert fonts.get("count") == "3" and fonts[0].find(X + "name").get("val") == "Arial"
    assert fonts[1].find(X + "scheme") is None  # ours keep their face whatever their theme says
    xfs = root.find(X + "cellXfs")
    assert [dict(x.attrib) for x in xfs][:2] == [
        {"numFmtId": "0", "fontId": "0", "fillId": "0", "borderId": "0", "xfId": "0"},
        {"numFmtId": "14", "fontId": "0", "fillId": "0", "borderId": "0", "xfId": "0"}]
    assert dict(xfs[3].attrib) == {"numFmtId": "164", "fontId": "2", "fillId": "3", "borderId": "1", "xfId": "1",
                                   "applyFont": "1"}
    assert xfs[2].get("xfId") == "0" and xfs[2].get("applyFont") == "1"  # our Normal is theirs, our font stays
    assert [(s.get("name"), s.get("xfId")) for s in root.find(X + "cellStyles")] == [("Normal", "0"), ("Mine", "1")]
    assert root.find(X + "dxfs")[0].find(X + "numFmt").get("numFmtId") == "164"
    assert merged.startswith(THEIR_STYLES[:THEIR_STYLES.index("<x:fonts")])


def test_styles_merge_reuses_their_number_format_of_the_same_code():
    theirs = THEIR_STYLES.replace("<x:fonts", '<x:numFmts count="2"><x:numFmt numFmtId="164" formatCode="0.000"/>'
                                               '<x:numFmt numFmtId="170" formatCode="0.0%"/></x:numFmts><x:fonts', 1)
    merged, _ = merge_styles(theirs, OUR_STYLES)
    root = ElementTree.fromstring(merged)
    assert root.find(X + "numFmts").get("count") == "2"
    assert root.find(X + "cellXfs")[3].get("numFmtId") == "170"


OUR_META = (f'<metadata xmlns="{MAIN}" xmlns:xda="http://schemas.microsoft.com/office/spreadsheetml/2017/dynamicarray">'
            '<metadataTypes count="1"><metadataType name="XLDAPR" minSupportedVersion="120000"/></metadataTypes>'
            '<futureMetadata name="XLDAPR" count="1"><bk><extLst><ext uri="{bdbb8cdc-fa1e-496e-a857-3c3f30c029c3}">'
            '<xda:dynamicArrayProperties fDynamic="1" fCollapsed="0"/></ext></extLst></bk></futureMetadata>'
            '<cellMetadata count="1"><bk><rc t="1" v="0"/></bk></cellMetadata></metadata>')


def test_metadata_merge_appends_our_type_after_theirs():
    theirs = (f'<metadata xmlns="{MAIN}"><metadataTypes count="1"><metadataType name="XLRICHVALUE" '
              'minSupportedVersion="120000"/></metadataTypes><futureMetadata name="XLRICHVALUE" count="1"><bk>'
              '<extLst/></bk></futureMetadata><valueMetadata count="1"><bk><rc t="1" v="0"/></bk></valueMetadata>'
              '</metadata>')
    merged, cm = merge_metadata(theirs, OUR_META)
    assert cm == [1]
    root = ElementTree.fromstring(merged)
    assert [c.tag.removeprefix(X) for c in root] == ["metadataTypes", "futureMetadata", "futureMetadata",
                                                     "cellMetadata", "valueMetadata"]
    assert [t.get("name") for t in root.find(X + "metadataTypes")] == ["XLRICHVALUE", "XLDAPR"]
    assert root.find(X + "cellMetadata")[0][0].attrib == {"t": "2", "v": "0"}
    assert root.find(X + "valueMetadata")[0][0].attrib == {"t": "1", "v": "0"}


def test_metadata_merge_reuses_their_dynamic_array_record():
    theirs = OUR_META.replace('<cellMetadata count="1"><bk><rc t="1" v="0"/></bk>',
                              '<cellMetadata count="2"><bk><rc t="1" v="0"/></bk><bk><rc t="1" v="0"/></bk>')
    merged, cm = merge_metadata(theirs, OUR_META)
    assert merged == theirs and cm == [1]


def test_strings_are_appended_to_an_empty_table_and_counted():
    ours = f'<sst xmlns="{MAIN}" count="3" uniqueCount="2"><si><t>a</t></si><si><t>b</t></si></sst>'
    merged, offset = merge_strings(f'<sst xmlns="{MAIN}" count="0" uniqueCount="0"/>', ours)
    assert offset == 0
    assert merged == f'<sst xmlns="{MAIN}" count="3" uniqueCount="2"><si><t>a</t></si><si><t>b</t></si></sst>'
    merged, offset = merge_strings(merged, f'<sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><t>c</t></si></sst>')
    assert offset == 2 and 'count="4" uniqueCount="3"' in merged and merged.endswith("<si><t>c</t></si></sst>")
