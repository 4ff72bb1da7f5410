"""``kam-xl install --upgrade BOOK.xlsm``: kam_xl's own parts of a workbook replaced by this kam_xl's, the user's kept.

    upgrade(path, *, out=None, build=None, lock_timeout=30.0, limits=Limits()) -> Upgraded
    upgraded_bytes(data, fresh, rebuilt=REBUILT, kept_names=frozenset()) -> bytes
    fresh_build(book, sheet_names) -> bytes

Replaced, from a template build (``build()``, default :func:`fresh_build`: the template reading the inputs where
the workbook records them, in its language, with the kam_xl input sheets it has — for a copy of KeyAccounts.xlsm
that is the template's default build; for an installed workbook its formulas keep pointing at the user's data):

- the sheets the template writes whole (About, Analysis, Matrix, Dossier, Labels; with Settings ``REBUILT``) with
  what they own (the Matrix chart, the Labels table), their formats and strings moved into the workbook's own
  tables;
- the Settings sheet, rebuilt (new settings rows come with their defaults, the stamp rows with this kam_xl's),
  each value cell the workbook had (``kam_<setting>``, ``kam_as_of``) put back exactly as it was, and the
  Dossier's selected customer (``kam_dossier_customer``) likewise, and so the rows recording where the inputs
  live (``transactions_source``, ``transactions_columns`` ...);
- a sheet of the template the workbook lacks (one a newer kam_xl brings) added where the template has it;
- the ``kam_`` names and those of the rebuilt sheets (but the defined names of the user's plain ranges, whose
  end a refresh moves, stay as they are), the VBA project (built for the workbook's sheet code names),
  the ribbon (customUI), and ``fullCalcOnLoad`` set, since the rebuilt sheets hold no results yet; Excel's
  calculation chain (calcChain.xml), which lists the old sheets' formula cells, is dropped for Excel to rebuild.

Everything else is the user's and keeps its bytes: the input sheets and tables, Win-back with its notes, Data
check, xlwings.conf, their own sheets and every other part; styles.xml and sharedStrings.xml only gain entries
(appended by install's merges, :mod:`kam_xl.package.styles_merge` and :mod:`kam_xl.package.strings_merge`, so
the rebuilt sheets look as an install makes them; the replaced sheets' entries stay, unused).
What upgrade relies on is all a workbook carries: the sheet names above, the defined names, the stamp
(:mod:`kam_xl.stamp`), sheet code names, and ``ThisWorkbook`` as the workbook's code name. A workbook already
in this kam_xl's format and version is left alone; one without a kam_xl Settings table is refused, and so is one
open in Excel (its owner file ``~$NAME`` beside it).
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import quoteattr

from kam_xl import atomic, stamp
from kam_xl.errors import InputError
from kam_xl.install.parts import Package, Rel, rels_part, relative, rels_xml
from kam_xl.install.sheet_swap import TABLE_TYPE, kept_cell, merge_names, put_cell, replace_sheet
from kam_xl.package import check_package, workbook_lock
from kam_xl.package.limits import Limits, guard
from kam_xl.package.strings_merge import merge_strings
from kam_xl.package.styles_merge import merge_styles
from kam_xl.package.workbook_part import read_workbook

REBUILT = ("About", "Analysis", "Matrix", "Dossier", "Labels", "Settings")
#: Cells of rebuilt sheets that hold the user's choices, by defined name (besides every kam_<setting>).
KEPT_NAMES = ("kam_as_of", "kam_dossier_customer")
WORKBOOK_CODE_NAME = "ThisWorkbook"
OWNER_FILE_MAX_AGE = 24.0  # hours: an older owner file ~$NAME was left by a crash (as kam-xl recalc takes it)

_OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
STYLES_REL, STRINGS_REL, METADATA_REL = _OFFICE + "styles", _OFFICE + "sharedStrings", _OFFICE + "sheetMetadata"
CALC_CHAIN_REL, WORKSHEET_REL = _OFFICE + "calcChain", _OFFICE + "worksheet"
VBA_REL = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
RIBBON_REL = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"


@dataclass
class Upgraded:
    """What :func:`upgrade` did."""

    path: Path
    before: stamp.Stamp
    after: stamp.Stamp
    changed: bool

    def line(self) -> str:
        if not self.changed:
            return f"{self.path.name}: already current ({self.before}); nothing changed."
        return f"{self.path.name}: upgraded from {self.before} to {self.after}; data, settings and notes kept."


def upgrade(path: str | os.PathLike, *, out: str | os.PathLike | None = None, build: Callable[[], bytes] | None = None,
            lock_timeout: float = 30.0, limits: Limits = Limits()) -> Upgraded:
    """Upgrade the workbook ``path`` in place (or into a new file ``out``), atomically, under its lock.

    ``build`` makes the template package whose sheets replace the workbook's (for an installed workbook: built
    with the sources pointing at its data)."""
    source = Path(path)
    target = Path(out) if out is not None else source
    if source.suffix.lower() != ".xlsm":
        raise InputError(f"{source}: a kam_xl workbook is an .xlsm (it carries macros)")
    if out is not None and target.resolve() == source.resolve():
        out, target = None, source
    from kam_xl.recalc.batch import check_owner_file

    check_owner_file(source, OWNER_FILE_MAX_AGE)  # never under Excel's feet
    with workbook_lock(target, lock_timeout):
        guard(source, limits)
        check_package(source)
        from kam_xl.book.file import FileBook

        book = FileBook(source)
        before = book.read_stamp()
        if before is None:
            raise InputError(f"{source}: not written by kam_xl (it has no kam_xl Settings table); use kam-xl "
                             f"install {source.name} to add kam_xl to it")
        if before.format > stamp.WORKBOOK_FORMAT:
            raise InputError(f"{source}: {stamp.problem(before)}")
        if before == stamp.CURRENT:
            return Upgraded(source, before, before, changed=False)
        old = source.read_bytes()
        fresh = build() if build is not None else fresh_build(book, _workbook(old).order)
        new_sheets = [s for s in _workbook(fresh).order if s not in _workbook(old).order]
        kept = frozenset(book.read_sources().defined_names())
        data = upgraded_bytes(old, fresh, REBUILT + tuple(new_sheets), kept_names=kept)
        atomic.write_bytes(target, data)
    return Upgraded(target, before, stamp.CURRENT, changed=True)


def fresh_build(book, sheet_names: list[str]) -> bytes:
    """The template build to upgrade the workbook ``book`` (a FileBook; its sheets ``sheet_names``) from: reading
    the inputs where the workbook records them (its Settings rows and defined names), in its language, with the
    input sheets of kam_xl it has (those install added, or all of a KeyAccounts copy) and every other sheet of the
    template. For a KeyAccounts copy, the template's own default build."""
    from kam_xl.template.sheets import SHEETS
    from kam_xl.template.sheet_inputs import TABLES
    from kam_xl.template.workbook import workbook_bytes

    sources = book.read_sources()
    inputs = {t.name for t in TABLES}
    sheets = [s for s in SHEETS if s not in inputs or (s in sheet_names and sources[s].kind == "ours")]
    return workbook_bytes(sources=sources, sheets=sheets, language=_language(book))


