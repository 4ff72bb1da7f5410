"""write_values (the back half of `kam-xl recalc`) on one sheet of 200,000 cells, against the named baseline
"target 1 s" per call.

Four cases on generated workbooks: formula cells (=A1*2 …) and the cells of a dynamic-array spill range (value
cells inside the anchor's ref, as Excel saves them), each once with every value changed and once with every
value already cached (the common case on a nightly re-run: those cells should cost next to nothing). Each time
is the best of a few runs, on a fresh copy. ``--demo`` adds the demo workbook at 10,000 customers / 200,000
transactions, recalculated once (slow to build), written back as `kam-xl recalc` does (most of its
220,000 values are already cached there).

    python benchmarks/package.py [--cells 200000] [--repeat 3] [--demo]
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import tempfile
import time
from pathlib import Path

TARGET = 1.0  # seconds per write_values call


def formula_book(path: Path, n: int) -> tuple[Path, dict]:
    """Column B holds n formulas (cached 0) next to n numbers; returns the book and new values for B."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    data = workbook.add_worksheet("Data")
    for row in range(n):
        data.write_number(row, 0, row)
        data.write_formula(row, 1, f"=A{row + 1}*2", None, 0)
    workbook.close()
    return path, {f"B{row + 1}": row * 2.5 for row in range(n)}


def spill_book(path: Path, n: int, width: int = 20) -> tuple[Path, dict]:
    """A dynamic array spilling over n cells (n / width rows, text in the first column, numbers after), as
    Excel saves it: the anchor holds the formula, the other cells of its ref only their values."""
    import xlsxwriter
    from xlsxwriter.utility import xl_col_to_name

    rows = n // width
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    data = workbook.add_worksheet("Data")
    new = {}
    for row in range(rows):
        for col in range(width):
            value = f"C{row:05d}" if col == 0 else row * 0.37 + col
            new[f"{xl_col_to_name(col)}{row + 1}"] = f"K{row:05d}" if col == 0 else value * 1.01
            if row == 0 and col == 0:
                last = f"{xl_col_to_name(width - 1)}{rows}"
                data.write_dynamic_array_formula(f"A1:{last}", "=ANALYSIS()", None, value)
            elif isinstance(value, str):
                data.write_string(row, col, value)
            else:
                data.write_number(row, col, value)
    workbook.close()
    return path, new


def timed(book: Path, values: dict, repeat: int, all_computed: bool = True, **kwargs) -> tuple[float, object]:
    """The best time of write_values over ``repeat`` fresh copies of ``book``, and its report."""
    from kam_xl.package import write_values

    best, report = float("inf"), None
    for i in range(repeat):
        copy = book.with_name(f"copy{i}{book.suffix}")
        shutil.copyfile(book, copy)
        started = time.perf_counter()
        report = write_values(copy, values, all_computed=all_computed, **kwargs)
        best = min(best, time.perf_counter() - started)
        copy.unlink()
    return best, report


def line(label: str, seconds: float, report) -> None:
    counts = f"written {report.cells_written:,}, unchanged {report.cells_unchanged:,}"
    print(f"  {label:<46} {seconds:6.2f} s   ({counts})   target {TARGET:g} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--demo", action="store_true", help="also the recalculated demo workbook (slow)")
    args = parser.parse_args()
    from kam_xl.package import write_values

    with tempfile.TemporaryDirectory(prefix="kam-xl-bench-") as scratch:
        folder = Path(scratch)
        print(f"write_values, one sheet of {args.cells:,} cells (best of {args.repeat})")
        for name, build in (("formula cells", formula_book), ("spill range cells", spill_book)):
            book, values = build(folder / f"{name.split()[0]}.xlsx", args.cells)
            seconds, report = timed(book, {"Data": values}, args.repeat)
            line(f"{name}, every value changed", seconds, report)
            cached = book.with_name(f"cached-{book.name}")  # the same values written once before
            write_values(book, {"Data": values}, all_computed=True, out=cached)
            seconds, report = timed(cached, {"Data": values}, args.repeat)
            line(f"{name}, every value already cached", seconds, report)
        if args.demo:
            demo(folder, args.repeat)


def demo(folder: Path, repeat: int) -> None:
    from kam_xl.demo import generate
    from kam_xl.recalc import recalculate
    from kam_xl.template.workbook import build_workbook

    book = build_workbook(folder / "KeyAccounts.xlsm", generate(customers=10_000, seed=5, transactions=200_000))
    result = recalculate(book, as_of=dt.date(2026, 9, 30))
    cells = sum(len(v) for v in result.values.values())
    seconds, report = timed(book, result.values, repeat, all_computed=result.all_computed, spills=result.spills)
    line(f"demo workbook, recalculated ({cells:,} values)", seconds, report)


if __name__ == "__main__":
    main()
