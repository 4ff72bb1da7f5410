"""Every default of the analysis, in one frozen dataclass.

The Settings sheet of the workbook, the CLI options and the cell functions all build a
:class:`Settings`; nothing else in the package holds a default threshold.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, fields

ABC_VALUES = ("revenue", "profit")
XYZ_METHODS = ("cv", "frequency")
XYZ_PERIODS = ("month", "quarter")
LANGUAGES = ("EN", "DE")

#: Inputs a workbook may read from the user's own table or plain range instead of its own table (see
#: kam_xl.template.sources). Such a workbook records each in two rows of its Settings table, which are no
#: analysis settings (:meth:`Settings.from_mapping` leaves them out): "<input>_source", the Excel table or the
#: defined name of the plain range, and "<input>_columns", the column map "date=Belegdatum; amount=Umsatz"
#: (canonical column = the user's header).
SOURCE_INPUTS = ("transactions", "customers", "complaints", "tenders", "contacts", "competitors", "prospects")
SOURCE_ROWS = tuple(f"{i}_{what}" for i in SOURCE_INPUTS for what in ("source", "columns"))


class SettingsError(ValueError):
    """A settings field has a value the analysis cannot use.

    ``fields`` are the settings at fault; :meth:`named` words the message with each face's name for them
    (``--a-share`` on the command line, ``Settings row a_share`` in the workbook). ``str()`` uses the field
    names themselves.
    """

    def __init__(self, template: str, *fields: str):
        self.template, self.fields = template, fields
        super().__init__(self.named(str))

    def named(self, name) -> str:
        """The message with field ``f`` called ``name(f)``."""
        return self.template.format(*(name(f) for f in self.fields))


@dataclass(frozen=True)
class Settings:
    """Thresholds and switches of the key-account analysis (see DESIGN.md, Domain rules)."""

    # ABC
    abc_value: str = "revenue"
    """Value ranked by ABC: "revenue" (sum of amounts) or "profit" (sum of margins)."""
    abc_months: int | None = None
    """Only the last N months before the as-of day count for ABC; empty = all history."""
    a_share: float = 0.80
    """A while the share held by strictly larger customers is below this."""
    b_share: float = 0.95
    """B while the share held by strictly larger customers is below this; else C."""
    tolerance: float = 1e-9
    """Shares within this distance of a threshold count as equal to it."""

    # XYZ
    xyz_method: str = "cv"
    """"cv" (coefficient of variation of period sums) or "frequency" (share of periods with a purchase)."""
    xyz_period: str = "month"
    """Period of the XYZ series: "month" or "quarter"."""
    xyz_months: int = 12
    """Length of the XYZ window in months (12 = 12 months or 4 quarters)."""
    x_cv: float = 0.5
    """X when CV <= this."""
    y_cv: float = 1.0
    """Y when CV <= this; else Z."""
    x_frequency: float = 0.75
    """Frequency method: X when the share of periods with a purchase >= this."""
    y_frequency: float = 0.4
    """Frequency method: Y when the share >= this; else Z."""

    # Customer types
    breadwinner_share: float = 0.10
    """Breadwinner when the customer's share of profit (revenue without margins) >= this."""
    new_months: int = 12
    """Prospect: first purchase within this many months (or none yet) ..."""
    prospect_budget: float = 50_000.0
    """... and a budget of at least this."""

    # Churn
    lost_factor: float = 3.0
    """Lost when silence > this x the customer's normal interval ..."""
    lost_days: int = 365
    """... or silence > this many days."""
    risk_factor: float = 1.5
    """At risk when silence > this x the normal interval ..."""
    complaint_days: int = 90
    """... or complaints in the last N days ..."""
    complaint_min: int = 2
    """... are at least this many and more than in the N days before."""

    # Key accounts and win-back
    key_share: float = 0.40
    """Key accounts: the smallest top group by the ABC value that reaches this share of it (the size core) ..."""
    key_type_classes: str = "AB"
    """... plus breadwinners, and image makers and experts whose ABC class is one of these letters."""
    key_share_low: float = 0.30
    """Key accounts typically hold at least this share of revenue ..."""
    key_share_high: float = 0.55
    """... and at most this."""
    winback_at_risk: bool = False
    """Win-back list includes at-risk key accounts, not only lost ones."""
    winback_due_days: int = 14
    """Win-back actions are due this many days after the as-of day."""

    # Early warning
    discount_rate: float = 0.01
    """CLV of the next 12 months: discount rate per month."""
    warn_trend: float = -0.20
    """Warning when revenue of the last 12 months against the 12 before changes by this or less (-0.20 = -20 %)."""
    warn_expected: float = 0.5
    """Warning when the purchases expected in 90 days are below this x the usual number (90 / interval)."""
    watch_list_size: int = 20
    """Matrix watch list: this many key accounts with a warning, largest revenue of the last 12 months first."""

    language: str = "EN"
    """Labels of generated sheets: "EN" or "DE"."""

    def __post_init__(self) -> None:
        _check_choice(self, "abc_value", ABC_VALUES)
        _check_choice(self, "xyz_method", XYZ_METHODS)
        _check_choice(self, "xyz_period", XYZ_PERIODS)
        _check_choice(self, "language", LANGUAGES)
        for name in ("a_share", "b_share", "breadwinner_share", "key_share", "key_share_low", "key_share_high",
                     "x_frequency", "y_frequency", "discount_rate"):
            _check_range(self, name, 0.0, 1.0)
        _check_range(self, "tolerance", 0.0, 0.01)
        for name in ("x_cv", "y_cv", "prospect_budget", "lost_factor", "risk_factor", "warn_expected"):
            _check_range(self, name, 0.0, float("inf"))
        _check_range(self, "warn_trend", -1.0, float("inf"))
        for name in ("xyz_months", "new_months", "lost_days", "complaint_days", "winback_due_days",
                     "watch_list_size"):
            _check_int(self, name, minimum=1)
        _check_int(self, "complaint_min", minimum=1)
        if self.abc_months is not None:
            _check_int(self, "abc_months", minimum=1)
        if not isinstance(self.key_type_classes, str) or set(self.key_type_classes) - set("ABCN"):
            raise SettingsError(f"{{0}}: expected letters from A, B, C, N (e.g. AB) or none, "
                                f"found {_shown(self.key_type_classes)}", "key_type_classes")
        if self.xyz_period == "quarter" and self.xyz_months % 3:
            raise SettingsError(f"{{0}}: with {{1}} quarter it must be a multiple of 3, found {self.xyz_months}",
                                "xyz_months", "xyz_period")
        _check_order(self, "a_share", "b_share")
        _check_order(self, "x_cv", "y_cv")
        _check_order(self, "y_frequency", "x_frequency")
        _check_order(self, "key_share_low", "key_share_high")
        _check_order(self, "risk_factor", "lost_factor")
        if not isinstance(self.winback_at_risk, bool):
            raise SettingsError(f"{{0}}: expected true or false, found {_shown(self.winback_at_risk)}",
                                "winback_at_risk")

    @property
    def xyz_periods(self) -> int:
        """Number of periods in the XYZ window."""
        return self.xyz_months // 3 if self.xyz_period == "quarter" else self.xyz_months

    def replace(self, **changes) -> Settings:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_mapping(cls, values: dict) -> Settings:
        """Settings from a name -> value mapping (Settings sheet, CLI); None or "" keep the default.

        Numbers arrive as floats or text from a sheet and are converted to the field's type.
        """
        known = {f.name: f for f in fields(cls)}
        changes = {}
        for name, raw in values.items():
            if name in SOURCE_ROWS:
                continue
            if name not in known:
                raise SettingsError(f"{{0}}: unknown setting; known are {', '.join(known)}", name)
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                continue
            changes[name] = _coerce(name, known[name], raw)
        return cls(**changes)


