"""The text ``kam-xl install --dry-run`` prints: the mapping found and what install will add."""

from __future__ import annotations

from pathlib import Path

from kam_xl.install.found import SEARCHED, Found
from kam_xl.install.headers import option_key
from kam_xl.install.plan import Plan


def dry_run(found: Found, plan: Plan, out: Path, made: list = ()) -> str:
    """Lines naming where each input was found and how its columns map, then what install adds."""
    lines = [f"{Path(found.path).name}: dry run, nothing written",
             "Their data (read where it is; columns as --map names them):"]
    for input in SEARCHED:
        located = found.get(input)
        if located is None:
            lines.append(f"  {input}: not found — install adds a {input.capitalize()} table")
            continue
        rows = f"{located.rows} row{'s' * (located.rows != 1)}"
        lines.append(f"  {input}: {located.where()}, {rows}")
        width = max(len(option_key(input, c)) for c, _ in located.columns)
        lines += [f"    {option_key(input, c):<{width}} = {h}" for c, h in located.columns]
    lines.append("Will add:")
    if made:
        lines.append("  to your sheets (--make-tables): " + ", ".join(f"table {t.name} over {t.sheet}!{t.ref}"
                                                                        for t in made))
    lines.append("  sheets: " + ", ".join(plan.sheets))
    seeded = f"Customers ({len(found.customer_ids)} customer ids of your transactions; name and owner empty)"
    lines.append("  tables: " + ", ".join(seeded if t == "Customers" else t for t in plan.tables))
    if plan.names:
        lines.append("  names: " + ", ".join(f"{n} = {f}" for n, f in plan.names))
    lines.append("  the VBA project (cell functions, buttons) and the Key Accounts ribbon")
    lines.append(f"Would write {out} (your file stays as it is).")
    return "\n".join(lines)
