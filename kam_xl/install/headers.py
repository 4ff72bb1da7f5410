"""Match one header row against the columns an input needs (:data:`kam_xl.readers.frames.INPUT_ROLES`).

A column given with ``--map`` is the header of that text (exactly, else ignoring case, spaces and
punctuation); any other is the one header among the role's aliases. Two headers for one column, or one header
for two columns, are ambiguities: the match records them and :meth:`Match.settle` raises the first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from kam_xl.a1 import column_letters
from kam_xl.install.found import InstallError
from kam_xl.install.options import SHORT_NAMES
from kam_xl.readers.files import _key
from kam_xl.readers.frames import INPUT_ROLES


def option_key(input: str, canonical: str) -> str:
    """The --map key of a column: "amount", "customer", "complaints.date"."""
    short = SHORT_NAMES.get(canonical, canonical)
    return short if input == "transactions" else f"{input}.{short}"


def header_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


@dataclass
class Match:
    """The columns one header row offers one input: positions are 0-based within ``headers``."""

    input: str
    headers: list[str]
    first_col: int                                        # sheet column (1-based) of headers[0]
    columns: dict[str, int] = field(default_factory=dict)  # canonical -> position
    missing: list[str] = field(default_factory=list)       # messages for required columns not found
    ambiguous: list[str] = field(default_factory=list)     # messages for columns two headers could fill
    others: int = 0                                        # optional columns found

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def required_found(self) -> int:
        return sum(1 for role, required in INPUT_ROLES[self.input] if required and role.name in self.columns)

    def letter(self, position: int) -> str:
        return column_letters(self.first_col + position)

    def settle(self, where: str) -> None:
        """InstallError for the first missing or ambiguous column, naming ``where`` and the header row read."""
        if self.missing:
            read = ", ".join(f'"{h}"' for h in self.headers if h) or "nothing"
            raise InstallError(f"{where} reads {read}: {self.missing[0]}")
        if self.ambiguous:
            raise InstallError(f"{where}: {self.ambiguous[0]}")


def match(input: str, cells: Sequence, given: dict[str, str], first_col: int = 1) -> Match:
    """How the header ``cells`` (one row, from sheet column ``first_col``) fill the columns of ``input``."""
    headers = [header_text(c) for c in cells]
    keys = [_key(h) for h in headers]
    found = Match(input, headers, first_col)
    candidates: dict[str, list[int]] = {}
    for role, required in INPUT_ROLES[input]:
        option = option_key(input, role.name)
        if role.name in given:
            wanted = given[role.name]
            places = [i for i, h in enumerate(headers) if h == wanted] or \
                     [i for i, k in enumerate(keys) if k and k == _key(wanted)]
            if not places:
                found.missing.append(f"no column \"{wanted}\" for the {role.words} (--map {option}={wanted}) "
                                     "— correct the header in --map")
                continue
            if len(places) > 1:
                found.ambiguous.append(f"two columns are headed \"{wanted}\" ({found.letter(places[0])} and "
                                       f"{found.letter(places[1])}) — rename one")
            candidates[role.name] = places[:1]
            continue
        aliases = {_key(a) for a in role.aliases}
        places = [i for i, k in enumerate(keys) if k in aliases]
        if not places:
            if required:
                looked = ", ".join(f'"{a}"' for a in role.aliases[:5])
                found.missing.append(f"no column for the {role.words} (looked for {looked} …) — name it with "
                                     f"--map {option}=HEADER")
            continue
        candidates[role.name] = places
    taken = {p[0] for name, p in candidates.items() if name in given}
    for role, required in INPUT_ROLES[input]:
        places = candidates.get(role.name)
        if places is None:
            continue
        if role.name not in given:
            places = [p for p in places if p not in taken]
            if not places:
                continue
            if len(places) > 1:
                shown = " or ".join(f'"{headers[p]}" (column {found.letter(p)})' for p in places[:3])
                found.ambiguous.append(f"the {role.words} could be {shown} — settle it with --map "
                                       f"{option_key(input, role.name)}={headers[places[0]]}")
        found.columns[role.name] = places[0]
        found.others += not required
    claimed: dict[int, list[str]] = {}
    for name, position in found.columns.items():
        claimed.setdefault(position, []).append(name)
    for position, names in claimed.items():
        if len(names) > 1:
            words = {role.name: role.words for role, _ in INPUT_ROLES[input]}
            found.ambiguous.append(f"\"{headers[position]}\" (column {found.letter(position)}) could be the "
                                   f"{words[names[0]]} or the {words[names[1]]} — settle it with --map "
                                   f"{option_key(input, names[0])}=HEADER")
    return found