def _language(book) -> str | None:
    """The workbook's language setting (EN, DE) as its Settings table holds it; None (the template's) when it
    holds none it knows. Read raw: the settings of an older workbook are refused until it is upgraded."""
    from kam_xl.book.frames import SETTINGS_TABLE
    from kam_xl.cells import normalise_header
    from kam_xl.core.settings import LANGUAGES

    table = book.read_table(SETTINGS_TABLE)
    keys = {normalise_header(c): c for c in table.columns}
    rows = zip(table[keys["setting"]], table[keys["value"]]) if {"setting", "value"} <= set(keys) else ()
    value = next((str(v).strip().upper() for s, v in rows if normalise_header(s) == "language"), None)
    return value if value in LANGUAGES else None


def upgraded_bytes(data: bytes, fresh_data: bytes, rebuilt: tuple[str, ...] = REBUILT,
                   kept_names: frozenset[str] = frozenset()) -> bytes:
    """The package ``data`` with kam_xl's parts taken from the template package ``fresh_data``: the sheets
    ``rebuilt``, their names, the VBA project, the ribbon. The workbook's defined names ``kept_names`` (its plain
    ranges of data) and the Settings rows recording where its inputs live keep their values exactly."""
    target, fresh = Package.read(data), Package.read(fresh_data)
    ours, theirs = _workbook(fresh_data), _workbook(data)
    unknown = [name for name in rebuilt if name not in ours.parts]
    if unknown:
        raise InputError(f"the template build has no sheet {', '.join(unknown)} to upgrade from")
    old_sheets = {name: target.parts[theirs.parts[name]] for name in rebuilt if name in theirs.parts}
    for name in rebuilt:
        if name not in theirs.parts:
            _add_sheet(target, theirs, fresh, ours, name)
    old_names, new_names = _names(target.parts[theirs.workbook]), _names(fresh.parts[ours.workbook])

    styles_part = theirs.part(target, STYLES_REL)
    merged_styles, styles = merge_styles(target.parts[styles_part].decode("utf-8"),
                                         fresh.parts[ours.part(fresh, STYLES_REL)].decode("utf-8"))
    strings_part, fresh_sst = theirs.part(target, STRINGS_REL), fresh.parts[ours.part(fresh, STRINGS_REL)]
    if strings_part is None:
        strings_part = _added(target, theirs.workbook, STRINGS_REL, "xl/sharedStrings.xml", fresh,
                              ours.part(fresh, STRINGS_REL))
        merged_sst, offset = fresh_sst, 0
    else:
        merged, offset = merge_strings(target.parts[strings_part].decode("utf-8"), fresh_sst.decode("utf-8"))
        merged_sst = merged.encode("utf-8")
    for name in rebuilt:
        replace_sheet(target, fresh, theirs.parts[name], ours.parts[name], styles, offset)
    _keep_user_cells(target, theirs, old_sheets, old_names, new_names)
    if "Settings" in old_sheets and "Settings" in rebuilt:
        part = theirs.parts["Settings"]
        target.parts[part] = _keep_source_rows(old_sheets["Settings"], target.parts[part], _items(merged_sst))

    workbook_xml = merge_names(target.parts[theirs.workbook], fresh.parts[ours.workbook], theirs.order,
                               ours.order, set(rebuilt), kept_names)
    target.parts[theirs.workbook] = _full_calc_on_load(workbook_xml)
    target.parts[styles_part] = merged_styles.encode("utf-8")
    target.parts[strings_part] = merged_sst
    if theirs.part(target, METADATA_REL) is None and ours.part(fresh, METADATA_REL) is not None:
        part = _added(target, theirs.workbook, METADATA_REL, "xl/metadata.xml", fresh, ours.part(fresh, METADATA_REL))
        target.parts[part] = fresh.parts[ours.part(fresh, METADATA_REL)]
    vba = theirs.part(target, VBA_REL) or _added(target, theirs.workbook, VBA_REL, "xl/vbaProject.bin", fresh,
                                                  ours.part(fresh, VBA_REL))
    target.parts[vba] = _vba_project(target, theirs)
    _drop_calc_chain(target, theirs.workbook)
    ribbon, fresh_ribbon = _ribbon(target), _ribbon(fresh)
    ribbon = ribbon or _added(target, "", RIBBON_REL, fresh_ribbon, fresh, fresh_ribbon)
    target.parts[ribbon] = fresh.parts[fresh_ribbon]
    return target.to_bytes()


