"""Numbers written as text: which character is the decimal separator, decided per column.

A column takes one style. What decides it, first match wins:

1. the user's ``decimal`` / ``thousands`` (CLI ``--decimal`` / ``--thousands``);
2. the column's own cells: "1.234,50", "12,5", "1.234.567" show a decimal comma; "1,234.50", "2.5",
   "1,234,567" a decimal point (a cell with 1-3 digits, one separator and three digits, such as
   "2.000" or "1,500", shows nothing);
3. the other number columns of the table, then the file: a ``;`` delimiter or dd.mm.yyyy dates mean a
   decimal comma, a ``,`` delimiter or mm/dd dates a decimal point.

When only ambiguous cells and no signal (or signals that disagree) remain, the column is refused with
:class:`Ambiguous`, never guessed. Cells that contradict the chosen style are invalid.

Before that, each cell loses spaces (also non-breaking), apostrophes (Swiss 1'234.50) and currency signs;
a trailing minus (SAP "100,00-") or parentheses make it negative. Unique texts are classified once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

DECIMALS = (".", ",")
THOUSANDS = (".", ",", "'", "space", "none")
_NOISE = r"[\s\u00a0\u202f'’€$£¥]|\b(?:EUR|USD|CHF|GBP|eur|usd|chf|gbp)\b|\bFr\.|\bSFr\."
_SIGNED = r"[+-]?"
_KINDS = (  # one pass over a column's unique texts sorts each into the first kind that reads it whole
    ("whole", _SIGNED + r"\d+"),
    ("ambiguous", _SIGNED + r"[1-9]\d{0,2}[.,]\d{3}"),  # 2.000, 1,500: thousands or decimals
    ("comma", _SIGNED + r"(?:\d{1,3}(?:\.\d{3})+,\d+|[1-9]\d{0,2}(?:\.\d{3}){2,}|\d*,\d+)"),  # 1.234,5 1.234.567 12,5
    ("point", _SIGNED + r"(?:\d{1,3}(?:,\d{3})+\.\d+|[1-9]\d{0,2}(?:,\d{3}){2,}|\d*\.\d+)"),  # 1,234.5 1,234,567 2.5
    ("exponent", _SIGNED + r"(?:\d+\.?\d*|\.\d+)[eE][+-]?\d+"),
)
_CLASSIFY = "|".join(f"(?P<{name}>{pattern})" for name, pattern in _KINDS)
_CLASSIFIER = re.compile(f"^(?:{_CLASSIFY})$")  # the named group that matched is the kind
_PLAIN = re.compile(r"[+-]?[\d.,]+")  # nothing to clean
_READS = {  # (decimal, thousands): the kinds this style reads
    (",", "."): ("whole", "ambiguous", "comma"),
    (".", ","): ("whole", "ambiguous", "point", "exponent"),
    (",", ""): ("whole", "ambiguous", "comma"),  # minus those with a dot, see parse()
    (".", ""): ("whole", "ambiguous", "point", "exponent"),  # minus those with a comma
}


class Ambiguous(ValueError):
    """A column whose separators nothing settles; ``examples`` are two of its cells as written."""

    def __init__(self, examples: list[str]):
        self.examples = examples
        first = examples[0]
        sep = "." if "." in first else ","
        other = "," if sep == "." else "."
        digits = _clean(pd.Series([first], dtype=object)).iloc[0]
        grouped, decimal = _to_float(pd.Series([digits.replace(sep, ""), digits.replace(sep, ".")]))
        shown = " and ".join(f'"{e}"' for e in examples)
        super().__init__(
            f"cannot tell whether \"{sep}\" is the decimal or the thousands separator ({shown}, nothing else in "
            f"the file settles it) — pass --decimal {other} (\"{first}\" = {_plain(grouped)}) or --decimal {sep} "
            f"(\"{first}\" = {_plain(decimal)}).")


def _plain(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


@dataclass(frozen=True)
class NumberStyle:
    """The user's separators (None = decide from the data) and the file's hint (a decimal, or None)."""

    decimal: str | None = None
    thousands: str | None = None
    file_hint: str | None = None  # "," or "." from the delimiter and the date style; "" when they disagree

    def __post_init__(self):
        if self.decimal is not None and self.decimal not in DECIMALS:
            raise ValueError(f"decimal separator must be . or , — found {self.decimal!r}")
        if self.thousands is not None and self.thousands not in THOUSANDS:
            raise ValueError(f"thousands separator must be one of {', '.join(THOUSANDS)} — found {self.thousands!r}")
        if self.decimal is not None and self.decimal == self.thousands:
            raise ValueError(f"decimal and thousands separators must differ, both are {self.decimal!r}")


def file_hint(separator: str | None, dotted_dates: bool, us_dates: bool) -> str | None:
    """The decimal separator a file's delimiter and date style suggest; "" when they disagree."""
    hints = {h for h in ("," if separator == ";" else "." if separator == "," else None,
                         "," if dotted_dates else None, "." if us_dates else None) if h}
    return hints.pop() if len(hints) == 1 else "" if hints else None


@dataclass
class Evidence:
    """What a text column shows: the kind of each unique text, and the cleaned texts."""

    codes: np.ndarray  # position of each cell's text in ``uniques``; -1 = blank
    uniques: pd.Series  # cleaned unique texts, sign moved to the front
    kind: np.ndarray  # per unique: a name of _KINDS, or "" when none reads it
    counts: np.ndarray  # cells per unique

    @property
    def comma(self) -> np.ndarray:
        return self.kind == "comma"

    @property
    def point(self) -> np.ndarray:
        return self.kind == "point"

    @property
    def ambiguous(self) -> np.ndarray:
        return self.kind == "ambiguous"

    def decimal(self) -> str | None:
        """The column's own answer: "," or "." by the majority of its telling cells, None when none tells."""
        comma, point = self.counts[self.comma].sum(), self.counts[self.point].sum()
        return None if comma == point == 0 else "," if comma > point else "." if point > comma else None


