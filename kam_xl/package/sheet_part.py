"""Cached values into a worksheet part, edited in its bytes (ECMA-376 Part 1, 18.3.1.99 ``sheetData``,
18.3.1.73 ``row``, 18.3.1.4 ``c``).

    <sheetData>
      <row r="7" …>
        <c r="B7" s="3" t="str">       t: type of the cached value; s, cm (dynamic array), vm (rich value)
          <f …>formula</f>            kept byte for byte, shared and array formulas alike
          <v>cached value</v>         replaced, inserted or removed
          <is>…</is>                  inline string: dropped when the value is written (t="str" + <v>)
        </c>
      </row>
    </sheetData>

The part is never parsed into a tree. The first pass below rebuilds it as it goes; the second records edits as
(start, end, new bytes), and the new part is the slices between them and the edits joined once. Everything
outside an edited ``<c>`` stays byte-identical, but for two attribute values that must follow created cells:
``<dimension ref>`` (widened) and, when a spill range moves, the ``ref`` of its dynamic-array formula. Two
passes, both forward only, so the work is linear in the size of the part:

1. one scan over the cells of ``<sheetData>`` settles every target whose cell has the simple shape nearly
   all cells have, from any writer (r, s and t; an optional ``<f>``; an optional ``<v>``): a cell that
   already holds the value costs one match and one comparison, and nothing is built for it;
2. the rest (other shapes, cells to create, conflicts) in a walk over the ``<row>`` start tags that looks
   inside the rows holding a target cell.

Targets are keyed by their reference as it is written in the file (``b"B7"``: letters in upper case, no
``$``, no leading zero), so the scan looks each cell up without parsing a reference.

A value goes into a cell that has a formula, or into a cell of an array/spill range (the ``ref`` of an
``<f t="array">``, which is how both legacy array formulas and dynamic-array spills are saved). Such a cell is
created, with its row, when the file has none. A constant elsewhere is a conflict and stays as it is.
Writing a value drops ``vm`` (the index of the rich value that described the old value).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from operator import itemgetter

from kam_xl import a1
from kam_xl.package.cell_values import EMPTY, Cached
from kam_xl.package.names import MAIN_NS

MAX_ROW, MAX_COL = 1_048_576, 16_384

CONSTANT = "holds a constant, not a formula, outside every array/spill range; left unchanged"
NO_FORMULA = "has no formula and lies outside every array/spill range; not created"
NO_REFERENCES = "its row has cells without an r reference, so a new cell cannot be placed; not created"
NO_ANCHOR = "holds no array formula to spill from; its spill range was not changed"
NOT_DYNAMIC = "is an array formula without dynamic-array metadata (cm); its range is fixed and was not changed"
BAD_SPILL = "spill range does not start at the formula's cell; not changed"


class SheetError(ValueError):
    """The part cannot be edited safely; the message says why (the caller adds the file and sheet)."""


@dataclass
class SheetResult:
    data: bytes | None                      # the new part, None when no byte changed
    written: int = 0                        # existing cells whose value changed
    created: list[str] = field(default_factory=list)     # cells (and rows) that did not exist
    unchanged: int = 0                      # cells that already held the value
    conflicts: list[tuple[str, str]] = field(default_factory=list)  # (cell, reason)
    resized: list[str] = field(default_factory=list)     # spill ranges changed, as "I5:J105"


# ---------------------------------------------------------------------------------------------- references

_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")
_CANONICAL_REF = re.compile(rb"([A-Z]{1,3})([0-9]{1,7})")
# Many references at once, joined by newlines: each in canonical form (upper case, no $, no leading zero) and
# well inside the sheet: up to ZZ and row 999,999 (three letters or seven digits may lie past XFD or row
# 1,048,576: those take the exact path). The quantifiers are possessive: the classes that follow each other are
# disjoint, so nothing needs backtracking.
_CANONICAL_REFS = re.compile(r"(?:[A-Z]{1,2}+[1-9][0-9]{0,5}+\n)*+")


def parse_ref(ref: str) -> tuple[int, int]:
    """``"B7"`` -> (7, 2); ``$`` signs and lower case are accepted. ValueError for anything else."""
    m = _REF.fullmatch(ref) if isinstance(ref, str) else None
    if not m:
        raise ValueError(f"{ref!r} is not a cell reference like B7")
    col, row = a1.column_number(m.group(1)), int(m.group(2))
    if not (1 <= row <= MAX_ROW and 1 <= col <= MAX_COL):
        raise ValueError(f"{ref!r} lies outside the sheet (A1:XFD1048576)")
    return row, col


def canonical_refs(refs) -> list[bytes] | None:
    """``["B7", "C7"]`` -> ``[b"B7", b"C7"]`` when every reference is already canonical and well inside the
    sheet, checked with one match over all of them; None when any is not (then parse them one by one with
    :func:`parse_ref`, which accepts ``$`` and lower case and says what is wrong)."""
    refs = list(refs)
    if not refs:
        return []
    try:
        text = "\n".join(refs) + "\n"
    except TypeError:  # not all are str
        return None
    if not _CANONICAL_REFS.fullmatch(text):
        return None
    parsed = text.encode("ascii").split(b"\n")[:-1]
    return parsed if len(parsed) == len(refs) else None  # a reference holding a newline


def split_ref(ref: bytes) -> tuple[int, int]:
    """A canonical reference (``b"B7"``) -> (7, 2)."""
    m = _CANONICAL_REF.fullmatch(ref)
    return int(m.group(2)), _column_of(m.group(1))


@lru_cache(maxsize=4096)
def _column_of(letters: bytes) -> int:
    return a1.column_number(letters.decode("ascii"))


@cache
def column_letters(col: int) -> bytes:
    return a1.column_letters(col).encode("ascii")


def ref_bytes(row: int, col: int) -> bytes:
    return column_letters(col) + str(row).encode("ascii")


def _parse_ref_bytes(ref: bytes) -> tuple[int, int] | None:
    try:
        return parse_ref(ref.decode("ascii"))
    except (ValueError, UnicodeDecodeError):
        return None


# ---------------------------------------------------------------------------------------------- markup

_ATTR = re.compile(rb"""\s+([\w.:-]+)\s*=\s*("[^"]*"|'[^']*')""")
_ROW_NUMBER = re.compile(rb"""\sr\s*=\s*["']([0-9]+)["']""")
_CHILD = re.compile(rb"<([\w.:-]+)([^>]*?)(/?)>")
_ROOT = re.compile(rb"<(?![?!])(?:([\w.-]+):)?([\w.-]+)([^>]*)>")


