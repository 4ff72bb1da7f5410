"""`kam-xl build-workbook`: write the KeyAccounts workbook, or check that the committed one is current.

    kam-xl build-workbook                    the template (empty tables): workbook/KeyAccounts.xlsm in a
                                             checkout, ./KeyAccounts.xlsm when kam_xl is installed
    kam-xl build-workbook --check            exit 1 if the file differs from a fresh build, 0 if equal
    kam-xl build-workbook --demo 500 --out demo.xlsm
                                             a workbook filled with seeded demo data and cached results
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

import kam_xl
from kam_xl.errors import InputError

WORKBOOK_NAME = "KeyAccounts.xlsm"


def checkout_root() -> Path | None:
    """The source tree kam_xl runs from (its pyproject.toml names kam_xl, workbook/ beside it), else None."""
    root = Path(kam_xl.__file__).resolve().parents[1]
    try:
        project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8")).get("project", {})
    except (OSError, tomllib.TOMLDecodeError):
        return None
    return root if project.get("name") == "kam_xl" and (root / "workbook").is_dir() else None


def default_out() -> Path:
    """workbook/KeyAccounts.xlsm of the checkout, or KeyAccounts.xlsm in the current folder when installed."""
    root = checkout_root()
    return root / "workbook" / WORKBOOK_NAME if root else Path(WORKBOOK_NAME)


def xlsm_path(path: str | Path, option: str) -> Path:
    """`path` if it ends in .xlsm; else an InputError naming `option`: Excel opens macro workbooks only as .xlsm."""
    path = Path(path)
    if path.suffix.casefold() != ".xlsm":
        raise InputError(f"the workbook holds macros and Excel opens such a file only under an .xlsm name; "
                         f"use {option} {path.with_suffix('.xlsm')}", source=str(path))
    return path


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "build-workbook", help="build workbook/KeyAccounts.xlsm (or check it is up to date)",
        description="Build the KeyAccounts workbook from the sources: sheets, VBA project, ribbon. The same "
                    "sources always give the same bytes, so --check can compare the committed file with a "
                    "fresh build.")
    parser.add_argument("--out", type=Path, default=None, metavar="PATH.xlsm",
                        help="where to write (default workbook/KeyAccounts.xlsm in a kam_xl checkout, "
                             "KeyAccounts.xlsm in the current folder when kam_xl is installed)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if PATH differs from a fresh build, 0 if it is equal "
                             "(without --out it needs a kam_xl checkout)")
    parser.add_argument("--demo", type=_positive, default=None, metavar="CUSTOMERS",
                        help="fill the tables with seeded demo data for this many customers")
    parser.add_argument("--seed", type=int, default=7, metavar="S", help="seed of the demo data (default 7)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from kam_xl.template.workbook import build_workbook, workbook_bytes

    if args.check and args.out is None and checkout_root() is None:
        raise InputError(f"--check compares with the committed workbook/{WORKBOOK_NAME} and needs a kam_xl "
                         f"checkout (this kam_xl is installed in {Path(kam_xl.__file__).parent}); run it in "
                         "a clone of the sources, or name a file with --out")
    out = default_out() if args.out is None else args.out
    if not args.check:
        xlsm_path(out, "--out")
    data = None
    if args.demo is not None:
        from kam_xl.demo import generate

        data = generate(customers=args.demo, seed=args.seed)
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