def evidence(text: pd.Series) -> Evidence:
    """Classify a column of text cells (NA or blank allowed)."""
    codes, uniques = pd.factorize(text.fillna(""), sort=False)
    cleaned = _clean(pd.Series(np.asarray(uniques, dtype=object), dtype=object))
    codes = np.where(cleaned.to_numpy()[codes] == "", -1, codes) if len(codes) else codes
    counts = np.bincount(codes[codes >= 0], minlength=len(cleaned))
    texts = cleaned.to_numpy(dtype=object)
    kind = _plain_kinds(texts)
    if kind is None:
        kind = np.array([m.lastgroup if (m := _CLASSIFIER.match(t)) else "" for t in texts], dtype=object)
    return Evidence(codes, cleaned, kind, counts)


_PLAIN_CHARACTERS = re.compile(r"[0-9+\-.,\n]*")


def _plain_kinds(texts: np.ndarray) -> np.ndarray | None:
    """The kinds of texts that are digits with at most one separator and a leading sign (what nearly every
    export writes), found for the whole column at once, as the patterns of _KINDS would; blanks "". None when
    a text has another form: then each is matched on its own."""
    filled = texts != ""
    if not _PLAIN_CHARACTERS.fullmatch("\n".join(texts[filled])):
        return None
    signed = texts[filled].astype(str)
    digits = np.strings.lstrip(signed, "+-")
    comma, point = np.strings.find(digits, ","), np.strings.find(digits, ".")
    at = np.maximum(comma, point)  # the separator, -1 without
    length = np.strings.str_len(digits)
    plain = ((np.strings.str_len(signed) - length <= 1) & (np.strings.find(digits, "+") < 0)
             & (np.strings.find(digits, "-") < 0) & (np.strings.count(digits, ",") + np.strings.count(digits, ".") <= 1)
             & (length - (at >= 0) >= 1) & ((at < 0) | (at < length - 1)))  # [+-]?(\d+|\d*[.,]\d+)
    if not plain.all():
        return None
    after = length - at - 1
    ambiguous = (at >= 1) & (at <= 3) & (after == 3) & ~np.strings.startswith(digits, "0")  # 2.000, 1,500
    kind = np.full(len(texts), "", dtype=object)
    kind[filled] = np.where(at < 0, "whole", np.where(ambiguous, "ambiguous", np.where(comma >= 0, "comma", "point")))
    return kind


def decide(found: Evidence, style: NumberStyle, sibling: Callable[[], str | None],
           raw: pd.Series) -> tuple[str, str]:
    """(decimal, thousands) of a column; raises :class:`Ambiguous` when nothing settles it.

    ``sibling()`` is the decimal separator the table's other number columns show (asked only when needed).
    """
    thousands = style.thousands
    decimal = style.decimal or ({".": ",", ",": "."}.get(thousands or ""))
    if decimal is None and thousands in ("'", "space", "none"):  # "2.000" can only be a decimal point
        decimal = found.decimal() or ("," if (found.ambiguous & found.uniques.str.contains(",")).any() else ".")
    telling = found.comma | found.point
    if decimal is None:
        decimal = found.decimal()
    if decimal is None and (telling.any() or found.ambiguous.any()):  # a tie, or nothing but "2.000"
        decimal = sibling() or style.file_hint or None
    if decimal is None and found.ambiguous.any():
        shown = raw.to_numpy(dtype=object)[np.isin(found.codes, np.flatnonzero(found.ambiguous))]
        raise Ambiguous(list(dict.fromkeys(str(v).strip() for v in shown))[:2])
    if decimal is None and telling.any():  # a tie: the first telling cell sets the style
        first = found.codes[np.isin(found.codes, np.flatnonzero(telling))][0]
        decimal = "," if found.comma[first] else "."
    decimal = decimal or "."
    if thousands is None or thousands in ("'", "space", "none"):
        thousands = "" if thousands else {".": ",", ",": "."}[decimal]
    return decimal, thousands


def parse(found: Evidence, decimal: str, thousands: str) -> tuple[np.ndarray, np.ndarray]:
    """Values (NaN where invalid) and blank mask of the column, in the style given."""
    cleaned = found.uniques
    ok = np.isin(found.kind, _READS[decimal, thousands])
    if not thousands:  # no thousands separator: the other character must not appear
        ok &= ~cleaned.str.contains("," if decimal == "." else ".", regex=False).to_numpy(dtype=bool)
    body = [t.replace(thousands, "").replace(decimal, ".") for t in cleaned.to_numpy(dtype=object)]  # "" is no-op
    values = _to_float(pd.Series(body, dtype=object))
    values[~ok] = np.nan
    blank = found.codes < 0
    cells = np.full(len(found.codes), np.nan)
    cells[~blank] = values[found.codes[~blank]]
    return cells, blank


def _clean(text: pd.Series) -> pd.Series:
    """Texts without noise; a trailing minus or parentheses become a leading minus."""
    plain = np.array([_PLAIN.fullmatch(t) is not None for t in text.to_numpy(dtype=object)], dtype=bool)
    if plain.all():
        return text
    rest = text[~plain].str.replace(_NOISE, "", regex=True)
    trailing = rest.str.fullmatch(r"[^-+]+-")
    bracketed = rest.str.fullmatch(r"\([^()-]+\)")
    rest = rest.where(~(trailing | bracketed), "-" + rest.str.strip("()-"))
    out = text.copy()
    out[~plain] = rest
    return out


def _to_float(text: pd.Series) -> np.ndarray:
    return np.array(pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan))