class _Markup:
    """The compiled patterns of one namespace prefix ('' for the default namespace, 'x' for <x:c>)."""

    def __init__(self, prefix: bytes):
        p = re.escape(prefix)
        self.prefix = prefix
        self.sheet_data = re.compile(rb"<" + p + rb"sheetData\b[^>]*?(/?)>")
        self.sheet_data_end = b"</" + prefix + b"sheetData>"
        self.row = re.compile(rb"<" + p + rb'row\b(?: r="([0-9]+)")?([^>]*?)(/?)>')  # r when first
        self.row_end = b"</" + prefix + b"row>"
        self.cell = re.compile(rb"<" + p + rb"c\b([^>]*?)(/?)>")
        self.cell_column = re.compile(rb"<" + p + rb'c\b(?:\s+r="([A-Z]{1,3})[0-9]+")?')  # letters when r is first
        self.cell_end = b"</" + prefix + b"c>"
        self.cell_open = b"<" + prefix + b'c r="'
        self.array_formula = re.compile(rb"<" + p + rb"f\s[^>]*?\bt\s*=\s*([\"'])array\1[^>]*>")
        self.col = re.compile(rb"<" + p + rb"col\b([^>]*?)/?>")
        self.dimension = re.compile(rb"<" + p + rb"dimension\b([^>]*?)/?>")
        self.cols_end = b"</" + prefix + b"cols>"
        self.f, self.v, self.is_ = prefix + b"f", prefix + b"v", prefix + b"is"
        self.c_open, self.v_open, self.v_close = b"<" + prefix + b"c", b"<" + self.v + b">", b"</" + self.v + b">"
        # The shape nearly every computed cell has, whoever wrote it: r, s and t only, then at most one <f>
        # and at most one <v>, or no content at all (a spilled cell whose result is empty: <c r="K3" s="6"/>).
        # Groups: r and s as written, the reference, its letters, its digits, t, the <f> element, the <v>
        # element, the <v> text. Possessive where what follows cannot match what was taken (a third faster);
        # the attributes of <f> may end in the "/" of "/>", so they can give it back.
        self.simple_cell = re.compile(
            rb"<" + p + rb'c( r="(([A-Z]{1,3}+)([0-9]{1,7}+))"(?: s="[0-9]++")?+)(?: t="([a-zA-Z]++)")?+'
            rb"(?:/>|>(<" + p + rb"f(?:\s[^>]*)?(?:/>|>[^<]*+</" + p + rb"f>))?+"
            rb"(<" + p + rb"v>([^<]*+)</" + p + rb"v>|<" + p + rb"v/>)?+</" + p + rb"c>)")
        # The same with the <f> required: where no array/spill range holds value cells, only formula cells
        # can be targets, and the scan need not stop at every other cell of the sheet.
        self.simple_formula_cell = re.compile(
            rb"<" + p + rb'c( r="(([A-Z]{1,3}+)([0-9]{1,7}+))"(?: s="[0-9]++")?+)(?: t="([a-zA-Z]++)")?+'
            rb">(<" + p + rb"f(?:\s[^>]*)?(?:/>|>[^<]*+</" + p + rb"f>))"
            rb"(<" + p + rb"v>([^<]*+)</" + p + rb"v>|<" + p + rb"v/>)?+</" + p + rb"c>")

    def v_element(self, text: bytes) -> bytes:
        return self.v_open + text + self.v_close


