"""`kam-xl refresh` against `kam-xl recalc` of the same file, and `kam-xl import` of a large export beyond it.

Builds the demo workbook at 10,000 customers / 200,000 transaction lines, then in the same run times each
command on its own copy of it in a fresh process (as a scheduler starts it) and reads that process's own peak
memory (its maximum resident set, from wait4). Best of ``--repeat`` runs each; the commands take turns, a
round of each at a time, so a slow spell of the machine meets each of them alike.

- **refresh vs recalc**: `kam-xl refresh` (Win-back list + Data check + recalculation, one atomic write)
  against `kam-xl recalc` of the same workbook. Target: refresh <= 1.3 x recalc.
- **import beyond the refresh**: `kam-xl import BOOK EXPORT` reads the export, adds its new lines to the
  Transactions table, checks the data and recalculates, in one atomic write — a refresh's work (less the
  Win-back list) plus reading and appending the export, on a workbook that ends up 100,000 lines larger. Its
  cost *beyond the refresh* is printed two ways: ``time(import) - time(refresh)``, both on copies of the same
  200,000-line workbook (the target's definition; it charges the import with recalculating 100,000 more
  lines), and ``time(import) - time(refresh of the imported workbook)`` (a copy of the import's own result,
  300,000 lines: the work import does beyond the refresh it contains). The export is 100,000 new lines (a second demo world over the same customer ids,
  document numbers prefixed ``ERP-`` so none is held yet) written as a German ERP export: ``;``-separated,
  decimal comma, dd.mm.yyyy, UTF-8 with BOM. Target: <= 2 s beyond the refresh.

The load average is printed before and after: other jobs on the machine move every wall-clock figure, so
each run's CPU time (user + system, from wait4) is printed and compared too.

    python benchmarks/refresh.py [--customers 10000] [--transactions 200000] [--export-lines 100000] [--repeat 2]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET = 1.3          # refresh / recalc
IMPORT_BUDGET = 2.0   # seconds of import beyond the refresh
AS_OF = "2026-09-30"


def measured(command: list[str]) -> tuple[float, float, float]:
    """Seconds, CPU seconds (user + system) and peak memory (MiB) of one run of ``command`` in a fresh
    process."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed with exit {code}: {child.stderr.read().decode()[-500:]}")
    child.stderr.close()
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def write_export(path: Path, customers: int, lines: int) -> None:
    """A German ERP export of ``lines`` new transaction lines for the demo's customer ids."""
    from kam_xl.demo import generate

    frame = generate(customers=customers, seed=6, transactions=lines).transactions
    frame = frame.assign(document_no="ERP-" + frame["document_no"].astype(str))
    export = frame.rename(columns={"customer_id": "Kunde", "date": "Datum", "document_no": "Beleg",
                                   "amount": "Betrag", "margin": "Marge"})
    export.to_csv(path, sep=";", decimal=",", date_format="%d.%m.%Y", index=False, encoding="utf-8-sig")


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--transactions", type=int, default=200_000)
    parser.add_argument("--export-lines", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()

    from kam_xl.demo import generate
    from kam_xl.template.workbook import build_workbook

    cli = [sys.executable, "-m", "kam_xl.cli"]
    with tempfile.TemporaryDirectory(prefix="kam-xl-bench-") as scratch:
        folder = Path(scratch)
        book = build_workbook(folder / "KeyAccounts.xlsm",
                              generate(customers=args.customers, seed=5, transactions=args.transactions))
        export = folder / "export.csv"
        write_export(export, args.customers, args.export_lines)
        print(f"demo workbook: {args.customers:,} customers, ~{args.transactions:,} transaction lines, "
              f"{book.stat().st_size / 2**20:.1f} MB; export: ~{args.export_lines:,} lines, "
              f"{export.stat().st_size / 2**20:.1f} MB")
        print(f"  load average (1, 5, 15 min) before: {load()}")
        imported = folder / "imported.xlsm"  # the import's result: the refresh it contains runs on this size
        commands = {"recalc": (book, lambda copy: [*cli, "recalc", "--as-of", AS_OF, str(copy)]),
                    "refresh": (book, lambda copy: [*cli, "refresh", "--as-of", AS_OF, str(copy)]),
                    "import": (book, lambda copy: [*cli, "import", str(copy), str(export)]),
                    "refresh+": (imported, lambda copy: [*cli, "refresh", "--as-of", AS_OF, str(copy)])}
        runs = {name: [] for name in commands}
        for i in range(args.repeat):  # round by round: a slow spell of the machine meets every command alike
            for name, (source, command) in commands.items():
                copy = folder / f"{name}-{i}.xlsm"
                shutil.copy(source, copy)
                runs[name].append(measured(command(copy)))
                if name == "import" and not imported.exists():
                    copy.rename(imported)
                else:
                    copy.unlink()
        best = {name: min(times) for name, times in runs.items()}
        for name, times in runs.items():
            print(f"  kam-xl {name:8s} {best[name][0]:7.2f} s  CPU {best[name][1]:6.2f} s  peak memory "
                  f"{best[name][2]:5.0f} MiB   (runs: {', '.join(f'{s:.2f}' for s, _, _ in times)} s)")
        print("  (refresh+: refresh of the imported workbook, ~"
              f"{args.transactions + args.export_lines:,} lines)")
        for what, at in (("wall", 0), ("CPU", 1)):
            ratio = best["refresh"][at] / best["recalc"][at]
            beyond = best["import"][at] - best["refresh"][at]
            contained = best["import"][at] - best["refresh+"][at]
            print(f"  {what:4s} ratio refresh / recalc {ratio:5.2f}   target <= {TARGET}: "
                  f"{'met' if ratio <= TARGET else 'NOT met'};  import beyond refresh {beyond:5.2f} s   target "
                  f"<= {IMPORT_BUDGET:g} s: {'met' if beyond <= IMPORT_BUDGET else 'NOT met'};  import beyond "
                  f"refresh of its result {contained:5.2f} s")
        print(f"  load average (1, 5, 15 min) after:  {load()}")


if __name__ == "__main__":
    main()
