"""Structured references, pinned to the cells they mean before formualizer sees them.

formualizer 0.13 reads Excel tables, but several common references come out wrong (measured):

- From a cell of a table to that same table (``Prospects[@[Need]]``, ``Prospects[[#This Row],[Need]]`` as
  Excel itself saves it, ``SUM(Sales[Qty])`` in a column of Sales): the whole table becomes a precedent of
  the cell, so the cell is its own precedent: #CIRC!. Only the unqualified ``[@Qty]`` is resolved.
- ``Sales[@Qty]`` on another sheet: #N/IMPL!. Excel takes the table's row the formula sits in (#VALUE! in a
  row outside the table's data).
- A special item with columns (``Sales[[#All],[Qty]]``, ``Sales[[#Data],[Qty]:[Price]]``): #N/IMPL!.
- ``INDEX`` over any structured reference (``INDEX(Sales[Product],2)``): #REF!, an error Excel also
  knows, so it would pass for a real one.
- A bare table name (``VLOOKUP(x,Sales,2,FALSE)``): #NAME?.

A table keeps its size during a recalculation, so every reference can be rewritten exactly to the absolute
range it means (``'Sales'!$B$2:$B$11``; ``$F7`` in row 7 for a this-row reference), as Excel itself
resolves it. That is done here, on the engine's copy only; a reference this module cannot read is left to
the engine.

    pin_table_references(formula, row, col, sheet, tables) -> str
"""

from __future__ import annotations

from kam_xl.recalc.xlsx_view import Table, column_letters

_NAME_START = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_\\")
_NAME_CHARS = _NAME_START | set("0123456789.")


def pin_table_references(formula: str, row: int, col: int, sheet: str, tables: dict[str, Table]) -> str:
    """``formula`` (in ``sheet`` at ``row``, ``col``) with every structured reference it can read replaced by
    the absolute cell or range it means.

    ``tables`` maps lower-case table names to tables; a reference without a name means the table holding
    the cell."""
    home = next((t for t in tables.values() if t.holds(sheet, row, col)), None)
    out: list[str] = []
    i, n = 0, len(formula)
    while i < n:
        ch = formula[i]
        if ch in "\"'":  # a string literal or a quoted sheet name; a doubled quote escapes itself
            j = i + 1
            while j < n and not (formula[j] == ch and (j + 1 >= n or formula[j + 1] != ch)):
                j += 2 if formula[j] == ch else 1
            out.append(formula[i:j + 1])
            i = j + 1
        elif ch in _NAME_START and (i == 0 or formula[i - 1] not in _NAME_CHARS):
            j = i
            while j < n and formula[j] in _NAME_CHARS:
                j += 1
            name, follow = formula[i:j], formula[j:j + 1]
            table = tables.get(name.lower())
            if follow == "[":
                end = _bracket_end(formula, j)
                pinned = _pin(formula[j + 1:end - 1], table, sheet, row) if end and table else None
                out.append(pinned if pinned is not None else formula[i:end or j])
                i = end or j
            else:
                bare = table is not None and follow not in ("(", "!") and (not out or not out[-1].endswith("!"))
                out.append(_pin("#Data", table, sheet, row) if bare else name)
                i = j
        elif ch == "[":  # no table name: the table holding the cell
            end = _bracket_end(formula, i)
            pinned = _pin(formula[i + 1:end - 1], home, sheet, row) if end and home else None
            out.append(pinned if pinned is not None else formula[i:end or i + 1])
            i = end or i + 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _bracket_end(text: str, i: int) -> int | None:
    """Index just past the ``]`` closing the ``[`` at ``i``; ``'`` escapes the next character."""
    depth, j = 0, i
    while j < len(text):
        ch = text[j]
        if ch == "'":
            j += 2
            continue
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    return None