@lru_cache(maxsize=8)
def _markup(prefix: bytes) -> _Markup:
    return _Markup(prefix)


def _attributes(tag_attrs: bytes) -> dict[bytes, tuple[int, int, bytes]]:
    """name -> (start of the leading space, end of the closing quote, value) within ``tag_attrs``."""
    return {m.group(1): (m.start(), m.end(), m.group(2)[1:-1]) for m in _ATTR.finditer(tag_attrs)}


def _row_style(row_attrs: bytes) -> bytes | None:
    """The style a formatted row (``s`` with ``customFormat="1"``) gives its new cells, as Excel does."""
    attrs = _attributes(row_attrs)
    if b"s" in attrs and attrs.get(b"customFormat", (0, 0, b"0"))[2] in (b"1", b"true"):
        return attrs[b"s"][2]
    return None


def _root_markup(xml: bytes) -> _Markup:
    if xml[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise SheetError("the part is UTF-16; only UTF-8 worksheets are supported")
    m = _ROOT.search(xml)
    if not m or m.group(2) != b"worksheet":
        found = m.group(2).decode("ascii", "replace") if m else "nothing"
        raise SheetError(f"expected a <worksheet> part, found <{found}>")
    prefix = m.group(1) or b""
    decl = b"xmlns:" + prefix if prefix else b"xmlns"
    ns = _attributes(m.group(3)).get(decl)
    if ns is None or ns[2].decode("utf-8", "replace") not in MAIN_NS:
        raise SheetError("the <worksheet> element is not in the SpreadsheetML namespace")
    return _markup(prefix + b":" if prefix else b"")


# ---------------------------------------------------------------------------------------------- footprints

class _Footprints:
    """Array and spill ranges (``<f t="array" ref="D1:D9">``), queried fastest in ascending row order (a
    query for an earlier row starts over)."""

    def __init__(self, rects: list[tuple[int, int, int, int]]):
        self._rects = sorted(rects, reverse=True)  # pop() gives the smallest first row
        self.any = bool(rects)
        self._start_over()

    def _start_over(self) -> None:
        self._pending = list(self._rects)
        self._active: list[tuple[int, int, int, int]] = []
        self._columns: list[tuple[int, int]] = []  # (first, last) column of each range covering self._row
        self._row = 0

    def covers(self, row: int, col: int) -> bool:
        for c1, c2 in self.columns(row):
            if c1 <= col <= c2:
                return True
        return False

    def columns(self, row: int) -> list[tuple[int, int]]:
        """(first, last) column of each range that covers ``row``."""
        if row != self._row:
            self._move_to(row)
        return self._columns

    def _move_to(self, row: int) -> None:
        if row < self._row:
            self._start_over()
        self._row = row
        self._active = [r for r in self._active if r[2] >= row]
        while self._pending and self._pending[-1][0] <= row:
            rect = self._pending.pop()
            if rect[2] >= row:
                self._active.append(rect)
        self._columns = [(c1, c2) for _, c1, _, c2 in self._active]


def _rect(ref: bytes) -> tuple[int, int, int, int] | None:
    """``b"D1:E9"`` or ``b"D1"`` -> (first row, first column, last row, last column)."""
    corners = [_parse_ref_bytes(part) for part in ref.split(b":")]
    if None in corners or len(corners) > 2:
        return None
    (r1, c1), (r2, c2) = corners[0], corners[-1]
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def _footprints(xml: bytes, mk: _Markup, start: int, end: int, extra=()) -> _Footprints:
    rects = list(extra)
    for m in mk.array_formula.finditer(xml, start, end):
        ref = _attributes(m.group(0)).get(b"ref")
        rect = _rect(ref[2]) if ref else None
        if rect and rect[:2] != rect[2:]:
            rects.append(rect)
    return _Footprints(rects)


def _cells_left(old: tuple[int, int, int, int], new: tuple[int, int, int, int]):
    """(row, column) of each cell of the range ``old`` outside the range ``new``, row by row; a range that
    grows leaves none, and a range that shrinks by a row costs that row, not the whole range."""
    r1, c1, r2, c2 = old
    for row in range(r1, r2 + 1):
        if new[0] <= row <= new[2]:  # the columns left and right of the new range
            columns = (*range(c1, min(c2, new[1] - 1) + 1), *range(max(c1, new[3] + 1), c2 + 1))
        else:
            columns = range(c1, c2 + 1)
        for col in columns:
            yield row, col


def _resize_spills(xml: bytes, mk: _Markup, start: int, end: int, spills: dict[tuple[int, int], tuple],
                   result: SheetResult) -> tuple[bytes, list[tuple[tuple, tuple]]]:
    """The ``ref`` of each dynamic-array anchor in ``spills`` set to the range its result now fills (Excel
    records the spill range there); returns the new part and the (old, new) ranges moved. Only the value of that one
    attribute changes; an anchor without ``cm`` (a legacy array formula: its range is the user's) is left."""
    spills, edits, moved = dict(spills), [], []
    for m in mk.array_formula.finditer(xml, start, end):
        ref = _attributes(m.group(0)).get(b"ref")
        rect = _rect(ref[2]) if ref else None
        if rect is None or (rect[0], rect[1]) not in spills:
            continue
        new = spills.pop((rect[0], rect[1]))
        anchor = ref_bytes(rect[0], rect[1]).decode()
        cell = xml.rfind(b"<" + mk.prefix + b"c", start, m.start())
        tag = mk.cell.match(xml, cell, m.start()) if cell >= 0 else None
        if tag is None or b"cm" not in _attributes(tag.group(1)):
            result.conflicts.append((anchor, NOT_DYNAMIC))
            continue
        if new[:2] != rect[:2]:
            result.conflicts.append((anchor, BAD_SPILL))
            continue
        if new == rect:
            continue
        text = ref_bytes(new[0], new[1])
        if new[:2] != new[2:]:
            text += b":" + ref_bytes(new[2], new[3])
        value_end = m.start() + ref[1] - 1  # before the closing quote
        edits.append((value_end - len(ref[2]), value_end, text))
        moved.append((rect, new))
        result.resized.append(text.decode())
    for (row, col) in spills:
        result.conflicts.append((ref_bytes(row, col).decode(), NO_ANCHOR))
    if not edits:
        return xml, moved
    out, pos = [], 0
    for s_, e_, text in edits:  # found in document order
        out += [xml[pos:s_], text]
        pos = e_
    out.append(xml[pos:])
    return b"".join(out), moved


# ---------------------------------------------------------------------------------------------- the editor

class _Editor:
    def __init__(self, xml: bytes, targets: dict[bytes, Cached], spills: dict | None = None):
        self.xml = xml
        self.original = xml
        self.spills = spills or {}
        self.mk = _root_markup(xml)
        self.result = SheetResult(None)
        self.edits: list[tuple[int, int, bytes]] = []
        self.targets = targets
        self.by_row: dict[int, list[tuple[int, Cached]]] = {}  # what the row walk has to do, in order
        self._col_styles: list[tuple[int, int, bytes]] | None = None
        self._created_box: tuple[int, int, int, int] | None = None  # rows and columns of created cells

    # -- the story of the part, in document order
    def run(self) -> SheetResult:
        xml, mk = self.xml, self.mk
        sd = mk.sheet_data.search(xml)
        if sd is None:
            raise SheetError("the worksheet has no <sheetData>")
        if sd.group(1):  # <sheetData/>: nothing to anchor a value or a spill at
            for (row, col), value in sorted((split_ref(ref), value) for ref, value in self.targets.items()):
                self._no_cell(row, col, value)
            self.result.conflicts += [(ref_bytes(*anchor).decode(), NO_ANCHOR) for anchor in self.spills]
            return self.result
        self.sd_start = sd.end()
        self.sd_end = xml.find(mk.sheet_data_end, self.sd_start)
        if self.sd_end < 0:
            raise SheetError("<sheetData> is not closed")
        if xml.find(b"<!", self.sd_start, self.sd_end) >= 0:
            raise SheetError("<sheetData> holds comments or CDATA sections, which kam_xl does not edit")
        moved = []
        if self.spills:
            xml, moved = _resize_spills(xml, mk, self.sd_start, self.sd_end, self.spills, self.result)
            self.xml, self.sd_end = xml, xml.find(mk.sheet_data_end, self.sd_start)
            self._clear_shrunk(moved)
        # Old spill ranges count as footprints too, so that the cells they leave can be emptied.
        self.footprints = _footprints(xml, mk, self.sd_start, self.sd_end, [old for old, _ in moved])
        self._queue_for_rows(self._write_simple_cells())
        self._write_rows()
        self._write_dimension()
        changed = self.edits or self.xml is not self.original
        self.result.data = self._joined() if changed else None
        return self.result

    def _write_dimension(self) -> None:
        """``<dimension ref>`` (the used range, 18.3.1.35) widened to cover created cells: some readers stop
        where it says (openpyxl in read-only mode, so pandas)."""
        if not self._created_box:
            return
        m = self.mk.dimension.search(self.xml, 0, self.sd_start)
        ref = _attributes(m.group(1)).get(b"ref") if m else None
        rect = _rect(ref[2]) if ref else None
        if rect is None:
            return
        r1, c1, r2, c2 = self._created_box
        union = min(rect[0], r1), min(rect[1], c1), max(rect[2], r2), max(rect[3], c2)
        if union != rect:
            value_end = m.start(1) + ref[1] - 1  # before the closing quote
            text = ref_bytes(union[0], union[1]) + b":" + ref_bytes(union[2], union[3])
            self.edits.append((value_end - len(ref[2]), value_end, text))

    def _clear_shrunk(self, moved: list[tuple[tuple, tuple]]) -> None:
        """Cells of an old spill range that the new one leaves lose their cached value (unless given one)."""
        targets = self.targets = dict(self.targets)
        for old, new in moved:
            for row, col in _cells_left(old, new):
                ref = ref_bytes(row, col)
                if ref not in targets:
                    targets[ref] = EMPTY

    def _write_simple_cells(self) -> dict[bytes, Cached]:
        """First pass, for speed: one forward scan over the cells of ``<sheetData>``; a target whose cell has
        the simple shape is settled here, and costs a dictionary look-up and a comparison when it already
        holds the value. A cell without a formula is settled only inside an array/spill range. The part is
        rebuilt as the scan goes (unchanged slices and new cells, joined once). Returns the targets left for
        the row walk (cells to create, other shapes, conflicts)."""
        xml, mk = self.xml, self.mk
        pending = dict(self.targets)
        pop, column_of, columns_in = pending.pop, _column_of, self.footprints.columns
        c_open, v_open, v_close, cell_end = mk.c_open, mk.v_open, mk.v_close + mk.cell_end, mk.cell_end
        pieces, pos, unchanged, written, row_digits, covered = [], 0, 0, 0, None, ()
        pattern = mk.simple_cell if self.footprints.any else mk.simple_formula_cell
        for m in pattern.finditer(xml, self.sd_start, self.sd_end):
            if not pending:
                break
            head, ref, letters, digits, old_t, formula, v_element, old_text = m.groups()
            value = pop(ref, None)
            if value is None:
                continue
            if formula is None:  # a value cell: a target only inside an array/spill range
                if digits != row_digits:
                    row_digits, covered = digits, columns_in(int(digits))
                col = column_of(letters)
                for c1, c2 in covered:
                    if c1 <= col <= c2:
                        break
                else:
                    pending[ref] = value  # a constant, or an empty cell: the row walk says which
                    continue
            new_t, new_v, _ = value
            if old_text is None and v_element:
                old_text = b""  # <v/>
            same_t = (None if old_t == b"n" else old_t) == new_t
            if same_t and old_text == new_v:
                unchanged += 1
                continue
            if same_t and new_v is not None and (text_start := m.start(8)) >= 0:  # only the text of <v> changes
                pieces += (xml[pos:text_start], new_v)
                pos = m.end(8)
                written += 1
                continue
            # The cell again, t and <v> rebuilt around the untouched r, s and <f> (inline: this runs per cell).
            start, end = m.span()
            if new_t is None:  # a number: no t, but LibreOffice's explicit t="n" stays
                t = b' t="n"' if old_t == b"n" else b""
            else:
                t = b' t="' + new_t + b'"'
            if new_v is not None:
                pieces += (xml[pos:start], c_open, head, t, b">", formula or b"", v_open, new_v, v_close)
            elif xml[end - 2:end] == b"/>":  # an empty result into <c …/>: it stays self-closing
                pieces += (xml[pos:start], c_open, head, t, b"/>")
            else:  # an empty result: no <v>
                pieces += (xml[pos:start], c_open, head, t, b">", formula or b"", cell_end)
            pos = end
            written += 1
        self.result.unchanged += unchanged
        self.result.written += written
        if pieces:
            pieces.append(xml[pos:])
            self.xml = b"".join(pieces)
            self.sd_end = self.xml.find(mk.sheet_data_end, self.sd_start)
        return pending

    def _queue_for_rows(self, pending: dict[bytes, Cached]) -> None:
        """``by_row``: the targets the row walk has to do, by row, each row's cells in column order."""
        rest = self.by_row
        for (r, col), value in sorted((split_ref(ref), value) for ref, value in pending.items()):
            if r in rest:
                rest[r].append((col, value))
            else:
                rest[r] = [(col, value)]

    def _write_rows(self) -> None:
        xml, mk, sd_end = self.xml, self.mk, self.sd_end
        rows = sorted(self.by_row)
        ti, previous = 0, 0
        for m in mk.row.finditer(xml, self.sd_start, sd_end):
            if ti == len(rows):
                return
            if m.group(1):
                r = int(m.group(1))
            else:
                number = _ROW_NUMBER.search(m.group(2))
                r = int(number.group(1)) if number else previous + 1
            if r <= previous:
                raise SheetError(f"row {r} follows row {previous}; rows must be in ascending order")
            previous = r
            while ti < len(rows) and rows[ti] < r:
                self._write_new_row(m.start(), rows[ti])
                ti += 1
            if ti < len(rows) and rows[ti] == r:
                self._write_row(m, r)
                ti += 1
        for row in rows[ti:]:
            self._write_new_row(sd_end, row)

    def _write_row(self, m: re.Match, r: int) -> None:
        """The target cells of one existing row: edit those that exist, create the others in column order."""
        xml, mk = self.xml, self.mk
        if m.group(3):  # <row …/>
            content_start = content_end = m.end()
        else:
            content_start = m.end()
            content_end = xml.find(mk.row_end, content_start, self.sd_end)
            if content_end < 0:
                raise SheetError(f"row {r} is not closed")
        cells = None  # every cell of the row, listed when the quick search for a reference fails
        row_style = False  # not looked at yet
        created: list[tuple[int, bytes]] = []
        row_number = b"%d" % r
        for col, value in self.by_row[r]:  # in column order
            ref = column_letters(col) + row_number
            # Nearly always the reference is the first attribute: one search finds the cell.
            start = xml.find(mk.cell_open + ref + b'"', content_start, content_end)
            if start < 0:
                start = self._find_cell(ref, content_start, content_end)
            if start < 0:
                if cells is None:
                    cells = self._cells(content_start, content_end)
                start = next((s for c, s, _ in cells if c == col), -1)
            if start >= 0:
                self._write_cell(start, content_end, r, col, ref, value)
                continue
            placeable = all(explicit for _, _, explicit in cells)
            if row_style is False:
                row_style = _row_style(m.group(2))
            new = self._new_cell(r, col, ref, value, row_style, placeable=placeable)
            if new is not None:
                created.append((col, new))
        if not created:
            return
        if m.group(3):  # <row …/> becomes <row …>cells</row>
            self.edits.append((m.end() - 2, m.end(),
                               b">" + b"".join(c for _, c in created) + mk.row_end))
            return
        for col, new in created:
            before = next((s for c, s, _ in cells if c > col), content_end)
            self.edits.append((before, before, new))

    def _find_cell(self, ref: bytes, start: int, end: int) -> int:
        """Start of ``<c … r="REF" …>`` in [start, end), or -1; checks the hit is inside a <c> start tag."""
        xml, prefix_c = self.xml, b"<" + self.mk.prefix + b"c"
        at = xml.find(b'r="' + ref + b'"', start, end)
        if at < 1 or not xml[at - 1:at].isspace():
            return -1
        lt = xml.rfind(b"<", start, at)
        if lt < 0 or not xml.startswith(prefix_c, lt) or xml.find(b">", lt, at) >= 0:
            return -1
        after = xml[lt + len(prefix_c): lt + len(prefix_c) + 1]
        return lt if after.isspace() else -1

    def _cells(self, start: int, end: int) -> list[tuple[int, int, bool]]:
        """(column, start, has an r reference) of every cell of the row, in document order; a cell without
        a reference sits in the column after the previous cell's (18.3.1.4)."""
        xml, cells, col = self.xml, [], 0
        for m in self.mk.cell_column.finditer(xml, start, end):
            if m.group(1):
                col = _column_of(m.group(1))
                cells.append((col, m.start(), True))
                continue
            tag = self.mk.cell.match(xml, m.start(), end)
            ref = _attributes(tag.group(1)).get(b"r") if tag else None
            parsed = _parse_ref_bytes(ref[2]) if ref else None
            col = parsed[1] if parsed else col + 1
            cells.append((col, m.start(), parsed is not None))
        return cells

    # -- one cell of any shape
    def _write_cell(self, start: int, limit: int, r: int, col: int, ref: bytes, value: Cached) -> None:
        """Any cell: its start tag's attributes and its children taken apart, t and <v> edited in place."""
        xml, mk = self.xml, self.mk
        tag = mk.cell.match(xml, start, limit)
        if tag is None:
            raise SheetError(f"cell {ref.decode()} has a malformed start tag")
        self_closing = bool(tag.group(2))
        if self_closing:
            end = content_end = tag.end()
        else:
            content_end = xml.find(mk.cell_end, tag.end(), limit)
            if content_end < 0:
                raise SheetError(f"cell {ref.decode()} is not closed")
            end = content_end + len(mk.cell_end)
        children = self._children(tag.end(), content_end)
        attrs = _attributes(tag.group(1))
        has_formula = mk.f in children
        old_v = children.get(mk.v)
        old_text = xml[old_v[2]:old_v[3]] if old_v else None
        has_value = bool(old_text) or mk.is_ in children
        if not has_formula and not self.footprints.covers(r, col):
            if has_value:
                self.result.conflicts.append((ref.decode(), CONSTANT))
            elif value is not EMPTY:
                self.result.conflicts.append((ref.decode(), NO_FORMULA))
            return
        old_t = attrs[b"t"][2] if b"t" in attrs else None
        if old_t == b"n":
            old_t = None
        if old_t == value.t and old_text == value.v and mk.is_ not in children:
            self.result.unchanged += 1
            return
        new_tag = self._start_tag(tag.group(1), attrs, value.t)
        if self_closing:
            if value.v is None:
                new = b"<" + mk.prefix + b"c" + new_tag + b"/>"
            else:
                new = b"<" + mk.prefix + b"c" + new_tag + b">" + mk.v_element(value.v) + mk.cell_end
        else:
            new = (b"<" + mk.prefix + b"c" + new_tag + b">"
                   + self._content(tag.end(), content_end, children, value.v) + mk.cell_end)
        self.edits.append((start, end, new))
        self.result.written += 1

    def _children(self, start: int, end: int) -> dict[bytes, tuple[int, int, int, int]]:
        """Top-level children of a cell: qname -> (start, end, text start, text end)."""
        xml, children, i = self.xml, {}, start
        while True:
            lt = xml.find(b"<", i, end)
            if lt < 0:
                return children
            m = _CHILD.match(xml, lt, end)
            if m is None:
                raise SheetError("a cell holds malformed markup")
            name = m.group(1)
            if m.group(3):
                children.setdefault(name, (lt, m.end(), m.end(), m.end()))
                i = m.end()
                continue
            close = xml.find(b"</" + name + b">", m.end(), end)
            if close < 0:
                raise SheetError(f"<{name.decode()}> in a cell is not closed")
            i = close + len(name) + 3
            children.setdefault(name, (lt, i, m.end(), close))

    @staticmethod
    def _start_tag(attr_bytes: bytes, attrs: dict, new_t: bytes | None) -> bytes:
        """The attributes of <c> with t set to ``new_t`` (removed for numbers and empties) and vm dropped."""
        edits = []  # (start, end, replacement) within attr_bytes
        if b"t" in attrs:
            a_start, a_end, old = attrs[b"t"]
            if new_t is None:
                if old != b"n":
                    edits.append((a_start, a_end, b""))
            elif old != new_t:
                quote = attr_bytes[a_end - 1:a_end]
                value_start = a_end - 1 - len(old)
                edits.append((value_start - 1, a_end, quote + new_t + quote))
        elif new_t is not None:
            after = attrs.get(b"s") or attrs.get(b"r")
            at = after[1] if after else len(attr_bytes.rstrip())
            edits.append((at, at, b' t="' + new_t + b'"'))
        if b"vm" in attrs:
            a_start, a_end, _ = attrs[b"vm"]
            edits.append((a_start, a_end, b""))
        out, pos = [], 0
        for s, e, text in sorted(edits, key=lambda x: (x[0], x[1])):
            out += [attr_bytes[pos:s], text]
            pos = e
        out.append(attr_bytes[pos:])
        return b"".join(out)

    def _content(self, start: int, end: int, children: dict, new_v: bytes | None) -> bytes:
        """The cell's children with <v> replaced, inserted after <f>, or removed, and <is> dropped."""
        xml, mk = self.xml, self.mk
        edits = []
        if mk.is_ in children:
            s, e, _, _ = children[mk.is_]
            edits.append((s, e, b""))
        v_element = mk.v_element(new_v) if new_v is not None else b""
        if mk.v in children:
            s, e, _, _ = children[mk.v]
            edits.append((s, e, v_element))
        elif v_element:
            at = children[mk.f][1] if mk.f in children else start
            edits.append((at, at, v_element))
        out, pos = [], start
        for s, e, text in sorted(edits, key=lambda x: (x[0], x[1])):
            out += [xml[pos:s], text]
            pos = e
        out.append(xml[pos:end])
        return b"".join(out)

    # -- cells and rows that do not exist yet
    def _new_cell(self, r: int, col: int, ref: bytes, value: Cached, row_style: bytes | None,
                  placeable: bool = True) -> bytes | None:
        if not self.footprints.covers(r, col):
            self._no_cell(r, col, value)
            return None
        if value is EMPTY:
            return None
        if not placeable:
            self.result.conflicts.append((ref.decode(), NO_REFERENCES))
            return None
        mk = self.mk
        style = row_style if row_style is not None else self._column_style(col)
        attrs = b' r="' + ref + b'"'
        if style is not None:
            attrs += b' s="' + style + b'"'
        if value.t is not None:
            attrs += b' t="' + value.t + b'"'
        self.result.created.append(ref.decode())
        box = self._created_box or (r, col, r, col)
        self._created_box = min(box[0], r), min(box[1], col), max(box[2], r), max(box[3], col)
        return b"<" + mk.prefix + b"c" + attrs + b">" + mk.v_element(value.v) + mk.cell_end

    def _no_cell(self, r: int, col: int, value: Cached) -> None:
        if value is not EMPTY:
            self.result.conflicts.append((ref_bytes(r, col).decode(), NO_FORMULA))

    def _write_new_row(self, at: int, r: int) -> None:
        cells = [self._new_cell(r, col, ref_bytes(r, col), value, None) for col, value in self.by_row[r]]  # no row style
        cells = [c for c in cells if c is not None]
        if cells:
            mk = self.mk
            self.edits.append((at, at, b"<" + mk.prefix + b'row r="' + str(r).encode() + b'">'
                               + b"".join(cells) + mk.row_end))

    def _column_style(self, col: int) -> bytes | None:
        """The style of the ``<col>`` covering ``col``: what Excel gives a new cell in an unformatted row."""
        if self._col_styles is None:
            self._col_styles = []
            end = self.xml.find(self.mk.cols_end, 0, self.sd_start)
            for m in self.mk.col.finditer(self.xml, 0, max(end, 0)):
                a = _attributes(m.group(1))
                try:
                    lo, hi = int(a[b"min"][2]), int(a[b"max"][2])
                except (KeyError, ValueError):
                    continue
                if b"style" in a:
                    self._col_styles.append((lo, hi, a[b"style"][2]))
        return next((s for lo, hi, s in self._col_styles if lo <= col <= hi and s != b"0"), None)

    def _joined(self) -> bytes:
        xml, out, pos = self.xml, [], 0
        # Insertions before a replacement at the same offset; several insertions at one offset keep the
        # order they were made in (row, then column): the sort is stable.
        for s, e, text in sorted(self.edits, key=itemgetter(0, 1)):
            if s < pos:
                raise SheetError("overlapping edits (two cells with the same reference?)")
            out += [xml[pos:s], text]
            pos = e
        out.append(xml[pos:])
        return b"".join(out)


def write_cached(xml: bytes, targets: dict[bytes, Cached],
                 spills: dict[tuple[int, int], tuple[int, int, int, int]] | None = None) -> SheetResult:
    """Write ``targets`` (canonical reference, ``b"B7"`` -> cached value) into the worksheet part ``xml``.

    ``spills`` ((row, column) of a dynamic-array formula -> the range its result now fills, as
    (first row, first column, last row, last column)) moves each spill range first: the anchor's ``ref`` is
    set, cells of the new range are created as needed, cells the range no longer covers are emptied."""
    return _Editor(xml, targets, spills).run()
