"""10,000 per-cell =ABC_CLASS(value, range) calls over one 10,000-value range.

Each call gets a fresh 2-D list, as xlwings hands a range to a UDF; building those lists is xlwings' work
and is timed apart and subtracted. Figures: the cached calls, the same calls without the cache
(extrapolated from a sample), and the baseline of merely reading 10,000 values per call.
Target: cached calls <= 1 s.

    python benchmarks/udfs.py [--values 10000] [--calls 10000]
"""

from __future__ import annotations

import argparse
import random
import time

from kam_xl import udfs
from kam_xl.cellcache import ContentCache


def fresh_list(values: list[float]) -> list[list[float]]:
    """A fresh 2-D list with fresh float objects, as a COM transfer produces (``v + 0.0`` is a new object)."""
    return [[v + 0.0] for v in values]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=10_000)
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--uncached-sample", type=int, default=100)
    args = parser.parse_args()

    rnd = random.Random(1)
    values = [round(rnd.paretovariate(1.2) * 1000, 2) for _ in range(args.values)]
    cells = [values[(i * 7919) % args.values] for i in range(args.calls)]
    build = read = cached = 0.0
    answers = []
    udfs._cache.clear()
    for cell in cells:
        t0 = time.perf_counter()
        rows = fresh_list(values)
        t1 = time.perf_counter()
        [r[0] for r in rows]
        t2 = time.perf_counter()
        answers.append(udfs.ABC_CLASS(cell, rows))
        t3 = time.perf_counter()
        build, read, cached = build + t1 - t0, read + t2 - t1, cached + t3 - t2
    assert udfs._cache.misses == 1, "the range should be ranked once"

    sample = args.uncached_sample
    uncached = 0.0
    for cell in cells[:sample]:
        rows = fresh_list(values)
        udfs._cache = ContentCache(size=16)  # forget everything: every call ranks the range anew
        start = time.perf_counter()
        assert udfs.ABC_CLASS(cell, rows) in "ABCN"
        uncached += time.perf_counter() - start
    uncached = uncached / sample * args.calls
    udfs._cache = ContentCache(size=16)

    print(f"ABC_CLASS: {args.calls:,} calls over one {args.values:,}-value range (fresh 2-D list per call)")
    print(f"  building the lists (xlwings' share, not counted) {build:8.3f} s")
    print(f"  baseline: merely reading the values per call      {read:8.3f} s")
    print(f"  kam_xl, content cache                             {cached:8.3f} s   "
          f"{cached / read:5.2f} x baseline   target <= 1 s: {'met' if cached <= 1 else 'NOT met'}")
    print(f"  kam_xl, no cache (from {sample} calls)              {uncached:8.3f} s   "
          f"{uncached / cached:5.0f} x the cached calls")
    print(f"  classes: {dict((c, answers.count(c)) for c in 'ABCN')}")


if __name__ == "__main__":
    main()