def _pin(inner: str, table: Table, sheet: str, row: int) -> str | None:
    """The A1 cell or range a structured reference body means, or None to leave it to the engine."""
    items = _items(inner)
    if not items:
        return None
    specials = {"#this row" if value == "@" else value for kind, value in items if kind == "special"}
    spans = [value for kind, value in items if kind == "columns"]
    if "#this row" in specials:  # the table's row the formula sits in, from any sheet (Excel intersects rows)
        if len(specials) != 1:
            return None
        rows = (row, row)
    else:
        rows = _rows(table, specials)
        if rows is None:
            return None
    if not spans:
        first, last = table.first_col, table.last_col
    elif len(spans) == 1:
        first, last = table.column(spans[0][0]), table.column(spans[0][1])
        if first is None or last is None:
            return None
        first, last = min(first, last), max(first, last)
    else:
        return None
    if "#this row" in specials and row not in table.data_rows:
        return "#VALUE!"  # Excel: no intersection
    # The formula's own row stays relative ($F7 in row 7): a column of such cells is one formula to the
    # engine, which evaluates 100,000 of them ten times faster than 100,000 different $F$7, $F$8, ...
    anchor = "" if "#this row" in specials else "$"
    top = f"${column_letters(first)}{anchor}{rows[0]}"
    bottom = f"${column_letters(last)}{anchor}{rows[1]}"
    prefix = "" if table.sheet == sheet else "'" + table.sheet.replace("'", "''") + "'!"
    return prefix + (top if top == bottom else f"{top}:{bottom}")


def _rows(table: Table, specials: set[str]) -> tuple[int, int] | None:
    data = table.data_rows
    header = table.first_row if table.header_row else None
    totals = table.last_row if table.totals_row else None
    if not data:
        return None
    if not specials or specials == {"#data"}:
        return data[0], data[-1]
    if specials == {"#all"}:
        return table.first_row, table.last_row
    if specials == {"#headers"}:
        return (header, header) if header else None
    if specials == {"#totals"}:
        return (totals, totals) if totals else None
    if specials == {"#headers", "#data"}:
        return (header or data[0]), data[-1]
    if specials == {"#data", "#totals"}:
        return data[0], (totals or data[-1])
    return None


def _items(inner: str):
    """Items of a structured reference body: ("special", "#this row"/"@"/...) or ("columns", (a, b)).

    Accepts "@Col", "@[Col]", "@[A]:[B]", "Col", "[#This Row],[Col]", "[@],[Col]", "[@],[[A]:[B]]",
    "[#This Row],Col" (as XlsxWriter writes it). None when the body is something else."""
    inner = inner.strip()
    if inner.startswith("@"):
        rest = inner[1:].strip()
        items = [("special", "@")]
        if rest:
            cols = _column_span(rest if rest.startswith("[") else f"[{rest}]")
            if cols is None:
                return None
            items.append(("columns", cols))
        return items
    if not inner.startswith("["):
        if inner.startswith("#"):
            return [("special", inner.lower())]
        return [("columns", (_unescape(inner), _unescape(inner)))]
    items = []
    for part in _split_top(inner):
        part = part.strip()
        if not part:
            return None
        if not part.startswith("["):
            part = f"[{part}]"
        body = part[1:-1].strip() if part.endswith("]") else None
        if body is None:
            return None
        if body.startswith("#") or body == "@":
            items.append(("special", body.lower()))
            continue
        cols = _column_span(part)
        if cols is None:
            return None
        items.append(("columns", cols))
    return items


def _column_span(text: str) -> tuple[str, str] | None:
    """"[A]" -> (A, A); "[A]:[B]" or "[[A]:[B]]" -> (A, B)."""
    text = text.strip()
    if text.startswith("[[") and text.endswith("]]") and _bracket_end(text, 0) == len(text):
        text = text[1:-1]
    end = _bracket_end(text, 0) if text.startswith("[") else None
    if end is None:
        return None
    first = _unescape(text[1:end - 1])
    rest = text[end:].strip()
    if not rest:
        return first, first
    if not rest.startswith(":"):
        return None
    rest = rest[1:].strip()
    end2 = _bracket_end(rest, 0) if rest.startswith("[") else None
    if end2 != len(rest):
        return None
    return first, _unescape(rest[1:-1])


def _split_top(text: str) -> list[str]:
    """Split on commas outside brackets."""
    parts, depth, start, j = [], 0, 0, 0
    while j < len(text):
        ch = text[j]
        if ch == "'":
            j += 2
            continue
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:j])
            start = j + 1
        j += 1
    parts.append(text[start:])
    return parts


def _unescape(name: str) -> str:
    out, j = [], 0
    while j < len(name):
        if name[j] == "'" and j + 1 < len(name):
            out.append(name[j + 1])
            j += 2
        else:
            out.append(name[j])
            j += 1
    return "".join(out)