def field_names() -> list[str]:
    """Names of all settings, in declaration order."""
    return [f.name for f in fields(Settings)]


def sources_from_mapping(values: dict) -> dict[str, tuple[str, dict[str, str]]]:
    """The recorded sources among Settings rows: input -> (table or defined name, column map)."""
    found = {}
    for name in SOURCE_INPUTS:
        where = str(values.get(f"{name}_source") or "").strip()
        columns = parse_columns(values.get(f"{name}_columns"))
        if where or columns:
            found[name] = (where, columns)
    return found


def parse_columns(text) -> dict[str, str]:
    """A column map "date=Belegdatum; amount=Umsatz" as {canonical: header}; blank gives {}."""
    if text is None or not str(text).strip():
        return {}
    pairs = {}
    for part in str(text).split(";"):
        if not part.strip():
            continue
        canonical, sep, header = part.partition("=")
        if not sep or not canonical.strip() or not header.strip():
            raise SettingsError(f"{{0}}: expected column=header pairs separated by \";\", found {_shown(part.strip())}",
                                "columns")
        pairs["_".join(canonical.strip().lower().split())] = header.strip()
    return pairs


def format_columns(columns: dict[str, str]) -> str:
    """A column map as its Settings row holds it (the inverse of :func:`parse_columns`)."""
    for header in columns.values():
        if ";" in header or header != header.strip() or not header:
            raise ValueError(f"column header {header!r}: a recorded column map cannot hold a header with \";\" "
                             "or surrounding spaces; rename the column")
    return "; ".join(f"{c}={h}" for c, h in columns.items())


