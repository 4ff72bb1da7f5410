"""`kam-xl refresh` (Win-back list + recalculation, one atomic write) against `kam-xl recalc` of the same file.

Builds the demo workbook at 10,000 customers / 200,000 transaction lines, then in the same run times each
command on its own copy in a fresh process (as a scheduler starts it) and reads its peak memory (the child's
maximum resident set). Target: refresh <= 1.3 x recalc.

    python benchmarks/refresh.py [--customers 10000] [--transactions 200000] [--repeat 2]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET = 1.3


def measured(command: list[str]) -> tuple[float, float]:
    """Seconds and peak memory (MiB) of one run of ``command`` in a fresh process."""
    start = time.perf_counter()
    code = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    seconds = time.perf_counter() - start
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed with exit {code}")
    return seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--transactions", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()

    from kam_xl.demo import generate
    from kam_xl.template.workbook import build_workbook

    with tempfile.TemporaryDirectory(prefix="kam-xl-bench-") as scratch:
        folder = Path(scratch)
        book = build_workbook(folder / "KeyAccounts.xlsm",
                              generate(customers=args.customers, seed=5, transactions=args.transactions))
        print(f"demo workbook: {args.customers:,} customers, ~{args.transactions:,} transaction lines, "
              f"{book.stat().st_size / 2**20:.1f} MB")
        best = {}
        # recalc first: ru_maxrss of children is a running maximum, so the larger job is measured last
        for command in ("recalc", "refresh"):
            runs = []
            for i in range(args.repeat):
                copy = folder / f"{command}-{i}.xlsm"
                shutil.copy(book, copy)
                runs.append(measured([sys.executable, "-m", "kam_xl.cli", command, "--as-of", "2026-09-30",
                                      str(copy)]))
            best[command] = min(runs)
            print(f"  kam-xl {command:8s} {best[command][0]:7.2f} s   peak memory {best[command][1]:7.0f} MiB "
                  "(children so far)")
        ratio = best["refresh"][0] / best["recalc"][0]
        print(f"  ratio refresh / recalc  {ratio:5.2f}   target: <= {TARGET}  "
              f"{'met' if ratio <= TARGET else 'NOT met'}")


if __name__ == "__main__":
    main()
