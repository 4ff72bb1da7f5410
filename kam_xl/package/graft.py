"""Graft kam_xl's sheets, VBA project and ribbon onto a workbook kam_xl did not write.

    from kam_xl.package.graft import graft, EDITED_PARTS
    new_xlsm = graft(their_bytes, our_bytes, name="Sales.xlsx")

``ours`` is a package the template wrote (:func:`kam_xl.template.workbook.workbook_bytes`); the result holds
every part of ``theirs`` and, after their sheets, every sheet of ours with what it refers to: tables (new part
names and ``id``s), drawings and charts, conditional formats and validations (differential formats
remapped), defined names (``localSheetId`` moved past their sheets), dynamic-array metadata, cell formats
(styles merged), shared strings (appended). It is an .xlsm: the VBA project (document modules for
ThisWorkbook, each of their worksheets and ours; xlwings, the UDF wrappers, the function help, the ribbon
callbacks) and the Key Accounts ribbon.

**What is theirs stays theirs.** Only the parts in :data:`EDITED_PARTS` (where their workbook keeps them)
are rewritten, each keeping every entry of theirs where it was and gaining ours; every other part of theirs is
copied as raw zip bytes. One exception: VBA ties a document module to a worksheet by its code name, so a
worksheet of theirs without one gets ``codeName="SheetN"`` on ``<sheetPr>`` (the element is created, empty
but for that attribute, when missing), and no other byte of it changes. Chart sheets (and dialog or macro
sheets) of theirs get no document module and are not touched: Excel makes a chart sheet's module itself when
the VBA editor first needs it. ``calcPr`` gains ``fullCalcOnLoad="1"`` so Excel computes our sheets on open
(``kam-xl recalc`` removes it once every formula has a value).

Their ``workbookPr`` gets ``codeName="ThisWorkbook"`` (replacing another workbook code name such as
"DieseArbeitsmappe": the project's workbook module is ThisWorkbook). A code name of theirs that one of our
sheets has moves ours aside (``shtMatrix1``). Looks that still follow theirs: column widths are counted in
digits of their Normal font, and our charts' theme fonts and colours are their theme's; ``docProps`` (the sheet
list in app.xml) is not updated, Excel rewrites it on save.

**Refused** (a :class:`PackageError`, one line): a workbook with a VBA project of its own, one with a ribbon
customisation, a Strict Open XML or 1904-date workbook, and a sheet, table or defined name of theirs that has
the name of one of ours.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from kam_xl.package import graft_sheets, limits, workbook_part, xmltext, zipcopy
from kam_xl.package.errors import PackageError
from kam_xl.package.graft_parts import copy_tree, free_name, relationships, rels_part, resolve
from kam_xl.package.metadata_merge import merge_metadata
from kam_xl.package.names import CONTENT_TYPES, CONTENT_TYPES_NS, PACKAGE_REL_NS, PACKAGE_RELS, qname
from kam_xl.package.strings_merge import merge_strings
from kam_xl.package.styles_merge import merge_styles

#: The parts of theirs a graft rewrites (by their usual names; a workbook keeps its workbook part elsewhere
#: rarely, and :func:`edited_parts` names the real ones). Every other part of theirs stays byte-identical,
#: but for the code name a worksheet without one gains (see the module's docstring).
EDITED_PARTS = ("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                "xl/styles.xml", "xl/sharedStrings.xml", "xl/metadata.xml")

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
STRICT_NS = "http://purl.oclc.org/ooxml/spreadsheetml/main"
REL = {
    "worksheet": REL_NS + "/worksheet",
    "styles": REL_NS + "/styles",
    "sharedStrings": REL_NS + "/sharedStrings",
    "sheetMetadata": REL_NS + "/sheetMetadata",
    "vbaProject": "http://schemas.microsoft.com/office/2006/relationships/vbaProject",
}
RIBBON_TYPES = ("http://schemas.microsoft.com/office/2007/relationships/ui/extensibility",
                "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility")
MACRO_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
VBA_CONTENT_TYPE = "application/vnd.ms-office.vbaProject"
WORKBOOK_CODE_NAME = "ThisWorkbook"
HEAD = 1 << 20  # how much of a sheet part is read to find its code name
#: Module names of the project other than sheet modules (see kam_xl.template.vba.project_modules).
PROJECT_MODULES = ("ThisWorkbook", "xlwings", "Dictionary", "KamRibbon", "xlwings_udfs", "KamFunctionHelp")
#: workbook.xml's children in schema order (ECMA-376 Part 1, 18.2.27), for what the graft creates.
WORKBOOK_ORDER = ("fileVersion", "fileSharing", "workbookPr", "AlternateContent", "absPath", "workbookProtection",
                  "bookViews", "sheets", "functionGroups", "externalReferences", "definedNames", "calcPr",
                  "oleSize", "customWorkbookViews", "pivotCaches", "smartTagPr", "smartTagTypes",
                  "webPublishing", "fileRecoveryPr", "webPublishObjects", "extLst")


def graft(theirs: bytes, ours: bytes, *, name: str = "the workbook", udf_module: str | None = None) -> bytes:
    """``theirs`` with every sheet of ``ours`` after its own sheets, our VBA project and ribbon: an .xlsm.

    ``name`` names their workbook in messages; ``udf_module`` is the module whose cell functions the VBA
    wrappers call (default: kam_xl's). Raises :class:`PackageError` with one line on what it refuses.
    """
    their_zip, our_zip = _open(theirs, name, "theirs"), _open(ours, name, "ours")
    with their_zip, our_zip:
        return _Graft(theirs, their_zip, our_zip, name, udf_module).build()


def edited_parts(theirs: bytes) -> set[str]:
    """The names in ``theirs`` of the parts a graft rewrites (those of :data:`EDITED_PARTS` it has)."""
    with zipfile.ZipFile(io.BytesIO(theirs)) as archive:
        workbook = workbook_part.read_workbook(archive)
        found = {CONTENT_TYPES, PACKAGE_RELS, workbook.part, rels_part(workbook.part)}
        for _, kind, target, external in relationships(archive, workbook.part):
            if not external and kind in (REL["styles"], REL["sharedStrings"], REL["sheetMetadata"]):
                found.add(resolve(workbook.part, target))
        return {n for n in found if n in archive.namelist()}


class _Graft:
    def __init__(self, theirs: bytes, their_zip: zipfile.ZipFile, our_zip: zipfile.ZipFile, name: str,
                 udf_module: str | None):
        self.theirs, self.t, self.o, self.name, self.udf_module = theirs, their_zip, our_zip, name, udf_module
        self.replaced: dict[str, bytes] = {}
        self.added: dict[str, bytes] = {}
        self.taken = {n.lower() for n in their_zip.namelist()}
        self.new_types: dict[str, str] = {}     # part -> content type, for the overrides we add
        self.new_rels: list[tuple[str, str, str]] = []  # (type, target relative to the workbook part, id)

    def refuse(self, message: str) -> PackageError:
        return PackageError(self.name, f"{self.name}: {message}")

    # -------------------------------------------------------------------------------------------- the plan

    def build(self) -> bytes:
        _guard(self.theirs, self.name)
        try:
            self.wb = workbook_part.read_workbook(self.t)
            self.our_wb = workbook_part.read_workbook(self.o)
        except workbook_part.WorkbookError as exc:
            raise self.refuse(str(exc)) from None
        self.folder = posixpath.dirname(self.wb.part)
        self.wb_xml = self._text(self.wb.part)
        self.their_rels = relationships(self.t, self.wb.part)
        self.our_rels = relationships(self.o, self.our_wb.part)
        self._refusals()
        self._collisions()
        code_names = self._code_names()
        tree = copy_tree(self.o, [s.part for s in self.our_wb.sheets], our_folder=posixpath.dirname(self.our_wb.part),
                         their_folder=self.folder, taken=self.taken)
        maps = self._merge_workbook_parts()
        self._our_parts(tree, maps)
        self._workbook(tree)
        self._vba(code_names)
        self._ribbon()
        self._content_types()
        self._workbook_rels()
        self.replaced = {part: data for part, data in self.replaced.items() if data != self.t.read(part)}
        out = io.BytesIO()
        try:
            zipcopy.copy_archive(io.BytesIO(self.theirs), self.t, self.replaced, out, self.added)
        except zipcopy.ZipCopyError as exc:
            raise self.refuse(str(exc)) from None
        return out.getvalue()

    def _text(self, part: str, archive: zipfile.ZipFile | None = None) -> str:
        data = (archive or self.t).read(part)
        if limits.declares_dtd(data):
            raise self.refuse(f"{part} declares a DTD, which workbook parts never hold — a hostile or damaged file")
        try:
            text = data.decode("utf-8")
            ElementTree.fromstring(data)
        except (UnicodeDecodeError, ElementTree.ParseError) as exc:
            raise self.refuse(f"{part} is not well-formed UTF-8 XML ({exc})") from None
        return text

    def _refusals(self) -> None:
        root_tag = xmltext.root_element(self.wb_xml).open_tag(self.wb_xml)
        if STRICT_NS in root_tag:
            raise self.refuse("is saved as Strict Open XML, which kam_xl does not install into — save it as an "
                              "Excel Workbook (.xlsx) and install into that")
        if self.wb.date1904:
            raise self.refuse("uses the 1904 date system and kam_xl's sheets the 1900 one, so dates would move "
                              "by four years — kam_xl does not install into it")
        types = self.t.read(CONTENT_TYPES).decode("utf-8", "replace")
        has_vba = (any(kind == REL["vbaProject"] for _, kind, _, _ in self.their_rels)
                   or any(n.lower().endswith("vbaproject.bin") for n in self.t.namelist())
                   or re.search(r'<Override\b[^>]*ContentType="' + re.escape(VBA_CONTENT_TYPE), types))
        if has_vba:
            raise self.refuse("already holds a VBA project (macros), and kam_xl brings its own — save a copy "
                              "as an Excel Workbook (.xlsx, without macros) and install into that; keep your "
                              "macros in a separate workbook or add-in (.xlam)")
        if any(kind in RIBBON_TYPES for _, kind, _, _ in relationships(self.t, "")):
            raise self.refuse("already carries a ribbon customisation (customUI), and kam_xl brings its own "
                              "ribbon — remove it (save a copy without it) and install into that")

    def _collisions(self) -> None:
        their_sheets = {s.name.casefold(): s.name for s in self.wb.sheets}
        for sheet in self.our_wb.sheets:
            if sheet.name.casefold() in their_sheets:
                raise self.refuse(f"its sheet {their_sheets[sheet.name.casefold()]!r} has the name of a kam_xl "
                                  "sheet — rename it and install again")
        their_names = {n.casefold(): ("table", n) for n in self._table_names(self.t)}
        their_names.update({n.casefold(): ("defined name", n) for n in _global_names(self.wb_xml)})
        ours = [("table", n) for n in self._table_names(self.o)]
        ours += [("defined name", n) for n in _global_names(self._text(self.our_wb.part, self.o))]
        for kind, name in ours:
            if name.casefold() in their_names:
                their_kind, their_name = their_names[name.casefold()]
                raise self.refuse(f"its {their_kind} {their_name!r} has the name of a kam_xl {kind} — rename it "
                                  "and install again")

    @staticmethod
    def _table_names(archive: zipfile.ZipFile) -> list[str]:
        return [ElementTree.fromstring(archive.read(p)).get("name", "") for p in _table_parts(archive)]

    def _code_names(self) -> list[str]:
        """Every worksheet's code name in sheet order, theirs then ours; theirs without one get one now."""
        theirs: list[tuple[workbook_part.Sheet, str | None]] = []
        for sheet in self.wb.sheets:
            if sheet.kind == "worksheet" and sheet.part is not None:
                with self.t.open(sheet.part) as stream:
                    head = stream.read(HEAD)  # <sheetPr> is the root's first child
                try:
                    theirs.append((sheet, graft_sheets.code_name(head)))
                except ValueError:
                    raise self.refuse(f"{sheet.part} (sheet {sheet.name!r}) does not start like a worksheet "
                                      "part (UTF-8 XML with a root element)") from None
        taken = {n.casefold() for n in PROJECT_MODULES}
        for sheet, code in theirs:
            if code is not None:
                if code.casefold() in taken:
                    raise self.refuse(f"its sheet {sheet.name!r} has the code name {code!r}, which kam_xl's VBA "
                                      "project uses or another sheet has — rename it in the VBA editor's "
                                      "Properties window (Name) and install again")
                taken.add(code.casefold())
        names = []
        for position, (sheet, code) in enumerate(theirs, start=1):
            if code is None:
                code, number = f"Sheet{position}", position
                while code.casefold() in taken:
                    number += 1
                    code = f"Sheet{number}"
                taken.add(code.casefold())
                self.replaced[sheet.part] = graft_sheets.with_code_name(self.t.read(sheet.part), code)
            names.append(code)
        self.our_code_names: dict[str, str | None] = {}
        for sheet in self.our_wb.sheets:
            code = graft_sheets.code_name(self.o.read(sheet.part))
            renamed = None
            if code.casefold() in taken:
                number, renamed = 1, f"{code}{1}"
                while renamed.casefold() in taken:
                    number += 1
                    renamed = f"{code}{number}"
            final = renamed or code
            taken.add(final.casefold())
            self.our_code_names[sheet.part] = renamed
            names.append(final)
        return names

    # ------------------------------------------------------------------------------ styles, strings, metadata

    def _linked(self, ours: bool, kind: str) -> str | None:
        """The part the workbook part (ours or theirs) links to with a relationship of ``kind``, if any."""
        part, rels = (self.our_wb.part, self.our_rels) if ours else (self.wb.part, self.their_rels)
        found = next((resolve(part, target) for _, k, target, external in rels if k == kind and not external), None)
        return found if found is None or found in (self.o if ours else self.t).namelist() else None

    def _merge_workbook_parts(self) -> graft_sheets.SheetMaps:
        """Styles merged; shared strings and metadata merged, or ours added where they have none."""
        their_styles = self._linked(False, REL["styles"])
        if their_styles is None:
            raise self.refuse("has no styles part (xl/styles.xml), which kam_xl needs to add its cell formats "
                              "to — open and save it in Excel, then install again")
        merged, styles = merge_styles(self._text(their_styles), self._text(self._linked(True, REL["styles"]), self.o))
        self.replaced[their_styles] = merged.encode("utf-8")
        offset, cm = 0, None
        for kind, merge in (("sharedStrings", merge_strings), ("sheetMetadata", merge_metadata)):
            ours, theirs = self._linked(True, REL[kind]), self._linked(False, REL[kind])
            if ours is None:
                continue
            if theirs is None:
                self._add_workbook_part(ours, kind)
                continue
            merged, mapping = merge(self._text(theirs), self._text(ours, self.o))
            self.replaced[theirs] = merged.encode("utf-8")
            if kind == "sharedStrings":
                offset = mapping
            else:
                cm = mapping
        return graft_sheets.SheetMaps(xf=styles.xf, dxf=styles.dxf, strings=offset, cm=cm)

    def _add_workbook_part(self, our_part: str, kind: str) -> None:
        new = free_name(posixpath.join(self.folder, posixpath.basename(our_part)), self.taken, as_is=True)
        self.added[new] = self.o.read(our_part)
        self.new_types[new] = _content_type(self.o, our_part)
        self._new_relationship(REL[kind], posixpath.relpath(new, self.folder or "."))

    # ------------------------------------------------------------------------------------------ our parts

    def _our_parts(self, tree, maps: graft_sheets.SheetMaps) -> None:
        table_id = max((int(ElementTree.fromstring(self.t.read(p)).get("id", "0")) for p in _table_parts(self.t)),
                       default=0)
        our_tables = set(_table_parts(self.o))
        sheets = {s.part for s in self.our_wb.sheets}
        for part, new in tree.names.items():
            if part in sheets:
                sheet_maps = graft_sheets.SheetMaps(maps.xf, maps.dxf, maps.strings, maps.cm,
                                                    self.our_code_names.get(part))
                tree.parts[new] = graft_sheets.our_sheet(tree.parts[new], sheet_maps)
            elif part in our_tables:
                table_id += 1
                tree.parts[new] = graft_sheets.our_table(tree.parts[new], table_id, maps.dxf)
            if not new.endswith(".rels"):
                self.new_types[new] = _content_type(self.o, part)
        self.added.update(tree.parts)

    # ------------------------------------------------------------------------------------------ workbook

    def _workbook(self, tree) -> None:
        text = self.wb_xml
        root = xmltext.root_element(text)
        elements = xmltext.children(text, root)
        prefix = root.prefix
        rel_prefix = xmltext.namespace_prefix(root.open_tag(text), REL_NS)
        declare = "" if rel_prefix else f' xmlns:r="{REL_NS}"'
        rel_prefix = rel_prefix or "r"
        their_ids = [int(xmltext.attribute(e.open_tag(text), "sheetId") or 0)
                     for s in elements if s.local == "sheets" for e in xmltext.children(text, s)]
        sheet_id = max(their_ids, default=0)
        our_text = self._text(self.our_wb.part, self.o)
        our_root = xmltext.root_element(our_text)
        our_sheets = xmltext.children(our_text, xmltext.child(our_text, our_root, "sheets"))
        entries = []
        for sheet, element in zip(self.our_wb.sheets, our_sheets):
            sheet_id += 1
            target = posixpath.relpath(tree.names[sheet.part], self.folder or ".")
            rid = self._new_relationship(REL["worksheet"], target)
            state = xmltext.attribute(element.open_tag(our_text), "state")
            entries.append(f'<{prefix}sheet name="{xmltext.escape_attribute(sheet.name)}" sheetId="{sheet_id}"'
                           + (f' state="{state}"' if state else "") + f'{declare} {rel_prefix}:id="{rid}"/>')
        edits = []
        sheets = next(e for e in elements if e.local == "sheets")
        edits += xmltext.appended(text, sheets, entries, count=False)

        names = []
        our_names = xmltext.child(our_text, our_root, "definedNames")
        for element in xmltext.children(our_text, our_names) if our_names is not None else []:
            entry = our_text[element.start:element.end]
            local = xmltext.attribute(element.open_tag(our_text), "localSheetId")
            if local is not None:
                tag = xmltext.set_attribute(element.open_tag(our_text), "localSheetId",
                                            str(int(local) + len(self.wb.sheets)))
                entry = tag + entry[len(element.open_tag(our_text)):]
            names.append(re.sub(r"<(/?)definedName\b", lambda m: f"<{m.group(1)}{prefix}definedName", entry))
        defined = next((e for e in elements if e.local == "definedNames"), None)
        if names:
            if defined is not None:
                edits += xmltext.appended(text, defined, names, count=False)
            else:
                at = _before_later(elements, "definedNames", root)
                edits.append((at, at, f"<{prefix}definedNames>{''.join(names)}</{prefix}definedNames>"))

        pr = next((e for e in elements if e.local == "workbookPr"), None)
        if pr is not None:
            edits.append((pr.start, pr.open_end,
                          xmltext.set_attribute(pr.open_tag(text), "codeName", WORKBOOK_CODE_NAME)))
        else:
            at = _before_later(elements, "workbookPr", root)
            edits.append((at, at, f'<{prefix}workbookPr codeName="{WORKBOOK_CODE_NAME}"/>'))
        calc = next((e for e in elements if e.local == "calcPr"), None)
        if calc is not None:
            edits.append((calc.start, calc.open_end,
                          xmltext.set_attribute(calc.open_tag(text), "fullCalcOnLoad", "1")))
        else:
            at = _before_later(elements, "calcPr", root)
            edits.append((at, at, f'<{prefix}calcPr fullCalcOnLoad="1"/>'))
        self.replaced[self.wb.part] = xmltext.apply_edits(text, edits).encode("utf-8")

    def _new_relationship(self, kind: str, target: str) -> str:
        """A relationship of the workbook part to add, under an id theirs does not use; returns the id."""
        ids = {rid for rid, _, _, _ in self.their_rels} | {rid for _, _, rid in self.new_rels}
        number = 1
        while f"rId{number}" in ids:
            number += 1
        self.new_rels.append((kind, target, f"rId{number}"))
        return f"rId{number}"

    def _workbook_rels(self) -> None:
        part = rels_part(self.wb.part)
        entries = [f'<Relationship Id="{rid}" Type="{kind}" Target="{xmltext.escape_attribute(target)}"/>'
                   for kind, target, rid in self.new_rels]
        self.replaced[part] = _with_relationships(self._text(part), entries)

    # ----------------------------------------------------------------------------------------- VBA, ribbon

    def _vba(self, code_names: list[str]) -> None:
        from kam_xl.template.sheet_about import UDF_MODULE
        from kam_xl.template.udf_wrappers import generate_function_help_module, generate_udf_module
        from kam_xl.template.vba import build_vba_project

        module = self.udf_module or UDF_MODULE
        try:
            project = build_vba_project(code_names, generate_udf_module(module),
                                        generate_function_help_module(module))
        except ValueError as exc:  # a code name of theirs VBA cannot take
            raise self.refuse(f"{exc} (the code names of its sheets: {', '.join(code_names)})") from None
        new = posixpath.join(self.folder, "vbaProject.bin")
        if new.lower() in self.taken:
            raise self.refuse(f"already has a part {new}")
        self.taken.add(new.lower())
        self.added[new] = project
        self.new_types[new] = VBA_CONTENT_TYPE
        self._new_relationship(REL["vbaProject"], posixpath.relpath(new, self.folder or "."))

    def _ribbon(self) -> None:
        ribbon = next(((target, kind) for _, kind, target, external in relationships(self.o, "")
                       if kind in RIBBON_TYPES and not external), None)
        if ribbon is None:
            raise ValueError("our package has no ribbon")
        part = resolve("", ribbon[0])
        if part.lower() in self.taken:
            raise self.refuse(f"already has a part {part}")
        self.taken.add(part.lower())
        self.added[part] = self.o.read(part)
        self.new_types[part] = _content_type(self.o, part)
        rels = self._text(PACKAGE_RELS)
        ids = set(re.findall(r'\bId="([^"]*)"', rels))
        number = 1
        while f"rId{number}" in ids:
            number += 1
        self.replaced[PACKAGE_RELS] = _with_relationships(
            rels, [f'<Relationship Id="rId{number}" Type="{ribbon[1]}" Target="{part}"/>'])

    def _content_types(self) -> None:
        text = self._text(CONTENT_TYPES)
        root = xmltext.root_element(text)
        edits = []
        defaults = {}
        for element in xmltext.children(text, root):
            tag = element.open_tag(text)
            if element.local == "Default":
                defaults[(xmltext.attribute(tag, "Extension") or "").lower()] = xmltext.attribute(tag, "ContentType")
            if element.local == "Override" and (xmltext.attribute(tag, "PartName") or "").lower() == \
                    "/" + self.wb.part.lower():
                edits.append((element.start, element.open_end, xmltext.set_attribute(tag, "ContentType", MACRO_MAIN)))
        entries = []
        if not edits:
            entries.append(f'<Override PartName="/{self.wb.part}" ContentType="{MACRO_MAIN}"/>')
        for part, kind in self.new_types.items():
            if kind is None:
                continue
            extension = posixpath.splitext(part)[1][1:].lower()
            if kind == VBA_CONTENT_TYPE and "bin" not in defaults:
                entries.append(f'<Default Extension="bin" ContentType="{VBA_CONTENT_TYPE}"/>')
            elif defaults.get(extension) != kind:
                entries.append(f'<Override PartName="/{part}" ContentType="{kind}"/>')
        if xmltext.namespace_prefix(root.open_tag(text), CONTENT_TYPES_NS) != "" or root.prefix:
            entries = [xmltext.with_namespace(e, CONTENT_TYPES_NS) for e in entries]
        edits.append((root.close_start, root.close_start, "".join(entries)))
        self.replaced[CONTENT_TYPES] = xmltext.apply_edits(text, edits).encode("utf-8")


# ---------------------------------------------------------------------------------------------- helpers

def _open(data: bytes, name: str, which: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        if which == "ours":
            raise ValueError("ours is not a zip package") from None
        raise PackageError(name, f"{name}: not an .xlsx/.xlsm package (no zip archive)") from None


def _guard(data: bytes, name: str) -> None:
    """The hostile-file checks of :mod:`kam_xl.package.limits` on the bytes of their workbook."""
    handle = io.BytesIO(data)
    with zipfile.ZipFile(handle) as archive:
        limits.check_directory(Path(name), archive, limits.Limits())
        for info in archive.infolist():
            limits.check_part(Path(name), handle, info)


def _table_parts(archive: zipfile.ZipFile) -> list[str]:
    types = ElementTree.fromstring(archive.read(CONTENT_TYPES))
    table = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"
    return [o.get("PartName", "").lstrip("/") for o in types.iter(qname(CONTENT_TYPES_NS, "Override"))
            if o.get("ContentType") == table and o.get("PartName", "").lstrip("/") in archive.namelist()]


def _content_type(archive: zipfile.ZipFile, part: str) -> str | None:
    types = ElementTree.fromstring(archive.read(CONTENT_TYPES))
    for override in types.iter(qname(CONTENT_TYPES_NS, "Override")):
        if override.get("PartName", "").lstrip("/").lower() == part.lower():
            return override.get("ContentType")
    extension = posixpath.splitext(part)[1][1:].lower()
    for default in types.iter(qname(CONTENT_TYPES_NS, "Default")):
        if default.get("Extension", "").lower() == extension:
            return default.get("ContentType")
    return None


def _global_names(workbook_xml: str) -> list[str]:
    root = ElementTree.fromstring(workbook_xml.encode("utf-8"))
    return [e.get("name", "") for e in root.iter() if e.tag.endswith("}definedName")
            and e.get("localSheetId") is None]


def _before_later(elements, name: str, root) -> int:
    later = WORKBOOK_ORDER[WORKBOOK_ORDER.index(name) + 1:]
    return next((e.start for e in elements if e.local in later), root.close_start)


def _with_relationships(text: str, entries: list[str]) -> bytes:
    root = xmltext.root_element(text)
    if xmltext.namespace_prefix(root.open_tag(text), PACKAGE_REL_NS) != "" or root.prefix:
        entries = [xmltext.with_namespace(e, PACKAGE_REL_NS) for e in entries]
    return xmltext.apply_edits(text, xmltext.appended(text, root, entries, count=False)).encode("utf-8")