def _add_sheet(target: Package, theirs: _Book, fresh: Package, ours: _Book, name: str) -> None:
    """An empty sheet ``name`` in ``target`` where the template has it (after the sheets before it there), for
    :func:`replace_sheet` to fill; the sheet indexes of names and views after it move up by one."""
    clash = [t for t in _table_names(fresh, fresh.owned(ours.parts[name])) if t.casefold() in
             {n.casefold() for n in _table_names(target, list(target.parts))}]
    if clash:
        raise InputError(f"this kam_xl adds the sheet {name!r} with the table {clash[0]!r}, and the workbook has a "
                         f"table of that name already; rename yours and upgrade again")
    part = _added(target, theirs.workbook, WORKSHEET_REL, "xl/worksheets/sheet1.xml", fresh, ours.parts[name])
    before = ours.order[:ours.order.index(name)]
    at = max((theirs.order.index(s) + 1 for s in before if s in theirs.order), default=0)
    xml = target.parts[theirs.workbook]
    prefix = re.search(rb'xmlns:(\w+)="%s"' % _OFFICE[:-1].encode(), xml).group(1)
    rid = next(r.id for r in target.rels(theirs.workbook).values() if r.part == part)
    ids = [int(i) for i in re.findall(rb'<sheet\b[^>]*\ssheetId="(\d+)"', xml)]
    state = re.search(rb'<sheet\b[^>]*\sname="%s"[^>]*?\s(state="\w+")' % re.escape(name.encode()),
                      fresh.parts[ours.workbook])
    element = b'<sheet name=%s sheetId="%d"%s %s:id="%s"/>' % (
        quoteattr(name).encode(), max(ids, default=0) + 1, b" " + state.group(1) if state else b"", prefix,
        rid.encode())
    sheets = list(re.finditer(rb"<sheet\b[^>]*/>", xml))
    where = sheets[at].start() if at < len(sheets) else xml.index(b"</sheets>")
    xml = xml[:where] + element + xml[where:]
    for attribute in (b"localSheetId", b"activeTab", b"firstSheet"):
        xml = re.sub(rb'(\s%s=")(\d+)"' % attribute,
                     lambda m: m.group(1) + b'%d"' % (int(m.group(2)) + (int(m.group(2)) >= at)), xml)
    target.parts[theirs.workbook] = xml
    target.parts[part] = b""
    theirs.order.insert(at, name)
    theirs.parts[name], theirs.kinds[name] = part, "worksheet"


