"""Time and peak memory of `analyze` (BG/NBD fit included) on generated data.

Sizes: 100k, 1M and 2M transaction lines for 10k, 50k and 100k customers. Each size runs in a fresh
process so memory figures do not mix. Target (named baseline): 1M lines / 50k customers in <= 3 s
in-process on a 2-core machine, and cost growing linearly (seconds per million lines roughly constant).

The early-warning columns (class migration, trend, expected purchases, Gamma-Gamma order value, CLV,
reasons) are timed inside the same runs by wrapping their functions; "before" = the rest of `analyze`,
what it cost before those columns existed. Target: with them, <= 1.5 x before.

    python benchmarks/core.py [--sizes 100000:10000,1000000:50000,2000000:100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import tracemalloc

TARGET_SECONDS = 3.0
TARGET_SIZE = (1_000_000, 50_000)
TARGET_EARLY_WARNING = 1.5


def _time_early_warning() -> list[float]:
    """Wrap the early-warning steps so their time (outermost calls only) adds up in the returned list."""
    from kam_xl.core import bgnbd, early_warning

    spent, depth = [0.0], [0]

    def timed(module, name):
        inner = getattr(module, name)

        def wrapper(*args, **kwargs):
            depth[0] += 1
            start = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                depth[0] -= 1
                if depth[0] == 0:
                    spent[0] += time.perf_counter() - start

        setattr(module, name, wrapper)

    for name in ("migration", "repeat_spend", "average_order_value", "clv_12m", "warnings"):
        timed(early_warning, name)
    timed(bgnbd, "expected_purchases")
    return spent


def measure(lines: int, customers: int, repeat: int) -> dict:
    """Run inside a child process: generate (untimed), then time analyze and trace its peak memory."""
    from kam_xl.core.analysis import analyze
    from kam_xl.demo import generate

    data = generate(customers=customers, seed=11, transactions=lines)
    args = (data.transactions, data.customers, data.complaints)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        table = analyze(*args)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    analyze(*args)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    spent = _time_early_warning()
    shares = []
    for _ in range(repeat):
        spent[0] = 0.0
        start = time.perf_counter()
        analyze(*args)
        shares.append(spent[0] / (time.perf_counter() - start))
    return {"lines": len(data.transactions), "customers": len(table), "seconds": min(times),
            "peak_mb": peak / 2**20, "early_warning_share": sorted(shares)[len(shares) // 2]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000:10000,1000000:50000,2000000:100000",
                        help="comma-separated LINES:CUSTOMERS pairs")
    parser.add_argument("--repeat", type=int, default=3, help="runs per size; the best is reported")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        lines, customers = map(int, args.child.split(":"))
        print(json.dumps(measure(lines, customers, args.repeat)))
        return

    print(f"analyze(): best of {args.repeat}, P(alive) fit included; peak = traced Python/numpy allocations")
    print(f"{'lines':>10} {'customers':>10} {'seconds':>8} {'s per 1M lines':>15} {'peak MB':>8} "
          f"{'early warning':>14} {'x before':>9}")
    rows = []
    for size in args.sizes.split(","):
        out = subprocess.run([sys.executable, __file__, "--child", size, "--repeat", str(args.repeat)],
                             capture_output=True, text=True, check=True)
        row = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(row)
        per_million = row["seconds"] / row["lines"] * 1e6
        row["x_before"] = 1.0 / (1.0 - row["early_warning_share"])
        print(f"{row['lines']:>10,} {row['customers']:>10,} {row['seconds']:>8.2f} {per_million:>15.2f} "
              f"{row['peak_mb']:>8.0f} {row['early_warning_share']:>13.0%} {row['x_before']:>9.2f}", flush=True)
    target = min(rows, key=lambda r: abs(r["lines"] - TARGET_SIZE[0]) + abs(r["customers"] - TARGET_SIZE[1]))
    verdict = "met" if target["seconds"] <= TARGET_SECONDS else "NOT met"
    print(f"baseline 'target: {TARGET_SIZE[0]:,} lines / {TARGET_SIZE[1]:,} customers <= {TARGET_SECONDS:.0f} s': "
          f"{target['seconds']:.2f} s = {target['seconds'] / TARGET_SECONDS:.2f} x target ({verdict})")
    verdict = "met" if target["x_before"] <= TARGET_EARLY_WARNING else "NOT met"
    print(f"baseline 'analyze before the early-warning columns': with them {target['x_before']:.2f} x "
          f"(target <= {TARGET_EARLY_WARNING} x: {verdict})")
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        growth = (last["seconds"] / first["seconds"]) / (last["lines"] / first["lines"])
        print(f"scaling: time grew {last['seconds'] / first['seconds']:.1f}x for {last['lines'] / first['lines']:.0f}x "
              f"lines ({growth:.2f} x linear)")


if __name__ == "__main__":
    main()
