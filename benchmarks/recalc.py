"""kam-xl recalc against LibreOffice headless recalculation, and scaling over worker processes.

Builds the demo workbook at 10,000 customers / 200,000 transaction lines, then in the same run times
(1) `kam-xl recalc` on a copy (a fresh process, as a scheduler would start it) and (2) LibreOffice headless
recalculating the same file (recalc-on-load forced through a private profile, then saved) — the named
baseline; the ratio is the figure (target: well below 1). LibreOffice cannot run the kam_xl cell functions
(#NAME?), so it does less work than kam-xl. Then 8 copies are recalculated with 1, 2 and 4 workers.

    python benchmarks/recalc.py [--customers 10000] [--transactions 200000] [--files 8] [--workers 1,2,4]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--transactions", type=int, default=200_000)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--workers", default="1,2,4")
    args = parser.parse_args()

    from kam_xl.demo import generate
    from kam_xl.recalc.libreoffice import find_soffice, libreoffice_recalculate
    from kam_xl.template.workbook import build_workbook

    kam_xl = [sys.executable, "-m", "kam_xl.cli", "recalc", "--as-of", "2026-09-30"]
    with tempfile.TemporaryDirectory(prefix="kam-xl-bench-") as scratch:
        folder = Path(scratch)
        started = time.perf_counter()
        book = build_workbook(folder / "KeyAccounts.xlsm",
                              generate(customers=args.customers, seed=5, transactions=args.transactions))
        print(f"demo workbook: {args.customers:,} customers, ~{args.transactions:,} transaction lines, "
              f"{book.stat().st_size / 2**20:.1f} MB, built in {time.perf_counter() - started:.1f} s")

        copy = folder / "kam.xlsm"
        shutil.copy(book, copy)
        ours = timed(kam_xl + [str(copy)])
        print(f"  kam-xl recalc (fresh process, one file)     {ours:7.2f} s")
        if find_soffice():
            start = time.perf_counter()
            libreoffice_recalculate(book, folder / "lo")
            theirs = time.perf_counter() - start
            print(f"  LibreOffice headless recalculation + save {theirs:7.2f} s   (baseline)")
            print(f"  ratio kam-xl / LibreOffice                  {ours / theirs:7.2f}   target: well below 1")
        else:
            print("  LibreOffice not installed: no baseline (apt-get install libreoffice-calc-nogui)")

        batch = folder / "batch"
        batch.mkdir()
        print(f"scaling: {args.files} copies of the workbook")
        first = None
        for workers in (int(w) for w in args.workers.split(",")):
            for i in range(args.files):
                shutil.copy(book, batch / f"book{i}.xlsm")
            seconds = timed(kam_xl + [str(batch), "--workers", str(workers)])
            first = first or seconds
            print(f"  {workers} worker(s): {seconds:7.2f} s   speed-up {first / seconds:4.2f}x")


if __name__ == "__main__":
    main()