def _table_names(package: Package, parts: list[str]) -> list[str]:
    found = []
    for part in parts:
        if package.parts.get(part) and package.content_type(part) == TABLE_TYPE:
            name = re.search(rb'\sdisplayName="([^"]*)"', package.parts[part])
            found += [name.group(1).decode()] if name else []
    return found


@dataclass
class _Book:
    workbook: str                  # the workbook part
    parts: dict[str, str]          # worksheet name -> part
    order: list[str]               # every sheet name, in workbook order (localSheetId)
    kinds: dict[str, str]

    def part(self, package: Package, rel_type: str) -> str | None:
        return next((r.part for r in package.rels(self.workbook).values() if r.type == rel_type), None)


def _workbook(data: bytes) -> _Book:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        book = read_workbook(archive)
    return _Book(book.part, {s.name: s.part for s in book.sheets if s.kind == "worksheet" and s.part},
                 [s.name for s in book.sheets], {s.name: s.kind for s in book.sheets})


_DEFINED = re.compile(rb'<definedName\b[^>]*\bname="([^"]+)"[^>]*>([^<]*)</definedName>')
_CELL_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^!]+))!\$?([A-Z]+)\$?(\d+)$")


def _names(workbook_xml: bytes) -> dict[str, tuple[str, str]]:
    """Workbook-scoped names of one cell: name -> (sheet, A1 reference)."""
    found = {}
    for name, text in _DEFINED.findall(workbook_xml):
        match = _CELL_REF.match(text.decode().replace("&apos;", "'"))
        if match:
            sheet = (match.group(1) or "").replace("''", "'") or match.group(2)
            found[name.decode()] = (sheet, f"{match.group(3)}{match.group(4)}")
    return found


def _keep_user_cells(target: Package, theirs: _Book, old_sheets: dict[str, bytes], old_names, new_names) -> None:
    """Each cell of the user's choices (settings, as-of day, dossier customer) put back in the rebuilt sheet."""
    from kam_xl.core.settings import field_names
    from kam_xl.template.sheet_settings import cell_name

    for name in [*map(cell_name, field_names()), *KEPT_NAMES]:
        if name not in old_names or name not in new_names:
            continue
        (old_sheet, old_ref), (new_sheet, new_ref) = old_names[name], new_names[name]
        if old_sheet not in old_sheets or new_sheet not in theirs.parts:
            continue
        cell = kept_cell(old_sheets[old_sheet], old_ref)
        if cell is not None:
            part = theirs.parts[new_sheet]
            target.parts[part] = put_cell(target.parts[part], new_ref, cell, old_ref)


_LABEL = re.compile(rb'<c\b[^>]*?\sr="A(\d+)"[^>]*?\bt="(s|inlineStr|str)"[^>]*>(.*?)</c>', re.DOTALL)
_TEXT = re.compile(rb"<t\b[^>]*>([^<]*)</t>")


_ITEM = re.compile(rb"<(?:\w+:)?si\b(?:[^>]*/>|.*?</(?:\w+:)?si>)", re.DOTALL)


def _items(sst: bytes) -> list[bytes]:
    """The items (``<si>``) of a shared strings part, in order."""
    return _ITEM.findall(sst)


def _labels(sheet_xml: bytes, strings: list[bytes]) -> dict[str, int]:
    """Row of each text label of column A: shared strings (``strings``, the items of the workbook's table) or
    inline."""
    found = {}
    for row, kind, body in _LABEL.findall(sheet_xml):
        if kind == b"s":
            value = re.search(rb"<v>(\d+)</v>", body)
            if value is None or int(value.group(1)) >= len(strings):
                continue
            body = strings[int(value.group(1))]
        text = b"".join(_TEXT.findall(body)) if kind != b"str" else b"".join(re.findall(rb"<v>([^<]*)</v>", body))
        found.setdefault(text.decode(errors="replace").strip(), int(row))
    return found


