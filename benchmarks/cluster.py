"""Files per second of `kam-xl refresh` over 40 workbooks: local processes, then Dask clusters of 1, 2 and 4 workers.

Builds one demo workbook, copies it 40 times per run into a fresh folder, and times `kam-xl refresh FOLDER` in a
fresh process (as cron starts it): once with local processes (`--workers`, default: cores, at most 4), then
against a `distributed.LocalCluster` of n single-threaded worker processes on this machine (`--scheduler`),
each cluster started before the clock runs. On one machine the cluster figures show Dask's overhead against
local processes; on several machines the workers add up.

    python benchmarks/cluster.py [--files 40] [--customers 300] [--dask-workers 1 2 4]
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

AS_OF = "2026-09-30"


def timed_refresh(folder: Path, extra: list[str]) -> float:
    """Seconds of one `kam-xl refresh FOLDER` in a fresh process."""
    start = time.perf_counter()
    code = subprocess.run([sys.executable, "-m", "kam_xl.cli", "refresh", str(folder), "--as-of", AS_OF, *extra],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    if code not in (0, 1):
        raise SystemExit(f"kam-xl refresh {folder} {' '.join(extra)} failed with exit {code}")
    return time.perf_counter() - start


def copies(book: Path, folder: Path, n: int) -> Path:
    folder.mkdir()
    for i in range(n):
        shutil.copyfile(book, folder / f"book{i:03d}.xlsm")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=40)
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--dask-workers", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()

    from distributed import LocalCluster

    from kam_xl.demo import generate
    from kam_xl.template.workbook import build_workbook

    with tempfile.TemporaryDirectory(prefix="kam-xl-bench-") as scratch:
        root = Path(scratch)
        book = build_workbook(root / "KeyAccounts.xlsm", generate(customers=args.customers, seed=5))
        print(f"{args.files} copies of a demo workbook of {args.customers:,} customers "
              f"({book.stat().st_size / 2**10:.0f} KB), {os.cpu_count()} cores")
        local_workers = min(4, os.cpu_count() or 1)
        seconds = timed_refresh(copies(book, root / "local", args.files), ["--workers", str(local_workers)])
        print(f"  local processes ({local_workers})  {seconds:7.1f} s  {args.files / seconds:6.2f} files/s")
        for n in args.dask_workers:
            with LocalCluster(n_workers=n, processes=True, threads_per_worker=1, host="127.0.0.1",
                              dashboard_address=":0") as cluster:
                seconds = timed_refresh(copies(book, root / f"dask-{n}", args.files),
                                        ["--scheduler", cluster.scheduler_address])
            print(f"  Dask, {n} worker{'s' if n > 1 else ' '}         {seconds:7.1f} s  "
                  f"{args.files / seconds:6.2f} files/s")


if __name__ == "__main__":
    main()
