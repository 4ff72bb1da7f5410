"""kam-xl recalc against LibreOffice headless recalculation: the demo workbook, per-row formula workbooks,
and scaling over worker processes.

Each file is timed in the same run as (1) `kam-xl recalc` on a copy (a fresh process, as a scheduler would
start it) and (2) LibreOffice headless recalculating the same file (recalc-on-load forced through a private
profile, then saved) — the named baseline; the ratio is the figure.

- **Demo workbook**, 10,000 customers / 200,000 transaction lines: 211 formulas, mostly spilled kam_xl cell
  functions. LibreOffice cannot run those (#NAME?), so it does less work than kam-xl. Target <= 0.40.
- **Per-row workbooks**, as sales teams build them by hand: a Sales table of N rows with five formulas per
  row — a VLOOKUP of the price and one of the category against a 2,000-row product list on another sheet,
  a running total ``=E2+D3`` chained down, a SUMIFS over a 40-row target table, and a calculated column
  ``=Sales[[#This Row],[Qty]]*Sales[[#This Row],[Price]]``. Both results are read back (python-calamine)
  and every formula cell compared: texts exactly, numbers to 1e-9 relative. Targets: 100k rows <= 0.5 x
  LibreOffice; 200k rows cost <= 2.2 x 100k rows.
- **Scaling**: 8 copies of the demo workbook with 1, 2 and 4 workers.

Times are the best of ``--repeat`` runs (each on a fresh copy).

    python benchmarks/recalc.py [--rows 50000,100000,200000] [--repeat 1] [--skip demo,rows,scaling]
                                [--customers 10000] [--transactions 200000] [--files 8] [--workers 1,2,4]
"""

from __future__ import annotations

import argparse
import math
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KAM_XL = [sys.executable, "-m", "kam_xl.cli", "recalc", "--as-of", "2026-09-30"]
REGIONS = ("North", "South", "East", "West", "Central")
CATEGORIES = ("Tools", "Paint", "Garden", "Timber", "Electrical", "Plumbing", "Fixings", "Safety")
SALES_HEADERS = ("Order", "Product", "Region", "Qty", "Running", "Price", "Category", "Target", "Value")
FORMULA_COLUMNS = range(4, 9)  # Running … Value, 0-based
DEMO_TARGET, ROWS_TARGET, GROWTH_TARGET = 0.40, 0.5, 2.2


def per_row_book(path: Path, rows: int, *, products: int = 2000, seed: int = 11) -> Path:
    """The per-row workbook described above, written by XlsxWriter (cached values 0)."""
    import numpy as np
    import xlsxwriter

    rng = np.random.default_rng(seed)
    book = xlsxwriter.Workbook(path)
    codes = [f"P{i:05d}" for i in range(1, products + 1)]
    sheet = book.add_worksheet("Products")
    sheet.write_row(0, 0, ["Code", "Price", "Category"])
    sheet.write_column(1, 0, codes)
    sheet.write_column(1, 1, np.round(rng.uniform(1, 500, products), 2).tolist())
    sheet.write_column(1, 2, [CATEGORIES[i] for i in rng.integers(0, len(CATEGORIES), products)])
    targets = book.add_worksheet("Targets")
    targets.write_row(0, 0, ["Region", "Category", "Target"])
    pairs = [(r, c) for r in REGIONS for c in CATEGORIES]
    for i, (region, category) in enumerate(pairs, start=1):
        targets.write_row(i, 0, [region, category, float(rng.integers(10, 100) * 1000)])
    sales = book.add_worksheet("Sales")
    sales.add_table(0, 0, rows, len(SALES_HEADERS) - 1, {"name": "Sales", "columns": [
        *({"header": h} for h in SALES_HEADERS[:-1]),
        {"header": "Value", "formula": "=Sales[[#This Row],[Qty]]*Sales[[#This Row],[Price]]"}]})
    sales.write_column(1, 0, range(1, rows + 1))
    sales.write_column(1, 1, [codes[i] for i in rng.integers(0, products, rows)])
    sales.write_column(1, 2, [REGIONS[i] for i in rng.integers(0, len(REGIONS), rows)])
    sales.write_column(1, 3, rng.integers(1, 50, rows).tolist())
    lookup, last = f"Products!$A$2:$C${products + 1}", len(pairs) + 1
    target = f"Targets!$C$2:$C${last},Targets!$A$2:$A${last},C{{r}},Targets!$B$2:$B${last},G{{r}}"
    for r in range(2, rows + 2):
        sales.write_formula(r - 1, 4, f"=E{r - 1}+D{r}" if r > 2 else "=D2")
        sales.write_formula(r - 1, 5, f"=VLOOKUP(B{r},{lookup},2,FALSE)")
        sales.write_formula(r - 1, 6, f"=VLOOKUP(B{r},{lookup},3,FALSE)")
        sales.write_formula(r - 1, 7, "=SUMIFS(" + target.format(r=r) + ")")
    book.close()
    return path


def differences(ours: Path, theirs: Path, rows: int) -> tuple[int, list[str]]:
    """(formula cells compared, the first differences) between the Sales sheets of two recalculated files."""
    from python_calamine import CalamineWorkbook

    def sales(path: Path) -> list[list]:
        return CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Sales").to_python()

    a, b = sales(ours), sales(theirs)
    found, compared = [], 0
    for r in range(1, rows + 1):
        for c in FORMULA_COLUMNS:
            x, y = a[r][c], b[r][c]
            compared += 1
            same = (math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9) if isinstance(x, float) and isinstance(y, float)
                    else x == y)
            if not same and len(found) < 5:
                found.append(f"{SALES_HEADERS[c]} row {r + 1}: kam-xl {x!r}, LibreOffice {y!r}")
    return compared, found