def _keep_source_rows(old_xml: bytes, new_xml: bytes, strings: list[bytes]) -> bytes:
    """The rebuilt Settings sheet ``new_xml`` with the value cell of each row recording a source
    (``transactions_source``, ``transactions_columns`` ...) as the old sheet had it."""
    from kam_xl.core.settings import SOURCE_ROWS

    old_rows, new_rows = _labels(old_xml, strings), _labels(new_xml, strings)
    for label in SOURCE_ROWS:
        if label in old_rows and label in new_rows:
            cell = kept_cell(old_xml, f"B{old_rows[label]}")
            if cell is not None:
                new_xml = put_cell(new_xml, f"B{new_rows[label]}", cell, f"B{old_rows[label]}")
    return new_xml


_CALC_PR = re.compile(rb"<calcPr\b([^>]*?)(/?)>")


def _full_calc_on_load(xml: bytes) -> bytes:
    found = _CALC_PR.search(xml)
    if found is None:
        return xml.replace(b"</workbook>", b'<calcPr fullCalcOnLoad="1"/></workbook>', 1) \
            if b"<extLst" not in xml else xml.replace(b"<extLst", b'<calcPr fullCalcOnLoad="1"/><extLst', 1)
    if b"fullCalcOnLoad" in found.group(1):
        return xml[:found.start()] + re.sub(rb'fullCalcOnLoad="\w+"', b'fullCalcOnLoad="1"', found.group(0)) \
            + xml[found.end():]
    return xml[:found.start()] + b'<calcPr%s fullCalcOnLoad="1"%s>' % (found.group(1), found.group(2)) \
        + xml[found.end():]


def _vba_project(target: Package, book: _Book) -> bytes:
    """The VBA project for the workbook's sheets, by their code names in workbook order."""
    from kam_xl.template import build_vba_project, generate_function_help_module, generate_udf_module
    from kam_xl.template.sheet_about import UDF_MODULE

    code = re.search(rb'<workbookPr\b[^>]*\bcodeName="([^"]*)"', target.parts[book.workbook])
    if code is None or code.group(1).decode() != WORKBOOK_CODE_NAME:
        raise InputError(f"the workbook's code name is {code.group(1).decode() if code else 'missing'}, not "
                         f"{WORKBOOK_CODE_NAME}; the VBA project of kam_xl needs {WORKBOOK_CODE_NAME}")
    names = []
    for sheet in book.order:
        if book.kinds[sheet] != "worksheet":
            raise InputError(f"sheet {sheet!r} is a {book.kinds[sheet]}; the VBA project of kam_xl has document "
                             "modules for worksheets only")
        found = re.search(rb'<sheetPr\b[^>]*\bcodeName="([^"]+)"', target.parts[book.parts[sheet]])
        if found is None:
            raise InputError(f"sheet {sheet!r} has no VBA code name; open the workbook in Excel with macros and "
                             "save it, then upgrade again")
        names.append(found.group(1).decode())
    return build_vba_project(names, generate_udf_module(UDF_MODULE), generate_function_help_module(UDF_MODULE))


def _drop_calc_chain(target: Package, workbook: str) -> None:
    """Excel's calculation chain lists the formula cells of the sheets as they were; without it Excel builds a
    new one, with a stale one it reports the file damaged."""
    rels = target.rels(workbook)
    chain = [r for r in rels.values() if r.type == CALC_CHAIN_REL]
    if chain:
        target.parts[rels_part(workbook)] = rels_xml([r for r in rels.values() if r.type != CALC_CHAIN_REL])
        for rel in chain:
            target.remove(rel.part)


def _ribbon(package: Package) -> str | None:
    return next((r.part for r in package.rels("").values() if r.type == RIBBON_REL), None)


def _added(target: Package, owner: str, rel_type: str, wanted: str, fresh: Package, fresh_part: str) -> str:
    """A new part of ``target`` related to ``owner`` as ``fresh_part`` is in ``fresh`` (same content type)."""
    name = target.free_name(wanted)
    target.parts[name] = b""
    rels = list(target.rels(owner).values())
    ids = {r.id for r in rels}
    new_id = next(f"rId{n}" for n in range(1, len(ids) + 2) if f"rId{n}" not in ids)
    target.parts[rels_part(owner)] = rels_xml([*rels, Rel(new_id, rel_type, relative(owner, name), name)])
    content_type = fresh.content_type(fresh_part)
    if content_type:
        target.set_content_type(name, content_type)
    return name