def describe(name: str) -> str:
    """One-line help of a setting (its docstring in the class body)."""
    return _DOCS.get(name, "")


def _coerce(name: str, field, raw):
    default = field.default
    try:
        if isinstance(default, bool):
            if isinstance(raw, str):
                text = raw.strip().lower()
                if text in ("true", "yes", "ja", "1", "wahr", "y"):
                    return True
                if text in ("false", "no", "nein", "0", "falsch", "n"):
                    return False
                raise ValueError(raw)
            return bool(raw)
        if isinstance(default, int) or name == "abc_months":
            number = float(raw)
            if number != int(number):
                raise ValueError(raw)
            return int(number)
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, str):
            text = str(raw).strip()
            if name == "key_type_classes":
                return "" if text.lower() in ("none", "-") else text.upper().replace(",", "").replace(" ", "")
            return text.upper() if name == "language" else text.lower()
    except (TypeError, ValueError):
        raise SettingsError(f"{{0}}: expected {_KINDS[type(default)]}, found {_shown(raw)}", name) from None
    return raw


def _check_choice(s: Settings, name: str, choices: tuple[str, ...]) -> None:
    value = getattr(s, name)
    if value not in choices:
        raise SettingsError(f"{{0}}: expected one of {', '.join(choices)}, found {_shown(value)}", name)


def _check_range(s: Settings, name: str, low: float, high: float) -> None:
    value = getattr(s, name)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (low <= value <= high):
        raise SettingsError(f"{{0}}: expected a number from {low:g} to {high:g}, found {_shown(value)}", name)


def _check_int(s: Settings, name: str, minimum: int) -> None:
    value = getattr(s, name)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise SettingsError(f"{{0}}: expected a whole number >= {minimum}, found {_shown(value)}", name)


def _check_order(s: Settings, low: str, high: str) -> None:
    if getattr(s, low) > getattr(s, high):
        raise SettingsError(f"{{0}} ({_shown(getattr(s, low))}) must not exceed {{1}} ({_shown(getattr(s, high))})",
                            low, high)


#: How a field's type is asked for in a message (abc_months, default None, is a whole number).
_KINDS = {bool: "true or false", int: "a whole number", float: "a number", str: "text", type(None): "a whole number"}


def _shown(value) -> str:
    """A value as a message shows it, braces escaped for :meth:`SettingsError.named`."""
    return repr(value).replace("{", "{{").replace("}", "}}")


def _field_docs() -> dict[str, str]:
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(Settings))
    body = tree.body[0].body
    docs = {}
    for node, nxt in zip(body, body[1:]):
        if isinstance(node, ast.AnnAssign) and isinstance(nxt, ast.Expr) and isinstance(nxt.value, ast.Constant):
            docs[node.target.id] = str(nxt.value.value).strip()
    return docs


_DOCS = _field_docs()