def best_of(repeat: int, run) -> float:
    return min(run() for _ in range(repeat))


def kam_xl_seconds(book: Path, scratch: Path, repeat: int) -> float:
    """Best time of `kam-xl recalc` on a copy of ``book``; the last copy (``scratch/kam.<suffix>``) stays."""
    def once() -> float:
        copy = scratch / ("kam" + book.suffix)
        shutil.copy(book, copy)
        start = time.perf_counter()
        subprocess.run(KAM_XL + [str(copy)], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - start
    return best_of(repeat, once)


def libreoffice_seconds(book: Path, out: Path, repeat: int) -> float:
    """Best time of LibreOffice recalculating ``book`` into ``out/<stem>.xlsx``."""
    from kam_xl.recalc.libreoffice import libreoffice_recalculate

    def once() -> float:
        start = time.perf_counter()
        libreoffice_recalculate(book, out)
        return time.perf_counter() - start
    return best_of(repeat, once)


def demo(folder: Path, args, soffice: bool) -> Path:
    from kam_xl.demo import generate
    from kam_xl.template.workbook import build_workbook

    started = time.perf_counter()
    book = build_workbook(folder / "KeyAccounts.xlsm",
                          generate(customers=args.customers, seed=5, transactions=args.transactions))
    print(f"demo workbook: {args.customers:,} customers, ~{args.transactions:,} transaction lines, "
          f"{book.stat().st_size / 2**20:.1f} MB, built in {time.perf_counter() - started:.1f} s")
    if "demo" in args.skip:
        return book
    ours = kam_xl_seconds(book, folder, args.repeat)
    print(f"  kam-xl recalc (fresh process, one file)     {ours:7.2f} s")
    if soffice:
        theirs = libreoffice_seconds(book, folder / "lo", args.repeat)
        print(f"  LibreOffice headless recalculation + save {theirs:7.2f} s   (baseline)")
        print(f"  ratio kam-xl / LibreOffice                  {ours / theirs:7.2f}   target <= {DEMO_TARGET}")
    return book


def per_row(folder: Path, args, soffice: bool) -> None:
    ours_by_rows = {}
    for rows in (int(n) for n in args.rows.split(",")):
        started = time.perf_counter()
        book = per_row_book(folder / f"rows{rows}.xlsx", rows)
        print(f"per-row workbook: {rows:,} rows, {5 * rows:,} formulas, {book.stat().st_size / 2**20:.1f} MB, "
              f"built in {time.perf_counter() - started:.1f} s")
        ours = ours_by_rows[rows] = kam_xl_seconds(book, folder, args.repeat)
        print(f"  kam-xl recalc (fresh process)               {ours:7.2f} s")
        if not soffice:
            continue
        theirs = libreoffice_seconds(book, folder / "lo", args.repeat)
        print(f"  LibreOffice headless recalculation + save {theirs:7.2f} s   (baseline)")
        print(f"  ratio kam-xl / LibreOffice                  {ours / theirs:7.2f}   "
              f"target <= {ROWS_TARGET} at 100k rows")
        compared, found = differences(folder / "kam.xlsx", folder / "lo" / book.name, rows)
        print(f"  values: {compared:,} formula cells, "
              + ("all equal to LibreOffice's" if not found else "DIFFERENT: " + "; ".join(found)))
    for small, large in zip(sorted(ours_by_rows), sorted(ours_by_rows)[1:]):
        growth = ours_by_rows[large] / ours_by_rows[small]
        print(f"  kam-xl {large:,} rows / {small:,} rows: {growth:4.2f} x the time for "
              f"{large / small:.1f} x the rows" + (f"   target <= {GROWTH_TARGET}" if large == 2 * small else ""))


def scaling(folder: Path, book: Path, args) -> None:
    batch = folder / "batch"
    batch.mkdir()
    print(f"scaling: {args.files} copies of the demo workbook")
    first = None
    for workers in (int(w) for w in args.workers.split(",")):
        for i in range(args.files):
            shutil.copy(book, batch / f"book{i}.xlsm")
        start = time.perf_counter()
        subprocess.run(KAM_XL + [str(batch), "--workers", str(workers)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        seconds = time.perf_counter() - start
        first = first or seconds
        print(f"  {workers} worker(s): {seconds:7.2f} s   speed-up {first / seconds:4.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="50000,100000,200000", help="per-row workbook sizes")
    parser.add_argument("--repeat", type=int, default=1, help="runs per timing; the best counts")
    parser.add_argument("--skip", default="", help="any of demo,rows,scaling")
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--transactions", type=int, default=200_000)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--workers", default="1,2,4")
    args = parser.parse_args()

    from kam_xl.recalc.libreoffice import find_soffice

    soffice = find_soffice() is not None
    if not soffice:
        print("LibreOffice not installed: no baseline (apt-get install libreoffice-calc-nogui)")
    with tempfile.TemporaryDirectory(prefix="kam-xl-bench-") as scratch:
        folder = Path(scratch)
        if "rows" not in args.skip:
            per_row(folder, args, soffice)
        if "demo" not in args.skip or "scaling" not in args.skip:
            book = demo(folder, args, soffice)
            if "scaling" not in args.skip:
                scaling(folder, book, args)


if __name__ == "__main__":
    main()
