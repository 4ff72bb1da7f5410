"""Formula texts grouped by shape, so that what does not depend on a text's digits is worked out once per shape.

A hand-built sheet holds a formula per row, each its own text (``VLOOKUP(B2,…)``, ``VLOOKUP(B3,…)``): 400,000
texts at 100,000 rows, but a handful of shapes (the text with every digit as 0). The functions a formula calls,
whether it may diverge from Excel or hold a suspect result, and whether it names a table are decided per shape
(:meth:`Shapes.decide`), and only texts of the shapes that need it are looked at one by one.

    shapes = Shapes(texts)
    calls = shapes.function_names()            # text index -> frozenset of upper-case function names
    flagged = shapes.texts_where(predicate)    # text indexes whose shape's first text satisfies predicate
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import formualizer as fz
from formualizer.visitor import collect_function_names

DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_STRING = re.compile(r'"(?:[^"]|"")*"')
_FUNCTION_CALL = re.compile(r"([A-Za-z_][A-Za-z0-9_.]*)\s*\(")


class Shapes:
    """The shape of each of ``texts`` (formula texts without "=") and the first text of each shape."""

    def __init__(self, texts: Sequence[str]):
        self.texts = texts
        index: dict[bytes, int] = {}
        self.of: list[int] = []      # text index -> shape id
        self.first: list[str] = []   # shape id -> the first text of that shape
        self.names: list[frozenset[str]] = []  # shape id -> its first text's functions (function_names())
        add = self.of.append
        for text in texts:
            key = text.encode().translate(DIGITS_AS_ZERO)
            shape = index.get(key)
            if shape is None:
                shape = index[key] = len(self.first)
                self.first.append(text)
            add(shape)

    def decide(self, predicate: Callable[[str], object]) -> list:
        """``predicate`` of each shape's first text, per shape id (for a property no digit changes)."""
        return [predicate(text) for text in self.first]

    def texts_where(self, predicate: Callable[[str], object]) -> set[int]:
        """Indexes of the texts whose shape's first text satisfies ``predicate``."""
        return self.texts_of({shape for shape, yes in enumerate(self.decide(predicate)) if yes})

    def texts_of(self, shapes: set[int]) -> set[int]:
        """Indexes of the texts of the given shape ids."""
        return {i for i, shape in enumerate(self.of) if shape in shapes} if shapes else set()

    def function_names(self) -> list[frozenset[str]]:
        """Text index -> the upper-case functions it calls, without Excel's _xlfn./_xlws. storage prefixes.

        Texts of one shape call the same functions unless a name holds a digit (``LOG10``): those shapes'
        texts are parsed one by one."""
        per_shape = self.names = self.decide(function_names)  # shape id -> its first text's functions
        calls = [per_shape[shape] for shape in self.of]
        digits = {shape for shape, names in enumerate(per_shape) if any(ch.isdigit() for n in names for ch in n)}
        for i, shape in enumerate(self.of) if digits else ():
            if shape in digits:
                calls[i] = function_names(self.texts[i])
        return calls


# A formula made of single cells, this-row table references, numbers, texts and operators only: its result is
# one value, never an array that spills (no range, no name, no function, no array constant, no spill reference).
_CELL = r"(?:(?:'[^']+'|[A-Za-z_][\w.]*)!)?\$?[A-Za-z]{1,3}\$?[0-9]+(?![\w.(\[!#:$])"  # not LOG10( nor A1#
_THIS_ROW = r"(?:[A-Za-z_][\w.]*)?\[(?:@[^\[\]:]+|@\[[^\[\]:]+\]|\[#This Row\],\[[^\[\]:]+\])\]"
_SCALAR_TOKENS = re.compile(rf"(?:\s+|\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+|\"\"|{_THIS_ROW}|{_CELL}|[-+*/^&=<>()%])*")


def one_value(text: str) -> bool:
    """Whether formula ``text`` can only give one value (it cannot spill)."""
    return _SCALAR_TOKENS.fullmatch(_STRING.sub('""', text)) is not None


def function_names(text: str) -> frozenset[str]:
    """The upper-case functions formula ``text`` calls, without the _xlfn./_xlws. prefixes."""
    if "(" not in text:
        return frozenset()
    try:
        names = collect_function_names(fz.parse("=" + text))
    except (fz.ParserError, fz.TokenizerError):  # the engine cannot parse it either: a plain scan
        names = _FUNCTION_CALL.findall(_STRING.sub('""', text))
    out = set()
    for name in names:
        name = name.upper()
        while name.startswith(("_XLFN.", "_XLWS.")):
            name = name[6:]
        out.add(name)
    return frozenset(out)
