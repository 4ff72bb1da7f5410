"""`kam-xl build-workbook`: write workbook/KeyAccounts.xlsm, or check that the committed one is current.

    kam-xl build-workbook                    the template (empty tables) at workbook/KeyAccounts.xlsm
    kam-xl build-workbook --check            exit 1 if the file differs from a fresh build, 0 if equal
    kam-xl build-workbook --demo 500 --out demo.xlsm
                                             a workbook filled with seeded demo data and cached results
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO_ROOT / "workbook" / "KeyAccounts.xlsm"


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "build-workbook", help="build workbook/KeyAccounts.xlsm (or check it is up to date)",
        description="Build the KeyAccounts workbook from the sources: sheets, VBA project, ribbon. The same "
                    "sources always give the same bytes, so --check can compare the committed file with a "
                    "fresh build.")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="PATH",
                        help=f"where to write (default {_shown(DEFAULT_OUT)})")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if PATH differs from a fresh build, 0 if it is equal")
    parser.add_argument("--demo", type=_positive, default=None, metavar="CUSTOMERS",
                        help="fill the tables with seeded demo data for this many customers")
    parser.add_argument("--seed", type=int, default=7, metavar="S", help="seed of the demo data (default 7)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from kam_xl.template.workbook import build_workbook, workbook_bytes

    data = None
    if args.demo is not None:
        from kam_xl.demo import generate

        data = generate(customers=args.demo, seed=args.seed)
    out = Path(args.out)
    if args.check:
        fresh = workbook_bytes(data)
        if not out.is_file():
            print(f"kam-xl build-workbook: {_shown(out)} does not exist; run `kam-xl build-workbook` "
                  "and commit the file", file=sys.stderr)
            return 1
        if out.read_bytes() != fresh:
            print(f"kam-xl build-workbook: {_shown(out)} differs from a fresh build of the sources; run "
                  "`kam-xl build-workbook` and commit the file", file=sys.stderr)
            return 1
        print(f"{_shown(out)} is up to date")
        return 0
    path = build_workbook(out, data)
    print(f"Wrote {_shown(path)} ({path.stat().st_size:,} bytes)")
    return 0


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, found {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, found {value}")
    return value


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
